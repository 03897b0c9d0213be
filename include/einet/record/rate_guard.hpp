#pragma once
// Runaway-activity guard: stops a run when the mean rate per neuron of a population, over a
// sliding window of the last `window_ms` (rounded to whole steps), exceeds `limit_hz`. It throws numerical_error naming
// the population, the window's rate and the time the excess began; hooks before it in a
// hook_list (the recorders) already hold every step up to the one that tripped it.
//
// The window is checked once it is full. "Began" is the change point of a CUSUM of the excess
// counts (S ← max(0, S + spikes − limit·n·dt), restarted whenever S falls to 0): the time stamp of
// the first step of the excess stretch that ends at the detection, so a burst that starts at
// 50 ms is reported as beginning at 50 ms, not at the start of the window that first exceeded.
#include <cstdint>
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/record/checkpointable.hpp"

namespace einet::record {

class rate_guard final : public engine::spike_hook, public checkpointable {
public:
    // `limit_key` (e.g. "run.max_rate") is named in the message, so a user knows what to change.
    explicit rate_guard(const engine::spiking_engine& eng, double limit_hz = 1000.0, double window_ms = 10.0,
                        std::string limit_key = {});
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t) const override { return false; }  // spikes and the clock only

    std::size_t window_steps() const { return window_; }

    std::vector<engine::state_array> save_state() const override;
    void restore_state(const std::vector<engine::state_array>& state) override;

private:
    struct population {
        std::size_t n = 0;
        double limit_per_step = 0;           // spikes per step at the limit rate
        std::vector<std::uint32_t> counts;   // ring of the last window_ steps
        std::uint64_t in_window = 0;         // sum of counts
        double excess = 0;                   // CUSUM
        std::uint64_t excess_from = 0;       // first step of the current excess stretch
    };
    [[noreturn]] void fail(const engine::spiking_engine& eng, std::size_t p) const;

    double limit_hz_, dt_;
    std::string limit_key_;
    std::size_t window_;
    std::size_t seen_ = 0;  // steps observed, up to window_ (the window is full when equal)
    std::size_t slot_ = 0;  // ring position of the next step
    std::vector<population> pops_;
};

}  // namespace einet::record
