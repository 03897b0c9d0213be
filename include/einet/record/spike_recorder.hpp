#pragma once
// Records the spikes of a spiking engine: in memory (per population, time-ordered with ids
// ascending within a step) and, optionally, appended to a SONATA spike file as the run goes.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/io/sonata.hpp"

namespace einet::record {

class spike_recorder final : public engine::spike_hook {
public:
    // `file` empty: memory only.
    spike_recorder(const engine::spiking_engine& eng, const std::filesystem::path& file = {});
    void on_step(engine::spiking_engine& eng) override;
    void close();  // finalises the SONATA file (atomic rename)

    const std::vector<double>& times(std::size_t pop) const { return t_[pop]; }
    const std::vector<std::uint64_t>& ids(std::size_t pop) const { return id_[pop]; }
    analysis::spike_train_view view(std::size_t pop) const;

private:
    std::vector<std::vector<double>> t_;
    std::vector<std::vector<std::uint64_t>> id_;
    std::vector<std::size_t> sizes_;
    std::unique_ptr<io::sonata_spike_writer> file_;
};

}  // namespace einet::record
