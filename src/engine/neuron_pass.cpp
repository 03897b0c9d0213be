#include "neuron_pass.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

#include "einet/core/error.hpp"

namespace einet::engine::detail {
namespace {

// Branch-free choices: with `?:` GCC threads jumps through the loop body (one path per
// refractory state), if-conversion then fails and the pass is not vectorised.
inline double choose(bool c, double a, double b) {
    const std::uint64_t m = 0 - static_cast<std::uint64_t>(c);
    return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & m) | (std::bit_cast<std::uint64_t>(b) & ~m));
}
inline float choose(bool c, float a, float b) {
    const std::uint32_t m = 0 - static_cast<std::uint32_t>(c);
    return std::bit_cast<float>((std::bit_cast<std::uint32_t>(a) & m) | (std::bit_cast<std::uint32_t>(b) & ~m));
}
inline step_count choose(bool c, step_count a, step_count b) {
    const step_count m = -static_cast<step_count>(c);
    return (a & m) | (b & ~m);
}

// One step of every neuron in [i0, i1): (1) V from the state at t_n unless refractory (exact or
// EM: the coefficients say which), (2) channels x_k ← decay·x_k + feed·x_{k−1} + amp·ξ from old
// values, (3) threshold, and unless the reset is deferred to a spike policy: reset, refractory
// stamp, adaptation jump. Then the flagged ids are collected (skipping silent blocks of 16).
template <class T, std::size_t K, bool NOISE, bool ADAPT, bool UNIFORM>
struct portable {
static pass_result run(const pass_view_t<T>& w, std::size_t i0, std::size_t i1) {
    T* __restrict V = w.V;
    step_stamp* __restrict until = w.frozen_until;
    const step_stamp now = static_cast<step_stamp>(w.step);
    const T* __restrict dec = w.decay;
    const T* __restrict drv = w.drive;
    const T* __restrict th = w.th;
    const T* __restrict rs = w.reset;
    const step_count* __restrict rsteps = w.ref_steps;
    std::uint64_t* __restrict flags = w.scratch;
    // Loop-invariant choices as 0/1 masks, not branches: GCC would unswitch the loop on them and
    // vectorise only one copy.
    const bool at_equal = !w.strict, no_defer = !w.defer, move_v = !w.keep_v, clamp = w.clamp_to_th;
    // Local copies: stores through x[k] must not be assumed to alias the coefficients.
    T* xs[K + 1];
    const T* tv[K + 1];
    const T* xn[K + 1];
    const T* vx[K + 1];
    T xd[K + 1], xf[K + 1], xa[K + 1], tv0[K + 1], vx0[K + 1];
    for (std::size_t k = 0; k < K; ++k) {
        xs[k] = w.x[k];
        tv[k] = w.to_v[k];
        tv0[k] = w.to_v[k][0];
        xn[k] = w.xi[k];
        vx[k] = w.v_from_x[k];
        vx0[k] = w.v_from_x[k][0];
        xd[k] = w.x_decay[k];
        xf[k] = w.x_feed[k];
        xa[k] = w.x_amp[k];
    }
    const T* __restrict v_amp = w.v_amp;
    const T* __restrict v_xi = w.v_xi;
    const T* __restrict jump = w.jump;
    // Uniform populations: parameters in registers (the `UNIFORM ? scalar : array[i]` below
    // folds at compile time, so no per-neuron parameter is loaded).
    const T drv0 = drv[0], dec0 = dec[0], th0 = th[0], rs0 = rs[0], amp0 = v_amp[0];
    const step_count rsteps0 = rsteps[0];
    // Guards as reductions: a non-finite V makes the sum non-finite (one add per neuron instead
    // of a test), and the spike count lets the caller skip the flag scan of a silent step.
    T v_sum = 0;
    std::uint32_t spikes = 0;
#pragma omp simd reduction(+ : v_sum, spikes)
    for (std::size_t i = i0; i < i1; ++i) {
        // Every operand is loaded unconditionally: a load behind a condition is control flow
        // that stops the vectoriser.
        const T v_old = V[i];
        const T drive = UNIFORM ? drv0 : drv[i], decay = UNIFORM ? dec0 : dec[i];
        const T threshold = UNIFORM ? th0 : th[i], v_reset = UNIFORM ? rs0 : rs[i];
        const step_stamp stamp = until[i];
        const step_count ref_after_spike = UNIFORM ? rsteps0 : rsteps[i];
        const bool refractory = static_cast<std::int32_t>(stamp - now) > 0;  // frozen_at
        T v = drive + (v_old - drive) * decay;
        for (std::size_t k = 0; k < K; ++k) v += xs[k][i] * (UNIFORM ? tv0[k] : tv[k][i]);
        if constexpr (NOISE) {
            v += (UNIFORM ? amp0 : v_amp[i]) * v_xi[i];
            // Exact integrator: V's share of the noise entering the channels in this step.
            for (std::size_t k = 0; k < K; ++k) v += (UNIFORM ? vx0[k] : vx[k][i]) * xn[k][i];
        }
        v = choose(refractory, v_old, v);
        const bool above = (v > threshold) | (at_equal & (v == threshold));
        const bool fire = !refractory & above;
        const bool reset = fire & no_defer;
        // Downwards, so that x_{k−1} is still the old value when x_k reads it.
        for (std::size_t k = K; k-- > 0;) {
            T x = xd[k] * xs[k][i];
            if (k > 0) x += xf[k] * xs[k > 0 ? k - 1 : 0][i];
            if constexpr (NOISE) x += xa[k] * xn[k][i];
            if constexpr (ADAPT) {
                if (k == K - 1) x += choose(reset, jump[i], T(0));
            }
            xs[k][i] = x;
        }
        const step_stamp fired = static_cast<step_stamp>(now + 1 + static_cast<step_stamp>(ref_after_spike));  // stamp_after_spike
        until[i] = static_cast<step_stamp>(choose(reset, static_cast<step_count>(fired), static_cast<step_count>(stamp)));
        v = choose(reset & move_v, choose(clamp, threshold, v_reset), v);
        flags[i] = static_cast<std::uint64_t>(fire);
        v_sum += v;
        spikes += static_cast<std::uint32_t>(fire);
        V[i] = v;
    }
    std::uint32_t found = 0;
    for (std::size_t i = i0; i < i1 && found < spikes; i += 16) {
        const std::size_t end = std::min(i + 16, i1);
        std::uint64_t any = 0;
        for (std::size_t j = i; j < end; ++j) any |= flags[j];
        if (any == 0) continue;
        for (std::size_t j = i; j < end; ++j) {
            if (!flags[j]) continue;
            w.ids[found++] = static_cast<std::uint32_t>(j);
            prefetch_rows(w.tables, w.n_tables, j);
        }
    }
    return {spikes, std::isfinite(v_sum)};
}
};

}  // namespace

void refresh_frozen_until(step_stamp* until, std::size_t i0, std::size_t i1, std::uint64_t step) {
    const auto now = static_cast<step_stamp>(step);
    for (std::size_t i = i0; i < i1; ++i) {
        if (static_cast<std::int32_t>(until[i] - now) < 0) until[i] = now;
    }
}

template <class T>
pass_fn<T> portable_kernel(const pass_view_t<T>& w) {
    if (w.channels > max_channels) throw internal_error("neuron_pass: too many channels");
    return pick_pass<portable>(w);
}

pass_result neuron_pass_portable(const pass_view& w, std::size_t i0, std::size_t i1) { return portable_kernel(w)(w, i0, i1); }
pass_result neuron_pass_portable(const pass_view_f32& w, std::size_t i0, std::size_t i1) { return portable_kernel(w)(w, i0, i1); }

#if !EINET_PASS_AVX512
bool neuron_pass_has_avx512() { return false; }
pass_fn<double> neuron_pass_kernel(const pass_view& w) { return portable_kernel(w); }
pass_fn<float> neuron_pass_kernel(const pass_view_f32& w) { return portable_kernel(w); }
pass_result neuron_pass(const pass_view& w, std::size_t i0, std::size_t i1) { return portable_kernel(w)(w, i0, i1); }
pass_result neuron_pass(const pass_view_f32& w, std::size_t i0, std::size_t i1) { return portable_kernel(w)(w, i0, i1); }
#endif

}  // namespace einet::engine::detail
