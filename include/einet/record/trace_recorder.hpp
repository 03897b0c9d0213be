#pragma once
// State traces of chosen neurons: V, the current of a receptor ("I_" + receptor name, e.g. "I_E",
// signed as it enters the membrane equation) and the adaptation current "I_a" (unless a receptor
// is named "a", whose current it then is), sampled after
// every step whose index is a multiple of `decimation` (time = step·dt). Samples therefore lie on
// one grid however a run is split into segments or resumed from a checkpoint.
//
// Memory: 8 bytes per sample per (neuron, variable) asked for, plus 8 per sample for the time;
// nothing else grows with the run. Arrays are time-major: trace[sample * neurons + k] is the k-th
// requested neuron.
#include <cstdint>
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/record/checkpointable.hpp"
#include "einet/record/recorded_array.hpp"

namespace einet::record {

struct trace_request {
    std::string population;
    std::vector<std::uint32_t> neurons;  // ids within the population, in the order the arrays keep
    std::vector<std::string> variables;  // "V", "I_<receptor>", "I_a"
};

class trace_recorder final : public engine::spike_hook, public checkpointable {
public:
    // Throws config_error naming the request for an unknown population, neuron or variable (a
    // delta receptor has no current; "I_a" needs an adaptive population), or a repeated variable.
    // `expected_steps` > 0 reserves the memory of that many steps up front.
    trace_recorder(const engine::spiking_engine& eng, std::vector<trace_request> requests, std::size_t decimation,
                   std::size_t expected_steps = 0);
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t step) const override { return step % decimation_ == 0; }  // only sampled steps

    std::size_t samples() const { return t_.size(); }
    const std::vector<double>& times() const { return t_; }  // ms
    // [sample][neuron] values of `variable` of `population`; config_error if it was not requested.
    const std::vector<double>& trace(const std::string& population, const std::string& variable) const;

    // "trace_t" (ms), and per population "trace_<pop>_neurons" and "trace_<pop>_<variable>" (samples × neurons).
    std::vector<recorded_array> arrays() const;

    std::vector<engine::state_array> save_state() const override;
    void restore_state(const std::vector<engine::state_array>& state) override;

private:
    enum class source { membrane, receptor, adaptation };
    struct channel {
        std::size_t pop = 0, receptor = 0;
        source from = source::membrane;
        std::string population, variable, unit;
        std::size_t request = 0;  // index into requests_ (its neuron list)
        std::vector<double> values;
    };
    const double* state_of(const engine::spiking_engine& eng, const channel& c) const;
    const std::vector<std::uint32_t>& neurons(const channel& c) const { return requests_[c.request].neurons; }

    std::vector<trace_request> requests_;
    std::size_t decimation_;
    std::vector<double> t_;
    std::vector<channel> channels_;
};

}  // namespace einet::record
