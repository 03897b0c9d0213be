// Paper 002 training module (include/einet/train/): the K-parallel LIF network, SG training and
// the certified convex program. Arrays are numpy, time-major [T, B, N].
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/core/error.hpp"
#include "einet/train/convex_solver.hpp"
#include "einet/train/snn_trainer.hpp"

namespace py = pybind11;
using namespace einet::train;

namespace {

using darray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using farray = py::array_t<double, py::array::f_style | py::array::forcecast>;  // column-major (dictionaries)

snn_shape shape_of(std::size_t d, std::size_t K, std::size_t L, std::size_t p_rec, std::size_t p_last, std::size_t C) {
    snn_shape s{d, K, L, p_rec, p_last, C};
    s.validate("snn shape");
    return s;
}

snn_options options_of(const std::string& lif, double beta, double theta, bool detach_reset, const std::string& sg,
                       const std::string& readout, double bias) {
    snn_options o;
    if (lif == "canonical") o.lif = lif_params::canonical(beta, theta);
    else if (lif == "reference") o.lif = lif_params::reference(beta, theta);
    else throw einet::config_error("lif: expected canonical or reference, got \"" + lif + "\"");
    o.lif.detach_reset = detach_reset;
    o.sg = surrogate::named(sg);
    if (readout == "spike") o.readout = readout_kind::spike;
    else if (readout == "membrane") o.readout = readout_kind::membrane;
    else if (readout == "membrane_threshold") o.readout = readout_kind::membrane_threshold;
    else throw einet::config_error("readout: expected spike, membrane or membrane_threshold, got \"" + readout + "\"");
    o.readout_bias = bias;
    return o;
}

// [T, B, d] numpy -> [T·B × d] time-major matrix.
sequence_data data_of(const darray& x, const std::vector<int>& labels) {
    if (x.ndim() != 3) throw einet::config_error("x: expected a [T, B, d] array");
    sequence_data s;
    s.steps = static_cast<std::size_t>(x.shape(0));
    s.x = Eigen::Map<const matrix>(x.data(), x.shape(0) * x.shape(1), x.shape(2));
    s.labels = labels;
    return s;
}

py::array_t<double> to_tbn(const matrix& m, std::size_t T) {
    const auto B = static_cast<py::ssize_t>(static_cast<std::size_t>(m.rows()) / T);
    py::array_t<double> a({static_cast<py::ssize_t>(T), B, static_cast<py::ssize_t>(m.cols())});
    std::copy(m.data(), m.data() + m.size(), a.mutable_data());
    return a;
}

snn_params params_of(const snn_shape& sh, const darray& flat) {
    snn_params p(sh);
    if (static_cast<std::size_t>(flat.size()) != p.flat().size())
        throw einet::config_error("params: expected " + std::to_string(p.flat().size()) + " values, got " +
                                  std::to_string(flat.size()));
    std::copy(flat.data(), flat.data() + flat.size(), p.flat().begin());
    return p;
}

#define SNN_ARGS py::arg("d"), py::arg("K"), py::arg("L"), py::arg("p_rec"), py::arg("p_last"), py::arg("C")
#define LIF_ARGS                                                                                                  \
    py::arg("lif") = "canonical", py::arg("beta") = 0.99, py::arg("theta") = 1.0, py::arg("detach_reset") = true, \
    py::arg("surrogate") = "atan", py::arg("readout") = "spike", py::arg("bias") = 0.0

}  // namespace

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
           const std::string& penalty, double gap_tol) {
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
            convex_solution s;
            {
                py::gil_scoped_release release;
                s = solve_convex(pr, opt);
            }
            py::dict out;
            auto W = py::array_t<double>({s.W.rows(), s.W.cols()});
            std::copy(s.W.data(), s.W.data() + s.W.size(), W.mutable_data());
            auto U = py::array_t<double>({s.U.rows(), s.U.cols()});
            std::copy(s.U.data(), s.U.data() + s.U.size(), U.mutable_data());
            out["W"] = W;
            out["U"] = U;
            out["primal"] = s.primal;
            out["dual"] = s.dual;
            out["gap"] = s.gap;
            out["dual_infeasibility"] = s.dual_infeasibility;
            out["certified"] = s.certified;
            out["nonzeros"] = s.nonzeros;
            out["iterations"] = s.iterations;
            out["method"] = s.method;
            return out;
        },
        py::arg("D"), py::arg("Y"), py::arg("a"), py::arg("loss") = "hinge", py::arg("rho") = 1e-3,
        py::arg("penalty") = "elementwise", py::arg("gap_tol") = 1e-6,
        "min_W loss(D W, Y; row weights a) + rho·penalty(W) and its dual, certified by the duality gap. "
        "D is used column-major: pass np.asfortranarray(D) to avoid a transposing copy.");
}
