#pragma once
// Conversions shared by the paper-002 bindings (register_train*.cpp): network shape and LIF
// options from keyword arguments, time-major [T, B, d] numpy arrays to and from einet's
// [T·B × d] matrices, flat parameter vectors.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/core/error.hpp"
#include "einet/train/convex_solver.hpp"
#include "einet/train/snn_trainer.hpp"

namespace einet_py_train {

namespace py = pybind11;
using namespace einet::train;

using darray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using farray = py::array_t<double, py::array::f_style | py::array::forcecast>;  // column-major (dictionaries)

inline snn_shape shape_of(std::size_t d, std::size_t K, std::size_t L, std::size_t p_rec, std::size_t p_last, std::size_t C) {
    snn_shape s{d, K, L, p_rec, p_last, C};
    s.validate("snn shape");
    return s;
}

inline snn_options options_of(const std::string& lif, double beta, double theta, bool detach_reset, const std::string& sg,
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
inline sequence_data data_of(const darray& x, const std::vector<int>& labels) {
    if (x.ndim() != 3) throw einet::config_error("x: expected a [T, B, d] array");
    sequence_data s;
    s.steps = static_cast<std::size_t>(x.shape(0));
    s.x = Eigen::Map<const matrix>(x.data(), x.shape(0) * x.shape(1), x.shape(2));
    s.labels = labels;
    return s;
}

inline py::array_t<double> to_tbn(const matrix& m, std::size_t T) {
    const auto B = static_cast<py::ssize_t>(static_cast<std::size_t>(m.rows()) / T);
    py::array_t<double> a({static_cast<py::ssize_t>(T), B, static_cast<py::ssize_t>(m.cols())});
    std::copy(m.data(), m.data() + m.size(), a.mutable_data());
    return a;
}

inline snn_params params_of(const snn_shape& sh, const darray& flat) {
    snn_params p(sh);
    if (static_cast<std::size_t>(flat.size()) != p.flat().size())
        throw einet::config_error("params: expected " + std::to_string(p.flat().size()) + " values, got " +
                                  std::to_string(flat.size()));
    std::copy(flat.data(), flat.data() + flat.size(), p.flat().begin());
    return p;
}

// A row-major matrix as a 2-D numpy array (copied).
inline py::array_t<double> to_2d(const matrix& m) {
    py::array_t<double> a({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
    std::copy(m.data(), m.data() + m.size(), a.mutable_data());
    return a;
}

// A certified convex solve as a dict: W, U (the dual point), p, d, gap, dual infeasibility,
// certified, nonzeros, iterations, method.
inline py::dict solution_dict(const convex_solution& s) {
    py::dict h;
    h["W"] = to_2d(s.W), h["U"] = to_2d(s.U);
    h["primal"] = s.primal, h["dual"] = s.dual, h["gap"] = s.gap, h["dual_infeasibility"] = s.dual_infeasibility;
    h["certified"] = s.certified, h["nonzeros"] = s.nonzeros, h["iterations"] = s.iterations, h["method"] = s.method;
    return h;
}

inline py::array_t<double> flat_of(const snn_params& p) {
    return py::array_t<double>(static_cast<py::ssize_t>(p.flat().size()), p.flat().data());
}

#define SNN_ARGS py::arg("d"), py::arg("K"), py::arg("L"), py::arg("p_rec"), py::arg("p_last"), py::arg("C")
#define LIF_ARGS                                                                                                  \
    py::arg("lif") = "canonical", py::arg("beta") = 0.99, py::arg("theta") = 1.0, py::arg("detach_reset") = true, \
    py::arg("surrogate") = "atan", py::arg("readout") = "spike", py::arg("bias") = 0.0


}  // namespace einet_py_train
