#pragma once
// One timed run of the spiking engine for the benchmarks: the network is built (timed as
// build_s), then `seconds` are simulated on `threads` threads (timed as run_s, engine.run() only,
// wall time; run_cpu_s: the process's CPU time over the same call, std::clock as Brian2 times its
// run loop, so one-thread runs on a loaded machine compare on the same measure).
// EINET_MIN_NEURONS_PER_THREAD overrides the engine's small-network thread fallback.
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdlib>

#include "einet/engine/spiking_engine.hpp"

namespace einet_bench {

struct timed_run {
    double build_s = 0.0, run_s = 0.0, run_cpu_s = 0.0;
    std::size_t synapses = 0;
    std::size_t threads_used = 0;  // the engine's worker count at the end (1 after a crowded-machine fallback)
};

template <class BuildNetwork>
timed_run time_engine(BuildNetwork&& build, std::uint64_t seed, double seconds, int threads,
                      einet::engine::spike_hook& hook) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    einet::engine::spiking_engine eng(build(), seed);
    if (const char* m = std::getenv("EINET_MIN_NEURONS_PER_THREAD")) eng.set_min_neurons_per_thread(std::strtoull(m, nullptr, 10));
    const auto t1 = clock::now();
    const std::clock_t c1 = std::clock();
    eng.run(static_cast<std::size_t>(seconds / eng.dt() * 1e3 + 0.5), &hook, threads);
    const std::clock_t c2 = std::clock();
    const auto t2 = clock::now();
    timed_run r;
    r.run_cpu_s = static_cast<double>(c2 - c1) / CLOCKS_PER_SEC;
    r.build_s = std::chrono::duration<double>(t1 - t0).count();
    r.run_s = std::chrono::duration<double>(t2 - t1).count();
    for (const auto& p : eng.network().projections) r.synapses += p.synapses.size();
    r.threads_used = eng.threads_used();
    return r;
}

}  // namespace einet_bench
