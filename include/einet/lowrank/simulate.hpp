#pragma once
// Runs a paper-000 model (lowrank/model.hpp) on the spiking engine and returns its latents and
// spikes: the one driver the `lowrank` study, the tests and the Python binding share.
#include <cstdint>
#include <vector>

#include "einet/lowrank/model.hpp"

namespace einet::lowrank {

struct trajectory {
    std::vector<std::vector<double>> y;  // per readout (populations, then orthogonal ones): y_n = D·r at t_n (signed)
    struct spikes_of {
        std::vector<std::uint64_t> step;  // the sample n at which the spike shows (t_n)
        std::vector<std::uint32_t> id;
    };
    std::vector<spikes_of> spikes;  // per population
    // Per population, per neuron: mean membrane voltage over the samples [first, last) of the voltage
    // window (engine units: V − T + 1 in the reference mode, threshold 1; spec §2.1). Empty without a window.
    std::vector<std::vector<double>> mean_V;
    // Rate networks only: per population the rates ρ_n of every neuron, n_T × N (step-major).
    std::vector<std::vector<double>> rho;
};

struct sample_window {
    std::size_t first = 0, last = 0;  // samples n with first <= n < last
};

// Spiking models on the spiking engine; rate models (m.kind == rate) on the rate engine (seed unused).
trajectory simulate(const model& m, std::uint64_t seed, int threads = 1, sample_window voltage_window = {});

}  // namespace einet::lowrank
