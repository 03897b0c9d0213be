// Cost of one barrier round between the spiking engine's threads (docs/performance.md, "Two
// threads"). Usage: bench_barrier [ROUNDS] [THREADS] -> one JSON line per barrier kind, with the
// median over 5 repeats of ns per round. Kinds: "engine" (detail::spin_barrier, what the engine
// uses), "sense_notify" (the session-7 engine barrier: one shared counter and sense flag, and a
// notify_all at every round), and "pingpong" (one cache line passed back and forth, the floor of
// any barrier between two cores).
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "../src/engine/spin_barrier.hpp"

namespace {

class sense_notify_barrier {  // the engine's barrier up to session 7, for comparison
public:
    explicit sense_notify_barrier(std::size_t threads) : threads_(threads) {}
    void wait() {
        const bool sense = !sense_.load(std::memory_order_relaxed);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
            arrived_.store(0, std::memory_order_relaxed);
            sense_.store(sense, std::memory_order_release);
            sense_.notify_all();
            return;
        }
        for (int spins = 0; spins < 2048; ++spins) {
            if (sense_.load(std::memory_order_acquire) == sense) return;
            EINET_SPIN_PAUSE();
        }
        while (sense_.load(std::memory_order_acquire) != sense) sense_.wait(!sense, std::memory_order_acquire);
    }

private:
    const std::size_t threads_;
    alignas(64) std::atomic<std::size_t> arrived_{0};
    alignas(64) std::atomic<bool> sense_{false};
};

struct pingpong {  // thread 0 writes odd values, thread 1 answers with the next even one
    alignas(64) std::atomic<std::uint64_t> line{0};
    void round(int t, std::uint64_t r) {
        const std::uint64_t want = 2 * r + static_cast<std::uint64_t>(t);
        while (line.load(std::memory_order_acquire) != want) EINET_SPIN_PAUSE();
        line.store(want + 1, std::memory_order_release);
    }
};

template <class Round>
double ns_per_round(long rounds, int threads, Round&& round) {
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num();
        for (long r = 0; r < rounds; ++r) round(t, r);
    }
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / static_cast<double>(rounds);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const long rounds = argc > 1 ? std::atol(argv[1]) : 1000000;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    auto report = [&](const char* kind, auto make) {
        std::vector<double> ns;
        for (int k = 0; k < 5; ++k) {
            auto b = make();
            ns.push_back(ns_per_round(rounds, threads, [&](int t, long r) { b->round(t, r); }));
        }
        std::printf("{\"kind\": \"%s\", \"threads\": %d, \"rounds\": %ld, \"ns_per_round\": %.1f}\n", kind, threads, rounds, median(ns));
    };
    struct engine_b {
        einet::engine::detail::spin_barrier b;
        explicit engine_b(int n) : b(static_cast<std::size_t>(n)) {}
        void round(int t, long) { b.wait(static_cast<std::size_t>(t)); }
    };
    struct old_b {
        sense_notify_barrier b;
        explicit old_b(int n) : b(static_cast<std::size_t>(n)) {}
        void round(int, long) { b.wait(); }
    };
    struct pp {
        pingpong p;
        void round(int t, long r) { p.round(t, static_cast<std::uint64_t>(r)); }
    };
    report("engine", [&] { return std::make_unique<engine_b>(threads); });
    report("sense_notify", [&] { return std::make_unique<old_b>(threads); });
    if (threads == 2) report("pingpong", [&] { return std::make_unique<pp>(); });
    return 0;
}
