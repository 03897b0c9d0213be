#include "einet/config/schema.hpp"

#include <sstream>

namespace einet::config {
namespace {

using k = kind;
constexpr double inf = std::numeric_limits<double>::infinity();

field q(std::string key, std::string unit, std::string def, double min, double max, std::string doc,
        bool min_exclusive = false) {
    field f;
    f.key = std::move(key);
    f.type = k::quantity;
    f.unit = std::move(unit);
    f.default_text = "\"" + def + "\"";
    f.min = min;
    f.max = max;
    f.min_exclusive = min_exclusive;
    f.doc = std::move(doc);
    return f;
}
field num(std::string key, std::string def, double min, double max, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = k::number;
    f.default_text = std::move(def);
    f.min = min;
    f.max = max;
    f.doc = std::move(doc);
    return f;
}
field integer(std::string key, std::string def, double min, double max, std::string doc) {
    field f = num(std::move(key), std::move(def), min, max, std::move(doc));
    f.type = k::integer;
    return f;
}
field choice(std::string key, std::vector<std::string> choices, std::string def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = k::choice;
    f.choices = std::move(choices);
    f.default_text = def.empty() ? "" : "\"" + def + "\"";
    f.doc = std::move(doc);
    return f;
}
field text(std::string key, std::string def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = k::string;
    f.default_text = "\"" + def + "\"";
    f.doc = std::move(doc);
    return f;
}
field flag(std::string key, bool def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = k::boolean;
    f.default_text = def ? "true" : "false";
    f.doc = std::move(doc);
    return f;
}
field unbounded(field f) {
    f.allow_infinite = true;
    return f;
}
field derived(field f, std::string from) {
    f.default_text.clear();
    f.default_from = std::move(from);
    return f;
}
field weight(std::string key, std::string def, std::string doc) {
    field f = num(std::move(key), std::move(def), 0.0, inf, std::move(doc));
    f.type = k::distribution;
    return f;
}
field terms(std::string key) {
    field f;
    f.key = std::move(key);
    f.type = k::string_list;
    f.optional = true;
    f.doc = "custom rule terms for this class, e.g. [\"+alpha*pre*post\", \"+beta*pre*cross\"] "
            "(factors: alpha|beta, pre|w, post|cross, numbers); only with rule = \"custom\"";
    return f;
}

std::vector<section> build() {
    std::vector<section> s;
    s.push_back({"experiment", "what the run reproduces and which study drives the engine", {},
                 {text("name", "", "run name; defaults to the file name without .toml"),
                  text("paper", "", "paper the experiment reproduces, e.g. \"001\""),
                  text("figure", "", "figure or table, e.g. \"Fig. 4B-C\""),
                  text("description", "", "one line shown by `einet list` and in the report"),
                  choice("study", {"trial_plasticity", "online_plasticity", "fixed_weights"}, "",
                         "trial_plasticity: weights updated after every trial (001 Figs. 2, 4, S2); "
                         "online_plasticity: updated every step from slow sensors (001 Fig. S4); "
                         "fixed_weights: one run with a perturbation (paradoxical effect, 001 Figs. 1, 3)")}});
    s.push_back({"run", "seed, step and batch", {},
                 {integer("seed", "1", 0, 18446744073709551615.0, "seed of every random stream (Philox)"),
                  q("dt", "ms", "0.1 ms", 0.0, 10.0, "integration step", true),
                  integer("batch", "1", 1, 1e7,
                          "independent networks simulated together (a sweep of initialisations); "
                          "each has its own weights (drawn when [weights] holds distributions) and noise")}});
    s.push_back({"model", "two-population threshold-linear (Wilson–Cowan) rate model, 001 Methods Eqs. 1–3, SI Table 1", {},
                 {choice("kind", {"wilson_cowan"}, "wilson_cowan", "rate model"),
                  choice("update_order", {"sequential", "simultaneous"}, "sequential",
                         "sequential: I sees the E of the same step (the authors' code); simultaneous: both see the previous step"),
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
                            "a number, or {dist=\"uniform\", low, high} / {dist=\"normal\", mean, std} drawn per network", {},
                 {weight("EE", "2.1", "W_EE, E <- E"), weight("EI", "3", "W_EI, E <- I"),
                  weight("IE", "4", "W_IE, I <- E"), weight("II", "2", "W_II, I <- I")}});
    s.push_back({"noise", "independent Ornstein–Uhlenbeck noise added to each population's drive (001 Methods)", {},
                 {q("tau", "ms", "1 ms", 0.0, inf, "OU time constant", true),
                  q("sigma", "s^-1/2", "10 s^-1/2", 0.0, inf, "OU intensity σ in dη = −η/τ dt + σ dW"),
                  choice("scheme", {"euler_maruyama", "exact"}, "euler_maruyama",
                         "euler_maruyama as the paper's code, or the exact OU transition")}});
    s.push_back({"kick", "brief external drive that ignites the Up state (001 Methods; spec §1.4)", {},
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
                  num("weight_floor", "0.1", 0.0, inf, "every weight is held >= this after each update"),
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
                  integer("final_trials", "10", 1, 1e9, "E_final_hz, I_final_hz average the last this many trials")}});
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
                 {[] {
                      field f;
                      f.key = "trace_trials";
                      f.type = k::integer_list;
                      f.default_text = "[1, 20, 100, 500]";
                      f.min = 1;
                      f.doc = "trial studies: 1-based trials whose E and I traces are stored (others ignored if > trials)";
                      return f;
                  }(),
                  q("trace_every", "ms", "1 ms", 0.0, inf, "sampling interval of stored traces", true),
                  integer("trace_network", "0", 0, 1e7, "which network of the batch the traces follow")}});
    return s;
}

}  // namespace

const std::vector<section>& schema() {
    static const std::vector<section> s = build();
    return s;
}

const std::vector<std::string>& studies() {
    static const std::vector<std::string> s = {"trial_plasticity", "online_plasticity", "fixed_weights"};
    return s;
}

std::string describe(const std::string& key) {
    std::ostringstream out;
    auto kind_name = [](const field& f) -> std::string {
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
        }
        return "";
    };
    auto range = [](const field& f) -> std::string {
        if (f.type == kind::choice) {
            std::string c;
            for (const auto& x : f.choices) c += (c.empty() ? "" : " | ") + x;
            return c;
        }
        std::string r;
        if (f.min != -inf) r += (f.min_exclusive ? "> " : ">= ") + std::to_string(f.min);
        if (f.max != inf) r += (r.empty() ? "<= " : ", <= ") + std::to_string(f.max);
        return r;
    };
    bool found = false;
    for (const auto& sec : schema()) {
        const bool whole = key == sec.name;
        for (const auto& f : sec.fields) {
            const std::string full = sec.name + "." + f.key;
            if (!whole && full != key && full.rfind(key + ".", 0) != 0) continue;
            if (!found && whole) {
                out << "[" << sec.name << "]  " << sec.doc << "\n";
                if (!sec.studies.empty()) {
                    out << "  used by studies:";
                    for (const auto& st : sec.studies) out << " " << st;
                    out << "\n";
                }
            }
            found = true;
            out << "  " << full << "  (" << kind_name(f) << ")";
            if (!f.default_text.empty()) out << "  default " << f.default_text;
            if (!f.default_from.empty()) out << "  default = " << f.default_from;
            if (f.optional) out << "  optional";
            const auto rg = range(f);
            if (!rg.empty()) out << "  range " << rg;
            out << "\n      " << f.doc << "\n";
        }
    }
    return found ? out.str() : std::string();
}

}  // namespace einet::config
