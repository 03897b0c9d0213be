#include "einet/config/experiment.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#include "einet/config/balancing_studies.hpp"
#include "einet/config/rate_setup.hpp"
#include "einet/config/rate_studies.hpp"
#include "einet/config/spiking_setup.hpp"
#include "einet/config/spiking_study.hpp"
#include "spiking_checkpoint.hpp"
#include "einet/core/error.hpp"
#include "einet/io/run_directory.hpp"
#include "einet/io/atomic_file.hpp"

#include "einet_git_version.hpp"  // generated at build time: EINET_GIT_HASH
#ifndef EINET_PYTHON_DIR
#define EINET_PYTHON_DIR ""
#endif
#ifndef EINET_SOURCE_DIR
#define EINET_SOURCE_DIR "."
#endif

namespace einet::config {
namespace fs = std::filesystem;
using io::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string html_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '&') o += "&amp;";
        else o += c;
    }
    return o;
}

// A plain report (summary and config) so report.html exists even without Python; the Python
// report replaces it with figures.
void write_basic_report(io::run_directory& dir, const std::string& name, const json& summary, const std::string& config) {
    std::string html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + html_escape(name) +
                       "</title></head><body><h1>" + html_escape(name) + "</h1><h2>Summary</h2><pre>" +
                       html_escape(summary.dump()) + "</pre><h2>Configuration</h2><pre>" + html_escape(config) +
                       "</pre><p>Figures need the einet Python package (PYTHONPATH=build/python).</p></body></html>\n";
    dir.write_text("report.html", html);
}

// Figures and report.html through the Python package: /usr/bin/python3 -m einet.report RUN_DIR,
// spawned with an argv (no shell, so any path is safe) and PYTHONPATH pointing at build/python.
bool run_python_report(const std::string& run_dir) {
    std::string py_dir = EINET_PYTHON_DIR;
    if (const char* env = std::getenv("EINET_PYTHON_DIR")) py_dir = env;
    if (py_dir.empty()) return false;
    std::string pythonpath = "PYTHONPATH=" + py_dir;
    if (const char* old = std::getenv("PYTHONPATH")) pythonpath += std::string(":") + old;
    std::vector<std::string> env_strings{pythonpath};
    for (char** e = environ; *e; ++e) {
        if (std::string(*e).rfind("PYTHONPATH=", 0) != 0) env_strings.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string python = "/usr/bin/python3", flag = "-m", module = "einet.report", dir = run_dir;
    char* argv[] = {python.data(), flag.data(), module.data(), dir.data(), nullptr};
    // The report's own messages go to stderr, like all progress output.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string default_out(const std::string& name) {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", std::gmtime(&t));
    return "runs/" + name + "-" + buf;
}

}  // namespace

std::string run_experiment(const resolved_config& cfg, const run_options& opt_in) {
    run_options opt = opt_in;
    if (opt.threads <= 0) opt.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const auto t_build = std::chrono::steady_clock::now();
    const auto name = cfg.string("experiment.name");
    const std::string out_path = opt.out.empty() ? default_out(name) : opt.out;

    // Build everything that can fail on the model before the directory exists.
    const auto study = cfg.study();
    const bool spiking = study == "spiking";
    if (opt.resume) {
        if (!spiking && study != "rnn_training")
            throw config_error("--resume continues spiking and rnn_training runs only; study \"" + study + "\" has no checkpoints");
        if (opt.out.empty()) throw config_error("--resume needs --out: the run directory to continue");
        if (opt.overwrite) throw config_error("--resume and --overwrite exclude each other");
        check_resumable(cfg, out_path);
    }
    std::unique_ptr<engine::rate_engine> eng;
    network::spiking_network spiking_net;
    const bool balancing = is_balancing_study(study);
    if (spiking) {
        spiking_net = build_spiking_network(cfg, opt.threads);
    } else if (!balancing) {
        auto net = build_rate_network(cfg);
        eng = std::make_unique<engine::rate_engine>(net, static_cast<std::size_t>(cfg.integer("run.batch")),
                                                    static_cast<std::uint64_t>(cfg.integer("run.seed")));
        initialise_weights(cfg, *eng);
        if (study != "fixed_weights") bind_rule(cfg, net);
    }
    const double build_s = seconds_since(t_build);

    json manifest = json::object();
    manifest["einet_version"] = "0.1.0";
    manifest["git_hash"] = EINET_GIT_HASH;
    manifest["compiler"] = __VERSION__;
    json argv = json::array();
    for (const auto& a : opt.argv) argv.push_back(a);
    manifest["argv"] = argv;
    manifest["experiment"] = name;
    manifest["study"] = cfg.study();
    manifest["seed"] = static_cast<std::int64_t>(cfg.integer("run.seed"));
    manifest["threads"] = opt.threads;
    if (!spiking && !balancing) manifest["batch"] = static_cast<std::int64_t>(cfg.integer("run.batch"));
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    manifest["host"] = std::string(host);
    using existing = io::run_directory::existing;
    io::run_directory dir(out_path, opt.resume ? existing::keep : opt.overwrite ? existing::replace : existing::refuse,
                          manifest);
    const std::string config_text = cfg.to_toml();
    dir.write_text("config.toml", config_text);

    const auto t_run = std::chrono::steady_clock::now();
    study_output out;
    try {
        if (spiking) out = run_spiking_study(cfg, std::move(spiking_net), dir, opt);
        else if (study == "synaptic_balancing") out = run_balancing_study(cfg, dir, opt);
        else if (study == "rnn_training") out = run_rnn_training_study(cfg, dir, opt);
        else if (study == "trial_plasticity") out = run_trial_study(cfg, *eng, dir, opt);
        else if (study == "online_plasticity") out = run_online_study(cfg, *eng, dir, opt);
        else out = run_fixed_study(cfg, *eng, dir, opt);
    } catch (const std::exception& e) {
        // Whatever stops a study after the directory exists leaves it marked failed, with why.
        dir.set_status("failed", e.what());
        throw;
    }
    const double run_s = seconds_since(t_run);

    json summary = json::object();
    summary["experiment"] = name;
    summary["paper"] = cfg.string("experiment.paper");
    summary["figure"] = cfg.string("experiment.figure");
    summary["status"] = out.failure.empty() ? "complete" : "failed";
    if (!out.failure.empty()) summary["failure"] = out.failure;
    for (const auto& [k, v] : out.summary.items()) summary[k] = v;
    dir.write_json("summary.json", summary);
    dir.manifest()["build_s"] = build_s;
    dir.manifest()["run_s"] = run_s;
    write_basic_report(dir, name, summary, config_text);
    if (out.failure.empty()) dir.set_status("complete");
    else dir.set_status("failed", out.failure);
    if (opt.report && !run_python_report(dir.path().string())) {
        std::fprintf(stderr, "einet: figures were not made (the Python report failed); report.html has the summary only\n");
    }
    if (!out.failure.empty()) {
        throw numerical_error("run stopped: " + out.failure + " (results up to then are in " + dir.path().string() + ")");
    }
    return dir.path().string();
}

std::string experiments_dir() {
    if (const char* env = std::getenv("EINET_EXPERIMENTS")) return env;
    return std::string(EINET_SOURCE_DIR) + "/experiments";
}

std::vector<shipped_experiment> shipped_experiments() {
    std::vector<shipped_experiment> list;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(experiments_dir(), ec)) {
        if (entry.path().extension() != ".toml") continue;
        shipped_experiment e;
        e.path = entry.path().string();
        e.name = entry.path().stem().string();
        try {
            auto t = toml::parse_file(e.path);
            e.paper = t.at_path("experiment.paper").value_or(std::string());
            e.figure = t.at_path("experiment.figure").value_or(std::string());
            e.description = t.at_path("experiment.description").value_or(std::string());
        } catch (const std::exception&) {
            e.description = "(unreadable)";
        }
        list.push_back(e);
    }
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return list;
}

}  // namespace einet::config
