// Schema of study "spiking_training" (paper 001 Fig. 7, spec 001 §5.4–5.10): [training] (trials,
// rule, preset, sensors), [paradoxical] (the Fig. 7I test after training) and the per-projection
// sweep of initial class means (Table S3). Lowered by spiking_training_study.cpp;
// docs/user-guide/spiking-training.md.
#include "schema_fields.hpp"

namespace einet::config {
using namespace fields;

namespace {

const std::vector<std::string> training{"spiking_training"};

section training_section() {
    return {"training",
            "trial-based training of a spiking E/I network by the homeostatic rule family (001 SI Eqs. 16–18, "
            "spec §5.4–5.8); every trial starts from the initial state with fresh noise",
            training,
            {integer("trials", "3000", 0, 1e9,
                     "number of training trials (0: none, only the analyses on the network as configured, e.g. a "
                     "saved trained_network.toml)"),
             choice("preset", {"paper", "public_code", "stored_run"}, "paper",
                    "defaults of alpha, weight_floor, weight_ceiling, sensor_clip, silent_rates (spec §5.8): paper "
                    "(0.0025, 10 pA, 750 pA, none, event), public_code (0.005, 5 pA, 750 pA, none, event), stored_run "
                    "(the stored Fig. 7 run: 0.008, 0.4 pA, none, 2, population_mean); refractory periods are "
                    "population keys (paper 5/2 ms, stored run 2.5/1 ms)"),
             text("rule", "two_term",
                  "member of the rule family (plasticity.rule names): two_term with beta = alpha is SI Eq. 16; "
                  "homeostatic, cross_homeostatic and the H/A variants are the other options; custom: the term "
                  "lists below (cross = the local sensor of SI Eq. 17, or the global one with cross_sensor = global)"),
             terms("terms.EE"), terms("terms.EI"), terms("terms.IE"), terms("terms.II"),
             optional(num("alpha", "", -inf, inf, "learning rate α in pA/Hz² (default: the preset's)")),
             optional(num("beta", "", -inf, inf, "rate β of the homeostatic terms of two_term (default: alpha)")),
             optional(q("weight_floor", "pA", "", 0.0, inf, "every weight is held >= this (default: the preset's)")),
             optional(unbounded(q("weight_ceiling", "pA", "", 0.0, inf,
                                  "and <= this (\"inf pA\": none; default: the preset's)"))),
             q("E_set", "Hz", "5 Hz", 0.0, inf, "E set point"),
             q("I_set", "Hz", "14 Hz", 0.0, inf, "I set point"),
             q("rate_floor", "Hz", "1 Hz", 0.0, inf, "sensors are floored in place at this every trial (spec §5.6)"),
             num("lowpass_trials", "2", 1.0, inf, "moving average r ← r + (r_trial − r)/τ, τ in trials (set on trial 1)"),
             choice("cross_sensor", {"local", "global"}, "local",
                    "local: mean of the presynaptic units of the other population (SI Eq. 17); global: the whole "
                    "population's mean error (SI Eq. 10)"),
             optional(unbounded(num("sensor_clip", "", 0.0, inf,
                                    "sensors clipped at this × the set point (the stored run's code: 2; default: the "
                                    "preset's; inf: none)"))),
             optional(choice("silent_rates", {"event", "population_mean"},
                             "",
                             "rates of a trial without an Up state: event (spikes over the active time, kicked units "
                             "get the other E units' mean; public code) or population_mean (stored run's code)")),
             integers("record_trials", "[1, 201, 401, 1501]", 1,
                          "1-based trials whose spikes are stored (Fig. 7B); the last trial is always stored"),
             integer("final_trials", "10", 1, 1e9, "rate_E_final_hz, rate_I_final_hz average the last this many trials"),
             q("E_tolerance", "Hz", "1 Hz", 0.0, inf, "trial_converged: |E − E_set| within this ..."),
             q("I_tolerance", "Hz", "2 Hz", 0.0, inf,
               "... and |I − I_set| within this, for the 5-trial moving average, from that trial to the end"),
             flag("save_network", false,
                  "write the trained weights as from_file .npy arrays (arrays/trained_projection*) and "
                  "<run>/trained_network.toml, which starts from them with trials = 0 (sweeps: the last network)"),
             integer("checkpoint_every", "1", 0, 1e9,
                     "write <run dir>/checkpoint every this many trials (0: never); `einet run --resume` continues")}};
}

section paradoxical_section() {
    return {"paradoxical",
            "paradoxical-effect test on the trained weights (001 Fig. 7I, spec §5.9): runs when amplitudes is given",
            training,
            {optional(quantities("amplitudes", "pA", "", "currents into every unit of the target population, e.g. [\"0 pA\", \"2 pA\"]")),
             integer("trials", "40", 1, 1e9, "trials per amplitude (the same trial seeds for every amplitude)"),
             q("duration", "ms", "5.1 s", 0.0, inf, "trial length", true),
             q("start", "ms", "3 s", 0.0, inf, "current on"),
             q("stop", "ms", "4 s", 0.0, inf, "current off; rates average [start, stop)"),
             text("target", "I", "population receiving the current"),
             q("min_rate_E", "Hz", "2 Hz", 0.0, inf, "E trials below this over [start, stop) are excluded (Up state ended)"),
             q("min_rate_I", "Hz", "4 Hz", 0.0, inf, "I trials below this over [start, stop) are excluded"),
             flag("adaptation_off", true, "the test runs without adaptation (β = 0), as the paper")}};
}

}  // namespace

std::vector<section> spiking_training_sections() {
    std::vector<section> s{training_section(), paradoxical_section()};
    return s;
}

}  // namespace einet::config
