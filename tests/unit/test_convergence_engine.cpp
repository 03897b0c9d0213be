// The engine features paper 003's convergence studies stand on: the exact integrator's joint
// (current, V) noise, Brownian paths coupled across step sizes, interpolated spike times and
// crossing speeds, and the path ensemble.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "einet/analysis/convergence_run.hpp"
#include "einet/analysis/coupled_brownian.hpp"
#include "einet/analysis/lyapunov.hpp"
#include "einet/analysis/path_ensemble.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace {

using namespace einet;
using network::integrator;
using network::kinetics;

// Spec 003 §1.2 in τ_m units: τ_m dv = (−v + μ + s) dt, ds = −s/τ_s dt + σ dW, V_th 1, V_r 0.
network::spiking_network noisy_lif(std::size_t n, double mu, double sigma, double v_th = 1.0, double tau_s = 0.25) {
    network::spiking_network net;
    auto pop = network::spiking_population::uniform("L", n, true, 1.0, 0.0, v_th, 0.0, 0.0, 1.0, mu);
    pop.receptors = {{"syn", kinetics::exponential, tau_s, sigma}};
    net.populations = {pop};
    return net;
}

double mean(const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size()); }
double variance(const std::vector<double>& x) {
    const double m = mean(x);
    double s = 0;
    for (double v : x) s += (v - m) * (v - m);
    return s / static_cast<double>(x.size() - 1);
}

TEST(ExactNoise, StationaryVoltageVarianceMatchesTheContinuousSystemAtACoarseStep) {
    // dV = (−V + s) dt, ds = −b s dt + σ dW: Var V = σ²/(2b(1 + b)) (a = 1). The exact integrator must
    // reproduce it at any h — here h = τ_m/2 — because V receives the noise that enters s within
    // the step; dropping that share would give a smaller variance.
    const double sigma = 1.0, tau_s = 0.25, b = 1.0 / tau_s;
    auto net = noisy_lif(40000, 0.0, sigma, 1e9, tau_s);
    net.dt = 0.5;
    net.method = integrator::exact;
    engine::spiking_engine e(net, 7);
    e.run(40, nullptr, 1);  // 20 τ_m: stationary
    std::vector<double> V(e.V(0), e.V(0) + 40000), s(e.receptor_current(0, 0), e.receptor_current(0, 0) + 40000);
    const double expected_v = sigma * sigma / (2 * b * (1 + b));
    EXPECT_NEAR(variance(V) / expected_v, 1.0, 0.03);
    EXPECT_NEAR(variance(s) / (sigma * sigma / (2 * b)), 1.0, 0.03);
    // Cov(V, s) = σ²/(2b(1 + b)) as well (a = 1): the joint law, not only the marginals.
    double cov = 0;
    const double mv = mean(V), ms = mean(s);
    for (std::size_t i = 0; i < V.size(); ++i) cov += (V[i] - mv) * (s[i] - ms);
    cov /= static_cast<double>(V.size() - 1);
    EXPECT_NEAR(cov / (sigma * sigma / (2 * b * (1 + b))), 1.0, 0.04);
}

TEST(ExactNoise, StepNoiseCoefficientsAgreeWithTheClosedForm) {
    // Spec 003 §2: K(u) = a(e^{−bu} − e^{−au})/(a − b); Var ξ_I, Cov(ξ_I, ξ_v), Var ξ_v.
    const double a = 1.0, b = 4.0, h = 0.3, sigma = 0.7;
    const auto k = engine::exact_step_noise(1.0, 1.0 / b, 1.0, sigma, h);
    const double vI = (1 - std::exp(-2 * b * h)) / (2 * b);
    const double cIv = a / (a - b) * ((1 - std::exp(-2 * b * h)) / (2 * b) - (1 - std::exp(-(a + b) * h)) / (a + b));
    const double vv = std::pow(a / (a - b), 2) *
                      ((1 - std::exp(-2 * b * h)) / (2 * b) - 2 * (1 - std::exp(-(a + b) * h)) / (a + b) + (1 - std::exp(-2 * a * h)) / (2 * a));
    EXPECT_NEAR(k.x_sd, sigma * std::sqrt(vI), 1e-14);
    EXPECT_NEAR(k.v_from_x * k.x_sd, sigma * sigma * cIv, 1e-14);
    EXPECT_NEAR(k.v_from_x * k.v_from_x + k.v_own_sd * k.v_own_sd, sigma * sigma * vv, 1e-14);
}

// Runs `net` (no spikes: V_th huge) at step h_fine·ratio with shared increments; returns (V, s) at T.
std::pair<std::vector<double>, std::vector<double>> coupled_end_state(network::spiking_network net, double h_fine, std::size_t ratio,
                                                                      std::size_t max_ratio, integrator method, std::size_t fine_steps) {
    analysis::coupled_brownian noise(net, h_fine, max_ratio, true, 11);
    net.dt = h_fine * static_cast<double>(ratio);
    net.method = method;
    auto source = noise.level(ratio, method);
    engine::spiking_engine e(net, 11);
    e.set_noise_source(source.get());
    const std::size_t chunk = 64;
    for (std::size_t first = 0; first < fine_steps; first += chunk) {
        noise.draw(first, chunk, 2);
        e.run(chunk / ratio, nullptr, 1);
    }
    const std::size_t n = net.populations[0].n;
    return {{e.V(0), e.V(0) + n}, {e.receptor_current(0, 0), e.receptor_current(0, 0) + n}};
}

TEST(CoupledBrownian, ExactLevelsFollowTheSamePathToRoundOff) {
    // The exact transition is exact at every step size, and the coarse stochastic integrals are the
    // fine ones aggregated: the end state of one path is the same at h, 2h, ..., 16h.
    auto net = noisy_lif(64, 0.3, 1.0, 1e9);
    const auto fine = coupled_end_state(net, 1.0 / 64, 1, 16, integrator::exact, 512);
    for (std::size_t ratio : {2, 4, 16}) {
        const auto coarse = coupled_end_state(net, 1.0 / 64, ratio, 16, integrator::exact, 512);
        for (std::size_t i = 0; i < 64; ++i) {
            EXPECT_NEAR(coarse.first[i], fine.first[i], 1e-12) << "ratio " << ratio;
            EXPECT_NEAR(coarse.second[i], fine.second[i], 1e-12) << "ratio " << ratio;
        }
    }
}

TEST(CoupledBrownian, EulerMaruyamaConvergesPathwiseWithOrderOneBetweenSpikes) {
    // Additive noise, linear dynamics: EM's strong error against the exact path is O(h).
    auto net = noisy_lif(2000, 0.3, 1.0, 1e9);
    const auto exact = coupled_end_state(net, 1.0 / 256, 1, 16, integrator::exact, 1024);
    std::vector<double> err;
    for (std::size_t ratio : {4, 8, 16}) {
        const auto em = coupled_end_state(net, 1.0 / 256, ratio, 16, integrator::euler_maruyama, 1024);
        double s = 0;
        for (std::size_t i = 0; i < 2000; ++i) s += std::pow(em.first[i] - exact.first[i], 2);
        err.push_back(std::sqrt(s / 2000));
    }
    for (std::size_t k = 0; k + 1 < err.size(); ++k) EXPECT_NEAR(std::log2(err[k + 1] / err[k]), 1.0, 0.15);
}

TEST(InterpolatedSpikes, DeterministicPeriodIsExactAndEulerIsFirstOrder) {
    // Spec 003 P4: μ = 1.5, σ = 0, v(0) = 0: period τ_m ln 3; EM at h = 2^-6 fires at 70 h (§2).
    auto net = noisy_lif(1, 1.5, 0.0);
    net.dt = 1.0 / 64;
    for (auto method : {integrator::exact_interpolated, integrator::euler_maruyama}) {
        net.method = method;
        engine::spiking_engine e(net, 1);
        e.set_record_crossings(true);
        std::vector<double> t, A;
        struct hook : engine::spike_hook {
            std::vector<double>& t;
            std::vector<double>& A;
            hook(std::vector<double>& t_, std::vector<double>& A_) : t(t_), A(A_) {}
            void on_step(engine::spiking_engine& en) override {
                for (std::size_t k = 0; k < en.spikes(0).size(); ++k) {
                    t.push_back(en.time() - en.spike_lags(0)[k]);
                    A.push_back(en.crossing_speeds(0)[k]);
                }
            }
        } h(t, A);
        e.run(640, &h, 1);
        ASSERT_EQ(t.size(), 9u);
        for (std::size_t k = 0; k < t.size(); ++k) {
            if (method == integrator::exact_interpolated) {
                EXPECT_NEAR(t[k], static_cast<double>(k + 1) * std::log(3.0), 1e-9);
                EXPECT_NEAR(A[k], 0.5, 1e-7);  // A = I − I_th = 1.5 − 1; the interpolant's slope is O(h³) off
            } else {
                EXPECT_DOUBLE_EQ(t[k], static_cast<double>(70 * (k + 1)) / 64);  // the grid time of spec 003 §2
                EXPECT_NEAR(A[k], 0.5, 1e-12);  // I^{n+1} − I_th with a constant current
            }
        }
    }
}

TEST(ExactIntegrator, LinearDynamicsAtRoundOffForAnyStep) {
    // Before the first spike v(t) = 1.5(1 − e^{−t}) (P4, σ = 0); the propagator is exact.
    for (double h : {1.0 / 8, 1.0 / 64, 1.0 / 512}) {
        auto net = noisy_lif(1, 1.5, 0.0);
        net.dt = h;
        net.method = integrator::exact;
        engine::spiking_engine e(net, 1);
        const auto steps = static_cast<std::size_t>(1.0 / h);
        e.run(steps, nullptr, 1);
        // Round-off only: a few ulps per step.
        EXPECT_NEAR(e.V(0)[0], 1.5 * (1 - std::exp(-1.0)), 4e-16 * static_cast<double>(steps)) << "h " << h;
    }
}

TEST(PathEnsemble, CopiesAreIndependentPathsOfTheSameNetwork) {
    network::spiking_network net = noisy_lif(3, 1.1, 1.0);
    net.populations.push_back(net.populations[0]);
    net.populations[1].name = "M";
    network::spiking_projection pr;
    pr.pre = 0;
    pr.post = 1;
    pr.synapses = network::all_to_all(3, 3, true);
    for (auto& w : pr.synapses.weight) w = 0.3f;
    for (auto& d : pr.synapses.delay_steps) d = 0;
    net.projections.push_back(pr);
    const auto big = analysis::replicate_paths(net, 5);
    ASSERT_EQ(big.populations[1].n, 15u);
    ASSERT_EQ(big.projections[0].synapses.size(), 45u);
    for (std::size_t j = 0; j < 15; ++j) {  // every synapse stays inside its path
        for (auto k = big.projections[0].synapses.row_begin(j); k < big.projections[0].synapses.row_end(j); ++k) {
            EXPECT_EQ(big.projections[0].synapses.target[k] / 3, j / 3);
        }
    }
    const analysis::path_layout layout(net);
    EXPECT_EQ(layout.neurons, 6u);
    EXPECT_EQ(layout.offset[1], 3u);
}

}  // namespace

namespace {

TEST(Lyapunov, PeriodicFiringIsNeutralAndNoiseMakesItStable) {
    // Constant drive (σ = 0): the orbit is periodic, e^{−T_p/τ_m}·κ = 1, so λ_v = 0 three ways
    // (spec 003 §4.2). With P1's noise λ_v = −0.480 (spec §7.2, measured by the spec's own code).
    einet::analysis::lyapunov_plan plan;
    plan.net = noisy_lif(1, 1.5, 0.0);
    plan.paths = 8;
    plan.dt = 1.0 / 512;
    plan.burn_in = 2;
    plan.duration = 30;
    plan.V0 = {{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}};
    auto r = einet::analysis::estimate_lyapunov(plan);
    EXPECT_NEAR(r.saltation.mean, 0.0, 0.005);
    EXPECT_NEAR(r.divergence.mean, 0.0, 0.005);
    EXPECT_NEAR(r.formula_per_neuron[0], 0.0, 0.005);

    plan.net = noisy_lif(1, 1.1, 1.0);
    plan.paths = 150;
    plan.V0.clear();
    plan.duration = 40;
    r = einet::analysis::estimate_lyapunov(plan);
    EXPECT_NEAR(r.saltation.mean, -0.480, 4 * r.saltation.standard_error + 0.005);
    EXPECT_NEAR(r.divergence.mean, r.saltation.mean, 0.1 * std::abs(r.saltation.mean));
}

}  // namespace

namespace {

TEST(InterpolatedSpikes, SynapticArrivalsInsideTheStepAreIntegratedExactly) {
    // Pre: μ = 1.5, σ = 0 fires at k·ln 3 (τ_m = 1). Post (subthreshold) gets W through an
    // exponential synapse, τ_s = 0.25: V(t) = Σ_k W (e^{−(t−t_k)} − e^{−4(t−t_k)})/3 exactly. With
    // exact_interpolated the arrival inside the step is integrated (spec 003 §4.4 step 3), so V
    // matches at any step; on the grid it is off by O(h·W).
    const double W = 0.3, T = 5.0;
    double analytic = 0;
    for (int k = 1; k * std::log(3.0) < T; ++k) {
        const double u = T - k * std::log(3.0);
        analytic += W * (std::exp(-u) - std::exp(-4 * u)) / 3.0;
    }
    for (auto method : {integrator::exact_interpolated, integrator::exact}) {
        auto net = noisy_lif(1, 1.5, 0.0);
        auto post = network::spiking_population::uniform("post", 1, true, 1.0, 0.0, 1e9, 0.0, 0.0, 1.0, 0.0);
        post.receptors = {{"syn", kinetics::exponential, 0.25, 0.0}};
        net.populations.push_back(post);
        network::spiking_projection pr;
        pr.pre = 0;
        pr.post = 1;
        pr.synapses = network::all_to_all(1, 1, true);
        pr.synapses.weight[0] = static_cast<float>(W);
        pr.synapses.delay_steps[0] = 0;
        net.projections.push_back(pr);
        net.dt = 1.0 / 64;
        net.method = method;
        engine::spiking_engine e(net, 1);
        e.run(static_cast<std::size_t>(T * 64), nullptr, 1);
        if (method == integrator::exact_interpolated) {
            EXPECT_NEAR(e.V(1)[0], analytic, 1e-8);
        } else {
            EXPECT_GT(std::abs(e.V(1)[0] - analytic), 1e-4);  // the grid delivery's O(h) error is visible
        }
    }
}

}  // namespace
