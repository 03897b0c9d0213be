#include "einet/analysis/coupled_brownian.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/core/rng_block.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::analysis {

struct coupled_brownian::channel_noise {
    std::size_t n = 0;
    std::uint32_t stream = 0;  // the engine's noise stream of the receptor
    double tau_m = 0, tau = 0, R = 0, sigma = 0;
    // Level j (ratio 2^j): per step s of the chunk and neuron i, [s·n + i].
    std::vector<std::vector<double>> dW, Xb, Xa;
};

namespace {

// Fine-step coefficients of X_b, X_a given ΔW (conditional Gaussian, spec 003 §2 covariances):
// X = mean·ΔW + L·(z1, z2), L L^T the conditional covariance (eigen-factored, negative
// eigenvalues from round-off clipped to 0: it is nearly singular for small δ).
struct conditional_factor {
    double mean_b, mean_a, L[2][2];
};

conditional_factor factor(double a, double b, double delta) {
    using ld = long double;
    const ld d = delta, A = a, B = b;
    auto one_minus_exp = [](ld x) { return -std::expm1(-x); };
    const ld c_bw = one_minus_exp(B * d) / B, c_aw = one_minus_exp(A * d) / A;
    const ld v_b = one_minus_exp(2 * B * d) / (2 * B), v_a = one_minus_exp(2 * A * d) / (2 * A);
    const ld c_ab = one_minus_exp((A + B) * d) / (A + B);
    const ld p = v_b - c_bw * c_bw / d, q = c_ab - c_bw * c_aw / d, r = v_a - c_aw * c_aw / d;
    // Eigen-decomposition of [[p, q], [q, r]].
    const ld mean = 0.5L * (p + r), diff = 0.5L * (p - r), rad = std::sqrt(diff * diff + q * q);
    const ld l1 = std::max<ld>(mean + rad, 0), l2 = std::max<ld>(mean - rad, 0);
    ld e1x = 1, e1y = 0;  // eigenvector of l1
    if (rad > 0) {
        e1x = diff + rad;
        e1y = q;
        if (std::abs(e1x) + std::abs(e1y) == 0) {
            e1x = q;
            e1y = rad - diff;
        }
        const ld norm = std::sqrt(e1x * e1x + e1y * e1y);
        e1x /= norm;
        e1y /= norm;
    }
    conditional_factor f;
    f.mean_b = static_cast<double>(c_bw / d);
    f.mean_a = static_cast<double>(c_aw / d);
    const ld s1 = std::sqrt(l1), s2 = std::sqrt(l2);
    f.L[0][0] = static_cast<double>(e1x * s1);
    f.L[1][0] = static_cast<double>(e1y * s1);
    f.L[0][1] = static_cast<double>(-e1y * s2);
    f.L[1][1] = static_cast<double>(e1x * s2);
    return f;
}

class level_view final : public engine::noise_source {
public:
    level_view(const std::vector<const coupled_brownian::channel_noise*>& channels, std::size_t j, double h, bool exact,
               const std::uint64_t* first, const std::size_t* count)
        : channels_(channels), j_(j), ratio_(std::size_t{1} << j), exact_(exact), first_(first), count_(count) {
        for (const auto* c : channels_) {
            coeff_.push_back(c ? engine::exact_step_noise(c->tau_m, c->tau, c->R, c->sigma, h) : engine::step_noise{});
        }
        inv_sqrt_h_ = 1.0 / std::sqrt(h);
    }

    void normals(std::size_t pop, std::uint32_t stream, std::uint64_t step, std::size_t i0, std::size_t i1, double* out) override {
        const auto* c = pop < channels_.size() ? channels_[pop] : nullptr;
        const std::uint64_t first = *first_ / ratio_;
        if (!c || step < first || step >= first + *count_ / ratio_) {
            throw internal_error("coupled_brownian: population " + std::to_string(pop) + " asked for noise of step " +
                                 std::to_string(step) + " outside the drawn chunk or without current noise");
        }
        const std::size_t s = static_cast<std::size_t>(step - first), n = c->n;
        const double* dW = c->dW[j_].data() + s * n;
        const bool membrane = stream == engine::noise_source::membrane_stream;
        if (!exact_) {  // Euler–Maruyama: ξ = ΔW/√h (spec 003 Eq. 2.2); V has no noise of its own
            if (membrane || stream != c->stream) throw internal_error("coupled_brownian: unexpected noise stream");
            for (std::size_t i = i0; i < i1; ++i) out[i - i0] = dW[i] * inv_sqrt_h_;
            return;
        }
        const auto& k = coeff_[pop];
        const double* Xb = c->Xb[j_].data() + s * n;
        const double* Xa = c->Xa[j_].data() + s * n;
        const double a = 1.0 / c->tau_m, b = 1.0 / c->tau, to_v = c->R / c->tau_m * c->sigma / (a - b);
        if (!membrane && stream != c->stream) throw internal_error("coupled_brownian: unexpected noise stream");
        for (std::size_t i = i0; i < i1; ++i) {
            const double xi = c->sigma * Xb[i] / k.x_sd;  // the current gains σ X_b
            if (!membrane) {
                out[i - i0] = xi;
            } else {  // V gains (R/τ_m) σ (X_b − X_a)/(a − b) = v_from_x ξ + v_own ζ
                const double v_noise = to_v * (Xb[i] - Xa[i]);
                out[i - i0] = k.v_own_sd > 0 ? (v_noise - k.v_from_x * xi) / k.v_own_sd : 0.0;
            }
        }
    }

private:
    std::vector<const coupled_brownian::channel_noise*> channels_;
    std::vector<engine::step_noise> coeff_;
    std::size_t j_, ratio_;
    bool exact_;
    double inv_sqrt_h_ = 1.0;
    const std::uint64_t* first_;
    const std::size_t* count_;
};

}  // namespace

coupled_brownian::coupled_brownian(const network::spiking_network& net, double h_fine, std::size_t max_ratio,
                                   bool exact_integrals, std::uint64_t seed)
    : h_fine_(h_fine), max_ratio_(max_ratio), exact_(exact_integrals), seed_(seed) {
    if (max_ratio == 0 || (max_ratio & (max_ratio - 1)) != 0) throw config_error("coupled_brownian: step ratios must be powers of two");
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const auto& pop = net.populations[p];
        if (pop.membrane_noise()) {
            throw config_error("populations." + pop.name + ".sigma_V: coupled Brownian paths cover current noise (spec 003 "
                               "Eq. 1.3) only, not membrane noise");
        }
        std::unique_ptr<channel_noise> c;
        for (std::size_t r = 0; r < pop.receptors.size(); ++r) {
            const auto& rc = pop.receptors[r];
            if (rc.noise_sigma <= 0) continue;
            if (c) throw config_error("populations." + pop.name + ": coupled Brownian paths need at most one noisy receptor");
            for (std::size_t i = 1; i < pop.n; ++i) {
                if (pop.lif.tau_m[i] != pop.lif.tau_m[0] || pop.lif.R[i] != pop.lif.R[0]) {
                    throw config_error("populations." + pop.name + ": coupled Brownian paths need one tau_m and R per population");
                }
            }
            c = std::make_unique<channel_noise>();
            c->n = pop.n;
            c->stream = engine::spiking_engine::noise_stream(pop, r);
            c->tau_m = pop.lif.tau_m.empty() ? 1.0 : pop.lif.tau_m[0];
            c->R = pop.lif.R.empty() ? 1.0 : pop.lif.R[0];
            c->tau = rc.tau;
            c->sigma = rc.noise_sigma;
            if (exact_ && std::abs(1.0 / c->tau - 1.0 / c->tau_m) < 1e-9 / c->tau_m) {
                throw config_error("populations." + pop.name + ": exact coupled noise needs the noise's tau != tau_m");
            }
            const std::size_t levels = static_cast<std::size_t>(std::countr_zero(max_ratio)) + 1;
            c->dW.resize(levels);
            if (exact_) {
                c->Xb.resize(levels);
                c->Xa.resize(levels);
            }
        }
        channels_.push_back(std::move(c));
    }
}

coupled_brownian::~coupled_brownian() = default;

void coupled_brownian::draw(std::uint64_t first, std::size_t count, int threads) {
    const std::size_t unit = std::max<std::size_t>(max_ratio_, 4);
    if (first % unit != 0 || count % unit != 0 || count == 0) {
        throw internal_error("coupled_brownian::draw: chunks must be whole multiples of " + std::to_string(unit) + " fine steps");
    }
    first_ = first;
    count_ = count;
    if (threads <= 0) threads = omp_get_max_threads();
    constexpr std::size_t block = 512;  // neurons per task
    for (std::size_t p = 0; p < channels_.size(); ++p) {
        auto* c = channels_[p].get();
        if (!c) continue;
        const std::size_t n = c->n, levels = c->dW.size();
        for (std::size_t j = 0; j < levels; ++j) {
            const std::size_t size = (count >> j) * n;
            c->dW[j].resize(size);
            if (exact_) {
                c->Xb[j].resize(size);
                c->Xa[j].resize(size);
            }
        }
        const double sd = std::sqrt(h_fine_);
        const auto f = exact_ ? factor(1.0 / c->tau_m, 1.0 / c->tau, h_fine_) : conditional_factor{};
        const std::size_t tasks = (n + block - 1) / block;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (std::size_t t = 0; t < tasks; ++t) {
            const std::size_t i0 = t * block, i1 = std::min(n, i0 + block), m = i1 - i0;
            std::vector<double> z(12 * block);
            for (std::size_t s4 = 0; s4 < count; s4 += 4) {
                const std::uint64_t quad = (first + s4) / 4;
                // draw 3p: ΔW of four fine steps; 3p + 1, 3p + 2: the conditional normals (exact).
                const auto key = static_cast<std::uint32_t>(3 * p);
                rng::normals_block(seed_, rng::purpose::brownian_paths, static_cast<std::uint32_t>(i0), quad, key, m, &z[0],
                                   &z[block], &z[2 * block], &z[3 * block]);
                if (exact_) {
                    rng::normals_block(seed_, rng::purpose::brownian_paths, static_cast<std::uint32_t>(i0), quad, key + 1, m,
                                       &z[4 * block], &z[5 * block], &z[6 * block], &z[7 * block]);
                    rng::normals_block(seed_, rng::purpose::brownian_paths, static_cast<std::uint32_t>(i0), quad, key + 2, m,
                                       &z[8 * block], &z[9 * block], &z[10 * block], &z[11 * block]);
                }
                for (std::size_t q = 0; q < 4; ++q) {
                    double* dW = c->dW[0].data() + (s4 + q) * n;
                    for (std::size_t i = 0; i < m; ++i) dW[i0 + i] = sd * z[q * block + i];
                    if (!exact_) continue;
                    double* Xb = c->Xb[0].data() + (s4 + q) * n;
                    double* Xa = c->Xa[0].data() + (s4 + q) * n;
                    for (std::size_t i = 0; i < m; ++i) {
                        const double w = dW[i0 + i], z1 = z[(4 + q) * block + i], z2 = z[(8 + q) * block + i];
                        Xb[i0 + i] = f.mean_b * w + f.L[0][0] * z1 + f.L[0][1] * z2;
                        Xa[i0 + i] = f.mean_a * w + f.L[1][0] * z1 + f.L[1][1] * z2;
                    }
                }
            }
            // Coarser levels: sums of two halves (ΔW), or decayed first half plus second (X_b, X_a).
            for (std::size_t j = 1; j < levels; ++j) {
                const double half = h_fine_ * static_cast<double>(std::size_t{1} << (j - 1));
                const double eb = std::exp(-half / c->tau), ea = std::exp(-half / c->tau_m);
                for (std::size_t s = 0; s < (count >> j); ++s) {
                    const double* lo = c->dW[j - 1].data() + 2 * s * n;
                    double* out = c->dW[j].data() + s * n;
                    for (std::size_t i = i0; i < i1; ++i) out[i] = lo[i] + lo[n + i];
                    if (!exact_) continue;
                    const double* b_lo = c->Xb[j - 1].data() + 2 * s * n;
                    const double* a_lo = c->Xa[j - 1].data() + 2 * s * n;
                    double* b_out = c->Xb[j].data() + s * n;
                    double* a_out = c->Xa[j].data() + s * n;
                    for (std::size_t i = i0; i < i1; ++i) {
                        b_out[i] = eb * b_lo[i] + b_lo[n + i];
                        a_out[i] = ea * a_lo[i] + a_lo[n + i];
                    }
                }
            }
        }
    }
}

std::unique_ptr<engine::noise_source> coupled_brownian::level(std::size_t ratio, network::integrator method) const {
    if (ratio == 0 || ratio > max_ratio_ || (ratio & (ratio - 1)) != 0) {
        throw internal_error("coupled_brownian::level: ratio " + std::to_string(ratio) + " is not a power of two up to " +
                             std::to_string(max_ratio_));
    }
    const bool exact = method != network::integrator::euler_maruyama;
    if (exact && !exact_) throw internal_error("coupled_brownian::level: exact levels need exact_integrals");
    std::vector<const channel_noise*> view;
    for (const auto& c : channels_) view.push_back(c.get());
    return std::make_unique<level_view>(view, static_cast<std::size_t>(std::countr_zero(ratio)),
                                        h_fine_ * static_cast<double>(ratio), exact, &first_, &count_);
}

}  // namespace einet::analysis
