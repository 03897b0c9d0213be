#pragma once
// The paper-004 studies behind `experiment.study` (internal to config/): "synaptic_balancing"
// (balancing_study.cpp) and "rnn_training" (rnn_training_study.cpp). Each writes its arrays into
// the run directory and returns its summary entries.
#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/rate_studies.hpp"
#include "einet/io/run_directory.hpp"

namespace einet::config {

bool is_balancing_study(const std::string& study);
study_output run_balancing_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);
study_output run_rnn_training_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);

}  // namespace einet::config
