#pragma once
// Checkpoints of the trial-plasticity study (internal to config/): the rate engine's dynamic state
// (rates, noise, weights, Poisson-kick countdowns, step counter) and the protocol's results so far,
// in <run>/checkpoint (io/checkpoint.hpp, replaced atomically). A sweep killed mid-way resumes with
// `einet run FILE --out DIR --resume` and ends bit-identical to an uninterrupted run.
#include <filesystem>

#include "einet/engine/rate_engine.hpp"
#include "einet/plasticity/rate_protocols.hpp"

namespace einet::config {

void save_trial_checkpoint(const std::filesystem::path& dir, const engine::rate_engine& eng,
                           const plasticity::trial_results& res);
// Restores the engine and returns the results so far; throws io_error when the checkpoint does not
// fit the engine (sizes).
plasticity::trial_results restore_trial_checkpoint(const std::filesystem::path& dir, engine::rate_engine& eng);

}  // namespace einet::config
