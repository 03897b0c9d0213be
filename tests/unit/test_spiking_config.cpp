// Study "spiking" in the configuration: named tables ([populations.E]) and arrays of tables
// ([[projections]]) as schema kinds (locations, unknown keys, defaults, --set, describe), the
// spiking cross-key checks, the lowering into network::spiking_network, and the Up-state
// detector of spec 001 §5.5.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "einet/analysis/up_states.hpp"
#include "einet/config/config.hpp"
#include "einet/config/schema.hpp"
#include "einet/config/spiking_setup.hpp"
#include "einet/core/error.hpp"

using einet::config::load;

namespace {

// Lines 1..: a valid two-population network (line numbers matter for the location tests).
const std::string net =
    "[experiment]\n"                        // 1
    "study = \"spiking\"\n"                 // 2
    "[run]\n"                               // 3
    "duration = \"50 ms\"\n"                // 4
    "[populations.E]\n"                     // 5
    "size = 40\n"                           // 6
    "excitatory = true\n"                   // 7
    "tau_m = \"20 ms\"\n"                   // 8
    "E_L = \"-49 mV\"\n"                    // 9
    "V_th = \"-50 mV\"\n"                   // 10
    "V_reset = \"-60 mV\"\n"                // 11
    "[populations.I]\n"                     // 12
    "size = 10\n"                           // 13
    "excitatory = false\n"                  // 14
    "C_m = \"100 pF\"\n"                    // 15
    "g_L = \"10 nS\"\n"                     // 16
    "E_L = {dist = \"normal\", mean = \"6.5 mV\", std = \"0.5 mV\"}\n"  // 17
    "V_th = \"20 mV\"\n"                    // 18
    "V_reset = \"14 mV\"\n"                 // 19
    "synapse = {kinetics = \"biexponential\", tau_rise = \"1 ms\", tau = \"1 ms\"}\n"  // 20
    "[[projections]]\n"                     // 21
    "pre = \"E\"\n"                         // 22
    "post = \"I\"\n"                        // 23
    "p = 0.5\n"                             // 24
    "weight = \"2 mV\"\n"                   // 25
    "[[projections]]\n"                     // 26
    "pre = \"I\"\n"                         // 27
    "post = \"E\"\n"                        // 28
    "connectivity = \"fixed_total\"\n"      // 29
    "p = 0.25\n"                            // 30
    "weight = {dist = \"normal\", mean = \"300 pA\", cv = 0.2}\n"  // 31
    "delay = {dist = \"paper001\", max = \"0.5 ms\"}\n";           // 32

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        load(text, "exp.toml", overrides);
    } catch (const einet::config_error& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST(spiking_config, a_valid_network_loads_with_defaults_filled_per_instance) {
    const auto cfg = load(net, "exp.toml", {});
    EXPECT_EQ(cfg.instances("populations"), (std::vector<std::string>{"populations.E", "populations.I"}));
    EXPECT_EQ(cfg.instances("projections"), (std::vector<std::string>{"projections[0]", "projections[1]"}));
    EXPECT_EQ(cfg.string("populations.E.model"), "lif");
    EXPECT_DOUBLE_EQ(cfg.quantity("populations.E.R"), 1.0);  // default with tau_m
    EXPECT_FALSE(cfg.has("populations.I.R"));                // not with C_m, g_L
    EXPECT_EQ(cfg.string("populations.I.synapse.kinetics"), "biexponential");
    EXPECT_DOUBLE_EQ(cfg.quantity("populations.I.synapse.kappa"), 1.0);  // spec 001 §5.2 default
    EXPECT_FALSE(cfg.has("populations.E.synapse.kappa"));               // only for biexponential
    EXPECT_EQ(cfg.string("projections[0].connectivity"), "fixed_probability");
    EXPECT_TRUE(cfg.boolean("projections[0].autapses"));
    EXPECT_FALSE(cfg.has("projections[0].indegree"));
    EXPECT_TRUE(has(cfg.to_toml(), "[[projections]]"));
    EXPECT_TRUE(has(cfg.origin("projections[1].p"), "exp.toml:30:"));
    const auto w = cfg.qdist("projections[1].weight");
    EXPECT_EQ(w.shape, "normal");
    EXPECT_EQ(w.unit, "pA");
    EXPECT_DOUBLE_EQ(w.param("mean"), 300.0);
    EXPECT_DOUBLE_EQ(w.param("cv"), 0.2);
}

TEST(spiking_config, errors_in_named_tables_and_arrays_are_located_by_instance) {
    const auto msg = error_of(replace(replace(net, "p = 0.5", "p = 1.5"), "size = 10", "size = 0"));
    EXPECT_TRUE(has(msg, "exp.toml:24:5: projections[0].p: expected a number finite, in [0, 1], got 1.5")) << msg;
    EXPECT_TRUE(has(msg, "exp.toml:13:8: populations.I.size: expected an integer")) << msg;
    const auto unknown = error_of(replace(net, "p = 0.25", "pp = 0.25"));
    EXPECT_TRUE(has(unknown, "exp.toml:30:6: projections[1].pp: expected a key of [projections]")) << unknown;
    EXPECT_TRUE(has(unknown, "did you mean projections[1].p?")) << unknown;
    EXPECT_TRUE(has(unknown, "projections[1].p: expected a value")) << unknown;  // now missing
    const auto typo = error_of(replace(net, "tau_m = \"20 ms\"", "taum = \"20 ms\""));
    EXPECT_TRUE(has(typo, "populations.E.taum: expected a key of [populations]")) << typo;
    EXPECT_TRUE(has(typo, "did you mean populations.E.tau_m?")) << typo;
}

TEST(spiking_config, bad_input_names_the_key) {
    auto err = [&](const std::string& from, const std::string& to) { return error_of(replace(net, from, to)); };
    EXPECT_TRUE(has(err("duration = \"50 ms\"", "duration = \"50.05 ms\""), "run.duration: expected a duration that is a multiple of run.dt"));
    EXPECT_TRUE(has(err("max = \"0.5 ms\"", "max = \"0 ms\""), "projections[1].delay.max"));
    EXPECT_TRUE(has(err("weight = \"2 mV\"", "weight = \"2 mV\"\ndelay = \"0.05 ms\""), "projections[0].delay: expected a delay that is a multiple"));
    EXPECT_TRUE(has(err("weight = \"2 mV\"", "weight = \"2 mV\"\ndelay = \"7000 ms\""), "projections[0].delay: expected at most 65535 steps"));
    EXPECT_TRUE(has(err("post = \"I\"", "post = \"X\""), "projections[0].post: expected a population (E, I), got \"X\""));
    EXPECT_TRUE(has(err("tau_m = \"20 ms\"", "model = \"izhikevich\"\ntau_m = \"20 ms\""), "populations.E.model: expected one of lif | adaptive_lif"));
    EXPECT_TRUE(has(err("tau = \"1 ms\"}", "tau = \"1 ms\", kinetics2 = 1}"), "populations.I.synapse.kinetics2"));
    EXPECT_TRUE(has(err("kinetics = \"biexponential\"", "kinetics = \"alpha\""), "populations.I.synapse.kinetics: expected one of delta"));
    EXPECT_TRUE(has(err("C_m = \"100 pF\"\n", ""), "populations.I.C_m: expected C_m and g_L together"));
    EXPECT_TRUE(has(err("excitatory = true\n", "excitatory = true\nbeta = \"3 nA ms\"\n"),
                    "populations.E.beta: expected this key only with model = adaptive_lif"));
    EXPECT_TRUE(has(err("cv = 0.2", "cv = 0.2, std = \"3 pA\""), "projections[1].weight: expected exactly one of std and cv"));
    EXPECT_TRUE(has(err("weight = \"2 mV\"", "weight = \"2 ms\""), "projections[0].weight: expected a current like \"100 pA\" or a voltage"));
    EXPECT_TRUE(has(error_of(net + "[[inputs]]\nkind = \"poisson\"\npopulation = \"E\"\nrate = \"5 Hz\"\nweight = \"1 pA\"\nreceptor = \"Q\"\n"),
                    "inputs[0].receptor: expected a receptor of population E (I), got \"Q\""));
    EXPECT_TRUE(has(error_of(net + "[[inputs]]\nkind = \"step_current\"\npopulation = \"E\"\nneurons = 50\namplitude = \"1 pA\"\n"),
                    "inputs[0].neurons: expected neurons within population E (40 neurons)"));
    EXPECT_TRUE(has(error_of("[experiment]\nstudy = \"spiking\"\n"), "populations: expected at least one"));
    EXPECT_TRUE(has(error_of(replace(net, "[run]", "[weights]\nEE = 1\n[run]")), "weights: expected only sections used by study \"spiking\""));
    EXPECT_TRUE(has(error_of(replace(net, "duration = \"50 ms\"", "batch = 2")), "run.batch: expected a key used by study \"spiking\""));
}

TEST(spiking_config, overrides_reach_named_tables_and_array_elements) {
    const auto cfg = load(net, "exp.toml", {"populations.E.size=100", "projections[1].p=0.1", "projections[1].weight.mean=200 pA"});
    EXPECT_EQ(cfg.integer("populations.E.size"), 100);
    EXPECT_DOUBLE_EQ(cfg.number("projections[1].p"), 0.1);
    EXPECT_DOUBLE_EQ(cfg.qdist("projections[1].weight").param("mean"), 200.0);
    EXPECT_EQ(cfg.origin("projections[1].p"), "--set projections[1].p");
    const auto missing = error_of(net, {"projections[5].p=0.1"});
    EXPECT_TRUE(has(missing, "--set projections[5].p: projections[5].p: expected an element that exists (the file has 2 [[projections]])")) << missing;
    const auto typo = error_of(net, {"populations.E.sise=3"});
    EXPECT_TRUE(has(typo, "did you mean populations.E.size?")) << typo;
    const auto bad = error_of(net, {"projections[0].p=2"});
    EXPECT_TRUE(has(bad, "--set projections[0].p: projections[0].p: expected a number")) << bad;
}

TEST(spiking_config, describe_documents_named_tables_and_arrays) {
    const auto pops = einet::config::describe("populations");
    EXPECT_TRUE(has(pops, "[populations.<name>]")) << pops;
    EXPECT_TRUE(has(pops, "populations.<name>.size")) << pops;
    EXPECT_TRUE(has(pops, "{dist = \"normal\"")) << pops;
    const auto p = einet::config::describe("projections.p");
    EXPECT_TRUE(has(p, "projections[i].p")) << p;
    EXPECT_FALSE(has(p, "projections[i].pre")) << p;
    EXPECT_EQ(einet::config::describe("projections[3].p"), p);
    EXPECT_TRUE(has(einet::config::describe("populations.E.tau_m"), "populations.<name>.tau_m"));
}

TEST(spiking_config, lowering_builds_receptors_by_presynaptic_type_and_exact_counts) {
    const auto cfg = load(net, "exp.toml", {});
    const auto n = einet::config::build_spiking_network(cfg);
    ASSERT_EQ(n.populations.size(), 2u);
    const auto& E = n.populations[0];
    const auto& I = n.populations[1];
    EXPECT_EQ(E.name, "E");
    EXPECT_DOUBLE_EQ(I.lif.tau_m[0], 10.0);  // C_m/g_L
    EXPECT_DOUBLE_EQ(I.lif.R[0], 0.1);       // 1/g_L in GOhm
    EXPECT_NE(I.lif.E_L[0], I.lif.E_L[1]);   // drawn per neuron
    EXPECT_EQ(I.V0, I.lif.E_L);              // V0 defaults to E_L
    ASSERT_EQ(E.receptors.size(), 1u);       // from I: I's biexponential kinetics
    EXPECT_EQ(E.receptors[0].name, "I");
    EXPECT_EQ(E.receptors[0].kind, einet::network::kinetics::biexponential);
    ASSERT_EQ(I.receptors.size(), 1u);
    EXPECT_EQ(I.receptors[0].kind, einet::network::kinetics::exponential);
    EXPECT_EQ(n.projections[1].synapses.size(), 100u);  // round(0.25·10·40)
    // 2 mV onto I (R = 0.1 GOhm) is R·w: w = 20 pA.
    EXPECT_FLOAT_EQ(n.projections[0].synapses.weight[0], 20.0f);
    for (auto d : n.projections[1].synapses.delay_steps) EXPECT_TRUE(d >= 1 && d <= 5);
}

TEST(up_states, detector_merges_short_gaps_and_drops_short_states_as_the_reference) {
    // One neuron, t_stop 1 s, 10-ms bins (threshold 0.2 Hz: one spike per bin is 100 Hz).
    std::vector<double> t;
    for (int b = 10; b < 30; ++b) t.push_back(b * 10.0 + 5.0);   // bins 10..29: 20 bins
    for (int b = 35; b < 40; ++b) t.push_back(b * 10.0 + 5.0);   // gap of 5 bins: merged -> 10..39
    for (int b = 60; b < 65; ++b) t.push_back(b * 10.0 + 5.0);   // 5 bins after a gap of 20: dropped
    for (int b = 80; b < 91; ++b) t.push_back(b * 10.0 + 5.0);   // 11 bins: kept
    std::vector<std::uint64_t> ids(t.size(), 0);
    const einet::analysis::spike_train_view v{t.data(), ids.data(), t.size(), 1};
    const auto ups = einet::analysis::detect_up_states(v, 1000.0);
    ASSERT_EQ(ups.size(), 2u);
    EXPECT_DOUBLE_EQ(ups[0].onset_ms, 100.0);
    EXPECT_DOUBLE_EQ(ups[0].offset_ms, 400.0);
    EXPECT_DOUBLE_EQ(ups[1].onset_ms, 800.0);
    EXPECT_DOUBLE_EQ(ups[1].offset_ms, 910.0);
    EXPECT_NEAR(einet::analysis::up_state_duration_s(ups), 0.41, 1e-12);
    // Rates: 25 spikes in 0.3 s, 11 in 0.11 s, averaged over the two Up states.
    EXPECT_NEAR(einet::analysis::up_state_rate_hz(v, ups), 0.5 * (25 / 0.3 + 11 / 0.11), 1e-9);
    EXPECT_TRUE(einet::analysis::detect_up_states({t.data(), ids.data(), 0, 1}, 1000.0).empty());
    EXPECT_TRUE(std::isnan(einet::analysis::up_state_rate_hz(v, {})));
}
