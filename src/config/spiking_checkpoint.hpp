#pragma once
// Checkpoints of the spiking study in its run directory, and resuming from them (internal to
// config/). <run>/checkpoint holds the engine snapshot and the state of every recorder and the
// guard (record/engine_checkpoint.hpp); it is replaced atomically every run.checkpoint_interval
// of simulated time (at multiples of it from t = 0, so a resumed run checkpoints at the same
// steps) and removed when the run completes. `einet run FILE --out DIR --resume` continues from
// it; the finished directory then holds the same spikes and arrays as an uninterrupted run.
#include <cstddef>
#include <filesystem>

#include "einet/config/config.hpp"

namespace einet::config {

std::filesystem::path checkpoint_dir(const std::filesystem::path& run_dir);

// Refuses (config_error) to resume into `run_dir` unless its config.toml equals the resolved
// configuration (the message shows the first line that differs) and it holds a checkpoint.
void check_resumable(const resolved_config& cfg, const std::filesystem::path& run_dir);

// Removes what an interrupted process left in `run_dir`: its temporary spike file and a
// half-written checkpoint (both carry the dead process's id, so they are never reused).
void remove_interrupted_leftovers(const std::filesystem::path& run_dir);

// Test hook: with EINET_TEST_INTERRUPT_AFTER_CHECKPOINT=n in the environment the process kills
// itself (SIGKILL, as a crash or a batch system would) right after writing its n-th checkpoint,
// so tests can interrupt a run at a known point without changing its configuration.
void interrupt_if_testing(std::size_t checkpoints_written);

}  // namespace einet::config
