#include "einet/config/snn_convex_study.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "einet/core/error.hpp"
#include "einet/train/snn_dictionary.hpp"
#include "einet/train/snn_tasks.hpp"

namespace einet::config {
using io::json;
namespace tr = einet::train;

namespace {

tr::snn_shape shape_of(const resolved_config& cfg, std::size_t d, std::size_t K, std::size_t L) {
    tr::snn_shape s{d, K, L, static_cast<std::size_t>(cfg.integer("snn.p_rec")),
                    static_cast<std::size_t>(cfg.integer("snn.p_last")), 1};
    s.validate(cfg.origin("snn.branches") + ": snn.branches = " + std::to_string(K));
    return s;
}

tr::task_split load_task(const resolved_config& cfg) {
    const auto T = static_cast<std::size_t>(cfg.integer("task.steps"));
    const auto ntr = static_cast<std::size_t>(cfg.integer("task.n_train"));
    const auto nva = static_cast<std::size_t>(cfg.integer("task.n_val"));
    const auto nte = static_cast<std::size_t>(cfg.integer("task.n_test"));
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    if (cfg.string("task.kind") == "first_last_xor") return tr::first_last_xor(T, ntr, nva, nte, seed);
    const tr::image_files f{cfg.string("task.train_images"), cfg.string("task.train_labels"),
                            cfg.string("task.test_images"), cfg.string("task.test_labels")};
    return tr::sequential_images(f, T, ntr, nva, nte, seed);
}

std::size_t classes_of(const tr::task_split& s) {
    int c = 1;
    for (int l : s.train.labels) c = std::max(c, l + 1);
    return static_cast<std::size_t>(std::max(c, 2));
}

// Outputs of the readout for a loss: one logit for the binary losses, C otherwise.
std::size_t outputs_for(tr::loss_kind k, std::size_t classes) {
    return k == tr::loss_kind::hinge || k == tr::loss_kind::logistic ? 1 : classes;
}

void check_loss_fits(const resolved_config& cfg, const std::string& key, std::size_t classes) {
    const auto k = tr::parse_loss(cfg.string(key), key);
    if (classes > 2 && (k == tr::loss_kind::hinge || k == tr::loss_kind::logistic))
        throw config_error(cfg.origin(key) + ": " + key + ": expected a multi-class loss (ce, hinge_ovr, squared) for " +
                           std::to_string(classes) + " classes, got " + cfg.string(key));
}

struct point_result {
    json j = json::object();
    double rel_gap = 0.0, acc_cvx = std::nan(""), primal = 0.0, dual = 0.0, gap = 0.0;
};

double test_accuracy(const tr::matrix& Z, const std::vector<int>& labels) {
    const auto pred = tr::predict_labels(Z);
    double hit = 0;
    for (std::size_t i = 0; i < pred.size(); ++i) hit += pred[i] == labels[i];
    return hit / static_cast<double>(pred.size());
}

point_result run_cvx(const resolved_config& cfg, const tr::task_split& data, std::size_t K, std::size_t L,
                     std::uint64_t seed, std::size_t classes) {
    const auto loss = tr::parse_loss(cfg.string("convex.loss"), "convex.loss");
    const std::size_t d = static_cast<std::size_t>(data.train.x.cols());
    auto shape = shape_of(cfg, d, K, L);
    shape.outputs = outputs_for(loss, classes);
    tr::snn_params witness(shape);
    tr::init_gaussian_witness(witness, seed);  // spec §4.1
    tr::snn_options opt;
    opt.lif = tr::lif_params::canonical(cfg.number("snn.beta_leak"), cfg.number("snn.theta"));
    opt.readout = cfg.string("convex.readout") == "spike" ? tr::readout_kind::spike : tr::readout_kind::membrane_threshold;
    opt.readout_bias = cfg.number("convex.bias");
    const auto dict = tr::build_dictionary(witness, opt, tr::supervision::final_time, data.train, cfg.boolean("convex.dedup"));
    tr::objective_spec obj{loss, tr::supervision::final_time, false, classes};
    const auto rows = tr::supervise(obj, data.train);
    tr::convex_problem pr{&dict.D, rows.Y, rows.a, loss, tr::penalty_kind::elementwise,
                          tr::rho_single_head(cfg.number("convex.beta"), dict.D.cols())};
    tr::convex_options copt;
    copt.gap_tol = cfg.number("convex.gap_tol");
    const auto sol = tr::solve_convex(pr, copt);
    // The reconstructed network (witness + convex readout) classifies the test set (spec §5.9).
    tr::snn_params net = witness;
    tr::set_readout(net, dict, sol.W);
    tr::snn_trace trace;
    tr::snn_forward(net, opt, data.test.x, data.test.steps, trace);
    point_result r;
    r.acc_cvx = test_accuracy(trace.logits.bottomRows(static_cast<Eigen::Index>(data.test.samples())), data.test.labels);
    r.rel_gap = std::abs(sol.gap) / std::max(1.0, std::abs(sol.primal));
    r.primal = sol.primal, r.dual = sol.dual, r.gap = sol.gap;
    r.j["primal"] = sol.primal;
    r.j["dual"] = sol.dual;
    r.j["gap"] = sol.gap;
    r.j["rho"] = pr.rho;
    r.j["dual_infeasibility"] = sol.dual_infeasibility;
    r.j["nonzeros"] = static_cast<std::int64_t>(sol.nonzeros);
    r.j["distinct_columns"] = static_cast<std::int64_t>(dict.distinct_columns);
    r.j["solver"] = sol.method;
    r.j["test_acc_cvx"] = r.acc_cvx;
    return r;
}

double run_sg(const resolved_config& cfg, const tr::task_split& data, std::size_t K, std::size_t L, std::uint64_t seed,
              std::size_t classes, json& j) {
    const auto loss = tr::parse_loss(cfg.string("sg.loss"), "sg.loss");
    auto shape = shape_of(cfg, static_cast<std::size_t>(data.train.x.cols()), K, L);
    shape.outputs = outputs_for(loss, classes);
    tr::snn_params p(shape);
    tr::init_uniform_fan_in(p, seed);  // nn.Linear default (spec §3)
    tr::snn_options opt;
    const double beta = cfg.number("snn.beta_leak"), theta = cfg.number("snn.theta");
    opt.lif = cfg.string("sg.lif") == "reference" ? tr::lif_params::reference(beta, theta) : tr::lif_params::canonical(beta, theta);
    opt.sg = tr::surrogate::named(cfg.string("sg.surrogate"));
    tr::objective_spec obj{loss, tr::supervision::final_time, false, classes};
    tr::sg_options sg;
    sg.lr = cfg.number("sg.lr");
    sg.path_beta = cfg.number("sg.path_beta");
    sg.epochs = static_cast<std::size_t>(cfg.integer("sg.epochs"));
    sg.batch = static_cast<std::size_t>(cfg.integer("sg.batch"));
    sg.patience = static_cast<std::size_t>(cfg.integer("sg.patience"));
    sg.seed = seed;
    const auto h = tr::train_sg(p, opt, obj, data.train, data.val.samples() ? &data.val : nullptr, sg);
    const double acc = tr::evaluate(p, opt, obj, data.test).accuracy;
    j["test_acc_sg"] = acc;
    j["sg_best_epoch"] = static_cast<std::int64_t>(h.best_epoch);
    j["sg_final_objective"] = h.objective.empty() ? 0.0 : h.objective.back();
    return acc;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

}  // namespace

void check_snn_convex(const resolved_config& cfg) {
    for (auto K : cfg.integer_list("snn.branches"))
        for (auto L : cfg.integer_list("snn.depth")) shape_of(cfg, 1, static_cast<std::size_t>(K), static_cast<std::size_t>(L));
    for (const auto& m : cfg.string_list("methods.run"))
        if (m != "cvx" && m != "sg")
            throw config_error(cfg.origin("methods.run") + ": methods.run: expected \"cvx\" or \"sg\", got \"" + m + "\"");
}

study_output run_snn_convex_study(const resolved_config& cfg, io::run_directory& dir, const run_options&) {
    const auto data = load_task(cfg);
    data.train.validate("task (training set)");
    data.test.validate("task (test set)");
    const std::size_t classes = classes_of(data);
    const auto methods = cfg.string_list("methods.run");
    const bool do_cvx = std::find(methods.begin(), methods.end(), "cvx") != methods.end();
    const bool do_sg = std::find(methods.begin(), methods.end(), "sg") != methods.end();
    if (do_cvx) check_loss_fits(cfg, "convex.loss", classes);
    if (do_sg) check_loss_fits(cfg, "sg.loss", classes);
    const auto Ks = cfg.integer_list("snn.branches"), Ls = cfg.integer_list("snn.depth"), seeds = cfg.integer_list("snn.seeds");
    // Summary maps are keyed by the swept value: "K" when only K varies, "L" when only L varies,
    // "K<K>_L<L>" otherwise.
    auto key_of = [&](std::int64_t K, std::int64_t L) {
        if (Ks.size() > 1 && Ls.size() == 1) return std::to_string(K);
        if (Ls.size() > 1 && Ks.size() == 1) return std::to_string(L);
        return "K" + std::to_string(K) + "_L" + std::to_string(L);
    };
    study_output out;
    json points = json::array(), primal = json::object(), dual = json::object(), gap = json::object(),
         acc_cvx = json::object(), acc_sg = json::object();
    double max_rel_gap = 0.0;
    for (auto K : Ks)
        for (auto L : Ls) {
            std::vector<double> a_cvx, a_sg, p_v, d_v, g_v;
            for (auto seed : seeds) {
                const auto t0 = std::chrono::steady_clock::now();
                point_result r;
                if (do_cvx) {
                    r = run_cvx(cfg, data, static_cast<std::size_t>(K), static_cast<std::size_t>(L),
                                static_cast<std::uint64_t>(seed), classes);
                    max_rel_gap = std::max(max_rel_gap, r.rel_gap);
                    a_cvx.push_back(r.acc_cvx);
                    p_v.push_back(r.primal);
                    d_v.push_back(r.dual);
                    g_v.push_back(r.gap);
                }
                if (do_sg)
                    a_sg.push_back(run_sg(cfg, data, static_cast<std::size_t>(K), static_cast<std::size_t>(L),
                                          static_cast<std::uint64_t>(seed), classes, r.j));
                r.j["K"] = K;
                r.j["L"] = L;
                r.j["seed"] = seed;
                r.j["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                std::fprintf(stderr, "einet: snn_convex K=%lld L=%lld seed=%lld done\n", static_cast<long long>(K),
                             static_cast<long long>(L), static_cast<long long>(seed));
                points.push_back(r.j);
            }
            const auto key = key_of(K, L);
            if (do_cvx) {
                primal[key] = mean_of(p_v);
                dual[key] = mean_of(d_v);
                gap[key] = mean_of(g_v);
                acc_cvx[key] = mean_of(a_cvx);
            }
            if (do_sg) acc_sg[key] = mean_of(a_sg);
        }
    out.summary["classes"] = static_cast<std::int64_t>(classes);
    out.summary["points"] = points;
    if (do_cvx) {
        out.summary["max_rel_gap"] = max_rel_gap;
        out.summary["primal"] = primal;
        out.summary["dual"] = dual;
        out.summary["gap"] = gap;
        out.summary["acc_cvx"] = acc_cvx;
        out.summary["test_acc"] = acc_cvx;
    }
    if (do_sg) out.summary["acc_sg"] = acc_sg;
    (void)dir;
    return out;
}

}  // namespace einet::config
