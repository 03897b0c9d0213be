#pragma once
// Study "snn_convex" (paper 002): for every (K, L, seed) of [snn], builds the task of [task], runs
// the methods of [methods] — CVX (Gaussian witness, spike dictionary, certified convex readout) and
// SG (surrogate-gradient BPTT) — and summarises primal, dual, gap and test accuracy per sweep point.
#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/rate_studies.hpp"
#include "einet/io/run_directory.hpp"

namespace einet::config {

// Everything that can fail on the configuration (widths divisible by K, data files) is checked here.
void check_snn_convex(const resolved_config& cfg);
study_output run_snn_convex_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);

}  // namespace einet::config
