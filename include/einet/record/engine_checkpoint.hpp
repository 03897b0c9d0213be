#pragma once
// Checkpoint and resume of a spiking run: the engine's snapshot (all dynamic state, delay rings
// included; noise is a function of the step, so no generator state is needed) and the state of
// named recorders and guards, in an io/checkpoint directory. The header records the step, time,
// seed, dt and a fingerprint of the network; restoring into an engine whose network or seed
// differ is refused with a message saying what differs. Restoring into a fresh engine built
// from the same network and seed, with fresh recorders, continues the run bit-identically.
//
// Array names in the directory: "engine/<name>" and "<part>/<name>".
#include <filesystem>
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/record/checkpointable.hpp"

namespace einet::record {

struct checkpoint_part {
    std::string name;  // e.g. "spikes", "traces", "guard"; non-empty, no '/'
    checkpointable* part = nullptr;
};

void save_checkpoint(const std::filesystem::path& dir, const engine::spiking_engine& eng,
                     const std::vector<checkpoint_part>& parts = {});
// Throws config_error when the checkpoint belongs to another network or seed, or lacks a part.
void restore_checkpoint(const std::filesystem::path& dir, engine::spiking_engine& eng,
                        const std::vector<checkpoint_part>& parts = {});

// FNV-1a (64 bit, hex) over everything that defines the network: populations and their
// parameters, receptors, synapses (targets, weights, delays), inputs, dt and the integrator.
std::string network_fingerprint(const network::spiking_network& net);
// "E 3200, I 800; 4 projections, 320000 synapses; dt 0.1 ms" (for messages).
std::string network_summary(const network::spiking_network& net);

}  // namespace einet::record
