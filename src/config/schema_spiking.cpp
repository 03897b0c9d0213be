// Schema of study "spiking": populations (named tables), projections and inputs (arrays of
// tables). Lowered by spiking_setup.cpp into network::spiking_network; docs/user-guide/spiking.md.
#include "schema_fields.hpp"

namespace einet::config {
using namespace fields;

namespace {

const std::vector<std::string> heterogeneous{"normal", "uniform"};
const std::vector<std::string> drive_units{"mV"};  // a voltage given for a current means R·I

// Kinetics of a synaptic channel; populations use them for their outgoing synapses, inputs for a
// channel of their own. `kinetics_default` empty: the channel exists only when kinetics is set.
std::vector<field> synapse_fields(const std::string& kinetics_default, const std::string& what) {
    auto kinetics = choice("synapse.kinetics", {"delta", "exponential", "biexponential", "pulse"}, kinetics_default,
                           "kinetics of " + what +
                               ": delta (V jumps by the weight, a voltage), exponential (spec 003 Eq. 1.4), "
                               "biexponential (difference of exponentials, 001 SI Eq. 15), pulse (square)");
    if (kinetics_default.empty()) kinetics = optional(kinetics);
    const std::string k = "synapse.kinetics";
    return {kinetics,
            when(q("synapse.tau", "ms", "5 ms", 0.0, inf, "decay time τ (biexponential: τ_d)", true), k,
                 {"exponential", "biexponential"}),
            when(q("synapse.tau_rise", "ms", "1 ms", 0.0, inf, "rise time τ_r", true), k, {"biexponential"}),
            when(q("synapse.kappa", "ms", "1 ms", 0.0, inf,
                   "charge normalisation κ: u += w·κ/τ_r, charge w·κ (spec 001 §5.2: κ = 1 ms; κ = τ_r: u += w)", true),
                 k, {"biexponential"}),
            when(q("synapse.duration", "ms", "1 ms", 0.0, inf, "pulse length (a multiple of dt)", true), k, {"pulse"})};
}

section populations() {
    section s{"populations",
              "a population of (adaptive) LIF neurons, one table per name: [populations.E] "
              "(docs/user-guide/spiking.md; network/spiking_network.hpp for the equations)",
              spiking_studies,
              {},
              layout::named};
    const std::vector<std::string> adaptive{"adaptive_lif"};
    s.fields = {
        required(integer("size", "", 1, 4294967295.0, "number of neurons")),
        choice("model", {"lif", "adaptive_lif"}, "lif",
               "lif: τ_m dV/dt = −(V − E_L) + R·I; adaptive_lif adds I_a (001 SI Eqs. 12–13) with beta, tau_adapt"),
        required(flag("excitatory", true, "sign of the outgoing weights (Dale's law): true = excitatory")),
        optional(q("tau_m", "ms", "", 0.0, inf, "membrane time constant (or give C_m and g_L)", true)),
        when(q("R", "GOhm", "1 GOhm", 0.0, inf,
               "membrane resistance (with tau_m); 1 GOhm makes pA and mV numerically equal (voltage-valued synapses)",
               true),
             "tau_m"),
        optional(q("C_m", "pF", "", 0.0, inf, "membrane capacitance: τ_m = C_m/g_L, R = 1/g_L", true)),
        optional(q("g_L", "nS", "", 0.0, inf, "leak conductance", true)),
        required(qdist("E_L", "mV", "", heterogeneous, "resting potential (per neuron with a dist)")),
        required(qdist("V_th", "mV", "", heterogeneous, "threshold (per neuron with a dist)")),
        required(q("V_reset", "mV", "", -inf, inf, "reset potential")),
        q("t_ref", "ms", "0 ms", 0.0, inf, "absolute refractory period (V frozen at V_reset)"),
        also_in(qdist("I_e", "pA", "0 pA", heterogeneous, "tonic current (a voltage means R·I_e)"), drive_units),
        optional(qdist("V0", "mV", "", heterogeneous,
                       "initial membrane potential, e.g. {dist = \"uniform\", low = \"-60 mV\", high = \"-50 mV\"} "
                       "(default: each neuron's E_L)")),
        choice("threshold", {">=", ">"}, ">=", "spike when V >= V_th (paper 001) or V > V_th (Brian2's CUBA)"),
        q("sigma_V", "mV", "0 mV", 0.0, inf, "white membrane noise σ: dV gains σ·sqrt(dt/τ_m)·N(0,1) (001 §5.1)"),
        when(q("beta", "pA*ms", "0 nA ms", 0.0, inf, "adaptation strength β; each spike adds β/tau_adapt to I_a"), "model",
             adaptive),
        when(q("tau_adapt", "ms", "500 ms", 0.0, inf, "adaptation time constant", true), "model", adaptive),
        also_in(optional(q("noise.sigma", "pA/ms^1/2", "", 0.0, inf,
                           "current noise: an extra exponential receptor \"noise\" with ds = −s/τ dt + σ dW "
                           "(a voltage per sqrt time means R·σ)")),
                {"mV/ms^1/2"}),
        when(q("noise.tau", "ms", "5 ms", 0.0, inf, "time constant of the noise receptor", true), "noise.sigma"),
    };
    for (auto& f : synapse_fields("exponential", "this population's outgoing synapses (one receptor per "
                                                 "presynaptic population on every target)")) {
        s.fields.push_back(std::move(f));
    }
    return s;
}

section projections() {
    const std::string c = "connectivity";
    const std::vector<std::string> built{"fixed_probability", "fixed_total", "fixed_indegree", "all_to_all"};
    const std::vector<std::string> from_file{"from_file"};
    auto file_key = [&](std::string key, std::string doc) {
        field f = text(std::move(key), "", std::move(doc));
        return when(required(f), c, from_file);
    };
    return {"projections",
            "synapses from population pre onto post, one [[projections]] table each; they land in post's "
            "receptor named after pre, with pre's synapse kinetics",
            spiking_studies,
            {required(text("pre", "", "presynaptic population")),
             required(text("post", "", "postsynaptic population")),
             choice(c, {"fixed_probability", "fixed_total", "fixed_indegree", "all_to_all", "from_file"}, "fixed_probability",
                    "fixed_probability: each pair with probability p; fixed_total: exactly round(p·N_pre·N_post) "
                    "pairs (spec 001 §5.3); fixed_indegree: indegree sources per target; all_to_all: every "
                    "pair (dense); from_file: .npy arrays"),
             when(required(num("p", "", 0.0, 1.0, "connection probability")), c, {"fixed_probability", "fixed_total"}),
             when(required(integer("indegree", "", 0, 4294967295.0, "sources per target")), c, {"fixed_indegree"}),
             when(flag("autapses", true, "allow i -> i when pre = post"), c, built),
             when(required(also_in(at_least(qdist("weight", "pA", "", {"normal", "lognormal"},
                                                  "weight magnitude (the sign is pre's); a voltage for R·w "
                                                  "(and for delta kinetics)"),
                                            0.0),
                                   drive_units)),
                  c, built),
             at_least(qdist("delay", "ms", "0 ms", {"uniform_steps", "paper001"},
                            "transmission delay (whole steps; 0: the next step, as Brian2's default)"),
                      0.0),
             file_key("sources", "from_file: .npy of presynaptic ids (relative to the experiment file)"),
             file_key("targets", "from_file: .npy of postsynaptic ids"),
             file_key("weights", "from_file: .npy of weight magnitudes in weights_unit"),
             when(choice("weights_unit", {"pA", "mV"}, "pA", "unit of the weights file"), c, from_file),
             when(optional(text("delays", "", "from_file: .npy of delays in ms (default: the delay key)")), c, from_file),
             for_studies(optional(quantities("sweep_means", "pA", "",
                                             "spiking_training: train one network per entry, this projection's weights scaled so "
                                             "that their mean is the entry (001 Table S3); projections without it keep theirs")),
                         {"spiking_training"})},
            layout::array};
}

section inputs() {
    const std::string k = "kind";
    const std::vector<std::string> spiking_inputs{"poisson", "spike_generator"};
    section s{"inputs",
              "external input into a population, one [[inputs]] table each",
              spiking_studies,
              {required(choice(k, {"step_current", "poisson", "spike_generator"}, "",
                               "step_current: amplitude added during [start, stop); poisson: independent trains; "
                               "spike_generator: spikes at given times")),
               required(text("population", "", "target population")),
               [] {
                   field f;
                   f.key = "neurons";
                   f.type = kind::selection;
                   f.default_text = "\"all\"";
                   f.doc = "\"all\", k (the first k neurons), or [first, last)";
                   return f;
               }(),
               when(q("start", "ms", "0 ms", 0.0, inf, "onset (a multiple of dt)"), k, {"step_current", "poisson"}),
               when(optional(q("stop", "ms", "", 0.0, inf, "end (default: the end of the run)")), k,
                    {"step_current", "poisson"}),
               when(required(also_in(q("amplitude", "pA", "", -inf, inf, "current added (a voltage means R·I)"),
                                     drive_units)),
                    k, {"step_current"}),
               when(required(q("rate", "Hz", "", 0.0, inf, "rate of each source")), k, {"poisson"}),
               when(integer("sources", "1", 1, 4294967295.0, "independent Poisson sources per neuron"), k, {"poisson"}),
               when(required(also_in(q("weight", "pA", "", -inf, inf, "value one input spike adds (signed)"), drive_units)),
                    k, spiking_inputs),
               when(required(at_least(quantities("times", "ms", "", "spike times, e.g. [\"100 ms\"] (multiples of dt)"), 0.0)),
                    k, {"spike_generator"}),
               when(optional(text("receptor", "",
                                  "receptor fed: a presynaptic population's name, \"noise\", or (with synapse.kinetics) "
                                  "the name of this input's own channel (default \"input<i>\")")),
                    k, spiking_inputs)},
              layout::array};
    for (auto& f : synapse_fields("", "this input's own channel (absent: feed an existing receptor)")) {
        // The kinetics key needs an input that sends spikes; the others hang off the kinetics.
        s.fields.push_back(f.key == "synapse.kinetics" ? when(std::move(f), k, spiking_inputs) : std::move(f));
    }
    return s;
}

}  // namespace

std::vector<section> spiking_sections() { return {populations(), projections(), inputs()}; }

}  // namespace einet::config
