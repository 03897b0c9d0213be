#pragma once
// Study "convergence" (internal to config/; paper 003): see src/config/convergence_study.cpp.
#include "einet/config/rate_studies.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::config {

study_output run_convergence_study(const resolved_config& cfg, network::spiking_network net, io::run_directory& dir,
                                   const run_options& opt);

}  // namespace einet::config
