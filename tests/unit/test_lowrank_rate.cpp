// Paper 000's N-neuron rate networks (spec 000 §1.3, S13/S15) on the rate engine: the Euler
// recursion against its closed form, the homogeneous network against the latent model S16 (Fig 11),
// the deterministic reference numbers of Figs 10d and 12b, and the β → ∞ limit (the spiking boundary).
#include <gtest/gtest.h>

#include "lowrank_test_support.hpp"

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/engine/rate_engine.hpp"
#include "einet/lowrank/geometry.hpp"
#include "einet/lowrank/rate_limit.hpp"
#include "einet/lowrank/rate_network.hpp"
#include "../../src/config/rate_checkpoint.hpp"  // internal to config/: the trial-study checkpoint

#include <filesystem>
#include <memory>
#include <unistd.h>

using namespace einet;

namespace {

constexpr auto population = test::lowrank_population;

// Figs 6/10: N tangents of g = −x² − 0.5 on [−1, 1], D each, ramp x = −1 (n/20 samples) → 1.
lowrank::model fig10d(std::size_t n_T, double beta, double D = -0.5) {
    lowrank::model m;
    m.kind = lowrank::network_kind::rate;
    m.beta = beta;
    m.dt = 0.1;
    const auto lines = lowrank::tangents_of_quadratic(-1.0, 0.0, -0.5, lowrank::linspace(-1, 1, 50));
    m.populations.push_back(population("I", false, lines.F, lines.E, {}, lines.T, std::vector<double>(50, D)));
    m.x = lowrank::hold_then_ramp(n_T, -1.0, 1.0, n_T / 20);
    return m;
}

struct error_stats {
    double mean = 0, rms = 0, max_abs = 0;
};
error_stats against_g(const lowrank::model& m, const std::vector<double>& y, std::size_t first) {
    error_stats s;
    double k = 0;
    for (std::size_t n = first; n < y.size(); ++n) {
        const double e = y[n] - (-m.x[n] * m.x[n] - 0.5);
        s.mean += e, s.rms += e * e, k += 1;
        s.max_abs = std::max(s.max_abs, std::abs(e));
    }
    s.mean /= k;
    s.rms = std::sqrt(s.rms / k);
    return s;
}

}  // namespace

// One unit without recurrence (D = 0) at constant x: forward Euler gives exactly
// V_n = (1 − h)^n V_0 + (1 − (1 − h)^n) F x, and ρ_n = σ_β(V_n − T); the readout weight D = 0.
TEST(LowrankRate, SingleUnitFollowsTheEulerClosedForm) {
    lowrank::model m;
    m.kind = lowrank::network_kind::rate;
    m.beta = 4.0;
    m.dt = 0.1;
    m.populations.push_back(population("I", false, {1.5}, {1.0}, {}, {0.7}, {0.0}));
    m.x.assign(400, 0.8);
    engine::rate_engine eng(lowrank::lower_rate(m), 1, 0);
    const double h = m.dt / m.tau;
    for (std::size_t n = 1; n <= 300; ++n) {
        eng.run(1, nullptr, 1);
        const double V = (1 - std::pow(1 - h, static_cast<double>(n))) * 1.5 * 0.8;
        ASSERT_NEAR(eng.voltages(0)[0], V, 1e-12) << "step " << n;
        ASSERT_NEAR(eng.rates(0)[0], 1 / (1 + std::exp(-4.0 * (V - 0.7))), 1e-12);
    }
}

// N identical neurons per population reduce to the homogeneous latent model S16 (spec §1.3): the
// network's steady readouts equal the fixed point of S16 (Fig 11e, x = 2), for several β.
TEST(LowrankRate, HomogeneousNetworkSettlesOnTheLatentFixedPoint) {
    const lowrank::homogeneous_ei p;  // Fig 11c–e parameters
    for (double beta : {1.0, 3.0, 10.0}) {
        lowrank::model m;
        m.kind = lowrank::network_kind::rate;
        m.beta = beta;
        m.dt = 0.1;
        const std::size_t N = 50;
        auto v = [&](double a) { return std::vector<double>(N, a); };
        m.populations.push_back(population("E", true, v(p.F_E), v(p.E_EE), v(p.E_EI), v(p.T_E), v(p.D_E)));
        m.populations.push_back(population("I", false, v(p.F_I), v(p.E_II), v(p.E_IE), v(p.T_I), v(-p.D_I_abs)));
        m.x.assign(6000, 2.0);  // 60 τ: the foci have decay rates ≥ 1.5/τ
        const auto tr = lowrank::simulate_rate(m);
        const auto fp = lowrank::rate_fixed_point_of(p, 2.0, beta);
        ASSERT_TRUE(fp.has_value());
        EXPECT_NEAR(tr.y[0].back(), fp->yE, 1e-6) << "beta " << beta;
        EXPECT_NEAR(-tr.y[1].back(), fp->yI_abs, 1e-6) << "beta " << beta;
    }
}

// Fig 10d (spec §4 [M], deterministic): mean(y − g) = −0.0207, RMS 0.0233, max |y − g| = 0.032
// over t ≥ 50 ms; the numbers are stated to the digits given.
TEST(LowrankRate, Fig10dReproducesTheReferenceNumbers) {
    const auto m = fig10d(10500, 50.0);
    const auto s = against_g(m, lowrank::simulate_rate(m).y[0], 500);
    EXPECT_NEAR(s.mean, -0.0207, 0.00005);
    EXPECT_NEAR(s.rms, 0.0233, 0.00005);
    EXPECT_NEAR(s.max_abs, 0.032, 0.0005);
}

// β → ∞ (spec §1.3: the rate network approaches the spiking boundary): at fixed decoders the
// latent's RMS distance to the boundary g(x) falls monotonically with the slope (NumPy re-run of
// spec §2.7: 0.140, 0.059, 0.022, 0.0068, 0.0031 for β = 12.5 … 200; forward Euler at this dt turns
// unstable near β = 800, where one step crosses the whole sigmoid).
TEST(LowrankRate, SteepSigmoidsApproachTheSpikingBoundary) {
    double previous = INFINITY;
    for (double beta : {12.5, 25.0, 50.0, 100.0, 200.0}) {
        const auto m = fig10d(4000, beta);
        const auto s = against_g(m, lowrank::simulate_rate(m).y[0], 500);
        EXPECT_LT(s.rms, previous) << "beta " << beta;
        previous = s.rms;
    }
    EXPECT_LT(previous, 0.005);
}

// Fig 12b (spec §4 [M], deterministic): the E-I rate network with the Fig 5 neurons, RMSE of y^E
// against the crossing y^E*(x) over x in [1, 10) = 0.280, and the 1-wide binned means.
TEST(LowrankRate, Fig12bReproducesTheReferenceNumbers) {
    lowrank::model m;
    m.kind = lowrank::network_kind::rate;
    m.beta = 10.0;
    m.dt = 0.1;
    auto E = population("E", true, {0.4, 1.2, 2.8}, {0.3, 0.3, 0.3}, {1, 1, 1}, {-0.535, 1.025, 10.545}, {7.5, 18, 27});
    auto I = population("I", false, {0.4, 2.0, 3.6}, {1, 1, 1}, {0.9, 0.9, 0.9}, {1.135, 7.455, 20.175}, {-7.5, -22.5, -52.5});
    E.rho0 = {0.35, 0.01, 0.01};
    I.rho0 = {0.25, 0.01, 0.01};
    m.populations = {E, I};
    m.x = lowrank::linspace(0, 10, 2000);
    const auto y = lowrank::simulate_rate(m).y[0];
    const double ref[] = {2.66, 2.75, 3.63, 5.14, 5.01, 3.53, 3.47, 5.14, 5.12, 3.63};
    double sq = 0, k = 0, bin_sum[10] = {}, bin_n[10] = {};
    for (std::size_t n = 0; n < y.size(); ++n) {
        const double x = m.x[n];
        if (x < 10) bin_sum[static_cast<int>(x)] += y[n], bin_n[static_cast<int>(x)] += 1;
        if (x < 1 || x >= 10) continue;
        const auto c = lowrank::crossing(E, I, x);
        ASSERT_TRUE(c.has_value());
        sq += (y[n] - c->yE) * (y[n] - c->yE), k += 1;
    }
    EXPECT_NEAR(std::sqrt(sq / k), 0.280, 0.0005);
    for (int b = 0; b < 10; ++b) EXPECT_NEAR(bin_sum[b] / bin_n[b], ref[b], 0.005) << "bin " << b;
}

TEST(LowrankRate, RefusesFeaturesOfSpikingNetworksAndBadInitialRates) {
    auto m = fig10d(100, 50.0);
    m.populations[0].rho0.assign(50, 1.0);
    EXPECT_THROW(lowrank::simulate_rate(m), config_error);
    m.populations[0].rho0.clear();
    m.populations[0].I_ext = 1.0;
    try {
        lowrank::simulate_rate(m);
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("neurons.I.I_ext"), std::string::npos) << e.what();
    }
}

// The rate engine's checkpoint keeps the voltages of voltage-state units (spec S13: V is the state,
// ρ = σ_β(V − T) derived), so a restored engine continues its next trial bit-identically.
TEST(LowrankRate, CheckpointRestoresTheVoltagesOfVoltageStateUnits) {
    const auto m = fig10d(400, 50.0);
    auto make = [&] {
        auto e = std::make_unique<engine::rate_engine>(lowrank::lower_rate(m), 1, 0);
        for (std::size_t q = 0; q < e->network().projections.size(); ++q) {
            const auto& pr = e->network().projections[q];
            const auto w = lowrank::rate_weights(m, pr.post, pr.pre);
            std::copy(w.begin(), w.end(), e->weights(q));
        }
        return e;
    };
    auto pa = make();
    auto& a = *pa;
    a.run(150, nullptr, 1);
    plasticity::trial_results res;
    res.measured.assign(1, {});
    res.lowpassed.assign(1, {});
    res.unit_lowpass.assign(1, std::vector<double>(50, 0.0));
    res.weights.assign(a.network().projections.size(), std::vector<double>(1, 0.0));
    res.first_sustained = {0};
    const auto dir = std::filesystem::temp_directory_path() / ("einet_rate_ckpt_" + std::to_string(::getpid()));
    config::save_trial_checkpoint(dir, a, res);
    auto pb = make();
    auto& b = *pb;
    config::restore_trial_checkpoint(dir, b);
    std::filesystem::remove_all(dir);
    ASSERT_NE(b.voltages(0), nullptr);
    for (std::size_t i = 0; i < 50; ++i) ASSERT_EQ(a.voltages(0)[i], b.voltages(0)[i]) << i;
    // The trial study checkpoints between trials: both continue with a new segment (trial).
    for (auto* e : {&a, &b}) {
        e->begin_segment(false);
        e->run(200, nullptr, 1);
    }
    for (std::size_t i = 0; i < 50; ++i) {
        EXPECT_EQ(a.voltages(0)[i], b.voltages(0)[i]) << i;
        EXPECT_EQ(a.rates(0)[i], b.rates(0)[i]) << i;
    }
}
