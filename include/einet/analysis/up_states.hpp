#pragma once
// Up-state detection of paper 001 (spec 001 §5.5), on the PSTH of one population (the paper uses
// the inhibitory one): 10-ms bins over [0, t_stop); bins with rate >= 0.2 Hz are "above"; runs of
// above bins are Up states; gaps of <= 10 bins between them are merged; Up states of <= 10 bins
// are discarded. Reference implementation: bench/brian2_models.py::_upstate_rates.
#include <cstddef>
#include <vector>

#include "einet/analysis/spike_statistics.hpp"

namespace einet::analysis {

struct up_state_params {
    double bin_ms = 10.0;
    double threshold_hz = 0.2;     // a bin is above when count/(bin·N) >= this
    std::size_t merge_bins = 10;   // gaps of at most this many bins are merged
    std::size_t min_bins = 10;     // Up states of at most this many bins are discarded
};

struct up_state {
    double onset_ms = 0.0, offset_ms = 0.0;  // bin edges
};

std::vector<up_state> detect_up_states(const spike_train_view& s, double t_stop_ms, const up_state_params& p = {});

// Total duration of the Up states in seconds.
double up_state_duration_s(const std::vector<up_state>& ups);

// Per-neuron rate (Hz) of a population over the Up states: spikes with onset < t < offset over
// the duration, averaged over the Up states (spec 001 §5.5 step 3); NaN without Up states.
double up_state_rate_hz(const spike_train_view& s, const std::vector<up_state>& ups);

// The same per neuron (size n_neurons): each neuron's spikes with onset < t < offset over the
// duration, averaged over the Up states; empty without Up states.
std::vector<double> up_state_unit_rates_hz(const spike_train_view& s, const std::vector<up_state>& ups);

}  // namespace einet::analysis
