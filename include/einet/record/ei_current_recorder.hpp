#pragma once
// Population-mean excitatory and inhibitory input currents per bin (of one or more steps).
//
// A receptor is excitatory when the projections that feed it come from excitatory populations,
// inhibitory when they come from inhibitory ones; a receptor fed only by external inputs
// (Poisson, spike generators) takes the sign of their weights. A receptor with inputs of both
// signs is refused (its current cannot be split). Delta receptors carry no current (their
// inputs jump V) and receptors nothing feeds are left out; tonic and step currents are not
// synaptic input and are not counted.
//
// Per step, for each population: E = mean over neurons of the sum of its excitatory receptors'
// currents, I = the same for the inhibitory ones (negative: signed as they enter the membrane
// equation); each bin holds the mean over its steps. Memory: 16 bytes per bin per population.
// Cost: one pass over the receptor states of every neuron each step.
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/record/checkpointable.hpp"
#include "einet/record/recorded_array.hpp"
#include "einet/record/step_bins.hpp"

namespace einet::record {

enum class receptor_sign { none, excitatory, inhibitory };

// Per population, per receptor (rules above). Throws config_error naming a receptor fed with
// both signs.
std::vector<std::vector<receptor_sign>> receptor_signs(const network::spiking_network& net);

class ei_current_recorder final : public engine::spike_hook, public checkpointable {
public:
    ei_current_recorder(const engine::spiking_engine& eng, std::size_t bin_steps, std::size_t expected_steps = 0);
    void on_step(engine::spiking_engine& eng) override;

    std::size_t steps_per_bin() const { return bins_.steps_per_bin(); }
    std::size_t complete_bins() const { return bins_.complete(); }
    // Bin means (complete bins only) of the population-mean E or I current of `pop`.
    std::vector<double> excitatory(std::size_t pop) const { return bin_means(e_sum_[pop]); }
    std::vector<double> inhibitory(std::size_t pop) const { return bin_means(i_sum_[pop]); }

    // "current_t" (bin start, ms), per population "current_<pop>_E" and "current_<pop>_I".
    std::vector<recorded_array> arrays() const;

    std::vector<engine::state_array> save_state() const override;
    void restore_state(const std::vector<engine::state_array>& state) override;

private:
    std::vector<double> bin_means(const std::vector<double>& sums) const;

    double dt_;
    step_bins bins_;
    std::vector<std::string> names_;
    std::vector<std::vector<receptor_sign>> signs_;
    std::vector<std::vector<double>> e_sum_, i_sum_;  // per population, per bin: Σ over steps of the mean
};

}  // namespace einet::record
