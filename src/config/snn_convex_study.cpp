#include "einet/config/snn_convex_study.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "einet/core/error.hpp"
#include "einet/train/snn_dictionary.hpp"
#include "einet/train/snn_tasks.hpp"
#include "snn_addition_study.hpp"
#include "snn_point_journal.hpp"
#include "snn_study_setup.hpp"

namespace einet::config {
using io::json;
namespace tr = einet::train;

namespace {

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

// The methods of one (K, L, seed) point (spec §6): CVX, SG and the hybrids SG-CVX, SG-SG, CVX-SG,
// each a composition of the SG grid search and the convex readout (snn_methods.hpp); every
// network is scored on the test set.
class point_methods {
public:
    point_methods(const resolved_config& cfg, const tr::task_split& data, std::size_t K, std::size_t L,
                  std::uint64_t seed, std::size_t classes)
        : cfg_(cfg), data_(data), seed_(seed), sg_opt_(snn_setup::sg_options(cfg)),
          dict_opt_(snn_setup::dictionary_options(cfg)),
          cvx_obj_{tr::parse_loss(cfg.string("convex.loss"), "convex.loss"), tr::supervision::final_time, false, classes, {}},
          sg_obj_{tr::parse_loss(cfg.string("sg.loss"), "sg.loss"), tr::supervision::final_time, false, classes, {}},
          grid_(snn_setup::convex_grid(cfg, tr::rho_rule::sqrt_columns)) {
        const auto d = static_cast<std::size_t>(data.train.x.cols());
        cvx_shape_ = snn_setup::shape(cfg, d, K, L, tr::head_outputs({cvx_obj_.loss, classes, 1.0}));
        sg_shape_ = snn_setup::shape(cfg, d, K, L, tr::head_outputs({sg_obj_.loss, classes, 1.0}));
    }

    point_result run() {
        point_result r;
        const bool cvx = snn_setup::runs(cfg_, "cvx") || snn_setup::runs(cfg_, "cvx_sg");
        const bool sg = snn_setup::runs(cfg_, "sg") || snn_setup::runs(cfg_, "sg_cvx") || snn_setup::runs(cfg_, "sg_sg");
        if (cvx) {
            tr::snn_params witness(cvx_shape_);
            tr::init_gaussian_witness(witness, seed_);  // spec §4.1
            const auto f = convex(witness, r, "");
            r.acc_cvx = r.j["test_acc_cvx"].number();
            if (snn_setup::runs(cfg_, "cvx_sg")) finetune(f.net, "cvx_sg", r.j);
        }
        if (sg) {
            tr::snn_params init(sg_shape_);
            tr::init_uniform_fan_in(init, seed_);  // nn.Linear default (spec §3)
            const auto f = tr::sg_grid_search(init, sg_opt_, sg_obj_, data_.train, data_.val,
                                              snn_setup::sg_grid(cfg_, seed_, false, false));
            r.j["test_acc_sg"] = accuracy(f.params, sg_opt_, sg_obj_);
            r.j["sg_lr"] = f.lr, r.j["sg_path_beta"] = f.path_beta, r.j["sg_best_epoch"] = static_cast<std::int64_t>(f.best_epoch);
            if (snn_setup::runs(cfg_, "sg_cvx")) {  // the SG model's hidden weights as the witness (spec §4.2)
                tr::snn_params witness(cvx_shape_);
                for (std::size_t i = 0; i < witness.readout_offset(); ++i) witness.flat()[i] = f.params.flat()[i];
                point_result h;
                convex(witness, h, "sg_cvx_");
                for (const auto& [k, v] : h.j.items()) r.j[k] = v;
                r.rel_gap = std::max(r.rel_gap, h.rel_gap);
            }
            if (snn_setup::runs(cfg_, "sg_sg")) finetune(f.params, "sg_sg", r.j);
        }
        return r;
    }

private:
    double accuracy(const tr::snn_params& net, const tr::snn_options& opt, const tr::objective_spec& obj) const {
        return tr::evaluate(net, opt, obj, data_.test).accuracy;
    }

    // Convex readout over the witness with the β grid; records under `prefix` (empty for CVX).
    tr::convex_fit convex(const tr::snn_params& witness, point_result& r, const std::string& prefix) {
        auto f = tr::convex_readout(witness, dict_opt_, {cvx_obj_}, data_.train, data_.val, grid_).front();
        const auto& s = f.heads.front();
        r.rel_gap = std::max(r.rel_gap, f.max_rel_gap);
        r.primal = s.primal, r.dual = s.dual, r.gap = s.gap;
        r.j[prefix + "primal"] = s.primal;
        r.j[prefix + "dual"] = s.dual;
        r.j[prefix + "gap"] = s.gap;
        r.j[prefix + "beta"] = f.beta;
        r.j[prefix + "rho"] = tr::rho_single_head(f.beta, f.columns);
        r.j[prefix + "dual_infeasibility"] = s.dual_infeasibility;
        r.j[prefix + "nonzeros"] = static_cast<std::int64_t>(s.nonzeros);
        r.j[prefix + "distinct_columns"] = static_cast<std::int64_t>(f.distinct_columns);
        r.j[prefix + "solver"] = s.method;
        r.j[prefix + "uncertified_betas"] = static_cast<std::int64_t>(f.uncertified_betas);
        if (!f.uncertified.empty()) r.j[prefix + "uncertified"] = snn_setup::uncertified_json(f, {"readout"});
        // The reconstructed network (witness + convex readout) classifies the test set (spec §5.9).
        r.j[prefix.empty() ? "test_acc_cvx" : prefix + "test_acc"] = accuracy(f.net, dict_opt_, cvx_obj_);
        return f;
    }

    // SG fine-tuning of every weight from `start` (SG-SG, CVX-SG; spec §6).
    void finetune(const tr::snn_params& start, const std::string& method, json& j) {
        if (start.shape().outputs != sg_shape_.outputs)
            throw config_error(cfg_.origin("methods.run") + ": methods.run: " + method +
                               " needs convex.loss and sg.loss with the same number of outputs");
        const auto f = tr::sg_grid_search(start, sg_opt_, sg_obj_, data_.train, data_.val,
                                          snn_setup::sg_grid(cfg_, seed_, true, false));
        j[method + "_test_acc"] = accuracy(f.params, sg_opt_, sg_obj_);
        j[method + "_lr"] = f.lr, j[method + "_path_beta"] = f.path_beta;
    }

    const resolved_config& cfg_;
    const tr::task_split& data_;
    std::uint64_t seed_;
    tr::snn_options sg_opt_, dict_opt_;
    tr::objective_spec cvx_obj_, sg_obj_;
    tr::convex_grid grid_;
    tr::snn_shape cvx_shape_, sg_shape_;
};

// A point's result as journalled for resume, and back (JSON null is NaN).
json journal_point(const point_result& r) {
    json j = json::object();
    j["point"] = r.j;
    j["rel_gap"] = r.rel_gap, j["acc_cvx"] = r.acc_cvx, j["primal"] = r.primal, j["dual"] = r.dual, j["gap"] = r.gap;
    return j;
}

point_result restore_point(const json& j) {
    const auto num = [&](const char* k) { return j.find(k)->is_number() ? j.find(k)->number() : std::nan(""); };
    point_result r;
    r.j = *j.find("point");
    r.rel_gap = num("rel_gap"), r.acc_cvx = num("acc_cvx"), r.primal = num("primal"), r.dual = num("dual"), r.gap = num("gap");
    return r;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

}  // namespace

void check_snn_convex(const resolved_config& cfg) {
    for (auto K : cfg.integer_list("snn.branches"))
        for (auto L : cfg.integer_list("snn.depth"))
            snn_setup::shape(cfg, 1, static_cast<std::size_t>(K), static_cast<std::size_t>(L), 1);
    snn_setup::check_methods(cfg);
}

study_output run_snn_convex_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt) {
    if (cfg.string("task.kind") == "addition") return run_snn_addition(cfg, dir, opt);
    const auto data = load_task(cfg);
    data.train.validate("task (training set)");
    data.test.validate("task (test set)");
    const std::size_t classes = classes_of(data);
    const bool do_cvx = snn_setup::runs(cfg, "cvx"), do_sg = snn_setup::runs(cfg, "sg");
    const std::vector<std::string> hybrids{"sg_cvx", "sg_sg", "cvx_sg"};
    if (do_cvx || snn_setup::runs(cfg, "sg_cvx") || snn_setup::runs(cfg, "cvx_sg")) check_loss_fits(cfg, "convex.loss", classes);
    if (do_sg || snn_setup::runs(cfg, "sg_sg") || snn_setup::runs(cfg, "cvx_sg")) check_loss_fits(cfg, "sg.loss", classes);
    std::map<std::string, json> acc_hybrid;
    const auto Ks = cfg.integer_list("snn.branches"), Ls = cfg.integer_list("snn.depth"), seeds = cfg.integer_list("snn.seeds");
    // Summary maps are keyed by the swept value: "K" when only K varies, "L" when only L varies,
    // "K<K>_L<L>" otherwise.
    auto key_of = [&](std::int64_t K, std::int64_t L) {
        if (Ks.size() > 1 && Ls.size() == 1) return std::to_string(K);
        if (Ls.size() > 1 && Ks.size() == 1) return std::to_string(L);
        return "K" + std::to_string(K) + "_L" + std::to_string(L);
    };
    point_journal journal(dir.path(), opt.resume);  // per-(K, L, seed) resume
    if (journal.resumed()) dir.manifest()["resumed_points"] = static_cast<std::int64_t>(journal.resumed());
    study_output out;
    json points = json::array(), primal = json::object(), dual = json::object(), gap = json::object(),
         acc_cvx = json::object(), acc_sg = json::object();
    double max_rel_gap = 0.0;
    for (auto K : Ks)
        for (auto L : Ls) {
            std::vector<double> a_cvx, a_sg, p_v, d_v, g_v;
            std::map<std::string, std::vector<double>> a_hybrid;
            for (auto seed : seeds) {
                const auto t0 = std::chrono::steady_clock::now();
                const std::string pkey = "K" + std::to_string(K) + "_L" + std::to_string(L) + "_seed" + std::to_string(seed);
                const json* done = journal.find(pkey);
                point_result r = done ? restore_point(*done)
                                      : point_methods(cfg, data, static_cast<std::size_t>(K), static_cast<std::size_t>(L),
                                                      static_cast<std::uint64_t>(seed), classes)
                                            .run();
                max_rel_gap = std::max(max_rel_gap, r.rel_gap);
                if (do_cvx) {
                    a_cvx.push_back(r.acc_cvx);
                    p_v.push_back(r.primal);
                    d_v.push_back(r.dual);
                    g_v.push_back(r.gap);
                }
                if (do_sg) a_sg.push_back(r.j["test_acc_sg"].number());
                for (const auto& m : hybrids)
                    if (snn_setup::runs(cfg, m)) a_hybrid[m].push_back(r.j[m + "_test_acc"].number());
                if (!done) {
                    r.j["K"] = K;
                    r.j["L"] = L;
                    r.j["seed"] = seed;
                    r.j["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    journal.add(pkey, journal_point(r));
                    std::fprintf(stderr, "einet: snn_convex K=%lld L=%lld seed=%lld done\n", static_cast<long long>(K),
                                 static_cast<long long>(L), static_cast<long long>(seed));
                }
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
            for (const auto& [m, v] : a_hybrid) acc_hybrid[m][key] = mean_of(v);
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
    for (auto& [m, v] : acc_hybrid) out.summary["acc_" + m] = v;
    if (!do_cvx && snn_setup::runs(cfg, "sg_cvx")) out.summary["max_rel_gap"] = max_rel_gap;
    journal.complete();
    return out;
}

}  // namespace einet::config
