#include "einet/engine/spike_policies.hpp"

#include <algorithm>
#include <limits>

#include "einet/core/error.hpp"

namespace einet::engine {

one_spike_per_step one_spike_per_step::inhibition_first(const network::spiking_network& net) {
    std::vector<int> priority;
    for (const auto& pop : net.populations) priority.push_back(pop.excitatory ? 1 : 0);
    return one_spike_per_step(std::move(priority));
}

void one_spike_per_step::select(const spiking_engine& engine, std::vector<std::vector<std::uint32_t>>& candidates) {
    const auto& pops = engine.network().populations;
    if (priority_.size() != pops.size()) throw internal_error("one_spike_per_step: one priority per population expected");
    int best_level = std::numeric_limits<int>::max();
    for (std::size_t p = 0; p < pops.size(); ++p) {
        if (!candidates[p].empty()) best_level = std::min(best_level, priority_[p]);
    }
    std::size_t best_pop = pops.size();
    std::uint32_t best_id = 0;
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t p = 0; p < pops.size(); ++p) {
        if (priority_[p] != best_level) continue;
        const double* V = engine.V(p);
        for (auto i : candidates[p]) {  // ascending ids: strict > keeps the first of equal values
            const double above = V[i] - pops[p].lif.V_th[i];
            if (best_pop == pops.size() || above > best) {
                best = above;
                best_pop = p;
                best_id = i;
            }
        }
    }
    for (std::size_t p = 0; p < pops.size(); ++p) {
        candidates[p].clear();
        if (p == best_pop) candidates[p].push_back(best_id);
    }
}

refractory_gate::refractory_gate(const network::spiking_network& net, std::vector<std::int32_t> steps) : steps_(std::move(steps)) {
    if (steps_.size() != net.populations.size()) throw internal_error("refractory_gate: one step count per population expected");
    for (const auto& pop : net.populations) {
        last_.emplace_back(pop.n, 0);
        names_.push_back(pop.name);
    }
}

std::vector<state_array> refractory_gate::snapshot() const {
    std::vector<state_array> out;
    for (std::size_t p = 0; p < last_.size(); ++p) {
        out.push_back({"last_spike/" + names_[p], {last_[p].begin(), last_[p].end()}});  // steps < 2^53: exact
    }
    return out;
}

void refractory_gate::restore(const std::vector<state_array>& state) {
    for (std::size_t p = 0; p < last_.size(); ++p) {
        const std::string name = "last_spike/" + names_[p];
        auto it = std::find_if(state.begin(), state.end(), [&](const state_array& a) { return a.name == name; });
        if (it == state.end() || it->values.size() != last_[p].size()) {
            throw config_error("checkpoint: array policy/" + name + " is missing or has the wrong size (a snapshot of a run "
                               "without the refractory spike policy?)");
        }
        for (std::size_t i = 0; i < last_[p].size(); ++i) last_[p][i] = static_cast<std::uint64_t>(it->values[i]);
    }
}

void refractory_gate::select(const spiking_engine& engine, std::vector<std::vector<std::uint32_t>>& candidates) {
    const std::uint64_t now = engine.step();  // the crossings' time stamp: 1 in the first step
    for (std::size_t p = 0; p < last_.size(); ++p) {
        auto& last = last_[p];
        std::vector<std::uint32_t> kept;
        for (auto i : candidates[p]) {
            // The counter is k − (now − last) after a spike at `last`, 1 before the first step.
            const bool blocked = now <= 1 || (last[i] > 0 && now - last[i] < static_cast<std::uint64_t>(std::max(steps_[p], 0)));
            if (!blocked) kept.push_back(i);
        }
        for (auto i : kept) last[i] = now;
        candidates[p] = std::move(kept);
    }
}

}  // namespace einet::engine
