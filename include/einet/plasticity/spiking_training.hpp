#pragma once
// Trial-based training of a spiking E/I network by the homeostatic rule family (paper 001, SI
// "Implementation of the Spiking model", spec 001 §5.4–5.8, Fig. 7). A study: it drives the
// spiking engine through its public API and has no simulator of its own. Per trial:
//   1. the engine is restored to the initial state it had when the trainer was built (V = E_L,
//      synaptic and adaptation variables 0) and reseeded, so the noise is fresh every trial
//      (analysis::trial_seed(seed, trial)); it runs one trial (its inputs, e.g. the kick, are the
//      network's own);
//   2. per-unit rates (§5.5): Up states on the I PSTH; rates over the Up states, or — in a trial
//      without one — the "event" rule (spikes over 10 ms × the larger count of non-zero E / I
//      bins; kicked E units get the other E units' mean) or the population mean over the trial;
//   3. sensors (§5.6–5.7): moving average r ← r + (r_trial − r)/τ (set on the first trial),
//      local cross sensors = mean over the presynaptic units of the opposite population (SI
//      Eq. 17) from these averages, then the optional clip at clip × set point (of the cross
//      sensors and, in place, of the averages) and the 1-Hz floor in place;
//   4. one update of every synapse by plasticity::apply_rule on the engine's synapse tables
//      (two_term with β = α is SI Eq. 16), with per-class bounds.
// The trainer's state (trial, weights, sensors, logs) saves and restores as named arrays, so a
// resumed run continues bit-identically.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "einet/analysis/trial_spikes.hpp"
#include "einet/analysis/up_states.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

namespace einet::plasticity {

enum class silent_trial_rule { event, population_mean };

struct spiking_training_params {
    std::size_t trial_steps = 15000;          // 1.5 s at dt = 0.1 ms
    std::size_t excitatory = 0, inhibitory = 1;  // population indices
    analysis::up_state_params up;
    double lowpass_trials = 2.0;              // τ of the moving average, in trials
    double rate_floor = 1.0;                  // Hz, applied in place to the averages
    double sensor_clip = std::numeric_limits<double>::infinity();  // × set point (stored Fig. 7 run: 2)
    silent_trial_rule silent = silent_trial_rule::event;
    bool local_cross = true;                  // SI Eq. 17; false: population means (SI Eq. 10)
    std::vector<std::size_t> keep_trials;     // 0-based trials whose spikes are kept
    std::size_t voltage_neurons = 3;          // V of this many units per population kept with them
    double weight_guard = 1e7;                // a class mean beyond this (pA) = divergence
};

struct spiking_rule_binding {
    rule r;
    double E_set = 5.0, I_set = 14.0;         // Hz
    std::vector<double> alpha, beta, floor, ceiling;  // per projection
};

// Class of a projection in rule::classes order (EE, EI, IE, II: post letter, then pre letter).
std::size_t class_of(const network::spiking_network& net, std::size_t projection);

struct kept_trial {
    std::size_t trial = 0;
    std::vector<std::vector<double>> times;        // [pop][spike]
    std::vector<std::vector<std::uint64_t>> ids;
    std::vector<std::vector<double>> V;            // [pop][sample * k + neuron], every 1 ms (Fig. 7B)
};

class spiking_trainer {
public:
    // `eng` must be at its initial state (it is snapshotted here). Throws config_error when the
    // binding does not fit the network.
    spiking_trainer(engine::spiking_engine& eng, spiking_training_params p, spiking_rule_binding b, std::uint64_t seed,
                    int threads);

    // One trial and one update. Returns a non-empty message when the run diverged (non-finite
    // or runaway weights); the engine's own guards throw numerical_error.
    std::string run_trial();
    std::size_t trials_done() const { return trial_; }

    std::vector<engine::state_array> save_state() const;
    void restore_state(const std::vector<engine::state_array>& state);

    // Logs, one entry per finished trial.
    std::vector<double> rate_E, rate_I;       // population means of the trial's per-unit rates, Hz
    std::vector<double> mse;                  // SI Eq. 18, Hz²
    std::vector<double> up_duration_ms;       // total detected Up-state time
    std::vector<std::vector<double>> class_mean;  // [projection][row]: row 0 initial, row t after trial t
    std::vector<kept_trial> kept;

    // Of the last trial.
    const std::vector<double>& unit_rates(std::size_t pop) const { return rates_[pop]; }
    const analysis::trial_spikes& last_spikes() const { return spikes_; }
    const std::vector<analysis::up_state>& last_up_states() const { return ups_; }
    const std::vector<double>& sensor(std::size_t pop) const { return avg_[pop]; }
    const std::vector<double>& cross_sensor(std::size_t pop) const { return cross_[pop]; }

private:
    void measure_rates();
    void update_sensors();
    std::string update_weights();

    engine::spiking_engine& eng_;
    spiking_training_params p_;
    spiking_rule_binding b_;
    std::uint64_t seed_;
    int threads_;
    std::vector<engine::state_array> initial_;
    analysis::trial_spikes spikes_;
    std::vector<analysis::up_state> ups_;
    std::vector<std::uint32_t> kicked_;            // E units fed by spike inputs
    std::size_t trial_ = 0;
    std::vector<std::vector<double>> rates_, avg_, cross_, floored_, cross_error_;  // [pop][unit]
    std::vector<double> scratch_;
};

}  // namespace einet::plasticity
