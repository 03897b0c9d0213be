#pragma once
// One path from a resolved configuration to a complete run directory, shared by the CLI and the
// Python module: build the network, run the study, write arrays, summary, manifest and report.
#include <string>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/core/progress.hpp"

namespace einet::config {

struct run_options {
    std::string out;             // run directory; empty = runs/<name>-<UTC time>
    bool overwrite = false;
    bool resume = false;         // continue the spiking run in `out` from its checkpoint (same config)
    int threads = 0;             // 0 = all hardware threads
    progress::mode progress_mode = progress::mode::automatic;
    std::vector<std::string> argv;
    bool report = true;          // figures + report.html through the Python package
};

// Runs the experiment and returns the run directory. On a numerical failure the directory still
// holds everything recorded until then (manifest status "failed") and numerical_error is thrown.
std::string run_experiment(const resolved_config& cfg, const run_options& opt);

// Shipped experiment files: (path, figure, description), from the experiments/ folder.
struct shipped_experiment {
    std::string path, name, paper, figure, description;
};
std::vector<shipped_experiment> shipped_experiments();
std::string experiments_dir();

}  // namespace einet::config
