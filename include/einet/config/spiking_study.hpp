#pragma once
// Study "spiking" (internal to config/): runs a lowered spiking network for run.duration with
// the spike recorder writing spikes.h5 (SONATA) into the run directory, writes the arrays
// (spikes, binned population rates, traces, receptor currents) and returns the summary:
// rate_hz_mean, rate_<pop>_hz, n_spikes, cv_isi_mean, n_synapses, upstate_duration_s and
// rate_<pop>_up_hz (spec 001 §5.5, on the inhibitory population).
#include "einet/config/rate_studies.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::config {

study_output run_spiking_study(const resolved_config& cfg, network::spiking_network net, io::run_directory& dir,
                               const run_options& opt);

}  // namespace einet::config
