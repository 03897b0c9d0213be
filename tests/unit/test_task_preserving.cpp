// The continuous-time RNN and its task-preserving transformation π_h (paper 004 Eq. 4, Prop. 1;
// spec 004 §1): outputs agree to rounding, hidden states differ by e^{−h}, the spectrum and cycle
// products of J, the gains and ΔS = ΔC hold (spec §2.1).
#include <gtest/gtest.h>

#include <cmath>

#include "balancing_test_networks.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/rnn_integrators.hpp"
#include "einet/network/relu_rnn.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

using namespace einet;
using engine::sequence;

namespace {

sequence random_inputs(Eigen::Index n_in, std::size_t steps, Eigen::Index batch, std::uint32_t stream) {
    sequence u;
    for (std::size_t k = 0; k < steps; ++k) u.push_back(fixtures::normal_matrix(n_in, batch, 1.0, stream + static_cast<std::uint32_t>(k), 11));
    return u;
}

double max_relative(const sequence& a, const sequence& b) {
    double worst = 0.0;
    for (std::size_t k = 0; k < a.size(); ++k)
        worst = std::max(worst, (a[k] - b[k]).cwiseAbs().maxCoeff() / std::max(1e-300, a[k].cwiseAbs().maxCoeff()));
    return worst;
}

}  // namespace

TEST(task_preserving, outputs_agree_and_states_scale_by_exp_minus_h) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        auto net = fixtures::random_rnn(24, 3, 2, seed);
        const Eigen::VectorXd h = fixtures::normal_matrix(24, 1, 1.0, 9, seed);
        const auto moved = network::task_preserving_transform(net, h);
        const auto u = random_inputs(3, 30, 4, 100);
        std::vector<Eigen::MatrixXd> x0, x1;
        const auto y0 = engine::run_held_input(net, u, {}, [&](std::size_t, const Eigen::MatrixXd& x) { x0.push_back(x); });
        const auto y1 = engine::run_held_input(moved, u, {}, [&](std::size_t, const Eigen::MatrixXd& x) { x1.push_back(x); });
        EXPECT_LT(max_relative(y0, y1), 1e-12) << "seed " << seed;
        const Eigen::VectorXd scale = (-h.array()).exp().matrix();
        double worst = 0.0;
        for (std::size_t k = 0; k < x0.size(); ++k)
            worst = std::max(worst, (scale.asDiagonal() * x0[k] - x1[k]).cwiseAbs().maxCoeff() / x1[k].cwiseAbs().maxCoeff());
        EXPECT_LT(worst, 1e-12);
        // The noise-free Euler–Maruyama integrator preserves the task step by step too.
        engine::noisy_options opt;
        EXPECT_LT(max_relative(engine::run_euler_maruyama(net, u, opt), engine::run_euler_maruyama(moved, u, opt)), 1e-12);
    }
}

TEST(task_preserving, noise_breaks_the_equivalence) {
    auto net = fixtures::random_rnn(16, 2, 1, 4);
    const Eigen::VectorXd h = fixtures::normal_matrix(16, 1, 1.0, 9, 4);
    const auto u = random_inputs(2, 40, 2, 300);
    engine::noisy_options opt;
    opt.noise = 0.2;
    const auto y0 = engine::run_euler_maruyama(net, u, opt);
    const auto y1 = engine::run_euler_maruyama(network::task_preserving_transform(net, h), u, opt);
    EXPECT_GT(max_relative(y0, y1), 1e-3);
    // Same seed and trial index: the same noise (reproducibility).
    EXPECT_EQ(max_relative(y0, engine::run_euler_maruyama(net, u, opt)), 0.0);
}

TEST(task_preserving, degree_k_generalisation) {
    auto net = fixtures::random_rnn(12, 2, 2, 5);
    net.J *= 0.3;
    net.phi = network::rnn_nonlinearity::rectified_power;
    net.power = 2.0;
    const Eigen::VectorXd h = 0.5 * fixtures::normal_matrix(12, 1, 1.0, 9, 5);
    const auto u = random_inputs(2, 20, 3, 500);
    const auto moved = network::task_preserving_transform(net, h);
    EXPECT_LT(max_relative(engine::run_held_input(net, u), engine::run_held_input(moved, u)), 1e-12);
    // With k = 2 the degree-1 transform would not preserve the task.
    auto wrong = net;
    wrong.power = 1.0;
    auto moved_wrong = network::task_preserving_transform(wrong, h);
    moved_wrong.power = 2.0;
    EXPECT_GT(max_relative(engine::run_held_input(net, u), engine::run_held_input(moved_wrong, u)), 1e-4);
}

TEST(task_preserving, spectrum_cycles_signs_and_gains_are_kept) {
    auto net = fixtures::random_rnn(10, 2, 1, 6);
    const Eigen::VectorXd h = fixtures::normal_matrix(10, 1, 1.0, 9, 6);
    const auto moved = network::task_preserving_transform(net, h);
    // Spectrum: traces of powers (sums of eigenvalue powers) agree.
    Eigen::MatrixXd a = net.J, b = moved.J;
    for (int k = 1; k <= 6; ++k) {
        EXPECT_NEAR(a.trace(), b.trace(), 1e-11 * std::max(1.0, std::abs(a.trace()))) << "power " << k;
        a = a * net.J;
        b = b * moved.J;
    }
    EXPECT_NEAR(net.J(1, 4) * net.J(4, 7) * net.J(7, 1), moved.J(1, 4) * moved.J(4, 7) * moved.J(7, 1), 1e-14);
    EXPECT_TRUE(((net.J.array() > 0) == (moved.J.array() > 0)).all());
    EXPECT_TRUE((net.J.diagonal() - moved.J.diagonal()).cwiseAbs().maxCoeff() < 1e-15);
}

TEST(task_preserving, sensitivity_changes_exactly_as_the_cost) {
    // Spec §2.1: gains are invariant on the manifold, so ΔS = ΔC for the robustness cost.
    auto net = fixtures::random_rnn(20, 3, 2, 8);
    const auto u = random_inputs(3, 50, 6, 700);
    auto gains = [&](const network::relu_rnn& n) {
        Eigen::VectorXd mu = Eigen::VectorXd::Zero(n.size());
        double count = 0;
        engine::run_euler_maruyama(n, u, {}, [&](std::size_t, const Eigen::MatrixXd& x) {
            mu += engine::apply_phi_prime(n, x).rowwise().sum();
            count += static_cast<double>(x.cols());
        });
        return Eigen::VectorXd(mu / count);
    };
    const Eigen::VectorXd mu = gains(net);
    const Eigen::VectorXd h = fixtures::normal_matrix(20, 1, 0.5, 9, 8);
    const auto moved = network::task_preserving_transform(net, h);
    EXPECT_LT((gains(moved) - mu).cwiseAbs().maxCoeff(), 1e-15);
    const auto alpha = plasticity::robustness_alpha(mu, 20);
    const double dC = plasticity::power_law_costs(moved.J, alpha, 2).sum() - plasticity::power_law_costs(net.J, alpha, 2).sum();
    const double dS = plasticity::sensitivity(moved.J, mu, mu) - plasticity::sensitivity(net.J, mu, mu);
    EXPECT_NEAR(dS, dC, 1e-10 * std::abs(dC));
}

TEST(task_preserving, bad_input_names_the_key) {
    auto net = fixtures::random_rnn(5, 2, 1, 1);
    auto expect_error = [](auto&& f, const std::string& key) {
        try {
            f();
            ADD_FAILURE() << "no error for " << key;
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
        }
    };
    auto bad = net;
    bad.J = Eigen::MatrixXd::Zero(5, 4);
    expect_error([&] { network::check_shapes(bad, "network."); }, "network.J");
    bad = net;
    bad.W_in = Eigen::MatrixXd::Zero(4, 2);
    expect_error([&] { network::check_shapes(bad, "network."); }, "network.W_in");
    bad = net;
    bad.W_out = Eigen::MatrixXd::Zero(1, 6);
    expect_error([&] { network::check_shapes(bad, "network."); }, "network.W_out");
    bad = net;
    bad.phi = network::rnn_nonlinearity::tanh;
    expect_error([&] { network::task_preserving_transform(bad, Eigen::VectorXd::Zero(5)); }, "nonlinearity");
    expect_error([&] { plasticity::power_law_costs(net.J, Eigen::MatrixXd::Ones(5, 5), 0.0); }, "balancing.p");
    expect_error([&] { plasticity::power_law_costs(net.J, -Eigen::MatrixXd::Ones(5, 5), 2.0); }, "balancing.alpha");
    Eigen::MatrixXd nan_alpha = Eigen::MatrixXd::Ones(5, 5);
    nan_alpha(1, 2) = std::nan("");
    expect_error([&] { plasticity::power_law_costs(net.J, nan_alpha, 2.0); }, "balancing.alpha");
    expect_error([&] { plasticity::power_law_costs(Eigen::MatrixXd::Ones(5, 4), Eigen::MatrixXd::Ones(5, 4), 2.0); }, "balancing.J");
}

TEST(task_preserving, noisy_integrator_is_bit_identical_for_any_thread_count) {
    // 150 trials: two full 64-trial chunks and a partial one. Each trial's noise depends on its
    // global index only, so a trial run alone (first_trial set) follows the same path.
    auto net = fixtures::random_rnn(30, 3, 2, 12);
    const auto u = random_inputs(3, 40, 150, 900);
    engine::noisy_options opt;
    opt.noise = 0.3;
    opt.seed = 5;
    const auto one = engine::run_euler_maruyama(net, u, opt);
    for (int threads : {2, 3}) {
        opt.threads = threads;
        EXPECT_EQ(max_relative(one, engine::run_euler_maruyama(net, u, opt)), 0.0) << threads << " threads";
    }
    sequence single;
    for (const auto& m : u) single.push_back(m.col(100));
    opt.first_trial = 100;
    const auto alone = engine::run_euler_maruyama(net, single, opt);
    double worst = 0.0, peak = 0.0;
    for (std::size_t k = 0; k < u.size(); ++k) {
        worst = std::max(worst, (alone[k].col(0) - one[k].col(100)).cwiseAbs().maxCoeff());
        peak = std::max(peak, one[k].col(100).cwiseAbs().maxCoeff());
    }
    EXPECT_LE(worst, 1e-12 * peak);
}
