#pragma once
// The spiking engine: advances a spiking_network on a fixed grid of step dt.
//
// One step n (t_n → t_{n+1}), written once here and in spiking_engine.cpp:
//   1. neurons: for every neuron (threads own contiguous ranges), V advances from the receptor
//      states at t_n (explicit Euler–Maruyama, spec 003 Eq. 2.1, or the exact propagator of the
//      linear subthreshold system), unless refractory; then the receptors advance (EM, or exact
//      decay with exact OU noise); then V ≥ V_th is a spike at t_{n+1}: V ← V_reset, refractory.
//   2. spikes of each population are collected in ascending neuron order.
//   3. write-out: every spike adds its synapses' signed weights into the targets' delay ring at
//      slot (now + delay), in projection, source and target order (a fixed summation order).
//   4. delivery: the ring slot of t_{n+1} is added to the receptor states (delta kinetics: to V)
//      and cleared. A delay of 0 steps therefore acts on the next step's update, as Brian2's
//      default and spec 003 Eq. 2.4; a delay of d steps d steps later.
//   5. hooks (recorders, studies), then the guard (non-finite V stops the run, naming where).
// Noise is drawn from Philox streams keyed by (seed, population, receptor, neuron, step), so the
// spikes are bit-identical for any thread count.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "einet/core/aligned.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::engine {

class spiking_engine;

class spike_hook {
public:
    virtual ~spike_hook() = default;
    // Called after every step (after delivery); engine.spikes(p) holds that step's spikes.
    virtual void on_step(spiking_engine& engine) = 0;
};

class spiking_engine {
public:
    spiking_engine(network::spiking_network net, std::uint64_t seed);

    const network::spiking_network& network() const { return net_; }
    double dt() const { return net_.dt; }
    std::uint64_t step() const { return step_; }
    double time() const { return static_cast<double>(step_) * net_.dt; }  // ms

    // Advance `steps` steps on `threads` threads (0: all cores).
    void run(std::size_t steps, spike_hook* hook, int threads);
    // Fewer threads are used when a step has fewer than this many neurons per thread (the
    // per-step fork then costs more than it saves). Results never depend on it.
    void set_min_neurons_per_thread(std::size_t n) { min_neurons_per_thread_ = n; }

    double* V(std::size_t pop) { return V_[pop].data(); }
    const double* V(std::size_t pop) const { return V_[pop].data(); }
    double* receptor_state(std::size_t pop, std::size_t r) { return s_[pop][r].data(); }
    const double* receptor_state(std::size_t pop, std::size_t r) const { return s_[pop][r].data(); }
    // Ids (ascending) of the neurons of `pop` that spiked in the last step, at time().
    const std::vector<std::uint32_t>& spikes(std::size_t pop) const { return spiked_[pop]; }

private:
    void advance_neurons(std::size_t p, std::size_t i0, std::size_t i1, std::vector<std::uint32_t>& out);
    void refresh_noise(std::size_t p, std::size_t r, std::size_t i0, std::size_t i1);
    void write_out();
    void deliver();

    network::spiking_network net_;
    std::uint64_t seed_;
    std::uint64_t step_ = 0;
    std::size_t min_neurons_per_thread_ = 8192;
    std::vector<aligned_vector<double>> V_;
    std::vector<std::vector<aligned_vector<double>>> s_;           // [pop][receptor][neuron]
    std::vector<std::vector<aligned_vector<double>>> noise_;       // [pop][receptor][4 * neuron]
    std::vector<aligned_vector<std::int32_t>> refractory_left_;    // steps still refractory
    std::vector<std::vector<aligned_vector<double>>> ring_;        // [pop][receptor][slot * n + neuron]
    std::vector<std::vector<std::vector<std::vector<std::uint32_t>>>> touched_;  // [pop][receptor][slot] targets written
    std::vector<char> nonfinite_;                                  // per population: a non-finite V was seen
    std::vector<std::uint8_t> fired_;                              // scratch: spike flags, all populations
    std::vector<std::size_t> fired_offset_;                        // first flag of each population
    aligned_vector<double> zeros_;                                 // noise stand-in for noiseless receptors
    std::size_t ring_slots_ = 1, ring_now_ = 0;
    std::vector<std::vector<std::uint32_t>> spiked_;
    // Per-neuron step constants (exact: propagators; EM: dt/τ), [pop][neuron] and [pop][receptor][neuron].
    std::vector<aligned_vector<double>> v_decay_, v_drive_;
    std::vector<std::vector<aligned_vector<double>>> s_to_v_;
    std::vector<std::vector<double>> s_decay_, s_noise_amp_;          // [pop][receptor]
    std::vector<aligned_vector<std::int32_t>> ref_steps_;
};

}  // namespace einet::engine
