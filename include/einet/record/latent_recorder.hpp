#pragma once
// Records latent readouts y = D·r (network/latent_readout.hpp) after every step, from t = 0.
#include <cstdint>
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/network/latent_readout.hpp"
#include "einet/record/recorded_array.hpp"

namespace einet::record {

using network::latent_readout;

class latent_recorder final : public engine::spike_hook {
public:
    // Throws config_error naming the readout when the decoders do not fit its population.
    latent_recorder(const engine::spiking_engine& eng, std::vector<latent_readout> readouts);
    void on_step(engine::spiking_engine& eng) override;
    bool reads_state(std::uint64_t) const override { return false; }  // spikes and the clock only

    std::size_t samples() const { return samples_; }
    // [sample][rank] values of readout k.
    const std::vector<double>& values(std::size_t k) const { return state_[k].y_trace; }
    const latent_readout& readout(std::size_t k) const { return readouts_[k]; }
    std::size_t size() const { return readouts_.size(); }
    // "latent_<name>" (samples × rank) for every readout.
    std::vector<recorded_array> arrays() const;

private:
    struct state {
        std::vector<double> y, G;       // current latent and exponential-kernel state (rank)
        std::vector<double> pulse_ring;  // pulse_steps × rank: latent increments still spreading
        std::size_t pulse_pos = 0;
        std::vector<double> y_trace;
    };
    std::vector<latent_readout> readouts_;
    std::vector<state> state_;
    std::vector<double> z_;  // scratch
    double dt_ = 0.0;
    std::size_t samples_ = 0;
};

}  // namespace einet::record
