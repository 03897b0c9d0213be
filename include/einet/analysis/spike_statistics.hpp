#pragma once
// Statistics of spike trains (issue 4): firing rates, the coefficient of variation of inter-spike
// intervals, Fano factors of spike counts, binned population rates, and the E/I balance of input
// currents. Spikes are given as (time in ms, neuron id) pairs of one population, in any order.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace einet::analysis {

struct spike_train_view {
    const double* t_ms = nullptr;
    const std::uint64_t* ids = nullptr;
    std::size_t count = 0;
    std::size_t n_neurons = 0;
};

// Mean rate per neuron (Hz) over [t0, t1).
std::vector<double> rates_hz(const spike_train_view& s, double t0_ms, double t1_ms);

// CV of the inter-spike intervals of every neuron with at least `min_spikes` spikes
// (population standard deviation / mean, as bench/brian2_models.py); NaN for the others.
std::vector<double> cv_isi(const spike_train_view& s, std::size_t min_spikes = 3);
// Mean of the finite entries (NaN if none).
double mean_finite(const std::vector<double>& v);

// Fano factor of each neuron's spike counts in windows of `window_ms` over [t0, t1): variance/mean
// (NaN where the mean count is 0).
std::vector<double> fano_factor(const spike_train_view& s, double t0_ms, double t1_ms, double window_ms);

// Population rate (Hz per neuron) in bins of `bin_ms` over [t0, t1).
std::vector<double> binned_rate_hz(const spike_train_view& s, double t0_ms, double t1_ms, double bin_ms);

// E/I balance of the input currents of the same neurons, from time-major traces
// [sample * neurons + neuron] of the excitatory current E and the inhibitory current I (negative,
// signed as it enters the membrane: record::trace_recorder's "I_<receptor>" or the population
// means of record::ei_current_recorder with neurons = 1).
struct ei_balance {
    // Per neuron |⟨I⟩_t| / ⟨E⟩_t: 1 = inhibition cancels excitation on average (NaN when ⟨E⟩_t ≤ 0).
    std::vector<double> ratio;
    // Per neuron Pearson correlation over time of E(t) and −I(t): near 1 when inhibition tracks
    // excitation moment by moment ("tight" balance), near 0 when it only cancels on average
    // (NaN when either trace is constant).
    std::vector<double> correlation;
    double mean_ratio = 0, mean_correlation = 0;  // mean_finite of the above
};
ei_balance ei_current_balance(const double* E, const double* I, std::size_t samples, std::size_t neurons);

}  // namespace einet::analysis
