// Stability of the rule family at the set-point plane (include/einet/analysis/rule_stability.hpp):
// the generic numerical route against the reference eigenvalues of spec 001 §4.7 and against the
// SI's closed forms on a 200×200 grid of the (W_EE, W_IE) window of the paper's figures.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "einet/analysis/rule_stability.hpp"

using namespace einet::analysis;
using einet::plasticity::named_rule;

namespace {
const two_population_params table1{};
const setpoints sp{};

rule_rates rates(double ee, double ei, double ie, double ii, double beta = 0.0) {
    rule_rates r;
    r.alpha = {ee, ei, ie, ii};
    r.beta = {beta, beta, beta, beta};
    return r;
}

struct agreement {
    std::size_t compared = 0, agree = 0, neural = 0, neural_agree = 0, rule_stable_in_neural = 0;
    double fraction() const { return compared ? double(agree) / double(compared) : 0.0; }
    double neural_fraction() const { return neural ? double(neural_agree) / double(neural) : 0.0; }
};

// 200×200 grid over W_EE ∈ [0, 10], W_IE ∈ [0, 20] (cell centres), spec 001 §4.6 plot window.
agreement compare_on_grid(const std::string& rule, const rule_rates& k, const two_population_params& p = table1) {
    const auto r = named_rule(rule);
    agreement a;
    const int n = 200;
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            const double wee = 10.0 * (i + 0.5) / n, wie = 20.0 * (j + 0.5) / n;
            const auto closed = closed_form_rule_stable(r, k, p, sp, wee, wie);
            if (!closed) continue;
            const bool numeric = numerical_rule_stability(r, k, p, sp, wee, wie).stable;
            ++a.compared;
            a.agree += numeric == *closed;
            if (margins_on_plane(p, sp, wee, wie).neural_stable()) {
                ++a.neural;
                a.neural_agree += numeric == *closed;
                a.rule_stable_in_neural += numeric;
            }
        }
    }
    return a;
}
}  // namespace

TEST(rule_stability, setpoint_plane_and_margins_match_spec_lines) {
    // §4.3: W_EI = (5 W_EE − 9.8)/14, W_II = (20 W_IE − 114)/56.
    const auto w = setpoint_plane_point(table1, sp, 5.0, 10.0);
    EXPECT_NEAR(w.EI, (25.0 - 9.8) / 14.0, 1e-12);
    EXPECT_NEAR(w.II, (200.0 - 114.0) / 56.0, 1e-12);
    // §4.6: det boundary W_IE = 5.2083 (W_EE − 1), trace boundary W_IE = 0.14 W_EE + 4.86.
    EXPECT_GT(margins_on_plane(table1, sp, 5.0, 5.2083 * 4.0 - 0.01).det, 0.0);
    EXPECT_LT(margins_on_plane(table1, sp, 5.0, 5.2084 * 4.0 + 0.01).det, 0.0);
    EXPECT_GT(margins_on_plane(table1, sp, 5.0, 0.14 * 5 + 4.86 + 0.01).trace, 0.0);
    EXPECT_LT(margins_on_plane(table1, sp, 5.0, 0.14 * 5 + 4.86 - 0.01).trace, 0.0);
    // §4.4: positivity W_EE > 1.96, W_IE > 5.7; §4.5: paradoxical W_EE > 1.
    EXPECT_NEAR(setpoint_W_EI(table1, 1.96, sp.E, sp.I), 0.0, 1e-12);
    EXPECT_NEAR(setpoint_W_II(table1, 5.7, sp.E, sp.I), 0.0, 1e-12);
    EXPECT_NEAR(margins_on_plane(table1, sp, 1.0, 8.0).paradoxical, 0.0, 1e-12);
}

TEST(rule_stability, numerical_route_reproduces_reference_eigenvalues) {
    // Spec 001 §4.7, dimensional QSS eigenvalues at (5, 1.0857, 10, 1.5357).
    struct ref {
        const char* rule;
        rule_rates k;
        std::complex<double> plus, minus;
    };
    const ref refs[] = {
        {"homeostatic", rates(1, 1, 1, 1), {65.875, 93.862}, {65.875, -93.862}},
        {"homeostatic", rates(1, 1, 0.01, 0.01), {-1.2818, 0}, {-102.588, 0}},
        {"cross_homeostatic", rates(1, 1, 1, 1), {-20.578, 0}, {-639.022, 0}},
        {"two_term", rates(1, 1, 1, 1, 1.0), {-55.701, 0}, {-472.149, 0}},
        {"synaptic_scaling", rates(1, 1, 1, 1), {36.432, 0}, {21.241, 0}},
    };
    for (const auto& r : refs) {
        const auto e = numerical_rule_stability(named_rule(r.rule), r.k, table1, sp, 5.0, 10.0);
        EXPECT_NEAR(e.lambda_plus.real(), r.plus.real(), 2e-3 * std::abs(r.plus)) << r.rule;
        EXPECT_NEAR(std::abs(e.lambda_plus.imag()), std::abs(r.plus.imag()), 2e-3 * std::abs(r.plus)) << r.rule;
        EXPECT_NEAR(e.lambda_minus.real(), r.minus.real(), 2e-3 * std::abs(r.minus)) << r.rule;
        EXPECT_LT(e.null_residual, 1e-6) << r.rule;  // two eigenvalues are zero (the plane of fixed points)
        EXPECT_EQ(e.stable, r.plus.real() < 0 && r.minus.real() < 0) << r.rule;
    }
}

TEST(rule_stability, closed_forms_agree_with_numerical_route_on_200x200_grid) {
    struct panel {
        std::string rule;
        rule_rates k;
    };
    std::vector<panel> panels = {
        {"homeostatic", rates(0.02, 0.02, 0.02, 0.02)},              // Fig. 2F / S8 top
        {"homeostatic", rates(0.02, 0.02, 0.0002, 0.0002)},          // Fig. 2G / S8 bottom
        {"homeostatic", rates(0.0002, 0.0002, 0.02, 0.02)},          // Fig. 2H
        {"cross_homeostatic", rates(0.02, 0.02, 0.02, 0.02)},        // Fig. 4H / S9
        {"cross_homeostatic", rates(0.02, 0.002, 0.0002, 0.05)},     // unequal rates
        {"two_term", rates(0.02, 0.02, 0.02, 0.02, 0.005)},          // Fig. S10
        {"two_term", rates(0.02, 0.02, 0.02, 0.02, 0.02)},
        {"two_term", rates(0.0002, 0.0002, 0.0002, 0.0002, 0.02)},
        {"synaptic_scaling", rates(0.02, 0.02, 0.02, 0.02)},         // Fig. S11
        {"synaptic_scaling", rates(0.02, 0.02, 0.002, 0.002)},
        {"synaptic_scaling", rates(0.002, 0.002, 0.02, 0.02)},
        {"forced_balance", rates(0.02, 0, 0.02, 0)},                 // Fig. S12
        {"forced_balance", rates(0.02, 0, 0.0002, 0)},
        {"forced_balance", rates(0.0002, 0, 0.02, 0)},
    };
    for (const auto& v : einet::plasticity::named_rules()) {
        if (v.size() == 4) panels.push_back({v, rates(0.02, 0.02, 0.02, 0.02)});  // Fig. S2 variants
    }
    for (const auto& p : panels) {
        const auto a = compare_on_grid(p.rule, p.k);
        std::printf("%-18s a=(%g %g %g %g) b=%g: agree %.4f of %zu, neural %.4f of %zu, rule-stable %zu\n", p.rule.c_str(),
                    p.k.alpha[0], p.k.alpha[1], p.k.alpha[2], p.k.alpha[3], p.k.beta[0], a.fraction(), a.compared,
                    a.neural_fraction(), a.neural, a.rule_stable_in_neural);
        ASSERT_EQ(a.compared, 200u * 200u) << p.rule;
        EXPECT_GE(a.neural_fraction(), 0.99) << p.rule;
    }
}

TEST(rule_stability, published_regions) {
    // Fig. S9 / §7.5: cross-homeostatic stable wherever the neural subsystem is.
    const auto cross = compare_on_grid("cross_homeostatic", rates(1, 1, 1, 1));
    EXPECT_EQ(cross.rule_stable_in_neural, cross.neural);
    // §7.6: two-term with β/α = 100 keeps ≈ 9 % of the neural-stable area.
    const auto tt = compare_on_grid("two_term", rates(1, 1, 1, 1, 100.0));
    EXPECT_NEAR(double(tt.rule_stable_in_neural) / double(tt.neural), 0.09, 0.01);
    // §4.7.1: homeostatic boundaries W_IE = 2.8 W_EE + 2.2 (equal rates) and 280 W_EE − 275 (α_E ≪ α_I).
    const auto h = named_rule("homeostatic");
    for (double wee : {3.5, 5.0, 6.5}) {
        EXPECT_TRUE(numerical_rule_stability(h, rates(1, 1, 1, 1), table1, sp, wee, 2.8 * wee + 2.2 + 0.01).stable);
        EXPECT_FALSE(numerical_rule_stability(h, rates(1, 1, 1, 1), table1, sp, wee, 2.8 * wee + 2.2 - 0.01).stable);
    }
    const auto slow_E = rates(0.0002, 0.0002, 0.02, 0.02);
    // That line lies outside the neural-stable region (C < 0 there, where the QSS reduction does not
    // hold and the numerical route flips with the sign of C): the closed form draws it.
    EXPECT_TRUE(*closed_form_rule_stable(h, slow_E, table1, sp, 1.01, 280 * 1.01 - 275 + 0.05));
    EXPECT_FALSE(*closed_form_rule_stable(h, slow_E, table1, sp, 1.01, 280 * 1.01 - 275 - 0.05));
    // §4.9 (Fig. 2I): with g_E = 0.5 and I_ext = 8 into E the homeostatic boundary is W_IE = 280 W_EE − 555.
    auto p = table1;
    p.g_E = 0.5;
    p.input_E = 8.0;
    EXPECT_TRUE(numerical_rule_stability(h, slow_E, p, sp, 2.01, 280 * 2.01 - 555 + 0.05).stable);
    EXPECT_FALSE(numerical_rule_stability(h, slow_E, p, sp, 2.01, 280 * 2.01 - 555 - 0.05).stable);
}
