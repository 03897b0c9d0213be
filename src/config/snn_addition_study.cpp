#include "snn_addition_study.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "einet/train/snn_addition.hpp"
#include "snn_point_journal.hpp"
#include "snn_study_setup.hpp"

namespace einet::config {
using io::json;
namespace tr = einet::train;

namespace {

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// The data of one split seed s (spec §7.3): split A (pretraining), split B (fine-tuning), the ID
// test set and one test set per OOD length, each from its own stream.
struct addition_splits {
    tr::sequence_data a_train, a_val, b_train, b_val, test;
    std::vector<std::pair<std::size_t, tr::sequence_data>> ood;
};

addition_splits make_splits(const resolved_config& cfg, const tr::addition_spec& spec, std::uint64_t s) {
    const auto n = [&](const char* key) { return static_cast<std::size_t>(cfg.integer(key)); };
    addition_splits d{tr::addition_data(spec, n("task.n_train"), s + 11), tr::addition_data(spec, n("task.n_val"), s + 29),
                      tr::addition_data(spec, n("task.n_train"), s + 1000 + 11),
                      tr::addition_data(spec, n("task.n_val"), s + 1000 + 29),
                      tr::addition_data(spec, n("task.n_test"), s + 2000 + 47), {}};
    for (auto digits : cfg.integer_list("addition.ood_digits")) {
        tr::addition_spec o = spec;
        o.digits = static_cast<std::size_t>(digits);
        d.ood.emplace_back(o.digits, tr::addition_data(o, n("task.n_test"), s + 2000 + 10000 + 97 * o.digits));
    }
    return d;
}

// Every reported column of one trained network: ID (autoregressive joint token accuracy, its
// sequence accuracy and teacher-forced value), each OOD length, and the validation score used
// for the validation-selected variant.
std::map<std::string, double> score_all(const tr::snn_params& net, const tr::snn_options& opt,
                                        const tr::addition_spec& spec, const tr::objective_spec& obj,
                                        const addition_splits& d, json& j) {
    std::map<std::string, double> c;
    const auto id = tr::score_addition(net, opt, spec, obj, d.test, true);
    c["id"] = id.joint_token;
    c["id_sequence"] = id.joint_sequence;
    c["id_teacher_forced"] = tr::score_addition(net, opt, spec, obj, d.test, false).joint_token;
    c["val"] = tr::score_addition(net, opt, spec, obj, d.a_val, true).joint_token;
    j["id_sum_token"] = id.sum_token;
    j["id_carry_token"] = id.carry_token;
    if (std::isfinite(id.first_error)) j["id_first_error"] = id.first_error;
    for (const auto& [digits, data] : d.ood) {
        tr::addition_spec o = spec;
        o.digits = digits;
        c[std::to_string(digits)] = tr::score_addition(net, opt, o, obj, data, true).joint_token;
    }
    for (const auto& [k, v] : c) j[k] = v;
    return c;
}

// scores[method][λ index][seed] → columns
using score_table = std::map<std::string, std::vector<std::vector<std::map<std::string, double>>>>;

// A journalled record {"method", "point": the point's json, "columns": score_all's columns} back
// into the table (JSON null is a NaN column).
std::map<std::string, double> columns_of(const json& record) {
    std::map<std::string, double> c;
    for (const auto& [k, v] : record.find("columns")->items()) c[k] = v.is_number() ? v.number() : std::nan("");
    return c;
}

}  // namespace

study_output run_snn_addition(const resolved_config& cfg, io::run_directory& dir, const run_options& opt) {
    snn_setup::check_methods(cfg);
    tr::addition_spec spec;
    spec.base = static_cast<std::size_t>(cfg.integer("addition.base"));
    spec.digits = static_cast<std::size_t>(cfg.integer("addition.digits"));
    spec.random_initial_carry = cfg.string("addition.initial_carry") == "random";
    spec.carry_input = cfg.boolean("addition.carry_input");
    spec.validate(cfg.origin("addition.base") + ": addition");
    const double lambda_sum = cfg.number("addition.lambda_sum");
    const auto lambdas = cfg.number_list("addition.lambda_carry");
    std::vector<tr::objective_spec> objs;
    for (double lc : lambdas) objs.push_back(tr::addition_objective(spec, lambda_sum, lc));
    std::size_t outputs = 0;
    for (const auto& h : objs.front().heads) outputs += tr::head_outputs(h);
    const bool want_sg = snn_setup::runs(cfg, "sg") || snn_setup::runs(cfg, "sg_cvx") || snn_setup::runs(cfg, "sg_sg");
    const bool want_cvx = snn_setup::runs(cfg, "cvx") || snn_setup::runs(cfg, "cvx_sg");
    const bool fresh_b = cfg.boolean("addition.finetune_split");
    const auto sg_opt = snn_setup::sg_options(cfg), dict_opt = snn_setup::dictionary_options(cfg);
    const auto cgrid = snn_setup::convex_grid(cfg, tr::rho_rule::head_weight);  // ρ_head = β/λ_head (spec §5.5)
    const auto Ks = cfg.integer_list("snn.branches"), Ls = cfg.integer_list("snn.depth"), seeds = cfg.integer_list("snn.seeds");

    point_journal journal(dir.path(), opt.resume);
    if (journal.resumed()) dir.manifest()["resumed_points"] = static_cast<std::int64_t>(journal.resumed());
    study_output out;
    json points = json::array(), shapes = json::object();
    double max_rel_gap = 0.0;
    std::size_t uncertified = 0;
    for (auto K : Ks)
        for (auto L : Ls) {
            score_table table;
            for (auto seed : seeds) {
                const auto s = static_cast<std::uint64_t>(seed);
                auto point_key = [&](std::size_t li) {
                    return "K" + std::to_string(K) + "_L" + std::to_string(L) + "_seed" + std::to_string(seed) +
                           "_lambda_carry" + fmt(lambdas[li]);
                };
                // Points journalled by an interrupted run are read back, not recomputed.
                auto restore = [&](std::size_t li) {
                    const json* done = journal.find(point_key(li));
                    if (!done) return false;
                    for (const auto& rec : done->find("records")->elements()) {
                        const json& j = *rec.find("point");
                        auto& slot = table[rec.find("method")->string()];
                        slot.resize(lambdas.size());
                        slot[li].push_back(columns_of(rec));
                        if (const json* g = j.find("max_rel_gap")) max_rel_gap = std::max(max_rel_gap, g->number());
                        if (const json* u = j.find("uncertified_betas")) uncertified += static_cast<std::size_t>(u->number());
                        points.push_back(j);
                    }
                    return true;
                };
                bool all_done = true;
                for (std::size_t li = 0; li < lambdas.size(); ++li) all_done = restore(li) && all_done;
                if (all_done) continue;
                const auto d = make_splits(cfg, spec, s);
                d.a_train.validate("task (addition training set)");
                const auto sh = snn_setup::shape(cfg, static_cast<std::size_t>(d.a_train.x.cols()), static_cast<std::size_t>(K),
                                                 static_cast<std::size_t>(L), outputs);
                const auto& ft_train = fresh_b ? d.b_train : d.a_train;
                const auto& ft_val = fresh_b ? d.b_val : d.a_val;
                std::vector<tr::convex_fit> cvx;
                if (want_cvx) {  // one Gaussian witness and dictionary for the whole λ grid (spec §4.1)
                    tr::snn_params witness(sh);
                    tr::init_gaussian_witness(witness, s);
                    cvx = tr::convex_readout(witness, dict_opt, objs, d.a_train, d.a_val, cgrid);
                }
                for (std::size_t li = 0; li < lambdas.size(); ++li) {
                    if (journal.find(point_key(li))) continue;  // restored above
                    const auto t0 = std::chrono::steady_clock::now();
                    const auto& obj = objs[li];
                    json records = json::array();
                    auto record = [&](const std::string& method, const tr::snn_params& net, const tr::snn_options& net_opt,
                                      json j) {
                        j["method"] = method;
                        j["K"] = K, j["L"] = L, j["seed"] = seed, j["lambda_carry"] = lambdas[li];
                        auto& slot = table[method];
                        slot.resize(lambdas.size());
                        slot[li].push_back(score_all(net, net_opt, spec, obj, d, j));
                        points.push_back(j);
                        json rec = json::object(), cols = json::object();
                        for (const auto& [c, v] : slot[li].back()) cols[c] = v;
                        rec["method"] = method, rec["point"] = j, rec["columns"] = cols;
                        records.push_back(rec);
                    };
                    auto convex_json = [&](const tr::convex_fit& f) {
                        json j = json::object();
                        j["beta"] = f.beta, j["primal"] = f.primal, j["dual"] = f.dual, j["max_rel_gap"] = f.max_rel_gap;
                        j["distinct_columns"] = static_cast<std::int64_t>(f.distinct_columns);
                        j["uncertified_betas"] = static_cast<std::int64_t>(f.uncertified_betas);
                        if (!f.uncertified.empty()) j["uncertified"] = snn_setup::uncertified_json(f, {"sum", "carry"});
                        uncertified += f.uncertified_betas;
                        max_rel_gap = std::max(max_rel_gap, f.max_rel_gap);
                        return j;
                    };
                    auto sg_json = [](const tr::sg_fit& f) {
                        json j = json::object();
                        j["lr"] = f.lr, j["path_beta"] = f.path_beta, j["selection_score"] = f.score;
                        return j;
                    };
                    if (want_sg) {
                        tr::snn_params init(sh);
                        tr::init_uniform_fan_in(init, s);  // nn.Linear default (spec §3)
                        const auto sg = tr::sg_grid_search(init, sg_opt, obj, d.a_train, d.a_val,
                                                           snn_setup::sg_grid(cfg, s, false, true));
                        if (snn_setup::runs(cfg, "sg")) record("sg", sg.params, sg_opt, sg_json(sg));
                        if (snn_setup::runs(cfg, "sg_cvx")) {  // SG hidden weights as the witness (spec §4.2)
                            const auto f = tr::convex_readout(sg.params, dict_opt, {obj}, d.a_train, d.a_val, cgrid).front();
                            record("sg_cvx", f.net, dict_opt, convex_json(f));
                        }
                        if (snn_setup::runs(cfg, "sg_sg")) {
                            const auto f = tr::sg_grid_search(sg.params, sg_opt, obj, ft_train, ft_val,
                                                              snn_setup::sg_grid(cfg, s, true, true));
                            record("sg_sg", f.params, sg_opt, sg_json(f));
                        }
                    }
                    if (want_cvx) {
                        if (snn_setup::runs(cfg, "cvx")) record("cvx", cvx[li].net, dict_opt, convex_json(cvx[li]));
                        if (snn_setup::runs(cfg, "cvx_sg")) {
                            const auto f = tr::sg_grid_search(cvx[li].net, sg_opt, obj, ft_train, ft_val,
                                                              snn_setup::sg_grid(cfg, s, true, true));
                            record("cvx_sg", f.params, sg_opt, sg_json(f));
                        }
                    }
                    json journalled = json::object();
                    journalled["records"] = records;
                    journal.add(point_key(li), journalled);
                    std::fprintf(stderr, "einet: addition K=%lld L=%lld seed=%lld lambda_carry=%g done (%.1f s)\n",
                                 static_cast<long long>(K), static_cast<long long>(L), static_cast<long long>(seed),
                                 lambdas[li], std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                }
            }
            // Aggregation (spec §7.3, A6): seed mean per λ_carry; each column's maximum over λ_carry
            // (the rule that reproduces Table 3), and the λ_carry with the best validation score.
            json acc_id = json::object(), acc_ood = json::object(), seq_id = json::object(), tf_id = json::object(),
                 val_sel = json::object(), best_lambda = json::object(), by_lambda = json::object();
            for (const auto& [method, per_lambda] : table) {
                std::map<std::string, std::vector<double>> means;  // column → per λ
                json bl = json::object();
                for (std::size_t li = 0; li < per_lambda.size(); ++li) {
                    std::map<std::string, double> m;
                    for (const auto& cols : per_lambda[li])
                        for (const auto& [c, v] : cols) m[c] += v / static_cast<double>(per_lambda[li].size());
                    json jl = json::object();
                    for (const auto& [c, v] : m) means[c].push_back(v), jl[c] = v;
                    bl[fmt(lambdas[li])] = jl;
                }
                by_lambda[method] = bl;
                auto arg_max = [](const std::vector<double>& v) {
                    std::size_t b = 0;
                    for (std::size_t i = 1; i < v.size(); ++i)
                        if (v[i] > v[b]) b = i;
                    return b;
                };
                const std::size_t sel = arg_max(means["val"]);
                json ood = json::object(), vs = json::object(), lam = json::object();
                for (const auto& [c, v] : means) {
                    const std::size_t b = arg_max(v);
                    lam[c] = lambdas[b];
                    vs[c] = v[sel];
                    if (c != "id" && c != "id_sequence" && c != "id_teacher_forced" && c != "val") ood[c] = v[b];
                }
                acc_id[method] = means["id"][arg_max(means["id"])];
                seq_id[method] = means["id_sequence"][arg_max(means["id_sequence"])];
                tf_id[method] = means["id_teacher_forced"][arg_max(means["id_teacher_forced"])];
                acc_ood[method] = ood;
                val_sel[method] = vs;
                best_lambda[method] = lam;
            }
            json shape = json::object();
            shape["acc_id"] = acc_id;
            shape["acc_ood"] = acc_ood;
            shape["seq_acc_id"] = seq_id;
            shape["acc_id_teacher_forced"] = tf_id;
            shape["val_selected"] = val_sel;
            shape["best_lambda_carry"] = best_lambda;
            shape["by_lambda"] = by_lambda;
            // Table 2: best CVX-variant = max(CVX, SG-CVX), best SG-variant = max(SG, SG-SG) (spec §6)
            auto best_of = [&](const char* a, const char* b) {
                double v = -1.0;
                for (const char* m : {a, b})
                    if (const auto* x = acc_id.find(m)) v = std::max(v, x->number());
                return v;
            };
            if (best_of("cvx", "sg_cvx") >= 0) shape["best_cvx_variant_id"] = best_of("cvx", "sg_cvx");
            if (best_of("sg", "sg_sg") >= 0) shape["best_sg_variant_id"] = best_of("sg", "sg_sg");
            const std::string key = Ks.size() * Ls.size() == 1 ? "" : "K" + std::to_string(K) + "_L" + std::to_string(L);
            if (key.empty())
                for (const auto& [k, v] : shape.items()) out.summary[k] = v;
            else
                shapes[key] = shape;
        }
    if (!shapes.items().empty()) out.summary["by_shape"] = shapes;
    out.summary["base"] = static_cast<std::int64_t>(spec.base);
    out.summary["max_rel_gap"] = max_rel_gap;  // over the certified solves
    out.summary["uncertified_betas"] = static_cast<std::int64_t>(uncertified);
    out.summary["points"] = points;
    journal.complete();
    return out;
}

}  // namespace einet::config
