#pragma once
// The three settings of the spiking training (spec 001 §5.8 table and version note): the paper,
// the public repository, the stored Fig. 7 run. Internal to config/ (validation and the study).
#include <limits>
#include <string>

#include "einet/plasticity/spiking_training.hpp"

namespace einet::config {

struct training_preset {
    double alpha, floor, ceiling, clip;  // pA/Hz², pA, pA, × set point
    plasticity::silent_trial_rule silent;
};

inline training_preset training_preset_named(const std::string& name) {
    using s = plasticity::silent_trial_rule;
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (name == "public_code") return {0.005, 5.0, 750.0, inf, s::event};
    if (name == "stored_run") return {0.008, 0.4, inf, 2.0, s::population_mean};
    return {0.0025, 10.0, 750.0, inf, s::event};  // paper
}

}  // namespace einet::config
