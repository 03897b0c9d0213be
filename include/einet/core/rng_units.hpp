#pragma once
// Standard normals for ONE entity and many consecutive draws (e.g. one network, all its units):
// the same Philox counters {entity, step, purpose | draw << 8} as normals4 / normals_block, with
// the SIMD lanes running over draws instead of entities, so that a network's noise for a block
// of four steps lands contiguously per unit ([step slot][unit]). Used by the rate engine's
// unit-major kernel, which steps one network at a time.
//
// double: Box–Muller of rng.hpp, the same bits as normals4 / normals_block.
// float:  the same Philox words through a float32 Box–Muller (polynomial log and sincos, no
//         division, 16 lanes per AVX-512 vector); each normal agrees with the double one to
//         ~1e-6 absolute, and the bits depend only on the counter, never on lanes or threads.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "einet/core/rng.hpp"

namespace einet::rng {

// log(x) for x in (0, 1] (normal floats): x = 2^e m, m in [sqrt(1/2), sqrt(2)), degree-9
// polynomial in m - 1 (Cephes logf coefficients, ~1 ulp).
inline float log_unit_f32(float x) {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
    std::int32_t e = static_cast<std::int32_t>((bits >> 23) & 0xffu) - 127;
    float m = std::bit_cast<float>((bits & 0x007fffffu) | 0x3f800000u);  // [1, 2)
    const float big = m > 1.41421356f ? 1.0f : 0.0f;
    m *= 1.0f - 0.5f * big;  // exact
    e += static_cast<std::int32_t>(big);
    const float f = m - 1.0f, f2 = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    const float y = f * f2 * p - 0.5f * f2 + f;
    return static_cast<float>(e) * 0.693147180559945f + y;
}

// cos(2πt), sin(2πt) for t in [0, 1]: quarter-turn reduction, minimax polynomials on [-π/4, π/4]
// (Cephes sinf/cosf), quadrant rotation on bit patterns (branch-free, as sincos_turn).
inline void sincos_turn_f32(float t, float& c, float& s) {
    const float q = static_cast<float>(static_cast<std::int32_t>(4.0f * t + 0.5f));  // 0..4
    const float phi = 6.28318530717959f * (t - 0.25f * q);
    const float p2 = phi * phi;
    float sp = -1.9515295891e-4f;
    sp = sp * p2 + 8.3321608736e-3f;
    sp = sp * p2 - 1.6666654611e-1f;
    const float sin_phi = phi + phi * p2 * sp;
    float cp = 2.443315711809948e-5f;
    cp = cp * p2 - 1.388731625493765e-3f;
    cp = cp * p2 + 4.166664568298827e-2f;
    const float cos_phi = 1.0f - 0.5f * p2 + p2 * p2 * cp;
    const auto quadrant = static_cast<std::uint32_t>(static_cast<std::int32_t>(q)) & 3u;
    const std::uint32_t swap = 0u - (quadrant & 1u);
    const std::uint32_t cb = std::bit_cast<std::uint32_t>(cos_phi), sb = std::bit_cast<std::uint32_t>(sin_phi);
    const std::uint32_t first = (cb & ~swap) | (sb & swap), second = (sb & ~swap) | (cb & swap);
    const std::uint32_t c_flip = ((quadrant ^ (quadrant >> 1)) & 1u) << 31;  // quadrants 1, 2
    const std::uint32_t s_flip = (quadrant >> 1) << 31;                       // quadrants 2, 3
    c = std::bit_cast<float>(first ^ c_flip);
    s = std::bit_cast<float>(second ^ s_flip);
}

// Box–Muller in float32 from two 32-bit words (the uniforms of box_muller, rounded to float:
// u in [2^-33, 1], so |z| <= 6.76 as in double).
inline void box_muller(std::uint32_t a, std::uint32_t b, float& z0, float& z1) {
    const float u = static_cast<float>(a) * 0x1p-32f + 0x1p-33f;
    const float r = std::sqrt(-2.0f * log_unit_f32(u));
    float c, s;
    sincos_turn_f32(static_cast<float>(b) * 0x1p-32f, c, s);
    z0 = r * c;
    z1 = r * s;
}

// For d < n: the four normals of counter {entity, step, p | (draw0 + d) << 8} go to z0[d] .. z3[d]
// (z0, z1 from words 0, 1; z2, z3 from words 2, 3 — the layout of normals4).
template <class T>
void normals_draws(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                   std::size_t n, T* z0, T* z1, T* z2, T* z3);

extern template void normals_draws<float>(std::uint64_t, purpose, std::uint32_t, std::uint64_t, std::uint32_t,
                                          std::size_t, float*, float*, float*, float*);
extern template void normals_draws<double>(std::uint64_t, purpose, std::uint32_t, std::uint64_t, std::uint32_t,
                                           std::size_t, double*, double*, double*, double*);

}  // namespace einet::rng
