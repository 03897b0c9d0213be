// Plasticity protocols on the rate engine, with the C++ names: run_trials, run_online and the
// structs they take. Arrays come back as NumPy arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/engine/rate_engine.hpp"
#include "einet/plasticity/rate_protocols.hpp"

namespace py = pybind11;
using namespace einet;

namespace {

py::array_t<double> as_array(const std::vector<double>& v, std::vector<py::ssize_t> shape) {
    py::array_t<double> out(shape);
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

// [group][t * B + b] -> array [t, B, group]
py::array_t<double> stack(const std::vector<std::vector<double>>& groups, std::size_t B) {
    const std::size_t T = groups.empty() ? 0 : groups[0].size() / B, G = groups.size();
    py::array_t<double> out({static_cast<py::ssize_t>(T), static_cast<py::ssize_t>(B), static_cast<py::ssize_t>(G)});
    auto o = out.mutable_unchecked<3>();
    for (std::size_t g = 0; g < G; ++g)
        for (std::size_t t = 0; t < T; ++t)
            for (std::size_t b = 0; b < B; ++b)
                o(static_cast<py::ssize_t>(t), static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(g)) = groups[g][t * B + b];
    return out;
}

}  // namespace

void register_protocols(py::module_& m) {
    py::class_<plasticity::rule_binding>(m, "rule_binding",
                                         "A rule of the homeostatic family bound to the two-population network.")
        .def(py::init([](const std::string& rule, double alpha, double beta, double E_set, double I_set, double floor) {
                 plasticity::rule_binding rb;
                 rb.r = plasticity::named_rule(rule, "rule");
                 rb.setpoint = {E_set, I_set};
                 rb.alpha.assign(4, alpha);
                 rb.beta.assign(4, std::isnan(beta) ? alpha : beta);
                 rb.floor.assign(4, floor);
                 rb.ceiling.assign(4, std::numeric_limits<double>::infinity());
                 rb.class_index = {0, 1, 2, 3};
                 return rb;
             }),
             py::arg("rule") = "cross_homeostatic", py::arg("alpha") = 5e-4, py::arg("beta") = std::nan(""),
             py::arg("E_set") = 5.0, py::arg("I_set") = 14.0, py::arg("weight_floor") = 0.1)
        .def_readwrite("setpoint", &plasticity::rule_binding::setpoint)
        .def_readwrite("alpha", &plasticity::rule_binding::alpha)
        .def_readwrite("beta", &plasticity::rule_binding::beta)
        .def_readwrite("floor", &plasticity::rule_binding::floor)
        .def_readwrite("ceiling", &plasticity::rule_binding::ceiling)
        .def_readwrite("model", &plasticity::rule_binding::model);

    py::class_<plasticity::trial_params>(m, "trial_params", "Trial protocol of paper 001 (times in ms, rates in Hz).")
        .def(py::init<>())
        .def_readwrite("trials", &plasticity::trial_params::trials)
        .def_readwrite("trial_duration", &plasticity::trial_params::trial_duration)
        .def_readwrite("measure_window", &plasticity::trial_params::measure_window)
        .def_readwrite("lowpass_trials", &plasticity::trial_params::lowpass_trials)
        .def_readwrite("rate_floor", &plasticity::trial_params::rate_floor)
        .def_readwrite("reset_rates", &plasticity::trial_params::reset_rates)
        .def_readwrite("sustained_rate", &plasticity::trial_params::sustained_rate)
        .def_readwrite("trace_trials", &plasticity::trial_params::trace_trials)
        .def_readwrite("trace_every", &plasticity::trial_params::trace_every)
        .def_readwrite("trace_network", &plasticity::trial_params::trace_network);

    py::class_<plasticity::online_params>(m, "online_params", "Online protocol of paper 001 Fig. S4 (ms, Hz).")
        .def(py::init<>())
        .def_readwrite("duration", &plasticity::online_params::duration)
        .def_readwrite("sensor_tau", &plasticity::online_params::sensor_tau)
        .def_readwrite("rate_floor", &plasticity::online_params::rate_floor)
        .def_readwrite("final_window", &plasticity::online_params::final_window)
        .def_readwrite("trace_every", &plasticity::online_params::trace_every);

    m.def(
        "run_trials",
        [](engine::rate_engine& eng, const plasticity::trial_params& p, const plasticity::rule_binding& rb, int threads) {
            plasticity::trial_results res;
            {
                py::gil_scoped_release release;
                res = plasticity::run_trials(eng, p, rb, threads, progress::mode::none);
            }
            const std::size_t B = eng.batch();
            py::dict d;
            d["trials_done"] = res.trials_done;
            d["measured"] = stack(res.measured, B);    // [trial, network, population]
            d["lowpassed"] = stack(res.lowpassed, B);  // [trial, network, population]
            d["weights"] = stack(res.weights, B);      // [trial + 1, network, class]
            d["first_sustained"] = res.first_sustained;
            // Traces of the traced network: [traced trial, sample, population].
            const std::size_t P = eng.network().populations.size();
            std::vector<double> flat;
            for (const auto& tr : res.traces) flat.insert(flat.end(), tr.begin(), tr.end());
            d["traces"] = as_array(flat, {static_cast<py::ssize_t>(res.traces.size()),
                                          static_cast<py::ssize_t>(res.trace_samples), static_cast<py::ssize_t>(P)});
            d["traced_trials"] = res.traced_trials;
            d["failure"] = res.failure;
            return d;
        },
        py::arg("engine"), py::arg("params"), py::arg("rule"), py::arg("threads") = 0,
        "Trial-based plasticity (paper 001 Methods): returns measured and low-passed rates and weights per trial.");
    m.def(
        "run_online",
        [](engine::rate_engine& eng, const plasticity::online_params& p, const plasticity::rule_binding& rb, int threads) {
            plasticity::online_results res;
            {
                py::gil_scoped_release release;
                res = plasticity::run_online(eng, p, rb, threads, progress::mode::none);
            }
            const auto S = static_cast<py::ssize_t>(res.time_s.size());
            py::dict d;
            d["time_s"] = as_array(res.time_s, {S});
            d["rates"] = as_array(res.rates, {S, 2});
            d["sensors"] = as_array(res.sensors, {S, 2});
            d["weights"] = as_array(res.weights, {S, 4});
            d["failure"] = res.failure;
            return d;
        },
        py::arg("engine"), py::arg("params"), py::arg("rule"), py::arg("threads") = 0,
        "Online plasticity from slow rate sensors (paper 001 Fig. S4).");
}
