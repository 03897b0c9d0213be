// Trials per second of the two-population rate model (paper 001) for a batch of initialisations:
// the engine and the trial protocol exactly as `einet run` uses them, without file output.
// Usage: bench_rate_trials BATCH TRIALS THREADS REPEATS  -> one JSON line per repeat on stdout.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "einet/config/config.hpp"
#include "einet/config/rate_setup.hpp"

int main(int argc, char** argv) {
    const long batch = argc > 1 ? std::atol(argv[1]) : 100;
    const long trials = argc > 2 ? std::atol(argv[2]) : 5;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
    const int repeats = argc > 4 ? std::atoi(argv[4]) : 3;
    const std::string toml = "[experiment]\nstudy = \"trial_plasticity\"\n[run]\nseed = 7\nbatch = " + std::to_string(batch) +
                             "\n[weights]\nEE = {dist = \"uniform\", low = 4, high = 7}\nEI = {dist = \"uniform\", low = 0.5, high = 2}\n"
                             "IE = {dist = \"uniform\", low = 7, high = 13}\nII = {dist = \"uniform\", low = 0.5, high = 2}\n"
                             "[protocol]\ntrials = " + std::to_string(trials) + "\nfinal_trials = 1\n[record]\ntrace_trials = []\n";
    const auto cfg = einet::config::load(toml, "bench", {});
    for (int r = 0; r < repeats; ++r) {
        auto net = einet::config::build_rate_network(cfg);
        einet::engine::rate_engine eng(net, static_cast<std::size_t>(batch), 7);
        einet::config::initialise_weights(cfg, eng);
        const auto rb = einet::config::bind_rule(cfg, net);
        einet::plasticity::trial_params p;
        p.trials = static_cast<std::size_t>(trials);
        const auto t0 = std::chrono::steady_clock::now();
        auto res = einet::plasticity::run_trials(eng, p, rb, threads, einet::progress::mode::none);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double network_trials = static_cast<double>(batch * trials);
        std::printf("{\"batch\": %ld, \"trials\": %ld, \"threads\": %d, \"seconds\": %.6f, \"trials_per_s\": %.3f, "
                    "\"E_mean_last\": %.6f}\n",
                    batch, trials, threads, s, network_trials / s, res.lowpassed[0].back());
    }
    return 0;
}
