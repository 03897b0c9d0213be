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
std::size_t steps_of(const resolved_config& cfg, const std::string& key);

}  // namespace einet::config
