#pragma once
// The paradoxical-effect test of paper 001 Fig. 7I (spec 001 §5.9) on a spiking network with
// fixed (trained) weights: adaptation off, trials of `duration` with the network's own inputs
// (the kick), a constant current into every unit of the target (inhibitory) population during
// [start, stop), `trials` trials per amplitude with the same trial seeds for every amplitude.
// Per population the PSTHs of the trials whose mean rate over [start, stop) stays at or above
// the exclusion threshold (a terminated Up state otherwise) are averaged; the rate of an
// amplitude is that average over [start, stop).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "einet/network/spiking_network.hpp"

namespace einet::analysis {

struct paradoxical_params {
    std::vector<double> amplitudes = {0.0, 2.0, 4.0, 6.0};  // pA
    std::size_t trials = 40;
    double duration_ms = 5100.0, start_ms = 3000.0, stop_ms = 4000.0;
    double pre_ms = 1000.0;                  // "before" rates average [start − pre, start)
    double bin_ms = 10.0;
    std::size_t target = 1;                  // population receiving the current
    std::vector<double> min_rate_hz = {2.0, 4.0};  // per population: exclusion threshold
    bool adaptation_off = true;
};

struct paradoxical_result {
    // [amplitude][population]
    std::vector<std::vector<double>> rate, rate_before;
    std::vector<std::vector<std::size_t>> kept;
    std::vector<std::vector<std::vector<double>>> psth;  // [amplitude][population][bin], kept trials
};

// `on_trial(done, total)` is called after every trial (progress). Throws numerical_error from the
// engine's guards.
paradoxical_result paradoxical_test(const network::spiking_network& net, const paradoxical_params& p, std::uint64_t seed,
                                    int threads, const std::function<void(std::size_t, std::size_t)>& on_trial = {});

}  // namespace einet::analysis
