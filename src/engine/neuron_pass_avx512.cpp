// The neuron pass (neuron_pass.hpp) in AVX-512 intrinsics, for double (8 lanes) and float (16
// lanes) through one kernel on lane traits: the portable pass's arithmetic in
// the same order, so the same numbers bit for bit (tests/unit/test_neuron_pass.cpp), with what
// GCC does not do for it:
//   - refractoriness is a 32-bit stamp compared in a ymm register straight into a mask register
//     (the compiler converted masks between lane widths on every select);
//   - a neuron that fires is handled in a branch (its stamp, jump and id), so the
//     pass writes only V and the channels: no per-neuron flag array and no separate scan for
//     the crossings;
//   - per-neuron reset values are loaded only on the lanes that fire.
// CUBA's uniform two-channel pass moves 8 + 4 + 16 B in and 24 B out per neuron-step (80 B with
// the compiled loop of session 8: flag and 64-bit counter written every step).
#include "neuron_pass.hpp"

#if EINET_PASS_AVX512
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"

namespace einet::engine::detail {
namespace {

// The vector operations the pass needs, for 8 double or 16 float lanes (one zmm register); the
// refractory stamps of a block (32-bit) fill a ymm (double) or a zmm (float) register.
template <class T>
struct lanes;

template <>
struct lanes<double> {
    using real = __m512d;
    using mask = __mmask8;
    using stamps = __m256i;
    static constexpr std::size_t width = 8;
    static real set1(double a) { return _mm512_set1_pd(a); }
    static real load(mask m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
    static real load_into(real src, mask m, const double* p) { return _mm512_mask_loadu_pd(src, m, p); }
    static void store(double* p, mask m, real v) { _mm512_mask_storeu_pd(p, m, v); }
    static real fmadd(real a, real b, real c) { return _mm512_fmadd_pd(a, b, c); }
    static real mul(real a, real b) { return _mm512_mul_pd(a, b); }
    static real sub(real a, real b) { return _mm512_sub_pd(a, b); }
    static real add_on(real src, mask m, real a, real b) { return _mm512_mask_add_pd(src, m, a, b); }
    static real mov_on(real src, mask m, real a) { return _mm512_mask_mov_pd(src, m, a); }
    template <int CMP>
    static mask cmp(real a, real b) { return _mm512_cmp_pd_mask(a, b, CMP); }
    static mask nonfinite(mask m, real v) { return _mm512_mask_fpclass_pd_mask(m, v, 0x99); }  // QNaN | ±inf | SNaN
    static mask either(mask a, mask b) { return _kor_mask8(a, b); }
    static stamps set1_stamp(step_stamp s) { return _mm256_set1_epi32(static_cast<int>(s)); }
    static mask frozen(mask m, const step_stamp* until, stamps now) {  // frozen_at
        const __m256i left = _mm256_sub_epi32(_mm256_maskz_loadu_epi32(m, until), now);
        return _mm256_mask_cmpgt_epi32_mask(m, left, _mm256_setzero_si256());
    }
};

template <>
struct lanes<float> {
    using real = __m512;
    using mask = __mmask16;
    using stamps = __m512i;
    static constexpr std::size_t width = 16;
    static real set1(float a) { return _mm512_set1_ps(a); }
    static real load(mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
    static real load_into(real src, mask m, const float* p) { return _mm512_mask_loadu_ps(src, m, p); }
    static void store(float* p, mask m, real v) { _mm512_mask_storeu_ps(p, m, v); }
    static real fmadd(real a, real b, real c) { return _mm512_fmadd_ps(a, b, c); }
    static real mul(real a, real b) { return _mm512_mul_ps(a, b); }
    static real sub(real a, real b) { return _mm512_sub_ps(a, b); }
    static real add_on(real src, mask m, real a, real b) { return _mm512_mask_add_ps(src, m, a, b); }
    static real mov_on(real src, mask m, real a) { return _mm512_mask_mov_ps(src, m, a); }
    template <int CMP>
    static mask cmp(real a, real b) { return _mm512_cmp_ps_mask(a, b, CMP); }
    static mask nonfinite(mask m, real v) { return _mm512_mask_fpclass_ps_mask(m, v, 0x99); }
    static mask either(mask a, mask b) { return _kor_mask16(a, b); }
    static stamps set1_stamp(step_stamp s) { return _mm512_set1_epi32(static_cast<int>(s)); }
    static mask frozen(mask m, const step_stamp* until, stamps now) {
        const __m512i left = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(m, until), now);
        return _mm512_mask_cmpgt_epi32_mask(m, left, _mm512_setzero_si512());
    }
};

template <class T, std::size_t K, bool NOISE, bool ADAPT, bool UNIFORM>
struct avx512 {
    using L = lanes<T>;
    using real = typename L::real;
    using mask = typename L::mask;
    static constexpr std::size_t W = L::width;

    static pass_result run(const pass_view_t<T>& w, std::size_t i0, std::size_t i1) {
        // One loop per threshold kind (a run-time choice inside the loop cost a compare and a
        // move through a general register per block).
        return w.strict ? loop<true>(w, i0, i1) : loop<false>(w, i0, i1);
    }

    template <bool STRICT>
    static pass_result loop(const pass_view_t<T>& w, std::size_t i0, std::size_t i1) {
        const real drv0 = L::set1(w.drive[0]), dec0 = L::set1(w.decay[0]);
        const real th0 = L::set1(w.th[0]), rs0 = L::set1(w.reset[0]), amp0 = L::set1(w.v_amp[0]);
        // Pointers and coefficients in locals: the stores below could alias `w`, which would
        // make the compiler reload every pointer from it in every block.
        real xd[K + 1], xf[K + 1], xa[K + 1], tv0[K + 1], vx0[K + 1];
        T* xs[K + 1];
        const T *tv[K + 1], *xn[K + 1], *vx[K + 1];
        bool noisy[K + 1];
        for (std::size_t k = 0; k < K; ++k) {
            xd[k] = L::set1(w.x_decay[k]);
            xf[k] = L::set1(w.x_feed[k]);
            xa[k] = L::set1(w.x_amp[k]);
            tv0[k] = L::set1(w.to_v[k][0]);
            vx0[k] = L::set1(w.v_from_x[k][0]);
            xs[k] = w.x[k];
            tv[k] = w.to_v[k];
            xn[k] = w.xi[k];
            vx[k] = w.v_from_x[k];
            noisy[k] = w.channel_noise[k];
        }
        const auto now = L::set1_stamp(static_cast<step_stamp>(w.step));
        const bool reset_on = !w.defer, move_v = !w.keep_v, clamp = w.clamp_to_th;
        T* const V = w.V;
        step_stamp* const until = w.frozen_until;
        const T *const drv = w.drive, *const dec = w.decay, *const th = w.th, *const rs = w.reset;
        const T *const v_amp = w.v_amp, *const v_xi = w.v_xi, *const jump = w.jump;
        mask nonfinite = 0;  // lanes that held a NaN or ±inf (a mask OR: no chain of adds)
        std::uint32_t found = 0;
        // W neurons from i; m: the lanes inside the range (all but in the last block).
        auto block = [&](std::size_t i, mask m) __attribute__((always_inline)) {
            auto load = [&](const T* p) { return L::load(m, p + i); };
            const real v_old = load(V);
            const real drive = UNIFORM ? drv0 : load(drv), decay = UNIFORM ? dec0 : load(dec);
            const real threshold = UNIFORM ? th0 : load(th);
            const mask refractory = L::frozen(m, until + i, now);
            real v = L::fmadd(L::sub(v_old, drive), decay, drive);
            real x_old[K + 1], xi[K + 1];
            for (std::size_t k = 0; k < K; ++k) {
                x_old[k] = load(xs[k]);
                v = L::fmadd(x_old[k], UNIFORM ? tv0[k] : load(tv[k]), v);
            }
            if constexpr (NOISE) {
                v = L::fmadd(UNIFORM ? amp0 : load(v_amp), load(v_xi), v);
                for (std::size_t k = 0; k < K; ++k) {
                    if (!noisy[k]) continue;  // its ξ and V's share are zeros: v + 0·0 = v
                    xi[k] = load(xn[k]);
                    v = L::fmadd(UNIFORM ? vx0[k] : load(vx[k]), xi[k], v);
                }
            }
            v = L::mov_on(v, refractory, v_old);
            const mask above = L::template cmp<STRICT ? _CMP_GT_OQ : _CMP_GE_OQ>(v, threshold);
            const mask fire = static_cast<mask>(~refractory & above & m);
            const mask reset = reset_on ? fire : 0;
            // Downwards, so that x_{k−1} is still the old value when x_k reads it. The sum
            // decay·x + feed·x_{k−1} + amp·ξ (+ jump) is rounded as GCC contracts the portable
            // pass's: the first product fused with the second term, later products fused onto
            // the sum, the jump added (fused with decay·x when it is the only other term). A
            // noiseless channel of a noisy pass skips amp·ξ = 0·0 (same value up to the sign of a zero).
            for (std::size_t k = K; k-- > 0;) {
                const bool feed = k > 0, jumps = ADAPT && k == K - 1, with_xi = NOISE && noisy[k];
                real x;
                if (feed) {
                    x = L::fmadd(xd[k], x_old[k], L::mul(xf[k], x_old[feed ? k - 1 : 0]));
                    if (with_xi) x = L::fmadd(xa[k], xi[k], x);
                } else {
                    x = with_xi ? L::fmadd(xd[k], x_old[k], L::mul(xa[k], xi[k])) : L::mul(xd[k], x_old[k]);
                }
                if (jumps && reset) {
                    const real c = L::load(reset, jump + i);
                    x = feed || NOISE ? L::add_on(x, reset, x, c) : L::mov_on(x, reset, L::fmadd(xd[k], x_old[k], c));
                }
                L::store(xs[k] + i, m, x);
            }
            if (reset && move_v) {
                const real to = UNIFORM ? (clamp ? threshold : rs0) : L::load_into(v, reset, (clamp ? th : rs) + i);
                v = L::mov_on(v, reset, to);
            }
            nonfinite = L::either(nonfinite, L::nonfinite(m, v));
            L::store(V + i, m, v);
            if (fire) found = fired(w, fire, i, found);
        };
        const std::size_t top = i0 + (i1 - i0) / W * W;  // [top, i1): the partial block, if any
        const auto tail = static_cast<mask>((1u << (i1 - top)) - 1);
        const auto full = static_cast<mask>((1u << W) - 1);
        if (!w.descending) {
            for (std::size_t i = i0; i < top; i += W) block(i, full);
            if (top < i1) block(top, tail);
        } else {
            if (top < i1) block(top, tail);
            for (std::size_t i = top; i > i0;) block(i -= W, full);
            std::sort(w.ids, w.ids + found);  // the same ascending ids as the upward walk
        }
        return {found, nonfinite == 0};
    }

    // The neurons of the block at i that fire (rare): ids, their rows prefetched, stamps. Out of
    // line, so the loop keeps its registers for the common path.
    __attribute__((noinline, cold)) static std::uint32_t fired(const pass_view_t<T>& w, unsigned bits, std::size_t i, std::uint32_t found) {
        for (; bits != 0; bits &= bits - 1) {
            const std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(bits));
            w.ids[found++] = static_cast<std::uint32_t>(j);
            prefetch_rows(w.tables, w.n_tables, j);
            if (!w.defer) w.frozen_until[j] = stamp_after_spike(w.step, w.ref_steps[UNIFORM ? 0 : j]);
        }
        return found;
    }
};

}  // namespace

bool neuron_pass_has_avx512() { return true; }

template <class T>
pass_fn<T> avx512_kernel(const pass_view_t<T>& w) {
    if (w.channels > max_channels) throw internal_error("neuron_pass: too many channels");
    return pick_pass<avx512>(w);
}

pass_fn<double> neuron_pass_kernel(const pass_view& w) { return avx512_kernel(w); }
pass_fn<float> neuron_pass_kernel(const pass_view_f32& w) { return avx512_kernel(w); }
pass_result neuron_pass(const pass_view& w, std::size_t i0, std::size_t i1) { return avx512_kernel(w)(w, i0, i1); }
pass_result neuron_pass(const pass_view_f32& w, std::size_t i0, std::size_t i1) { return avx512_kernel(w)(w, i0, i1); }

}  // namespace einet::engine::detail
#endif
