// Stability of the homeostatic rule family at the set-point plane (paper 001 SI §2):
// einet.rule_stability(rule, W_EE, W_IE, alpha=..., beta=..., params=..., E_set=..., I_set=...).
#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/analysis/rule_stability.hpp"

namespace py = pybind11;
using namespace einet;

namespace {

// A rate per class from a number (every class) or a dict {"EE": ..., "EI": ..., "IE": ..., "II": ...}.
std::array<double, 4> per_class(const py::object& v, const char* what) {
    std::array<double, 4> out{};
    if (py::isinstance<py::dict>(v)) {
        const auto d = v.cast<py::dict>();
        for (std::size_t c = 0; c < 4; ++c) {
            const char* name = plasticity::class_names[c];
            if (!d.contains(name)) throw py::value_error(std::string(what) + ": expected a rate for class " + name);
            out[c] = d[name].cast<double>();
        }
        return out;
    }
    out.fill(v.cast<double>());
    return out;
}

}  // namespace

void register_stability(py::module_& m) {
    m.def(
        "rule_stability",
        [](const std::string& rule, double W_EE, double W_IE, const py::object& alpha, const py::object& beta,
           const analysis::two_population_params& params, double E_set, double I_set) {
            const auto r = plasticity::named_rule(rule, "rule");
            analysis::rule_rates k;
            k.alpha = per_class(alpha, "alpha");
            k.beta = beta.is_none() ? k.alpha : per_class(beta, "beta");
            const analysis::setpoints sp{E_set, I_set};
            const auto e = analysis::numerical_rule_stability(r, k, params, sp, W_EE, W_IE);
            const auto closed = analysis::closed_form_rule_stable(r, k, params, sp, W_EE, W_IE);
            const auto m = analysis::margins_on_plane(params, sp, W_EE, W_IE);
            py::dict d;
            d["eigenvalues"] = py::make_tuple(e.lambda_plus, e.lambda_minus);
            d["stable"] = e.stable;
            d["closed_form_stable"] = closed ? py::object(py::bool_(*closed)) : py::object(py::none());
            d["neural_stable"] = m.neural_stable();
            d["paradoxical"] = m.paradoxical > 0;
            d["positive_weights"] = m.positive();
            d["null_residual"] = e.null_residual;
            return d;
        },
        py::arg("rule"), py::arg("W_EE"), py::arg("W_IE"), py::arg("alpha") = 1.0, py::arg("beta") = py::none(),
        py::arg("params") = analysis::two_population_params{}, py::arg("E_set") = 5.0, py::arg("I_set") = 14.0,
        "Stability of a rule of the family at the set-point-plane point above (W_EE, W_IE) (paper 001 SI §2): "
        "the two eigenvalues of the QSS weight flow not forced to zero, the numerical verdict, the SI closed "
        "form (None where the paper has none), and the neural conditions. alpha/beta: a number or a dict per class.");
}
