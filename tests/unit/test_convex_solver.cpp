// Paper 002 convex program (spec §5): every loss and penalty certified by its duality gap,
// optimality conditions, warm-started paths, ρ_max, and the exhaustive-dictionary bound.
#include <gtest/gtest.h>

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/train/convex_solver.hpp"

using namespace einet::train;

namespace {

dictionary binary_dictionary(Eigen::Index n, Eigen::Index p, std::uint64_t seed, double density = 0.4) {
    dictionary D(n, p);
    for (Eigen::Index j = 0; j < p; ++j)
        for (Eigen::Index i = 0; i < n; ++i) {
            const auto r = einet::rng::philox(seed, einet::rng::purpose::dataset, static_cast<std::uint32_t>(j),
                                              static_cast<std::uint64_t>(i));
            D(i, j) = einet::rng::uniform53(r[0], r[1]) < density ? 1.0 : 0.0;
        }
    return D;
}

std::vector<int> labels_of(const dictionary& D, std::size_t classes, std::uint64_t seed) {
    // A planted rule plus noise, so problems are neither trivial nor separable by one column.
    std::vector<int> y;
    for (Eigen::Index i = 0; i < D.rows(); ++i) {
        const auto r = einet::rng::philox(seed, einet::rng::purpose::dataset, 99, static_cast<std::uint64_t>(i));
        const double score = D(i, 0) + D(i, 1) - D(i, 2) + 0.8 * (einet::rng::uniform53(r[0], r[1]) - 0.5);
        y.push_back(static_cast<int>(classes == 2 ? score > 0.5 : static_cast<std::size_t>(std::max(0.0, score * 2 + 1)) % classes));
    }
    return y;
}

convex_problem make(const dictionary& D, loss_kind loss, std::size_t classes, double rho_frac, penalty_kind pen) {
    convex_problem pr;
    pr.D = &D;
    pr.loss = loss;
    pr.penalty = pen;
    if (loss == loss_kind::squared) {
        pr.Y = matrix(D.rows(), 1);
        for (Eigen::Index i = 0; i < D.rows(); ++i) pr.Y(i, 0) = D(i, 0) - 0.5 * D(i, 3) + 0.1 * std::sin(double(i));
    } else {
        pr.Y = targets_from_labels(loss, labels_of(D, classes, 3), classes);
    }
    pr.a = vector::Constant(D.rows(), 1.0 / static_cast<double>(D.rows()));
    pr.rho = 1.0;
    pr.rho = rho_frac * rho_max(pr);
    return pr;
}

// KKT of the elementwise problem at a certified solution: |(DᵀU)_jc| ≤ ρ and = ρ·sign(W_jc) on the
// support (smooth losses; an interior-point LP solution need not be a vertex, its gap is the check).
void expect_kkt(const convex_problem& pr, const convex_solution& s) {
    const matrix DtU = pr.D->transpose() * s.U;
    EXPECT_LE(DtU.cwiseAbs().maxCoeff(), pr.rho * (1 + 1e-8));
    for (Eigen::Index j = 0; j < s.W.rows(); ++j)
        for (Eigen::Index c = 0; c < s.W.cols(); ++c)
            if (std::abs(s.W(j, c)) > 1e-4) EXPECT_NEAR(DtU(j, c), pr.rho * (s.W(j, c) > 0 ? 1 : -1), 1e-3 * pr.rho);
}

}  // namespace

TEST(ConvexSolver, EveryLossIsCertifiedByItsDualityGap) {
    const dictionary D = binary_dictionary(120, 60, 1);
    struct cfg {
        loss_kind loss;
        std::size_t classes;
        penalty_kind pen;
    };
    for (const auto& c : std::vector<cfg>{{loss_kind::hinge, 2, penalty_kind::elementwise},
                                          {loss_kind::hinge_ovr, 3, penalty_kind::elementwise},
                                          {loss_kind::logistic, 2, penalty_kind::elementwise},
                                          {loss_kind::ce, 3, penalty_kind::elementwise},
                                          {loss_kind::ce, 3, penalty_kind::group},
                                          {loss_kind::squared, 1, penalty_kind::elementwise}}) {
        for (double frac : {0.5, 0.05, 0.005}) {
            const auto pr = make(D, c.loss, c.classes, frac, c.pen);
            const auto s = solve_convex(pr);
            SCOPED_TRACE(loss_name(c.loss) + " rho/rho_max " + std::to_string(frac));
            EXPECT_TRUE(s.certified);
            EXPECT_LE(std::abs(s.primal - s.dual), 1e-6 * std::max(1.0, std::abs(s.primal)));
            EXPECT_NEAR(primal_value(pr, s.W), s.primal, 1e-12);
            EXPECT_GT(s.nonzeros, 0u);
            if (c.pen == penalty_kind::elementwise && loss_is_smooth(c.loss)) expect_kkt(pr, s);
            // weak duality: any other W is no better than the certified optimum (up to the gap)
            matrix W2 = s.W;
            W2(0, 0) += 0.01;
            EXPECT_GE(primal_value(pr, W2), s.primal - 1e-6);
        }
    }
}

// Ten-class softmax CE at small ρ (the sequential-image setting, where coordinate descent alone
// stalled around ρ ≈ 6e-4): certified, with the KKT conditions of the elementwise problem.
TEST(ConvexSolver, TenClassCrossEntropyIsCertifiedAtSmallRho) {
    const dictionary D = binary_dictionary(600, 80, 5, 0.3);
    for (double frac : {0.02, 0.002}) {
        const auto pr = make(D, loss_kind::ce, 10, frac, penalty_kind::elementwise);
        const auto s = solve_convex(pr);
        SCOPED_TRACE("rho/rho_max " + std::to_string(frac));
        EXPECT_TRUE(s.certified);
        EXPECT_LE(std::abs(s.gap), 1e-6 * std::max(1.0, std::abs(s.primal)));
        EXPECT_GT(s.nonzeros, 80u);
        expect_kkt(pr, s);
    }
}

TEST(ConvexSolver, ZeroIsOptimalAboveRhoMaxAndPathsAreWarmStarted) {
    const dictionary D = binary_dictionary(80, 40, 2);
    auto pr = make(D, loss_kind::hinge, 2, 1.01, penalty_kind::elementwise);
    EXPECT_EQ(solve_convex(pr).nonzeros, 0u);
    pr = make(D, loss_kind::squared, 1, 1.01, penalty_kind::elementwise);
    EXPECT_EQ(solve_convex(pr).nonzeros, 0u);
    const double rmax = rho_max(pr);
    const auto path = solve_convex_path(pr, {0.01 * rmax, 0.3 * rmax, 0.1 * rmax});
    double prev = -1;
    for (std::size_t i : {1u, 2u, 0u}) {  // decreasing ρ: the objective decreases
        EXPECT_TRUE(path[i].certified);
        if (prev >= 0) EXPECT_LT(path[i].primal, prev);
        prev = path[i].primal;
    }
}

// Duplicated columns never change the optimum (ℓ1 splits freely between them, spec §4.3).
TEST(ConvexSolver, DuplicateColumnsLeaveTheOptimumUnchanged) {
    const dictionary D = binary_dictionary(90, 30, 3);
    dictionary D2(D.rows(), 45);
    D2 << D, D.leftCols(15);
    for (auto loss : {loss_kind::hinge, loss_kind::logistic}) {
        auto a = make(D, loss, 2, 0.05, penalty_kind::elementwise);
        auto b = a;
        b.D = &D2;
        EXPECT_NEAR(solve_convex(a).primal, solve_convex(b).primal, 2e-6);
    }
}

// Spec §4.4 oracle: the complete binary dictionary {0,1}^n contains every realisable spike
// column, so its optimum lower-bounds the optimum over any sampled dictionary on the same data.
TEST(ConvexSolver, ExhaustiveBinaryDictionaryLowerBoundsSampledOnes) {
    const Eigen::Index n = 7;
    dictionary full(n, (1 << n) - 1);
    for (Eigen::Index m = 1; m < (1 << n); ++m)
        for (Eigen::Index i = 0; i < n; ++i) full(i, m - 1) = (m >> i) & 1;
    const std::vector<int> labels{1, 0, 1, 1, 0, 0, 1};
    for (auto loss : {loss_kind::hinge, loss_kind::squared}) {
        convex_problem pf;
        pf.D = &full;
        pf.loss = loss;
        pf.Y = loss == loss_kind::squared ? targets_from_labels(loss_kind::hinge, labels, 2) : targets_from_labels(loss, labels, 2);
        pf.a = vector::Constant(n, 1.0 / n);
        pf.rho = 0.05;
        const double best = solve_convex(pf).primal;
        for (std::uint64_t seed = 0; seed < 5; ++seed) {
            const dictionary S = binary_dictionary(n, 6, 10 + seed, 0.5);
            auto ps = pf;
            ps.D = &S;
            EXPECT_LE(best, solve_convex(ps).primal + 1e-9);
        }
    }
}

TEST(ConvexSolver, BadProblemsAreRejectedWithTheirReason) {
    const dictionary D = binary_dictionary(10, 5, 4);
    auto pr = make(D, loss_kind::hinge, 2, 0.5, penalty_kind::elementwise);
    pr.rho = 0.0;
    EXPECT_THROW(solve_convex(pr), einet::config_error);
    pr.rho = 0.1;
    pr.penalty = penalty_kind::group;
    EXPECT_THROW(solve_convex(pr), einet::config_error);
    const dictionary empty(0, 5);
    pr.penalty = penalty_kind::elementwise;
    pr.D = &empty;
    EXPECT_THROW(solve_convex(pr), einet::config_error);
    dictionary nan = D;
    nan(0, 0) = std::nan("");
    pr.D = &nan;
    EXPECT_THROW(solve_convex(pr), einet::config_error);
    // A solve that cannot reach the certificate within its iterations says so.
    pr = make(D, loss_kind::logistic, 2, 0.01, penalty_kind::elementwise);
    convex_options tight;
    tight.max_outer = 1;
    tight.gap_tol = 1e-15;
    EXPECT_THROW(solve_convex(pr, tight), einet::numerical_error);
}
