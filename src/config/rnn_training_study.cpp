// Study "rnn_training" (paper 004 Fig. 4): CDI training of the continuous-time ReLU RNN by BPTT
// for every λ from the same initial weights, the ℓ2 balance statistic with its permutation null
// (Fig. 4a), and optionally the noise test (Fig. 4b): balance the largest-λ network with the
// robustness cost and compare trial-averaged losses of original and balanced networks under
// hidden noise ε (spec §3.1).
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "einet/analysis/balancing_theory.hpp"
#include "einet/config/balancing_studies.hpp"
#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"
#include "einet/train/cdi_task.hpp"
#include "einet/train/rate_bptt.hpp"
#include "spiking_checkpoint.hpp"  // checkpoint_dir, remove_interrupted_leftovers, interrupt_if_testing

namespace einet::config {
namespace {

// Derived dataset seeds: training batches, gain runs and evaluation runs never share noise.
constexpr std::uint64_t gain_stream = 0x6761696eULL, eval_stream = 0x6576616cULL;

Eigen::MatrixXd normal(Eigen::Index rows, Eigen::Index cols, double sd, std::uint64_t seed, std::uint32_t which) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index k = 0; k < m.size(); ++k) {
        const auto z = rng::normals4(seed, rng::purpose::weight_init, which, static_cast<std::uint64_t>(k / 4));
        m(k / cols, k % cols) = sd * z[static_cast<std::size_t>(k % 4)];  // row-major draw order
    }
    return m;
}

network::relu_rnn initial_network(const resolved_config& cfg) {
    const auto n = static_cast<Eigen::Index>(cfg.integer("rnn.size"));
    const double sd = cfg.number("rnn.init_std");
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    network::relu_rnn net;
    net.phi = network::parse_nonlinearity(cfg.string("rnn.nonlinearity"));
    net.J = normal(n, n, sd, seed, 0);
    net.W_in = normal(n, train::cdi_inputs, sd, seed, 1);
    net.W_out = normal(train::cdi_outputs, n, sd, seed, 2);
    net.b = Eigen::VectorXd::Zero(n);
    return net;
}

train::cdi_options task_options(const resolved_config& cfg, std::uint64_t seed) {
    train::cdi_options o;
    o.steps = static_cast<int>(cfg.integer("task.steps"));
    o.input_noise = cfg.number("task.input_noise");
    o.context_noise = cfg.number("task.context_noise");
    o.seed = seed;
    return o;
}

// `batches` CDI batches side by side (8·batches runs) in the evaluation form (spec §3.1 step 1).
train::cdi_batch evaluation_set(const resolved_config& cfg, std::uint64_t seed, std::int64_t batches) {
    const auto o = task_options(cfg, seed);
    const int sub = static_cast<int>(cfg.integer("rnn.substeps"));
    const double sigma = cfg.number("noise_test.smoothing");
    train::cdi_batch all;
    for (std::int64_t b = 0; b < batches; ++b) {
        const auto one = train::upsample_and_smooth(train::make_cdi_batch(o, static_cast<std::uint64_t>(b)), sub, sigma);
        if (all.inputs.empty()) {
            all = one;
            for (auto& m : all.inputs) m.conservativeResize(Eigen::NoChange, 8 * batches);
            for (auto& m : all.targets) m.conservativeResize(Eigen::NoChange, 8 * batches);
        } else {
            for (std::size_t k = 0; k < one.inputs.size(); ++k) {
                all.inputs[k].middleCols(8 * b, 8) = one.inputs[k];
                all.targets[k].middleCols(8 * b, 8) = one.targets[k];
            }
        }
    }
    return all;
}

// Trial-averaged loss (spec §3.1 step 5, Ambiguity 4): per condition average outputs and targets
// over the repeats, then the MSE over samples, outputs and conditions.
double trial_averaged_loss(const engine::sequence& y, const engine::sequence& z, std::int64_t batches) {
    double sq = 0.0;
    for (std::size_t k = 0; k < y.size(); ++k) {
        Eigen::MatrixXd ym = Eigen::MatrixXd::Zero(y[k].rows(), 8), zm = ym;
        for (std::int64_t b = 0; b < batches; ++b) {
            ym += y[k].middleCols(8 * b, 8);
            zm += z[k].middleCols(8 * b, 8);
        }
        sq += ((ym - zm) / static_cast<double>(batches)).squaredNorm();
    }
    return sq / static_cast<double>(y.size() * static_cast<std::size_t>(y[0].rows()) * 8);
}

void noise_test(const resolved_config& cfg, const network::relu_rnn& trained, int threads, io::run_directory& dir,
                study_output& out) {
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    const double dt = 1.0 / static_cast<double>(cfg.integer("rnn.substeps"));
    // Gains σ_j² = μ_j: fraction of samples n = 0..N_s−2 with x_j > 0, noise-free (spec §3.1 step 2).
    const auto gain_batches = cfg.integer("noise_test.gain_batches");
    const auto gains_set = evaluation_set(cfg, seed ^ gain_stream, gain_batches);
    engine::noisy_options quiet;
    quiet.dt = dt;
    quiet.threads = threads;
    Eigen::VectorXd mu = Eigen::VectorXd::Zero(trained.size());
    const std::size_t samples = gains_set.inputs.size();
    engine::run_euler_maruyama(trained, gains_set.inputs, quiet, [&](std::size_t n, const Eigen::MatrixXd& x) {
        if (n + 1 < samples) mu += engine::apply_phi_prime(trained, x).rowwise().sum();
    });
    mu /= static_cast<double>((samples - 1) * static_cast<std::size_t>(8 * gain_batches));
    // Balance with the robustness cost (Eq. 13; or uniform α, balancing.cost), exponent
    // balancing.p (default 2), and move every weight.
    const double p = cfg.number("balancing.p");
    const Eigen::MatrixXd alpha = cfg.string("balancing.cost") == "robustness"
                                      ? plasticity::robustness_alpha(mu, trained.size())
                                      : Eigen::MatrixXd::Ones(trained.size(), trained.size());
    const auto c0 = plasticity::power_law_costs(trained.J, alpha, p, "balancing.");
    const auto eq = balance_by_method(cfg, c0, p, threads);
    if (!eq.warning.empty()) {
        std::fprintf(stderr, "einet: warning: %s\n", eq.warning.c_str());
        out.summary["balancing_warning"] = eq.warning;
    }
    const auto balanced = network::task_preserving_transform(trained, eq.h);
    // Noisy evaluation of both networks on the same runs and the same noise.
    const auto eval_batches = cfg.integer("noise_test.eval_batches");
    const auto eval = evaluation_set(cfg, seed ^ eval_stream, eval_batches);
    io::json ratios = io::json::array(), loss_o = io::json::array(), loss_b = io::json::array();
    std::vector<double> ratio_values;
    double state_sq = 0.0, state_count = 0.0;
    const auto levels = cfg.number_list("noise_test.noise_levels");
    for (std::size_t e = 0; e < levels.size(); ++e) {
        engine::noisy_options opt;
        opt.dt = dt;
        opt.noise = levels[e];
        opt.seed = seed + 1 + e;
        opt.threads = threads;
        const auto hook = levels[e] == 0.0 ? engine::state_hook([&](std::size_t, const Eigen::MatrixXd& x) {
            state_sq += x.squaredNorm();
            state_count += static_cast<double>(x.size());
        })
                                           : engine::state_hook{};
        const double lo = trial_averaged_loss(engine::run_euler_maruyama(trained, eval.inputs, opt, hook), eval.targets, eval_batches);
        const double lb = trial_averaged_loss(engine::run_euler_maruyama(balanced, eval.inputs, opt), eval.targets, eval_batches);
        ratios.push_back(lb / lo);
        ratio_values.push_back(lb / lo);
        loss_o.push_back(lo);
        loss_b.push_back(lb);
    }
    out.summary["noise_levels"] = io::json(levels);
    out.summary["loss_ratio"] = ratios;
    out.summary["loss_original"] = loss_o;
    out.summary["loss_balanced"] = loss_b;
    out.summary["cost_before"] = c0.sum();
    out.summary["cost_after"] = eq.cost;
    out.summary["sensitivity_before"] = plasticity::sensitivity(trained.J, mu, mu);
    out.summary["sensitivity_after"] = plasticity::sensitivity(balanced.J, mu, mu);
    out.summary["balancing_grad_norm_final"] = eq.grad_norm;
    out.summary["zero_gain_units"] = static_cast<std::int64_t>((mu.array() == 0.0).count());
    if (state_count > 0) out.summary["hidden_state_std"] = std::sqrt(state_sq / state_count);
    dir.write_array({"noise_levels", {levels.size()}, "noise level", "", "ε"}, levels);
    dir.write_array({"loss_ratio", {levels.size()}, "noise level", "", "trial-averaged loss, balanced / original"}, ratio_values);
    dir.write_array({"gains", {static_cast<std::size_t>(mu.size())}, "unit", "", "σ_j² = fraction of samples with x_j > 0"},
                    {mu.data(), mu.data() + mu.size()});
    dir.write_array({"h_balanced", {static_cast<std::size_t>(eq.h.size())}, "unit", "", "h of the balancing equilibrium"},
                    {eq.h.data(), eq.h.data() + eq.h.size()});
}

}  // namespace

namespace {

// What a checkpoint of this study holds besides the trainer state of the λ in progress: its
// index, the per-iteration records so far and the trained weights of every finished λ.
struct training_progress {
    std::size_t lambda = 0;
    std::vector<double> rmse, gnorm, l2;
    std::vector<network::relu_rnn> finished;
};

std::vector<double> as_vector(const Eigen::MatrixXd& m) { return {m.data(), m.data() + m.size()}; }

// The trained weights of λ number `tag` (J, W_in, W_out, b; row-major on disk), so that the
// network can be re-run or balanced outside the study.
void write_network(io::run_directory& dir, const network::relu_rnn& net, const std::string& tag) {
    auto put = [&](const std::string& name, const Eigen::MatrixXd& m, const std::string& axes, const std::string& what) {
        const Eigen::MatrixXd t = m.transpose();
        dir.write_array({name + "_lambda_" + tag, {static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols())}, axes, "",
                         "trained " + what + " for λ number " + tag},
                        as_vector(t));
    };
    put("J", net.J, "post, pre", "J");
    put("W_in", net.W_in, "unit, input", "W_in");
    put("W_out", net.W_out, "output, unit", "W_out");
    dir.write_array({"b_lambda_" + tag, {static_cast<std::size_t>(net.b.size())}, "unit", "", "trained b for λ number " + tag},
                    {net.b.data(), net.b.data() + net.b.size()});
}

void save_progress(const std::filesystem::path& run_dir, const train::rate_bptt_trainer& trainer, const training_progress& p) {
    auto d = trainer.state();
    d.fields.emplace_back("study", "rnn_training");
    d.fields.emplace_back("lambda_index", std::to_string(p.lambda));
    d.arrays.push_back({"record_rmse", p.rmse});
    d.arrays.push_back({"record_grad_norm", p.gnorm});
    d.arrays.push_back({"record_l2_cost", p.l2});
    for (std::size_t i = 0; i < p.finished.size(); ++i) {
        const auto& n = p.finished[i];
        const std::string pre = "finished_" + std::to_string(i) + "_";
        d.arrays.push_back({pre + "J", as_vector(n.J)});
        d.arrays.push_back({pre + "W_in", as_vector(n.W_in)});
        d.arrays.push_back({pre + "W_out", as_vector(n.W_out)});
        d.arrays.push_back({pre + "b", as_vector(n.b)});
    }
    io::write_checkpoint(checkpoint_dir(run_dir), d);
}

const std::vector<double>& array_named(const io::checkpoint_data& d, const std::string& name, std::size_t size,
                                       const std::filesystem::path& where) {
    for (const auto& a : d.arrays)
        if (a.name == name && a.values.size() == size) return a.values;
    throw io_error(where.string() + ": the checkpoint has no array " + name + " of " + std::to_string(size) + " values");
}

training_progress load_progress(const std::filesystem::path& run_dir, const io::checkpoint_data& d,
                                const network::relu_rnn& shape, std::size_t records) {
    const auto where = checkpoint_dir(run_dir);
    const auto* lambda = d.field("lambda_index");
    const auto* study = d.field("study");
    if (!lambda || !study || *study != "rnn_training") throw io_error(where.string() + ": not an rnn_training checkpoint");
    training_progress p;
    p.lambda = std::stoul(*lambda);
    p.rmse = array_named(d, "record_rmse", records, where);
    p.gnorm = array_named(d, "record_grad_norm", records, where);
    p.l2 = array_named(d, "record_l2_cost", records, where);
    for (std::size_t i = 0; i < p.lambda; ++i) {
        network::relu_rnn n = shape;
        const std::string pre = "finished_" + std::to_string(i) + "_";
        auto fill = [&](Eigen::MatrixXd& m, const std::string& name) {
            const auto& v = array_named(d, pre + name, static_cast<std::size_t>(m.size()), where);
            m = Eigen::Map<const Eigen::MatrixXd>(v.data(), m.rows(), m.cols());
        };
        fill(n.J, "J");
        fill(n.W_in, "W_in");
        fill(n.W_out, "W_out");
        const auto& b = array_named(d, pre + "b", static_cast<std::size_t>(n.b.size()), where);
        n.b = Eigen::Map<const Eigen::VectorXd>(b.data(), n.b.size());
        p.finished.push_back(n);
    }
    return p;
}

}  // namespace

study_output run_rnn_training_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt) {
    study_output out;
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    const auto init = initial_network(cfg);
    const auto lambdas = cfg.number_list("training.l2_penalty");
    const auto iterations = cfg.integer("training.iterations");
    const auto every = cfg.integer("training.checkpoint_every");
    const auto task = task_options(cfg, seed);
    train::bptt_options bo;
    bo.learning_rate = cfg.number("training.learning_rate");
    bo.clip_norm = cfg.number("training.clip_norm");
    bo.method = cfg.string("training.optimiser") == "adam" ? train::optimiser::adam : train::optimiser::gradient_descent;
    bo.integrator.substeps = static_cast<int>(cfg.integer("rnn.substeps"));
    bo.integrator.dt = 1.0 / bo.integrator.substeps;
    bo.threads = std::max(1, opt.threads);
    const auto data = [&](std::uint64_t it, engine::sequence& in, engine::sequence& tg) {
        auto b = train::make_cdi_batch(task, it);
        in = std::move(b.inputs);
        tg = std::move(b.targets);
    };
    const auto L = lambdas.size(), I = static_cast<std::size_t>(iterations);
    training_progress progress;
    io::checkpoint_data resumed;
    if (opt.resume) {
        remove_interrupted_leftovers(dir.path());
        resumed = io::read_checkpoint(checkpoint_dir(dir.path()));
        progress = load_progress(dir.path(), resumed, init, L * I);
        dir.manifest()["resumed_at"] = "lambda " + std::to_string(progress.lambda) + ", iteration " +
                                       *resumed.field("iteration");
    } else {
        progress.rmse.assign(L * I, 0.0);
        progress.gnorm.assign(L * I, 0.0);
        progress.l2.assign(L * I, 0.0);
    }
    std::size_t checkpoints = 0;
    io::json final_g = io::json::array(), below = io::json::array(), null_mean = io::json::array(),
             initial_g = io::json::array(), final_rmse = io::json::array();
    network::relu_rnn largest;
    double largest_lambda = -1.0;
    for (std::size_t l = 0; l < L; ++l) {
        if (l >= progress.finished.size()) {
            bo.l2_penalty = lambdas[l];
            train::rate_bptt_trainer trainer(init, bo);
            if (opt.resume && l == progress.lambda) trainer.restore(resumed, checkpoint_dir(dir.path()));
            progress.lambda = l;
            trainer.train(iterations, data, [&](long it, const train::bptt_record& r) {
                const auto k = l * I + static_cast<std::size_t>(it);
                progress.rmse[k] = r.rmse;
                progress.gnorm[k] = r.neural_grad_l2;
                progress.l2[k] = r.l2_cost;
                // State before this iteration's update: a resumed run redoes iteration `it` exactly.
                if (every > 0 && it > 0 && it % every == 0) {
                    save_progress(dir.path(), trainer, progress);
                    interrupt_if_testing(++checkpoints);
                }
            });
            progress.finished.push_back(trainer.network());
        }
        const auto& net = progress.finished[l];
        const auto null = analysis::balance_permutation_null(net.J.array().square().matrix(),
                                                             static_cast<int>(cfg.integer("training.permutations")), seed);
        final_g.push_back(null.grad_norm);
        below.push_back(null.fraction_below);
        null_mean.push_back(null.null_mean);
        initial_g.push_back(progress.gnorm[l * I]);
        double tail = 0.0;
        const std::size_t last = std::min<std::size_t>(100, I);
        for (std::size_t k = I - last; k < I; ++k) tail += progress.rmse[l * I + k] / static_cast<double>(last);
        final_rmse.push_back(tail);
        if (lambdas[l] > largest_lambda) {
            largest_lambda = lambdas[l];
            largest = net;
        }
        write_network(dir, net, std::to_string(l));
    }
    dir.write_array({"lambdas", {L}, "lambda", "", "λ values"}, lambdas);
    dir.write_array({"rmse", {L, I}, "lambda, iteration", "", "training RMSE (before the update)"}, progress.rmse);
    dir.write_array({"grad_norm", {L, I}, "lambda, iteration", "", "ℓ2 neural gradient norm ‖g‖, c = J²"}, progress.gnorm);
    dir.write_array({"l2_cost", {L, I}, "lambda, iteration", "", "Σ J²"}, progress.l2);
    out.summary["lambdas"] = io::json(lambdas);
    out.summary["grad_norm_initial"] = initial_g;
    out.summary["grad_norm_final"] = final_g;
    out.summary["null_fraction_below"] = below;
    out.summary["null_mean"] = null_mean;
    out.summary["rmse_final"] = final_rmse;
    if (cfg.boolean("noise_test.enabled")) noise_test(cfg, largest, std::max(1, opt.threads), dir, out);
    std::error_code ec;
    std::filesystem::remove_all(checkpoint_dir(dir.path()), ec);  // a complete run keeps no checkpoint
    return out;
}

}  // namespace einet::config
