#pragma once
// Lowering of a resolved "spiking" configuration into network::spiking_network: populations
// (per-neuron parameters drawn from Philox streams keyed by population, parameter and neuron),
// one receptor per presynaptic population with that population's kinetics (plus "noise" and
// inputs' own channels), projections built by the connectivity builders (projection id = its
// index in [[projections]]), and inputs. Throws config_error naming the key on a problem only
// visible here (array files).
#include "einet/config/config.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::config {

network::spiking_network build_spiking_network(const resolved_config& cfg, int threads = 1);

// Number of whole steps of a time key (validated as a multiple of run.dt).
// Initial membrane potentials of `n` neurons of population `pop` as [populations.*].V0 asks,
// neuron i keyed like the network's neuron i (so the first n_pop agree with the network's V0):
// the starts of n/n_pop independent paths of the network (study "convergence").
std::vector<double> initial_potentials(const resolved_config& cfg, std::size_t pop, std::size_t n);
std::size_t steps_of(const resolved_config& cfg, const std::string& key);

}  // namespace einet::config
