// BPTT of the continuous-time RNN (train/rate_bptt.hpp; spec 004 §3): the hand-written backward
// pass against central finite differences, clipping, optimisers, checkpoint/resume, and the CDI
// generator of spec §3.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "balancing_test_networks.hpp"
#include "einet/core/error.hpp"
#include "einet/train/cdi_task.hpp"
#include "einet/core/thin_product.hpp"
#include "einet/train/rate_bptt.hpp"

using namespace einet;

namespace {

train::cdi_batch small_batch(std::uint64_t b, int steps = 6) {
    train::cdi_options o;
    o.steps = steps;
    o.seed = 3;
    return train::make_cdi_batch(o, b);
}

network::relu_rnn cdi_net(Eigen::Index n, std::uint64_t seed) {
    auto net = fixtures::random_rnn(n, 6, 2, seed);
    net.J *= 0.8;
    net.W_in *= 0.5;
    net.W_out *= 3.0;
    return net;
}

double loss_of(const network::relu_rnn& net, const train::cdi_batch& d, double lambda) {
    return train::bptt_gradient(net, d.inputs, d.targets, lambda).loss;
}

}  // namespace

TEST(rate_bptt, gradient_matches_central_differences) {
    const auto d = small_batch(0);
    for (double lambda : {0.0, 0.3}) {
        const auto net = cdi_net(10, 2);
        const auto g = train::bptt_gradient(net, d.inputs, d.targets, lambda);
        const double eps = 1e-6;
        auto check = [&](auto member, const Eigen::MatrixXd& grad, const char* name) {
            for (Eigen::Index i = 0; i < grad.rows(); i += std::max<Eigen::Index>(1, grad.rows() / 4)) {
                for (Eigen::Index j = 0; j < grad.cols(); j += std::max<Eigen::Index>(1, grad.cols() / 3)) {
                    auto plus = net, minus = net;
                    member(plus)(i, j) += eps;
                    member(minus)(i, j) -= eps;
                    const double fd = (loss_of(plus, d, lambda) - loss_of(minus, d, lambda)) / (2 * eps);
                    EXPECT_NEAR(grad(i, j), fd, 1e-7 + 1e-6 * std::abs(fd)) << name << "(" << i << "," << j << ") λ " << lambda;
                }
            }
        };
        check([](network::relu_rnn& n) -> Eigen::MatrixXd& { return n.J; }, g.J, "J");
        check([](network::relu_rnn& n) -> Eigen::MatrixXd& { return n.W_in; }, g.W_in, "W_in");
        check([](network::relu_rnn& n) -> Eigen::MatrixXd& { return n.W_out; }, g.W_out, "W_out");
        for (Eigen::Index i = 0; i < 10; i += 3) {
            auto plus = net, minus = net;
            plus.b(i) += eps;
            minus.b(i) -= eps;
            const double fd = (loss_of(plus, d, lambda) - loss_of(minus, d, lambda)) / (2 * eps);
            EXPECT_NEAR(g.b(i), fd, 1e-7 + 1e-6 * std::abs(fd)) << "b " << i;
        }
    }
}

TEST(rate_bptt, forward_agrees_with_the_held_input_integrator) {
    const auto d = small_batch(1);
    const auto net = cdi_net(12, 3);
    const auto y = engine::run_held_input(net, d.inputs);
    double sq = 0;
    for (std::size_t k = 0; k < y.size(); ++k) sq += (y[k] - d.targets[k]).squaredNorm();
    EXPECT_NEAR(train::bptt_gradient(net, d.inputs, d.targets, 0.0).rmse, std::sqrt(sq / (y.size() * 16.0)), 1e-13);
}

TEST(rate_bptt, cdi_generator_follows_the_spec) {
    train::cdi_options o;
    o.seed = 5;
    const auto b = train::make_cdi_batch(o, 0);
    ASSERT_EQ(b.inputs.size(), 50u);
    // Condition 5 = (c, i₁, i₂) = (1, 0, 1): ctx₁, s¹₀, s²₁ hot; context 1 selects signal 2.
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(6);
    for (const auto& u : b.inputs) mean += u.col(5) / 50.0;
    EXPECT_GT(mean(1), 0.8);
    EXPECT_LT(std::abs(mean(0)), 0.2);
    EXPECT_GT(mean(2), 0.8);
    EXPECT_GT(mean(5), 0.8);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(2);
    for (std::size_t k = 0; k < 50; ++k) {
        sum += b.inputs[k].block(4, 5, 2, 1);
        EXPECT_LT((b.targets[k].col(5) - sum).cwiseAbs().maxCoeff(), 1e-12);
    }
    // A batch is a pure function of (seed, batch index).
    EXPECT_EQ((train::make_cdi_batch(o, 7).inputs[3] - train::make_cdi_batch(o, 7).inputs[3]).norm(), 0.0);
    EXPECT_GT((train::make_cdi_batch(o, 7).inputs[3] - train::make_cdi_batch(o, 8).inputs[3]).norm(), 0.1);
}

TEST(rate_bptt, gaussian_smoothing_matches_scipy_reflect) {
    // scipy.ndimage.gaussian_filter1d([0,0,1,0,0,0,3], 1.0) (mode 'reflect', truncate 4).
    engine::sequence x;
    for (double v : {0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3.0}) x.push_back(Eigen::MatrixXd::Constant(1, 1, v));
    const auto y = train::gaussian_filter_time(x, 1.0);
    const double ref[] = {0.05842299, 0.24210528, 0.39934496, 0.25566852, 0.22926009, 0.89231958, 1.92287858};
    for (int i = 0; i < 7; ++i) EXPECT_NEAR(y[static_cast<std::size_t>(i)](0, 0), ref[i], 1e-7) << i;
}

TEST(rate_bptt, clipping_and_resume_are_exact) {
    auto data = [](std::uint64_t it, engine::sequence& in, engine::sequence& tg) {
        auto b = small_batch(it, 5);
        in = b.inputs;
        tg = b.targets;
    };
    for (auto method : {train::optimiser::gradient_descent, train::optimiser::adam}) {
        train::bptt_options opt;
        opt.l2_penalty = 0.1;
        opt.clip_norm = 0.5;
        opt.method = method;
        opt.learning_rate = 0.01;
        train::rate_bptt_trainer whole(cdi_net(8, 4), opt);
        std::vector<double> losses;
        whole.train(6, data, [&](long, const train::bptt_record& r) { losses.push_back(r.loss); });
        train::rate_bptt_trainer first(cdi_net(8, 4), opt);
        first.train(3, data);
        const auto dir = std::filesystem::temp_directory_path() / ("einet_bptt_ckpt_" + std::to_string(::getpid()));
        first.save(dir);
        train::rate_bptt_trainer resumed(cdi_net(8, 4), opt);
        resumed.load(dir);
        EXPECT_EQ(resumed.iteration(), 3);
        resumed.train(6, data);
        std::filesystem::remove_all(dir);
        EXPECT_EQ((resumed.network().J - whole.network().J).cwiseAbs().maxCoeff(), 0.0);
        EXPECT_EQ((resumed.network().W_out - whole.network().W_out).cwiseAbs().maxCoeff(), 0.0);
        // Training lowers the loss on a held-out batch.
        const auto held_out = small_batch(100, 5);
        EXPECT_LT(loss_of(whole.network(), held_out, 0.1), loss_of(cdi_net(8, 4), held_out, 0.1));
    }
    // Clipping: one gradient-descent step moves the weights by exactly lr · clip.
    train::bptt_options opt;
    opt.clip_norm = 0.25;
    opt.learning_rate = 0.1;
    const auto net = cdi_net(8, 5);
    train::rate_bptt_trainer t(net, opt);
    t.train(1, data);
    const auto& m = t.network();
    const double moved = std::sqrt((m.J - net.J).squaredNorm() + (m.W_in - net.W_in).squaredNorm() +
                                   (m.W_out - net.W_out).squaredNorm() + (m.b - net.b).squaredNorm());
    EXPECT_NEAR(moved, 0.1 * 0.25, 1e-12);
}

TEST(rate_bptt, divergence_is_reported) {
    train::bptt_options opt;
    opt.clip_norm = 0.0;
    opt.learning_rate = 1e6;
    train::rate_bptt_trainer t(cdi_net(8, 6), opt);
    auto data = [](std::uint64_t it, engine::sequence& in, engine::sequence& tg) {
        auto b = small_batch(it, 5);
        in = b.inputs;
        tg = b.targets;
    };
    EXPECT_THROW(t.train(50, data), numerical_error);
}

TEST(rate_bptt, gradient_is_bit_identical_for_any_thread_count) {
    const auto d = small_batch(2, 5);
    const auto net = cdi_net(70, 7);
    const auto one = train::bptt_gradient(net, d.inputs, d.targets, 0.3, {}, 1);
    for (int threads : {2, 3}) {
        const auto many = train::bptt_gradient(net, d.inputs, d.targets, 0.3, {}, threads);
        EXPECT_EQ(one.loss, many.loss);
        EXPECT_TRUE(one.J == many.J && one.W_in == many.W_in && one.W_out == many.W_out && one.b == many.b) << threads;
    }
}

TEST(rate_bptt, thin_product_is_the_matrix_product_and_column_grouping_free) {
    // 37 rows (two 16-row tiles and a tail), 13 columns (an 8-, a 4- and a 1-column pass).
    const Eigen::MatrixXd M = Eigen::MatrixXd::Random(37, 29), X = Eigen::MatrixXd::Random(29, 13);
    Eigen::MatrixXd Y = Eigen::MatrixXd::Ones(37, 13), Z = Y;
    linalg::add_thin_product(M, X, Y);
    EXPECT_LT((Y - (Eigen::MatrixXd::Ones(37, 13) + M * X)).norm(), 1e-13 * Y.norm());
    for (Eigen::Index c = 0; c < 13; ++c) linalg::add_thin_product(M, X.col(c), Z.col(c));
    EXPECT_TRUE(Y == Z);
    EXPECT_THROW(linalg::add_thin_product(M, X.topRows(28), Y), std::invalid_argument);
}
