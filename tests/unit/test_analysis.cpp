// Closed-form analysis of the two-population model (include/einet/analysis/two_population.hpp)
// against spec 001 §1.6, §4.1-4.6 and §7 items 1-3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "einet/analysis/two_population.hpp"

using namespace einet::analysis;

namespace {
const two_population_params table1{};  // 001 SI Table 1 defaults
}

TEST(analysis, table1_defaults) {
    EXPECT_EQ(table1.tau_E, 10.0);
    EXPECT_EQ(table1.tau_I, 2.0);
    EXPECT_EQ(table1.g_E, 1.0);
    EXPECT_EQ(table1.g_I, 4.0);
    EXPECT_EQ(table1.theta_E, 4.8);
    EXPECT_EQ(table1.theta_I, 25.0);
}

TEST(analysis, up_state_on_the_set_point_plane) {
    // §7.1: (5, 1.0857, 10, 1.5357) gives E = 5, I = 14.
    auto fp = up_state(table1, {5.0, 15.2 / 14.0, 10.0, 86.0 / 56.0});
    EXPECT_NEAR(fp.E, 5.0, 1e-9);
    EXPECT_NEAR(fp.I, 14.0, 1e-9);
    EXPECT_TRUE(fp.above_threshold && fp.stable && fp.paradoxical);
    fp = up_state(table1, {5.0, 1.0857142857, 10.0, 1.5357142857});  // the printed 10-digit weights
    EXPECT_NEAR(fp.E, 5.0, 1e-8);
    EXPECT_NEAR(fp.I, 14.0, 1e-8);
}

TEST(analysis, fig1b_up_state_and_paradoxical_response) {
    const weights4 w{5.0, 1.52, 10.0, 2.25};
    auto fp = up_state(table1, w);
    EXPECT_NEAR(fp.E, 5.0, 1e-12);
    EXPECT_NEAR(fp.I, 10.0, 1e-12);
    EXPECT_NEAR(fp.C, 1.52 * 10 * 4 - (2.25 * 4 + 1) * (5 - 1), 1e-12);  // SI Eq. 18: 20.8
    EXPECT_TRUE(fp.stable && fp.paradoxical);
    auto p = table1;
    p.input_I = 7.0;  // §1.6: an input into I lowers I
    fp = up_state(p, w);
    EXPECT_NEAR(fp.E, 2.953846153846154, 1e-12);
    EXPECT_NEAR(fp.I, 4.615384615384615, 1e-12);
    fp = up_state(table1, {5.0, 1.52, 12.0, 2.25});  // §1.6: W_IE 10 -> 12
    EXPECT_NEAR(fp.E, 3.155, 5e-4);
    EXPECT_NEAR(fp.I, 5.146, 5e-4);
    fp = up_state(table1, {5.0, 1.52, 8.0, 2.25});  // §1.6: W_IE 10 -> 8
    EXPECT_NEAR(fp.E, 12.04, 5e-3);
    EXPECT_NEAR(fp.I, 28.52, 5e-3);
}

TEST(analysis, paradoxical_iff_W_EE_g_E_above_one_with_C_positive) {
    EXPECT_TRUE(up_state(table1, {1.01, 1.0, 10.0, 1.0}).paradoxical);
    EXPECT_FALSE(up_state(table1, {0.99, 1.0, 10.0, 1.0}).paradoxical);
    auto p = table1;
    p.g_E = 0.5;  // W_EE g_E = 1.5 > 1 only with W_EE = 3
    EXPECT_FALSE(up_state(p, {1.9, 1.0, 10.0, 1.0}).paradoxical);
    EXPECT_TRUE(up_state(p, {3.0, 1.0, 10.0, 1.0}).paradoxical);
    const auto unstable = up_state(table1, {10.0, 0.1, 1.0, 0.1});  // C < 0
    EXPECT_LT(unstable.C, 0.0);
    EXPECT_FALSE(unstable.paradoxical || unstable.stable);
}

TEST(analysis, set_point_plane_formulas) {
    for (double w : {0.0, 1.96, 5.0, 7.3, 10.0}) {
        // Equal up to rounding (the library evaluates ((5 W − 4.8) − 5) / 14).
        EXPECT_NEAR(setpoint_W_EI(table1, w, 5.0, 14.0), (5 * w - 9.8) / 14, 1e-15 * std::max(1.0, w));
        EXPECT_NEAR(setpoint_W_II(table1, w, 5.0, 14.0), (20 * w - 114) / 56, 1e-15 * std::max(1.0, w));
    }
    EXPECT_NEAR(setpoint_W_EI(table1, 1.96, 5.0, 14.0), 0.0, 1e-15);  // §4.4 positivity bounds
    EXPECT_NEAR(setpoint_W_II(table1, 5.7, 5.0, 14.0), 0.0, 1e-14);
    auto p = table1;
    p.input_E = 1.0;  // a tonic input lowers the threshold
    EXPECT_DOUBLE_EQ(setpoint_W_EI(p, 5.0, 5.0, 14.0), (25.0 - 3.8 - 5.0) / 14.0);
}

TEST(analysis, neural_stability_region_on_the_plane) {
    // §4.6: stable iff 0.14 W_EE + 4.86 < W_IE < (25/4.8)(W_EE − 1); E, I = set points everywhere.
    auto on_plane = [](double EE, double IE) {
        return up_state(table1, {EE, setpoint_W_EI(table1, EE, 5, 14), IE, setpoint_W_II(table1, IE, 5, 14)});
    };
    EXPECT_TRUE(on_plane(5.0, 20.8).stable);    // det bound 20.833
    EXPECT_FALSE(on_plane(5.0, 20.9).stable);
    EXPECT_TRUE(on_plane(10.0, 6.3).stable);    // trace bound 6.26
    EXPECT_FALSE(on_plane(10.0, 6.2).stable);
    EXPECT_GT(on_plane(10.0, 6.2).C, 0.0);      // ... lost through the trace, not the determinant
    EXPECT_LT(on_plane(5.0, 20.9).C, 0.0);
    int inside = 0;
    for (double EE = 0.05; EE < 10.0; EE += 0.1) {
        for (double IE = 0.05; IE < 20.0; IE += 0.1) {
            const double det_bound = 25.0 / 4.8 * (EE - 1.0), trace_bound = 0.14 * EE + 4.86;
            if (std::abs(IE - det_bound) < 1e-9 || std::abs(IE - trace_bound) < 1e-9) continue;
            const auto fp = on_plane(EE, IE);
            const bool want = IE < det_bound && IE > trace_bound;
            ASSERT_EQ(fp.stable, want) << "W_EE " << EE << " W_IE " << IE;
            inside += want;
            if (std::abs(fp.C) > 1e-6) {
                ASSERT_NEAR(fp.E, 5.0, 1e-9 * (1 + 1 / std::abs(fp.C)));
                ASSERT_NEAR(fp.I, 14.0, 1e-9 * (1 + 1 / std::abs(fp.C)));
            }
            if (want) {
                ASSERT_TRUE(fp.paradoxical);  // the stable region is paradoxical (§4.6)
            }
        }
    }
    EXPECT_GT(inside, 1000);
}
