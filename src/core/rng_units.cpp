#include "einet/core/rng_units.hpp"

#include <algorithm>

#if defined(__AVX512F__) && defined(__AVX512VL__)
#include <immintrin.h>
#endif

namespace einet::rng {
namespace {

constexpr std::size_t max_draws = 512;  // draws buffered per call (a multiple of 16); larger requests are split

// Philox4x32-10 words of counters {c0, c1, c2, c3base | (draw0 + d) << 8} for d < n. AVX-512: eight
// counters per vector (32x32->64 multiplies in 64-bit lanes, as rng_block.cpp), the last one masked;
// without AVX-512 philox_raw. Integer arithmetic only: every path gives the same bits.
void philox_draws(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0v, std::uint32_t c1v, std::uint32_t c2v,
                  std::uint32_t c3base, std::uint32_t draw0, std::size_t n, std::uint32_t* w0, std::uint32_t* w1,
                  std::uint32_t* w2, std::uint32_t* w3) {
    std::size_t i = 0;
#if defined(__AVX512F__) && defined(__AVX512VL__)
    const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL), m0 = _mm512_set1_epi64(0xD2511F53u),
                  m1 = _mm512_set1_epi64(0xCD9E8D57u);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    for (; i < n; i += 8) {  // a partial last vector computes other draws' counters in the spare lanes, not stored
        const __m512i draw = _mm512_add_epi64(_mm512_set1_epi64(static_cast<std::int64_t>(draw0) + static_cast<std::int64_t>(i)), lane);
        __m512i c3 = _mm512_and_si512(_mm512_or_si512(_mm512_set1_epi64(c3base), _mm512_slli_epi64(draw, 8)), lo32);
        __m512i c0 = _mm512_set1_epi64(c0v), c1 = _mm512_set1_epi64(c1v), c2 = _mm512_set1_epi64(c2v);
        std::uint32_t a = k0, b = k1;
        for (int round = 0; round < 10; ++round) {
            const __m512i p0 = _mm512_mul_epu32(c0, m0), p1 = _mm512_mul_epu32(c2, m1);
            c0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), c1), _mm512_set1_epi64(a));
            c1 = _mm512_and_si512(p1, lo32);
            c2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), c3), _mm512_set1_epi64(b));
            c3 = _mm512_and_si512(p0, lo32);
            a += 0x9E3779B9u;
            b += 0xBB67AE85u;
        }
        const auto keep = static_cast<__mmask8>(n - i >= 8 ? 0xff : (1u << (n - i)) - 1u);
        _mm256_mask_storeu_epi32(w0 + i, keep, _mm512_cvtepi64_epi32(c0));
        _mm256_mask_storeu_epi32(w1 + i, keep, _mm512_cvtepi64_epi32(c1));
        _mm256_mask_storeu_epi32(w2 + i, keep, _mm512_cvtepi64_epi32(c2));
        _mm256_mask_storeu_epi32(w3 + i, keep, _mm512_cvtepi64_epi32(c3));
    }
#endif
    for (; i < n; ++i) {
        std::uint32_t u[4];
        philox_raw(c0v, c1v, c2v, c3base | ((draw0 + static_cast<std::uint32_t>(i)) << 8), k0, k1, u);
        w0[i] = u[0];
        w1[i] = u[1];
        w2[i] = u[2];
        w3[i] = u[3];
    }
}

}  // namespace

template <class T>
void normals_draws(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                   std::size_t n, T* z0, T* z1, T* z2, T* z3) {
    // Words and normals for whole vectors of 16 draws (the spare ones are other draws' counters,
    // computed and dropped), so Box–Muller never runs a scalar remainder loop.
    alignas(64) std::uint32_t w[4][max_draws];
    alignas(64) T z[4][max_draws];
    T* out[4] = {z0, z1, z2, z3};
    for (std::size_t d0 = 0; d0 < n; d0 += max_draws) {
        const std::size_t m = n - d0 < max_draws ? n - d0 : max_draws, m_pad = (m + 15) / 16 * 16;
        philox_draws(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), entity,
                     static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32), static_cast<std::uint32_t>(p),
                     draw0 + static_cast<std::uint32_t>(d0), m_pad, w[0], w[1], w[2], w[3]);
#pragma omp simd
        for (std::size_t i = 0; i < m_pad; ++i) {
            box_muller(w[0][i], w[1][i], z[0][i], z[1][i]);
            box_muller(w[2][i], w[3][i], z[2][i], z[3][i]);
        }
        for (int k = 0; k < 4; ++k) std::copy_n(z[k], m, out[k] + d0);
    }
}

template void normals_draws<float>(std::uint64_t, purpose, std::uint32_t, std::uint64_t, std::uint32_t, std::size_t,
                                   float*, float*, float*, float*);
template void normals_draws<double>(std::uint64_t, purpose, std::uint32_t, std::uint64_t, std::uint32_t, std::size_t,
                                    double*, double*, double*, double*);

}  // namespace einet::rng
