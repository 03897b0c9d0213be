#include "einet/record/step_bins.hpp"

#include "einet/core/error.hpp"
#include "einet/record/checkpointable.hpp"

namespace einet::record {

step_bins::step_bins(std::size_t steps_per_bin, std::uint64_t start_step, const std::string& owner)
    : k_(steps_per_bin), first_bin_(0), last_step_(start_step) {
    if (k_ == 0) throw config_error(owner + ": the bin must be at least one step");
    if (start_step % k_ != 0)
        throw config_error(owner + ": starts at step " + std::to_string(start_step) +
                           ", not at a bin boundary (a multiple of " + std::to_string(k_) + " steps)");
    first_bin_ = start_step / k_;
}

void step_bins::before_start(std::uint64_t s) const {
    throw internal_error("binned recorder: step " + std::to_string(s) + " precedes its first bin (steps from " +
                         std::to_string(first_bin_ * k_ + 1) + "); restore the recorder with the engine");
}

std::vector<double> step_bins::start_times_ms(double dt) const {
    std::vector<double> t(complete());
    for (std::size_t b = 0; b < t.size(); ++b) t[b] = static_cast<double>((first_bin_ + b) * k_) * dt;
    return t;
}

std::vector<engine::state_array> step_bins::save_state(const std::string& prefix) const {
    return {{prefix + "steps_per_bin", {static_cast<double>(k_)}},
            {prefix + "first_bin", {static_cast<double>(first_bin_)}},
            {prefix + "last_step", {static_cast<double>(last_step_)}}};
}

void step_bins::restore_state(const std::vector<engine::state_array>& state, const std::string& prefix,
                              const std::string& owner) {
    const double k = find_state(state, prefix + "steps_per_bin", owner, 1)[0];
    if (k != static_cast<double>(k_))
        throw config_error("checkpoint: " + owner + " was saved with bins of " + std::to_string(static_cast<std::uint64_t>(k)) + " steps, this one has " +
                           std::to_string(k_));
    first_bin_ = static_cast<std::uint64_t>(find_state(state, prefix + "first_bin", owner, 1)[0]);
    last_step_ = static_cast<std::uint64_t>(find_state(state, prefix + "last_step", owner, 1)[0]);
}

}  // namespace einet::record
