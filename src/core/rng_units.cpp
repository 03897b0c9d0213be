#include "einet/core/rng_units.hpp"

#include <algorithm>

#include "rng_lanes.hpp"

namespace einet::rng {
namespace {

using namespace detail;

constexpr std::size_t max_draws = 512;  // items buffered per pass (a multiple of 16); larger requests are split

using widest = lanes_widest;
constexpr simd_lanes widest_lanes = widest::width == 16 ? simd_lanes::avx512 : widest::width == 8 ? simd_lanes::avx2 : simd_lanes::scalar;

// Philox4x32-10 words of the counters {c0, c1, c2, c3base | (draw0 + i) << 8} for i < n (n a
// multiple of L::width).
template <class L>
void philox_draw_words(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0v, std::uint32_t c1v, std::uint32_t c2v,
                       std::uint32_t c3base, std::uint32_t draw0, std::size_t n, std::uint32_t* const* w) {
    using u = typename L::u;
    const u lane = L::lane_index();
    philox_words<L>(k0, k1, n, [&](std::size_t i, u& c0, u& c1, u& c2, u& c3) {
        c0 = L::setu(c0v);
        c1 = L::setu(c1v);
        c2 = L::setu(c2v);
        c3 = L::oru(L::setu(c3base), L::template shl<8>(L::addu(L::setu(draw0 + static_cast<std::uint32_t>(i)), lane)));
    }, w);
}

// Four float normals per counter (words 0, 1 -> z0, z1; words 2, 3 -> z2, z3), n a multiple of L::width.
template <class L>
void box_muller_words(std::size_t n, std::uint32_t* const* w, float* const* z) {
    for (std::size_t i = 0; i < n; i += L::width) {
        typename L::f a, b, c, d;
        box_muller_lanes<L>(L::load(w[0] + i), L::load(w[1] + i), a, b);
        box_muller_lanes<L>(L::load(w[2] + i), L::load(w[3] + i), c, d);
        L::store(z[0] + i, a);
        L::store(z[1] + i, b);
        L::store(z[2] + i, c);
        L::store(z[3] + i, d);
    }
}

// Words of counters {entity, step, p | (draw0 + d) << 8} for d in [d0, d0 + m_pad) (m_pad a multiple
// of L::width; draws past the request are computed and dropped by the caller).
template <class L>
void draw_words(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                std::size_t d0, std::size_t m_pad, std::uint32_t* const* w) {
    philox_draw_words<L>(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), entity,
                         static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32),
                         static_cast<std::uint32_t>(p), draw0 + static_cast<std::uint32_t>(d0), m_pad, w);
}

template <class L>
void normals_f32(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                 std::size_t n, float* const* out) {
    alignas(64) std::uint32_t w[4][max_draws];
    alignas(64) float z[4][max_draws];
    std::uint32_t* const wp[4] = {w[0], w[1], w[2], w[3]};
    float* const zp[4] = {z[0], z[1], z[2], z[3]};
    for (std::size_t d0 = 0; d0 < n; d0 += max_draws) {
        const std::size_t m = std::min(n - d0, max_draws), m_pad = (m + 15) / 16 * 16;
        draw_words<L>(seed, p, entity, step, draw0, d0, m_pad, wp);
        box_muller_words<L>(m_pad, wp, zp);
        for (int k = 0; k < 4; ++k) std::copy_n(z[k], m, out[k] + d0);
    }
}

}  // namespace

std::vector<simd_lanes> compiled_lanes() {
    std::vector<simd_lanes> all = {simd_lanes::scalar};
#if defined(__AVX2__) && defined(__FMA__)
    all.push_back(simd_lanes::avx2);
#endif
#if defined(__AVX512F__)
    all.push_back(simd_lanes::avx512);
#endif
    return all;
}

void normals_draws_f32(simd_lanes lanes, std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step,
                       std::uint32_t draw0, std::size_t n, float* z0, float* z1, float* z2, float* z3) {
    float* const out[4] = {z0, z1, z2, z3};
    switch (lanes) {
#if defined(__AVX512F__)
        case simd_lanes::avx512: normals_f32<lanes_avx512>(seed, p, entity, step, draw0, n, out); return;
#endif
#if defined(__AVX2__) && defined(__FMA__)
        case simd_lanes::avx2: normals_f32<lanes_avx2>(seed, p, entity, step, draw0, n, out); return;
#endif
        default: normals_f32<lanes_scalar>(seed, p, entity, step, draw0, n, out); return;
    }
}

void box_muller_words_f32(simd_lanes lanes, const std::uint32_t* a, const std::uint32_t* b, std::size_t n, float* z0,
                          float* z1) {
    auto run = [&]<class L>() {
        std::size_t i = 0;
        for (; i + L::width <= n; i += L::width) {
            typename L::f x, y;
            box_muller_lanes<L>(L::load(a + i), L::load(b + i), x, y);
            L::store(z0 + i, x);
            L::store(z1 + i, y);
        }
        for (; i < n; ++i) box_muller_lanes<lanes_scalar>(a[i], b[i], z0[i], z1[i]);
    };
    switch (lanes) {
#if defined(__AVX512F__)
        case simd_lanes::avx512: run.template operator()<lanes_avx512>(); return;
#endif
#if defined(__AVX2__) && defined(__FMA__)
        case simd_lanes::avx2: run.template operator()<lanes_avx2>(); return;
#endif
        default: run.template operator()<lanes_scalar>(); return;
    }
}

float log_unit_f32(float x) { return log_lanes<lanes_scalar>(x); }

void sincos_word_f32(std::uint32_t b, float& c, float& s) { sincos_word_lanes<lanes_scalar>(b, c, s); }

void box_muller_f32(std::uint32_t a, std::uint32_t b, float& z0, float& z1) { box_muller_lanes<lanes_scalar>(a, b, z0, z1); }

template <>
void normals_draws<float>(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                          std::size_t n, float* z0, float* z1, float* z2, float* z3) {
    normals_draws_f32(widest_lanes, seed, p, entity, step, draw0, n, z0, z1, z2, z3);
}

template <>
void normals_draws<double>(std::uint64_t seed, purpose p, std::uint32_t entity, std::uint64_t step, std::uint32_t draw0,
                           std::size_t n, double* z0, double* z1, double* z2, double* z3) {
    // The double Box–Muller of rng.hpp on the same words: the same bits as normals4 / normals_block.
    alignas(64) std::uint32_t w[4][max_draws];
    std::uint32_t* const wp[4] = {w[0], w[1], w[2], w[3]};
    for (std::size_t d0 = 0; d0 < n; d0 += max_draws) {
        const std::size_t m = std::min(n - d0, max_draws), m_pad = (m + 15) / 16 * 16;
        draw_words<widest>(seed, p, entity, step, draw0, d0, m_pad, wp);
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i) {
            box_muller(w[0][i], w[1][i], z0[d0 + i], z1[d0 + i]);
            box_muller(w[2][i], w[3][i], z2[d0 + i], z3[d0 + i]);
        }
    }
}

}  // namespace einet::rng
