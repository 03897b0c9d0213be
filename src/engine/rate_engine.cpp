#include "einet/engine/rate_engine.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <cmath>
#include <limits>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/core/rng_block.hpp"
#include "rate_engine_workspace.hpp"

namespace einet::engine {


rate_engine::rate_engine(network::rate_network net, std::size_t batch, std::uint64_t seed)
    : net_(std::move(net)), batch_(batch), seed_(seed) {
    if (batch_ == 0) throw internal_error("rate_engine: empty batch");
    std::size_t offset = 0;
    for (const auto& pop : net_.populations) {
        unit_offset_.push_back(offset);
        offset += pop.n;
        rates_.emplace_back(pop.n * batch_, 0.0);
        eta_.emplace_back(pop.n * batch_, 0.0);
        voltages_.emplace_back(pop.state == network::rate_state::voltage ? pop.n * batch_ : 0, 0.0);
        if (!pop.thresholds.empty() && pop.thresholds.size() != pop.n) {
            throw internal_error("rate_engine: population " + pop.name + " has " + std::to_string(pop.thresholds.size()) +
                                 " thresholds for " + std::to_string(pop.n) + " units");
        }
    }
    for (const auto& sig : net_.signals) {
        if (sig.population >= net_.populations.size() || sig.gains.size() != net_.populations[sig.population].n ||
            sig.samples.empty()) {
            throw internal_error("rate_engine: a signal input needs a population, one gain per unit and samples");
        }
    }
    general_step_ = net_.needs_general_step();
    for (const auto& proj : net_.projections) {
        const auto n_post = net_.populations[proj.post].n, n_pre = net_.populations[proj.pre].n;
        weights_.emplace_back(n_post * n_pre * batch_, 0.0);
    }
    for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) kick_left_.emplace_back(batch_, 0);
    const std::size_t P = net_.populations.size();
    for (std::size_t post = 0; post < P; ++post) {
        for (std::size_t pre = 0; pre < P; ++pre) projection_of_.push_back(net_.find_projection(post, pre));
    }
    for (const auto& in : net_.steps) add_step_window(in);
    scalar_populations_ = std::all_of(net_.populations.begin(), net_.populations.end(), [](const auto& p) { return p.n == 1; });
    std::vector<int> kicks_per_population(P, 0);
    for (const auto& k : net_.poisson_kicks) {
        if (++kicks_per_population[k.population] > 1) scalar_populations_ = false;  // fused kernel: one each
    }
    zero_weights_.assign(batch_, 0.0);
    const double dt = net_.dt;
    if (net_.noise.exact) {  // exact OU transition over dt
        noise_decay_ = std::exp(-dt / net_.noise.tau);
        noise_amp_ = net_.noise.sigma * std::sqrt(0.5 * net_.noise.tau * 1e-3 * (1.0 - noise_decay_ * noise_decay_));
    } else {  // Euler–Maruyama (001 spec §1.3): η += −(dt/τ)η + σ √dt ξ, dt in seconds for σ
        noise_decay_ = 1.0 - dt / net_.noise.tau;
        noise_amp_ = net_.noise.sigma * std::sqrt(dt * 1e-3);
    }
}

// Fused kernel for networks whose populations are single units (the two-population model): the
// chunk's setup is done once, then every step runs noise, drive and Euler update of every
// population in one vector loop over the chunk's networks. Same arithmetic, in the same order,
// as the general path (step_chunk).
template <std::size_t P>
void rate_engine::run_scalar_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg0, std::uint64_t abs0,
                                   std::size_t steps, rate_step_hook* hook) {
    const std::size_t cb = b1 - b0;
    const double dt = net_.dt;
    const bool noisy = net_.noise.sigma != 0.0, simultaneous = net_.order == network::update_order::simultaneous;
    const double decay = noise_decay_, amp = noise_amp_;
    double common[P], a[P], g[P], theta[P], rmax[P], sign[P], kick_amp[P];
    double* r[P];
    double* eta[P];
    const double* xi[P];
    const double* W[P][P];
    const std::int32_t* kick_left[P];
    for (std::size_t p = 0; p < P; ++p) {
        const auto& pop = net_.populations[p];
        a[p] = dt / pop.tau;
        g[p] = pop.transfer.gain;
        theta[p] = pop.transfer.threshold;
        rmax[p] = pop.transfer.r_max;
        sign[p] = pop.excitatory ? 1.0 : -1.0;
        r[p] = rates_[p].data() + b0;
        eta[p] = eta_[p].data() + b0;
        kick_left[p] = nullptr;
        kick_amp[p] = 0.0;
        for (std::size_t q = 0; q < P; ++q) {
            const std::size_t proj = projection_of_[p * P + q];
            W[p][q] = (proj < net_.projections.size() ? weights_[proj].data() : zero_weights_.data()) + b0;
        }
    }
    // One Poisson-kick input per population in the fused kernel (the constructor routes networks
    // with more to the general path).
    for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) {
        kick_left[net_.poisson_kicks[k].population] = kick_left_[k].data() + b0;
        kick_amp[net_.poisson_kicks[k].population] = net_.poisson_kicks[k].amplitude;
    }
    static const std::int32_t no_kicks[max_chunk] = {};
    for (std::size_t p = 0; p < P; ++p) {
        if (!kick_left[p]) kick_left[p] = no_kicks;
    }
    for (std::size_t step = 0; step < steps; ++step) {
    const std::size_t seg_step = seg0 + step;
    const std::uint64_t abs_step = abs0 + step;
    prepare_step(ws, b0, b1, seg_step, abs_step);
    for (std::size_t p = 0; p < P; ++p) {
        common[p] = step_drive(p, seg_step);
        xi[p] = ws.normals.data() + (p * 4 + abs_step % 4) * max_chunk;
    }
#pragma omp simd
    for (std::size_t c = 0; c < cb; ++c) {
        double src[P];
        for (std::size_t p = 0; p < P; ++p) src[p] = r[p][c];
        for (std::size_t p = 0; p < P; ++p) {
            if (noisy) eta[p][c] = decay * eta[p][c] + amp * xi[p][c];
            double d = common[p] + eta[p][c];
            d += kick_left[p][c] > 0 ? kick_amp[p] : 0.0;
            for (std::size_t q = 0; q < P; ++q) d += sign[q] * W[p][q][c] * src[q];
            // 001 Methods Eqs. 1–3 (forward Euler), then saturation.
            const double f = g[p] * std::max(d - theta[p], 0.0);
            const double updated = std::min(src[p] + a[p] * (f - src[p]), rmax[p]);
            r[p][c] = updated;
            if (!simultaneous) src[p] = updated;  // sequential: later populations see the new rate
        }
    }
    if (hook) hook->on_step(*this, seg_step, b0, b1);
    }
}

double rate_engine::population_mean(std::size_t pop, std::size_t b) const {
    const std::size_t n = net_.populations[pop].n;
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += rates_[pop][i * batch_ + b];
    return sum / static_cast<double>(n);
}

double rate_engine::class_mean(std::size_t proj, std::size_t b) const {
    const auto& pr = net_.projections[proj];
    const std::size_t n_post = net_.populations[pr.post].n, n_pre = net_.populations[pr.pre].n;
    const bool skip_diagonal = !pr.self_connections && pr.post == pr.pre;
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < n_post; ++i) {
        for (std::size_t j = 0; j < n_pre; ++j) {
            if (skip_diagonal && i == j) continue;
            sum += weights_[proj][(i * n_pre + j) * batch_ + b];
            ++count;
        }
    }
    return count ? sum / static_cast<double>(count) : 0.0;
}

double& rate_engine::weight(std::size_t proj, std::size_t i, std::size_t j, std::size_t b) {
    const auto n_pre = net_.populations[net_.projections[proj].pre].n;
    return weights_[proj][(i * n_pre + j) * batch_ + b];
}

void rate_engine::begin_segment(bool reset_rates) {
    segment_step_ = 0;
    if (reset_rates) {
        for (auto& r : rates_) std::fill(r.begin(), r.end(), 0.0);
    }
}

void rate_engine::add_step_window(const network::rate_step_input& in) {
    // Active on segment steps k with start <= k·dt < start + duration, on the step grid.
    const auto k0 = static_cast<std::int64_t>(std::llround(in.start / net_.dt));
    const auto k1 = std::isinf(in.duration) ? std::numeric_limits<std::int64_t>::max()
                                            : static_cast<std::int64_t>(std::llround((in.start + in.duration) / net_.dt));
    step_windows_.push_back({in.population, k0, k1, in.amplitude});
}

void rate_engine::add_step_input(const network::rate_step_input& in) {
    net_.steps.push_back(in);
    add_step_window(in);
}

double rate_engine::step_drive(std::size_t pop, std::size_t seg_step) const {
    double drive = 0.0;
    const auto k = static_cast<std::int64_t>(seg_step);
    for (const auto& w : step_windows_) drive += (w.population == pop && k >= w.first && k < w.end) ? w.amplitude : 0.0;
    return drive;
}

void rate_engine::fill_noise(workspace& ws, std::size_t b0, std::size_t b1, std::uint64_t block) {
    const std::size_t units = unit_offset_.empty() ? 0 : unit_offset_.back() + net_.populations.back().n;
    // Counter {network, step / 4, purpose | unit << 8}: consecutive networks are consecutive
    // counters (one SIMD Philox block), and a network's noise depends only on its own index.
    for (std::size_t u = 0; u < units; ++u) {
        double* out = ws.normals.data() + u * 4 * max_chunk;
        // Rounded up to whole SIMD blocks: the extra lanes are other networks' counters, computed
        // and ignored, so no network ever takes the scalar path (same bits either way).
        const std::size_t n = std::min<std::size_t>((b1 - b0 + 7) / 8 * 8, max_chunk);
        rng::normals_block(seed_, rng::purpose::rate_noise, first_network_ + static_cast<std::uint32_t>(b0), block,
                           static_cast<std::uint32_t>(u), n, out, out + max_chunk, out + 2 * max_chunk,
                           out + 3 * max_chunk);
    }
    ws.block = block;
}

// Per step, before the populations: normals for the current block of four steps (one Philox
// counter per unit and network), and the state of Poisson kicks.
void rate_engine::prepare_step(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg_step,
                               std::uint64_t abs_step) {
    if (net_.noise.sigma != 0.0 && ws.block != abs_step / 4) fill_noise(ws, b0, b1, abs_step / 4);
    advance_kicks(b0, b1, seg_step, abs_step);
}

void rate_engine::advance_kicks(std::size_t b0, std::size_t b1, std::size_t seg_step, std::uint64_t abs_step) {
    const double dt = net_.dt;
    // Poisson kicks: per network, a Bernoulli(rate·dt) draw each step starts a kick.
    for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) {
        const auto& kick = net_.poisson_kicks[k];
        const auto len = static_cast<std::int32_t>(std::llround(kick.duration / dt));
        const double p_start = kick.rate * dt * 1e-3;
        const bool forced = kick.first_at >= 0.0 && seg_step == static_cast<std::size_t>(std::llround(kick.first_at / dt));
        std::int32_t* left = kick_left_[k].data();
        for (std::size_t b = b0; b < b1; ++b) {
            if (left[b] > 0) --left[b];
            const auto u = rng::philox(seed_, rng::purpose::input_events,
                                       static_cast<std::uint32_t>((first_network_ + b) * net_.poisson_kicks.size() + k),
                                       abs_step);
            if (forced || rng::uniform53(u[0], u[1]) < p_start) left[b] = len;
        }
    }
}

void rate_engine::step_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg_step,
                             std::uint64_t abs_step) {
    const std::size_t B = batch_, cb = b1 - b0;
    prepare_step(ws, b0, b1, seg_step, abs_step);

    // 1. OU noise: η ← decay·η + amp·ξ (Euler–Maruyama or exact, coefficients from the constructor).
    if (net_.noise.sigma != 0.0) {
        const std::size_t slot = abs_step % 4;
        const double decay = noise_decay_, amp = noise_amp_;
        for (std::size_t p = 0; p < net_.populations.size(); ++p) {
            for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
                double* eta = eta_[p].data() + i * B + b0;
                const double* xi = ws.normals.data() + ((unit_offset_[p] + i) * 4 + slot) * max_chunk;
#pragma omp simd
                for (std::size_t c = 0; c < cb; ++c) eta[c] = decay * eta[c] + amp * xi[c];
            }
        }
    }

    // 2. Populations in order.
    if (net_.order == network::update_order::simultaneous) {
        std::size_t off = 0;
        for (std::size_t p = 0; p < rates_.size(); ++p) {
            for (std::size_t i = 0; i < net_.populations[p].n; ++i, ++off) {
                std::copy_n(rates_[p].data() + i * B + b0, cb, ws.previous.data() + off * max_chunk);
            }
        }
    }
    for (std::size_t p = 0; p < net_.populations.size(); ++p) {
        const auto& pop = net_.populations[p];
        const std::size_t n = pop.n;
        // External drive that is the same for all units of the population and networks.
        const double common = step_drive(p, seg_step);
        for (std::size_t i = 0; i < n; ++i) {
            double* d = ws.drive.data() + i * max_chunk;
            const double* eta = eta_[p].data() + i * B + b0;
#pragma omp simd
            for (std::size_t c = 0; c < cb; ++c) d[c] = common + eta[c];
        }
        for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) {
            if (net_.poisson_kicks[k].population != p) continue;
            const double amp = net_.poisson_kicks[k].amplitude;
            const std::int32_t* left = kick_left_[k].data() + b0;
            for (std::size_t i = 0; i < n; ++i) {
                double* d = ws.drive.data() + i * max_chunk;
                for (std::size_t c = 0; c < cb; ++c) d[c] += left[c] > 0 ? amp : 0.0;
            }
        }
        add_signals(ws, p, seg_step, cb);
        for (std::size_t q = 0; q < net_.projections.size(); ++q) {
            const auto& proj = net_.projections[q];
            if (proj.post != p) continue;
            const std::size_t n_pre = net_.populations[proj.pre].n;
            const double sign = net_.populations[proj.pre].excitatory ? 1.0 : -1.0;
            const double* W = weights_[q].data();
            for (std::size_t i = 0; i < n; ++i) {
                double* d = ws.drive.data() + i * max_chunk;
                for (std::size_t j = 0; j < n_pre; ++j) {
                    const double* w = W + (i * n_pre + j) * B + b0;
                    const double* r = net_.order == network::update_order::simultaneous
                                          ? ws.previous.data() + (unit_offset_[proj.pre] + j) * max_chunk
                                          : rates_[proj.pre].data() + j * B + b0;
#pragma omp simd
                    for (std::size_t c = 0; c < cb; ++c) d[c] += sign * w[c] * r[c];
                }
            }
        }
        if (pop.general()) {
            update_general(ws, p, b0, cb);
            continue;
        }
        // 001 Methods Eq. 1–2 (forward Euler): r ← r + dt/τ (−r + f(drive)), then saturation.
        const double a = net_.dt / pop.tau, g = pop.transfer.gain, theta = pop.transfer.threshold,
                     rmax = pop.transfer.r_max;
        for (std::size_t i = 0; i < n; ++i) {
            const double* d = ws.drive.data() + i * max_chunk;
            double* r = rates_[p].data() + i * B + b0;
#pragma omp simd
            for (std::size_t c = 0; c < cb; ++c) {
                const double f = g * std::max(d[c] - theta, 0.0);
                r[c] = std::min(r[c] + a * (f - r[c]), rmax);
            }
        }
    }
}

void rate_engine::add_signals(workspace& ws, std::size_t pop, std::size_t seg_step, std::size_t cb) const {
    for (const auto& sig : net_.signals) {
        if (sig.population != pop) continue;
        const double x = sig.samples[std::min(seg_step, sig.samples.size() - 1)];  // held after the end
        for (std::size_t i = 0; i < sig.gains.size(); ++i) {
            double* d = ws.drive.data() + i * max_chunk;
            const double u = sig.gains[i] * x;
            for (std::size_t c = 0; c < cb; ++c) d[c] += u;
        }
    }
}

// Forward Euler of the voltage or rate form with a per-unit threshold and the population's f
// (paper 000 spec §2.7: V_n = V_{n−1} + h(−V_{n−1} + F x_{n−1} + W ρ_{n−1}), ρ_n = σ_β(V_n − T)).
void rate_engine::update_general(workspace& ws, std::size_t p, std::size_t b0, std::size_t cb) {
    const auto& pop = net_.populations[p];
    const double a = net_.dt / pop.tau, g = pop.transfer.gain, rmax = pop.transfer.r_max, beta = pop.beta;
    const bool logistic = pop.shape == network::transfer_shape::logistic;
    const bool voltage = pop.state == network::rate_state::voltage;
    for (std::size_t i = 0; i < pop.n; ++i) {
        const double theta = pop.threshold_of(i);
        const double* d = ws.drive.data() + i * max_chunk;
        double* r = rates_[p].data() + i * batch_ + b0;
        double* V = voltage ? voltages_[p].data() + i * batch_ + b0 : nullptr;
        for (std::size_t c = 0; c < cb; ++c) {
            double v = d[c];
            if (voltage) v = V[c] = V[c] + a * (d[c] - V[c]);
            const double f = logistic ? 1.0 / (1.0 + std::exp(-beta * (v - theta))) : g * std::max(v - theta, 0.0);
            r[c] = std::min(voltage ? f : r[c] + a * (f - r[c]), rmax);
        }
    }
}

void rate_engine::run(std::size_t steps, rate_step_hook* hook, int threads) {
    // Each worker owns one contiguous range of networks, split at multiples of 16 (whole cache
    // lines), and walks it in chunks of at most max_chunk. Results do not depend on the split.
    if (threads <= 0) threads = omp_get_max_threads();  // 0: all cores, as everywhere in einet
    if (net_.storage == network::weight_storage::float16 &&
        (net_.precision != network::step_precision::float32 || general_step_ || !use_unit_major(hook))) {
        throw config_error("model.weight_storage = \"float16\": only the unit-major kernel in float32 keeps a binary16 "
                           "weight copy (needs model.precision = \"float32\", multi-unit populations and weights that "
                           "change only between trials); this run would use another kernel");
    }
    const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(threads), (batch_ + 15) / 16);
    const std::size_t units = unit_offset_.back() + net_.populations.back().n;
    std::size_t max_n = 0;
    for (const auto& p : net_.populations) max_n = std::max(max_n, p.n);
    const std::size_t seg0 = segment_step_;
    const std::uint64_t abs0 = step_;
    auto boundary = [&](std::size_t w) { return std::min(batch_, (w * batch_ / workers + 8) / 16 * 16); };
    // An exception must not leave an OpenMP region (that terminates the program): the first one
    // is kept, the other workers finish their current chunk, and it is rethrown after the region.
    std::exception_ptr failure;
#pragma omp parallel num_threads(static_cast<int>(workers))
    {
        workspace ws;
        ws.normals.assign(units * 4 * max_chunk, 0.0);
        ws.drive.assign(max_n * max_chunk, 0.0);
        if (net_.order == network::update_order::simultaneous) ws.previous.assign(units * max_chunk, 0.0);
#pragma omp for schedule(static, 1)
        for (std::size_t w = 0; w < workers; ++w) {
            try {
                const std::size_t end = w + 1 == workers ? batch_ : boundary(w + 1);
                for (std::size_t b0 = boundary(w); b0 < end; b0 += max_chunk) {
                    const std::size_t b1 = std::min(end, b0 + max_chunk);
                    ws.block = std::numeric_limits<std::uint64_t>::max();
                    if (scalar_populations_ && !general_step_ && net_.populations.size() == 2) {
                        run_scalar_chunk<2>(ws, b0, b1, seg0, abs0, steps, hook);
                        continue;
                    }
                    if (!general_step_ && use_unit_major(hook)) {
                        if (net_.storage == network::weight_storage::float16) {
                            run_unit_major_chunk<float, std::uint16_t>(ws, b0, b1, seg0, abs0, steps, hook);
                        } else if (net_.precision == network::step_precision::float32) {
                            run_unit_major_chunk<float, float>(ws, b0, b1, seg0, abs0, steps, hook);
                        } else {
                            run_unit_major_chunk<double, double>(ws, b0, b1, seg0, abs0, steps, hook);
                        }
                        continue;
                    }
                    for (std::size_t s = 0; s < steps; ++s) {
                        step_chunk(ws, b0, b1, seg0 + s, abs0 + s);
                        if (hook) hook->on_step(*this, seg0 + s, b0, b1);
                    }
                }
            } catch (...) {
#pragma omp critical(einet_rate_engine_failure)
                if (!failure) failure = std::current_exception();
            }
        }
    }
    if (failure) std::rethrow_exception(failure);
    segment_step_ = seg0 + steps;
    step_ = abs0 + steps;
}

std::optional<nonfinite_location> rate_engine::find_nonfinite() const {
    auto scan = [&](const std::vector<aligned_vector<double>>& groups,
                    const char* what) -> std::optional<nonfinite_location> {
        for (std::size_t g = 0; g < groups.size(); ++g) {
            for (std::size_t idx = 0; idx < groups[g].size(); ++idx) {
                if (!std::isfinite(groups[g][idx])) return nonfinite_location{what, g, idx / batch_, idx % batch_};
            }
        }
        return std::nullopt;
    };
    if (auto r = scan(rates_, "rate")) return r;
    if (auto r = scan(eta_, "noise")) return r;
    if (auto r = scan(voltages_, "voltage")) return r;
    return scan(weights_, "weight");
}

}  // namespace einet::engine
