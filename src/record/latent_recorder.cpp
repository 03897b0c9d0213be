#include "einet/record/latent_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"

namespace einet::record {

latent_recorder::latent_recorder(const engine::spiking_engine& eng, std::vector<latent_readout> readouts)
    : readouts_(std::move(readouts)), dt_(eng.dt()) {
    const auto& pops = eng.network().populations;
    for (const auto& r : readouts_) {
        const std::string where = "latent readout " + r.name;
        if (r.population >= pops.size()) throw config_error(where + ": expected an existing population");
        if (r.rank == 0 || r.decoders.size() != pops[r.population].n * r.rank) {
            throw config_error(where + ": expected " + std::to_string(pops[r.population].n) + " x " + std::to_string(r.rank) +
                               " decoders, got " + std::to_string(r.decoders.size()));
        }
        if (!r.y0.empty() && r.y0.size() != r.rank) throw config_error(where + ": expected " + std::to_string(r.rank) + " initial values");
        if (!(r.tau > 0)) throw config_error(where + ".tau: expected > 0");
        state s;
        s.y = r.y0.empty() ? std::vector<double>(r.rank, 0.0) : r.y0;
        s.G.assign(r.rank, 0.0);
        s.pulse_ring.assign(std::max<std::uint32_t>(r.pulse_steps, 1) * r.rank, 0.0);
        s.y_trace = s.y;  // the sample at t = 0
        state_.push_back(std::move(s));
        z_.resize(std::max(z_.size(), r.rank));
    }
    samples_ = 1;
}

void latent_recorder::on_step(engine::spiking_engine& eng) {
    for (std::size_t k = 0; k < readouts_.size(); ++k) {
        const auto& r = readouts_[k];
        auto& s = state_[k];
        const std::size_t R = r.rank;
        std::fill(z_.begin(), z_.begin() + R, 0.0);
        for (auto j : eng.spikes(r.population)) {
            for (std::size_t m = 0; m < R; ++m) z_[m] += r.decoders[j * R + m];
        }
        const double leak = std::exp(-dt_ / r.tau);
        for (std::size_t m = 0; m < R; ++m) {
            double u = z_[m];
            if (r.shape == latent_readout::kernel::pulse) {
                // Each spike adds 1/p in its own step and the p − 1 following ones.
                const std::size_t p = r.pulse_steps;
                double* ring = s.pulse_ring.data();
                ring[s.pulse_pos * R + m] = z_[m] / static_cast<double>(p);
                u = 0.0;
                for (std::size_t q = 0; q < p; ++q) u += ring[q * R + m];
            } else if (r.shape == latent_readout::kernel::exponential) {
                s.G[m] = s.G[m] * (1.0 - dt_ / r.tau_s) + z_[m] / r.tau_s;
                u = s.G[m] * dt_;
            }
            s.y[m] = leak * s.y[m] + u;
        }
        if (r.shape == latent_readout::kernel::pulse) s.pulse_pos = (s.pulse_pos + 1) % r.pulse_steps;
        s.y_trace.insert(s.y_trace.end(), s.y.begin(), s.y.end());
    }
    ++samples_;
}

std::vector<recorded_array> latent_recorder::arrays() const {
    std::vector<recorded_array> out;
    for (std::size_t k = 0; k < readouts_.size(); ++k) {
        recorded_array a;
        a.info = {"latent_" + readouts_[k].name, {samples_, readouts_[k].rank}, "step, latent", "",
                  "latent readout y = D·r of population " + std::to_string(readouts_[k].population) + " (paper 000 Eq. S5), from t = 0"};
        a.values = state_[k].y_trace;
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace einet::record
