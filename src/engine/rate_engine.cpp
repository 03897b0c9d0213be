#include "einet/engine/rate_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::engine {

struct rate_engine::workspace {
    std::vector<double> normals;   // [unit][4][chunk] for the current block of four steps
    std::vector<double> drive;     // [unit][chunk] of the population being updated
    std::vector<double> previous;  // all rates at the step start (simultaneous order only)
    std::uint64_t block = std::numeric_limits<std::uint64_t>::max();
};

rate_engine::rate_engine(network::rate_network net, std::size_t batch, std::uint64_t seed)
    : net_(std::move(net)), batch_(batch), seed_(seed) {
    if (batch_ == 0) throw internal_error("rate_engine: empty batch");
    std::size_t offset = 0;
    for (const auto& pop : net_.populations) {
        unit_offset_.push_back(offset);
        offset += pop.n;
        rates_.emplace_back(pop.n * batch_, 0.0);
        eta_.emplace_back(pop.n * batch_, 0.0);
    }
    for (const auto& proj : net_.projections) {
        const auto n_post = net_.populations[proj.post].n, n_pre = net_.populations[proj.pre].n;
        weights_.emplace_back(n_post * n_pre * batch_, 0.0);
    }
    for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) kick_left_.emplace_back(batch_, 0);
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

double rate_engine::step_drive(std::size_t pop, std::size_t seg_step) const {
    double drive = 0.0;
    for (const auto& in : net_.steps) {
        if (in.population != pop) continue;
        // Active on steps k with start <= k·dt < start + duration (rounded to the step grid).
        const double k0 = std::round(in.start / net_.dt);
        const double k1 = std::isinf(in.duration) ? std::numeric_limits<double>::infinity()
                                                  : std::round((in.start + in.duration) / net_.dt);
        const double k = static_cast<double>(seg_step);
        if (k >= k0 && k < k1) drive += in.amplitude;
    }
    return drive;
}

void rate_engine::fill_noise(workspace& ws, std::size_t b0, std::size_t b1, std::uint64_t block) {
    const std::size_t units = unit_offset_.empty() ? 0 : unit_offset_.back() + net_.populations.back().n;
    const std::size_t cb = b1 - b0;
    for (std::size_t u = 0; u < units; ++u) {
        double* out = ws.normals.data() + u * 4 * chunk_size;
#pragma omp simd
        for (std::size_t c = 0; c < cb; ++c) {
            const auto entity = static_cast<std::uint32_t>((b0 + c) * units + u);
            rng::normals4(seed_, rng::purpose::rate_noise, entity, block, 0, out[c], out[chunk_size + c],
                          out[2 * chunk_size + c], out[3 * chunk_size + c]);
        }
    }
    ws.block = block;
}

void rate_engine::step_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg_step,
                             std::uint64_t abs_step) {
    const std::size_t B = batch_, cb = b1 - b0;
    const double dt = net_.dt;

    // 1. OU noise. Four normals per unit come from one Philox counter (block = step / 4).
    if (net_.noise.sigma != 0.0) {
        if (ws.block != abs_step / 4) fill_noise(ws, b0, b1, abs_step / 4);
        const std::size_t slot = abs_step % 4;
        double decay, amp;
        if (net_.noise.exact) {  // exact OU transition over dt
            decay = std::exp(-dt / net_.noise.tau);
            amp = net_.noise.sigma * std::sqrt(0.5 * net_.noise.tau * 1e-3 * (1.0 - decay * decay));
        } else {  // Euler–Maruyama (001 spec §1.3): η += −(dt/τ)η + σ √dt ξ, dt in seconds for σ
            decay = 1.0 - dt / net_.noise.tau;
            amp = net_.noise.sigma * std::sqrt(dt * 1e-3);
        }
        for (std::size_t p = 0; p < net_.populations.size(); ++p) {
            for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
                double* eta = eta_[p].data() + i * B + b0;
                const double* xi = ws.normals.data() + ((unit_offset_[p] + i) * 4 + slot) * chunk_size;
#pragma omp simd
                for (std::size_t c = 0; c < cb; ++c) eta[c] = decay * eta[c] + amp * xi[c];
            }
        }
    }

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
                                       static_cast<std::uint32_t>(b * net_.poisson_kicks.size() + k), abs_step);
            if (forced || rng::uniform53(u[0], u[1]) < p_start) left[b] = len;
        }
    }

    // 2. Populations in order.
    if (net_.order == network::update_order::simultaneous) {
        std::size_t off = 0;
        for (std::size_t p = 0; p < rates_.size(); ++p) {
            for (std::size_t i = 0; i < net_.populations[p].n; ++i, ++off) {
                std::copy_n(rates_[p].data() + i * B + b0, cb, ws.previous.data() + off * chunk_size);
            }
        }
    }
    for (std::size_t p = 0; p < net_.populations.size(); ++p) {
        const auto& pop = net_.populations[p];
        const std::size_t n = pop.n;
        // External drive that is the same for all units of the population and networks.
        const double common = step_drive(p, seg_step);
        for (std::size_t i = 0; i < n; ++i) {
            double* d = ws.drive.data() + i * chunk_size;
            const double* eta = eta_[p].data() + i * B + b0;
#pragma omp simd
            for (std::size_t c = 0; c < cb; ++c) d[c] = common + eta[c];
        }
        for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) {
            if (net_.poisson_kicks[k].population != p) continue;
            const double amp = net_.poisson_kicks[k].amplitude;
            const std::int32_t* left = kick_left_[k].data() + b0;
            for (std::size_t i = 0; i < n; ++i) {
                double* d = ws.drive.data() + i * chunk_size;
                for (std::size_t c = 0; c < cb; ++c) d[c] += left[c] > 0 ? amp : 0.0;
            }
        }
        for (std::size_t q = 0; q < net_.projections.size(); ++q) {
            const auto& proj = net_.projections[q];
            if (proj.post != p) continue;
            const std::size_t n_pre = net_.populations[proj.pre].n;
            const double sign = net_.populations[proj.pre].excitatory ? 1.0 : -1.0;
            const double* W = weights_[q].data();
            for (std::size_t i = 0; i < n; ++i) {
                double* d = ws.drive.data() + i * chunk_size;
                for (std::size_t j = 0; j < n_pre; ++j) {
                    const double* w = W + (i * n_pre + j) * B + b0;
                    const double* r = net_.order == network::update_order::simultaneous
                                          ? ws.previous.data() + (unit_offset_[proj.pre] + j) * chunk_size
                                          : rates_[proj.pre].data() + j * B + b0;
#pragma omp simd
                    for (std::size_t c = 0; c < cb; ++c) d[c] += sign * w[c] * r[c];
                }
            }
        }
        // 001 Methods Eq. 1–2 (forward Euler): r ← r + dt/τ (−r + f(drive)), then saturation.
        const double a = dt / pop.tau, g = pop.transfer.gain, theta = pop.transfer.threshold,
                     rmax = pop.transfer.r_max;
        for (std::size_t i = 0; i < n; ++i) {
            const double* d = ws.drive.data() + i * chunk_size;
            double* r = rates_[p].data() + i * B + b0;
#pragma omp simd
            for (std::size_t c = 0; c < cb; ++c) {
                const double f = g * std::max(d[c] - theta, 0.0);
                r[c] = std::min(r[c] + a * (f - r[c]), rmax);
            }
        }
    }
}

void rate_engine::run(std::size_t steps, rate_step_hook* hook, int threads) {
    const std::size_t n_chunks = (batch_ + chunk_size - 1) / chunk_size;
    const std::size_t units = unit_offset_.back() + net_.populations.back().n;
    std::size_t max_n = 0;
    for (const auto& p : net_.populations) max_n = std::max(max_n, p.n);
    const std::size_t seg0 = segment_step_;
    const std::uint64_t abs0 = step_;
#pragma omp parallel num_threads(std::max(threads, 1))
    {
        workspace ws;
        ws.normals.assign(units * 4 * chunk_size, 0.0);
        ws.drive.assign(max_n * chunk_size, 0.0);
        if (net_.order == network::update_order::simultaneous) ws.previous.assign(units * chunk_size, 0.0);
#pragma omp for schedule(static)
        for (std::size_t chunk = 0; chunk < n_chunks; ++chunk) {
            const std::size_t b0 = chunk * chunk_size, b1 = std::min(batch_, b0 + chunk_size);
            ws.block = std::numeric_limits<std::uint64_t>::max();
            for (std::size_t s = 0; s < steps; ++s) {
                step_chunk(ws, b0, b1, seg0 + s, abs0 + s);
                if (hook) hook->on_step(*this, seg0 + s, b0, b1);
            }
        }
    }
    segment_step_ = seg0 + steps;
    step_ = abs0 + steps;
}

std::optional<nonfinite_location> rate_engine::find_nonfinite() const {
    auto scan = [&](const std::vector<std::vector<double>>& groups,
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
    return scan(weights_, "weight");
}

}  // namespace einet::engine
