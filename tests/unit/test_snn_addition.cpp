// Paper 002 addition task and method layer: the data obey the arithmetic, the two-head objective
// and its gradient, the autoregressive rollout against a step-by-step oracle, the two-head convex
// readout (ρ = β/λ, certified, reconstruction exact) and the SG grid-search selection rule.
#include <gtest/gtest.h>

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/train/snn_addition.hpp"
#include "einet/train/snn_methods.hpp"

using namespace einet::train;

namespace {

snn_shape addition_shape(const sequence_data& d, const objective_spec& obj, std::size_t K = 2, std::size_t L = 3) {
    snn_shape sh;
    sh.inputs = static_cast<std::size_t>(d.x.cols());
    sh.branches = K;
    sh.depth = L;
    sh.p_rec = 8 * K;
    sh.p_last = 12 * K;
    sh.outputs = head_outputs(obj.heads[0]) + head_outputs(obj.heads[1]);
    return sh;
}

}  // namespace

TEST(SnnAddition, DataFollowTheArithmeticOfSpec73) {
    for (std::size_t base : {2u, 3u, 5u}) {
        addition_spec spec;
        spec.base = base;
        spec.digits = 4;
        const auto d = addition_data(spec, 200, 7);
        const std::size_t n = d.samples(), T = d.steps;
        ASSERT_EQ(T, 5u);
        ASSERT_EQ(d.x.cols(), 3);
        std::size_t initial_one = 0;
        for (std::size_t i = 0; i < n; ++i) {
            // a + b + c_1 equals the number spelled by the sum digits (the last step holds the final carry)
            double a = 0, b = 0, sum = 0, place = 1;
            const double c1 = d.x(static_cast<Eigen::Index>(i), 2) * static_cast<double>(base - 1);
            initial_one += c1 > 0.5;
            for (std::size_t t = 0; t < T; ++t) {
                const auto r = static_cast<Eigen::Index>(t * n + i);
                a += std::round(d.x(r, 0) * static_cast<double>(base - 1)) * place;
                b += std::round(d.x(r, 1) * static_cast<double>(base - 1)) * place;
                sum += d.labels[t * n + i] * place;
                ASSERT_LT(d.labels[t * n + i], static_cast<int>(base));
                if (t + 1 < T) {  // teacher-forced carry input of step t+1 = carry out of step t
                    EXPECT_DOUBLE_EQ(d.x(static_cast<Eigen::Index>((t + 1) * n + i), 2) * static_cast<double>(base - 1),
                                     d.more_labels[0][t * n + i]);
                } else {
                    EXPECT_EQ(d.more_labels[0][t * n + i], 0);
                    EXPECT_EQ(d.x(r, 0), 0.0);
                }
                place *= static_cast<double>(base);
            }
            EXPECT_DOUBLE_EQ(a + b + c1, sum);
        }
        EXPECT_GT(initial_one, 60u);  // c_1 random in {0, 1}
        EXPECT_LT(initial_one, 140u);
    }
    addition_spec bad;
    bad.base = 1;
    EXPECT_THROW(addition_data(bad, 3, 1), einet::config_error);
}

TEST(SnnAddition, TwoHeadObjectiveIsTheWeightedSumWithItsGradient) {
    addition_spec spec;
    const auto d = addition_data(spec, 12, 3);
    const auto obj = addition_objective(spec, 1.0, 2.5);
    ASSERT_EQ(obj.heads.size(), 2u);
    const std::size_t rows = d.samples() * d.steps;
    matrix Z(static_cast<Eigen::Index>(rows), 4);
    for (Eigen::Index i = 0; i < Z.size(); ++i) Z.data()[i] = std::sin(0.37 * static_cast<double>(i));
    matrix G;
    double acc = 0.0;
    const double total = data_term(obj, Z, d, &G, &acc);
    // separately: ramped CE on the three sum logits + λ_carry · ramped hinge on the carry logit
    const objective_spec s_obj{loss_kind::ce, supervision::per_timestep, true, 3, {}};
    const objective_spec c_obj{loss_kind::hinge, supervision::per_timestep, true, 2, {}};
    const auto s_rows = supervise(s_obj, d, d.labels), c_rows = supervise(c_obj, d, d.more_labels[0]);
    const double expect = loss_value(loss_kind::ce, Z.leftCols(3), s_rows.Y, s_rows.a) +
                          2.5 * loss_value(loss_kind::hinge, Z.rightCols(1), c_rows.Y, c_rows.a);
    EXPECT_NEAR(total, expect, 1e-14);
    EXPECT_GE(acc, 0.0);
    EXPECT_LE(acc, 1.0);
    // ∂/∂Z against central differences (hinge kinks are avoided by the sin values)
    double worst = 0.0;
    for (Eigen::Index i = 0; i < Z.size(); i += 7) {
        matrix Zp = Z, Zm = Z;
        Zp.data()[i] += 1e-6;
        Zm.data()[i] -= 1e-6;
        const double fd = (data_term(obj, Zp, d, nullptr, nullptr) - data_term(obj, Zm, d, nullptr, nullptr)) / 2e-6;
        worst = std::max(worst, std::abs(fd - G.data()[i]));
    }
    EXPECT_LT(worst, 1e-8);
}

TEST(SnnAddition, AutoregressiveRolloutEqualsStepByStepOracle) {
    for (std::size_t base : {2u, 3u}) {
        addition_spec spec;
        spec.base = base;
        spec.digits = 6;
        const auto d = addition_data(spec, 40, 11);
        const auto obj = addition_objective(spec, 1.0, 1.0);
        snn_params p(addition_shape(d, obj));
        init_gaussian_witness(p, 4);
        for (std::size_t i = p.readout_offset(); i < p.flat().size(); ++i)
            p.flat()[i] = std::cos(1.3 * static_cast<double>(i));  // an arbitrary readout
        snn_options opt;
        opt.lif = lif_params::canonical();
        const auto ar = score_addition(p, opt, spec, obj, d, true);
        // Oracle: fix the carry input of step t+1 from a full run after steps 1..t are fixed.
        sequence_data run = d;
        const std::size_t n = d.samples(), T = d.steps, C = head_outputs(obj.heads[0]);
        snn_trace tr;
        for (std::size_t t = 0; t + 1 < T; ++t) {
            snn_forward(p, opt, run.x, T, tr);
            for (std::size_t i = 0; i < n; ++i)
                run.x(static_cast<Eigen::Index>((t + 1) * n + i), 2) =
                    (tr.logits(static_cast<Eigen::Index>(t * n + i), static_cast<Eigen::Index>(C)) >= 0.0 ? 1.0 : 0.0) /
                    static_cast<double>(base - 1);
        }
        const auto oracle = score_addition(p, opt, spec, obj, run, false);
        EXPECT_EQ(ar.sum_token, oracle.sum_token);
        EXPECT_EQ(ar.carry_token, oracle.carry_token);
        EXPECT_EQ(ar.joint_token, oracle.joint_token);
        EXPECT_EQ(ar.joint_sequence, oracle.joint_sequence);
        // the oracle's inputs scored against the true targets: same as scoring `run` with the data's labels
        const auto tf = score_addition(p, opt, spec, obj, d, false);
        EXPECT_GE(tf.carry_token, 0.0);
    }
}

TEST(SnnAddition, TwoHeadConvexReadoutIsCertifiedAndReconstructedExactly) {
    addition_spec spec;
    spec.digits = 3;
    const auto train = addition_data(spec, 60, 21), val = addition_data(spec, 30, 22);
    const std::vector<double> lambdas{0.5, 4.0};
    std::vector<objective_spec> objs;
    for (double l : lambdas) objs.push_back(addition_objective(spec, 1.0, l));
    snn_params witness(addition_shape(train, objs[0]));
    init_gaussian_witness(witness, 1);
    snn_options opt;
    opt.lif = lif_params::canonical();
    convex_grid grid;
    grid.betas = {0.01, 0.1};
    grid.rule = rho_rule::head_weight;
    const auto fits = convex_readout(witness, opt, objs, train, val, grid);
    ASSERT_EQ(fits.size(), 2u);
    const auto dict = build_dictionary(witness, opt, supervision::per_timestep, train);
    for (std::size_t i = 0; i < fits.size(); ++i) {
        const auto& f = fits[i];
        EXPECT_LE(f.max_rel_gap, 1e-6);
        ASSERT_EQ(f.heads.size(), 2u);
        for (const auto& h : f.heads) EXPECT_TRUE(h.certified);
        // ρ_carry = β/λ_carry: the carry head's objective at its solution equals its primal
        const objective_spec c_obj{loss_kind::hinge, supervision::per_timestep, true, 2, {}};
        const auto rows = supervise(c_obj, train, train.more_labels[0]);
        const convex_problem pr{&dict.D, rows.Y, rows.a, loss_kind::hinge, penalty_kind::elementwise, f.beta / lambdas[i]};
        EXPECT_NEAR(primal_value(pr, f.heads[1].W), f.heads[1].primal, 1e-9);
        // Reconstruction: the network's data term equals λ-weighted convex data terms; objective = Σ λ_h p_h
        const double data = evaluate(f.net, opt, objs[i], train).loss;
        double l1 = 0.0;
        for (const auto& h : f.heads) l1 += h.W.cwiseAbs().sum();
        EXPECT_NEAR(data + f.beta * l1, f.primal, 1e-9 * std::max(1.0, f.primal));
        // the selected β has the lowest validation data term of the grid
        EXPECT_NEAR(f.val_score, evaluate(f.net, opt, objs[i], val).loss, 1e-12);
    }
    // the sum head does not depend on λ_carry (λ_sum = 1 in both objectives): same solution at the same β
    if (fits[0].beta == fits[1].beta) EXPECT_EQ(fits[0].heads[0].W, fits[1].heads[0].W);
}

TEST(SnnMethods, SgGridSearchPicksTheLowestSelectionScore) {
    addition_spec spec;
    spec.base = 2;
    spec.digits = 3;
    const auto train = addition_data(spec, 40, 31), val = addition_data(spec, 20, 32);
    const auto obj = addition_objective(spec, 1.0, 1.0);
    snn_params init(addition_shape(train, obj, 1, 2));
    init_uniform_fan_in(init, 3);
    snn_options opt;
    opt.lif = lif_params::reference();
    for (auto rule : {sg_selection::final_val, sg_selection::best_val_plus_beta}) {
        sg_grid grid;
        grid.lrs = {1e-3, 5e-2};
        grid.path_betas = {0.01, 0.5};
        grid.base.epochs = 8;
        grid.select = rule;
        const auto best = sg_grid_search(init, opt, obj, train, val, grid);
        // every candidate by hand: the selected one has the minimum score, and its weights are reproduced
        double lowest = 1e300;
        for (double lr : grid.lrs)
            for (double pb : grid.path_betas) {
                snn_params p = init;
                sg_options o = grid.base;
                o.lr = lr, o.path_beta = pb, o.keep_best = rule == sg_selection::best_val_plus_beta;
                const auto h = train_sg(p, opt, obj, train, &val, o);
                const double score = rule == sg_selection::final_val ? h.val_objective.back() : h.best_val_objective + pb;
                lowest = std::min(lowest, score);
                if (lr == best.lr && pb == best.path_beta) EXPECT_EQ(p.flat(), best.params.flat());
            }
        EXPECT_EQ(best.score, lowest);
    }
}
