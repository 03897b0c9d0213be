// The _einet extension: the same names as the C++ library (docs/python.md). One register_*
// function per module keeps this file a table of contents.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_run(py::module_& m);
void register_rate(py::module_& m);
void register_protocols(py::module_& m);
void register_spiking(py::module_& m);
void register_train(py::module_& m);
void register_train_methods(py::module_& m);
void register_balancing(py::module_& m);
void register_stability(py::module_& m);

PYBIND11_MODULE(_einet, m) {
    m.doc() = "einet C++ core: rate models, plasticity rules and protocols, analyses, experiment runner";
    register_run(m);
    register_rate(m);
    register_protocols(m);
    register_spiking(m);
    register_train(m);
    register_train_methods(m);
    register_balancing(m);
    register_stability(m);
}
