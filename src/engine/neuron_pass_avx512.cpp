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

#include <cmath>

#include "einet/core/error.hpp"

namespace einet::engine::detail {
namespace {

template <std::size_t K, bool NOISE, bool ADAPT, bool UNIFORM>
struct avx512 {
    static pass_result run(const pass_view& w, std::size_t i0, std::size_t i1) {
        const __m512d drv0 = _mm512_set1_pd(w.drive[0]), dec0 = _mm512_set1_pd(w.decay[0]);
        const __m512d th0 = _mm512_set1_pd(w.th[0]), rs0 = _mm512_set1_pd(w.reset[0]), amp0 = _mm512_set1_pd(w.v_amp[0]);
        __m512d xd[K + 1], xf[K + 1], xa[K + 1], tv0[K + 1], vx0[K + 1];
        for (std::size_t k = 0; k < K; ++k) {
            xd[k] = _mm512_set1_pd(w.x_decay[k]);
            xf[k] = _mm512_set1_pd(w.x_feed[k]);
            xa[k] = _mm512_set1_pd(w.x_amp[k]);
            tv0[k] = _mm512_set1_pd(w.to_v[k][0]);
            vx0[k] = _mm512_set1_pd(w.v_from_x[k][0]);
        }
        const __m256i now = _mm256_set1_epi32(static_cast<int>(static_cast<step_stamp>(w.step)));
        const bool strict = w.strict, reset_on = !w.defer, move_v = !w.keep_v, clamp = w.clamp_to_th;
        const step_count ref0 = w.ref_steps[0];
        double* const V = w.V;
        step_stamp* const until = w.frozen_until;
        __m512d v_sum = _mm512_setzero_pd();
        std::uint32_t found = 0;
        // Eight neurons from i; m: the lanes inside the range (all but in the last block).
        auto block = [&](std::size_t i, __mmask8 m) __attribute__((always_inline)) {
            auto load = [&](const double* p) { return _mm512_maskz_loadu_pd(m, p + i); };
            const __m512d v_old = load(V);
            const __m512d drive = UNIFORM ? drv0 : load(w.drive), decay = UNIFORM ? dec0 : load(w.decay);
            const __m512d threshold = UNIFORM ? th0 : load(w.th);
            const __m256i left = _mm256_sub_epi32(_mm256_maskz_loadu_epi32(m, until + i), now);
            const __mmask8 refractory = _mm256_mask_cmpgt_epi32_mask(m, left, _mm256_setzero_si256());  // frozen_at
            __m512d v = _mm512_fmadd_pd(_mm512_sub_pd(v_old, drive), decay, drive);
            __m512d x_old[K + 1], xi[K + 1];
            for (std::size_t k = 0; k < K; ++k) {
                x_old[k] = load(w.x[k]);
                v = _mm512_fmadd_pd(x_old[k], UNIFORM ? tv0[k] : load(w.to_v[k]), v);
            }
            if constexpr (NOISE) {
                v = _mm512_fmadd_pd(UNIFORM ? amp0 : load(w.v_amp), load(w.v_xi), v);
                for (std::size_t k = 0; k < K; ++k) {
                    xi[k] = load(w.xi[k]);
                    v = _mm512_fmadd_pd(UNIFORM ? vx0[k] : load(w.v_from_x[k]), xi[k], v);
                }
            }
            v = _mm512_mask_mov_pd(v, refractory, v_old);
            const __mmask8 above = strict ? _mm512_cmp_pd_mask(v, threshold, _CMP_GT_OQ) : _mm512_cmp_pd_mask(v, threshold, _CMP_GE_OQ);
            const __mmask8 fire = static_cast<__mmask8>(~refractory & above & m);
            const __mmask8 reset = reset_on ? fire : 0;
            // Downwards, so that x_{k−1} is still the old value when x_k reads it. The sum
            // decay·x + feed·x_{k−1} + amp·ξ (+ jump) is rounded as GCC contracts the portable
            // pass's: the first product fused with the second term, later products fused onto
            // the sum, the jump added (fused with decay·x when it is the only other term).
            for (std::size_t k = K; k-- > 0;) {
                const bool feed = k > 0, jumps = ADAPT && k == K - 1;
                __m512d x;
                if (feed || NOISE) {
                    x = _mm512_fmadd_pd(xd[k], x_old[k], feed ? _mm512_mul_pd(xf[k], x_old[feed ? k - 1 : 0]) : _mm512_mul_pd(xa[k], xi[k]));
                    if (feed && NOISE) x = _mm512_fmadd_pd(xa[k], xi[k], x);
                    if (jumps && reset) x = _mm512_mask_add_pd(x, reset, x, _mm512_maskz_loadu_pd(reset, w.jump + i));
                } else {
                    x = _mm512_mul_pd(xd[k], x_old[k]);
                    if (jumps && reset) x = _mm512_mask_mov_pd(x, reset, _mm512_fmadd_pd(xd[k], x_old[k], _mm512_maskz_loadu_pd(reset, w.jump + i)));
                }
                _mm512_mask_storeu_pd(w.x[k] + i, m, x);
            }
            if (reset && move_v) {
                const __m512d to = UNIFORM ? (clamp ? threshold : rs0) : _mm512_mask_loadu_pd(v, reset, (clamp ? w.th : w.reset) + i);
                v = _mm512_mask_mov_pd(v, reset, to);
            }
            v_sum = _mm512_mask_add_pd(v_sum, m, v_sum, v);
            _mm512_mask_storeu_pd(V + i, m, v);
            for (unsigned bits = fire; bits != 0; bits &= bits - 1) {  // rare: the neurons that fire
                const std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(bits));
                w.ids[found++] = static_cast<std::uint32_t>(j);
                if (reset_on) until[j] = stamp_after_spike(w.step, UNIFORM ? ref0 : w.ref_steps[j]);
            }
        };
        std::size_t i = i0;
        for (; i + 8 <= i1; i += 8) block(i, 0xFF);
        if (i < i1) block(i, static_cast<__mmask8>((1u << (i1 - i)) - 1));
        alignas(64) double lanes[8];  // (_mm512_reduce_add_pd draws a false -Wuninitialized from GCC 12)
        _mm512_store_pd(lanes, v_sum);
        double sum = 0.0;
        for (double l : lanes) sum += l;
        return {found, std::isfinite(sum)};
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
