#pragma once
// Study "spiking_training" (internal to config/): trains a lowered spiking network trial by trial
// with plasticity::spiking_trainer (paper 001 Fig. 7, spec §5.4–5.8), once per entry of the
// projections' sweep_means (Table S3, Fig. 7L) or once; checkpoints every training.checkpoint_every
// trials into <run>/checkpoint (atomic; `opt.resume` continues bit-identically); then, when
// [paradoxical] gives amplitudes, runs the Fig. 7I test on the trained weights. Writes the arrays
// of Fig. 7B–L and returns the summary (rate_E_final_hz, rate_I_final_hz, cv_isi_median,
// trial_converged, mse_initial, mse_final, rate_I_by_current, rate_E_by_current).
#include "einet/config/rate_studies.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::config {

study_output run_spiking_training_study(const resolved_config& cfg, network::spiking_network net, io::run_directory& dir,
                                        const run_options& opt);

}  // namespace einet::config
