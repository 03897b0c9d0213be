// Experiment-file loading (include/einet/config/config.hpp): defaults, units, overrides, and
// the promise that every problem names FILE:LINE:COL, the full key and what was expected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/config/schema.hpp"
#include "einet/core/error.hpp"

using einet::config::load;

namespace {

const std::string trial = "[experiment]\nstudy = \"trial_plasticity\"\n";  // lines 1-2

// The message of the config_error that loading `text` throws ("" if it loads).
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        load(text, "exp.toml", overrides);
    } catch (const einet::config_error& e) {
        EXPECT_EQ(e.code(), einet::exit_code::usage);
        return e.what();
    }
    return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// True when one line of `msg` reads "<where>COL: <key>: expected ...".
bool located(const std::string& msg, const std::string& where, const std::string& key) {
    std::size_t start = 0;
    while (start <= msg.size()) {
        const auto end = std::min(msg.find('\n', start), msg.size());
        const std::string line = msg.substr(start, end - start);
        const auto colon = line.find(": ", where.size());
        if (line.rfind(where, 0) == 0 && colon != std::string::npos && line.compare(colon, key.size() + 12, ": " + key + ": expected") == 0) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

}  // namespace

TEST(config, defaults_are_filled_and_derived_rates_follow_their_source) {
    auto c = load(trial + "[plasticity]\nalpha = 2e-3\nalpha_E = 0.25\n", "exp.toml", {});
    EXPECT_EQ(c.study(), "trial_plasticity");
    EXPECT_EQ(c.quantity("model.E.tau"), 10.0);
    EXPECT_EQ(c.quantity("model.I.tau"), 2.0);
    EXPECT_EQ(c.quantity("run.dt"), 0.1);
    EXPECT_EQ(c.integer("protocol.trials"), 500);
    EXPECT_EQ(c.string("plasticity.rule"), "cross_homeostatic");
    EXPECT_EQ(c.number("plasticity.alpha_EE"), 0.25);  // alpha_EE <- alpha_E
    EXPECT_EQ(c.number("plasticity.alpha_EI"), 0.25);
    EXPECT_EQ(c.number("plasticity.alpha_IE"), 2e-3);  // alpha_IE <- alpha_I <- alpha
    EXPECT_EQ(c.number("plasticity.beta_II"), 2e-3);   // beta_II <- beta <- alpha
    EXPECT_EQ(c.string("experiment.name"), "exp");     // from the source name
    EXPECT_FALSE(c.has("online.duration"));            // not a section of this study
    EXPECT_EQ(c.origin("plasticity.alpha"), "exp.toml:4:9");
}

TEST(config, quantities_convert_to_the_declared_unit) {
    auto c = load(trial + "[protocol]\ntrial_duration = \"2 s\"\nmeasure_window = \"500000 us\"\n[noise]\nsigma = \"1 ms^-1/2\"\n",
                  "exp.toml", {});
    EXPECT_EQ(c.quantity("protocol.trial_duration"), 2000.0);
    EXPECT_DOUBLE_EQ(c.quantity("protocol.measure_window"), 500.0);
    EXPECT_NEAR(c.quantity("noise.sigma"), std::sqrt(1000.0), 1e-12);  // s^-1/2
}

TEST(config, each_problem_names_line_key_and_expectation) {
    struct bad_case {
        std::string text, where, key, part;
    };
    const std::vector<bad_case> cases = {
        {trial + "[model.E]\ntau = \"20 mV\"\n", "exp.toml:4:", "model.E.tau", "voltage"},
        {trial + "[model.E]\ntau = 20\n", "exp.toml:4:", "model.E.tau", "units are required"},
        {trial + "[model.E]\ntau = \"-5 ms\"\n", "exp.toml:4:", "model.E.tau", "> 0"},
        {trial + "[weights]\nEE = nan\n", "exp.toml:4:", "weights.EE", "got nan"},
        {trial + "[run]\ndt = \"1.5 ms\"\n", "exp.toml:4:", "run.dt", "model.I.tau"},
        {trial + "\n[plasticity]\nrule = \"hebbian\"\n", "exp.toml:5:", "plasticity.rule", "cross_homeostatic"},
        {trial + "[protocol]\ntrial_duration = \"1000.05 ms\"\n", "exp.toml:4:", "protocol.trial_duration", "multiple of run.dt"},
        {trial + "[plasticity]\nrule = \"custom\"\nterms.EE = [\"+alpha*pre*post\"]\nterms.EI = [\"+alpha*pre*post\"]\n"
                 "terms.IE = [\"+alpha*pre*bogus\"]\nterms.II = [\"-beta*w*cross\"]\n",
         "exp.toml:7:", "plasticity.terms.IE", "bogus"},
    };
    for (const auto& c : cases) {
        const auto msg = error_of(c.text);
        EXPECT_TRUE(located(msg, c.where, c.key)) << "wanted " << c.where << "COL: " << c.key << ": expected in: " << msg;
        EXPECT_TRUE(has(msg, c.part)) << "wanted \"" << c.part << "\" in: " << msg;
    }
}

TEST(config, unknown_names_are_located_and_the_nearest_is_suggested) {
    auto msg = error_of(trial + "[protocol]\ntrals = 5\n");
    EXPECT_TRUE(has(msg, "exp.toml:4:")) << msg;
    EXPECT_TRUE(has(msg, "protocol.trals: expected a key of [protocol]")) << msg;
    EXPECT_TRUE(has(msg, "unknown key (did you mean protocol.trials?)")) << msg;
    msg = error_of(trial + "[protocl]\ntrials = 5\n");
    EXPECT_TRUE(has(msg, "exp.toml:3:")) << msg;
    EXPECT_TRUE(has(msg, "protocl: expected a section")) << msg;
    EXPECT_TRUE(has(msg, "unknown section (did you mean [protocol]?)")) << msg;
    msg = error_of(trial + "[online]\nduration = \"10 s\"\n");
    EXPECT_TRUE(has(msg, "exp.toml:3:")) << msg;
    EXPECT_TRUE(has(msg, "online: expected only sections used by study \"trial_plasticity\"")) << msg;
    msg = error_of("[run]\nseed = 3\n");
    EXPECT_TRUE(has(msg, "experiment.study: expected a value")) << msg;
    EXPECT_TRUE(has(msg, "the key is required")) << msg;
}

TEST(config, several_problems_are_reported_together) {
    const auto msg = error_of(trial + "[protocol]\ntrals = 5\n[model.E]\ntau = \"20 mV\"\n[weights]\nEE = nan\n");
    EXPECT_TRUE(has(msg, "exp.toml:4:9: protocol.trals")) << msg;
    EXPECT_TRUE(has(msg, "exp.toml:6:7: model.E.tau")) << msg;
    EXPECT_TRUE(has(msg, "exp.toml:8:6: weights.EE")) << msg;
    EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 2) << msg;
}

TEST(config, overrides_parse_as_toml_else_as_strings) {
    auto c = load(trial, "exp.toml",
                  {"protocol.trials=20", "plasticity.alpha=2e-3", "plasticity.rule=homeostatic", "run.dt=0.05 ms",
                   "weights.EE=3"});
    EXPECT_EQ(c.integer("protocol.trials"), 20);
    EXPECT_EQ(c.number("plasticity.alpha"), 2e-3);
    EXPECT_EQ(c.number("plasticity.alpha_II"), 2e-3);
    EXPECT_EQ(c.string("plasticity.rule"), "homeostatic");
    EXPECT_EQ(c.quantity("run.dt"), 0.05);
    EXPECT_EQ(c.dist("weights.EE").a, 3.0);
    EXPECT_EQ(c.origin("run.dt"), "--set run.dt");

    auto msg = error_of(trial, {"protocol.trials=abc"});
    EXPECT_TRUE(has(msg, "--set protocol.trials: protocol.trials: expected an integer")) << msg;
    msg = error_of(trial, {"run.dt=0.05"});  // a bare number where a unit is required
    EXPECT_TRUE(has(msg, "--set run.dt: run.dt: expected a time")) << msg;
    msg = error_of(trial, {"protocol.trals=5"});
    EXPECT_TRUE(has(msg, "--set protocol.trals") && has(msg, "did you mean protocol.trials")) << msg;
    msg = error_of(trial, {"novalue"});
    EXPECT_TRUE(has(msg, "--set") && has(msg, "expected key.path=value")) << msg;
}

TEST(config, resolved_text_round_trips) {
    auto a = load(trial + "[plasticity]\nrule = \"two_term\"\nalpha_I = 1e-5\n[model.E]\ntau = \"12.5 ms\"\n", "exp.toml",
                  {"run.seed=77", "protocol.trial_duration=1.5 s"});
    auto b = load(a.to_toml(), "exp.toml", {});
    for (const char* k : {"model.E.tau", "model.I.tau", "run.dt", "protocol.trial_duration", "protocol.measure_window",
                          "noise.sigma", "kick.start", "plasticity.E_set"}) {
        EXPECT_EQ(a.quantity(k), b.quantity(k)) << k;
    }
    for (const char* k : {"plasticity.alpha", "plasticity.alpha_EE", "plasticity.alpha_IE", "plasticity.beta_II",
                          "model.E.threshold", "plasticity.weight_floor", "plasticity.weight_ceiling"}) {
        EXPECT_EQ(a.number(k), b.number(k)) << k;
    }
    EXPECT_EQ(b.number("plasticity.alpha_II"), 1e-5);
    EXPECT_EQ(b.integer("run.seed"), 77);
    EXPECT_EQ(b.string("plasticity.rule"), "two_term");
    EXPECT_EQ(b.integer_list("record.trace_trials"), a.integer_list("record.trace_trials"));
    EXPECT_EQ(b.to_toml(), a.to_toml());
}

TEST(config, describe_lists_section_keys) {
    const auto d = einet::config::describe("plasticity");
    EXPECT_TRUE(has(d, "plasticity.alpha ")) << d;
    EXPECT_TRUE(has(d, "plasticity.rule")) << d;
    EXPECT_FALSE(has(d, "protocol.trials")) << d;
    EXPECT_TRUE(has(einet::config::describe("model.E.tau"), "default \"10 ms\""));
    EXPECT_EQ(einet::config::describe("nope"), "");
}

TEST(config, defaults_and_overrides_name_their_origin) {
    // A default is never attributed to a line of the user's file.
    const auto cfg = einet::config::load(trial, "exp.toml", {"protocol.trials=70"});
    EXPECT_EQ(cfg.origin("model.E.tau"), "exp.toml (default)");
    EXPECT_EQ(cfg.origin("protocol.trials"), "--set protocol.trials");
    auto msg = error_of(trial + "[run]\ndt = \"0.3 ms\"\n");
    EXPECT_TRUE(has(msg, "exp.toml (default): protocol.trial_duration")) << msg;
    // A section that only an override created is blamed on the override.
    try {
        einet::config::load(trial, "exp.toml", {"online.duration=5 s"});
        ADD_FAILURE() << "expected a config_error";
    } catch (const einet::config_error& e) {
        EXPECT_TRUE(has(e.what(), "--set online.duration: online:")) << e.what();
    }
}
