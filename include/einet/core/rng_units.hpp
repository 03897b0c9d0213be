#pragma once
// Standard normals for ONE entity and many consecutive draws (e.g. one network, all its units):
// the same Philox counters {entity, step, purpose | draw << 8} as normals4 / normals_block, with
// the SIMD lanes running over draws instead of entities, so that a network's noise for a block
// of four steps lands contiguously per unit ([step slot][unit]). Used by the rate engine's
// unit-major kernel, which steps one network at a time.
//
// double: Box–Muller of rng.hpp, the same bits as normals4 / normals_block.
// float:  the same Philox words (16 counters per AVX-512 vector in 32-bit lanes) through a float32
//         Box–Muller (polynomial log and sincos, quadrant from the integer angle, no division);
//         each normal agrees with the double one to ~1e-6·(1 + |z|), and the bits depend only on
//         the counter, never on lanes, SIMD width or threads. The float stream changed on
//         2026-11-24 (explicit fmas, quadrant from the integer; before, the compiler's contraction
//         of a plain-C++ Box–Muller): float32 results are not bit-identical to earlier builds
//         (docs/reproducibility.md).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "einet/core/rng.hpp"

namespace einet::rng {

// The float32 generator runs one algorithm on lane backends (src/core/rng_lanes.hpp): scalar,
// AVX2+FMA (8 lanes), AVX-512 (16 lanes). Every backend gives the same bits for a counter (tested),
// so results do not depend on the SIMD width a build uses. normals_draws<float> takes the widest
// one the build compiled.
enum class simd_lanes : int { scalar = 1, avx2 = 8, avx512 = 16 };

// The backends this build compiled, scalar first, widest last.
std::vector<simd_lanes> compiled_lanes();

// normals_draws<float> on a chosen backend (one that compiled_lanes() lists; others run scalar).
void normals_draws_f32(simd_lanes lanes, std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step,
                       std::uint32_t draw0, std::size_t n, float* z0, float* z1, float* z2, float* z3);

// The float32 Box–Muller of words a[i] (radius) and b[i] (angle) on a chosen backend, i < n (tests:
// edge-case words through every backend).
void box_muller_words_f32(simd_lanes lanes, const std::uint32_t* a, const std::uint32_t* b, std::size_t n, float* z0,
                          float* z1);

// The pieces of the float32 Box–Muller, scalar backend (for accuracy tests; error bounds in rng_lanes.hpp):
// ln x for x in [2^-126, 1]; cos and sin of 2π·b/2^32; the two normals of words a (radius) and b (angle).
float log_unit_f32(float x);
void sincos_word_f32(std::uint32_t b, float& c, float& s);
void box_muller_f32(std::uint32_t a, std::uint32_t b, float& z0, float& z1);

// For d < n: the four normals of counter {entity, step, p | (draw0 + d) << 8} go to z0[d] .. z3[d]
// (z0, z1 from words 0, 1; z2, z3 from words 2, 3 — the layout of normals4).
template <class T>
void normals_draws(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                   std::size_t n, T* z0, T* z1, T* z2, T* z3);

template <>
void normals_draws<float>(std::uint64_t, purpose, std::uint32_t, std::uint64_t, std::uint32_t, std::size_t, float*,
                          float*, float*, float*);
template <>
void normals_draws<double>(std::uint64_t, purpose, std::uint32_t, std::uint64_t, std::uint32_t, std::size_t, double*,
                           double*, double*, double*);

}  // namespace einet::rng
