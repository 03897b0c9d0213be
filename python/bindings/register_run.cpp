// Experiment runner, config checking and documentation, shared with the CLI.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/schema.hpp"
#include "einet/core/error.hpp"
#include "einet/core/heap_policy.hpp"

namespace py = pybind11;

void register_run(py::module_& m) {
    // One translator per error class; the messages are the CLI's (file:line:col key: expected ...).
    py::register_exception<einet::config_error>(m, "ConfigError", PyExc_ValueError);
    py::register_exception<einet::numerical_error>(m, "NumericalError", PyExc_ArithmeticError);
    py::register_exception<einet::io_error>(m, "IOError", PyExc_OSError);

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
            einet::core::prefer_heap_reuse();  // as the CLI does (documented in docs/python.md)
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
    m.def(
        "describe",
        [](const std::string& key) {
            auto text = einet::config::describe(key);
            if (text.empty()) throw einet::config_error("describe: unknown section or key \"" + key + "\"");
            return text;
        },
        py::arg("key"), "Documentation of a config section or key.");
    m.def("experiments_dir", &einet::config::experiments_dir);
}
