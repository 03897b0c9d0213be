#pragma once
// Monte-Carlo paths of one network simulated as one network: `paths` independent copies, with
// neuron i of population X in path q at index q·n_X + i. Projections are block-diagonal (every
// copy has the template's synapses, weights and delays), inputs are copied into every path, and
// each copy gets its own noise because the engine keys noise by neuron. One engine run then
// advances all paths in one vectorised pass (spec 003 §6: paths in parallel).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "einet/network/spiking_network.hpp"

namespace einet::engine {
class spiking_engine;
}

namespace einet::analysis {

network::spiking_network replicate_paths(const network::spiking_network& net, std::size_t paths);

// Starts every noisy exponential receptor of `engine` from its stationary law N(0, σ²τ/2) (spec
// 003 §1.5), neuron by neuron from Philox (seed, neuron): the same start for every step size.
void set_stationary_currents(engine::spiking_engine& engine, std::uint64_t seed);

// Where a (population, neuron) of the template lies among the `neurons` of one path, and back.
struct path_layout {
    std::vector<std::size_t> size;    // per population: neurons of one path
    std::vector<std::size_t> offset;  // per population: first index of its neurons within a path
    std::size_t neurons = 0;          // per path, all populations
    explicit path_layout(const network::spiking_network& template_net);
};

}  // namespace einet::analysis
