#pragma once
// The three rate-model studies behind `experiment.study` (internal to config/): each lowers its
// config section into a protocol, runs it on the engine, writes its arrays into the run directory
// and returns its summary entries.
#include <string>

#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/engine/rate_engine.hpp"
#include "einet/io/json.hpp"
#include "einet/io/run_directory.hpp"

namespace einet::config {

struct study_output {
    io::json summary = io::json::object();
    std::string failure;  // non-empty: why the study stopped early (results so far are written)
};

study_output run_trial_study(const resolved_config& cfg, engine::rate_engine& eng, io::run_directory& dir,
                             const run_options& opt);
study_output run_online_study(const resolved_config& cfg, engine::rate_engine& eng, io::run_directory& dir,
                              const run_options& opt);
study_output run_fixed_study(const resolved_config& cfg, engine::rate_engine& eng, io::run_directory& dir,
                             const run_options& opt);

}  // namespace einet::config
