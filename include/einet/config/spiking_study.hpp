#pragma once
// Study "spiking" (internal to config/): runs a lowered spiking network for run.duration with
// the recorders and the runaway guard that [record] and run.max_rate ask for
// (src/config/spiking_recording.hpp), progress on stderr, and — with run.checkpoint_interval —
// a checkpoint in <run dir>/checkpoint that `opt.resume` continues from
// (src/config/spiking_checkpoint.hpp); then writes the arrays and returns the summary
// (src/config/spiking_summary.hpp). A run stopped by a guard returns its failure with everything
// recorded up to the step that stopped it.
#include "einet/config/rate_studies.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::config {

study_output run_spiking_study(const resolved_config& cfg, network::spiking_network net, io::run_directory& dir,
                               const run_options& opt);

}  // namespace einet::config
