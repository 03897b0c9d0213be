// Step kernel of the 80/20 multi-unit rate model (paper 001 Figs. 5G/6G) against the machine's
// float32 FMA peak, measured in the same process.
// Usage: bench_multi_unit BATCH STEPS PRECISION(float32|float64) KERNEL(unit_major|batch_major) REPEATS [NOISE(on|off)]
//        [WEIGHT_STORAGE(float32|float16)]
// -> one JSON line per repeat: seconds (wall) and cpu_seconds (this thread's CPU time) of
// engine.run(STEPS) (one trial segment, weights fixed, as between two plasticity updates); the
// rates below all use thread CPU time (robust on a shared machine): recurrent-sum GFLOP/s (2·N_post·N_pre flops per network-step,
// also for the silent steps before the kick whose sums the kernel skips: an effective rate),
// the peak of a register-resident FMA loop on one thread, and the L2 streaming bandwidth of the same
// FMA loop reading (instead of registers) 8 matrices of the size the unit-major kernel keeps per
// network (its group of 8 networks; 41.6 KB each in float32), i.e. the kernel's memory roofline,
// and the same loop over one 20.8 KB buffer (the binary16 matrix of one network, which
// weight_storage = float16 keeps alone in L1; read as floats: the L1 side of its roofline).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <string>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/config/rate_setup.hpp"

namespace {

// CPU time of the calling thread (s): on a shared machine the time a single-threaded loop is
// descheduled does not count, so rates measured with it are those of the core while it ran.
double thread_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// float32 FMA peak of one core: independent accumulators (enough to cover the FMA latency on
// every current x86 core) in vectors of the widest native width, few enough to stay in registers
// (12 zmm, or 12 ymm with AVX2). No asm barrier: an earlier "+x" barrier made GCC keep the
// accumulators on the stack, so the loop measured store-forwarding latency (~half the peak).
double peak_fma_gflops() {
#if defined(__AVX512F__)
    constexpr int width = 16;
#else
    constexpr int width = 8;
#endif
    typedef float vec __attribute__((vector_size(4 * width)));
    constexpr int acc_n = 12;
    vec acc[acc_n];
    vec m, a;
    for (int l = 0; l < width; ++l) m[l] = 1.0000001f, a[l] = 1e-7f;
    for (int k = 0; k < acc_n; ++k) acc[k] = m * static_cast<float>(k);
    const long iters = 320000000 / width;
    const double t0 = thread_seconds();
    for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 12
        for (int k = 0; k < acc_n; ++k) acc[k] = acc[k] * m + a;  // contracted to one FMA (-ffp-contract=fast)
    }
    const double s = thread_seconds() - t0;
    float sink = 0;
    for (int k = 0; k < acc_n; ++k) sink += acc[k][0];
    if (sink == 42.0f) std::puts("");  // keeps the loop's results alive
    return 2.0 * width * acc_n * static_cast<double>(iters) / s * 1e-9;
}

// GB/s of FMAs that read every float of `group` matrices of `bytes` each once per sweep, many
// sweeps (the unit-major kernel's access pattern without the column structure: 1 load per FMA).
double l2_stream_gbps(std::size_t bytes, std::size_t group) {
    typedef float v16 __attribute__((vector_size(64)));
    constexpr std::size_t acc_n = 12;
    const std::size_t nvec = (bytes * group / 64 + acc_n - 1) / acc_n * acc_n;
    std::vector<v16> buf(nvec);  // 64-byte aligned (over-aligned new)
    for (std::size_t k = 0; k < nvec; ++k) {
        for (int l = 0; l < 16; ++l) buf[k][l] = 1e-3f * static_cast<float>((k * 16 + static_cast<std::size_t>(l)) % 97);
    }
    v16 acc[acc_n] = {};
    const float s = 0.999f;
    const std::size_t sweeps = std::max<std::size_t>(1, (std::size_t{16} << 30) / (nvec * 64));  // ≈ 16 GB read
    const double t0 = thread_seconds();
    for (std::size_t it = 0; it < sweeps; ++it) {
        for (std::size_t k = 0; k < nvec; k += acc_n) {
#pragma GCC unroll 12
            for (std::size_t a = 0; a < acc_n; ++a) acc[a] += buf[k + a] * s;
        }
        asm volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]));
    }
    const double sec = thread_seconds() - t0;
    float sink = 0;
    for (std::size_t a = 0; a < acc_n; ++a) sink += acc[a][0];
    if (sink == 42.0f) std::puts("");
    return static_cast<double>(sweeps) * static_cast<double>(nvec) * 64.0 / sec * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    const long batch = argc > 1 ? std::atol(argv[1]) : 8;
    const long steps = argc > 2 ? std::atol(argv[2]) : 20000;  // one trial: silent until the kick at step 2500
    const std::string precision = argc > 3 ? argv[3] : "float32";
    const std::string kernel = argc > 4 ? argv[4] : "unit_major";
    const int repeats = argc > 5 ? std::atoi(argv[5]) : 3;
    const bool noise = argc > 6 ? std::string(argv[6]) != "off" : true;  // off: what the noise costs
    const std::string storage = argc > 7 ? argv[7] : "float32";
    const std::string toml = "[experiment]\nstudy = \"trial_plasticity\"\n[run]\nseed = 7\nbatch = " + std::to_string(batch) +
                             "\n[model]\nE.n = 80\nI.n = 20\nprecision = \"" + precision + "\"\nkernel = \"" + kernel +
                             "\"\nweight_storage = \"" + storage + "\"\n[noise]\nsigma = \"" + (noise ? "10" : "0") + " s^-1/2\"\n[weights]\ntotal = true\nsynapse_spread = \"normal\"\n"
                             "EE = {dist = \"uniform\", low = 1, high = 6}\nEI = {dist = \"uniform\", low = 0.5, high = 2}\n"
                             "IE = {dist = \"uniform\", low = 5, high = 7}\nII = {dist = \"uniform\", low = 0.5, high = 2}\n";
    const auto cfg = einet::config::load(toml, "bench", {});
    const double peak = peak_fma_gflops();
    // The unit-major kernel's float32 matrices: 100 presynaptic rows × (80 + 24) padded columns.
    constexpr std::size_t matrix_bytes = 100 * (80 + 24) * sizeof(float);
    const double l2 = l2_stream_gbps(matrix_bytes, 8);
    const double l1 = l2_stream_gbps(matrix_bytes / 2, 1);
    for (int r = 0; r < repeats; ++r) {
        auto net = einet::config::build_rate_network(cfg);
        einet::engine::rate_engine eng(net, static_cast<std::size_t>(batch), 7);
        einet::config::initialise_weights(cfg, eng);
        eng.begin_segment(true);
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = thread_seconds();
        eng.run(static_cast<std::size_t>(steps), nullptr, 1);  // one thread: OpenMP runs it on this one
        const double cpu = thread_seconds() - c0;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double flops = 2.0 * 100.0 * 100.0 * static_cast<double>(batch) * static_cast<double>(steps);
        std::printf("{\"batch\": %ld, \"steps\": %ld, \"precision\": \"%s\", \"weight_storage\": \"%s\", \"kernel\": \"%s\", "
                    "\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"gflops\": %.3f, \"peak_fma_gflops\": %.3f, \"fraction_of_peak\": %.4f, "
                    "\"l2_stream_gbps\": %.3f, \"l2_bound_us_per_network_step\": %.5f, \"l1_stream_gbps\": %.3f, "
                    "\"E_rate_network0\": %.9g}\n",
                    batch, steps, precision.c_str(), storage.c_str(), kernel.c_str(), s, cpu, flops / cpu * 1e-9, peak,
                    flops / cpu * 1e-9 / peak, l2, static_cast<double>(matrix_bytes) / (l2 * 1e3), l1, eng.population_mean(0, 0));
    }
    return 0;
}
