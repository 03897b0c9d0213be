// Normals for one entity and many draws (include/einet/core/rng_units.hpp), the noise source of the
// rate engine's unit-major kernel: same counters as normals4, float32 Box–Muller close to the
// double one, bits independent of the lane a draw lands in, and the statistics of the stream
// (moments, quantiles, tails, independence across draws and across steps).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
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

TEST(rng_units, every_simd_backend_gives_the_scalar_bits) {
    // Counters: requests of every length around the vector widths, offset draw0, a large step.
    const auto lanes = compiled_lanes();
    ASSERT_EQ(lanes.front(), simd_lanes::scalar);
    for (std::size_t n : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 32u, 33u, 100u, 513u, 1100u}) {
        block4 ref(n);
        normals_draws_f32(simd_lanes::scalar, seed, purpose::rate_noise, 5, 987654321012ULL, 3, n, ref.z[0].data(),
                          ref.z[1].data(), ref.z[2].data(), ref.z[3].data());
        const auto widest = floats(5, 987654321012ULL, 3, n);  // what the engine uses
        for (auto l : lanes) {
            block4 got(n);
            normals_draws_f32(l, seed, purpose::rate_noise, 5, 987654321012ULL, 3, n, got.z[0].data(), got.z[1].data(),
                              got.z[2].data(), got.z[3].data());
            for (int k = 0; k < 4; ++k) {
                for (std::size_t d = 0; d < n; ++d) {
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(got.z[k][d]), std::bit_cast<std::uint32_t>(ref.z[k][d]))
                        << "backend " << static_cast<int>(l) << " n " << n << " draw " << d << " word " << k;
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(widest.z[k][d]), std::bit_cast<std::uint32_t>(ref.z[k][d]));
                }
            }
        }
    }
    // Edge-case words: the extremes of the radius uniform, every quadrant boundary of the angle and
    // its neighbours, and 2^16 pseudo-random pairs.
    std::vector<std::uint32_t> a, b;
    const std::uint32_t edges[] = {0u, 1u, 2u, 0x7fu, 0x80u, 0xffffffu, 0x1000000u, 0x7fffffffu, 0x80000000u,
                                   0xffffff7fu, 0xffffff80u, 0xfffffffeu, 0xffffffffu};
    for (std::uint32_t q = 0; q < 8; ++q) {
        for (std::int32_t off = -2; off <= 2; ++off) {
            for (std::uint32_t e : edges) {
                a.push_back(e);
                b.push_back(q * (1u << 29) + static_cast<std::uint32_t>(off));
            }
        }
    }
    std::uint32_t x = 12345u;
    for (int i = 0; i < 65536; ++i) {
        x = x * 1664525u + 1013904223u;
        a.push_back(x);
        x = x * 1664525u + 1013904223u;
        b.push_back(x);
    }
    const std::size_t n = a.size();
    std::vector<float> r0(n), r1(n);
    for (std::size_t i = 0; i < n; ++i) box_muller_f32(a[i], b[i], r0[i], r1[i]);
    for (auto l : lanes) {
        std::vector<float> z0(n), z1(n);
        box_muller_words_f32(l, a.data(), b.data(), n, z0.data(), z1.data());
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(std::bit_cast<std::uint32_t>(z0[i]), std::bit_cast<std::uint32_t>(r0[i])) << "a " << a[i] << " b " << b[i];
            ASSERT_EQ(std::bit_cast<std::uint32_t>(z1[i]), std::bit_cast<std::uint32_t>(r1[i])) << "a " << a[i] << " b " << b[i];
        }
    }
    // Radius extremes: a = 0 gives the largest radius sqrt(-2 ln 2^-33) = 6.76; a near 2^32 gives u = 1, radius 0.
    float z0, z1;
    box_muller_f32(0u, 0u, z0, z1);
    EXPECT_NEAR(z0, std::sqrt(66.0 * std::numbers::ln2), 1e-5);
    EXPECT_EQ(z1, 0.0f);
    box_muller_f32(0xffffffffu, 12345u, z0, z1);
    EXPECT_EQ(z0, 0.0f);
}

TEST(rng_units, float_log_and_sincos_stay_within_their_stated_error_bounds) {
    // Bounds stated in src/core/rng_lanes.hpp (measured exhaustively during development).
    // log: the reduction x = 2^e m is exact, so every mantissa at two exponents covers the polynomial;
    // a stride sample covers the other exponents down to 2^-33 (the smallest uniform).
    double worst_log = 0;
    auto check_log = [&](std::uint32_t bits) {
        const float x = std::bit_cast<float>(bits);
        const double l = std::log(static_cast<double>(x));
        worst_log = std::max(worst_log, std::abs(log_unit_f32(x) - l) / (1.2e-7 + 6e-8 * std::abs(l)));
    };
    for (std::uint32_t m = 0; m < (1u << 23); ++m) {
        check_log((126u << 23) | m);        // [1/2, 1)
        check_log(((127u - 33u) << 23) | m);  // [2^-33, 2^-32)
    }
    for (std::uint32_t bits = 0x2f000000u; bits <= 0x3f800000u; bits += 4099u) check_log(bits);
    check_log(0x3f800000u);  // x = 1
    EXPECT_LE(worst_log, 1.0);
    EXPECT_EQ(log_unit_f32(1.0f), 0.0f);
    // sincos of 2π·b/2^32: a stride sample of all 2^32 words (every quadrant), plus the quadrant boundaries.
    double worst_trig = 0;
    auto check_trig = [&](std::uint32_t b) {
        float c, s;
        sincos_word_f32(b, c, s);
        const double th = 2 * std::numbers::pi * static_cast<double>(b) * 0x1p-32;
        worst_trig = std::max({worst_trig, std::abs(c - std::cos(th)), std::abs(s - std::sin(th))});
    };
    for (std::uint64_t b = 0; b < (1ull << 32); b += 1021u) check_trig(static_cast<std::uint32_t>(b));
    for (std::uint32_t q = 0; q < 8; ++q) {
        for (std::int32_t off = -3; off <= 3; ++off) check_trig(q * (1u << 29) + static_cast<std::uint32_t>(off));
    }
    EXPECT_LE(worst_trig, 1.3e-7);
}

namespace {

// 2^24 normals (1.7·10⁷) of one entity as the kernel uses them: 32768 four-step blocks × 128 draws (units).
std::vector<float> long_series(std::uint32_t entity, std::size_t units, std::size_t blocks) {
    std::vector<float> series;  // [step][unit]
    series.reserve(units * blocks * 4);
    for (std::size_t blk = 0; blk < blocks; ++blk) {
        const auto b = floats(entity, blk, 0, units);
        for (int k = 0; k < 4; ++k) series.insert(series.end(), b.z[k].begin(), b.z[k].end());
    }
    return series;
}

}  // namespace

TEST(rng_units, float_stream_has_normal_moments_distribution_and_tails) {
    const std::size_t units = 128, blocks = 32768;
    const auto series = long_series(9, units, blocks);
    const double n = static_cast<double>(series.size());
    ASSERT_GE(n, 1e7);
    double m1 = 0, m2 = 0;
    for (float z : series) {
        m1 += z;
        m2 += z * static_cast<double>(z);
    }
    m1 /= n;
    m2 /= n;
    double m3 = 0, m4 = 0;
    for (float z : series) {
        const double d = z - m1;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    const double var = m2 - m1 * m1, skew = m3 / n / std::pow(var, 1.5), kurt = m4 / n / (var * var) - 3.0;
    // 5 standard errors of each moment's estimate for n normals.
    EXPECT_NEAR(m1, 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
    EXPECT_NEAR(skew, 0.0, 5.0 * std::sqrt(6.0 / n));
    EXPECT_NEAR(kurt, 0.0, 5.0 * std::sqrt(24.0 / n));
    // Kolmogorov–Smirnov against Φ: sqrt(n)·D is below 1.95 with probability 0.999.
    std::vector<float> sorted = series;
    std::sort(sorted.begin(), sorted.end());
    double ks = 0;
    for (std::size_t i = 0; i < sorted.size(); i += 1) {
        if (i + 1 < sorted.size() && sorted[i + 1] == sorted[i]) continue;  // ties: the step's top
        const double F = normal_cdf(sorted[i]);
        ks = std::max({ks, std::abs(static_cast<double>(i + 1) / n - F), std::abs(static_cast<double>(i) / n - F)});
    }
    EXPECT_LT(std::sqrt(n) * ks, 1.95) << "KS D = " << ks;
    // χ² over 1000 equiprobable bins (999 degrees of freedom: mean 999, SD 44.7): within 5 SD.
    const int bins = 1000;
    std::vector<double> count(bins, 0.0);
    for (std::size_t i = 0, b = 0; i < sorted.size(); ++i) {
        while (b + 1 < static_cast<std::size_t>(bins) && normal_cdf(sorted[i]) >= static_cast<double>(b + 1) / bins) ++b;
        count[b] += 1;
    }
    double chi2 = 0;
    for (double c : count) chi2 += (c - n / bins) * (c - n / bins) / (n / bins);
    EXPECT_NEAR(chi2, 999.0, 5 * 44.7);
    // Tails (two-sided): counts within 5 Poisson SDs (+1) of n·P(|z| > t); 5σ and beyond below.
    for (double t : {1.0, 2.0, 3.0, 4.0}) {
        double beyond = 0;
        for (float z : series) beyond += std::abs(z) > t ? 1.0 : 0.0;
        const double want = n * std::erfc(t / std::numbers::sqrt2);
        EXPECT_NEAR(beyond, want, 5.0 * std::sqrt(want) + 1.0) << "|z| > " << t;
    }
    // The one-sided tails at 4σ are symmetric.
    double up = 0, down = 0;
    for (float z : series) {
        up += z > 4.0f ? 1.0 : 0.0;
        down += z < -4.0f ? 1.0 : 0.0;
    }
    const double half = 0.5 * n * std::erfc(4.0 / std::numbers::sqrt2);
    EXPECT_NEAR(up, half, 5.0 * std::sqrt(half));
    EXPECT_NEAR(down, half, 5.0 * std::sqrt(half));
}

TEST(rng_units, float_stream_has_normal_tails_out_to_5_5_sigma) {
    // 2^27 (1.3·10⁸) normals, 512 draws × 4 slots per counter block: enough for 77 expected beyond 5σ.
    const std::size_t draws = 512, blocks = std::size_t{1} << 16;
    const double thresholds[] = {4.0, 4.5, 5.0, 5.5};
    double beyond[4] = {}, n = 0;
    std::vector<float> z[4];
    for (auto& v : z) v.resize(draws);
    for (std::size_t blk = 0; blk < blocks; ++blk) {
        normals_draws<float>(seed, purpose::rate_noise, 11, blk, 0, draws, z[0].data(), z[1].data(), z[2].data(), z[3].data());
        for (const auto& v : z) {
            for (float x : v) {
                const float a = std::abs(x);
                for (int t = 0; t < 4; ++t) beyond[t] += a > static_cast<float>(thresholds[t]) ? 1.0 : 0.0;
            }
        }
        n += 4.0 * draws;
    }
    for (int t = 0; t < 4; ++t) {
        const double want = n * std::erfc(thresholds[t] / std::numbers::sqrt2);  // 8505, 910, 77, 5.1
        EXPECT_NEAR(beyond[t], want, 5.0 * std::sqrt(want) + 1.0) << "|z| > " << thresholds[t];
    }
}

TEST(rng_units, float_stream_has_no_correlations_between_draws_units_steps_or_pairs) {
    // 2^20 normals: 2048 four-step blocks x 128 draws (units) for one entity, as the kernel uses them.
    const std::size_t units = 128, blocks = 2048;
    const auto series = long_series(9, units, blocks);
    const double n = static_cast<double>(series.size());
    // Lag-1 correlations across units (same step) and across steps (same unit), including the step
    // boundary between two Philox blocks (slot 3 -> slot 0 of the next counter); the two normals of one
    // Box–Muller pair (slots 0/1, 2/3: same radius) also in their squares (dependence beyond linear).
    double across_units = 0, across_steps = 0, across_blocks = 0, nb = 0, pair = 0, pair_sq = 0, np = 0;
    const std::size_t steps = 4 * blocks;
    for (std::size_t t = 0; t + 1 < steps; ++t) {
        for (std::size_t u = 0; u < units; ++u) {
            const double z = series[t * units + u], next = series[(t + 1) * units + u];
            if (u + 1 < units) across_units += z * series[t * units + u + 1];
            across_steps += z * next;
            if (t % 4 == 3) {
                across_blocks += z * next;
                nb += 1;
            }
            if (t % 2 == 0) {
                pair += z * next;
                pair_sq += (z * z - 1) * (next * next - 1) / 2;  // var(z² - 1) = 2
                np += 1;
            }
        }
    }
    EXPECT_NEAR(across_units / (static_cast<double>(steps - 1) * (units - 1)), 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(across_steps / (static_cast<double>(steps - 1) * units), 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(across_blocks / nb, 0.0, 5.0 / std::sqrt(nb));
    EXPECT_NEAR(pair / np, 0.0, 5.0 / std::sqrt(np));
    EXPECT_NEAR(pair_sq / np, 0.0, 5.0 / std::sqrt(np));
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
