#pragma once
// Statistics of spike trains (issue 4): firing rates, the coefficient of variation of inter-spike
// intervals, Fano factors of spike counts, and binned population rates. Spikes are given as
// (time in ms, neuron id) pairs of one population, in any order.
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

}  // namespace einet::analysis
