#pragma once
// The paradoxical-effect experiment (paper 001 Figs. 1B–C, 3): run a rate network with fixed
// weights, change one population's drive or one weight class during the Up state, and compare
// the mean rates just before the change with those at the end.
#include <cstddef>
#include <string>
#include <vector>

#include "einet/engine/rate_engine.hpp"

namespace einet::analysis {

struct perturbation {
    double duration = 3000.0;   // ms
    double at = 1500.0;         // ms
    double window = 500.0;      // ms
    bool is_input = true;       // input to a population, or new value of a weight class
    std::size_t target = 1;     // population (input) or projection (weight)
    double value = 7.0;
    std::size_t trace_every = 10;  // steps
};

struct perturbation_result {
    std::vector<double> before, after;  // per population, mean rate of network 0 (Hz)
    std::vector<double> time_ms;        // trace samples
    std::vector<double> trace;          // [sample][population]
    std::string failure;
};

perturbation_result run_perturbation(engine::rate_engine& eng, const perturbation& p, int threads);

}  // namespace einet::analysis
