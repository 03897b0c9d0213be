#pragma once
// Largest Lyapunov exponent of a current-noise LIF network (paper 003, spec 003 §4), three ways,
// all on the library's engine with the event-resolved integrator (exact propagators, spikes
// interpolated inside the step and the reset integrated from there, spec §4.4):
//   saltation:  the tangent (variational) dynamics along each path — the exact linear flow between
//               spikes, δv ← κ(A)·δv at each reset with κ = 1 + (V_th − V_r)/A (spec Eq. 4.1);
//   divergence: a copy started ε away on the same noise, renormalised every interval (Benettin),
//               renormalisations skipped while the copies' spike counts differ (spec §4.4 step 5);
//   formula:    λ_v,i = −1/τ_m + r_i·E_flux[log(1 + (V_th − V_r)/A)] per neuron from its own
//               spikes (spec Eqs. 4.2, 4.4); the network's top exponent is max_i λ_v,i (and −1/τ_s).
// Synaptic arrivals are integrated at their time inside the step (exact_interpolated), so a
// presynaptic spike's time shift moves its jump: the tangent carries that cross term (spec
// Eq. 4.3). It changes transients, not the exponents (block-triangular cocycle, spec §4.3).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "einet/network/spiking_network.hpp"

namespace einet::analysis {

struct lyapunov_plan {
    network::spiking_network net;  // the template (one path); dt and method are set here
    std::size_t paths = 100;
    double dt = 0.002, burn_in = 5, duration = 50, renormalise = 1, epsilon = 1e-9;
    std::size_t windows = 10;  // estimates also at duration·k/windows, k = 1..windows
    std::vector<std::vector<double>> V0;  // per replicated neuron (empty: the template's)
    bool stationary_current = true;
    std::uint64_t seed = 1;
    int threads = 0;
};

struct lyapunov_estimate {
    double mean = 0, standard_error = 0;  // over paths
};

struct lyapunov_result {
    lyapunov_estimate saltation, divergence;
    double formula = 0;                       // top exponent from the flux formula
    std::vector<double> formula_per_neuron;   // λ_v,i per template neuron (Eq. 4.4)
    std::vector<double> rate_per_neuron;      // r_i (spikes per ms)
    std::vector<double> mean_log_saltation;   // E_flux[log κ] per neuron
    std::vector<double> crossing_speeds;      // A of every measured spike (pooled), for the flux density
    std::vector<double> lengths;              // T at each window
    std::vector<double> saltation_by_length, divergence_by_length, formula_by_length;
    std::size_t skipped_renormalisations = 0;
};

lyapunov_result estimate_lyapunov(const lyapunov_plan& plan);

}  // namespace einet::analysis
