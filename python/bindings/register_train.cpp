// Paper 002 training module (include/einet/train/): the K-parallel LIF network, SG training and
// the certified convex program. Arrays are numpy, time-major [T, B, N].
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/core/error.hpp"
#include "einet/train/convex_solver.hpp"
#include "einet/train/snn_trainer.hpp"
#include "train_convert.hpp"

using namespace einet::train;
using namespace einet_py_train;

void register_train(py::module_& m) {
    m.def(
        "snn_init",
        [](std::size_t d, std::size_t K, std::size_t L, std::size_t pr, std::size_t pl, std::size_t C, std::uint64_t seed,
           const std::string& kind) {
            snn_params p(shape_of(d, K, L, pr, pl, C));
            if (kind == "uniform") init_uniform_fan_in(p, seed);
            else if (kind == "gaussian") init_gaussian_witness(p, seed);
            else throw einet::config_error("init: expected uniform or gaussian, got \"" + kind + "\"");
            py::list layers;
            for (std::size_t k = 0; k < K; ++k)
                for (std::size_t l = 0; l < p.shape().lif_layers(); ++l)
                    layers.append(py::make_tuple(p.hidden(k, l).rows(), p.hidden(k, l).cols()));
            return py::make_tuple(py::array_t<double>(static_cast<py::ssize_t>(p.flat().size()), p.flat().data()), layers);
        },
        SNN_ARGS, py::arg("seed") = 1, py::arg("init") = "uniform",
        "Parameters of a K-parallel LIF network, flat (branch-major, layer-major W (in×out) blocks, then the "
        "readout p_last×C), and the list of hidden block shapes.");
    m.def(
        "snn_forward",
        [](const darray& params, std::size_t d, std::size_t K, std::size_t L, std::size_t pr, std::size_t pl,
           std::size_t C, const darray& x, const std::string& lif, double beta, double theta, bool detach,
           const std::string& sg, const std::string& readout, double bias) {
            const auto p = params_of(shape_of(d, K, L, pr, pl, C), params);
            const auto data = data_of(x, {});
            snn_trace tr;
            snn_forward(p, options_of(lif, beta, theta, detach, sg, readout, bias), data.x, data.steps, tr);
            py::list spikes;
            for (const auto& s : tr.s) spikes.append(to_tbn(s, data.steps));
            py::dict out;
            out["logits"] = to_tbn(tr.logits, data.steps);
            out["features"] = to_tbn(tr.features, data.steps);
            out["spikes"] = spikes;
            return out;
        },
        py::arg("params"), SNN_ARGS, py::arg("x"), LIF_ARGS, "Forward pass; time-major outputs.");
    m.def(
        "snn_train",
        [](const darray& params, std::size_t d, std::size_t K, std::size_t L, std::size_t pr, std::size_t pl,
           std::size_t C, const darray& x, const std::vector<int>& labels, const std::string& loss,
           const std::string& sup, bool ramp, std::size_t classes, double lr, double path_beta, std::size_t epochs,
           std::size_t batch, std::size_t patience, std::uint64_t seed, const std::string& lif, double beta,
           double theta, bool detach, const std::string& sg, const std::string& readout, double bias,
           const std::string& dtype) {
            auto p = params_of(shape_of(d, K, L, pr, pl, C), params);
            auto data = data_of(x, labels);
            data.validate("x");
            objective_spec obj{parse_loss(loss, "loss"),
                               sup == "final_time" ? supervision::final_time : supervision::per_timestep, ramp, classes};
            sg_options o;
            o.lr = lr;
            o.path_beta = path_beta;
            o.epochs = epochs;
            o.batch = batch;
            o.patience = patience;
            o.seed = seed;
            o.keep_best = false;
            if (dtype == "float32") o.precision = sg_precision::f32;
            else if (dtype != "float64") throw einet::config_error("dtype: expected float64 or float32, got \"" + dtype + "\"");
            const auto opts = options_of(lif, beta, theta, detach, sg, readout, bias);
            sg_history h;
            {
                py::gil_scoped_release release;
                h = train_sg(p, opts, obj, data, nullptr, o);
            }
            py::dict hist;
            hist["objective"] = h.objective;
            hist["loss"] = h.loss;
            hist["lr"] = h.lr;
            return py::make_tuple(py::array_t<double>(static_cast<py::ssize_t>(p.flat().size()), p.flat().data()), hist);
        },
        py::arg("params"), SNN_ARGS, py::arg("x"), py::arg("labels"), py::arg("loss") = "hinge",
        py::arg("supervision") = "final_time", py::arg("ramp") = false, py::arg("classes") = 2, py::arg("lr") = 1e-3,
        py::arg("path_beta") = 0.0, py::arg("epochs") = 1, py::arg("batch") = 0, py::arg("patience") = 10,
        py::arg("seed") = 1, LIF_ARGS, py::arg("dtype") = "float64",
        "Surrogate-gradient BPTT with Adam (+ ReduceLROnPlateau on the training objective); returns (params, "
        "history) where history['objective'][e] is the objective before the updates of epoch e. dtype "
        "float32 runs the network passes in single precision (parameters, Adam and loss stay double).");
    m.def(
        "convex_solve",
        [](const farray& D, const darray& Y, const darray& a, const std::string& loss, double rho,
           const std::string& penalty, double gap_tol, const py::object& warm) {
            if (D.ndim() != 2 || Y.ndim() != 2 || a.ndim() != 1)
                throw einet::config_error("convex_solve: expected D [N, P], Y [N, C] and a [N]");
            const dictionary Dm = Eigen::Map<const dictionary>(D.data(), D.shape(0), D.shape(1));
            convex_problem pr;
            pr.D = &Dm;
            pr.Y = Eigen::Map<const matrix>(Y.data(), Y.shape(0), Y.shape(1));
            pr.a = Eigen::Map<const vector>(a.data(), a.shape(0));
            pr.loss = parse_loss(loss, "loss");
            if (penalty == "group") pr.penalty = penalty_kind::group;
            else if (penalty != "elementwise") throw einet::config_error("penalty: expected elementwise or group");
            pr.rho = rho;
            convex_options opt;
            opt.gap_tol = gap_tol;
            matrix W0;
            if (!warm.is_none()) {
                const auto w = warm.cast<darray>();
                if (w.ndim() != 2 || w.shape(0) != D.shape(1) || w.shape(1) != Y.shape(1))
                    throw einet::config_error("warm: expected a [P, C] array");
                W0 = Eigen::Map<const matrix>(w.data(), w.shape(0), w.shape(1));
            }
            convex_solution s;
            {
                py::gil_scoped_release release;
                s = solve_convex(pr, opt, warm.is_none() ? nullptr : &W0);
            }
            return solution_dict(s);
        },
        py::arg("D"), py::arg("Y"), py::arg("a"), py::arg("loss") = "hinge", py::arg("rho") = 1e-3,
        py::arg("penalty") = "elementwise", py::arg("gap_tol") = 1e-6, py::arg("warm") = py::none(),
        "min_W loss(D W, Y; row weights a) + rho·penalty(W) and its dual, certified by the duality gap. "
        "D is used column-major: pass np.asfortranarray(D) to avoid a transposing copy. warm: a previous W "
        "(e.g. at a larger rho) to start from (the smooth solvers start there, the hinge LP seeds its working set).");
}
