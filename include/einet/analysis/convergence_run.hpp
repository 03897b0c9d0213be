#pragma once
// Runs one network at several step sizes and integrators on shared Brownian paths (paper 003,
// spec 003 §6.1): `paths` copies of the network (path_ensemble), one engine per (integrator,
// step size) plus the reference, all advanced chunk by chunk over the same fine increments
// (coupled_brownian). Every engine is the library's spiking engine; this file only drives them
// and collects spike times, crossing speeds and end states into level_outcomes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "einet/analysis/convergence.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::analysis {

struct convergence_plan {
    network::spiking_network net;          // the template (one path); its dt and method are ignored
    std::size_t paths = 1;
    double duration = 0;                   // T (ms)
    double h_fine = 0;                     // the reference step; levels are h_fine·ratio
    std::vector<std::size_t> ratios;       // per level, a power of two (> 1)
    std::vector<network::integrator> integrators;
    network::integrator reference = network::integrator::euler_maruyama;
    // Initial state of every path: V0 per replicated neuron (empty: the template's in every path)
    // and the noisy receptors' current drawn from its stationary law N(0, σ²τ/2) (spec 003 §1.5).
    std::vector<std::vector<double>> V0;
    bool stationary_current = true;
    std::uint64_t seed = 1;
    int threads = 0;
    std::function<void(double)> progress;  // fraction done, after each chunk (optional)
};

struct convergence_runs {
    std::vector<std::vector<level_outcome>> levels;  // [integrator][level]
    level_outcome reference;
};

convergence_runs run_convergence(const convergence_plan& plan);

}  // namespace einet::analysis
