// Normals for one entity and many draws (include/einet/core/rng_units.hpp), the noise source of the
// rate engine's unit-major kernel: same counters as normals4, float32 Box–Muller close to the
// double one, bits independent of the lane a draw lands in, and the statistics of the stream
// (moments, quantiles, tails, independence across draws and across steps).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "einet/core/rng.hpp"
#include "einet/core/rng_units.hpp"

using namespace einet::rng;

namespace {

constexpr std::uint64_t seed = 0x5eed1234abcdULL;

struct block4 {
    std::vector<float> z[4];
    explicit block4(std::size_t n) {
        for (auto& v : z) v.assign(n, 0.0f);
    }
};

block4 floats(std::uint32_t entity, std::uint64_t step, std::uint32_t draw0, std::size_t n) {
    block4 b(n);
    normals_draws<float>(seed, purpose::rate_noise, entity, step, draw0, n, b.z[0].data(), b.z[1].data(), b.z[2].data(),
                         b.z[3].data());
    return b;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

}  // namespace

TEST(rng_units, double_normals_are_normals4_of_the_same_counters) {
    const std::size_t n = 103;  // 12 vectors of 8 and a scalar remainder
    std::vector<double> z[4];
    for (auto& v : z) v.assign(n, 0.0);
    normals_draws<double>(seed, purpose::rate_noise, 17, 123456789012ULL, 5, n, z[0].data(), z[1].data(), z[2].data(),
                          z[3].data());
    for (std::size_t d = 0; d < n; ++d) {
        const auto want = normals4(seed, purpose::rate_noise, 17, 123456789012ULL, static_cast<std::uint32_t>(5 + d));
        for (int k = 0; k < 4; ++k) EXPECT_EQ(z[k][d], want[k]) << "draw " << d << " word " << k;
    }
}

TEST(rng_units, float_normals_match_the_double_ones_and_do_not_depend_on_the_lane) {
    const std::size_t n = 100;
    const auto all = floats(3, 77, 0, n);
    for (std::size_t d = 0; d < n; ++d) {
        const auto want = normals4(seed, purpose::rate_noise, 3, 77, static_cast<std::uint32_t>(d));
        const auto alone = floats(3, 77, static_cast<std::uint32_t>(d), 1);  // scalar path, lane 0
        for (int k = 0; k < 4; ++k) {
            EXPECT_NEAR(all.z[k][d], want[k], 2e-6 * (1.0 + std::abs(want[k]))) << "draw " << d;
            EXPECT_EQ(all.z[k][d], alone.z[k][0]) << "draw " << d << " word " << k;
        }
    }
}

TEST(rng_units, float_log_and_sincos_kernels_are_accurate) {
    double worst_log = 0, worst_trig = 0;
    for (int i = 0; i < 200000; ++i) {
        const float x = std::ldexp(1.0f + static_cast<float>(i % 4096) / 4096.0f, -(i % 33) - 1);
        worst_log = std::max(worst_log, std::abs(log_unit_f32(x) - std::log(static_cast<double>(x))));
        const float t = static_cast<float>(i) / 200000.0f;
        float c, s;
        sincos_turn_f32(t, c, s);
        const double phi = 2 * std::numbers::pi * static_cast<double>(t);
        worst_trig = std::max({worst_trig, std::abs(c - std::cos(phi)), std::abs(s - std::sin(phi))});
    }
    EXPECT_LT(worst_log, 4e-6);   // |log x| <= 23: a few float ulps
    EXPECT_LT(worst_trig, 3e-7);
}

TEST(rng_units, float_stream_has_normal_statistics_and_no_correlations) {
    // 2^20 normals: 2048 four-step blocks x 128 draws (units) for one entity, as the kernel uses them.
    const std::size_t units = 128, blocks = 2048;
    std::vector<float> series;  // [step][unit]
    series.reserve(units * blocks * 4);
    for (std::size_t blk = 0; blk < blocks; ++blk) {
        const auto b = floats(9, blk, 0, units);
        for (int k = 0; k < 4; ++k) series.insert(series.end(), b.z[k].begin(), b.z[k].end());
    }
    const double n = static_cast<double>(series.size());
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (float z : series) {
        m1 += z;
        m2 += z * static_cast<double>(z);
    }
    m1 /= n;
    m2 /= n;
    for (float z : series) {
        const double d = z - m1;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    const double var = m2 - m1 * m1, skew = m3 / n / std::pow(var, 1.5), kurt = m4 / n / (var * var) - 3.0;
    // Tolerances are 5 standard errors for n = 2^20.
    EXPECT_NEAR(m1, 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
    EXPECT_NEAR(skew, 0.0, 5.0 * std::sqrt(6.0 / n));
    EXPECT_NEAR(kurt, 0.0, 5.0 * std::sqrt(24.0 / n));
    for (double q : {-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0}) {  // quantiles of N(0, 1)
        double below = 0;
        for (float z : series) below += z < q ? 1.0 : 0.0;
        const double p = normal_cdf(q);
        EXPECT_NEAR(below / n, p, 5.0 * std::sqrt(p * (1 - p) / n)) << "quantile at " << q;
    }
    // Lag-1 correlations across units (same step) and across steps (same unit), including the step
    // boundary between two Philox blocks (slot 3 -> slot 0 of the next counter).
    double across_units = 0, across_steps = 0, across_blocks = 0, nb = 0;
    const std::size_t steps = 4 * blocks;
    for (std::size_t t = 0; t + 1 < steps; ++t) {
        for (std::size_t u = 0; u < units; ++u) {
            const double z = series[t * units + u];
            if (u + 1 < units) across_units += z * series[t * units + u + 1];
            across_steps += z * series[(t + 1) * units + u];
            if (t % 4 == 3) {
                across_blocks += z * series[(t + 1) * units + u];
                nb += 1;
            }
        }
    }
    EXPECT_NEAR(across_units / (static_cast<double>(steps - 1) * (units - 1)), 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(across_steps / (static_cast<double>(steps - 1) * units), 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(across_blocks / nb, 0.0, 5.0 / std::sqrt(nb));
    // Different entities (networks) with the same draws and steps are independent streams.
    double across_entities = 0;
    for (std::size_t blk = 0; blk < 256; ++blk) {
        const auto a = floats(9, blk, 0, units), b = floats(10, blk, 0, units);
        for (int k = 0; k < 4; ++k) {
            for (std::size_t u = 0; u < units; ++u) across_entities += a.z[k][u] * static_cast<double>(b.z[k][u]);
        }
    }
    EXPECT_NEAR(across_entities / (256.0 * 4 * units), 0.0, 5.0 / std::sqrt(256.0 * 4 * units));
}
