// Step kernel of the 80/20 multi-unit rate model (paper 001 Figs. 5G/6G) against the machine's
// float32 FMA peak, measured in the same process.
// Usage: bench_multi_unit BATCH STEPS PRECISION(float32|float64) KERNEL(unit_major|batch_major) REPEATS [NOISE(on|off)]
// -> one JSON line per repeat: seconds of engine.run(STEPS) (one trial segment, weights fixed, as
// between two plasticity updates), recurrent-sum GFLOP/s (2·N_post·N_pre flops per network-step),
// and the peak of a register-resident FMA loop on one thread.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "einet/config/config.hpp"
#include "einet/config/rate_setup.hpp"

namespace {

// float32 FMA peak of one core: independent accumulators (enough to cover the FMA latency on
// every current x86 core), vectors of 16 floats (GCC vector extension; AVX-512 or 2×AVX2 FMAs).
double peak_fma_gflops() {
    typedef float v16 __attribute__((vector_size(64)));
    constexpr int acc_n = 12;
    v16 acc[acc_n];
    const v16 m = {1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f,
                   1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f};
    const v16 a = m * 1e-7f;
    for (int k = 0; k < acc_n; ++k) acc[k] = m * static_cast<float>(k);
    const long iters = 20000000;
    const auto t0 = std::chrono::steady_clock::now();
    for (long it = 0; it < iters; ++it) {
        for (int k = 0; k < acc_n; ++k) acc[k] = acc[k] * m + a;  // contracted to one FMA (-ffp-contract=fast)
        asm volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]));
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    float sink = 0;
    for (int k = 0; k < acc_n; ++k) sink += acc[k][0];
    if (sink == 42.0f) std::puts("");  // keep the results alive
    return 2.0 * 16.0 * acc_n * static_cast<double>(iters) / s * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    const long batch = argc > 1 ? std::atol(argv[1]) : 8;
    const long steps = argc > 2 ? std::atol(argv[2]) : 2000;
    const std::string precision = argc > 3 ? argv[3] : "float32";
    const std::string kernel = argc > 4 ? argv[4] : "unit_major";
    const int repeats = argc > 5 ? std::atoi(argv[5]) : 3;
    const bool noise = argc > 6 ? std::string(argv[6]) != "off" : true;  // off: what the noise costs
    const std::string toml = "[experiment]\nstudy = \"trial_plasticity\"\n[run]\nseed = 7\nbatch = " + std::to_string(batch) +
                             "\n[model]\nE.n = 80\nI.n = 20\nprecision = \"" + precision + "\"\nkernel = \"" + kernel +
                             "\"\n[noise]\nsigma = \"" + (noise ? "10" : "0") + " s^-1/2\"\n[weights]\ntotal = true\nsynapse_spread = \"normal\"\n"
                             "EE = {dist = \"uniform\", low = 1, high = 6}\nEI = {dist = \"uniform\", low = 0.5, high = 2}\n"
                             "IE = {dist = \"uniform\", low = 5, high = 7}\nII = {dist = \"uniform\", low = 0.5, high = 2}\n";
    const auto cfg = einet::config::load(toml, "bench", {});
    const double peak = peak_fma_gflops();
    for (int r = 0; r < repeats; ++r) {
        auto net = einet::config::build_rate_network(cfg);
        einet::engine::rate_engine eng(net, static_cast<std::size_t>(batch), 7);
        einet::config::initialise_weights(cfg, eng);
        eng.begin_segment(true);
        const auto t0 = std::chrono::steady_clock::now();
        eng.run(static_cast<std::size_t>(steps), nullptr, 1);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double flops = 2.0 * 100.0 * 100.0 * static_cast<double>(batch) * static_cast<double>(steps);
        std::printf("{\"batch\": %ld, \"steps\": %ld, \"precision\": \"%s\", \"kernel\": \"%s\", \"seconds\": %.6f, "
                    "\"gflops\": %.3f, \"peak_fma_gflops\": %.3f, \"fraction_of_peak\": %.4f, \"E_rate_network0\": %.9g}\n",
                    batch, steps, precision.c_str(), kernel.c_str(), s, flops / s * 1e-9, peak, flops / s * 1e-9 / peak,
                    eng.population_mean(0, 0));
    }
    return 0;
}
