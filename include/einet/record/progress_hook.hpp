#pragma once
// Progress of a spiking run on stderr, in the conventions of core/progress.hpp (one rewriting
// line on a terminal, otherwise a line every `interval_s`; nothing in mode none): simulated time
// (ms done of the run's total, and ms simulated per wall second), wall time, ETA, and each
// population's mean rate per neuron since the previous report. Between reports a step costs one
// clock read and a spike count per population.
#include <cstdint>
#include <string>
#include <vector>

#include "einet/core/progress.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::record {

class progress_hook final : public engine::spike_hook {
public:
    // Reports on a run of `total_steps` steps starting at the engine's current step.
    progress_hook(const engine::spiking_engine& eng, std::size_t total_steps,
                  progress::mode mode = progress::mode::automatic, double interval_s = 10.0);
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t) const override { return false; }  // spikes and the clock only
    // The final line (also after a run stopped early, e.g. by a guard).
    void finish(const engine::spiking_engine& eng);

private:
    std::size_t ms_done(const engine::spiking_engine& eng) const;
    std::string rates_since_last_report(const engine::spiking_engine& eng);

    progress bar_;
    std::uint64_t start_step_, last_report_step_;
    std::vector<std::uint64_t> spikes_;  // per population, since the last report
};

}  // namespace einet::record
