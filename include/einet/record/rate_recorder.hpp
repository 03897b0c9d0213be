#pragma once
// Binned population rates: exact spike counts per population in bins of a whole number of steps
// (step_bins: bin b holds the spikes stamped in (b·w, (b+1)·w]), and the rate in Hz per neuron.
// Memory: 8 bytes per bin per population.
#include <cstdint>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/record/checkpointable.hpp"
#include "einet/record/recorded_array.hpp"
#include "einet/record/step_bins.hpp"

namespace einet::record {

class rate_recorder final : public engine::spike_hook, public checkpointable {
public:
    // Bins of `bin_steps` steps; the engine must stand at a bin boundary. `expected_steps` > 0
    // reserves memory for that many steps.
    rate_recorder(const engine::spiking_engine& eng, std::size_t bin_steps, std::size_t expected_steps = 0);
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t) const override { return false; }  // spikes and the clock only

    double bin_ms() const { return static_cast<double>(bins_.steps_per_bin()) * dt_; }
    std::size_t complete_bins() const { return bins_.complete(); }
    // Spike counts of the complete bins (and of the bin in progress, if any, at the end).
    const std::vector<std::uint64_t>& counts(std::size_t pop) const { return counts_[pop]; }
    // Mean rate per neuron (Hz) in each complete bin.
    std::vector<double> rate_hz(std::size_t pop) const;

    // "rate_t" (bin start times, ms), per population "rate_<pop>" (Hz) and "rate_<pop>_count".
    // Complete bins only.
    std::vector<recorded_array> arrays() const;

    std::vector<engine::state_array> save_state() const override;
    void restore_state(const std::vector<engine::state_array>& state) override;

private:
    double dt_;
    step_bins bins_;
    std::vector<std::string> names_;
    std::vector<std::size_t> sizes_;
    std::vector<std::vector<std::uint64_t>> counts_;
};

}  // namespace einet::record
