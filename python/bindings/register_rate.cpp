// Rate models, the homeostatic rule family and the two-population analysis.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/analysis/two_population.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/rate_engine.hpp"
#include "einet/network/rate_network.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

namespace py = pybind11;
using namespace einet;

void register_rate(py::module_& m) {
    py::class_<analysis::two_population_params>(m, "two_population_params")
        .def(py::init<>())
        .def_readwrite("tau_E", &analysis::two_population_params::tau_E)
        .def_readwrite("tau_I", &analysis::two_population_params::tau_I)
        .def_readwrite("g_E", &analysis::two_population_params::g_E)
        .def_readwrite("g_I", &analysis::two_population_params::g_I)
        .def_readwrite("theta_E", &analysis::two_population_params::theta_E)
        .def_readwrite("theta_I", &analysis::two_population_params::theta_I)
        .def_readwrite("input_E", &analysis::two_population_params::input_E)
        .def_readwrite("input_I", &analysis::two_population_params::input_I);
    py::class_<analysis::weights4>(m, "weights4")
        .def(py::init([](double ee, double ei, double ie, double ii) { return analysis::weights4{ee, ei, ie, ii}; }),
             py::arg("EE"), py::arg("EI"), py::arg("IE"), py::arg("II"))
        .def_readwrite("EE", &analysis::weights4::EE)
        .def_readwrite("EI", &analysis::weights4::EI)
        .def_readwrite("IE", &analysis::weights4::IE)
        .def_readwrite("II", &analysis::weights4::II);
    py::class_<analysis::fixed_point>(m, "fixed_point")
        .def_readonly("E", &analysis::fixed_point::E)
        .def_readonly("I", &analysis::fixed_point::I)
        .def_readonly("C", &analysis::fixed_point::C)
        .def_readonly("above_threshold", &analysis::fixed_point::above_threshold)
        .def_readonly("stable", &analysis::fixed_point::stable)
        .def_readonly("paradoxical", &analysis::fixed_point::paradoxical);
    m.def("up_state", &analysis::up_state, py::arg("params"), py::arg("weights"),
          "Up-state fixed point and its stability (paper 001 SI Eqs. 18-23, 27).");
    m.def("setpoint_W_EI", &analysis::setpoint_W_EI, py::arg("params"), py::arg("W_EE"), py::arg("E_set"), py::arg("I_set"));
    m.def("setpoint_W_II", &analysis::setpoint_W_II, py::arg("params"), py::arg("W_IE"), py::arg("E_set"), py::arg("I_set"));

    m.def("named_rules", &plasticity::named_rules, "Named members of the homeostatic rule family.");
    m.def(
        "rule_terms",
        [](const std::string& name) {
            const auto r = plasticity::named_rule(name);
            py::dict d;
            for (std::size_t c = 0; c < 4; ++c) {
                py::list terms;
                for (const auto& t : r.classes[c].terms) terms.append(plasticity::to_string(t));
                if (r.classes[c].relax_to_setpoint_plane) terms.append("relax_to_setpoint_plane");
                d[plasticity::class_names[c]] = terms;
            }
            return d;
        },
        py::arg("name"), "The term table of a named rule, per class (EE, EI, IE, II).");

    py::class_<engine::rate_engine>(m, "rate_engine",
                                    "Batched two-population rate network (paper 001 Table 1 defaults).")
        .def(py::init([](std::size_t batch, std::uint64_t seed, double noise_sigma, double kick, double kick_start,
                         double kick_duration) {
                 auto net = network::wilson_cowan_two_population();
                 net.noise.sigma = noise_sigma;
                 // The trial kick into E (001 spec §1.4): 7 for 101 steps from 249.9 ms.
                 if (kick != 0.0) net.steps.push_back({0, kick, kick_start, kick_duration});
                 return engine::rate_engine(net, batch, seed);
             }),
             py::arg("batch") = 1, py::arg("seed") = 1, py::arg("noise_sigma") = 10.0, py::arg("kick") = 7.0,
             py::arg("kick_start") = 249.9, py::arg("kick_duration") = 10.1,
             "Times in ms; noise_sigma in s^-1/2; the kick is applied in every segment (trial).")
        .def_property_readonly("batch", &engine::rate_engine::batch)
        .def("set_weights",
             [](engine::rate_engine& e, py::array_t<double, py::array::c_style | py::array::forcecast> w) {
                 // w: [batch, 4] in class order EE, EI, IE, II
                 auto r = w.unchecked<2>();
                 if (static_cast<std::size_t>(r.shape(0)) != e.batch() || r.shape(1) != 4)
                     throw py::value_error("expected weights of shape (batch, 4)");
                 for (std::size_t b = 0; b < e.batch(); ++b)
                     for (std::size_t q = 0; q < 4; ++q) e.weights(q)[b] = r(static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(q));
             })
        .def("weights",
             [](engine::rate_engine& e) {
                 py::array_t<double> out({static_cast<py::ssize_t>(e.batch()), py::ssize_t{4}});
                 auto o = out.mutable_unchecked<2>();
                 for (std::size_t b = 0; b < e.batch(); ++b)
                     for (std::size_t q = 0; q < 4; ++q) o(static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(q)) = e.weights(q)[b];
                 return out;
             })
        .def("rates",
             [](engine::rate_engine& e) {
                 py::array_t<double> out({static_cast<py::ssize_t>(e.batch()), py::ssize_t{2}});
                 auto o = out.mutable_unchecked<2>();
                 for (std::size_t b = 0; b < e.batch(); ++b)
                     for (std::size_t p = 0; p < 2; ++p) o(static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(p)) = e.rates(p)[b];
                 return out;
             })
        .def("begin_segment", &engine::rate_engine::begin_segment, py::arg("reset_rates") = true)
        .def(
            "run", [](engine::rate_engine& e, std::size_t steps, int threads) {
                py::gil_scoped_release release;
                e.run(steps, nullptr, threads);
            },
            py::arg("steps"), py::arg("threads") = 0);
}
