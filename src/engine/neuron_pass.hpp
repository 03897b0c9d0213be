#pragma once
// The neuron pass of the spiking engine: one vectorised loop over a range of neurons of one
// population that advances V and the linear channel states by one step, finds threshold
// crossings and (unless deferred) resets the neurons that fire (spiking_engine.hpp, step 2).
// Instantiated per real type (double, or float for run.precision = "float32"), per channel count
// and per feature (noise, adaptation, uniform parameters) so that each variant reads only what it
// needs. Two implementations with the same results for each real type: AVX-512 intrinsics
// (neuron_pass_avx512.cpp, 8 double or 16 float lanes, used where the build targets AVX-512) and
// portable code that the compiler vectorises (neuron_pass.cpp).
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

// The AVX-512 pass is compiled where the build targets AVX-512F, VL and DQ (e.g. -march=native on Zen 4/5).
#if defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512DQ__)
#define EINET_PASS_AVX512 1
#else
#define EINET_PASS_AVX512 0
#endif

namespace einet::engine::detail {

constexpr std::size_t max_channels = 8;  // per population, adaptation included
using step_count = std::int64_t;         // refractory lengths (ref_steps: R − 1, −1 when never refractory)
// Refractoriness is stored as the step up to which a neuron is frozen: it is frozen in the pass
// of step n iff frozen_until − n > 0, computed modulo 2^32 (`frozen_at`). The pass reads it and
// writes it only where a neuron fires (32 bits read per neuron-step instead of a 64-bit counter
// read and written); `refresh_frozen_until` keeps entries within 2^31 steps of the clock.
using step_stamp = std::uint32_t;
inline bool frozen_at(step_stamp until, std::uint64_t step) {
    return static_cast<std::int32_t>(until - static_cast<step_stamp>(step)) > 0;
}
// The stamp a neuron firing in the pass of step n gets: frozen in the passes n+1 … n+ref_steps.
inline step_stamp stamp_after_spike(std::uint64_t step, step_count ref_steps) {
    return static_cast<step_stamp>(step + 1 + static_cast<std::uint64_t>(ref_steps));
}

// Entries more than 0 steps behind `step` (neurons not frozen) are moved up to it, so no stamp
// falls 2^31 steps behind the clock and wraps into "frozen"; called every 2^28 steps.
void refresh_frozen_until(step_stamp* until, std::size_t i0, std::size_t i1, std::uint64_t step);

// An outgoing synapse table of the population (spiking_engine write-out, step 4): the rows of
// the neurons that fire are prefetched as the pass finds them, so their memory latency overlaps
// the rest of the pass instead of stalling the write-out (rows mostly sit outside L2).
struct row_prefetch {
    // Row j's stretch to prefetch is [first[j], last[j]): the whole row on one thread (row_ptr,
    // row_ptr + 1); on several, only the finding worker's own targets (the engine's row splits).
    // The other workers' stretches are theirs to fetch after the meeting: pulled into this core's
    // L2 instead, they would come to them as cross-core transfers rather than from L3.
    const std::uint64_t* first;
    const std::uint64_t* last;
    const std::uint32_t* target;
    const float* weight;
    const std::uint16_t* delay;  // nullptr when the projection's synapses share one delay
};
constexpr std::size_t max_prefetch_tables = 8;
inline void prefetch_rows(const row_prefetch* tables, std::size_t count, std::size_t j) {
    for (std::size_t t = 0; t < count; ++t) {
        const auto& r = tables[t];
        const std::uint64_t k0 = r.first[j], k1 = r.last[j];
        for (std::uint64_t k = k0; k < k1; k += 16) {  // 64-byte lines of 4-byte entries
            __builtin_prefetch(r.target + k);
            __builtin_prefetch(r.weight + k);
        }
        if (r.delay) {
            for (std::uint64_t k = k0; k < k1; k += 32) __builtin_prefetch(r.delay + k);
        }
    }
}

// Pointers and constants of one population's pass (K channels, adaptation last when adaptive).
// With `uniform`, every per-neuron parameter array (drive, decay, th, reset, ref_steps, v_amp,
// to_v, v_from_x) is read at index 0 only: one value for the whole population, kept in registers.
// T: the real type of the state and coefficients (the arithmetic is done in it).
template <class T>
struct pass_view_t {
    T* V;
    step_stamp* frozen_until;
    std::uint64_t step;  // the step being computed (n: t_n → t_{n+1})
    const T *decay, *drive, *th, *reset, *v_amp, *v_xi, *jump;
    const step_count* ref_steps;
    std::uint32_t* ids;       // out: the crossing neurons' ids (ascending), room for the whole range
    std::uint64_t* scratch;   // room for the whole range (the portable pass's per-neuron flags)
    const row_prefetch* tables;  // the population's outgoing synapse tables (prefetch_rows)
    std::size_t n_tables;
    T* x[max_channels];
    const T* to_v[max_channels];
    const T* xi[max_channels];
    const T* v_from_x[max_channels];  // V's share of channel k's noise (exact integrator; else zeros)
    T x_decay[max_channels], x_feed[max_channels], x_amp[max_channels];
    bool channel_noise[max_channels];  // false: xi[k], v_from_x[k] and x_amp[k] are zeros (the pass may skip them)
    std::size_t channels;
    bool noise, adapt, uniform, strict, defer;
    bool keep_v;       // a spike leaves V as it is (spiking_population::reset == none)
    bool clamp_to_th;  // a spike sets V to the threshold instead of V_reset (reset == to_threshold)
    // Walk the range from its top down (the AVX-512 pass; ids still come out ascending). A worker
    // whose range has another worker's range just above it walks down, so that its core's
    // hardware stream prefetcher runs away from that range instead of into it: ascending, it
    // pulled the neighbour's lines over every step, and the neighbour's pass ran 1.6-5x slower
    // per neuron (CUBA on two threads, docs/design/spiking-engine.md).
    bool descending = false;
};

using pass_view = pass_view_t<double>;
using pass_view_f32 = pass_view_t<float>;

struct pass_result {
    std::uint32_t crossings = 0;  // ids written
    bool finite = true;           // false when a non-finite V appeared
};
// Runs the pass over [i0, i1) with the build's best implementation.
pass_result neuron_pass(const pass_view& w, std::size_t i0, std::size_t i1);
pass_result neuron_pass(const pass_view_f32& w, std::size_t i0, std::size_t i1);
// The kernel neuron_pass runs for a view's variant (channels, features, real type), for callers
// that run the same variant every step; throws internal_error beyond max_channels.
pass_result (*neuron_pass_kernel(const pass_view& w))(const pass_view&, std::size_t, std::size_t);
pass_result (*neuron_pass_kernel(const pass_view_f32& w))(const pass_view_f32&, std::size_t, std::size_t);
// The portable implementation, and whether the AVX-512 one exists (tests compare them).
pass_result neuron_pass_portable(const pass_view& w, std::size_t i0, std::size_t i1);
pass_result neuron_pass_portable(const pass_view_f32& w, std::size_t i0, std::size_t i1);
bool neuron_pass_has_avx512();

template <class T>
using pass_fn = pass_result (*)(const pass_view_t<T>&, std::size_t, std::size_t);
// Kernel<T, K, noise, adapt, uniform>::run for a view (nullptr when K > max_channels).
template <template <class, std::size_t, bool, bool, bool> class Kernel, class T, std::size_t... Ks>
pass_fn<T> pick_pass(const pass_view_t<T>& w, std::index_sequence<Ks...>) {
    pass_fn<T> f = nullptr;
    auto one = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
        // Three feature bits → one of eight instantiations for this K.
        constexpr pass_fn<T> table[8] = {&Kernel<T, K, false, false, false>::run, &Kernel<T, K, false, false, true>::run,
                                         &Kernel<T, K, false, true, false>::run,  &Kernel<T, K, false, true, true>::run,
                                         &Kernel<T, K, true, false, false>::run,  &Kernel<T, K, true, false, true>::run,
                                         &Kernel<T, K, true, true, false>::run,   &Kernel<T, K, true, true, true>::run};
        f = table[(w.noise ? 4 : 0) | (w.adapt ? 2 : 0) | (w.uniform ? 1 : 0)];
    };
    ((w.channels == Ks ? (one(std::integral_constant<std::size_t, Ks>{}), true) : false) || ...);
    return f;
}
template <template <class, std::size_t, bool, bool, bool> class Kernel, class T>
pass_fn<T> pick_pass(const pass_view_t<T>& w) {
    return pick_pass<Kernel, T>(w, std::make_index_sequence<max_channels + 1>{});
}

}  // namespace einet::engine::detail
