#include "einet/config/schema.hpp"

#include <algorithm>
#include <sstream>

#include "schema_fields.hpp"

namespace einet::config {
namespace {

using k = kind;
using namespace fields;

const std::vector<std::string> rate_studies = {"trial_plasticity", "online_plasticity", "fixed_weights"};

field weight(std::string key, std::string def, std::string doc) {
    field f = num(std::move(key), std::move(def), 0.0, inf, std::move(doc));
    f.type = k::distribution;
    return f;
}
std::vector<section> build() {
    std::vector<section> s;
    s.push_back({"experiment", "what the run reproduces and which study drives the engine", {},
                 {text("name", "", "run name; defaults to the file name without .toml"),
                  text("paper", "", "paper the experiment reproduces, e.g. \"001\""),
                  text("figure", "", "figure or table, e.g. \"Fig. 4B-C\""),
                  text("description", "", "one line shown by `einet list` and in the report"),
                  choice("study", {"trial_plasticity", "online_plasticity", "fixed_weights", "spiking", "convergence",
                                   "stability_map", "up_state_scan", "synaptic_balancing", "rnn_training", "lowrank",
                                   "spiking_training", "snn_convex"}, "",
                         "trial_plasticity: weights updated after every trial (001 Figs. 2, 4, S2); "
                         "online_plasticity: updated every step from slow sensors (001 Fig. S4); "
                         "fixed_weights: one run with a perturbation (paradoxical effect, 001 Figs. 1, 3); "
                         "spiking: one run of a spiking network ([populations.*], [[projections]], [[inputs]]); "
                         "convergence: that network at several step sizes and integrators on shared Brownian paths "
                         "(errors, orders, Lyapunov exponents; paper 003); "
                         "stability_map: rule stability over the set-point plane, closed form and numerical (001 Figs. 2F–H, 4H, S8–S12); "
                         "up_state_scan: Up-state rates against each weight (001 Fig. S13); "
                         "synaptic_balancing: analyses of the balancing flow (004 Figs. 1, 3, 5, S1); "
                         "rnn_training: CDI training by BPTT, balance statistic and noise test (004 Fig. 4); "
                         "lowrank: a low-rank E-I network of paper 000 ([lowrank], [neurons.*]); "
                         "spiking_training: trials of that network trained by the rule family ([training], 001 Fig. 7); "
                         "snn_convex: LIF networks trained by surrogate gradients and by the certified convex program "
                         "(paper 002; [task], [snn], [methods], [convex], [sg])")}});
    const std::vector<std::string> spiking{"spiking"};
    s.push_back({"run", "seed, step, batch (rate studies), duration and integrator (spiking)", {},
                 {integer("seed", "1", 0, 18446744073709551615.0, "seed of every random stream (Philox)"),
                  q("dt", "ms", "0.1 ms", 0.0, 10.0, "integration step", true),
                  for_studies(integer("batch", "1", 1, 1e7,
                                      "independent networks simulated together (a sweep of initialisations); "
                                      "each has its own weights (drawn when [weights] holds distributions) and noise"),
                              rate_studies),
                  for_studies(integer("first_network", "0", 0, 2147483647.0,
                                      "index of network 0 of this batch in a larger sweep with the same seed: the networks "
                                      "get the weights and noise of networks first_network … first_network + batch − 1 "
                                      "of that sweep, so a long sweep can run in chunks"),
                              rate_studies),
                  for_studies(q("duration", "ms", "1 s", 0.0, inf,
                                "simulated time (a multiple of dt); spiking_training: the length of one trial", true),
                              spiking_studies),
                  for_studies(choice("method", {"exact", "euler_maruyama", "exact_interpolated"}, "exact",
                                     "exact: exponential propagators of the linear subthreshold system with exact OU "
                                     "noise; euler_maruyama: explicit, spec 003 Eq. 2.1 (paper 001's scheme); "
                                     "exact_interpolated: exact plus spike times interpolated inside the step and the "
                                     "reset integrated from there (spec 003 §4.4)"),
                              single_integrator_studies),
                  for_studies(choice("precision", {"float64", "float32"}, "float64",
                                     "real type of the per-neuron state (V, receptor and adaptation states, their "
                                     "noise) and of the neuron update: float64, or float32 (about 1.5-2x faster "
                                     "steps, rounding ~1e-7 relative per step; not with method = "
                                     "\"exact_interpolated\"; docs/design/spiking-engine.md)"),
                              single_integrator_studies),
                  for_studies(unbounded(q("max_rate", "Hz", "1000 Hz", 0.0, inf,
                                          "runaway guard: the run stops (status failed) when the mean rate per "
                                          "neuron of a population over the last record.rate_bin exceeds this "
                                          "(\"inf Hz\": no guard)",
                                          true)),
                              spiking),
                  for_studies(optional(q("checkpoint_interval", "ms", "", 0.0, inf,
                                         "write <run dir>/checkpoint every this much simulated time (a multiple of "
                                         "dt), so `einet run --resume` can continue an interrupted run; absent: none",
                                         true)),
                              spiking)}});
    std::vector<std::string> model_studies = rate_studies;
    model_studies.insert(model_studies.end(), {"stability_map", "up_state_scan"});
    s.push_back({"model", "two-population threshold-linear (Wilson–Cowan) rate model, 001 Methods Eqs. 1–3, SI Table 1", model_studies,
                 {choice("kind", {"wilson_cowan"}, "wilson_cowan", "rate model"),
                  choice("update_order", {"sequential", "simultaneous"}, "sequential",
                         "sequential: I sees the E of the same step (the authors' code); simultaneous: both see the previous step"),
                  integer("E.n", "1", 1, 1e5, "units in E (001 multi-unit model: 80), all-to-all without self-connections when > 1"),
                  integer("I.n", "1", 1, 1e5, "units in I (001 multi-unit model: 20)"),
                  choice("kernel", {"automatic", "batch_major", "unit_major"}, "automatic",
                         "step kernel for multi-unit populations: unit_major keeps each network's weights in cache for "
                         "a whole trial (automatic: unit_major whenever weights change only between trials)"),
                  choice("precision", {"float64", "float32"}, "float64",
                         "precision of the recurrent sums of the unit-major kernel (float32: single-precision weights "
                         "and rates in the matrix-vector product, the rest in double)"),
                  choice("weight_storage", {"float32", "float16"}, "float32",
                         "storage of the unit-major kernel's weight copy (float16: IEEE binary16, relative rounding "
                         "≤ 2^-11 per weight, rebuilt from the double weights after every plasticity update, half the "
                         "bytes read per step, widened exactly by F16C; sums, rates and the weights the "
                         "rules update stay as they are; needs precision = \"float32\" and kernel unit_major or automatic)"),
                  q("E.tau", "ms", "10 ms", 0.0, inf, "time constant τ_E", true),
                  num("E.gain", "1", 0.0, inf, "gain g_E (Hz per unit drive)"),
                  num("E.threshold", "4.8", -inf, inf, "threshold θ_E (drive units)"),
                  unbounded(q("E.r_max", "Hz", "100 Hz", 0.0, inf, "saturation of E (\"inf Hz\": none)", true)),
                  num("E.input", "0", -inf, inf, "tonic external drive to E"),
                  q("I.tau", "ms", "2 ms", 0.0, inf, "time constant τ_I", true),
                  num("I.gain", "4", 0.0, inf, "gain g_I (Hz per unit drive)"),
                  num("I.threshold", "25", -inf, inf, "threshold θ_I (drive units)"),
                  unbounded(q("I.r_max", "Hz", "250 Hz", 0.0, inf, "saturation of I (\"inf Hz\": none)", true)),
                  num("I.input", "0", -inf, inf, "tonic external drive to I")}});
    s.push_back({"weights", "initial weights W_XY onto X from Y (>= 0; inhibition enters with a minus sign); "
                            "a number, or {dist=\"uniform\", low, high} / {dist=\"normal\", mean, std} drawn per network", rate_studies,
                 {weight("EE", "2.1", "W_EE, E <- E"), weight("EI", "3", "W_EI, E <- I"),
                  weight("IE", "4", "W_IE, I <- E"), weight("II", "2", "W_II, I <- I"),
                  flag("total", false,
                       "multi-unit: the value drawn is the class total per network, divided by the presynaptic "
                       "partners of a unit (N_pre, or N_pre - 1 without self-connections; 001 SI multi-unit model)"),
                  choice("synapse_spread", {"none", "normal", "lognormal"}, "none",
                         "spread of the synapses of a class around its mean m: normal with SD synapse_cv·m, or "
                         "log-normal with arithmetic mean m and arithmetic SD synapse_sd (001 Fig. S5)"),
                  num("synapse_cv", "0.1", 0.0, inf, "relative SD of the normal spread"),
                  num("synapse_sd", "0.05", 0.0, inf, "absolute arithmetic SD of the log-normal spread")}});
    s.push_back({"noise", "independent Ornstein–Uhlenbeck noise added to each population's drive (001 Methods)", rate_studies,
                 {q("tau", "ms", "1 ms", 0.0, inf, "OU time constant", true),
                  q("sigma", "s^-1/2", "10 s^-1/2", 0.0, inf, "OU intensity σ in dη = −η/τ dt + σ dW"),
                  choice("scheme", {"euler_maruyama", "exact"}, "euler_maruyama",
                         "euler_maruyama as the paper's code, or the exact OU transition")}});
    s.push_back({"kick", "brief external drive that ignites the Up state (001 Methods; spec §1.4)", rate_studies,
                 {choice("target", {"E", "I"}, "E", "population kicked"),
                  num("amplitude", "7", -inf, inf, "drive added during a kick"),
                  q("start", "ms", "249.9 ms", -inf, inf,
                    "trial studies: kick time within every trial (< 0: no kick); online: time of the forced first kick (< 0: none)"),
                  q("duration", "ms", "10.1 ms", 0.0, inf, "kick length (10.1 ms = the code's 101 steps)"),
                  q("rate", "Hz", "0 Hz", 0.0, inf, "rate of further kicks at Poisson times (001 Fig. S4: 0.1 Hz)")}});
    s.push_back({"plasticity", "homeostatic rule family (001 Methods Eqs. 6–8, SI Eqs. 9, 12, 15, Fig. S2)",
                 {"trial_plasticity", "online_plasticity"},
                 {text("rule", "cross_homeostatic",
                       "homeostatic | cross_homeostatic | two_term | synaptic_scaling | forced_balance | "
                       "a four-letter H/A variant (\"HAAA\") | custom (terms below)"),
                  num("alpha", "5e-4", -inf, inf, "learning rate of every class (per trial, or per step online)"),
                  derived(num("alpha_E", "", -inf, inf, "rate α_E of the classes onto E (EE, EI)"), "plasticity.alpha"),
                  derived(num("alpha_I", "", -inf, inf, "rate α_I of the classes onto I (IE, II)"), "plasticity.alpha"),
                  derived(num("alpha_EE", "", -inf, inf, "α_EE"), "plasticity.alpha_E"),
                  derived(num("alpha_EI", "", -inf, inf, "α_EI"), "plasticity.alpha_E"),
                  derived(num("alpha_IE", "", -inf, inf, "α_IE"), "plasticity.alpha_I"),
                  derived(num("alpha_II", "", -inf, inf, "α_II"), "plasticity.alpha_I"),
                  derived(num("beta", "", -inf, inf, "rate β of terms marked beta (two_term: the homeostatic terms)"),
                          "plasticity.alpha"),
                  derived(num("beta_EE", "", -inf, inf, "β_EE"), "plasticity.beta"),
                  derived(num("beta_EI", "", -inf, inf, "β_EI"), "plasticity.beta"),
                  derived(num("beta_IE", "", -inf, inf, "β_IE"), "plasticity.beta"),
                  derived(num("beta_II", "", -inf, inf, "β_II"), "plasticity.beta"),
                  q("E_set", "Hz", "5 Hz", 0.0, inf, "E set point"),
                  q("I_set", "Hz", "14 Hz", 0.0, inf, "I set point"),
                  num("weight_floor", "0.1", 0.0, inf,
                      "every weight is held >= this / (presynaptic partners) after each update (0.1/N_x in the 001 "
                      "multi-unit model; the plain value for one-unit populations)"),
                  unbounded(num("weight_ceiling", "inf", 0.0, inf, "and <= this (inf: no ceiling)")),
                  terms("terms.EE"), terms("terms.EI"), terms("terms.IE"), terms("terms.II")}});
    s.push_back({"protocol", "trial-based plasticity (001 Methods, spec §1.4)", {"trial_plasticity"},
                 {integer("trials", "500", 1, 1e9, "number of trials"),
                  q("trial_duration", "ms", "2 s", 0.0, inf, "length of a trial", true),
                  q("measure_window", "ms", "0.5 s", 0.0, inf,
                    "per-trial rate = mean over the last part of the trial of this length", true),
                  num("lowpass_trials", "2", 1.0, inf, "low-pass across trials: r̄ ← r̄ + (m − r̄)/τ, τ in trials"),
                  q("rate_floor", "Hz", "1 Hz", 0.0, inf, "rates in the rule are max(r̄, floor) (the authors' code)"),
                  flag("reset_rates", true, "start every trial from E = I = 0"),
                  q("sustained_rate", "Hz", "1 Hz", 0.0, inf,
                    "a trial is self-sustained when its measured E rate is at least this"),
                  integer("final_trials", "10", 1, 1e9, "E_final_hz, I_final_hz average the last this many trials"),
                  num("converged_tolerance", "0.05", 0.0, inf,
                      "n_converged counts runs whose final rates are all within this fraction of their set points"),
                  optional(integer("imprint_trial", "", 1, 1e9,
                                   "before this trial, scale the weights of imprint_class among the first imprint_units "
                                   "units by imprint_factor (a Hebbian imprint, 001 Fig. S6); absent: none")),
                  choice("imprint_class", {"EE", "EI", "IE", "II"}, "EE", "class of the imprint"),
                  integer("imprint_units", "10", 1, 1e9, "units (post and pre) of the imprinted block"),
                  num("imprint_factor", "2", 0.0, inf, "factor of the imprint (not stated in the paper; spec A14: 2)"),
                  optional(integer("checkpoint_every", "", 1, 1e9,
                                   "write <run dir>/checkpoint every this many trials, so `einet run --resume` can "
                                   "continue an interrupted sweep; absent: none"))}});
    s.push_back({"online", "online plasticity from calcium-like sensors (001 Fig. S4, spec §2.9)", {"online_plasticity"},
                 {q("duration", "ms", "100 s", 0.0, inf, "simulated time", true),
                  q("sensor_tau", "ms", "1000 ms", 0.0, inf, "sensor time constant τ_Ca", true),
                  q("rate_floor", "Hz", "0 Hz", 0.0, inf, "sensors in the rule are max(c, floor); 0 as the paper"),
                  q("final_window", "ms", "10 s", 0.0, inf, "E_final_hz, I_final_hz average the last this long", true)}});
    s.push_back({"perturbation", "one run with fixed weights and a change during the Up state (001 Figs. 1B–C, 3)",
                 {"fixed_weights"},
                 {q("duration", "ms", "3 s", 0.0, inf, "simulated time", true),
                  q("at", "ms", "1.5 s", 0.0, inf, "time of the change"),
                  choice("kind", {"input", "weight"}, "input", "raise a population's tonic input, or set a weight"),
                  choice("target", {"E", "I", "EE", "EI", "IE", "II"}, "I", "population (input) or class (weight)"),
                  num("value", "7", -inf, inf, "input added, or the new weight"),
                  q("window", "ms", "0.5 s", 0.0, inf, "rates before/after are means over this long before the change and at the end", true)}});
    s.push_back({"record", "what is kept beyond the summary", {},
                 {for_studies(integers("trace_trials", "[1, 20, 100, 500]", 1,
                                       "trial studies: 1-based trials whose E and I traces are stored (others ignored if > trials)"),
                              rate_studies),
                  q("trace_every", "ms", "1 ms", 0.0, inf, "sampling interval of stored traces (spiking: a multiple of dt)", true),
                  for_studies(integer("trace_network", "0", 0, 1e7, "which network of the batch the traces follow"),
                              rate_studies),
                  for_studies(flag("spikes", true, "write every spike to spikes.h5 (SONATA) and arrays spike_times_<pop>, spike_ids_<pop>"),
                              spiking),
                  for_studies(q("rate_bin", "ms", "10 ms", 0.0, inf,
                                "bin width of the population rates (arrays rate_<pop>) and window of the max_rate guard", true),
                              spiking),
                  for_studies(q("rate_from", "ms", "0 ms", 0.0, inf,
                                "summary rates count spikes from this time on (e.g. after a kick)"),
                              spiking),
                  for_studies(integer("trace_neurons", "0", 0, 1e9,
                                      "membrane potential of the first this many neurons of every population, "
                                      "every trace_every (arrays trace_<pop>_V, trace_<pop>_neurons, trace_t)"),
                              spiking),
                  for_studies(flag("currents", false,
                                   "population-mean excitatory and inhibitory input currents, averaged over bins of "
                                   "trace_every (arrays current_<pop>_E, current_<pop>_I, current_t; summary "
                                   "ei_ratio_<pop>, ei_correlation_<pop>)"),
                              spiking),
                  for_studies(flag("weights", false,
                                   "every projection's synapses (arrays weights_<pre>_<post>_<receptor>_sources, "
                                   "_targets, _weights, _delays_ms)"),
                              spiking)}});
    for (auto& sec : spiking_sections()) s.push_back(std::move(sec));
    for (auto& sec : convergence_sections()) s.push_back(std::move(sec));
    for (auto& sec : analysis_sections()) s.push_back(std::move(sec));
    for (auto& sec : balancing_sections()) s.push_back(std::move(sec));
    for (auto& sec : lowrank_sections()) s.push_back(std::move(sec));
    for (auto& sec : spiking_training_sections()) s.push_back(std::move(sec));
    for (auto& sec : snn_sections()) s.push_back(std::move(sec));
    return s;
}

}  // namespace

const std::vector<section>& schema() {
    static const std::vector<section> s = build();
    return s;
}

const std::vector<std::string>& studies() {
    static const std::vector<std::string> s = {"trial_plasticity", "online_plasticity", "fixed_weights", "spiking",
                                               "convergence", "stability_map", "up_state_scan", "synaptic_balancing",
                                               "rnn_training", "lowrank",
                                               "spiking_training", "snn_convex"};
    return s;
}

bool uses(const section& sec, const std::string& study) {
    return study.empty() || sec.studies.empty() ||
           std::find(sec.studies.begin(), sec.studies.end(), study) != sec.studies.end();
}
bool uses(const field& f, const std::string& study) {
    return study.empty() || f.studies.empty() || std::find(f.studies.begin(), f.studies.end(), study) != f.studies.end();
}

const std::vector<distribution_shape>& distribution_shapes() {
    static const std::vector<distribution_shape> s = {
        {"uniform", {"low", "high"}, {}, {}, "uniform in [low, high)"},
        {"normal", {"mean"}, {"std", "cv", "clip_low", "clip_high"}, {"cv"},
         "normal with std (or cv = std/mean); weights: draws below clip_low (default 0) or above clip_high are set to it"},
        {"lognormal", {"mean", "std"}, {}, {}, "log-normal with this arithmetic mean and standard deviation"},
        {"uniform_steps", {"low", "high"}, {}, {}, "whole steps uniform in [low/dt, high/dt]"},
        {"paper001", {"max"}, {}, {}, "(floor(U·max/dt) + 1)·dt, U ~ U[0, 1) (spec 001 §5.2)"},
    };
    return s;
}

const distribution_shape* find_shape(const std::string& name) {
    for (const auto& d : distribution_shapes()) {
        if (d.name == name) return &d;
    }
    return nullptr;
}

namespace {
const field* field_named(const section& sec, const std::string& rel, const std::string& study) {
    for (const auto& f : sec.fields) {
        if (f.key == rel && uses(f, study)) return &f;
    }
    return nullptr;
}
bool prefix_of_field(const section& sec, const std::string& rel) {
    for (const auto& f : sec.fields) {
        if (f.key.rfind(rel + ".", 0) == 0) return true;
    }
    return false;
}
}  // namespace

std::optional<key_ref> lookup(const std::string& full_key, const std::string& study) {
    const auto head_end = full_key.find_first_of(".[");
    const std::string head = full_key.substr(0, head_end);
    for (const auto& sec : schema()) {
        if (sec.name != head || !uses(sec, study) || head_end == std::string::npos) continue;
        key_ref r;
        r.sec = &sec;
        std::string rest = full_key.substr(head_end);
        if (sec.shape == layout::array) {
            // "[i].rel"
            const auto close = rest.find(']');
            if (rest[0] != '[' || close == std::string::npos || close < 2 || close + 2 > rest.size() || rest[close + 1] != '.') {
                return std::nullopt;
            }
            const auto index = rest.substr(1, close - 1);
            if (index.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
            r.instance = sec.name + rest.substr(0, close + 1);
            r.rel = rest.substr(close + 2);
        } else {
            if (rest[0] != '.' || rest.size() < 2) return std::nullopt;
            rest = rest.substr(1);
            if (sec.shape == layout::named) {
                const auto dot = rest.find('.');
                if (dot == std::string::npos || dot == 0) return std::nullopt;
                r.instance = sec.name + "." + rest.substr(0, dot);
                rest = rest.substr(dot + 1);
            } else {
                r.instance = sec.name;
            }
            r.rel = rest;
        }
        r.f = field_named(sec, r.rel, study);
        if (r.f || prefix_of_field(sec, r.rel)) return r;
        // Studies may each have a section of this name ([training], [task]): try the others.
    }
    return std::nullopt;
}

std::string display_key(const section& sec, const field& f) {
    switch (sec.shape) {
        case layout::named: return sec.name + ".<name>." + f.key;
        case layout::array: return sec.name + "[i]." + f.key;
        case layout::fixed: break;
    }
    return sec.name + "." + f.key;
}

namespace {

std::string kind_name(const field& f) {
    switch (f.type) {
        case kind::quantity: return "quantity [" + f.unit + "]";
        case kind::number: return "number";
        case kind::integer: return "integer";
        case kind::boolean: return "boolean";
        case kind::string: return "string";
        case kind::choice: return "choice";
        case kind::distribution: return "number or distribution";
        case kind::integer_list: return "list of integers";
        case kind::string_list: return "list of strings";
        case kind::quantity_distribution: {
            std::string shapes;
            for (const auto& x : f.shapes) shapes += (shapes.empty() ? "" : "|") + x;
            return "quantity [" + f.unit + "] or {dist = " + shapes + "}";
        }
        case kind::quantity_list: return "list of quantities [" + f.unit + "]";
        case kind::selection: return "\"all\", first k, or [first, last)";
        case kind::number_list: return "number or list of numbers";
    }
    return "";
}

std::string range_of(const field& f) {
    if (f.type == kind::choice) {
        std::string c;
        for (const auto& x : f.choices) c += (c.empty() ? "" : " | ") + x;
        return c;
    }
    std::string r;
    if (f.min != -inf) r += (f.min_exclusive ? "> " : ">= ") + std::to_string(f.min);
    if (f.max != inf) r += (r.empty() ? "<= " : ", <= ") + std::to_string(f.max);
    return r;
}

// "projections[2].p" / "projections[i].p" -> "projections.p"; "populations.E.size" -> "populations.size".
std::string generic_key(const std::string& key) {
    std::string out;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '[') {
            const auto close = key.find(']', i);
            if (close == std::string::npos) break;
            i = close;
            continue;
        }
        out += key[i];
    }
    for (const auto& sec : schema()) {
        if (sec.shape != layout::named || out.rfind(sec.name + ".", 0) != 0) continue;
        const auto rest = out.substr(sec.name.size() + 1);
        const auto dot = rest.find('.');
        const auto first = rest.substr(0, dot);
        bool is_field = false;
        for (const auto& f : sec.fields) is_field = is_field || f.key == first || f.key.rfind(first + ".", 0) == 0;
        if (!is_field) return dot == std::string::npos ? sec.name : sec.name + "." + rest.substr(dot + 1);
    }
    return out;
}

}  // namespace

std::string describe(const std::string& key_in) {
    const std::string key = generic_key(key_in);
    std::ostringstream out;
    bool found = false;
    for (const auto& sec : schema()) {
        const bool whole = key == sec.name;
        for (const auto& f : sec.fields) {
            const std::string full = sec.name + "." + f.key;
            if (!whole && full != key && full.rfind(key + ".", 0) != 0) continue;
            if (!found && whole) {
                const std::string header = sec.shape == layout::named ? "[" + sec.name + ".<name>]"
                                           : sec.shape == layout::array ? "[[" + sec.name + "]]"
                                                                        : "[" + sec.name + "]";
                out << header << "  " << sec.doc << "\n";
                if (!sec.studies.empty()) {
                    out << "  used by studies:";
                    for (const auto& st : sec.studies) out << " " << st;
                    out << "\n";
                }
            }
            found = true;
            out << "  " << display_key(sec, f) << "  (" << kind_name(f) << ")";
            if (!f.alt_units.empty()) {
                out << "  also in";
                for (const auto& u : f.alt_units) out << " " << u;
            }
            if (!f.default_text.empty()) out << "  default " << f.default_text;
            if (!f.default_from.empty()) out << "  default = " << f.default_from;
            if (f.optional) out << "  optional";
            const auto rg = range_of(f);
            if (!rg.empty()) out << "  range " << rg;
            if (!f.when_key.empty()) {
                out << "  only with " << f.when_key;
                if (!f.when_values.empty()) {
                    out << " =";
                    for (std::size_t i = 0; i < f.when_values.size(); ++i) out << (i ? " |" : "") << " " << f.when_values[i];
                }
            }
            if (!f.studies.empty()) {
                out << "  studies:";
                for (const auto& st : f.studies) out << " " << st;
            }
            out << "\n      " << f.doc << "\n";
            if (f.type == kind::quantity_distribution) {
                for (const auto& name : f.shapes) {
                    const auto* d = find_shape(name);
                    out << "      {dist = \"" << name << "\"";
                    for (const auto& p : d->required) out << ", " << p;
                    for (const auto& p : d->optional) out << ", [" << p << "]";
                    out << "}: " << d->doc << "\n";
                }
            }
        }
    }
    return found ? out.str() : std::string();
}

}  // namespace einet::config
