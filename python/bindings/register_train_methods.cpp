// Paper 002 methods layer (snn_methods.hpp, snn_addition.hpp, snn_dictionary.hpp,
// snn_complete_dictionary.hpp): addition data and scoring, the SG grid search with the paper's
// selection rules, the convex readout over a witness (β grid, certified solves), spike
// dictionaries and the complete dictionary of spec §4.4. Arrays are numpy, time-major [T, B, …].
#include "einet/train/snn_addition.hpp"
#include "einet/train/snn_complete_dictionary.hpp"
#include "einet/train/snn_methods.hpp"
#include "train_convert.hpp"

using namespace einet::train;
using namespace einet_py_train;

namespace {

using iarray = py::array_t<int, py::array::c_style | py::array::forcecast>;

std::vector<int> labels_of(const py::object& a) {
    if (a.is_none()) return {};
    const auto v = a.cast<iarray>();
    return {v.data(), v.data() + v.size()};
}

// x [T, B, d] with labels ([B] final time or [T, B] per step) and, for two-head tasks, carry labels.
sequence_data labelled(const darray& x, const py::object& labels, const py::object& carry) {
    auto s = data_of(x, labels_of(labels));
    if (!carry.is_none()) s.more_labels.push_back(labels_of(carry));
    return s;
}

#define DATA_ARGS                                                                                            \
    py::arg("x"), py::arg("labels"), py::arg("carry") = py::none(), py::arg("val_x") = py::none(),              \
        py::arg("val_labels") = py::none(), py::arg("val_carry") = py::none()
#define DATA_PARAMS                                                                                          \
    const darray &x, const py::object &labels, const py::object &carry, const py::object &val_x,                \
        const py::object &val_labels, const py::object &val_carry

// The training split (validated) and the optional validation split of the methods' arguments.
std::pair<sequence_data, sequence_data> train_and_val(DATA_PARAMS) {
    auto train = labelled(x, labels, carry);
    train.validate("x");
    return {std::move(train), val_x.is_none() ? sequence_data{} : labelled(val_x.cast<darray>(), val_labels, val_carry)};
}

sg_selection selection_of(const std::string& name) {
    if (name == "final_val") return sg_selection::final_val;
    if (name == "best_val_plus_beta") return sg_selection::best_val_plus_beta;
    throw einet::config_error("selection: expected best_val_plus_beta or final_val, got \"" + name + "\"");
}

rho_rule rho_rule_of(const std::string& name) {
    if (name == "head_weight") return rho_rule::head_weight;
    if (name == "sqrt_columns") return rho_rule::sqrt_columns;
    throw einet::config_error("rho_rule: expected sqrt_columns or head_weight, got \"" + name + "\"");
}

supervision supervision_of(const std::string& sup) {
    if (sup == "final_time") return supervision::final_time;
    if (sup == "per_timestep") return supervision::per_timestep;
    throw einet::config_error("supervision: expected final_time or per_timestep, got \"" + sup + "\"");
}

// One head (loss, classes) or, with addition_base > 0, the two-head addition objective (spec §7.3).
objective_spec objective_of(const std::string& loss, const std::string& sup, bool ramp, std::size_t classes,
                            std::size_t addition_base, double lambda_sum, double lambda_carry, bool carry_input) {
    if (addition_base > 0) {
        addition_spec sp;
        sp.base = addition_base;
        sp.carry_input = carry_input;
        sp.validate("addition_base");
        return addition_objective(sp, lambda_sum, lambda_carry);
    }
    return {parse_loss(loss, "loss"), supervision_of(sup), ramp, classes, {}};
}

#define OBJ_ARGS                                                                                                 \
    py::arg("loss") = "hinge", py::arg("supervision") = "final_time", py::arg("ramp") = false,                  \
    py::arg("classes") = 2, py::arg("addition_base") = 0, py::arg("lambda_sum") = 1.0, py::arg("lambda_carry") = 1.0, \
    py::arg("carry_input") = true
#define OBJ_PARAMS                                                                                               \
    const std::string &loss, const std::string &sup, bool ramp, std::size_t classes, std::size_t base, double lsum, \
        double lcarry, bool carry_input
#define OBJ_VALUES loss, sup, ramp, classes, base, lsum, lcarry, carry_input
#define SNN_PARAMS std::size_t d, std::size_t K, std::size_t L, std::size_t pr, std::size_t pl, std::size_t C
#define LIF_PARAMS                                                                                                  \
    const std::string &lif, double beta, double theta, bool detach, const std::string &sg, const std::string &readout, \
        double bias
#define LIF_VALUES lif, beta, theta, detach, sg, readout, bias

}  // namespace

void register_train_methods(py::module_& m) {
    m.def(
        "addition_data",
        [](std::size_t n, std::uint64_t seed, std::size_t base, std::size_t digits, bool random_carry, bool carry_input) {
            const addition_spec sp{base, digits, random_carry, carry_input};
            const auto s = addition_data(sp, n, seed);
            py::array_t<int> sum({static_cast<py::ssize_t>(s.steps), static_cast<py::ssize_t>(n)}),
                carry({static_cast<py::ssize_t>(s.steps), static_cast<py::ssize_t>(n)});
            std::copy(s.labels.begin(), s.labels.end(), sum.mutable_data());
            std::copy(s.more_labels[0].begin(), s.more_labels[0].end(), carry.mutable_data());
            py::dict out;
            out["x"] = to_tbn(s.x, s.steps), out["sum"] = sum, out["carry"] = carry;
            return out;
        },
        py::arg("n"), py::arg("seed"), py::arg("base") = 3, py::arg("digits") = 5, py::arg("random_initial_carry") = true,
        py::arg("carry_input") = true,
        "Multi-digit addition with carry (spec §7.3): x [T, n, 3] = (a_t, b_t, c_t)/(base−1) (2 channels without the "
        "carry input), per-step sum digits and carries [T, n], T = digits + 1.");
    m.def(
        "addition_score",
        [](const darray& params, SNN_PARAMS, const darray& x, const py::object& sum, const py::object& carry, std::size_t base,
           bool carry_input, bool autoregressive, LIF_PARAMS) {
            const auto p = params_of(shape_of(d, K, L, pr, pl, C), params);
            const auto data = labelled(x, sum, carry);
            data.validate("x");
            const addition_spec sp{base, data.steps - 1, true, carry_input};
            sp.validate("base");
            const auto s = score_addition(p, options_of(LIF_VALUES), sp, addition_objective(sp, 1.0, 1.0), data, autoregressive);
            py::dict out;
            out["joint_token"] = s.joint_token, out["sum_token"] = s.sum_token, out["carry_token"] = s.carry_token;
            out["joint_sequence"] = s.joint_sequence, out["first_error"] = s.first_error;
            return out;
        },
        py::arg("params"), SNN_ARGS, py::arg("x"), py::arg("sum"), py::arg("carry"), py::arg("base") = 3,
        py::arg("carry_input") = true, py::arg("autoregressive") = true, LIF_ARGS,
        "Scores a two-head (sum, carry) network: joint/sum/carry token accuracy, sequence accuracy, mean first "
        "error step; autoregressive feeds the predicted carries back (spec §7.3), otherwise teacher forcing.");
    m.def(
        "sg_grid_search",
        [](const darray& params, SNN_PARAMS, DATA_PARAMS, OBJ_PARAMS,
           const std::vector<double>& lrs, const std::vector<double>& path_betas, std::size_t epochs, std::size_t patience,
           std::size_t batch, std::uint64_t seed, const std::string& selection, const std::string& dtype, LIF_PARAMS) {
            const auto init = params_of(shape_of(d, K, L, pr, pl, C), params);
            const auto [train, val] = train_and_val(x, labels, carry, val_x, val_labels, val_carry);
            sg_grid g;
            g.lrs = lrs, g.path_betas = path_betas;
            g.base.epochs = epochs, g.base.patience = patience, g.base.batch = batch, g.base.seed = seed;
            if (dtype == "float32") g.base.precision = sg_precision::f32;
            else if (dtype != "float64") throw einet::config_error("dtype: expected float64 or float32, got \"" + dtype + "\"");
            g.select = selection_of(selection);
            const auto obj = objective_of(OBJ_VALUES);
            const auto opts = options_of(LIF_VALUES);
            sg_fit f;
            {
                py::gil_scoped_release release;
                f = sg_grid_search(init, opts, obj, train, val, g);
            }
            py::dict out;
            out["lr"] = f.lr, out["path_beta"] = f.path_beta, out["score"] = f.score, out["best_epoch"] = f.best_epoch;
            return py::make_tuple(flat_of(f.params), out);
        },
        py::arg("params"), SNN_ARGS, DATA_ARGS, OBJ_ARGS,
        py::arg("lrs") = std::vector<double>{1e-2}, py::arg("path_betas") = std::vector<double>{0.01},
        py::arg("epochs") = 200, py::arg("patience") = 10, py::arg("batch") = 0, py::arg("seed") = 1,
        py::arg("selection") = "best_val_plus_beta", py::arg("dtype") = "float64", LIF_ARGS,
        "SG training of one candidate per (lr, path_beta) from the same weights; returns (params, {lr, path_beta, "
        "score, best_epoch}) of the candidate the paper's rule selects (spec §3): best_val_plus_beta (XOR/MNIST) "
        "or final_val (addition). addition_base > 0 selects the two-head addition objective (carry labels needed).");
    m.def(
        "convex_readout",
        [](const darray& params, SNN_PARAMS, DATA_PARAMS, OBJ_PARAMS,
           const std::vector<double>& betas, const std::string& rho_rule_name, bool dedup, double gap_tol, LIF_PARAMS) {
            const auto witness = params_of(shape_of(d, K, L, pr, pl, C), params);
            const auto [train, val] = train_and_val(x, labels, carry, val_x, val_labels, val_carry);
            convex_grid g;
            g.betas = betas, g.dedup = dedup;
            g.solver.gap_tol = gap_tol;
            g.rule = rho_rule_of(rho_rule_name);
            const auto obj = objective_of(OBJ_VALUES);
            const auto opts = options_of(LIF_VALUES);
            convex_fit f;
            {
                py::gil_scoped_release release;
                f = convex_readout(witness, opts, {obj}, train, val, g).front();
            }
            py::dict out;
            out["params"] = flat_of(f.net);
            out["beta"] = f.beta, out["val_score"] = f.val_score, out["primal"] = f.primal, out["dual"] = f.dual;
            out["max_rel_gap"] = f.max_rel_gap, out["columns"] = f.columns, out["distinct_columns"] = f.distinct_columns;
            out["uncertified_betas"] = f.uncertified_betas;
            py::list heads;
            for (const auto& s : f.heads) heads.append(solution_dict(s));
            out["heads"] = heads;
            return out;
        },
        py::arg("params"), SNN_ARGS, DATA_ARGS, OBJ_ARGS,
        py::arg("betas") = std::vector<double>{0.01, 0.1, 0.5, 1.0, 5.0, 10.0}, py::arg("rho_rule") = "sqrt_columns",
        py::arg("dedup") = false, py::arg("gap_tol") = 1e-6, LIF_ARGS,
        "CVX / SG-CVX readout (spec §4–5): the dictionary of the frozen witness `params` on x, every head's convex "
        "program certified at every β (rho = β/√P or β/λ_head), β selected by the validation data term; returns "
        "the reconstructed network's flat params with p, d, gaps and every head's solution.");
    m.def(
        "spike_dictionary",
        [](const darray& params, SNN_PARAMS, const darray& x, const std::string& sup, bool dedup, LIF_PARAMS) {
            const auto witness = params_of(shape_of(d, K, L, pr, pl, C), params);
            auto data = data_of(x, {});
            data.labels.assign(data.samples(), 0);  // a dictionary needs no labels
            const auto dict = build_dictionary(witness, options_of(LIF_VALUES), supervision_of(sup), data, dedup);
            py::dict out;
            out["D"] = to_2d(matrix(dict.D));
            out["neuron"] = dict.neuron;
            out["distinct_columns"] = dict.distinct_columns;
            return out;
        },
        py::arg("params"), SNN_ARGS, py::arg("x"), py::arg("supervision") = "final_time", py::arg("dedup") = false,
        LIF_ARGS, "Spike dictionary of a frozen witness (spec §4.3): rows = samples (final time) or (t, sample).");
    m.def(
        "complete_dictionary",
        [](std::size_t d, std::size_t K, std::size_t L, std::size_t pr, std::size_t pl, const darray& x,
           const std::string& sup, std::size_t max_cells, LIF_PARAMS) {
            const auto sh = shape_of(d, K, L, pr, pl, 1);
            auto data = data_of(x, {});
            data.labels.assign(data.samples(), 0);
            complete_dictionary cd;
            {
                py::gil_scoped_release release;
                cd = enumerate_complete_dictionary(sh, options_of(LIF_VALUES), supervision_of(sup), data, max_cells);
            }
            py::list witnesses;
            for (const auto& w : cd.witness) witnesses.append(flat_of(w));
            py::dict out;
            out["D"] = to_2d(matrix(cd.D));
            out["witnesses"] = witnesses;
            out["inner_states"] = cd.inner_states;
            return out;
        },
        py::arg("d"), py::arg("K"), py::arg("L"), py::arg("p_rec"), py::arg("p_last"), py::arg("x"),
        py::arg("supervision") = "final_time", py::arg("max_cells") = 100000, LIF_ARGS,
        "Complete witnessed spike dictionary by exact enumeration (spec §4.4, tiny n only); witnesses[j] are the "
        "flat params of a one-branch network (K = 1, p_rec, p_last = 1, C = 1) producing column j.");
}
