#pragma once
// Study "lowrank" (paper 000): builds a lowrank::model from [lowrank] and [neurons.*], runs it on
// the spiking engine (lowrank/simulate.hpp), writes latents, input, target and spikes, and returns
// the summary: latent means, the crossing point or boundary target, errors against it, spike counts.
#include "einet/config/rate_studies.hpp"
#include "einet/lowrank/model.hpp"

namespace einet::config {

// Throws config_error naming the key (and its FILE:LINE) when a list has the wrong length.
lowrank::model build_lowrank_model(const resolved_config& cfg);

study_output run_lowrank_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);

}  // namespace einet::config
