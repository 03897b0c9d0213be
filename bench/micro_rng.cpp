// Google Benchmark micro-benchmarks of the random-number kernels every noisy simulation pays for:
// Philox4x32-10 words and Box–Muller normals, per block of consecutive counters.
#include <benchmark/benchmark.h>

#include <vector>

#include "einet/core/rng_block.hpp"
#include "einet/core/rng_units.hpp"

namespace {

void philox_words(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::uint32_t> w(4 * n);
    std::uint64_t step = 0;
    for (auto _ : state) {
        einet::rng::philox_block(7, einet::rng::purpose::rate_noise, 0, step++, 0, n, w.data(), w.data() + n,
                                 w.data() + 2 * n, w.data() + 3 * n);
        benchmark::DoNotOptimize(w.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 4 * n));  // 32-bit words
}

void normals(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<double> z(4 * n);
    std::uint64_t step = 0;
    for (auto _ : state) {
        einet::rng::normals_block(7, einet::rng::purpose::rate_noise, 0, step++, 0, n, z.data(), z.data() + n,
                                  z.data() + 2 * n, z.data() + 3 * n);
        benchmark::DoNotOptimize(z.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 4 * n));  // normals
}

// The rate engine's unit-major noise: one network's normals for 4 steps of N units (N = 100 in the
// paper-001 80/20 model) from N Philox counters, in float32.
void normals_draws_float(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<float> z(4 * n);
    std::uint64_t step = 0;
    for (auto _ : state) {
        einet::rng::normals_draws<float>(7, einet::rng::purpose::rate_noise, 0, step++, 0, n, z.data(), z.data() + n,
                                         z.data() + 2 * n, z.data() + 3 * n);
        benchmark::DoNotOptimize(z.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 4 * n));  // normals
}

}  // namespace

BENCHMARK(philox_words)->Arg(64)->Arg(1024);
BENCHMARK(normals)->Arg(64)->Arg(1024);
BENCHMARK(normals_draws_float)->Arg(100)->Arg(512);
BENCHMARK_MAIN();
