#pragma once
// Records the spikes of a spiking engine: in memory (per population, time-ordered with ids
// ascending within a step) and, optionally, appended to a SONATA spike file as the run goes.
//
// When a run stops with an exception (a guard's numerical_error), the recorder holds every spike
// up to the step that stopped it; flush() or close() then still write them (close() finalises
// the file under its name). For checkpoints the recorder saves its spikes; restoring them
// truncates the file to what it shares with the checkpoint and appends the rest, so a resumed
// run's file equals an uninterrupted run's.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/io/sonata.hpp"
#include "einet/record/checkpointable.hpp"

namespace einet::record {

class spike_recorder final : public engine::spike_hook, public checkpointable {
public:
    // `file` empty: memory only.
    spike_recorder(const engine::spiking_engine& eng, const std::filesystem::path& file = {});
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t) const override { return false; }  // spikes and the clock only
    void flush();  // makes the SONATA file readable mid-run (under its temporary name)
    void close();  // finalises the SONATA file (atomic rename); idempotent

    const std::vector<double>& times(std::size_t pop) const { return t_[pop]; }
    const std::vector<std::uint64_t>& ids(std::size_t pop) const { return id_[pop]; }
    analysis::spike_train_view view(std::size_t pop) const;

    std::vector<engine::state_array> save_state() const override;
    void restore_state(const std::vector<engine::state_array>& state) override;

private:
    std::vector<std::vector<double>> t_;
    std::vector<std::vector<std::uint64_t>> id_;
    std::vector<std::size_t> sizes_;
    std::unique_ptr<io::sonata_spike_writer> file_;
};

}  // namespace einet::record
