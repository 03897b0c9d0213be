// Paper 000 Figs 9 and 14 as engine and design features: initial latents and per-trial threshold
// jitter (Fig 9e), the smooth difference-of-convex decomposition of a GP sample and its
// piecewise-linear version with knots at the extrema (Fig 14, spec §3.5).
#include <gtest/gtest.h>

#include "lowrank_test_support.hpp"

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/lowrank/rate_limit.hpp"
#include "einet/lowrank/simulate.hpp"
#include "einet/lowrank/smooth_dc.hpp"

using namespace einet;

namespace {

// One inhibitory neuron (E = 1, F = 0, D = −2, T = −2) with 2 ms pulses, refractory 100 ms (Fig 9e).
lowrank::model fig9(double y0) {
    lowrank::model m;
    m.dt = 0.1;
    m.synapses = lowrank::synapse_model::pulse;
    m.rule = lowrank::spike_rule::all_above;
    m.refractory = 100.0;
    auto p = test::lowrank_population("I", false, {0.0}, {1.0}, {}, {-2.0}, {-2.0});
    p.tau_s = 2.0;
    p.y0 = y0;
    m.populations.push_back(p);
    m.x.assign(10, 0.0);
    return m;
}

}  // namespace

TEST(LowrankSoft, InitialLatentStartsVoltageAndReadoutOnTheLatent) {
    const double h = 0.01;
    // Below the threshold point (y0 = −3 < T = −2): no spike in 1 ms, y_n = y0 e^{−hn} exactly.
    auto tr = lowrank::simulate(fig9(-3.0), 1);
    ASSERT_EQ(tr.y[0].size(), 10u);
    EXPECT_TRUE(tr.spikes[0].step.empty());
    for (std::size_t n = 0; n < 10; ++n) EXPECT_NEAR(tr.y[0][n], -3.0 * std::exp(-h * static_cast<double>(n)), 1e-12) << n;
    // Above it: V_0 = y0 + 1 − T ≥ 1, the refractory counter blocks step 1, the spike comes at step 2
    // and its pulse adds D/p = −0.1 per step from then on (spec Mode B).
    tr = lowrank::simulate(fig9(-1.0), 1);
    ASSERT_EQ(tr.spikes[0].step.size(), 1u);
    EXPECT_EQ(tr.spikes[0].step[0], 2u);
    double y = -1.0;
    for (std::size_t n = 1; n < 10; ++n) {
        y = y * std::exp(-h) + (n >= 2 ? -0.1 : 0.0);
        EXPECT_NEAR(tr.y[0][n], y, 1e-12) << n;
    }
}

TEST(LowrankSoft, ThresholdJitterIsPerTrialGaussianAndReproducible) {
    auto m = fig9(0.0);
    m.populations[0].T.assign(4000, -2.0);
    for (auto* v : {&m.populations[0].F, &m.populations[0].E_self, &m.populations[0].D}) v->assign(4000, v->front());
    EXPECT_EQ(lowrank::jitter_thresholds(m, 7).populations[0].T, m.populations[0].T);  // T_jitter = 0: unchanged
    m.populations[0].T_jitter = 0.4;
    const auto a = lowrank::jitter_thresholds(m, 7, 0), b = lowrank::jitter_thresholds(m, 7, 0), c = lowrank::jitter_thresholds(m, 7, 1);
    EXPECT_EQ(a.populations[0].T, b.populations[0].T);
    EXPECT_NE(a.populations[0].T, c.populations[0].T);
    double s = 0, ss = 0;
    for (double T : a.populations[0].T) s += T, ss += T * T;
    const double mean = s / 4000, sd = std::sqrt(ss / 4000 - mean * mean);
    EXPECT_NEAR(mean, -2.0, 4 * 0.4 / std::sqrt(4000.0));
    EXPECT_NEAR(sd, 0.4, 0.02);
}

TEST(LowrankSoft, InitialLatentAndJitterErrorsNameTheKey) {
    auto m = fig9(std::nan(""));
    try {
        m.validate();
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("neurons.I.y0"), std::string::npos) << e.what();
    }
    m = fig9(0.0);
    m.populations[0].T_jitter = -1.0;
    EXPECT_THROW(m.validate(), config_error);
    m = fig9(0.0);
    m.kind = lowrank::network_kind::rate;
    try {
        m.validate();
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("neurons.I.y0"), std::string::npos) << e.what();
    }
}

TEST(LowrankSoft, SmoothDcOfAGaussianProcessSampleIsExactAndConvex) {
    const auto s = lowrank::linspace(0, 20, 100), x = lowrank::linspace(0, 9.9, 100);
    const auto f = lowrank::gp_sample(s, 0.3, 0.5, 1.0, 44);
    EXPECT_EQ(f, lowrank::gp_sample(s, 0.3, 0.5, 1.0, 44));
    EXPECT_NE(f, lowrank::gp_sample(s, 0.3, 0.5, 1.0, 45));
    const auto dc = lowrank::dc_decompose_smooth(x, f, 5.0);
    const double dx2 = 0.01;
    double min_f2 = INFINITY;
    for (std::size_t i = 1; i + 1 < x.size(); ++i) {
        min_f2 = std::min(min_f2, (f[i + 1] - 2 * f[i] + f[i - 1]) / dx2);
        EXPECT_GE((dc.q[i + 1] - 2 * dc.q[i] + dc.q[i - 1]) / dx2, -1e-9) << i;
        EXPECT_GE((dc.p[i + 1] - 2 * dc.p[i] + dc.p[i - 1]) / dx2, -1e-9) << i;
    }
    EXPECT_NEAR(dc.lambda, std::max(0.0, -min_f2), 1e-12);
    EXPECT_GT(dc.lambda, 0.0);  // a non-convex sample
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(dc.q[i] - dc.p[i], f[i], 1e-12);
}

TEST(LowrankSoft, ExtremaKnotsKeepTheLargeSwingsOnly) {
    // f = sin(x) + 0.005 sin(20 x) on [0, 4π]: small wiggles (extra extrema within ±0.1 of the large
    // swing's at π/2, 3π/2, 5π/2, 7π/2). min_step 0.5 keeps one knot per large extremum.
    const auto x = lowrank::linspace(0, 4 * M_PI, 4001);
    std::vector<double> f;
    for (double v : x) f.push_back(std::sin(v) + 0.005 * std::sin(20 * v));
    const auto pw = lowrank::extrema_knots(x, f, 0.5);
    ASSERT_EQ(pw.knots.size(), 6u);
    EXPECT_EQ(pw.knots.front(), 0.0);
    EXPECT_EQ(pw.knots.back(), x.back());
    for (int k = 1; k <= 4; ++k) EXPECT_NEAR(pw.knots[k], (2 * k - 1) * M_PI / 2, 0.1) << k;
    for (std::size_t k = 1; k < pw.knots.size(); ++k) EXPECT_GT(std::abs(pw.values[k] - pw.values[k - 1]), 0.5);
}

TEST(LowrankSoft, ThresholdMarginDescribesTheSubthresholdRegion) {
    // Rank 1 (Fig 2): tangents of g = −x² − 0.5; inside (margin < 0) exactly below the envelope.
    const auto lines = lowrank::tangents_of_quadratic(-1.0, 0.0, -0.5, lowrank::linspace(-0.9, 0.9, 10));
    const auto pop = test::lowrank_population("I", false, lines.F, lines.E, {}, lines.T, std::vector<double>(10, -0.5));
    for (double x = -1.0; x <= 1.0; x += 0.05) {
        const double b = lowrank::boundary(pop, x);
        EXPECT_LT(lowrank::threshold_margin(pop, x, b - 1e-6), 0.0) << x;
        EXPECT_GT(lowrank::threshold_margin(pop, x, b + 1e-6), 0.0) << x;
        EXPECT_NEAR(lowrank::threshold_margin(pop, x, b), 0.0, 1e-12) << x;
    }
    // Rank 2 (Fig 4d at x = 1): E line |y^I| = y^E + 1, I line |y^I| = 1.5 y^E, crossing (2, 3).
    const auto E = test::lowrank_population("E", true, {2.0}, {1.0}, {1.0}, {1.0}, {0.62});
    const auto I = test::lowrank_population("I", false, {1.0}, {1.0}, {1.5}, {1.0}, {-1.0});
    EXPECT_NEAR(lowrank::threshold_margin(E, 1.0, 2.0, -3.1), -0.1, 1e-12);  // above both lines: silent
    EXPECT_NEAR(lowrank::threshold_margin(I, 1.0, -3.1, 2.0), -0.1, 1e-12);
    EXPECT_GT(lowrank::threshold_margin(E, 1.0, 2.0, -2.9), 0.0);  // below both: both suprathreshold
    EXPECT_GT(lowrank::threshold_margin(I, 1.0, -2.9, 2.0), 0.0);
    EXPECT_NEAR(lowrank::threshold_margin(E, 1.0, 2.0, -3.0), 0.0, 1e-12);  // the crossing lies on both
    EXPECT_NEAR(lowrank::threshold_margin(I, 1.0, -3.0, 2.0), 0.0, 1e-12);
}

TEST(LowrankSoft, Fig11NullclinesCrossAtTheFixedPointAndSharpenIntoTheBoundaries) {
    const lowrank::homogeneous_ei p;  // Fig 11c-e: N = 50 + 50, x = 2
    for (double beta : {1.0, 3.0, 10.0}) {
        // on each nullcline its own component of the flow (S16) vanishes
        for (double yE = 0.5; yE < 6.0; yE += 0.5) {
            const auto e = lowrank::nullcline_E(p, 2.0, beta, yE);
            ASSERT_TRUE(e) << yE;
            EXPECT_NEAR(lowrank::rate_flow(p, 2.0, beta, yE, *e)[0], 0.0, 1e-9);
            EXPECT_NEAR(lowrank::rate_flow(p, 2.0, beta, yE, lowrank::nullcline_I(p, 2.0, beta, yE))[1], 0.0, 1e-9);
        }
        // they cross at the fixed point
        const auto fp = lowrank::rate_fixed_point_of(p, 2.0, beta);
        ASSERT_TRUE(fp);
        EXPECT_NEAR(*lowrank::nullcline_E(p, 2.0, beta, fp->yE), fp->yI_abs, 1e-7);
        EXPECT_NEAR(lowrank::nullcline_I(p, 2.0, beta, fp->yE), fp->yI_abs, 1e-7);
    }
    EXPECT_FALSE(lowrank::nullcline_E(p, 2.0, 3.0, 0.0));  // outside (0, N_E D^E)
    EXPECT_FALSE(lowrank::nullcline_E(p, 2.0, 3.0, 6.25));
    // β → ∞: the spiking lines |y^I| = 1.25 y^E + 1 (E) and 2 y^E − 0.5 (I), away from the saturation
    for (double yE = 1.0; yE <= 4.0; yE += 0.5) {
        EXPECT_NEAR(*lowrank::nullcline_E(p, 2.0, 1e4, yE), 1.25 * yE + 1.0, 1e-3) << yE;
        EXPECT_NEAR(lowrank::nullcline_I(p, 2.0, 1e4, yE), 2.0 * yE - 0.5, 1e-3) << yE;
    }
}
