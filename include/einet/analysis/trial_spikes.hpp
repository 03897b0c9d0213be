#pragma once
// The spikes of one trial of a spiking engine, per population (time in ms from the engine's
// time origin, neuron id), for protocols that analyse every trial (001 §5.5) and then discard it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::analysis {

class trial_spikes final : public engine::spike_hook {
public:
    explicit trial_spikes(const network::spiking_network& net);
    // Also sample V of the first `neurons` units of every population every `every_steps` steps
    // (0 neurons: none).
    void sample_voltages(std::size_t neurons, std::size_t every_steps);
    void clear();
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t step) const override { return v_neurons > 0 && step % v_every == 0; }  // V samples only
    spike_train_view view(std::size_t pop) const;
    // Population rate (Hz per neuron) in bins of `bin_ms` over [0, t_stop_ms) (spikes at t_stop
    // fall into the last bin, as the Up-state detector counts them).
    std::vector<double> psth(std::size_t pop, double t_stop_ms, double bin_ms) const;

    std::vector<std::vector<double>> times;         // [pop][spike] ms
    std::vector<std::vector<std::uint64_t>> ids;    // [pop][spike]
    std::vector<std::size_t> sizes;                 // neurons per population
    std::vector<std::vector<double>> V;              // [pop][sample * k + neuron] mV
    std::size_t v_neurons = 0, v_every = 10;
};

// A seed for trial `trial` of a protocol run with `seed`: fresh noise every trial, the same for
// the same (seed, trial) (splitmix64 of the pair).
std::uint64_t trial_seed(std::uint64_t seed, std::uint64_t trial);

}  // namespace einet::analysis
