// core::jacobi_pcg, the one CG loop behind balancing's Newton and Rosenbrock solves and the convex
// Newton–CG: it solves SPD systems to its target, finishes in at most n products in exact
// arithmetic terms (here: well within n + a few), honours each stopping rule, and on an operator
// without curvature keeps x = 0 or returns the preconditioned gradient, as asked.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "einet/core/jacobi_pcg.hpp"

using einet::core::jacobi_pcg;
using einet::core::pcg_rule;

namespace {

Eigen::MatrixXd random_spd(int n, unsigned seed, double spread) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd B(n, n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) B(i, j) = normal(gen);
    Eigen::MatrixXd A = B * B.transpose() / n + Eigen::MatrixXd::Identity(n, n);
    for (int i = 0; i < n; ++i) A.row(i) *= std::pow(spread, double(i) / n), A.col(i) *= std::pow(spread, double(i) / n);
    return A;
}

Eigen::VectorXd random_vector(int n, unsigned seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> normal;
    Eigen::VectorXd v(n);
    for (int i = 0; i < n; ++i) v[i] = normal(gen);
    return v;
}

}  // namespace

TEST(jacobi_pcg, solves_a_badly_scaled_spd_system_to_its_target) {
    const int n = 60;
    const Eigen::MatrixXd A = random_spd(n, 1, 1e3);  // diagonal spread 1e6: Jacobi undoes it
    const Eigen::VectorXd b = random_vector(n, 2);
    pcg_rule rule;
    rule.target = 1e-10 * b.norm();
    rule.max_products = 10 * n;
    auto apply = [&](const Eigen::VectorXd& q, Eigen::VectorXd& Aq) { Aq = A * q; };
    const auto solved = jacobi_pcg(apply, A.diagonal(), b, rule);
    EXPECT_LE((A * solved.x - b).norm(), 1.0001 * rule.target);
    EXPECT_LT((solved.x - A.ldlt().solve(b)).norm(), 1e-6 * solved.x.norm());
    EXPECT_LE(solved.products, static_cast<std::size_t>(n + 10));
}

TEST(jacobi_pcg, stops_at_the_product_cap_and_reduces_the_residual_monotonically_in_a_norm) {
    const int n = 40;
    const Eigen::MatrixXd A = random_spd(n, 3, 10.0);
    const Eigen::VectorXd b = random_vector(n, 4);
    auto apply = [&](const Eigen::VectorXd& q, Eigen::VectorXd& Aq) { Aq = A * q; };
    double previous_energy = 0.0;  // the A-norm error ‖x − x*‖_A² − ‖x*‖_A² = xᵀAx − 2bᵀx falls each step
    for (std::size_t cap = 1; cap <= 8; ++cap) {
        pcg_rule rule;
        rule.max_products = cap;
        const auto solved = jacobi_pcg(apply, A.diagonal(), b, rule);
        EXPECT_EQ(solved.products, cap);
        const double energy = solved.x.dot(A * solved.x) - 2.0 * b.dot(solved.x);
        EXPECT_LT(energy, previous_energy);
        previous_energy = energy;
    }
}

TEST(jacobi_pcg, start_check_decides_whether_a_converged_right_hand_side_takes_a_step) {
    const Eigen::MatrixXd A = random_spd(10, 5, 1.0);
    const Eigen::VectorXd b = 1e-12 * random_vector(10, 6);
    auto apply = [&](const Eigen::VectorXd& q, Eigen::VectorXd& Aq) { Aq = A * q; };
    pcg_rule rule;
    rule.target = 1e-9;
    rule.max_products = 50;
    const auto untouched = jacobi_pcg(apply, A.diagonal(), b, rule);
    EXPECT_EQ(untouched.products, 0u);
    EXPECT_EQ(untouched.x.norm(), 0.0);
    rule.check_start = false;  // the convex Newton step: always one product
    const auto stepped = jacobi_pcg(apply, A.diagonal(), b, rule);
    EXPECT_EQ(stepped.products, 1u);
    EXPECT_GT(stepped.x.norm(), 0.0);
}

TEST(jacobi_pcg, a_direction_without_curvature_keeps_zero_or_gives_the_gradient_step) {
    // A graph Laplacian (singular along 1) with a right-hand side along 1: no curvature at all.
    const int n = 6;
    Eigen::MatrixXd L = -Eigen::MatrixXd::Ones(n, n);
    L.diagonal().array() += n;
    // Unit preconditioner: q = 1 exactly, so L q = 0 exactly (no rounding to lend it curvature).
    const Eigen::VectorXd b = Eigen::VectorXd::Ones(n), diag = Eigen::VectorXd::Ones(n);
    auto apply = [&](const Eigen::VectorXd& q, Eigen::VectorXd& Aq) { Aq = L * q; };
    pcg_rule rule;
    rule.max_products = 20;
    const auto kept = jacobi_pcg(apply, diag, b, rule);
    EXPECT_EQ(kept.products, 1u);
    EXPECT_EQ(kept.x.norm(), 0.0);
    rule.gradient_step = true;
    const auto gradient = jacobi_pcg(apply, diag, b, rule);
    EXPECT_TRUE(gradient.x.isApprox(b.cwiseQuotient(diag)));
}

TEST(jacobi_pcg, a_non_finite_residual_stops_without_spreading_into_x) {
    const Eigen::MatrixXd A = random_spd(8, 7, 1.0);
    const Eigen::VectorXd b = random_vector(8, 8);
    int calls = 0;
    auto apply = [&](const Eigen::VectorXd& q, Eigen::VectorXd& Aq) {
        Aq = A * q;
        if (++calls == 2) Aq[3] = std::numeric_limits<double>::quiet_NaN();
    };
    pcg_rule rule;
    rule.max_products = 20;
    const auto solved = jacobi_pcg(apply, A.diagonal(), b, rule);
    EXPECT_EQ(solved.products, 2u);  // the NaN product has no positive curvature: stop before using it
    EXPECT_TRUE(solved.x.allFinite());
}
