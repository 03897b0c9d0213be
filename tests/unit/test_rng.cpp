// Counter-based random numbers (include/einet/core/rng.hpp): Philox layout and known answers,
// the branch-free log / sincos kernels, and the statistics of the normal transform.
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "einet/core/rng.hpp"
#include "einet/core/rng_block.hpp"

using namespace einet::rng;

namespace {

u32x4 reference(const std::array<std::uint32_t, 4>& ctr, const std::array<std::uint32_t, 2>& key) {
    r123::Philox4x32 g;
    r123::Philox4x32::ctr_type c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    r123::Philox4x32::key_type k = {{key[0], key[1]}};
    auto r = g(c, k);
    return {r[0], r[1], r[2], r[3]};
}

}  // namespace

TEST(rng, philox_uses_the_documented_counter_and_key_layout) {
    // counter = {entity, step lo, step hi, purpose | draw << 8}, key = {seed lo, seed hi}.
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::uint64_t seed = x ^ (x << 7), step = x * 31 + static_cast<std::uint64_t>(i) * 0x100000001ULL;
        const auto entity = static_cast<std::uint32_t>(x >> 17);
        const auto draw = static_cast<std::uint32_t>(i * 977) & 0xffffffu;
        const auto p = static_cast<purpose>(1 + i % 7);
        const auto got = philox(seed, p, entity, step, draw);
        const auto want = reference({entity, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32),
                                     static_cast<std::uint32_t>(p) | (draw << 8)},
                                    {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
        ASSERT_EQ(got, want) << "i = " << i;
    }
}

TEST(rng, philox4x32_10_known_answers) {
    // Random123 tests/kat_vectors, the three "philox4x32 10" lines (CTR[4] KEY[2] -> OUT[4]).
    // The file is not shipped by librandom123-dev here; these lines are copied verbatim from the
    // upstream file (github.com/DEShawResearch/random123, tests/kat_vectors, v1.14.0).
    const u32x4 zero_out = {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u};
    const u32x4 ones_out = {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu};
    const u32x4 pi_out = {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u};
    // Directly through Random123 ...
    EXPECT_EQ(reference({0, 0, 0, 0}, {0, 0}), zero_out);
    EXPECT_EQ(reference({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}), ones_out);
    EXPECT_EQ(reference({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}), pi_out);
    // ... and through einet's layout (purpose | draw << 8 spells the fourth counter word).
    EXPECT_EQ(philox(0, static_cast<purpose>(0), 0, 0, 0), zero_out);
    EXPECT_EQ(philox(~0ULL, static_cast<purpose>(0xff), 0xffffffffu, ~0ULL, 0xffffffu), ones_out);
    EXPECT_EQ(philox(0x299f31d0a4093822ULL, static_cast<purpose>(0x44), 0x243f6a88u, 0x13198a2e85a308d3ULL, 0x037073u),
              pi_out);
}

TEST(rng, every_counter_field_selects_a_different_stream_and_equal_inputs_equal_bits) {
    const auto base = philox(42, purpose::rate_noise, 7, 1000, 0);
    EXPECT_EQ(philox(42, purpose::rate_noise, 7, 1000, 0), base);
    EXPECT_NE(philox(43, purpose::rate_noise, 7, 1000, 0), base);
    EXPECT_NE(philox(42ULL | (1ULL << 40), purpose::rate_noise, 7, 1000, 0), base);  // seed high word
    EXPECT_NE(philox(42, purpose::weight_init, 7, 1000, 0), base);
    EXPECT_NE(philox(42, purpose::rate_noise, 8, 1000, 0), base);
    EXPECT_NE(philox(42, purpose::rate_noise, 7, 1001, 0), base);
    EXPECT_NE(philox(42, purpose::rate_noise, 7, 1000ULL | (1ULL << 32), 0), base);  // step high word
    EXPECT_NE(philox(42, purpose::rate_noise, 7, 1000, 1), base);
    const auto z = normals4(42, purpose::rate_noise, 7, 1000);
    const auto z2 = normals4(42, purpose::rate_noise, 7, 1000);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(std::bit_cast<std::uint64_t>(z[k]), std::bit_cast<std::uint64_t>(z2[k]));
    EXPECT_NE(normals4(42, purpose::input_events, 7, 1000)[0], z[0]);
}

TEST(rng, log_unit_matches_std_log) {
    double worst = 0.0;
    for (std::uint32_t i = 0; i < 100000; ++i) {
        const auto u = philox(3, purpose::dataset, i, 0);
        // Half from the 32-bit open uniform the engine uses, half with 53 bits, plus a sweep of scales.
        double x = i % 2 ? uniform_open(u[0]) : uniform53(u[1], u[2]);
        if (i % 10 == 0) x = std::ldexp(0.5 + 0.5 * uniform53(u[1], u[2]), -static_cast<int>(i % 1000));
        if (x == 0.0) continue;
        const double want = std::log(x);
        const double err = want == 0.0 ? std::abs(log_unit(x)) : std::abs(log_unit(x) - want) / std::abs(want);
        worst = std::max(worst, err);
    }
    EXPECT_LT(worst, 1e-14);
    EXPECT_EQ(log_unit(1.0), 0.0);
    EXPECT_NEAR(log_unit(0.5), -0.6931471805599453, 1e-16);
    EXPECT_NEAR(log_unit(std::nextafter(1.0, 0.0)), -0x1p-53, 1e-30);  // no cancellation just below 1
}

TEST(rng, sincos_turn_matches_std) {
    double worst = 0.0;
    for (std::uint32_t i = 0; i < 100000; ++i) {
        const double t = i < 1000 ? i / 1000.0 : static_cast<double>(philox(5, purpose::dataset, i, 1)[0]) * 0x1p-32;
        double c, s;
        sincos_turn(t, c, s);
        worst = std::max({worst, std::abs(c - std::cos(2.0 * std::numbers::pi * t)), std::abs(s - std::sin(2.0 * std::numbers::pi * t))});
    }
    EXPECT_LT(worst, 1e-14);
    double c, s;
    sincos_turn(0.25, c, s);
    EXPECT_NEAR(c, 0.0, 1e-16);
    EXPECT_EQ(s, 1.0);
}

TEST(rng, normals4_are_standard_normal) {
    // n = 1e6 draws: SE(mean) = 1e-3, SE(var) = sqrt(2/n) = 1.4e-3, SE(skew) = sqrt(6/n) = 2.4e-3,
    // SE(kurt) = sqrt(24/n) = 4.9e-3, SE(P(|z| > 3)) = sqrt(p(1-p)/n) = 5.2e-5. Tolerances ~4-5 SE.
    const std::size_t n = 1000000;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0, cross = 0, zmax = 0;
    std::size_t beyond3 = 0;
    for (std::uint32_t e = 0; e < n / 4; ++e) {
        const auto z = normals4(2024, purpose::rate_noise, e % 97, e / 97);
        for (int k = 0; k < 4; ++k) {
            const double v = z[k];
            s1 += v;
            s2 += v * v;
            s3 += v * v * v;
            s4 += v * v * v * v;
            beyond3 += std::abs(v) > 3.0;
            zmax = std::max(zmax, std::abs(v));
        }
        cross += z[0] * z[1] + z[2] * z[3];  // the two outputs of one Box–Muller pair
    }
    const double N = static_cast<double>(n), mean = s1 / N;
    const double var = s2 / N - mean * mean;
    const double skew = (s3 / N - 3 * mean * var - mean * mean * mean) / std::pow(var, 1.5);
    const double m4 = s4 / N - 4 * mean * s3 / N + 6 * mean * mean * s2 / N - 3 * std::pow(mean, 4);
    EXPECT_LT(std::abs(mean), 4.0 / std::sqrt(N));
    EXPECT_LT(std::abs(var - 1.0), 0.005);
    EXPECT_LT(std::abs(skew), 0.012);
    EXPECT_LT(std::abs(m4 / (var * var) - 3.0), 0.025);
    EXPECT_LT(std::abs(static_cast<double>(beyond3) / N - 0.0026998), 2.6e-4);
    EXPECT_LT(std::abs(cross / (N / 2)), 5.0 / std::sqrt(N / 2));  // pair members uncorrelated
    // A 32-bit uniform bounds |z| by sqrt(-2 ln 2^-33).
    EXPECT_LE(zmax, std::sqrt(-2.0 * std::log(0x1p-33)));
}

TEST(rng, philox_block_equals_philox_raw_for_every_entity) {
    // The vector path (whole 16- or 8-lane vectors, two at a time) and the scalar tail both give
    // philox_raw's words, across the 2^32 wrap of the entity counter and for lengths off the width.
    const std::uint64_t seed = 0x0123456789ABCDEFull, step = 0x1122334455ull;
    for (const std::uint32_t entity0 : {0u, 1000u, 0xFFFFFFF0u}) {
        for (const std::size_t n : {std::size_t{1}, std::size_t{15}, std::size_t{37}, std::size_t{100}}) {
            std::vector<std::uint32_t> w0(n), w1(n), w2(n), w3(n);
            einet::rng::philox_block(seed, einet::rng::purpose::connectivity, entity0, step, 3, n, w0.data(), w1.data(),
                                     w2.data(), w3.data());
            for (std::size_t i = 0; i < n; ++i) {
                std::uint32_t u[4];
                einet::rng::philox_raw(entity0 + static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(step),
                                       static_cast<std::uint32_t>(step >> 32),
                                       static_cast<std::uint32_t>(einet::rng::purpose::connectivity) | (3u << 8),
                                       static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), u);
                ASSERT_EQ(w0[i], u[0]) << "entity0 " << entity0 << " i " << i;
                ASSERT_EQ(w1[i], u[1]);
                ASSERT_EQ(w2[i], u[2]);
                ASSERT_EQ(w3[i], u[3]);
            }
        }
    }
}
