// The neuron pass (neuron_pass.hpp) in AVX-512 intrinsics: the portable pass's arithmetic in
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

template <std::size_t K, bool NOISE, bool ADAPT, bool UNIFORM>
struct avx512 {
    static pass_result run(const pass_view& w, std::size_t i0, std::size_t i1) {
        // One loop per threshold kind (a run-time choice inside the loop cost a compare and a
        // move through a general register per block).
        return w.strict ? loop<true>(w, i0, i1) : loop<false>(w, i0, i1);
    }

    template <bool STRICT>
    static pass_result loop(const pass_view& w, std::size_t i0, std::size_t i1) {
        const __m512d drv0 = _mm512_set1_pd(w.drive[0]), dec0 = _mm512_set1_pd(w.decay[0]);
        const __m512d th0 = _mm512_set1_pd(w.th[0]), rs0 = _mm512_set1_pd(w.reset[0]), amp0 = _mm512_set1_pd(w.v_amp[0]);
        // Pointers and coefficients in locals: the stores below could alias `w`, which would
        // make the compiler reload every pointer from it in every block.
        __m512d xd[K + 1], xf[K + 1], xa[K + 1], tv0[K + 1], vx0[K + 1];
        double* xs[K + 1];
        const double *tv[K + 1], *xn[K + 1], *vx[K + 1];
        bool noisy[K + 1];
        for (std::size_t k = 0; k < K; ++k) {
            xd[k] = _mm512_set1_pd(w.x_decay[k]);
            xf[k] = _mm512_set1_pd(w.x_feed[k]);
            xa[k] = _mm512_set1_pd(w.x_amp[k]);
            tv0[k] = _mm512_set1_pd(w.to_v[k][0]);
            vx0[k] = _mm512_set1_pd(w.v_from_x[k][0]);
            xs[k] = w.x[k];
            tv[k] = w.to_v[k];
            xn[k] = w.xi[k];
            vx[k] = w.v_from_x[k];
            noisy[k] = w.channel_noise[k];
        }
        const __m256i now = _mm256_set1_epi32(static_cast<int>(static_cast<step_stamp>(w.step)));
        const bool reset_on = !w.defer, move_v = !w.keep_v, clamp = w.clamp_to_th;
        double* const V = w.V;
        step_stamp* const until = w.frozen_until;
        const double *const drv = w.drive, *const dec = w.decay, *const th = w.th, *const rs = w.reset;
        const double *const v_amp = w.v_amp, *const v_xi = w.v_xi, *const jump = w.jump;
        __mmask8 nonfinite = 0;  // lanes that held a NaN or ±inf (a mask OR: no chain of adds)
        std::uint32_t found = 0;
        // Eight neurons from i; m: the lanes inside the range (all but in the last block).
        auto block = [&](std::size_t i, __mmask8 m) __attribute__((always_inline)) {
            auto load = [&](const double* p) { return _mm512_maskz_loadu_pd(m, p + i); };
            const __m512d v_old = load(V);
            const __m512d drive = UNIFORM ? drv0 : load(drv), decay = UNIFORM ? dec0 : load(dec);
            const __m512d threshold = UNIFORM ? th0 : load(th);
            const __m256i left = _mm256_sub_epi32(_mm256_maskz_loadu_epi32(m, until + i), now);
            const __mmask8 refractory = _mm256_mask_cmpgt_epi32_mask(m, left, _mm256_setzero_si256());  // frozen_at
            __m512d v = _mm512_fmadd_pd(_mm512_sub_pd(v_old, drive), decay, drive);
            __m512d x_old[K + 1], xi[K + 1];
            for (std::size_t k = 0; k < K; ++k) {
                x_old[k] = load(xs[k]);
                v = _mm512_fmadd_pd(x_old[k], UNIFORM ? tv0[k] : load(tv[k]), v);
            }
            if constexpr (NOISE) {
                v = _mm512_fmadd_pd(UNIFORM ? amp0 : load(v_amp), load(v_xi), v);
                for (std::size_t k = 0; k < K; ++k) {
                    if (!noisy[k]) continue;  // its ξ and V's share are zeros: v + 0·0 = v
                    xi[k] = load(xn[k]);
                    v = _mm512_fmadd_pd(UNIFORM ? vx0[k] : load(vx[k]), xi[k], v);
                }
            }
            v = _mm512_mask_mov_pd(v, refractory, v_old);
            const __mmask8 above = _mm512_cmp_pd_mask(v, threshold, STRICT ? _CMP_GT_OQ : _CMP_GE_OQ);
            const __mmask8 fire = static_cast<__mmask8>(~refractory & above & m);
            const __mmask8 reset = reset_on ? fire : 0;
            // Downwards, so that x_{k−1} is still the old value when x_k reads it. The sum
            // decay·x + feed·x_{k−1} + amp·ξ (+ jump) is rounded as GCC contracts the portable
            // pass's: the first product fused with the second term, later products fused onto
            // the sum, the jump added (fused with decay·x when it is the only other term). A
            // noiseless channel of a noisy pass skips amp·ξ = 0·0 (same value up to the sign of a zero).
            for (std::size_t k = K; k-- > 0;) {
                const bool feed = k > 0, jumps = ADAPT && k == K - 1, with_xi = NOISE && noisy[k];
                __m512d x;
                if (feed) {
                    x = _mm512_fmadd_pd(xd[k], x_old[k], _mm512_mul_pd(xf[k], x_old[feed ? k - 1 : 0]));
                    if (with_xi) x = _mm512_fmadd_pd(xa[k], xi[k], x);
                } else {
                    x = with_xi ? _mm512_fmadd_pd(xd[k], x_old[k], _mm512_mul_pd(xa[k], xi[k])) : _mm512_mul_pd(xd[k], x_old[k]);
                }
                if (jumps && reset) {
                    const __m512d c = _mm512_maskz_loadu_pd(reset, jump + i);
                    x = feed || NOISE ? _mm512_mask_add_pd(x, reset, x, c) : _mm512_mask_mov_pd(x, reset, _mm512_fmadd_pd(xd[k], x_old[k], c));
                }
                _mm512_mask_storeu_pd(xs[k] + i, m, x);
            }
            if (reset && move_v) {
                const __m512d to = UNIFORM ? (clamp ? threshold : rs0) : _mm512_mask_loadu_pd(v, reset, (clamp ? th : rs) + i);
                v = _mm512_mask_mov_pd(v, reset, to);
            }
            nonfinite = _kor_mask8(nonfinite, _mm512_mask_fpclass_pd_mask(m, v, 0x99));  // QNaN | ±inf | SNaN
            _mm512_mask_storeu_pd(V + i, m, v);
            if (fire) found = fired(w, fire, i, found);
        };
        const std::size_t top = i0 + (i1 - i0) / 8 * 8;  // [top, i1): the partial block, if any
        if (!w.descending) {
            for (std::size_t i = i0; i < top; i += 8) block(i, 0xFF);
            if (top < i1) block(top, static_cast<__mmask8>((1u << (i1 - top)) - 1));
        } else {
            if (top < i1) block(top, static_cast<__mmask8>((1u << (i1 - top)) - 1));
            for (std::size_t i = top; i > i0;) block(i -= 8, 0xFF);
            std::sort(w.ids, w.ids + found);  // the same ascending ids as the upward walk
        }
        return {found, nonfinite == 0};
    }

    // The neurons of the block at i that fire (rare): ids, their rows prefetched, stamps. Out of
    // line, so the loop keeps its registers for the common path.
    __attribute__((noinline, cold)) static std::uint32_t fired(const pass_view& w, unsigned bits, std::size_t i, std::uint32_t found) {
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

pass_result neuron_pass(const pass_view& w, std::size_t i0, std::size_t i1) {
    if (w.channels > max_channels) throw internal_error("neuron_pass: too many channels");
    return pick_pass<avx512>(w)(w, i0, i1);
}

}  // namespace einet::engine::detail
#endif
