#pragma once
// Philox4x32-10 for many consecutive entities at once: whole vectors on the widest lane backend of
// src/core/rng_lanes.hpp (16 or 8 lanes of 32x32->64 multiplies, which compilers do not find on
// their own) and the scalar philox_raw for the rest. Integer arithmetic only: every path gives the
// same bits.
#include <cstddef>
#include <cstdint>

#include "einet/core/rng.hpp"

namespace einet::rng {

// For i < n: the four words of the counter {entity0 + i, step low, step high, p | draw << 8}
// under key `seed` go to w0[i], w1[i], w2[i], w3[i].
void philox_block(std::uint64_t seed, purpose p, std::uint32_t entity0, std::uint64_t step, std::uint32_t draw,
                  std::size_t n, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3);

// Four standard normals per entity (Box–Muller on the four words, as normals4): z0..z3[i].
void normals_block(std::uint64_t seed, purpose p, std::uint32_t entity0, std::uint64_t step, std::uint32_t draw,
                   std::size_t n, double* z0, double* z1, double* z2, double* z3);

}  // namespace einet::rng
