#include "einet/config/spiking_study.hpp"

#include <chrono>

#include "einet/config/spiking_setup.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/record/progress_hook.hpp"
#include "spiking_checkpoint.hpp"
#include "spiking_recording.hpp"
#include "spiking_summary.hpp"

namespace einet::config {

study_output run_spiking_study(const resolved_config& cfg, network::spiking_network net_in, io::run_directory& dir,
                               const run_options& opt) {
    engine::spiking_engine eng(std::move(net_in), static_cast<std::uint64_t>(cfg.integer("run.seed")));
    const bool write_spikes = cfg.boolean("record.spikes");
    if (opt.resume) remove_interrupted_leftovers(dir.path());
    spiking_recording rec(cfg, eng, write_spikes ? dir.path() / "spikes.h5" : std::filesystem::path());
    if (opt.resume) {
        record::restore_checkpoint(checkpoint_dir(dir.path()), eng, rec.checkpoint_parts());
        dir.manifest()["resumed_from_ms"] = eng.time();
    }

    const std::size_t total_steps = steps_of(cfg, "run.duration");
    // Checkpoints fall on multiples of the interval from t = 0, however often the run resumed.
    const std::size_t checkpoint_steps = cfg.has("run.checkpoint_interval") ? steps_of(cfg, "run.checkpoint_interval") : 0;
    record::progress_hook progress(eng, total_steps - eng.step(), opt.progress_mode);
    record::hook_list hooks{&rec.hooks(), &progress};

    study_output out;
    std::size_t checkpoints_written = 0;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        while (eng.step() < total_steps) {
            const std::size_t next_stop =
                checkpoint_steps ? std::min(total_steps, (eng.step() / checkpoint_steps + 1) * checkpoint_steps) : total_steps;
            eng.run(next_stop - eng.step(), &hooks, opt.threads);
            if (next_stop < total_steps) {
                record::save_checkpoint(checkpoint_dir(dir.path()), eng, rec.checkpoint_parts());
                interrupt_if_testing(++checkpoints_written);
            }
        }
    } catch (const numerical_error& e) {
        // The guard or the engine's non-finite check: everything up to that step is recorded.
        out.failure = e.what();
    }
    progress.finish(eng);
    const double run_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    rec.spikes.close();
    if (write_spikes) dir.manifest()["spike_file"] = "spikes.h5";
    rec.write_arrays(dir, eng.network());
    out.summary = spiking_summary(cfg, eng.network(), rec, eng.time());
    out.summary["run_wall_s"] = run_wall_s;
    out.summary["threads_used"] = eng.threads_used();  // fewer than --threads on small networks or a crowded machine
    // A complete run needs no checkpoint; a failed one keeps it (the state before the failure).
    if (out.failure.empty()) std::filesystem::remove_all(checkpoint_dir(dir.path()));
    return out;
}

}  // namespace einet::config
