#pragma once
// Time bins of a whole number of steps, aligned to step 0, shared by the binned recorders. Bin b
// holds steps b·k+1 … (b+1)·k: the spikes stamped in (b·w, (b+1)·w] (w = k·dt) and the states
// after those steps. Aligning to step 0 rather than to the recorder's start keeps the bins of a
// run split into segments, or resumed from a checkpoint, identical to those of one long run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"

namespace einet::record {

class step_bins {
public:
    // Starts after step `start_step`, which must be a bin boundary (config_error naming `owner`).
    step_bins(std::size_t steps_per_bin, std::uint64_t start_step, const std::string& owner);

    std::size_t steps_per_bin() const { return k_; }
    // Position (0 = first bin of this recorder) of the bin holding step `s`; remembers s as the
    // latest step seen. A step before the recorder's start (an engine rolled back to an earlier
    // checkpoint without restoring the recorder) throws internal_error.
    std::size_t enter(std::uint64_t s) {
        if (s <= first_bin_ * k_) before_start(s);
        last_step_ = s;
        return static_cast<std::size_t>((s - 1) / k_ - first_bin_);
    }
    // Bins whose every step has been seen.
    std::size_t complete() const { return static_cast<std::size_t>(last_step_ / k_ - first_bin_); }
    // Start times (ms) of the complete bins.
    std::vector<double> start_times_ms(double dt) const;

    std::vector<engine::state_array> save_state(const std::string& prefix) const;
    void restore_state(const std::vector<engine::state_array>& state, const std::string& prefix, const std::string& owner);

private:
    [[noreturn]] void before_start(std::uint64_t s) const;
    std::size_t k_;
    std::uint64_t first_bin_, last_step_;
};

}  // namespace einet::record
