#include "einet/train/snn_network.hpp"

#include <cmath>
#include <numbers>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::train {

lif_params lif_params::canonical(double beta, double theta) {
    lif_params p;
    p.beta = beta;
    p.theta = theta;
    p.reset_scale = beta * theta;  // immediate soft reset in pre-reset coordinates (spec §2.3)
    p.tie = tie_rule::ge;
    p.membrane_post_reset = true;
    return p;
}

lif_params lif_params::reference(double beta, double theta) {
    lif_params p;
    p.beta = beta;
    p.theta = theta;
    p.reset_scale = theta;  // snnTorch Leaky: reset from the previous membrane, strict > (spec §2.3)
    p.tie = tie_rule::gt;
    p.membrane_post_reset = false;
    return p;
}

surrogate surrogate::named(const std::string& name) {
    if (name == "atan") return {surrogate_kind::atan, 2.0};
    if (name == "fast_sigmoid") return {surrogate_kind::fast_sigmoid, 25.0};
    if (name == "superspike") return {surrogate_kind::superspike, 10.0};
    throw config_error("surrogate: expected atan, fast_sigmoid or superspike, got \"" + name + "\"");
}

double surrogate::derivative(double x) const {
    if (kind == surrogate_kind::atan) {
        const double z = std::numbers::pi * slope * x / 2.0;
        return (slope / 2.0) / (1.0 + z * z);
    }
    const double d = 1.0 + slope * std::abs(x);
    return 1.0 / (d * d);
}

double surrogate::primitive(double x) const {
    if (kind == surrogate_kind::atan) return 0.5 + std::atan(std::numbers::pi * slope * x / 2.0) / std::numbers::pi;
    return 0.5 + x / (1.0 + slope * std::abs(x));
}

std::size_t snn_shape::width(std::size_t layer) const {
    return (layer + 1 == lif_layers() ? p_last : p_rec) / branches;
}

std::size_t snn_shape::fan_in(std::size_t layer) const { return layer == 0 ? inputs : width(layer - 1); }

void snn_shape::validate(const std::string& where) const {
    auto fail = [&](const std::string& what) { throw config_error(where + ": " + what); };
    if (inputs == 0) fail("input dimension d must be >= 1");
    if (branches == 0) fail("branches K must be >= 1");
    if (outputs == 0) fail("outputs C must be >= 1");
    if (depth == 0) fail("depth L must be >= 1");
    if (p_last == 0 || p_last % branches != 0)
        fail("p_last = " + std::to_string(p_last) + " must be a positive multiple of K = " + std::to_string(branches));
    if (lif_layers() > 1 && (p_rec == 0 || p_rec % branches != 0))
        fail("p_rec = " + std::to_string(p_rec) + " must be a positive multiple of K = " + std::to_string(branches));
}

snn_params::snn_params(const snn_shape& shape) : shape_(shape) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < shape.branches; ++k)
        for (std::size_t l = 0; l < shape.lif_layers(); ++l) {
            offsets_.push_back(n);
            n += shape.fan_in(l) * shape.width(l);
        }
    readout_offset_ = n;
    flat_.assign(n + shape.p_last * shape.outputs, 0.0);
}

Eigen::Map<matrix> snn_params::hidden(std::size_t k, std::size_t l) {
    return {flat_.data() + offset(k, l), static_cast<Eigen::Index>(shape_.fan_in(l)),
            static_cast<Eigen::Index>(shape_.width(l))};
}
Eigen::Map<const matrix> snn_params::hidden(std::size_t k, std::size_t l) const {
    return {flat_.data() + offset(k, l), static_cast<Eigen::Index>(shape_.fan_in(l)),
            static_cast<Eigen::Index>(shape_.width(l))};
}
Eigen::Map<matrix> snn_params::readout() {
    return {flat_.data() + readout_offset_, static_cast<Eigen::Index>(shape_.p_last),
            static_cast<Eigen::Index>(shape_.outputs)};
}
Eigen::Map<const matrix> snn_params::readout() const {
    return {flat_.data() + readout_offset_, static_cast<Eigen::Index>(shape_.p_last),
            static_cast<Eigen::Index>(shape_.outputs)};
}

namespace {

// Fan-in of every parameter (the readout's is p_last), in flat order.
std::size_t fan_in_of(const snn_params& p, std::size_t index) {
    const auto& s = p.shape();
    if (index >= p.readout_offset()) return s.p_last;
    std::size_t n = 0;
    for (std::size_t k = 0; k < s.branches; ++k)
        for (std::size_t l = 0; l < s.lif_layers(); ++l) {
            n += s.fan_in(l) * s.width(l);
            if (index < n) return s.fan_in(l);
        }
    return 1;
}

}  // namespace

void init_uniform_fan_in(snn_params& p, std::uint64_t seed) {
    auto& f = p.flat();
    for (std::size_t i = 0; i < f.size(); ++i) {
        const auto r = rng::philox(seed, rng::purpose::weight_init, 0, i);
        const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in_of(p, i)));
        f[i] = bound * (2.0 * rng::uniform53(r[0], r[1]) - 1.0);
    }
}

void init_gaussian_witness(snn_params& p, std::uint64_t seed) {
    auto& f = p.flat();
    for (std::size_t i = 0; i < p.readout_offset(); ++i) f[i] = rng::normals4(seed, rng::purpose::weight_init, 1, i)[0];
    for (std::size_t i = p.readout_offset(); i < f.size(); ++i) f[i] = 0.0;
}

void snn_forward(const snn_params& p, const snn_options& opt, const matrix& x, std::size_t steps, snn_trace& tr) {
    const auto& sh = p.shape();
    if (steps == 0 || x.rows() % static_cast<Eigen::Index>(steps) != 0 || x.cols() != static_cast<Eigen::Index>(sh.inputs))
        throw internal_error("snn_forward: input is not [T·B × d]");
    const std::size_t B = static_cast<std::size_t>(x.rows()) / steps, L = sh.lif_layers();
    const auto& lif = opt.lif;
    tr.steps = steps;
    tr.batch = B;
    tr.u.resize(sh.branches * L);
    tr.s.resize(sh.branches * L);
    tr.features.resize(x.rows(), static_cast<Eigen::Index>(sh.p_last));
    for (std::size_t k = 0; k < sh.branches; ++k) {
        for (std::size_t l = 0; l < L; ++l) {
            const matrix& in = l == 0 ? x : tr.s[k * L + l - 1];
            matrix& u = tr.u[k * L + l];
            matrix& s = tr.s[k * L + l];
            u.noalias() = in * p.hidden(k, l);  // I_t for every t at once
            s.resize(u.rows(), u.cols());
            const Eigen::Index w = u.cols();
            for (std::size_t t = 0; t < steps; ++t) {
                double* ut = u.data() + t * B * w;
                double* st = s.data() + t * B * w;
                const double* up = ut - B * w;
                const double* sp = st - B * w;
                for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(B) * w; ++i) {
                    // u_t = β u_{t−1} + I_t − reset_scale s_{t−1}  (spec §2.3, pre-reset form)
                    if (t > 0) ut[i] += lif.beta * up[i] - lif.reset_scale * sp[i];
                    st[i] = opt.sg.smooth_forward ? opt.sg.primitive(ut[i] - lif.theta) : lif.spikes(ut[i]) ? 1.0 : 0.0;
                }
            }
        }
        const matrix& u = tr.u[k * L + L - 1];
        const matrix& s = tr.s[k * L + L - 1];
        auto f = tr.features.middleCols(static_cast<Eigen::Index>(k * sh.width(L - 1)), u.cols());
        const double post = lif.membrane_post_reset ? lif.theta : 0.0;
        switch (opt.readout) {
            case readout_kind::spike: f = s; break;
            case readout_kind::membrane: f = u - post * s; break;
            case readout_kind::membrane_threshold:
                // 1[v − b ≥ 0] on the post-reset membrane v = u − θ s (spec §4.3)
                f = ((u - lif.theta * s).array() - opt.readout_bias >= 0.0).cast<double>();
                break;
        }
    }
    tr.logits.noalias() = tr.features * p.readout();
}

void snn_backward(const snn_params& p, const snn_options& opt, const matrix& x, const snn_trace& tr,
                  const matrix& dlogits, std::vector<double>& grad) {
    const auto& sh = p.shape();
    const auto& lif = opt.lif;
    const std::size_t B = tr.batch, T = tr.steps, L = sh.lif_layers();
    grad.assign(p.flat().size(), 0.0);
    Eigen::Map<matrix>(grad.data() + p.readout_offset(), static_cast<Eigen::Index>(sh.p_last),
                       static_cast<Eigen::Index>(sh.outputs))
        .noalias() = tr.features.transpose() * dlogits;
    if (opt.readout == readout_kind::membrane_threshold) return;  // a hard threshold has no gradient
    const matrix dfeat = dlogits * p.readout().transpose();
    snn_params gview(sh);  // only for its offsets: gradient blocks have the parameters' layout
    matrix gs, gu_direct, dI;
    for (std::size_t k = 0; k < sh.branches; ++k) {
        const Eigen::Index w_last = static_cast<Eigen::Index>(sh.width(L - 1));
        const auto g = dfeat.middleCols(static_cast<Eigen::Index>(k) * w_last, w_last);
        const double post = lif.membrane_post_reset ? lif.theta : 0.0;
        if (opt.readout == readout_kind::spike) {
            gs = g;
            gu_direct.setZero(g.rows(), g.cols());
        } else {  // membrane readout u − post·s
            gu_direct = g;
            gs = -post * g;
        }
        for (std::size_t l = L; l-- > 0;) {
            const matrix& u = tr.u[k * L + l];
            const Eigen::Index w = u.cols();
            const Eigen::Index n = static_cast<Eigen::Index>(B) * w;
            dI.resize(u.rows(), w);
            for (std::size_t t = T; t-- > 0;) {
                const double* ut = u.data() + t * n;
                const double* gst = gs.data() + t * n;
                const double* gut = gu_direct.data() + t * n;
                double* dit = dI.data() + t * n;
                const double* dnext = t + 1 < T ? dit + n : nullptr;  // ∂/∂u_{t+1}
                for (Eigen::Index i = 0; i < n; ++i) {
                    const double gn = dnext ? dnext[i] : 0.0;
                    // s_t feeds the loss and, unless detached, the reset of u_{t+1}
                    const double gs_tot = gst[i] - (lif.detach_reset ? 0.0 : lif.reset_scale * gn);
                    dit[i] = gs_tot * opt.sg.derivative(ut[i] - lif.theta) + lif.beta * gn + gut[i];
                }
            }
            const matrix& in = l == 0 ? x : tr.s[k * L + l - 1];
            const std::size_t off = static_cast<std::size_t>(gview.hidden(k, l).data() - gview.flat().data());
            Eigen::Map<matrix>(grad.data() + off, in.cols(), w).noalias() = in.transpose() * dI;
            if (l > 0) {
                gs.noalias() = dI * p.hidden(k, l).transpose();
                gu_direct.setZero(gs.rows(), gs.cols());
            }
        }
    }
}

double path_norm(const snn_params& p, double scale, std::vector<double>* grad) {
    const auto& sh = p.shape();
    const std::size_t L = sh.lif_layers();
    const auto out = p.readout();
    std::vector<vector> v(L + 1);
    double r2 = 1e-12;
    std::vector<std::vector<vector>> per_branch(sh.branches);
    for (std::size_t k = 0; k < sh.branches; ++k) {
        auto& vk = per_branch[k];
        vk.assign(L + 1, vector());
        vk[0] = vector::Ones(static_cast<Eigen::Index>(sh.inputs));
        for (std::size_t l = 0; l < L; ++l) vk[l + 1] = p.hidden(k, l).array().square().matrix().transpose() * vk[l];
        const Eigen::Index w = vk[L].size();
        r2 += (out.middleRows(static_cast<Eigen::Index>(k) * w, w).array().square().rowwise().sum() * vk[L].array()).sum();
    }
    const double r = std::sqrt(r2);
    if (!grad) return r;
    auto& g = *grad;
    const std::size_t ro = p.readout_offset();
    for (std::size_t k = 0; k < sh.branches; ++k) {
        const auto& vk = per_branch[k];
        const Eigen::Index w = vk[L].size(), row0 = static_cast<Eigen::Index>(k) * w;
        const auto ok = out.middleRows(row0, w);
        for (Eigen::Index j = 0; j < w; ++j)
            for (Eigen::Index c = 0; c < ok.cols(); ++c)
                g[ro + static_cast<std::size_t>((row0 + j) * ok.cols() + c)] += scale * ok(j, c) * vk[L][j] / r;
        vector gv = ok.array().square().rowwise().sum().matrix() * (scale / (2.0 * r));
        for (std::size_t l = L; l-- > 0;) {
            const auto W = p.hidden(k, l);
            const std::size_t off = static_cast<std::size_t>(W.data() - p.flat().data());
            for (Eigen::Index i = 0; i < W.rows(); ++i)
                for (Eigen::Index j = 0; j < W.cols(); ++j)
                    g[off + static_cast<std::size_t>(i * W.cols() + j)] += gv[j] * 2.0 * W(i, j) * vk[l][i];
            gv = W.array().square().matrix() * gv;
        }
    }
    return r;
}

}  // namespace einet::train
