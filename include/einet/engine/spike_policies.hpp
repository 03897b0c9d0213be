#pragma once
// Spike policies of paper 000 (spiking_engine.hpp step 3; spec 000 §2.3–2.4): which threshold
// crossings of a step become spikes.
#include <cstdint>
#include <vector>

#include "einet/engine/spiking_engine.hpp"

namespace einet::engine {

// At most one spike per step in the whole network (spec 000 §2.3, Mode A). Populations are served
// in priority order (lower first): the first priority level with any crossing gets the spike, and
// inside it the crossing with the largest V − V_th fires (ties: lowest population index, then
// lowest id — NumPy's argmax). Equal priorities: one argmax over the network.
class one_spike_per_step final : public spike_policy {
public:
    explicit one_spike_per_step(std::vector<int> priority) : priority_(std::move(priority)) {}
    // "Inhibition fires first" (paper 000 §2.6, Appendix G): inhibitory populations before excitatory ones.
    static one_spike_per_step inhibition_first(const network::spiking_network& net);
    void select(const spiking_engine& engine, std::vector<std::vector<std::uint32_t>>& candidates) override;

private:
    std::vector<int> priority_;  // per population
};

// Every crossing spikes unless its neuron fired fewer than `steps` steps ago; V keeps integrating
// meanwhile (spec 000 §2.4, Modes B/C: the reference's counter — set to k at a spike, decremented
// every step, spiking allowed at ≤ 0, starting at 1 — so nobody fires in the first step of a run).
// Unlike the LIF t_ref (V frozen at V_reset), this only gates spikes. The last spike steps are
// policy state, carried in the engine's snapshot ("policy/last_spike/<population>").
class refractory_gate final : public spike_policy {
public:
    // steps[p]: int(t_ref/dt) of population p (0: no refractoriness).
    refractory_gate(const network::spiking_network& net, std::vector<std::int32_t> steps);
    void select(const spiking_engine& engine, std::vector<std::vector<std::uint32_t>>& candidates) override;
    std::vector<state_array> snapshot() const override;
    void restore(const std::vector<state_array>& state) override;

private:
    std::vector<std::int32_t> steps_;
    std::vector<std::string> names_;  // population names (snapshot array names)
    std::vector<std::vector<std::uint64_t>> last_;  // per population and neuron: step of the last spike (0: none)
};

}  // namespace einet::engine
