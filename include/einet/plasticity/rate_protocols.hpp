#pragma once
// Plasticity protocols that drive the rate engine (paper 001):
//  - trial protocol (Methods; spec §1.4): trials from E = I = 0 with a kick, the rate of each
//    trial measured over its last window, low-passed across trials, floored, then one update;
//  - online protocol (Fig. S4; spec §2.9): slow sensors integrate the rates and the weights move
//    every step.
// Both are studies: they run the engine, read its state and change its weights; the engine
// does not know them. Results are plain arrays; writing them is the caller's business.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "einet/analysis/two_population.hpp"
#include "einet/core/progress.hpp"
#include "einet/engine/rate_engine.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

namespace einet::plasticity {

// A rule bound to a rate network: rates, set points and bounds per class.
struct rule_binding {
    rule r;
    std::vector<double> setpoint;                      // per population, Hz
    std::vector<double> alpha, beta, floor, ceiling;   // per projection
    std::vector<std::size_t> class_index;              // per projection, into rule::classes
    analysis::two_population_params model;             // for set-point-plane targets (forced balance)
};

// Scales the weights of one class among the first `units` units of its populations (post and pre
// unit index < units) by `factor` before trial `trial` runs: a Hebbian imprint (001 Fig. S6).
struct weight_imprint {
    std::size_t trial = 0;  // 1-based; 0 = none
    std::size_t projection = 0;
    std::size_t units = 10;
    double factor = 2.0;
};

struct trial_params {
    std::size_t trials = 500;
    double trial_duration = 2000.0;  // ms
    double measure_window = 500.0;   // ms, at the end of each trial
    double lowpass_trials = 2.0;     // r̄ ← r̄ + (m − r̄)/τ
    double rate_floor = 1.0;         // Hz; rates entering the rule are max(r̄, floor)
    bool reset_rates = true;
    double sustained_rate = 1.0;     // Hz; measured E >= this => self-sustained trial
    std::vector<std::size_t> trace_trials;  // 1-based
    std::size_t trace_network = 0;
    std::size_t trace_every = 10;    // steps
    double weight_guard = 1e12;      // |W| beyond this = divergence
    std::size_t checkpoint_every = 0;  // trials between calls of run_trials' on_checkpoint (0: never)
    weight_imprint imprint;
};

struct trial_results {
    std::size_t trials_done = 0;
    // [population][trial * batch + b]: population means (over units)
    std::vector<std::vector<double>> measured, lowpassed;
    // [projection][row * batch + b]: class means, row 0 initial, row t after trial t (trials_done + 1 rows)
    std::vector<std::vector<double>> weights;
    std::vector<long> first_sustained;  // per network, 1-based trial; 0 = never
    std::vector<std::size_t> traced_trials;            // trials actually traced
    std::vector<std::vector<double>> traces;           // [traced trial] -> [sample][population]
    std::size_t trace_samples = 0;
    std::string failure;  // non-empty: why the run stopped early (NaN, divergence)
    // Per-unit low-passed rates r̄ after the last trial ([population][unit * batch + b]): with the
    // engine state, everything a resumed run needs.
    std::vector<std::vector<double>> unit_lowpass;
};

// Runs trials trials_done + 1 … p.trials of `resume` (a fresh run when it is null or has no trials
// done). Every p.checkpoint_every trials, after the update, on_checkpoint gets the results so far
// (the engine then holds the matching state), so a sweep killed mid-way can resume bit-identically.
trial_results run_trials(engine::rate_engine& eng, const trial_params& p, const rule_binding& rb, int threads,
                         progress::mode progress_mode, trial_results* resume = nullptr,
                         const std::function<void(const trial_results&)>& on_checkpoint = {});

struct online_params {
    double duration = 100000.0;   // ms
    double sensor_tau = 1000.0;   // ms
    double rate_floor = 0.0;      // Hz
    double final_window = 10000.0;  // ms
    std::size_t trace_network = 0;
    std::size_t trace_every = 10;  // steps
    double weight_guard = 1e12;
};

struct online_results {
    std::size_t steps_done = 0;
    std::vector<double> time_s;                  // samples
    std::vector<double> rates, sensors, weights;  // [sample][population or projection] of the traced network
    std::vector<std::vector<double>> final_rate;  // [population][b] mean over the final window
    std::vector<std::vector<double>> final_sensor;  // [population][b]
    std::vector<std::vector<double>> final_weights; // [projection][b] class means
    std::string failure;
};

online_results run_online(engine::rate_engine& eng, const online_params& p, const rule_binding& rb, int threads,
                          progress::mode progress_mode);

// Class-mean weight of projection q for every network.
std::vector<double> class_means(const engine::rate_engine& eng, std::size_t q);

// Throws config_error when a binding does not fit the network (sizes, finite rates, floor <=
// ceiling, populations the rule's terms need). run_trials and run_online call it (and check their
// parameters) before anything runs, so Python callers get the same checks as the config.
void check_binding(const rule_binding& rb, const network::rate_network& net);

}  // namespace einet::plasticity
