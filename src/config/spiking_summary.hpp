#pragma once
// Summary of a spiking run (internal to config/), over what was simulated — all of it, or up to
// a failure: rate_hz_mean, rate_<pop>_hz (spikes from record.rate_from on), n_spikes,
// cv_isi_mean, n_synapses, simulated_ms; with an inhibitory population upstate_duration_s and
// rate_<pop>_up_hz (spec 001 §5.5); with record.currents the E/I balance per population,
// ei_ratio_<pop> and ei_correlation_<pop> (analysis::ei_current_balance over the current bins
// from record.rate_from on).
#include "einet/config/config.hpp"
#include "einet/io/json.hpp"
#include "spiking_recording.hpp"

namespace einet::config {

io::json spiking_summary(const resolved_config& cfg, const network::spiking_network& net, const spiking_recording& rec,
                         double t_end_ms);

}  // namespace einet::config
