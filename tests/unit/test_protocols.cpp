// Trial-based plasticity (include/einet/plasticity/rate_protocols.hpp, spec 001 §1.4): the
// recorded rates and weights obey the cross-homeostatic update exactly, the silent network
// ignites, and a divergence stops the run with a message and the arrays recorded so far.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "einet/engine/rate_engine.hpp"
#include "einet/plasticity/rate_protocols.hpp"

using namespace einet;

namespace {

constexpr double E_set = 5.0, I_set = 14.0, floor_w = 0.1;

engine::rate_engine fig4_network() {
    auto net = network::wilson_cowan_two_population();  // noise on, as in the paper
    net.steps.push_back({0, 7.0, 249.9, 10.1});         // the kick of every trial (§1.4)
    engine::rate_engine eng(net, 1, 42);
    const double w0[4] = {2.1, 3.0, 4.0, 2.0};          // Fig. 4B start
    for (std::size_t q = 0; q < 4; ++q) eng.weight(q, 0, 0, 0) = w0[q];
    return eng;
}

plasticity::rule_binding cross_rule(double alpha) {
    plasticity::rule_binding rb;
    rb.r = plasticity::named_rule("cross_homeostatic");
    rb.setpoint = {E_set, I_set};
    rb.alpha.assign(4, alpha);
    rb.beta.assign(4, alpha);
    rb.floor.assign(4, floor_w);
    rb.ceiling.assign(4, std::numeric_limits<double>::infinity());
    rb.class_index = {0, 1, 2, 3};
    return rb;
}

}  // namespace

TEST(protocols, cross_homeostatic_trials_follow_eq7_exactly) {
    auto eng = fig4_network();
    plasticity::trial_params p;
    p.trials = 60;
    p.trace_trials = {1, 3};
    const double alpha = 5e-4;
    const auto res = plasticity::run_trials(eng, p, cross_rule(alpha), 1, progress::mode::none);
    ASSERT_TRUE(res.failure.empty()) << res.failure;
    ASSERT_EQ(res.trials_done, 60u);
    ASSERT_EQ(res.lowpassed[0].size(), 60u);
    ASSERT_EQ(res.weights[0].size(), 61u);  // row 0: initial weights
    EXPECT_EQ(res.weights[0][0], 2.1);
    EXPECT_GE(res.first_sustained[0], 1);
    EXPECT_LE(res.first_sustained[0], 25);

    double m_prev[2] = {0.0, 0.0};
    for (std::size_t t = 0; t < 60; ++t) {
        // Low-pass across trials with τ = 2 from 0 (§1.4), then the floor of 1 Hz.
        for (std::size_t k = 0; k < 2; ++k) {
            const double want = m_prev[k] + (res.measured[k][t] - m_prev[k]) / 2.0;
            ASSERT_NEAR(res.lowpassed[k][t], want, 1e-12 * std::max(1.0, want)) << "trial " << t + 1;
            m_prev[k] = res.lowpassed[k][t];
        }
        const double E = std::max(res.lowpassed[0][t], 1.0), I = std::max(res.lowpassed[1][t], 1.0);
        const double dW[4] = {+alpha * E * (I_set - I), -alpha * I * (I_set - I), -alpha * E * (E_set - E),
                              +alpha * I * (E_set - E)};
        for (std::size_t q = 0; q < 4; ++q) {
            const double before = res.weights[q][t], after = res.weights[q][t + 1];
            const double want = std::max(before + dW[q], floor_w);
            ASSERT_NEAR(after, want, 1e-15 * std::max(1.0, want)) << "class " << q << " trial " << t + 1;
        }
        // Eq. 7 directions: below I_set, W_EE grows and W_EI shrinks (to the floor at most).
        if (I < I_set) {
            ASSERT_GT(res.weights[0][t + 1], res.weights[0][t]);
            ASSERT_LE(res.weights[1][t + 1], res.weights[1][t]);
        }
    }
    // Trial 1 is silent: both rates floored at 1 Hz, so the first update is known in closed form.
    EXPECT_LT(res.measured[0][0], 1.0);
    EXPECT_DOUBLE_EQ(res.weights[0][1], 2.1 + alpha * 1.0 * 13.0);
    EXPECT_DOUBLE_EQ(res.weights[2][1], 4.0 - alpha * 1.0 * 4.0);
    // Traces: trials 1 and 3, one sample per 10 steps, two populations.
    EXPECT_EQ(res.traced_trials, (std::vector<std::size_t>{1, 3}));
    EXPECT_EQ(res.trace_samples, 2000u);
    ASSERT_EQ(res.traces.size(), 2u);
    EXPECT_EQ(res.traces[1].size(), 4000u);
}

TEST(protocols, divergence_stops_the_run_and_keeps_what_was_recorded) {
    auto eng = fig4_network();
    plasticity::trial_params p;
    p.trials = 5;
    const auto res = plasticity::run_trials(eng, p, cross_rule(1e300), 1, progress::mode::none);
    ASSERT_FALSE(res.failure.empty());
    EXPECT_NE(res.failure.find("trial 1"), std::string::npos) << res.failure;
    EXPECT_NE(res.failure.find("class EE"), std::string::npos) << res.failure;  // 2.1 + 1e300·13 first
    EXPECT_EQ(res.trials_done, 1u);
    EXPECT_EQ(res.measured[0].size(), 1u);
    EXPECT_EQ(res.weights[0].size(), 2u);  // initial + the diverged update
    EXPECT_EQ(res.weights[0][0], 2.1);
    EXPECT_GT(res.weights[0][1], 1e12);
}

TEST(protocols, nan_weight_stops_the_run_in_the_first_trial) {
    auto eng = fig4_network();
    eng.weight(1, 0, 0, 0) = std::numeric_limits<double>::quiet_NaN();  // W_EI
    plasticity::trial_params p;
    p.trials = 5;
    const auto res = plasticity::run_trials(eng, p, cross_rule(5e-4), 1, progress::mode::none);
    EXPECT_NE(res.failure.find("trial 1"), std::string::npos) << res.failure;
    EXPECT_NE(res.failure.find("non-finite"), std::string::npos) << res.failure;
    EXPECT_EQ(res.trials_done, 1u);
    // No update was applied; the trial's row repeats the weights, so there are trials_done + 1 rows.
    EXPECT_EQ(res.weights[1].size(), 2u);
    EXPECT_TRUE(std::isnan(res.weights[1][0]) && std::isnan(res.weights[1][1]));
    EXPECT_EQ(res.weights[0][0], 2.1);
    EXPECT_EQ(res.weights[0][1], 2.1);
}
