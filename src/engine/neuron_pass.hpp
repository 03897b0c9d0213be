#pragma once
// The neuron pass of the spiking engine: one vectorised loop over a range of neurons of one
// population that advances V, the linear channel states and the refractory counters by one step
// and flags threshold crossings (spiking_engine.hpp, step 2). Instantiated per channel count and
// per feature (noise, adaptation, uniform parameters) so that each variant reads only what it needs.
#include <cstddef>
#include <cstdint>

namespace einet::engine::detail {

constexpr std::size_t max_channels = 8;  // per population, adaptation included
// Refractory counters and per-neuron step flags are 64-bit, the width of V's lanes: with 32-bit
// ones every select of the pass converts masks between lane widths (~1.5x slower pass), and an
// 8-bit flag store stops GCC from vectorising it at all.
using step_count = std::int64_t;
using flag_word = std::uint64_t;
constexpr flag_word flag_spike = 1, flag_frozen = 2;

// Pointers and constants of one population's pass (K channels, adaptation last when adaptive).
// With `uniform`, every per-neuron parameter array (drive, decay, th, reset, ref_steps, v_amp,
// to_v) is read at index 0 only: one value for the whole population, kept in registers.
struct pass_view {
    double* V;
    step_count* ref;
    const double *decay, *drive, *th, *reset, *v_amp, *v_xi, *jump;
    const step_count* ref_steps;
    flag_word* flags;
    double* x[max_channels];
    const double* to_v[max_channels];
    const double* xi[max_channels];
    const double* v_from_x[max_channels];  // V's share of channel k's noise (exact integrator; else zeros)
    double x_decay[max_channels], x_feed[max_channels], x_amp[max_channels];
    std::size_t channels;
    bool noise, adapt, uniform, strict, defer;
    bool keep_v;       // a spike leaves V as it is (spiking_population::reset == none)
    bool clamp_to_th;  // a spike sets V to the threshold instead of V_reset (reset == to_threshold)
};

struct pass_result {
    std::uint32_t crossings = 0;  // neurons flagged flag_spike
    bool finite = true;           // false when a non-finite V appeared
};
// Runs the pass over [i0, i1).
pass_result neuron_pass(const pass_view& w, std::size_t i0, std::size_t i1);

}  // namespace einet::engine::detail
