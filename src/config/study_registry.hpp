#pragma once
// Internal to config/: every study einet runs, as data. An entry says what the study checks or
// builds before the run directory exists (so that a model error leaves nothing behind), whether
// `einet run --resume` can continue it, whether run.batch applies, and how it runs. Adding a
// study is one entry in study_registry.cpp (plus its schema sections).
#include <functional>
#include <string>

#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/rate_studies.hpp"
#include "einet/io/run_directory.hpp"

namespace einet::config {

using study_run = std::function<study_output(io::run_directory&)>;

struct study_entry {
    const char* name;
    bool resumable;  // --resume continues it from the checkpoint in its run directory
    bool batched;    // run.batch sets the number of networks (recorded in the manifest)
    // Checks and builds the model (throwing config_error on bad input) and returns the run.
    std::function<study_run(const resolved_config&, const run_options&)> prepare;
};

// The entry of `study`; internal_error when the schema admits a study that is not registered.
const study_entry& find_study(const std::string& study);

}  // namespace einet::config
