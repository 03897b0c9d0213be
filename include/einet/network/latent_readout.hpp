#pragma once
// A latent readout of a population (paper 000 Eq. S5, spec 000 §2.6): y = D·r with r_j the spike
// train of neuron j filtered by e^{−t/τ} on the grid (the spike's own step counts with weight 1):
//   y_n = e^{−dt/τ} y_{n−1} + D·u_n,
// u = the spike train (instantaneous synapses), or the train through the synapse's kernel: a
// pulse of p steps spreads each spike as 1/p over p steps (spec Mode B), an exponential kernel
// gives u = G·dt with G_n = G_{n−1}(1 − dt/τ_s) + s_n/τ_s (Mode C). record::latent_recorder runs it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace einet::network {

struct latent_readout {
    std::string name;  // array "latent_<name>"
    std::size_t population = 0;
    std::size_t rank = 1;
    std::vector<double> decoders;  // n × rank, row-major
    double tau = 10.0;             // ms
    enum class kernel { spike, pulse, exponential } shape = kernel::spike;
    std::uint32_t pulse_steps = 1;  // pulse
    double tau_s = 5.0;             // ms, exponential
    std::vector<double> y0;         // initial latent (rank values) or empty (0)
};

}  // namespace einet::network
