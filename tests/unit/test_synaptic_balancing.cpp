// Synaptic balancing (paper 004 Eqs. 12–48; spec 004 §2, §4, §5): the flow's invariants, its
// equilibrium by Newton, the closed forms, the heat-equation approximation, the bounds and the
// 12-neuron ring of Fig. 5.
#include <gtest/gtest.h>

#include <cmath>

#include "balancing_test_networks.hpp"
#include "einet/analysis/balancing_theory.hpp"
#include "einet/core/error.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

using namespace einet;
using plasticity::balance_options;

namespace {

Eigen::MatrixXd random_costs(Eigen::Index n, std::uint32_t stream, std::uint64_t seed = 3) {
    // Log-normal positive costs: a strongly connected, unbalanced cost graph.
    return fixtures::normal_matrix(n, n, 1.0, stream, seed).array().exp().matrix();
}

// Fig. 5 setup: ring with synapse A = J[1,0] (0 → 1) at cost 3.
Eigen::MatrixXd perturbed_ring() {
    Eigen::MatrixXd c = fixtures::ring_costs(12);
    c(1, 0) = 3.0;
    return c;
}

}  // namespace

TEST(synaptic_balancing, flow_descends_with_dC_dt_equal_minus_p_g2_and_conserves_sum_h) {
    for (double p : {2.0, 1.0, 3.0}) {
        const Eigen::MatrixXd c0 = random_costs(30, 1);
        balance_options opt;
        opt.t_end = 0.05;  // the flow converges by t ≈ 0.2 for these costs
        opt.tolerance = 0.0;
        for (int k = 1; k <= 400; ++k) opt.record_times.push_back(0.05 * k / 400.0);
        const auto r = plasticity::balance_flow(c0, p, opt);
        ASSERT_EQ(r.t_rec.size(), 401u);
        for (std::size_t k = 1; k < r.t_rec.size(); ++k) {
            EXPECT_LE(r.cost_rec[k], r.cost_rec[k - 1] * (1 + 1e-14)) << "t " << r.t_rec[k];
            EXPECT_LE(r.grad_rec[k], r.grad_rec[k - 1] * (1 + 1e-12)) << "t " << r.t_rec[k];
            EXPECT_LT(std::abs(r.h_rec[k].sum()), 1e-11);
        }
        // dC/dt = −p‖g‖²: C(t_a) − C(t_b) against p∫‖g‖² (Simpson on the record grid).
        double integral = 0.0;
        const double dt = r.t_rec[1] - r.t_rec[0];
        for (std::size_t k = 0; k + 2 < r.t_rec.size(); k += 2)
            integral += dt / 3.0 * (std::pow(r.grad_rec[k], 2) + 4 * std::pow(r.grad_rec[k + 1], 2) + std::pow(r.grad_rec[k + 2], 2));
        EXPECT_NEAR(r.cost_rec.front() - r.cost_rec.back(), p * integral, 1e-6 * p * integral) << "p " << p;
        // Pointwise: fourth-order central difference at one time.
        const std::size_t m = 200;
        const auto& C = r.cost_rec;
        const double dCdt = (-C[m + 2] + 8 * C[m + 1] - 8 * C[m - 1] + C[m - 2]) / (12 * dt);
        EXPECT_NEAR(dCdt, -p * r.grad_rec[m] * r.grad_rec[m], 1e-6 * p * r.grad_rec[m] * r.grad_rec[m]);
    }
}

TEST(synaptic_balancing, flow_and_newton_reach_the_same_balanced_equilibrium) {
    const Eigen::MatrixXd c0 = random_costs(40, 2);
    const auto newton = plasticity::balance_newton(c0, 2.0);
    for (auto m : {ode::method::dop853, ode::method::dopri5}) {
        balance_options opt;
        opt.integrator = m;
        const auto flow = plasticity::balance_flow(c0, 2.0, opt);
        ASSERT_TRUE(flow.converged && newton.converged && flow.strongly_connected);
        EXPECT_LT((flow.h - newton.h).cwiseAbs().maxCoeff(), 1e-8);
        EXPECT_NEAR(flow.cost, newton.cost, 1e-12 * newton.cost);
    }
    // Balance condition (21): incoming = outgoing cost of every neuron.
    const auto c = plasticity::costs_at(c0, newton.h, 2.0);
    EXPECT_LT((c.rowwise().sum() - c.colwise().sum().transpose()).norm(), 1e-9 * c.sum());
    EXPECT_LT(std::abs(newton.h.sum()), 1e-10);
}

TEST(synaptic_balancing, two_neuron_closed_form_both_branches) {
    for (auto [c12, c21] : {std::pair{1.0, 4.0}, std::pair{4.0, 1.0}, std::pair{0.3, 0.7}}) {
        Eigen::MatrixXd c0 = Eigen::MatrixXd::Zero(2, 2);
        c0(0, 1) = c12;
        c0(1, 0) = c21;
        balance_options opt;
        opt.t_end = 1.0;
        opt.record_times = {0.05, 0.1, 0.2, 0.5, 1.0};
        for (double p : {2.0, 1.0}) {
            const auto r = plasticity::balance_flow(c0, p, opt);
            for (std::size_t k = 1; k < r.t_rec.size(); ++k) {
                const auto c = plasticity::costs_at(c0, r.h_rec[k], p);
                const auto [e12, e21] = analysis::two_neuron_costs(c12, c21, p, r.t_rec[k]);
                EXPECT_NEAR(c(0, 1), e12, 1e-8) << c12 << " " << c21 << " p " << p << " t " << r.t_rec[k];
                EXPECT_NEAR(c(1, 0), e21, 1e-8);
            }
        }
    }
    // Fig. 3f: the finite minimiser h₂ − h₁ = ln(c⁰_21/c⁰_12)/(2p) = ln 4 / 4 for costs 1 and 4.
    Eigen::MatrixXd c0 = Eigen::MatrixXd::Zero(2, 2);
    c0(0, 1) = 1.0;
    c0(1, 0) = 4.0;
    const auto eq = plasticity::balance_newton(c0, 2.0);
    EXPECT_NEAR(eq.h(1) - eq.h(0), std::log(4.0) / 4.0, 1e-10);
    EXPECT_NEAR(eq.cost, 4.0, 1e-10);  // C* = 2ĉ = 4 (Fig. 3j)
}

TEST(synaptic_balancing, single_synapse_decays_algebraically_with_a_warning) {
    Eigen::MatrixXd c0 = Eigen::MatrixXd::Zero(2, 2);
    c0(0, 1) = 1.0;
    balance_options opt;
    opt.record_times = {0.5, 1, 2, 5, 100};
    const auto r = plasticity::balance_flow(c0, 2.0, opt);
    EXPECT_FALSE(r.strongly_connected);
    EXPECT_FALSE(r.converged);
    EXPECT_NE(r.warning.find("not strongly connected"), std::string::npos);
    EXPECT_DOUBLE_EQ(r.t, opt.no_equilibrium_horizon);
    for (std::size_t k = 1; k < r.t_rec.size(); ++k)
        EXPECT_NEAR(plasticity::costs_at(c0, r.h_rec[k], 2.0)(0, 1), analysis::single_synapse_cost(1.0, 2.0, r.t_rec[k]), 1e-8);
    // Newton has no minimiser to find: it falls back to the flow and says so.
    EXPECT_FALSE(plasticity::balance_newton(c0, 2.0).warning.empty());
}

TEST(synaptic_balancing, connectivity_check_finds_units_outside) {
    Eigen::MatrixXd c = fixtures::ring_costs(6);
    EXPECT_TRUE(plasticity::cost_graph_connectivity(c).strongly_connected);
    c.col(3).setZero();  // unit 3 has no outgoing cost (a unit with zero gain)
    c(3, 3) = 1.0;       // autapses do not connect
    const auto r = plasticity::cost_graph_connectivity(c);
    EXPECT_FALSE(r.strongly_connected);
    ASSERT_EQ(r.unreached.size(), 1u);
    EXPECT_EQ(r.unreached[0], 3);
}

TEST(synaptic_balancing, bounds_hold_on_300_random_cost_matrices) {
    for (std::uint32_t trial = 0; trial < 300; ++trial) {
        const Eigen::Index n = 2 + trial % 9;
        Eigen::MatrixXd c0 = fixtures::normal_matrix(n, n, 1.5, trial, 21).array().exp().matrix();
        const auto b = analysis::optimal_cost_bounds(c0);
        const double C_star = plasticity::balance_newton(c0, 1.0 + trial % 3, {}).cost;
        EXPECT_LE(b.lower, C_star * (1 + 1e-10)) << "trial " << trial;  // (42)
        EXPECT_LE(C_star, b.upper_tight * (1 + 1e-12)) << "trial " << trial;
        EXPECT_LE(b.upper_tight, b.upper * (1 + 1e-12));  // (41) is the weaker one
    }
    // Equality of (42) for rank-one costs a bᵀ: C* = (Σ √(a_i b_i))².
    const Eigen::VectorXd a = fixtures::normal_matrix(9, 1, 1.0, 400, 5).array().exp().matrix();
    const Eigen::VectorXd bv = fixtures::normal_matrix(9, 1, 1.0, 401, 5).array().exp().matrix();
    const Eigen::MatrixXd rank1 = a * bv.transpose();
    const double C_star = plasticity::balance_newton(rank1, 2.0).cost;
    EXPECT_NEAR(C_star, std::pow((a.array() * bv.array()).sqrt().sum(), 2), 1e-10 * C_star);
    EXPECT_NEAR(analysis::optimal_cost_bounds(rank1).lower, C_star, 1e-10 * C_star);
}

TEST(synaptic_balancing, ring_of_twelve_matches_spec_reference) {
    const Eigen::MatrixXd c0 = perturbed_ring();
    EXPECT_NEAR(plasticity::neural_gradient(c0).norm(), 2 * std::sqrt(2.0), 1e-14);
    const auto r = plasticity::balance_newton(c0, 2.0);
    ASSERT_TRUE(r.converged && r.strongly_connected);
    EXPECT_NEAR(r.cost, 25.49017, 1e-5);
    const auto b = analysis::optimal_cost_bounds(c0);
    EXPECT_NEAR(b.lower, 25.46410, 1e-5);
    EXPECT_NEAR(b.upper, 25.96154, 1e-5);
    const auto c = plasticity::costs_at(c0, r.h, 2.0);
    EXPECT_NEAR(c(1, 0), 1.78017, 1e-5);   // A
    EXPECT_NEAR(c(0, 1), 1.68524, 1e-5);   // B
    EXPECT_NEAR(c(2, 1), 1.04859, 1e-5);   // C (same direction as A)
    EXPECT_NEAR(c(0, 11), 1.04859, 1e-5);  // E
    EXPECT_NEAR(c(7, 6), 1.04859, 1e-5);   // H
    EXPECT_NEAR(c(1, 2), 0.95366, 1e-5);   // D (opposite direction)
    EXPECT_NEAR(c(11, 0), 0.95366, 1e-5);  // F
    EXPECT_NEAR(c(6, 7), 0.95366, 1e-5);   // G
    const double h_ref[] = {-0.130477, 0.130477, 0.106754, 0.083031, 0.059308, 0.035585, 0.011862, -0.011862};
    for (int i = 0; i < 8; ++i) EXPECT_NEAR(r.h(i), h_ref[i], 1e-6) << "h_" << i;
    // Laplacian spectrum of L⁰ and the relaxation of ‖g‖ along the flow.
    const analysis::heat_approximation heat(analysis::cost_laplacian(c0), plasticity::neural_gradient(c0), 2.0);
    const double lam_ref[] = {0, 0.535898, 0.583264, 2, 2.173490, 4, 4.331406, 6, 6.439123, 7.464102, 7.806024, 10.666693};
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(heat.eigenvalues(i), lam_ref[i], 1e-6);
    balance_options opt;
    opt.t_end = 5;
    opt.record_times = {1, 2, 5};
    const auto flow = plasticity::balance_flow(c0, 2.0, opt);
    EXPECT_NEAR(flow.grad_rec[1], 0.0771, 5e-5);
    EXPECT_NEAR(flow.grad_rec[2], 0.0243, 5e-5);
    EXPECT_NEAR(flow.grad_rec[3], 7.65e-4, 5e-7);
}

TEST(synaptic_balancing, heat_equation_is_accurate_near_equilibrium) {
    // Spec §5.5: balanced ring, one synapse scaled by 1 + η with η = 0.01 (cost × (1+η)²):
    // the frozen-Laplacian solution (39) tracks the exact flow to ~1e-7 against |h| ~ 2e-3.
    Eigen::MatrixXd c0 = fixtures::ring_costs(12);
    c0(1, 0) = std::pow(1.01, 2);
    const analysis::heat_approximation heat(analysis::cost_laplacian(c0), plasticity::neural_gradient(c0), 2.0);
    balance_options opt;
    opt.t_end = 20;
    opt.record_times = {0.1, 0.5, 1, 2, 5, 20};
    const auto r = plasticity::balance_flow(c0, 2.0, opt);
    double worst = 0.0, scale = 0.0;
    for (std::size_t k = 1; k < r.t_rec.size(); ++k) {
        worst = std::max(worst, (r.h_rec[k] - heat.h(r.t_rec[k])).cwiseAbs().maxCoeff());
        scale = std::max(scale, r.h_rec[k].cwiseAbs().maxCoeff());
    }
    EXPECT_LT(worst, 2e-7);
    EXPECT_GT(scale, 1e-3);
    EXPECT_LT((plasticity::balance_newton(c0, 2.0).h - heat.h_star()).cwiseAbs().maxCoeff(), 2e-7);
    // Far from equilibrium (cost 1 → 3) the approximation is only qualitative (≈ 8 %, spec §5.5).
    const Eigen::MatrixXd far = perturbed_ring();
    const analysis::heat_approximation heat_far(analysis::cost_laplacian(far), plasticity::neural_gradient(far), 2.0);
    const auto exact = plasticity::balance_newton(far, 2.0).h;
    const double rel = (exact - heat_far.h_star()).cwiseAbs().maxCoeff() / exact.cwiseAbs().maxCoeff();
    EXPECT_GT(rel, 0.02);
    EXPECT_LT(rel, 0.15);
}

TEST(synaptic_balancing, perturbation_law_tends_to_minus_eleven_over_24) {
    // Eq. 48 on the balanced ring: (1/η) log(J^{*f}_A / J⁰_A) → −c R = −11/24 as η → 0.
    for (double eta : {1e-2, 1e-3, 1e-4}) {
        Eigen::MatrixXd c0 = fixtures::ring_costs(12);
        c0(1, 0) = std::pow(1 + eta, 2);
        const auto r = plasticity::balance_newton(c0, 2.0, [] {
            balance_options o;
            o.tolerance = 1e-13;
            return o;
        }());
        const double measured = (r.h(0) - r.h(1)) / eta;  // log(J^f/J⁰) = h_j − h_i, j = 0 → i = 1
        EXPECT_NEAR(measured, -11.0 / 24.0, 2 * eta) << "eta " << eta;
        if (eta == 1e-2) {
            EXPECT_NEAR(measured, -0.4564, 1e-4);
        }
        EXPECT_NEAR(analysis::perturbation_log_ratio(c0, 1, 0), -11.0 / 24.0, 3 * eta);
    }
}

TEST(synaptic_balancing, lax_dynamics_with_a_user_signal) {
    const Eigen::MatrixXd J0 = fixtures::normal_matrix(15, 15, 1.0, 30, 9);
    // The l2 balancing signal written as a local Lax signal reproduces balance_flow on c = J².
    const plasticity::lax_signal l2 = [](const Eigen::VectorXd& in, const Eigen::VectorXd& out) {
        return in.squaredNorm() - out.squaredNorm();
    };
    balance_options opt;
    opt.t_end = 2.0;
    opt.tolerance = 0.0;
    const auto lax = plasticity::lax_flow(J0, l2, opt);
    const auto bal = plasticity::balance_flow(J0.array().square().matrix(), 2.0, opt);
    EXPECT_LT((lax.h - bal.h).cwiseAbs().maxCoeff(), 1e-7);
    // Another signal (ℓ1 flavour, g_k from |weights|): isospectral, and it reaches g_i = g_j.
    const plasticity::lax_signal l1 = [](const Eigen::VectorXd& in, const Eigen::VectorXd& out) {
        return in.cwiseAbs().sum() - out.cwiseAbs().sum();
    };
    opt.t_end = 200.0;
    opt.tolerance = 1e-9;
    const auto r = plasticity::lax_flow(J0, l1, opt);
    EXPECT_TRUE(r.converged);
    const Eigen::MatrixXd J = (-r.h.array()).exp().matrix().asDiagonal() * J0 * r.h.array().exp().matrix().asDiagonal();
    EXPECT_NEAR(J.trace(), J0.trace(), 1e-10);
    EXPECT_NEAR((J * J * J).trace(), (J0 * J0 * J0).trace(), 1e-8 * std::abs((J0 * J0 * J0).trace()) + 1e-9);
    EXPECT_LT(r.grad_norm, r.grad_norm_initial * 1e-6);
}

TEST(synaptic_balancing, permutation_null_separates_balanced_from_random) {
    const Eigen::MatrixXd c0 = random_costs(50, 40);
    const auto balanced = plasticity::costs_at(c0, plasticity::balance_newton(c0, 2.0).h, 2.0);
    const auto bal = analysis::balance_permutation_null(balanced, 2000, 1);
    const auto raw = analysis::balance_permutation_null(c0, 2000, 1);
    EXPECT_EQ(bal.fraction_below, 0.0);
    EXPECT_LT(bal.grad_norm, 1e-6 * bal.null_mean);
    EXPECT_GT(raw.fraction_below, 0.05);  // an unbalanced random matrix looks like its null
    EXPECT_LT(raw.fraction_below, 0.95);
    EXPECT_EQ(analysis::balance_permutation_null(c0, 200, 5).null_mean,
              analysis::balance_permutation_null(c0, 200, 5).null_mean);
}

TEST(synaptic_balancing, bad_costs_are_refused) {
    Eigen::MatrixXd c = Eigen::MatrixXd::Ones(3, 3);
    c(0, 1) = -1;
    EXPECT_THROW(plasticity::balance_flow(c, 2.0), config_error);
    EXPECT_THROW(plasticity::balance_flow(Eigen::MatrixXd::Ones(3, 3), 0.0), config_error);
    EXPECT_THROW(plasticity::balance_newton(Eigen::MatrixXd::Ones(3, 2), 2.0), config_error);
}

TEST(synaptic_balancing, blocked_sweep_matches_the_cost_matrix_and_ignores_the_thread_count) {
    // N = 600: a full 512-row block and a partial one, large enough for two threads. N = 259: one row
    // block split into two column panels (128 + 131 columns, a 3-column tail), shared by two threads.
    for (const Eigen::Index n : {600, 259}) {
        const auto c0 = random_costs(n, 41);
        const Eigen::VectorXd h = 0.3 * fixtures::normal_matrix(n, 1, 1.0, 42).col(0);
        const Eigen::VectorXd direct = plasticity::neural_gradient(plasticity::costs_at(c0, h, 2.0));
        const Eigen::VectorXd one = plasticity::neural_gradient_at(c0, h, 2.0, 1), two = plasticity::neural_gradient_at(c0, h, 2.0, 2);
        EXPECT_LT((one - direct).norm(), 1e-12 * c0.sum()) << n;
        EXPECT_TRUE(one == two) << n;
    }
    // The flow reuses one view per evaluation: the same bits on one and two threads, and the same
    // equilibrium as Newton's.
    const auto c0 = random_costs(259, 44);
    balance_options one, two;
    two.threads = 2;
    const auto a = plasticity::balance_flow(c0, 2.0, one), b = plasticity::balance_flow(c0, 2.0, two);
    ASSERT_TRUE(a.converged);
    EXPECT_TRUE(a.h == b.h);
    EXPECT_EQ(a.evaluations, b.evaluations);
    EXPECT_LT((a.h - plasticity::balance_newton(c0, 2.0, one).h).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(synaptic_balancing, matrix_free_newton_needs_few_sweeps_and_ignores_the_thread_count) {
    // Dense N = 600 costs: the Laplacian of c + cᵀ is well conditioned, so CG needs a handful of
    // products per Newton step; the result equals the flow's equilibrium and is bit-identical for
    // one and two threads (fixed row blocks).
    const Eigen::MatrixXd c0 = random_costs(600, 43);
    balance_options one, two;
    two.threads = 2;
    const auto a = plasticity::balance_newton(c0, 2.0, one), b = plasticity::balance_newton(c0, 2.0, two);
    ASSERT_TRUE(a.converged);
    EXPECT_TRUE(a.h == b.h);
    EXPECT_LT(a.steps, 100);  // Laplacian products (one sweep over C⁰ each)
    EXPECT_LE(a.grad_norm, 1e-10 * a.cost);
    const auto flow = plasticity::balance_flow(c0, 2.0);
    EXPECT_LT((flow.h - a.h).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(synaptic_balancing, bit_set_connectivity_agrees_with_a_plain_search_beyond_one_word) {
    // Sparse random graphs on 150 units (three 64-bit words, the last partial) against a plain
    // reachability search from unit 0 in both directions.
    for (std::uint32_t draw = 0; draw < 20; ++draw) {
        const Eigen::Index n = 150;
        const Eigen::MatrixXd u = fixtures::normal_matrix(n, n, 1.0, 50 + draw);
        Eigen::MatrixXd c = (u.array() > 2.3).cast<double>().matrix();  // ≈ 1 % of the edges
        for (Eigen::Index i = 0; i + 1 < n; i += 2) c(i + 1, i) = 1.0;  // some structure to connect
        auto reach = [&](bool forward) {
            std::vector<char> seen(static_cast<std::size_t>(n), 0);
            std::vector<Eigen::Index> stack{0};
            seen[0] = 1;
            while (!stack.empty()) {
                const auto v = stack.back();
                stack.pop_back();
                for (Eigen::Index w = 0; w < n; ++w)
                    if (w != v && (forward ? c(w, v) : c(v, w)) > 0.0 && !seen[static_cast<std::size_t>(w)]) {
                        seen[static_cast<std::size_t>(w)] = 1;
                        stack.push_back(w);
                    }
            }
            return seen;
        };
        const auto fwd = reach(true), bwd = reach(false);
        std::vector<Eigen::Index> expected;
        for (Eigen::Index i = 0; i < n; ++i)
            if (!fwd[static_cast<std::size_t>(i)] || !bwd[static_cast<std::size_t>(i)]) expected.push_back(i);
        const auto r = plasticity::cost_graph_connectivity(c);
        EXPECT_EQ(r.unreached, expected) << "draw " << draw;
        EXPECT_EQ(r.strongly_connected, expected.empty());
    }
    // A 130-unit ring is strongly connected until one unit loses its outgoing synapses.
    Eigen::MatrixXd ring = fixtures::ring_costs(130);
    EXPECT_TRUE(plasticity::cost_graph_connectivity(ring).strongly_connected);
    ring.col(100).setZero();
    EXPECT_EQ(plasticity::cost_graph_connectivity(ring).unreached, (std::vector<Eigen::Index>{100}));
}
