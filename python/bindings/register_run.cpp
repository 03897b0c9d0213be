// Experiment runner, config checking and documentation, shared with the CLI.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/schema.hpp"
#include "einet/core/error.hpp"

namespace py = pybind11;

void register_run(py::module_& m) {
    static py::exception<einet::config_error> config_exc(m, "ConfigError", PyExc_ValueError);
    static py::exception<einet::numerical_error> numerical_exc(m, "NumericalError", PyExc_ArithmeticError);
    static py::exception<einet::io_error> io_exc(m, "IOError", PyExc_OSError);

    m.def(
        "run_experiment",
        [](const std::string& path_or_text, bool is_text, const std::string& out, const std::vector<std::string>& overrides,
           bool overwrite, int threads) {
            auto cfg = is_text ? einet::config::load(path_or_text, "<string>", overrides)
                               : einet::config::load_file(path_or_text, overrides);
            einet::config::run_options opt;
            opt.out = out;
            opt.overwrite = overwrite;
            opt.threads = threads;
            opt.progress_mode = einet::progress::mode::none;
            opt.report = false;  // the Python caller writes the report itself
            py::gil_scoped_release release;
            return einet::config::run_experiment(cfg, opt);
        },
        py::arg("path_or_text"), py::arg("is_text"), py::arg("out") = "", py::arg("overrides") = std::vector<std::string>{},
        py::arg("overwrite") = false, py::arg("threads") = 0,
        "Run an experiment (TOML file or text) into a run directory; returns its path.");
    m.def(
        "check",
        [](const std::string& path, const std::vector<std::string>& overrides) {
            return einet::config::load_file(path, overrides).to_toml();
        },
        py::arg("path"), py::arg("overrides") = std::vector<std::string>{},
        "Validate an experiment file; returns the resolved config as TOML text.");
    m.def("describe", &einet::config::describe, py::arg("key"), "Documentation of a config section or key.");
    m.def("experiments_dir", &einet::config::experiments_dir);
}
