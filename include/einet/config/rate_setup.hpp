#pragma once
// Lowering of a resolved configuration into the rate engine and the rule binding (used by
// run_experiment and the benchmark).
#include <memory>

#include "einet/config/config.hpp"
#include "einet/engine/rate_engine.hpp"
#include "einet/plasticity/rate_protocols.hpp"

namespace einet::config {

network::rate_network build_rate_network(const resolved_config& cfg);
analysis::two_population_params model_params(const resolved_config& cfg);
// Draws the initial weights of every network of the batch (Philox keyed by network and class).
// Presynaptic partners of a unit in projection q: N_pre, or N_pre − 1 without self-connections.
std::size_t presynaptic_partners(const network::rate_network& net, std::size_t q);
void initialise_weights(const resolved_config& cfg, engine::rate_engine& eng);
plasticity::rule_binding bind_rule(const resolved_config& cfg, const network::rate_network& net);

}  // namespace einet::config
