// apply_rule (include/einet/plasticity/homeostatic_rule.hpp) on a two-population batch against
// the hand-written formulas of spec 001 §2.2-2.3, plus bounds and NaN propagation.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "einet/plasticity/homeostatic_rule.hpp"

using namespace einet::plasticity;

namespace {

constexpr std::size_t B = 3;
constexpr double E_set = 5.0, I_set = 14.0;

// A batch of three two-population networks. The presynaptic factors and the rates inside the
// errors are deliberately different arrays, so a mix-up shows.
struct fixture {
    std::array<double, B> fE{1.0, 6.5, 3.25}, fI{2.0, 20.0, 11.0};  // factor rates
    std::array<double, B> eE{1.5, 7.0, 4.0}, eI{3.0, 16.0, 13.5};   // error rates
    std::array<std::array<double, B>, 4> w{{{2.1, 5.0, 4.4}, {3.0, 1.1, 0.9}, {4.0, 10.0, 6.3}, {2.0, 1.5, 0.7}}};
    std::array<double, 4> alpha{1e-3, 2e-3, 3e-3, 4e-3}, beta{5e-4, 6e-4, 7e-4, 8e-4};
    std::vector<population_view> pops;
    std::vector<projection_view> projs;

    fixture() {
        pops = {{1, true, E_set, fE.data(), eE.data()}, {1, false, I_set, fI.data(), eI.data()}};
        const std::array<std::array<std::size_t, 2>, 4> post_pre{{{0, 0}, {0, 1}, {1, 0}, {1, 1}}};
        for (std::size_t c = 0; c < 4; ++c) {
            projection_view v;
            v.post = post_pre[c][0];
            v.pre = post_pre[c][1];
            v.class_index = c;
            v.weights = w[c].data();
            v.alpha = alpha[c];
            v.beta = beta[c];
            v.floor = 0.0;
            projs.push_back(v);
        }
    }
    void apply(const rule& r, std::size_t b0 = 0, std::size_t b1 = B) {
        std::vector<double> scratch;
        apply_rule(r, pops, projs, B, b0, b1, scratch);
    }
};

void expect_close(double got, double want, const char* what, std::size_t b) {
    EXPECT_NEAR(got, want, 1e-15 * std::max(1.0, std::abs(want))) << what << " network " << b;
}

}  // namespace

TEST(apply_rule, cross_homeostatic_equals_methods_eq7) {
    fixture f;
    const auto w0 = f.w;
    f.apply(named_rule("cross_homeostatic"));
    for (std::size_t b = 0; b < B; ++b) {
        const double eps_E = E_set - f.eE[b], eps_I = I_set - f.eI[b];
        expect_close(f.w[0][b], w0[0][b] + f.alpha[0] * f.fE[b] * eps_I, "EE", b);
        expect_close(f.w[1][b], w0[1][b] - f.alpha[1] * f.fI[b] * eps_I, "EI", b);
        expect_close(f.w[2][b], w0[2][b] - f.alpha[2] * f.fE[b] * eps_E, "IE", b);
        expect_close(f.w[3][b], w0[3][b] + f.alpha[3] * f.fI[b] * eps_E, "II", b);
    }
}

TEST(apply_rule, two_term_equals_si_eq9) {
    fixture f;
    const auto w0 = f.w;
    f.apply(named_rule("two_term"));
    for (std::size_t b = 0; b < B; ++b) {
        const double eps_E = E_set - f.eE[b], eps_I = I_set - f.eI[b];
        const double E = f.fE[b], I = f.fI[b];
        expect_close(f.w[0][b], w0[0][b] + f.alpha[0] * E * eps_I + f.beta[0] * E * eps_E, "EE", b);
        expect_close(f.w[1][b], w0[1][b] - f.alpha[1] * I * eps_I - f.beta[1] * I * eps_E, "EI", b);
        expect_close(f.w[2][b], w0[2][b] - f.alpha[2] * E * eps_E + f.beta[2] * E * eps_I, "IE", b);
        expect_close(f.w[3][b], w0[3][b] + f.alpha[3] * I * eps_E - f.beta[3] * I * eps_I, "II", b);
    }
}

TEST(apply_rule, synaptic_scaling_multiplies_the_old_weight) {
    fixture f;
    const auto w0 = f.w;
    f.apply(named_rule("synaptic_scaling"));
    for (std::size_t b = 0; b < B; ++b) {
        const double eps_E = E_set - f.eE[b], eps_I = I_set - f.eI[b];
        expect_close(f.w[0][b], w0[0][b] + f.alpha[0] * w0[0][b] * eps_E, "EE", b);
        expect_close(f.w[1][b], w0[1][b] - f.alpha[1] * w0[1][b] * eps_E, "EI", b);
        expect_close(f.w[2][b], w0[2][b] + f.alpha[2] * w0[2][b] * eps_I, "IE", b);
        expect_close(f.w[3][b], w0[3][b] - f.alpha[3] * w0[3][b] * eps_I, "II", b);
    }
}

TEST(apply_rule, only_the_given_networks_change) {
    fixture f;
    const auto w0 = f.w;
    f.apply(named_rule("cross_homeostatic"), 1, 3);
    for (std::size_t c = 0; c < 4; ++c) {
        EXPECT_EQ(f.w[c][0], w0[c][0]);
        EXPECT_NE(f.w[c][1], w0[c][1]);
        EXPECT_NE(f.w[c][2], w0[c][2]);
    }
}

TEST(apply_rule, floor_and_ceiling_clamp) {
    fixture f;
    for (auto& a : f.alpha) a = 10.0;  // huge steps in both directions
    for (std::size_t c = 0; c < 4; ++c) {
        f.projs[c].alpha = 10.0;
        f.projs[c].floor = 0.1;
        f.projs[c].ceiling = 50.0;
    }
    f.apply(named_rule("cross_homeostatic"));
    // Network 0: eps_I = 11 > 0, eps_E = 3.5 > 0 -> EE, II up (ceiling); EI, IE down (floor).
    EXPECT_EQ(f.w[0][0], 50.0);
    EXPECT_EQ(f.w[1][0], 0.1);
    EXPECT_EQ(f.w[2][0], 0.1);
    EXPECT_EQ(f.w[3][0], 50.0);
    for (std::size_t c = 0; c < 4; ++c) {
        for (std::size_t b = 0; b < B; ++b) EXPECT_TRUE(f.w[c][b] >= 0.1 && f.w[c][b] <= 50.0);
    }
}

TEST(apply_rule, nan_is_not_hidden_by_the_floor) {
    fixture f;
    for (auto& p : f.projs) p.floor = 0.1;
    f.w[1][0] = std::numeric_limits<double>::quiet_NaN();  // a NaN weight
    f.eI[2] = std::numeric_limits<double>::quiet_NaN();     // a NaN rate inside ε_I of network 2
    f.apply(named_rule("cross_homeostatic"));
    EXPECT_TRUE(std::isnan(f.w[1][0]));
    EXPECT_TRUE(std::isnan(f.w[0][2]));  // EE and EI of network 2 read ε_I
    EXPECT_TRUE(std::isnan(f.w[1][2]));
    EXPECT_FALSE(std::isnan(f.w[2][2]));  // IE, II read ε_E only
    EXPECT_FALSE(std::isnan(f.w[0][0]));
}

TEST(apply_rule, cross_error_is_the_mean_over_the_opposite_population_and_diagonals_stay_zero) {
    // 2 E units, 3 I units, batch 1: ε_cross for EE is the mean of (I_set − I_k) over k.
    std::vector<double> E{2.0, 8.0}, I{10.0, 12.0, 17.0};
    std::vector<population_view> pops = {{2, true, E_set, E.data(), E.data()}, {3, false, I_set, I.data(), I.data()}};
    std::vector<double> wEE{0.0, 1.0, 2.0, 0.0};
    projection_view ee;
    ee.post = ee.pre = 0;
    ee.class_index = 0;
    ee.weights = wEE.data();
    ee.alpha = 1e-2;
    ee.floor = 0.0;
    ee.self_connections = false;
    std::vector<projection_view> projs{ee};
    std::vector<double> scratch;
    apply_rule(named_rule("cross_homeostatic"), pops, projs, 1, 0, 1, scratch);
    const double eps = ((I_set - 10.0) + (I_set - 12.0) + (I_set - 17.0)) / 3.0;  // = 1
    EXPECT_EQ(wEE[0], 0.0);
    EXPECT_EQ(wEE[3], 0.0);
    EXPECT_NEAR(wEE[1], 1.0 + 1e-2 * E[1] * eps, 1e-15);  // W_01: pre unit 1
    EXPECT_NEAR(wEE[2], 2.0 + 1e-2 * E[0] * eps, 1e-15);  // W_10: pre unit 0
}
