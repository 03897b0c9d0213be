#include "einet/analysis/trial_spikes.hpp"

#include <algorithm>
#include <cmath>

namespace einet::analysis {

trial_spikes::trial_spikes(const network::spiking_network& net)
    : times(net.populations.size()), ids(net.populations.size()), V(net.populations.size()) {
    for (const auto& p : net.populations) sizes.push_back(p.n);
}

void trial_spikes::sample_voltages(std::size_t neurons, std::size_t every_steps) {
    v_neurons = neurons;
    v_every = std::max<std::size_t>(1, every_steps);
}

void trial_spikes::clear() {
    for (auto& t : times) t.clear();
    for (auto& i : ids) i.clear();
    V.assign(times.size(), {});
}

void trial_spikes::on_step(engine::spiking_engine& eng) {
    const double t = eng.time();
    if (v_neurons > 0 && eng.step() % v_every == 0) {
        for (std::size_t p = 0; p < times.size(); ++p) {
            const double* v = eng.V(p);
            V[p].insert(V[p].end(), v, v + std::min(v_neurons, sizes[p]));
        }
    }
    for (std::size_t p = 0; p < times.size(); ++p) {
        for (auto i : eng.spikes(p)) {
            times[p].push_back(t);
            ids[p].push_back(i);
        }
    }
}

spike_train_view trial_spikes::view(std::size_t pop) const {
    return {times[pop].data(), ids[pop].data(), times[pop].size(), sizes[pop]};
}

std::vector<double> trial_spikes::psth(std::size_t pop, double t_stop_ms, double bin_ms) const {
    const auto nb = static_cast<std::size_t>(std::llround(t_stop_ms / bin_ms));
    std::vector<double> rate(nb, 0.0);
    if (nb == 0 || sizes[pop] == 0) return rate;
    const double to_hz = 1.0 / (bin_ms * 1e-3 * static_cast<double>(sizes[pop]));
    for (double t : times[pop]) {
        const auto b = static_cast<std::size_t>(std::max(0.0, std::floor(t / bin_ms)));
        rate[std::min(b, nb - 1)] += to_hz;
    }
    return rate;
}

std::uint64_t trial_seed(std::uint64_t seed, std::uint64_t trial) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (trial + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace einet::analysis
