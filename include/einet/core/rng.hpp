#pragma once
// Counter-based random numbers (Philox4x32-10, Random123). Every draw is a pure function of
// (seed, purpose, entity, step, draw): nothing depends on threads, call order or partitioning,
// so results are bit-identical for any thread count (docs/reproducibility.md).
//
// Key   = the user's 64-bit seed.
// Count = {entity, step low 32 bits, step high 32 bits, purpose | draw << 8}; draw < 2^24.
// No std::*_distribution anywhere (their output differs between standard libraries); the
// uniform -> normal transform below is ours, branch-free and vectorisable, so a SIMD lane and a
// scalar remainder produce the same bits.
#include <Random123/philox.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace einet::rng {

// The role of a stream. Values are part of the reproducibility contract: never renumber.
enum class purpose : std::uint32_t {
    weight_init = 1,    // initial weights of a sweep member
    rate_noise = 2,     // OU noise of rate units
    input_events = 3,   // Poisson kick times and other stochastic inputs
    connectivity = 4,   // which synapses exist
    neuron_noise = 5,   // membrane/current noise of spiking neurons
    parameters = 6,     // heterogeneous neuron parameters
    dataset = 7,        // shuffling, batches
    brownian_paths = 8, // fine Brownian increments shared across step sizes (analysis/coupled_brownian)
    resampling = 9,     // bootstrap resamples and other analysis draws
};

using u32x4 = std::array<std::uint32_t, 4>;

inline u32x4 philox(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step,
                    std::uint32_t draw = 0) {
    using gen = r123::Philox4x32;
    gen g;
    gen::ctr_type ctr = {{entity, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32),
                          static_cast<std::uint32_t>(p) | (draw << 8)}};
    gen::key_type key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    auto r = g(ctr, key);
    return {r[0], r[1], r[2], r[3]};
}

// The same Philox4x32-10 written on plain integers (no Random123 array types), so that a loop
// over entities vectorises; tests check it against Random123 bit for bit.
inline void philox_raw(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3, std::uint32_t k0,
                       std::uint32_t k1, std::uint32_t out[4]) {
#pragma GCC unroll 10
    for (int round = 0; round < 10; ++round) {
        const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * c0;
        const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c2;
        const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
        const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u;  // Weyl key schedule
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

// Uniform on the open interval (0, 1) from 32 random bits (never 0, so log() is finite).
inline double uniform_open(std::uint32_t x) { return (static_cast<double>(x) + 0.5) * 0x1p-32; }

// Natural log of a normal (not subnormal) double x in [2^-1022, 1], accurate to ~1e-15 relative: x = 2^e m, m in [sqrt(1/2), sqrt(2)),
// log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.172, odd series to s^23.
inline double log_unit(double x) {
    std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
    std::int64_t e = static_cast<std::int64_t>((bits >> 52) & 0x7ff) - 1023;
    double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    const double big = m > 1.4142135623730951 ? 1.0 : 0.0;
    m *= 1.0 - 0.5 * big;  // exact: multiplies by 1 or 0.5
    e += static_cast<std::int64_t>(big);
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s;
    double p = 1.0 / 23.0;
    p = p * s2 + 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return static_cast<double>(e) * 0.6931471805599453 + 2.0 * s * p;
}

// cos(2πt) and sin(2πt) for t in [0, 1): quarter-turn reduction, Taylor series on [-π/4, π/4].
inline void sincos_turn(double t, double& c, double& s) {
    const double q = static_cast<double>(static_cast<std::int64_t>(4.0 * t + 0.5));  // 0..4
    const double phi = 6.283185307179586 * (t - 0.25 * q);
    const double p2 = phi * phi;
    double sp = -1.0 / 1307674368000.0;  // -1/15!
    sp = sp * p2 + 1.0 / 6227020800.0;
    sp = sp * p2 - 1.0 / 39916800.0;
    sp = sp * p2 + 1.0 / 362880.0;
    sp = sp * p2 - 1.0 / 5040.0;
    sp = sp * p2 + 1.0 / 120.0;
    sp = sp * p2 - 1.0 / 6.0;
    sp = sp * p2 + 1.0;
    const double sin_phi = phi * sp;
    double cp = 1.0 / 20922789888000.0;  // 1/16!
    cp = cp * p2 - 1.0 / 87178291200.0;
    cp = cp * p2 + 1.0 / 479001600.0;
    cp = cp * p2 - 1.0 / 3628800.0;
    cp = cp * p2 + 1.0 / 40320.0;
    cp = cp * p2 - 1.0 / 720.0;
    cp = cp * p2 + 1.0 / 24.0;
    cp = cp * p2 - 0.5;
    const double cos_phi = cp * p2 + 1.0;
    // Rotation by quadrant * 90°: quadrants 1 and 3 swap cos and sin; signs flip as below. Done on
    // bit patterns (blend and sign-bit xor) so the loop has no branches and stays exact.
    const auto quadrant = static_cast<std::uint64_t>(q) & 3u;
    const std::uint64_t swap = 0 - (quadrant & 1u);
    const std::uint64_t cb = std::bit_cast<std::uint64_t>(cos_phi), sb = std::bit_cast<std::uint64_t>(sin_phi);
    const std::uint64_t first = (cb & ~swap) | (sb & swap), second = (sb & ~swap) | (cb & swap);
    const std::uint64_t c_flip = static_cast<std::uint64_t>((quadrant ^ (quadrant >> 1)) & 1u) << 63;  // q = 1, 2
    const std::uint64_t s_flip = (quadrant >> 1) << 63;                                                  // q = 2, 3
    c = std::bit_cast<double>(first ^ c_flip);
    s = std::bit_cast<double>(second ^ s_flip);
}

// Box–Muller: two independent standard normals from two 32-bit uniforms. The 32-bit uniform
// bounds |z| below sqrt(-2 ln 2^-33) ≈ 6.76 (tail mass beyond that is ~1e-11).
inline void box_muller(std::uint32_t a, std::uint32_t b, double& z0, double& z1) {
    const double r = std::sqrt(-2.0 * log_unit(uniform_open(a)));
    double c, s;
    sincos_turn(static_cast<double>(b) * 0x1p-32, c, s);
    z0 = r * c;
    z1 = r * s;
}

// Four standard normals for one counter (same layout as philox()); written for use inside
// vectorised loops over `entity`.
inline void normals4(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw,
                     double& z0, double& z1, double& z2, double& z3) {
    std::uint32_t u[4];
    philox_raw(entity, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32),
               static_cast<std::uint32_t>(p) | (draw << 8), static_cast<std::uint32_t>(seed),
               static_cast<std::uint32_t>(seed >> 32), u);
    box_muller(u[0], u[1], z0, z1);
    box_muller(u[2], u[3], z2, z3);
}

inline std::array<double, 4> normals4(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step,
                                      std::uint32_t draw = 0) {
    std::array<double, 4> z;
    normals4(seed, p, entity, step, draw, z[0], z[1], z[2], z[3]);
    return z;
}

// Uniform on [0, 1) with 53 random bits, from two words.
inline double uniform53(std::uint32_t hi, std::uint32_t lo) {
    return static_cast<double>((static_cast<std::uint64_t>(hi) << 21) ^ (lo >> 11)) * 0x1p-53;
}

}  // namespace einet::rng
