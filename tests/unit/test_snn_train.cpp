// Paper 002 training module: LIF dynamics, BPTT against finite differences, Adam/plateau,
// checkpoint/resume, dictionaries, reconstruction exactness and Lemma 3.5 rescaling invariance.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/train/snn_dictionary.hpp"
#include "einet/train/snn_optim.hpp"
#include "einet/train/snn_tasks.hpp"

using namespace einet::train;

namespace {

sequence_data seq_random_data(std::size_t T, std::size_t n, std::size_t d, std::size_t classes, std::uint64_t seed,
                          bool per_step = false) {
    sequence_data s;
    s.steps = T;
    s.x.resize(static_cast<Eigen::Index>(T * n), static_cast<Eigen::Index>(d));
    for (Eigen::Index i = 0; i < s.x.size(); ++i)
        s.x.data()[i] = einet::rng::normals4(seed, einet::rng::purpose::dataset, 9, static_cast<std::uint64_t>(i))[0];
    const std::size_t rows = per_step ? T * n : n;
    for (std::size_t i = 0; i < rows; ++i) {
        const auto r = einet::rng::philox(seed, einet::rng::purpose::dataset, 10, i);
        s.labels.push_back(static_cast<int>(r[0] % classes));
    }
    return s;
}

snn_shape small_shape(std::size_t d, std::size_t C, std::size_t K = 2, std::size_t L = 3) {
    snn_shape sh;
    sh.inputs = d;
    sh.branches = K;
    sh.depth = L;
    sh.p_rec = 4 * K;
    sh.p_last = 3 * K;
    sh.outputs = C;
    return sh;
}

double objective(const snn_params& p, const snn_options& opt, const objective_spec& obj, const sequence_data& d,
                 double path_beta) {
    return evaluate(p, opt, obj, d).loss + (path_beta > 0 ? path_beta * path_norm(p, 0.0, nullptr) : 0.0);
}

}  // namespace

TEST(SnnLif, CanonicalAndReferenceFormsFollowSpec23) {
    // One neuron, constant input current 0.6 per step: hand-computed membranes of both forms.
    snn_shape sh = small_shape(1, 1, 1, 2);
    sh.p_last = 1;
    snn_params p(sh);
    p.hidden(0, 0)(0, 0) = 0.6;
    sequence_data d;
    d.steps = 4;
    d.x = matrix::Ones(4, 1);
    for (bool canonical : {true, false}) {
        snn_options opt;
        opt.lif = canonical ? lif_params::canonical(0.9, 1.0) : lif_params::reference(0.9, 1.0);
        opt.readout = readout_kind::membrane;
        snn_trace tr;
        snn_forward(p, opt, d.x, 4, tr);
        // pre-reset u: 0.6, 1.14 (spike), then reset β·θ = 0.9 (canonical) or θ = 1 (reference)
        double u = 0.0, s = 0.0;
        for (int t = 0; t < 4; ++t) {
            u = (t ? 0.9 * u - opt.lif.reset_scale * s : 0.0) + 0.6;
            s = canonical ? (u >= 1.0) : (u > 1.0);
            EXPECT_DOUBLE_EQ(tr.u[0](t, 0), u);
            EXPECT_EQ(tr.s[0](t, 0), s);
            EXPECT_DOUBLE_EQ(tr.features(t, 0), canonical ? u - s : u);  // post- vs pre-reset readout
        }
    }
    // The tie: u exactly θ fires under ≥ only.
    p.hidden(0, 0)(0, 0) = 1.0;
    snn_options ge, gt;
    ge.lif = lif_params::canonical(0.9, 1.0);
    gt.lif = lif_params::reference(0.9, 1.0);
    snn_trace a, b;
    snn_forward(p, ge, d.x, 4, a);
    snn_forward(p, gt, d.x, 4, b);
    EXPECT_EQ(a.s[0](0, 0), 1.0);
    EXPECT_EQ(b.s[0](0, 0), 0.0);
}

TEST(SnnLif, ShapeFollowsDepthConventionAndRejectsIndivisibleWidths) {
    snn_shape sh = small_shape(2, 1, 2, 10);
    EXPECT_EQ(sh.lif_layers(), 9u);
    EXPECT_EQ(sh.width(0), 4u);
    EXPECT_EQ(sh.width(8), 3u);
    sh.depth = 2;
    EXPECT_EQ(sh.lif_layers(), 1u);
    sh.depth = 1;
    EXPECT_EQ(sh.lif_layers(), 1u);
    sh.p_last = 7;
    EXPECT_THROW(sh.validate("model"), einet::config_error);
    try {
        sh.validate("model");
    } catch (const einet::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("multiple of K"), std::string::npos);
    }
}

// BPTT equals the finite-difference gradient of the smooth network whose spike is the surrogate's
// primitive (with the reset not detached, so every path of the recurrence is differentiated).
TEST(SnnBptt, MatchesFiniteDifferencesOfSmoothedNetwork) {
    struct cfg {
        surrogate_kind sk;
        loss_kind loss;
        readout_kind ro;
        supervision sup;
        std::size_t C;
    };
    const std::vector<cfg> cases{{surrogate_kind::atan, loss_kind::hinge, readout_kind::spike, supervision::final_time, 1},
                                 {surrogate_kind::fast_sigmoid, loss_kind::ce, readout_kind::membrane, supervision::per_timestep, 3},
                                 {surrogate_kind::superspike, loss_kind::squared, readout_kind::spike, supervision::final_time, 2},
                                 {surrogate_kind::atan, loss_kind::hinge_ovr, readout_kind::membrane, supervision::final_time, 3},
                                 {surrogate_kind::atan, loss_kind::logistic, readout_kind::spike, supervision::per_timestep, 1}};
    for (const auto& c : cases) {
        const auto sh = small_shape(3, c.C, 2, 3);
        snn_params p(sh);
        init_uniform_fan_in(p, 5);
        for (auto& v : p.flat()) v *= 3.0;  // enough drive for activity
        snn_options opt;
        opt.lif = lif_params::canonical(0.9, 0.5);
        opt.lif.detach_reset = false;
        opt.sg.kind = c.sk;
        opt.sg.slope = c.sk == surrogate_kind::atan ? 2.0 : 3.0;
        opt.sg.smooth_forward = true;
        opt.readout = c.ro;
        objective_spec obj{c.loss, c.sup, c.sup == supervision::per_timestep, c.C};
        const auto d = seq_random_data(5, 6, 3, c.C == 1 ? 2 : c.C, 11, c.sup == supervision::per_timestep);
        const double beta = 0.05;
        snn_trace tr;
        snn_forward(p, opt, d.x, d.steps, tr);
        const auto s = supervise(obj, d);
        matrix Z(static_cast<Eigen::Index>(s.rows.size()), tr.logits.cols()), G;
        for (std::size_t i = 0; i < s.rows.size(); ++i) Z.row(static_cast<Eigen::Index>(i)) = tr.logits.row(s.rows[i]);
        loss_value(obj.loss, Z, s.Y, s.a, &G);
        matrix dl = matrix::Zero(tr.logits.rows(), tr.logits.cols());
        for (std::size_t i = 0; i < s.rows.size(); ++i) dl.row(s.rows[i]) = G.row(static_cast<Eigen::Index>(i));
        std::vector<double> grad;
        snn_backward(p, opt, d.x, tr, dl, grad);
        path_norm(p, beta, &grad);
        double worst = 0.0;
        for (std::size_t i = 0; i < p.flat().size(); ++i) {
            const double h = 1e-6, keep = p.flat()[i];
            p.flat()[i] = keep + h;
            const double fp = objective(p, opt, obj, d, beta);
            p.flat()[i] = keep - h;
            const double fm = objective(p, opt, obj, d, beta);
            p.flat()[i] = keep;
            const double fd = (fp - fm) / (2 * h);
            worst = std::max(worst, std::abs(fd - grad[i]) / std::max(1e-3, std::abs(fd)));
        }
        EXPECT_LT(worst, 2e-4) << loss_name(c.loss);
    }
}

TEST(SnnOptim, AdamFirstStepMovesEveryParameterByLr) {
    adam a;
    a.lr = 0.01;
    std::vector<double> p{1.0, -2.0}, g{0.3, -5.0};
    a.step(p, g);
    // m̂ = g, v̂ = g²: the first step is lr·g/(|g| + ε)
    EXPECT_NEAR(p[0], 1.0 - 0.01, 1e-9);
    EXPECT_NEAR(p[1], -2.0 + 0.01, 1e-9);
    plateau_scheduler s;
    s.patience = 2;
    for (double m : {1.0, 1.0, 1.0}) s.step(m, a);
    EXPECT_DOUBLE_EQ(a.lr, 0.01);
    s.step(1.0, a);  // third epoch without improvement > patience
    EXPECT_DOUBLE_EQ(a.lr, 0.005);
}

TEST(SnnTrainer, ResumeFromCheckpointIsBitIdentical) {
    const auto sh = small_shape(3, 2);
    const auto train = seq_random_data(4, 20, 3, 2, 1), val = seq_random_data(4, 10, 3, 2, 2);
    snn_options opt;
    opt.lif = lif_params::reference();
    objective_spec obj{loss_kind::ce, supervision::final_time, false, 2};
    sg_options sg;
    sg.lr = 1e-2;
    sg.path_beta = 0.1;
    sg.epochs = 8;
    sg.batch = 7;
    sg.patience = 1;
    snn_params a(sh), b(sh);
    init_uniform_fan_in(a, 3);
    b = a;
    const auto ha = train_sg(a, opt, obj, train, &val, sg);
    const auto dir = std::filesystem::temp_directory_path() / ("einet_sg_ckpt_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto first = sg;
    first.checkpoint = dir;
    first.checkpoint_every = 3;
    first.epochs = 4;  // "interrupted" after the checkpoint at epoch 3 and one more epoch
    first.keep_best = false;
    train_sg(b, opt, obj, train, &val, first);
    snn_params c(sh);
    auto second = sg;
    second.checkpoint = dir;
    second.resume = true;
    const auto hc = train_sg(c, opt, obj, train, &val, second);
    EXPECT_EQ(a.flat(), c.flat());
    EXPECT_EQ(ha.objective, hc.objective);
    EXPECT_EQ(ha.lr, hc.lr);
    std::filesystem::remove_all(dir);
}

TEST(SnnTrainer, ChunkedForwardGivesEveryRowItsOwnLogits) {
    // Evaluation runs the forward pass over chunks of samples; each (step, sample) row must land
    // where one pass over the whole set puts it, for per-step and final-time data alike.
    const auto sh = small_shape(3, 4);
    snn_params p(sh);
    init_uniform_fan_in(p, 5);
    snn_options opt;
    opt.lif = lif_params::reference();
    for (const bool per_step : {false, true}) {
        const auto data = seq_random_data(5, 23, 3, 4, 6, per_step);
        snn_trace whole;
        snn_forward(p, opt, data.x, data.steps, whole);
        for (const std::size_t chunk : {1, 7, 23, 50}) {
            const matrix chunked = forward_logits(p, opt, data, chunk);
            ASSERT_EQ(chunked.rows(), whole.logits.rows());
            EXPECT_LE((chunked - whole.logits).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + whole.logits.cwiseAbs().maxCoeff()))
                << "chunk " << chunk << (per_step ? " per step" : " final time");
        }
        objective_spec obj{loss_kind::ce, per_step ? supervision::per_timestep : supervision::final_time, false, 4};
        const auto e = evaluate(p, opt, obj, data);
        EXPECT_TRUE(std::isfinite(e.loss));
    }
}

TEST(SnnTrainer, DivergenceIsReported) {
    const auto sh = small_shape(3, 1);
    auto train = seq_random_data(4, 8, 3, 2, 1);
    snn_params p(sh);
    init_uniform_fan_in(p, 1);
    p.readout()(0, 0) = std::nan("");
    snn_options opt;
    objective_spec obj{loss_kind::squared, supervision::final_time, false, 1};
    sg_options sg;
    sg.epochs = 2;
    opt.readout = readout_kind::membrane;
    EXPECT_THROW(train_sg(p, opt, obj, train, nullptr, sg), einet::numerical_error);
    train.x(0, 0) = std::nan("");
    EXPECT_THROW(train.validate("task.train"), einet::config_error);
}

TEST(SnnDictionary, ReconstructedNetworkReproducesConvexPredictionsExactly) {
    const auto split = first_last_xor(6, 64, 16, 64, 3);
    snn_shape sh = small_shape(2, 1, 2, 3);
    sh.p_rec = 16;
    sh.p_last = 32;
    snn_params w(sh);
    init_gaussian_witness(w, 7);
    for (auto ro : {readout_kind::spike, readout_kind::membrane_threshold}) {
        snn_options opt;
        opt.readout = ro;
        const auto dict = build_dictionary(w, opt, supervision::final_time, split.train, true);
        EXPECT_LE(dict.distinct_columns, 32u);
        EXPECT_EQ(dict.D.cols(), static_cast<Eigen::Index>(dict.distinct_columns));
        EXPECT_TRUE(((dict.D.array() == 0.0) || (dict.D.array() == 1.0)).all());
        objective_spec obj{loss_kind::hinge, supervision::final_time, false, 2};
        const auto rows = supervise(obj, split.train);
        convex_problem pr{&dict.D, rows.Y, rows.a, loss_kind::hinge, penalty_kind::elementwise, 1e-3};
        const auto sol = solve_convex(pr);
        EXPECT_TRUE(sol.certified);
        snn_params net = w;
        set_readout(net, dict, sol.W);
        snn_trace tr;
        snn_forward(net, opt, split.train.x, split.train.steps, tr);
        const matrix Zc = dict.D * sol.W;
        const auto n = static_cast<Eigen::Index>(split.train.samples());
        EXPECT_LT((tr.logits.bottomRows(n) - Zc).cwiseAbs().maxCoeff(), 1e-12);
        const double net_objective = loss_value(loss_kind::hinge, tr.logits.bottomRows(n), rows.Y, rows.a) +
                                     pr.rho * net.readout().cwiseAbs().sum();
        EXPECT_NEAR(net_objective, sol.primal, 1e-12);
    }
}

// Lemma 3.5: scaling W, the reset and the threshold of every LIF neuron by δ > 0 leaves every
// spike unchanged (the leak is not a scale).
TEST(SnnDictionary, Lemma35RescalingLeavesSpikesUnchanged) {
    const auto sh = small_shape(3, 2, 2, 4);
    snn_params p(sh);
    init_gaussian_witness(p, 4);
    const auto d = seq_random_data(12, 40, 3, 2, 5);
    snn_options opt;
    snn_trace ref;
    snn_forward(p, opt, d.x, d.steps, ref);
    double active = 0;
    for (const auto& s : ref.s) active += s.sum();
    EXPECT_GT(active, 0.0);
    for (double delta : {0.25, 1e-3, 3.7, 1e4}) {
        snn_params q = p;
        for (std::size_t i = 0; i < q.readout_offset(); ++i) q.flat()[i] *= delta;
        snn_options o = opt;
        o.lif.theta *= delta;
        o.lif.reset_scale *= delta;
        snn_trace tr;
        snn_forward(q, o, d.x, d.steps, tr);
        for (std::size_t i = 0; i < ref.s.size(); ++i) EXPECT_TRUE(tr.s[i] == ref.s[i]) << "delta " << delta;
    }
}

// Lemma 3.5 with a diagonal Δ = diag(δ_i): every LIF neuron i gets its own δ_i > 0 (column i of its
// W, its reset and its threshold scaled by δ_i). Every spike and every membrane-threshold entry is
// unchanged bit for bit, in both LIF forms; the post-reset membrane itself scales by δ_i.
TEST(SnnDictionary, Lemma35PerNeuronDiagonalRescalingLeavesSpikesUnchanged) {
    const auto sh = small_shape(3, 2, 2, 4);  // two branches of three LIF layers
    snn_params p(sh);
    init_gaussian_witness(p, 11);
    const auto d = seq_random_data(10, 30, 3, 2, 6);
    std::vector<double> delta(lif_neurons(sh));
    for (std::size_t i = 0; i < delta.size(); ++i) {
        const auto r = einet::rng::philox(5, einet::rng::purpose::dataset, 77, i);
        delta[i] = std::pow(10.0, -3.0 + 6.0 * einet::rng::uniform53(r[0], r[1]));  // 1e-3 … 1e3
    }
    snn_params q = p;
    std::size_t at = 0;
    for (std::size_t k = 0; k < sh.branches; ++k)
        for (std::size_t l = 0; l < sh.lif_layers(); ++l)
            for (Eigen::Index j = 0; j < q.hidden(k, l).cols(); ++j) q.hidden(k, l).col(j) *= delta[at++];
    for (const auto& lif : {lif_params::canonical(), lif_params::reference()}) {
        snn_options opt;
        opt.lif = lif;
        snn_trace ref;
        snn_forward(p, opt, d.x, d.steps, ref);
        double active = 0;
        for (const auto& s : ref.s) active += s.sum();
        EXPECT_GT(active, 0.0);
        snn_options o = opt;
        o.membrane_scale = delta;
        snn_trace tr;
        snn_forward(q, o, d.x, d.steps, tr);
        for (std::size_t i = 0; i < ref.s.size(); ++i) EXPECT_TRUE(tr.s[i] == ref.s[i]) << "layer block " << i;
        for (auto ro : {readout_kind::membrane_threshold, readout_kind::membrane}) {
            opt.readout = o.readout = ro;
            snn_forward(p, opt, d.x, d.steps, ref);
            snn_forward(q, o, d.x, d.steps, tr);
            if (ro == readout_kind::membrane_threshold) {
                EXPECT_TRUE(tr.features == ref.features);
                continue;
            }
            const std::size_t last = lif_neurons(sh) / sh.branches - sh.width(sh.lif_layers() - 1);
            for (std::size_t k = 0; k < sh.branches; ++k)
                for (std::size_t j = 0; j < sh.width(sh.lif_layers() - 1); ++j) {
                    const auto c = static_cast<Eigen::Index>(k * sh.width(sh.lif_layers() - 1) + j);
                    const double dj = delta[k * (lif_neurons(sh) / sh.branches) + last + j];
                    EXPECT_LT((tr.features.col(c) - dj * ref.features.col(c)).cwiseAbs().maxCoeff(),
                              1e-12 * dj * (1.0 + ref.features.col(c).cwiseAbs().maxCoeff()));
                }
        }
    }
    snn_options bad;
    bad.membrane_scale.assign(3, 1.0);
    snn_trace tr;
    EXPECT_THROW(snn_forward(q, bad, d.x, d.steps, tr), einet::config_error);
}

TEST(SnnTasks, FirstLastXorIsBalancedAndLabelledByFirstAndLastSymbol) {
    const auto s = first_last_xor(5, 100, 20, 80, 1);
    EXPECT_EQ(s.train.samples(), 100u);
    EXPECT_EQ(s.test.samples(), 80u);
    int pos = 0;
    for (const auto* part : {&s.train, &s.val, &s.test}) {
        const std::size_t n = part->samples();
        for (std::size_t i = 0; i < n; ++i) {
            const int first = part->x(static_cast<Eigen::Index>(i), 1) == 1.0;
            const int last = part->x(static_cast<Eigen::Index>(4 * n + i), 1) == 1.0;
            EXPECT_EQ(part->labels[i], first ^ last);
            pos += part->labels[i];
        }
    }
    EXPECT_EQ(pos, 100);
}

TEST(SnnTasks, IdxReaderRejectsCorruptFiles) {
    const auto dir = std::filesystem::temp_directory_path() / ("einet_idx_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, std::vector<unsigned char> bytes) {
        FILE* f = std::fopen((dir / name).c_str(), "wb");
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        return (dir / name).string();
    };
    const auto good = write("good", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4});
    const auto a = read_idx(good);
    EXPECT_EQ(a.dims, (std::vector<std::size_t>{2, 2}));
    EXPECT_EQ(a.data[3], 4);
    EXPECT_THROW(read_idx(write("magic", {1, 0, 8, 1, 0, 0, 0, 1, 7})), einet::io_error);
    EXPECT_THROW(read_idx(write("type", {0, 0, 13, 1, 0, 0, 0, 1, 7})), einet::io_error);
    try {
        read_idx(write("short", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2}));
        ADD_FAILURE();
    } catch (const einet::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
    }
    EXPECT_THROW(read_idx((dir / "missing").string()), einet::io_error);
    std::filesystem::remove_all(dir);
}
