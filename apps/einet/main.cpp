// einet command line: run, check, demo, list, describe (docs/cli.md).
// stdout carries results; progress and errors go to stderr. Exit codes: 0 ok, 1 internal
// error, 2 usage/config error, 3 numerical failure, 4 I/O error.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "einet/config/config.hpp"
#include "einet/config/experiment.hpp"
#include "einet/config/schema.hpp"
#include "einet/core/error.hpp"
#include "einet/core/heap_policy.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

namespace {

using einet::exit_code;

einet::progress::mode progress_mode(const std::string& name, bool quiet) {
    if (quiet || name == "none") return einet::progress::mode::none;
    if (name == "bar") return einet::progress::mode::bar;
    if (name == "lines") return einet::progress::mode::lines;
    return einet::progress::mode::automatic;
}

int run_file(const std::string& file, const std::vector<std::string>& overrides, einet::config::run_options opt) {
    const auto cfg = einet::config::load_file(file, overrides);
    const auto dir = einet::config::run_experiment(cfg, opt);
    std::cout << dir << "\n";
    return 0;
}

std::string demo_file() { return einet::config::experiments_dir() + "/p001_fig4b.toml"; }

int list_everything() {
    std::cout << "Shipped experiments (" << einet::config::experiments_dir() << "):\n";
    for (const auto& e : einet::config::shipped_experiments()) {
        std::string fig = e.paper.empty() ? "" : "paper " + e.paper + " " + e.figure;
        std::printf("  %-22s %-24s %s\n", e.name.c_str(), fig.c_str(), e.description.c_str());
    }
    std::cout << "\nStudies:";
    for (const auto& s : einet::config::studies()) std::cout << " " << s;
    std::cout << "\nModels: wilson_cowan (two-population threshold-linear rate model, paper 001)\n";
    std::cout << "Plasticity rules:";
    int shown = 0;
    for (const auto& r : einet::plasticity::named_rules()) {
        if (r.size() == 4 && r != "HHHH" && r != "HAAA") continue;
        std::cout << " " << r;
        ++shown;
    }
    std::cout << " (and all 16 H/A variants HHHH..AAAA), custom\n";
    std::cout << "\nConfig sections (einet describe SECTION):";
    for (const auto& s : einet::config::schema()) std::cout << " " << s.name;
    std::cout << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    einet::core::prefer_heap_reuse();
    CLI::App app{"einet — excitatory–inhibitory spiking and rate networks: simulate, analyse, make plastic, train (papers 000–004)"};
    app.require_subcommand(1);
    einet::config::run_options opt;
    for (int i = 0; i < argc; ++i) opt.argv.emplace_back(argv[i]);
    std::string file, out, progress_name = "auto", key;
    std::vector<std::string> overrides;
    bool quiet = false, no_report = false;

    auto* run = app.add_subcommand("run", "run an experiment file into a run directory");
    run->add_option("file", file, "experiment TOML file")->required();
    run->add_option("--out,-o", out, "run directory (default runs/<name>-<UTC time>)");
    run->add_option("--set", overrides, "override a config key: --set key.path=value (repeatable)");
    run->add_option("--threads", opt.threads, "worker threads (0 = all cores; results do not depend on it)");
    run->add_flag("--overwrite", opt.overwrite, "replace the contents of a non-empty --out directory");
    run->add_flag("--resume", opt.resume,
                  "continue the spiking run in --out from its checkpoint (run.checkpoint_interval; same config)");
    run->add_option("--progress", progress_name, "auto | bar | lines | none");
    run->add_flag("--quiet,-q", quiet, "no progress output");
    run->add_flag("--no-report", no_report, "skip figures and the HTML report");

    auto* check = app.add_subcommand("check", "validate an experiment file and print the resolved config; writes nothing");
    check->add_option("file", file, "experiment TOML file")->required();
    check->add_option("--set", overrides, "override a config key: --set key.path=value (repeatable)");

    auto* demo = app.add_subcommand("demo", "run the built-in demo: cross-homeostatic plasticity (paper 001 Fig. 4B-C)");
    demo->add_option("--out,-o", out, "run directory (default runs/demo)");
    demo->add_option("--threads", opt.threads, "worker threads");
    demo->add_flag("--overwrite", opt.overwrite, "replace the contents of a non-empty --out directory");
    demo->add_flag("--quiet,-q", quiet, "no progress output");

    app.add_subcommand("list", "list shipped experiments, studies, models and rules");
    auto* describe = app.add_subcommand("describe", "document a config section or key (keys, units, defaults, ranges)");
    describe->add_option("key", key, "section or key, e.g. plasticity or model.E.tau")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : static_cast<int>(exit_code::usage);
    }
    opt.progress_mode = progress_mode(progress_name, quiet);
    opt.report = !no_report;
    try {
        if (run->parsed()) {
            opt.out = out;
            return run_file(file, overrides, opt);
        }
        if (check->parsed()) {
            std::cout << einet::config::load_file(file, overrides).to_toml();
            return 0;
        }
        if (demo->parsed()) {
            opt.out = out.empty() ? "runs/demo" : out;
            return run_file(demo_file(), {}, opt);
        }
        if (app.got_subcommand("list")) return list_everything();
        if (describe->parsed()) {
            const auto text = einet::config::describe(key);
            if (text.empty()) {
                std::cerr << "einet describe: unknown section or key \"" << key << "\"; sections:";
                for (const auto& s : einet::config::schema()) std::cerr << " " << s.name;
                std::cerr << "\n";
                return static_cast<int>(exit_code::usage);
            }
            std::cout << text;
            return 0;
        }
    } catch (const einet::user_error& e) {
        std::cerr << "einet: " << e.what() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << "einet: internal error: " << e.what() << "\n";
        return static_cast<int>(exit_code::internal);
    }
    return 0;
}
