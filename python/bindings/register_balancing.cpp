// Paper 004: the continuous-time RNN and π_h, synaptic balancing (flow, Newton, Lax dynamics),
// its closed forms, the CDI task and the BPTT gradient. Matrices are NumPy float64 arrays.
#include <optional>
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/analysis/balancing_theory.hpp"
#include "einet/engine/rnn_integrators.hpp"
#include "einet/network/relu_rnn.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"
#include "einet/train/cdi_task.hpp"
#include "einet/train/rate_bptt.hpp"

namespace py = pybind11;
using namespace einet;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

network::relu_rnn make_rnn(const MatrixXd& J, const MatrixXd& W_in, const MatrixXd& W_out, const VectorXd& b,
                           const std::string& nonlinearity, double power) {
    network::relu_rnn net{J, W_in, W_out, b, network::parse_nonlinearity(nonlinearity), power};
    network::check_shapes(net, "");
    return net;
}

// [T, rows, batch] array <-> sequence of rows × batch matrices.
engine::sequence to_sequence(const py::array_t<double, py::array::c_style | py::array::forcecast>& a) {
    if (a.ndim() != 3) throw py::value_error("expected an array of shape (time, channels, batch)");
    auto r = a.unchecked<3>();
    engine::sequence s;
    for (py::ssize_t t = 0; t < r.shape(0); ++t) {
        MatrixXd m(r.shape(1), r.shape(2));
        for (py::ssize_t i = 0; i < r.shape(1); ++i)
            for (py::ssize_t j = 0; j < r.shape(2); ++j) m(i, j) = r(t, i, j);
        s.push_back(m);
    }
    return s;
}

py::array_t<double> from_sequence(const engine::sequence& s) {
    const auto rows = s.empty() ? 0 : s[0].rows(), cols = s.empty() ? 0 : s[0].cols();
    py::array_t<double> a({static_cast<py::ssize_t>(s.size()), static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
    auto w = a.mutable_unchecked<3>();
    for (std::size_t t = 0; t < s.size(); ++t)
        for (Eigen::Index i = 0; i < rows; ++i)
            for (Eigen::Index j = 0; j < cols; ++j) w(static_cast<py::ssize_t>(t), i, j) = s[t](i, j);
    return a;
}

py::dict result_dict(const plasticity::balance_result& r) {
    py::dict d;
    d["h"] = r.h;
    d["t"] = r.t;
    d["cost_initial"] = r.cost_initial;
    d["cost"] = r.cost;
    d["grad_norm_initial"] = r.grad_norm_initial;
    d["grad_norm"] = r.grad_norm;
    d["converged"] = r.converged;
    d["strongly_connected"] = r.strongly_connected;
    d["warning"] = r.warning;
    d["steps"] = r.steps;
    d["iterations"] = r.iterations;
    d["evaluations"] = r.evaluations;
    d["rejected"] = r.rejected;
    d["products"] = r.products;
    d["t_rec"] = r.t_rec;
    d["cost_rec"] = r.cost_rec;
    d["grad_rec"] = r.grad_rec;
    MatrixXd h(static_cast<Eigen::Index>(r.h_rec.size()), r.h.size());
    for (std::size_t k = 0; k < r.h_rec.size(); ++k) h.row(static_cast<Eigen::Index>(k)) = r.h_rec[k].transpose();
    d["h_rec"] = h;
    return d;
}

plasticity::balance_options options(double tolerance, double t_end, std::vector<double> record_times, double rtol,
                                    double t_max, std::optional<double> atol = std::nullopt) {
    plasticity::balance_options o;
    o.tolerance = tolerance;
    o.t_end = t_end;
    o.record_times = std::move(record_times);
    o.rtol = rtol;
    o.atol = atol.value_or(1e-3 * rtol);
    o.no_equilibrium_horizon = t_max;
    return o;
}

}  // namespace

void register_balancing(py::module_& m) {
    const double inf = std::numeric_limits<double>::infinity();
    m.def(
        "task_preserving_transform",
        [](const MatrixXd& J, const MatrixXd& W_in, const MatrixXd& W_out, const VectorXd& b, const VectorXd& h,
           const std::string& nonlinearity, double power) {
            const auto t = network::task_preserving_transform(make_rnn(J, W_in, W_out, b, nonlinearity, power), h);
            py::dict d;
            d["J"] = t.J;
            d["W_in"] = t.W_in;
            d["W_out"] = t.W_out;
            d["b"] = t.b;
            return d;
        },
        py::arg("J"), py::arg("W_in"), py::arg("W_out"), py::arg("b"), py::arg("h"), py::arg("nonlinearity") = "relu",
        py::arg("power") = 1.0, "π_h (004 Eq. 4), degree-k form for rectified_power.");
    m.def(
        "run_rnn",
        [](const MatrixXd& J, const MatrixXd& W_in, const MatrixXd& W_out, const VectorXd& b,
           const py::array_t<double, py::array::c_style | py::array::forcecast>& inputs, const std::string& integrator,
           int substeps, double dt, double noise, std::uint64_t seed, const std::string& nonlinearity, int threads) {
            const auto net = make_rnn(J, W_in, W_out, b, nonlinearity, 1.0);
            if (integrator == "held_input") return from_sequence(engine::run_held_input(net, to_sequence(inputs), {substeps, dt}));
            if (integrator != "euler_maruyama") throw py::value_error("integrator: expected held_input or euler_maruyama");
            engine::noisy_options o;
            o.dt = dt;
            o.noise = noise;
            o.seed = seed;
            o.threads = threads;
            return from_sequence(engine::run_euler_maruyama(net, to_sequence(inputs), o));
        },
        py::arg("J"), py::arg("W_in"), py::arg("W_out"), py::arg("b"), py::arg("inputs"), py::arg("integrator") = "held_input",
        py::arg("substeps") = 10, py::arg("dt") = 0.1, py::arg("noise") = 0.0, py::arg("seed") = 1,
        py::arg("nonlinearity") = "relu", py::arg("threads") = 1,
        "Outputs (time, N_out, batch) of the RNN for inputs (time, N_in, batch) (spec 004 §1.2 integrators; "
        "euler_maruyama runs 64-trial chunks on `threads` threads, bit-identical for any count).");
    m.def("power_law_costs", [](const MatrixXd& J, const MatrixXd& alpha, double p) { return plasticity::power_law_costs(J, alpha, p); },
          py::arg("J"), py::arg("alpha"), py::arg("p"), "c_ij = α_ij |J_ij|^p (004 Eq. 23).");
    m.def("neural_gradient", [](const MatrixXd& c) { return VectorXd(plasticity::neural_gradient(c)); }, py::arg("costs"),
          "g = incoming − outgoing cost per neuron (004 Eq. 17).");
    m.def("balancing_costs", [](const MatrixXd& c0, const VectorXd& h, double p) { return plasticity::costs_at(c0, h, p); },
          py::arg("costs"), py::arg("h"), py::arg("p"), "c⁰_ij e^{p(h_j − h_i)} (004 Eq. 14).");
    m.def(
        "balance",
        [](const Eigen::Ref<const MatrixXd>& c0, double p, const std::string& method, double tolerance, double t_end,
           std::vector<double> record_times, double rtol, double t_max, int threads, const std::string& integrator,
           std::optional<double> atol) {
            if (atol && !(*atol > 0.0)) throw py::value_error("atol: expected an absolute tolerance > 0");
            auto o = options(tolerance, t_end, std::move(record_times), rtol, t_max, atol);
            o.threads = threads;
            o.integrator = ode::method_from_name(integrator, "integrator");
            if (method == "newton") return result_dict(plasticity::balance_newton(c0, p, o));
            if (method != "flow") throw py::value_error("method: expected flow or newton");
            return result_dict(plasticity::balance_flow(c0, p, o));
        },
        py::arg("costs"), py::arg("p") = 2.0, py::arg("method") = "flow", py::arg("tolerance") = 1e-10, py::arg("t_end") = inf,
        py::arg("record_times") = std::vector<double>{}, py::arg("rtol") = 1e-10, py::arg("t_max") = 3000.0,
        py::arg("threads") = 1, py::arg("integrator") = "dop853", py::arg("atol") = py::none(),
        "Synaptic balancing of a cost matrix (rows post, columns pre): the flow dh/dt = g (integrator: embedded "
        "RK pair dop853 or dopri5, or the L-stable Rosenbrock rodas4 / rodas3 with the exact Jacobian; "
        "tolerances rtol and atol, atol = 1e-3·rtol when not given) or the equilibrium by matrix-free Newton–CG.");
    m.def(
        "lax_flow",
        [](const MatrixXd& J0, const plasticity::lax_signal& signal, double t_end, double tolerance) {
            return result_dict(plasticity::lax_flow(J0, signal, options(tolerance, t_end, {}, 1e-10, 3000.0)));
        },
        py::arg("J"), py::arg("signal"), py::arg("t_end"), py::arg("tolerance") = 1e-10,
        "Synaptic Lax dynamics dJ/dt = [J, diag(g)] with g_k = signal(incoming_k, outgoing_k) (004 Eq. 25).");
    m.def("cost_bounds", [](const MatrixXd& c0) {
        const auto b = analysis::optimal_cost_bounds(c0);
        return py::dict(py::arg("lower") = b.lower, py::arg("upper") = b.upper, py::arg("upper_tight") = b.upper_tight);
    }, py::arg("costs"), "Bounds (41)–(42) on the optimal cost.");
    m.def("two_neuron_costs", &analysis::two_neuron_costs, py::arg("c12"), py::arg("c21"), py::arg("p"), py::arg("t"),
          "Closed form of the reciprocal pair (corrected 004 Eq. 29; c21 = 0: Eq. 31).");
    m.def("cdi_batch", [](std::uint64_t seed, std::uint64_t batch, int steps) {
        train::cdi_options o;
        o.seed = seed;
        o.steps = steps;
        const auto b = train::make_cdi_batch(o, batch);
        return py::make_tuple(from_sequence(b.inputs), from_sequence(b.targets));
    }, py::arg("seed"), py::arg("batch"), py::arg("steps") = 50, "CDI task batch: inputs (T, 6, 8), targets (T, 2, 8).");
    m.def(
        "bptt_gradient",
        [](const MatrixXd& J, const MatrixXd& W_in, const MatrixXd& W_out, const VectorXd& b,
           const py::array_t<double, py::array::c_style | py::array::forcecast>& inputs,
           const py::array_t<double, py::array::c_style | py::array::forcecast>& targets, double l2_penalty, int substeps,
           double dt, int threads) {
            const auto net = make_rnn(J, W_in, W_out, b, "relu", 1.0);
            const auto g = train::bptt_gradient(net, to_sequence(inputs), to_sequence(targets), l2_penalty, {substeps, dt},
                                                std::max(1, threads));
            py::dict d;
            d["loss"] = g.loss;
            d["rmse"] = g.rmse;
            d["J"] = g.J;
            d["W_in"] = g.W_in;
            d["W_out"] = g.W_out;
            d["b"] = g.b;
            return d;
        },
        py::arg("J"), py::arg("W_in"), py::arg("W_out"), py::arg("b"), py::arg("inputs"), py::arg("targets"),
        py::arg("l2_penalty") = 0.0, py::arg("substeps") = 10, py::arg("dt") = 0.1, py::arg("threads") = 1,
        "RMSE + λΣJ² and its BPTT gradient through every Euler sub-step (spec 004 §3).");
}
