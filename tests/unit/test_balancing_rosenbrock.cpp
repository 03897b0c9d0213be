// The balancing flow integrated by the L-stable Rosenbrock methods (RODAS4, RODAS3) with the flow's
// exact Jacobian −p L(h) (paper 004 Eqs. 15–17, 34–36): the same trajectory as DOP853, the same
// balanced point as Newton–CG, the two-neuron closed form (Eq. 29), far fewer steps on a stiff
// cost graph, the same bits for any thread count, and the errors for a Lax signal (no Jacobian).
#include <gtest/gtest.h>

#include <cmath>

#include "balancing_test_networks.hpp"
#include "einet/analysis/balancing_theory.hpp"
#include "einet/core/error.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

using namespace einet;
using plasticity::balance_options;

namespace {

Eigen::MatrixXd lognormal_costs(Eigen::Index n, std::uint32_t stream) {
    return fixtures::normal_matrix(n, n, 1.0, stream, 3).array().exp().matrix();
}

const ode::method rosenbrock[] = {ode::method::rodas4, ode::method::rodas3};

// Two dense 12-unit modules joined by links scaled by 1e-4: the slowest rate of the flow (Fiedler
// value of p L) is ~1e-4 of the fastest.
Eigen::MatrixXd modular_costs() {
    Eigen::MatrixXd c0 = lognormal_costs(24, 5);
    c0.topRightCorner(12, 12) *= 1e-4;
    c0.bottomLeftCorner(12, 12) *= 1e-4;
    return c0;
}

balance_options loose() {  // rtol 1e-6, atol 1e-8
    balance_options opt;
    opt.rtol = 1e-6;
    opt.atol = 1e-8;
    return opt;
}

}  // namespace

TEST(balancing_rosenbrock, trajectory_matches_dop853_at_sample_times) {
    const Eigen::MatrixXd c0 = lognormal_costs(30, 1);
    balance_options opt;
    opt.t_end = 0.2;  // the flow converges by t ≈ 0.2 for these costs
    opt.tolerance = 0.0;
    opt.rtol = 1e-12;
    opt.atol = 1e-14;
    opt.record_times = {0.002, 0.01, 0.05, 0.2};
    const auto ref = plasticity::balance_flow(c0, 2.0, opt);
    for (auto m : rosenbrock) {
        opt.integrator = m;
        const auto r = plasticity::balance_flow(c0, 2.0, opt);
        ASSERT_EQ(r.t_rec.size(), ref.t_rec.size());
        for (std::size_t k = 1; k < r.t_rec.size(); ++k) {
            EXPECT_EQ(r.t_rec[k], ref.t_rec[k]);
            EXPECT_LT((r.h_rec[k] - ref.h_rec[k]).cwiseAbs().maxCoeff(), 1e-9) << "t " << r.t_rec[k];
            // ‖g‖ to 1e-8 relative, down to its rounding floor at equilibrium (g_k sums O(C/N) terms)
            EXPECT_NEAR(r.grad_rec[k], ref.grad_rec[k], 1e-8 * ref.grad_rec[k] + 1e-13 * ref.cost_rec[k]) << "t " << r.t_rec[k];
            EXPECT_NEAR(r.cost_rec[k], ref.cost_rec[k], 1e-12 * ref.cost_rec[k]);
            EXPECT_LT(std::abs(r.h_rec[k].sum()), 1e-11);  // Σh = 0 (Eq. 22)
        }
        EXPECT_GT(r.products, 0);
    }
}

TEST(balancing_rosenbrock, reaches_the_balanced_point_of_newton) {
    const Eigen::MatrixXd c0 = lognormal_costs(40, 2);
    const auto newton = plasticity::balance_newton(c0, 2.0);
    for (auto m : rosenbrock) {
        balance_options opt;  // ‖g‖ <= 1e-10 · C
        opt.integrator = m;
        const auto flow = plasticity::balance_flow(c0, 2.0, opt);
        ASSERT_TRUE(flow.converged && newton.converged);
        EXPECT_LE(flow.grad_norm, 1e-10 * flow.cost);
        EXPECT_LT((flow.h - newton.h).cwiseAbs().maxCoeff(), 1e-8);
        EXPECT_NEAR(flow.cost, newton.cost, 1e-12 * newton.cost);
    }
}

TEST(balancing_rosenbrock, two_neuron_closed_form) {
    Eigen::MatrixXd c0 = Eigen::MatrixXd::Zero(2, 2);
    c0(0, 1) = 1.0;
    c0(1, 0) = 4.0;
    for (auto m : rosenbrock) {
        for (double p : {2.0, 1.0}) {
            balance_options opt;
            opt.integrator = m;
            opt.t_end = 1.0;
            opt.record_times = {0.05, 0.1, 0.2, 0.5, 1.0};
            const auto r = plasticity::balance_flow(c0, p, opt);
            for (std::size_t k = 1; k < r.t_rec.size(); ++k) {
                const auto c = plasticity::costs_at(c0, r.h_rec[k], p);
                const auto [e12, e21] = analysis::two_neuron_costs(1.0, 4.0, p, r.t_rec[k]);  // Eq. 29 (corrected)
                EXPECT_NEAR(c(0, 1), e12, 1e-8) << "p " << p << " t " << r.t_rec[k];
                EXPECT_NEAR(c(1, 0), e21, 1e-8);
            }
        }
    }
}

TEST(balancing_rosenbrock, stiff_cost_graph_needs_far_fewer_steps) {
    // Weakly coupled modules: an explicit pair's steps stay bounded by stability while the slow
    // mode decays.
    const Eigen::MatrixXd c0 = modular_costs();
    balance_options opt = loose();
    opt.tolerance = 1e-6;
    const auto explicit_run = plasticity::balance_flow(c0, 2.0, opt);
    opt.integrator = ode::method::rodas4;
    const auto implicit_run = plasticity::balance_flow(c0, 2.0, opt);
    ASSERT_TRUE(explicit_run.converged && implicit_run.converged);
    EXPECT_LT((implicit_run.h - explicit_run.h).cwiseAbs().maxCoeff(), 1e-3);
    EXPECT_LT(10 * implicit_run.steps, explicit_run.steps) << implicit_run.steps << " vs " << explicit_run.steps;
}

TEST(balancing_rosenbrock, explicit_pair_stops_at_its_error_floor_on_a_stiff_graph) {
    // The modular graph above at rtol 1e-6 and a tight goal ‖g‖ <= 1e-10·C: DOP853, held at its
    // stability limit, keeps the fast modes excited at its error tolerance, so ‖g‖ stalls on a floor
    // ∝ rtol above the goal. The run stops there with a warning instead of running on; the L-stable
    // RODAS4 (same tolerances) and DOP853 at rtol 1e-10 reach the goal.
    const Eigen::MatrixXd c0 = modular_costs();
    balance_options opt = loose();
    const auto stalled = plasticity::balance_flow(c0, 2.0, opt);
    EXPECT_FALSE(stalled.converged);
    EXPECT_NE(stalled.warning.find("did not fall by 1 %"), std::string::npos) << stalled.warning;
    EXPECT_GT(stalled.grad_norm, 1e-10 * stalled.cost);
    EXPECT_LT(stalled.grad_norm, 1e-5 * stalled.grad_norm_initial);  // the slow mode itself has decayed
    opt.integrator = ode::method::rodas4;
    const auto implicit_run = plasticity::balance_flow(c0, 2.0, opt);
    EXPECT_TRUE(implicit_run.converged && implicit_run.warning.empty());
    opt.integrator = ode::method::dop853;
    opt.rtol = 1e-10;
    opt.atol = 1e-12;
    const auto tight = plasticity::balance_flow(c0, 2.0, opt);
    EXPECT_TRUE(tight.converged && tight.warning.empty());
    EXPECT_LT((tight.h - implicit_run.h).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(balancing_rosenbrock, lax_signal_has_no_jacobian) {
    balance_options opt;
    opt.t_end = 1.0;
    opt.integrator = ode::method::rodas4;
    const plasticity::lax_signal l2 = [](const Eigen::VectorXd& in, const Eigen::VectorXd& out) {
        return in.squaredNorm() - out.squaredNorm();
    };
    try {
        plasticity::lax_flow(Eigen::MatrixXd::Ones(3, 3), l2, opt);
        FAIL();
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("integrator"), std::string::npos) << e.what();
    }
    // Bad costs are refused before any step, whatever the integrator.
    Eigen::MatrixXd bad = Eigen::MatrixXd::Ones(3, 3);
    bad(0, 1) = std::nan("");
    EXPECT_THROW(plasticity::balance_flow(bad, 2.0, opt), config_error);
}

TEST(balancing_rosenbrock, same_bits_for_any_thread_count) {
    // 520 units: the sweeps split into two 512-row blocks and run on a team of threads (n >= 512).
    const Eigen::MatrixXd c0 = fixtures::normal_matrix(520, 520, 1.0 / std::sqrt(520.0), 7, 3).array().square().matrix();
    balance_options opt;
    opt.integrator = ode::method::rodas4;
    opt.t_end = 0.5;
    opt.tolerance = 0.0;
    opt.rtol = 1e-8;
    const auto one = plasticity::balance_flow(c0, 2.0, opt);
    opt.threads = 2;
    const auto two = plasticity::balance_flow(c0, 2.0, opt);
    EXPECT_EQ(one.steps, two.steps);
    EXPECT_EQ(one.products, two.products);
    EXPECT_TRUE(one.h == two.h);
}
