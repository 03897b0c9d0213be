#pragma once
// Lane backends for the float32 normal generator of rng_units.cpp: the same algorithm text
// (philox_lanes, log_lanes, sincos_word_lanes, box_muller_lanes below) runs on
//   lanes_scalar  one lane  (plain C++, std::fma)
//   lanes_avx2    8 lanes   (AVX2 + FMA3)
//   lanes_avx512  16 lanes  (AVX-512F)
// and gives the same bits on every backend: only operations whose IEEE-754 result is fully
// specified are used (fused multiply-add, add, multiply, sqrt, int/uint -> float conversion, all
// round-to-nearest-even; integer and bit operations), and every multiply whose product feeds an
// addition is an explicit fma or exact (scaling by a power of two), so whatever -ffp-contract=fast
// fuses gives the same result. Tested bit for bit (tests/unit/test_rng_units.cpp) on every backend
// the build compiles.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace einet::rng::detail {

// Operations that are plain C++ operators, the same text for a scalar lane (float, uint32_t) and for
// GCC vector types (W floats, W unsigned 32-bit lanes): float mul/add/sub, 32-bit integer and bit ops.
template <class F, class U>
struct lanes_operators {
    using f = F;
    using u = U;
    static f mul(f a, f b) { return a * b; }
    static f add(f a, f b) { return a + b; }
    static f sub(f a, f b) { return a - b; }
    static u addu(u a, u b) { return a + b; }
    static u andu(u a, u b) { return a & b; }
    static u oru(u a, u b) { return a | b; }
    static u xoru(u a, u b) { return a ^ b; }
    static u xor3(u a, u b, u c) { return a ^ b ^ c; }
    template <int k>
    static u shl(u a) { return a << k; }
    template <int k>
    static u shr(u a) { return a >> k; }  // logical: unsigned lanes
    static u mullo(u a, u b) { return a * b; }
};

// ---------------------------------------------------------------- scalar backend (the reference)
struct lanes_scalar : lanes_operators<float, std::uint32_t> {
    static constexpr std::size_t width = 1;
    using m = bool;
    static f setf(float x) { return x; }
    static u setu(std::uint32_t x) { return x; }
    static u load(const std::uint32_t* p) { return *p; }
    static void store(float* p, f x) { *p = x; }
    static void store(std::uint32_t* p, u x) { *p = x; }
    static u lane_index() { return 0; }
    static f fma(f a, f b, f c) { return std::fma(a, b, c); }
    static f sqrt(f a) { return std::sqrt(a); }
    static f cvt_u32(u a) { return static_cast<float>(a); }
    static f cvt_i32(u a) { return static_cast<float>(static_cast<std::int32_t>(a)); }
    static u bits(f a) {
        u b;
        std::memcpy(&b, &a, 4);
        return b;
    }
    static f from_bits(u b) {
        f a;
        std::memcpy(&a, &b, 4);
        return a;
    }
    static m gt(f a, f b) { return a > b; }
    static m any_bit(u a, u bit) { return (a & bit) != 0; }
    static f select(m k, f yes, f no) { return k ? yes : no; }
    static u mulhi(u a, u b) { return static_cast<u>((static_cast<std::uint64_t>(a) * b) >> 32); }
};

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
// ---------------------------------------------------------------- what both SIMD backends share
// Broadcasts, loads, stores and bit casts on GCC vector types (U: W unsigned 32-bit lanes, F: W
// floats); the backends add the operations that need an instruction set's intrinsics.
template <class F, class U, std::size_t W>
struct lanes_vector_ops : lanes_operators<F, U> {
    using f = F;
    using u = U;
    static constexpr std::size_t width = W;
    static f setf(float x) { return f{} + x; }
    static u setu(std::uint32_t x) { return u{} + x; }
    static u load(const std::uint32_t* p) {
        u x;
        std::memcpy(&x, p, sizeof x);
        return x;
    }
    static void store(float* p, f x) { std::memcpy(p, &x, sizeof x); }
    static void store(std::uint32_t* p, u x) { std::memcpy(p, &x, sizeof x); }
    static u lane_index() {
        u x{};
        for (std::size_t i = 0; i < W; ++i) x[i] = static_cast<std::uint32_t>(i);
        return x;
    }
    static u bits(f a) { return reinterpret_cast<u>(a); }
    static f from_bits(u b) { return reinterpret_cast<f>(b); }
};
#endif

#if defined(__AVX2__) && defined(__FMA__)
// ---------------------------------------------------------------- AVX2 + FMA3, 8 lanes
typedef std::uint32_t u32x8 __attribute__((vector_size(32)));

struct lanes_avx2 : lanes_vector_ops<__m256, u32x8, 8> {
    using m = __m256;  // all-ones / all-zeros lanes (blendv reads the sign bit)
    static __m256i i(u a) { return reinterpret_cast<__m256i>(a); }
    static f fma(f a, f b, f c) { return _mm256_fmadd_ps(a, b, c); }
    static f sqrt(f a) { return _mm256_sqrt_ps(a); }
    // No unsigned conversion in AVX2: hi·2^16 (exact) + lo (exact), one rounding in the add, as vcvtudq2ps.
    static f cvt_u32(u a) { return _mm256_add_ps(cvt_i32(a >> 16) * 65536.0f, cvt_i32(a & 0xffffu)); }
    static f cvt_i32(u a) { return _mm256_cvtepi32_ps(i(a)); }
    static m gt(f a, f b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static m any_bit(u a, u bit) { return from_bits((a & bit) == bit); }  // bit: one set bit
    static f select(m k, f yes, f no) { return _mm256_blendv_ps(no, yes, k); }
    static u mulhi(u a, u b) {  // even lanes' products in 64-bit lanes, then the odd ones; high halves merged
        const __m256i even = _mm256_mul_epu32(i(a), i(b)), odd = _mm256_mul_epu32(_mm256_srli_epi64(i(a), 32), i(b));
        return reinterpret_cast<u>(_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA));
    }
};
#endif

#if defined(__AVX512F__)
// ---------------------------------------------------------------- AVX-512F, 16 lanes
typedef std::uint32_t u32x16 __attribute__((vector_size(64)));

struct lanes_avx512 : lanes_vector_ops<__m512, u32x16, 16> {
    using m = __mmask16;
    static __m512i i(u a) { return reinterpret_cast<__m512i>(a); }
    static f fma(f a, f b, f c) { return _mm512_fmadd_ps(a, b, c); }
    static f sqrt(f a) { return _mm512_sqrt_ps(a); }
    static f cvt_u32(u a) { return _mm512_cvtepu32_ps(i(a)); }
    static f cvt_i32(u a) { return _mm512_cvtepi32_ps(i(a)); }
    static m gt(f a, f b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static m any_bit(u a, u bit) { return _mm512_test_epi32_mask(i(a), i(bit)); }
    static f select(m k, f yes, f no) { return _mm512_mask_blend_ps(k, no, yes); }
    static u mulhi(u a, u b) {  // even lanes' products in 64-bit lanes, then the odd ones; high halves merged
        const __m512i even = _mm512_mul_epu32(i(a), i(b)), odd = _mm512_mul_epu32(_mm512_srli_epi64(i(a), 32), i(b));
        return reinterpret_cast<u>(_mm512_mask_shuffle_epi32(odd, 0x5555, even, _MM_PERM_DDBB));
    }
};
#endif

// The widest backend this build compiles.
#if defined(__AVX512F__)
using lanes_widest = lanes_avx512;
#elif defined(__AVX2__) && defined(__FMA__)
using lanes_widest = lanes_avx2;
#else
using lanes_widest = lanes_scalar;
#endif

// ---------------------------------------------------------------- algorithms, one text for every backend

// Philox4x32-10 (Random123; the rounds of rng::philox_raw) on V independent vectors of counters
// {c0, c1, c2, c3[v]} (V > 1 interleaves the multiply chains). Key schedule as philox_raw.
template <class L, int V>
inline void philox_lanes(std::uint32_t k0, std::uint32_t k1, typename L::u (&c0)[V], typename L::u (&c1)[V],
                         typename L::u (&c2)[V], typename L::u (&c3)[V]) {
    const typename L::u m0 = L::setu(0xD2511F53u), m1 = L::setu(0xCD9E8D57u);
    for (int round = 0; round < 10; ++round) {
        const typename L::u ka = L::setu(k0), kb = L::setu(k1);
        for (int v = 0; v < V; ++v) {
            const typename L::u hi0 = L::mulhi(c0[v], m0), lo0 = L::mullo(c0[v], m0);
            const typename L::u hi1 = L::mulhi(c2[v], m1), lo1 = L::mullo(c2[v], m1);
            c0[v] = L::xor3(hi1, c1[v], ka);
            c1[v] = lo1;
            c2[v] = L::xor3(hi0, c3[v], kb);
            c3[v] = lo0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

// Philox words of the items i < n rounded down to whole vectors, two vectors at a time so that their
// multiply chains overlap: counters(i, c0, c1, c2, c3) sets the counters of items i .. i + W − 1, and
// word j of item i goes to w[j][i]. Returns the number of items done.
template <class L, class Counters>
inline std::size_t philox_words(std::uint32_t k0, std::uint32_t k1, std::size_t n, Counters&& counters,
                                std::uint32_t* const* w) {
    constexpr std::size_t W = L::width;
    auto words = [&]<int V>(std::size_t i) {
        typename L::u c0[V], c1[V], c2[V], c3[V];
        for (int v = 0; v < V; ++v) counters(i + v * W, c0[v], c1[v], c2[v], c3[v]);
        philox_lanes<L, V>(k0, k1, c0, c1, c2, c3);
        for (int v = 0; v < V; ++v) {
            L::store(w[0] + i + v * W, c0[v]);
            L::store(w[1] + i + v * W, c1[v]);
            L::store(w[2] + i + v * W, c2[v]);
            L::store(w[3] + i + v * W, c3[v]);
        }
    };
    std::size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) words.template operator()<2>(i);
    for (; i + W <= n; i += W) words.template operator()<1>(i);
    return i;
}

// ln x for x in [2^-126, 1]. x = 2^e m exactly (bit fields), m in [sqrt(1/2), sqrt(2)) (the
// halving is exact), f = m - 1 (exact, Sterbenz), ln m = f - f²/2 + f³·P(f) with P of degree 8
// (Cephes logf coefficients), ln x = fma(e, ln 2, ln m).
// Error bound, measured exhaustively over every float in [2^-33, 1] (the generator's inputs) against
// double std::log during development: |log_lanes(x) - ln x| <= 1.2e-7 + 6e-8·|ln x| (largest ratio
// of error to bound 0.93; largest error 1.04e-6 at x = 1.6e-10, 0.54 float ulp of ln x). The test
// re-checks the bound on every mantissa at two exponents and a sample of the rest.
template <class L>
inline typename L::f log_lanes(typename L::f x) {
    using f = typename L::f;
    const typename L::u b = L::bits(x);
    f mant = L::from_bits(L::oru(L::andu(b, L::setu(0x007fffffu)), L::setu(0x3f800000u)));  // [1, 2)
    f e = L::sub(L::cvt_i32(L::template shr<23>(b)), L::setf(127.0f));
    const auto big = L::gt(mant, L::setf(1.41421356f));
    mant = L::select(big, L::mul(mant, L::setf(0.5f)), mant);
    e = L::select(big, L::add(e, L::setf(1.0f)), e);
    const f t = L::sub(mant, L::setf(1.0f)), t2 = L::mul(t, t);
    f p = L::setf(7.0376836292e-2f);
    p = L::fma(p, t, L::setf(-1.1514610310e-1f));
    p = L::fma(p, t, L::setf(1.1676998740e-1f));
    p = L::fma(p, t, L::setf(-1.2420140846e-1f));
    p = L::fma(p, t, L::setf(1.4249322787e-1f));
    p = L::fma(p, t, L::setf(-1.6668057665e-1f));
    p = L::fma(p, t, L::setf(2.0000714765e-1f));
    p = L::fma(p, t, L::setf(-2.4999993993e-1f));
    p = L::fma(p, t, L::setf(3.3333331174e-1f));
    const f y = L::fma(t2, L::fma(t, p, L::setf(-0.5f)), t);  // t - t²/2 + t³·P(t)
    return L::fma(e, L::setf(0.693147180559945f), y);
}

// cos and sin of θ = 2π·b/2^32 from the 32-bit word b, with the quadrant taken from the integer:
// b = Q·2^30 + δ, δ in [-2^29, 2^29) (the low 30 bits, signed), θ = Q·π/2 + φ, φ = δ·2π/2^32 in
// [-π/4, π/4); minimax polynomials on that interval (Cephes sinf/cosf coefficients), then the
// rotation by Q quarter turns (swap, sign flips) on bit patterns.
// Error bound, measured against double std::cos/std::sin of 2π·b/2^32 during development over every
// b of quadrant 0 (all 2^30 values of δ; the rotation is exact) and every 97th b of the others:
// |c - cos θ|, |s - sin θ| <= 1.3e-7 (largest 1.23e-7; includes float(π)'s 2.8e-8 relative error in
// the angle). The test re-checks the bound on a stride sample of all 2^32 words.
template <class L>
inline void sincos_word_lanes(typename L::u b, typename L::f& c, typename L::f& s) {
    using f = typename L::f;
    using u = typename L::u;
    const f phi = L::mul(L::cvt_i32(L::template shl<2>(b)), L::setf(0x1.921fb6p-32f));  // 4δ · float(π)·2^-33
    const f p2 = L::mul(phi, phi);
    f sp = L::fma(L::setf(-1.9515295891e-4f), p2, L::setf(8.3321608736e-3f));
    sp = L::fma(sp, p2, L::setf(-1.6666654611e-1f));
    const f sin_phi = L::fma(L::mul(phi, p2), sp, phi);  // φ + φ³·S(φ²)
    f cp = L::fma(L::setf(2.443315711809948e-5f), p2, L::setf(-1.388731625493765e-3f));
    cp = L::fma(cp, p2, L::setf(4.166664568298827e-2f));
    const f cos_phi = L::fma(L::mul(p2, p2), cp, L::fma(L::setf(-0.5f), p2, L::setf(1.0f)));  // 1 - φ²/2 + φ⁴·C(φ²)
    const u bq = L::addu(b, L::setu(1u << 29));  // Q = bq >> 30
    const auto odd = L::any_bit(bq, L::setu(1u << 30));
    const f c1 = L::select(odd, sin_phi, cos_phi), s1 = L::select(odd, cos_phi, sin_phi);
    const u c_flip = L::andu(L::addu(bq, L::setu(1u << 30)), L::setu(0x80000000u));  // Q = 1, 2
    const u s_flip = L::andu(bq, L::setu(0x80000000u));                               // Q = 2, 3
    c = L::from_bits(L::xoru(L::bits(c1), c_flip));
    s = L::from_bits(L::xoru(L::bits(s1), s_flip));
}

// Box–Muller in float32: u = a·2^-32 + 2^-33 in [2^-33, 1] (a rounded once to float), radius
// sqrt(-2 ln u) <= 6.76, angle 2π·b/2^32. z0 = r cos θ, z1 = r sin θ.
template <class L>
inline void box_muller_lanes(typename L::u a, typename L::u b, typename L::f& z0, typename L::f& z1) {
    const typename L::f x = L::fma(L::cvt_u32(a), L::setf(0x1p-32f), L::setf(0x1p-33f));
    const typename L::f r = L::sqrt(L::mul(L::setf(-2.0f), log_lanes<L>(x)));
    typename L::f c, s;
    sincos_word_lanes<L>(b, c, s);
    z0 = L::mul(r, c);
    z1 = L::mul(r, s);
}

}  // namespace einet::rng::detail
