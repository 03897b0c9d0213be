#pragma once
// What [record] and run.max_rate ask of a spiking run, built from the library's recorders and
// guard (internal to config/): spikes (memory, and spikes.h5 when record.spikes), binned rates,
// V traces of the first record.trace_neurons neurons, population-mean E/I currents
// (record.currents) and the runaway guard. One object serves the run (as a hook list in the step
// order: recorders, then the guard), checkpoints (as named parts) and the run directory (arrays).
#include <filesystem>
#include <optional>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/io/run_directory.hpp"
#include "einet/record/engine_checkpoint.hpp"
#include "einet/record/ei_current_recorder.hpp"
#include "einet/record/hook_list.hpp"
#include "einet/record/rate_guard.hpp"
#include "einet/record/rate_recorder.hpp"
#include "einet/record/spike_recorder.hpp"
#include "einet/record/trace_recorder.hpp"

namespace einet::config {

class spiking_recording {
public:
    // The engine must stand at step 0 (recorders bin from there; a resumed run restores them).
    spiking_recording(const resolved_config& cfg, const engine::spiking_engine& eng, const std::filesystem::path& spike_file);
    spiking_recording(const spiking_recording&) = delete;  // the hook list points into this object
    spiking_recording& operator=(const spiking_recording&) = delete;

    // Recorders, then the guard: a guard that stops the run finds the recorders holding its step.
    record::hook_list& hooks() { return hooks_; }
    // Everything a checkpoint must hold besides the engine.
    std::vector<record::checkpoint_part> checkpoint_parts();
    // Spike arrays, rates, traces, currents and — with record.weights — every projection's synapses.
    void write_arrays(io::run_directory& dir, const network::spiking_network& net) const;

    record::spike_recorder spikes;
    record::rate_recorder rates;
    std::optional<record::trace_recorder> traces;
    std::optional<record::ei_current_recorder> currents;
    std::optional<record::rate_guard> guard;

private:
    bool weights_;
    record::hook_list hooks_;
};

}  // namespace einet::config
