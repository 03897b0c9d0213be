#include "einet/core/rng_block.hpp"

#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace einet::rng {
namespace {

constexpr std::uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;

#if defined(__AVX512F__)
// Eight counters per call, one per 64-bit lane (values in the low 32 bits).
std::size_t philox_simd(std::uint32_t k0, std::uint32_t k1, std::uint32_t entity0, std::uint32_t c1v,
                        std::uint32_t c2v, std::uint32_t c3v, std::size_t n, std::uint32_t* w0, std::uint32_t* w1,
                        std::uint32_t* w2, std::uint32_t* w3) {
    const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL), m0 = _mm512_set1_epi64(M0), m1 = _mm512_set1_epi64(M1);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512i c0 = _mm512_and_si512(_mm512_add_epi64(_mm512_set1_epi64(static_cast<std::int64_t>(entity0) + static_cast<std::int64_t>(i)), lane), lo32);
        __m512i c1 = _mm512_set1_epi64(c1v), c2 = _mm512_set1_epi64(c2v), c3 = _mm512_set1_epi64(c3v);
        std::uint32_t a = k0, b = k1;
        for (int round = 0; round < 10; ++round) {
            const __m512i p0 = _mm512_mul_epu32(c0, m0), p1 = _mm512_mul_epu32(c2, m1);
            const __m512i ka = _mm512_set1_epi64(a), kb = _mm512_set1_epi64(b);
            c0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), c1), ka);
            c1 = _mm512_and_si512(p1, lo32);
            c2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), c3), kb);
            c3 = _mm512_and_si512(p0, lo32);
            a += W0;
            b += W1;
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(w0 + i), _mm512_cvtepi64_epi32(c0));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(w1 + i), _mm512_cvtepi64_epi32(c1));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(w2 + i), _mm512_cvtepi64_epi32(c2));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(w3 + i), _mm512_cvtepi64_epi32(c3));
    }
    return i;
}
#elif defined(__AVX2__)
// Four counters per call, one per 64-bit lane.
std::size_t philox_simd(std::uint32_t k0, std::uint32_t k1, std::uint32_t entity0, std::uint32_t c1v,
                        std::uint32_t c2v, std::uint32_t c3v, std::size_t n, std::uint32_t* w0, std::uint32_t* w1,
                        std::uint32_t* w2, std::uint32_t* w3) {
    const __m256i lo32 = _mm256_set1_epi64x(0xffffffffLL), m0 = _mm256_set1_epi64x(M0), m1 = _mm256_set1_epi64x(M1);
    const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
    alignas(32) std::uint64_t out[4][4];
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256i c0 = _mm256_and_si256(_mm256_add_epi64(_mm256_set1_epi64x(static_cast<std::int64_t>(entity0) + static_cast<std::int64_t>(i)), lane), lo32);
        __m256i c1 = _mm256_set1_epi64x(c1v), c2 = _mm256_set1_epi64x(c2v), c3 = _mm256_set1_epi64x(c3v);
        std::uint32_t a = k0, b = k1;
        for (int round = 0; round < 10; ++round) {
            const __m256i p0 = _mm256_mul_epu32(c0, m0), p1 = _mm256_mul_epu32(c2, m1);
            const __m256i ka = _mm256_set1_epi64x(a), kb = _mm256_set1_epi64x(b);
            c0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1), ka);
            c1 = _mm256_and_si256(p1, lo32);
            c2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3), kb);
            c3 = _mm256_and_si256(p0, lo32);
            a += W0;
            b += W1;
        }
        _mm256_store_si256(reinterpret_cast<__m256i*>(out[0]), c0);
        _mm256_store_si256(reinterpret_cast<__m256i*>(out[1]), c1);
        _mm256_store_si256(reinterpret_cast<__m256i*>(out[2]), c2);
        _mm256_store_si256(reinterpret_cast<__m256i*>(out[3]), c3);
        for (int l = 0; l < 4; ++l) {
            w0[i + l] = static_cast<std::uint32_t>(out[0][l]);
            w1[i + l] = static_cast<std::uint32_t>(out[1][l]);
            w2[i + l] = static_cast<std::uint32_t>(out[2][l]);
            w3[i + l] = static_cast<std::uint32_t>(out[3][l]);
        }
    }
    return i;
}
#else
std::size_t philox_simd(std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t,
                        std::size_t, std::uint32_t*, std::uint32_t*, std::uint32_t*, std::uint32_t*) {
    return 0;
}
#endif

}  // namespace

void philox_block(std::uint64_t seed, purpose p, std::uint32_t entity0, std::uint64_t step, std::uint32_t draw,
                  std::size_t n, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) {
    const auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    const auto c1 = static_cast<std::uint32_t>(step), c2 = static_cast<std::uint32_t>(step >> 32);
    const auto c3 = static_cast<std::uint32_t>(p) | (draw << 8);
    std::size_t i = philox_simd(k0, k1, entity0, c1, c2, c3, n, w0, w1, w2, w3);
    for (; i < n; ++i) {
        std::uint32_t u[4];
        philox_raw(entity0 + static_cast<std::uint32_t>(i), c1, c2, c3, k0, k1, u);
        w0[i] = u[0];
        w1[i] = u[1];
        w2[i] = u[2];
        w3[i] = u[3];
    }
}

void normals_block(std::uint64_t seed, purpose p, std::uint32_t entity0, std::uint64_t step, std::uint32_t draw,
                   std::size_t n, double* z0, double* z1, double* z2, double* z3) {
    thread_local std::vector<std::uint32_t> words;
    words.resize(4 * n);
    std::uint32_t *w0 = words.data(), *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
    philox_block(seed, p, entity0, step, draw, n, w0, w1, w2, w3);
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) {
        box_muller(w0[i], w1[i], z0[i], z1[i]);
        box_muller(w2[i], w3[i], z2[i], z3[i]);
    }
}

}  // namespace einet::rng
