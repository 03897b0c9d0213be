#pragma once
// The paper-004 studies behind `experiment.study` (internal to config/): "synaptic_balancing"
// (balancing_study.cpp) and "rnn_training" (rnn_training_study.cpp). Each writes its arrays into
// the run directory and returns its summary entries.
#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/rate_studies.hpp"
#include "einet/io/run_directory.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

namespace einet::config {

bool is_balancing_study(const std::string& study);
study_output run_balancing_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);
// [balancing] tolerance, rtol (atol = 1e-3 rtol), integrator and t_max as balance_options, on
// `threads` threads (the sweeps split in fixed row blocks: results do not depend on it).
plasticity::balance_options balancing_options_from(const resolved_config& cfg, int threads = 1);
// The equilibrium (or fixed-horizon flow) of `balancing.method` for costs c0.
plasticity::balance_result balance_by_method(const resolved_config& cfg, const Eigen::MatrixXd& c0, double p, int threads = 1);
study_output run_rnn_training_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);

}  // namespace einet::config
