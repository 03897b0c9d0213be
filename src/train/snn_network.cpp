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

namespace {

// s_t = H(u_t − θ) over n entries, the tie rule hoisted out of the loop so it vectorises.
template <typename Scalar>
void fire(const lif_params& lif, const Scalar* u, Scalar* s, std::size_t n) {
    const auto theta = static_cast<Scalar>(lif.theta);
    if (lif.tie == tie_rule::ge)
        for (std::size_t i = 0; i < n; ++i) s[i] = u[i] >= theta ? Scalar(1) : Scalar(0);
    else
        for (std::size_t i = 0; i < n; ++i) s[i] = u[i] > theta ? Scalar(1) : Scalar(0);
}

// out = surrogate derivative at u − θ, one vectorised pass per kind (the formulas of surrogate::derivative).
template <typename Scalar>
void surrogate_derivative(const surrogate& sg, double theta, const matrix_of<Scalar>& u, matrix_of<Scalar>& out) {
    const auto x = u.array() - static_cast<Scalar>(theta);
    const auto k = static_cast<Scalar>(sg.slope);
    if (sg.kind == surrogate_kind::atan) {
        const auto c = static_cast<Scalar>(std::numbers::pi * sg.slope / 2.0);
        out.array() = (k / Scalar(2)) / (Scalar(1) + (c * x).square());
    } else {
        out.array() = Scalar(1) / (Scalar(1) + k * x.abs()).square();
    }
}

// The leak/reset scan of one layer with per-neuron membrane scales δ_j (Lemma 3.5, pre-reset form):
// u_t = β u_{t−1} + I_t − reset_scale δ_j s_{t−1},  s_t = H(u_t − θ δ_j).
template <typename Scalar>
void scan_scaled(const lif_params& lif, const double* delta, std::size_t w, std::size_t steps, std::size_t B,
                 matrix_of<Scalar>& u, matrix_of<Scalar>& s) {
    const auto beta = static_cast<Scalar>(lif.beta);
    const std::size_t n = B * w;
    for (std::size_t t = 0; t < steps; ++t) {
        Scalar* ut = u.data() + t * n;
        Scalar* st = s.data() + t * n;
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t j = 0; j < w; ++j) {
                const std::size_t i = b * w + j;
                if (t > 0) ut[i] += beta * ut[i - n] - static_cast<Scalar>(lif.reset_scale * delta[j]) * st[i - n];
                const auto th = static_cast<Scalar>(lif.theta * delta[j]);
                st[i] = (lif.tie == tie_rule::ge ? ut[i] >= th : ut[i] > th) ? Scalar(1) : Scalar(0);
            }
    }
}

}  // namespace

std::size_t lif_neurons(const snn_shape& shape) {
    std::size_t total = 0;
    for (std::size_t l = 0; l < shape.lif_layers(); ++l) total += shape.width(l);
    return total * shape.branches;
}

template <typename Scalar>
void snn_forward(const snn_params& p, const snn_options& opt, const matrix_of<Scalar>& x, std::size_t steps,
                 basic_snn_trace<Scalar>& tr) {
    const auto& sh = p.shape();
    if (steps == 0 || x.rows() % static_cast<Eigen::Index>(steps) != 0 || x.cols() != static_cast<Eigen::Index>(sh.inputs))
        throw internal_error("snn_forward: input is not [T·B × d]");
    const std::size_t B = static_cast<std::size_t>(x.rows()) / steps, L = sh.lif_layers();
    const auto& lif = opt.lif;
    const auto beta = static_cast<Scalar>(lif.beta), reset = static_cast<Scalar>(lif.reset_scale);
    tr.steps = steps;
    tr.batch = B;
    tr.u.resize(sh.branches * L);
    tr.s.resize(sh.branches * L);
    tr.features.resize(x.rows(), static_cast<Eigen::Index>(sh.p_last));
    const bool scaled = !opt.membrane_scale.empty();
    if (scaled && opt.membrane_scale.size() != lif_neurons(sh))
        throw config_error("membrane_scale: expected " + std::to_string(lif_neurons(sh)) + " values (one per LIF neuron), got " +
                           std::to_string(opt.membrane_scale.size()));
    if (scaled && opt.sg.smooth_forward) throw internal_error("snn_forward: membrane_scale with a smooth forward pass");
    std::size_t scale_at = 0;  // first neuron of the current layer in membrane_scale
    for (std::size_t k = 0; k < sh.branches; ++k) {
        for (std::size_t l = 0; l < L; ++l) {
            const matrix_of<Scalar>& in = l == 0 ? x : tr.s[k * L + l - 1];
            auto& u = tr.u[k * L + l];
            auto& s = tr.s[k * L + l];
            u.noalias() = in * p.hidden(k, l).template cast<Scalar>();  // I_t for every t at once
            s.resize(u.rows(), u.cols());
            const std::size_t n = B * static_cast<std::size_t>(u.cols());
            if (scaled) {  // Lemma 3.5: neuron j has threshold θ δ_j and reset reset_scale·δ_j
                const double* delta = opt.membrane_scale.data() + scale_at;
                scale_at += static_cast<std::size_t>(u.cols());
                scan_scaled(lif, delta, static_cast<std::size_t>(u.cols()), steps, B, u, s);
                continue;
            }
            for (std::size_t t = 0; t < steps; ++t) {
                Scalar* ut = u.data() + t * n;
                Scalar* st = s.data() + t * n;
                if (t > 0) {
                    const Scalar* up = ut - n;
                    const Scalar* sp = st - n;
                    // u_t = β u_{t−1} + I_t − reset_scale s_{t−1}  (spec §2.3, pre-reset form)
                    for (std::size_t i = 0; i < n; ++i) ut[i] += beta * up[i] - reset * sp[i];
                }
                if (opt.sg.smooth_forward)
                    for (std::size_t i = 0; i < n; ++i) st[i] = static_cast<Scalar>(opt.sg.primitive(ut[i] - lif.theta));
                else
                    fire(lif, ut, st, n);
            }
        }
        const auto& u = tr.u[k * L + L - 1];
        const auto& s = tr.s[k * L + L - 1];
        auto f = tr.features.middleCols(static_cast<Eigen::Index>(k * sh.width(L - 1)), u.cols());
        if (opt.readout == readout_kind::spike) {
            f = s;
            continue;
        }
        // θ s per neuron (θ δ_j s with membrane scales); the post-reset membrane is u − θ s
        matrix_of<Scalar> theta_s = static_cast<Scalar>(lif.theta) * s;
        if (scaled)
            for (Eigen::Index j = 0; j < s.cols(); ++j)
                theta_s.col(j) *= static_cast<Scalar>(opt.membrane_scale[scale_at - static_cast<std::size_t>(s.cols()) + static_cast<std::size_t>(j)]);
        if (opt.readout == readout_kind::membrane)
            f = lif.membrane_post_reset ? matrix_of<Scalar>(u - theta_s) : u;
        else  // membrane_threshold: 1[v − b ≥ 0] on the post-reset membrane (spec §4.3)
            f = ((u - theta_s).array() - static_cast<Scalar>(opt.readout_bias) >= Scalar(0)).template cast<Scalar>();
    }
    tr.logits.noalias() = tr.features * p.readout().template cast<Scalar>();
}

template <typename Scalar>
void snn_backward(const snn_params& p, const snn_options& opt, const matrix_of<Scalar>& x,
                  const basic_snn_trace<Scalar>& tr, const matrix_of<Scalar>& dlogits, std::vector<double>& grad) {
    using mat = matrix_of<Scalar>;
    const auto& sh = p.shape();
    const auto& lif = opt.lif;
    const std::size_t B = tr.batch, T = tr.steps, L = sh.lif_layers();
    if (!opt.membrane_scale.empty())
        throw config_error("membrane_scale: per-neuron thresholds are for forward passes only (SG trains uniform thresholds)");
    grad.assign(p.flat().size(), 0.0);
    Eigen::Map<matrix>(grad.data() + p.readout_offset(), static_cast<Eigen::Index>(sh.p_last),
                       static_cast<Eigen::Index>(sh.outputs)) = (tr.features.transpose() * dlogits).template cast<double>();
    if (opt.readout == readout_kind::membrane_threshold) return;  // a hard threshold has no gradient
    const mat dfeat = dlogits * p.readout().template cast<Scalar>().transpose();
    snn_params gview(sh);  // only for its offsets: gradient blocks have the parameters' layout
    const auto beta = static_cast<Scalar>(lif.beta);
    // s_t feeds the loss and, unless detached, the reset of u_{t+1}
    const auto reset = lif.detach_reset ? Scalar(0) : static_cast<Scalar>(lif.reset_scale);
    mat gs, gu_direct, dI, sgd;
    for (std::size_t k = 0; k < sh.branches; ++k) {
        const Eigen::Index w_last = static_cast<Eigen::Index>(sh.width(L - 1));
        const auto g = dfeat.middleCols(static_cast<Eigen::Index>(k) * w_last, w_last);
        const Scalar post = lif.membrane_post_reset ? static_cast<Scalar>(lif.theta) : Scalar(0);
        bool direct = opt.readout == readout_kind::membrane;  // the readout sees u itself
        if (direct) {  // membrane readout u − post·s
            gu_direct = g;
            gs = -post * g;
        } else {
            gs = g;
        }
        for (std::size_t l = L; l-- > 0;) {
            const mat& u = tr.u[k * L + l];
            const Eigen::Index w = u.cols();
            const std::size_t n = B * static_cast<std::size_t>(w);
            dI.resize(u.rows(), w);
            sgd.resize(u.rows(), w);
            surrogate_derivative(opt.sg, lif.theta, u, sgd);
            for (std::size_t t = T; t-- > 0;) {
                const Scalar* gst = gs.data() + t * n;
                const Scalar* dst = sgd.data() + t * n;
                Scalar* dit = dI.data() + t * n;
                if (t + 1 < T) {
                    const Scalar* dnext = dit + n;  // ∂/∂u_{t+1}
                    for (std::size_t i = 0; i < n; ++i) dit[i] = (gst[i] - reset * dnext[i]) * dst[i] + beta * dnext[i];
                } else {
                    for (std::size_t i = 0; i < n; ++i) dit[i] = gst[i] * dst[i];
                }
                if (direct) {
                    const Scalar* gut = gu_direct.data() + t * n;
                    for (std::size_t i = 0; i < n; ++i) dit[i] += gut[i];
                }
            }
            const mat& in = l == 0 ? x : tr.s[k * L + l - 1];
            const std::size_t off = static_cast<std::size_t>(gview.hidden(k, l).data() - gview.flat().data());
            Eigen::Map<matrix>(grad.data() + off, in.cols(), w) = (in.transpose() * dI).template cast<double>();
            if (l > 0) {
                gs.noalias() = dI * p.hidden(k, l).template cast<Scalar>().transpose();
                direct = false;
            }
        }
    }
}

template void snn_forward<double>(const snn_params&, const snn_options&, const matrix&, std::size_t, snn_trace&);
template void snn_forward<float>(const snn_params&, const snn_options&, const matrix_of<float>&, std::size_t,
                                 basic_snn_trace<float>&);
template void snn_backward<double>(const snn_params&, const snn_options&, const matrix&, const snn_trace&,
                                   const matrix&, std::vector<double>&);
template void snn_backward<float>(const snn_params&, const snn_options&, const matrix_of<float>&,
                                  const basic_snn_trace<float>&, const matrix_of<float>&, std::vector<double>&);

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
