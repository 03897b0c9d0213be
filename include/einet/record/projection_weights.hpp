#pragma once
// Weights on demand: the synapses of one projection as four arrays of equal length, in the
// table's order (by source, then target) — "<name>_sources", "<name>_targets" (ids within the
// pre- and postsynaptic populations), "<name>_weights" (magnitudes as stored; the sign is the
// presynaptic population's) and "<name>_delays_ms".
#include <filesystem>
#include <string>
#include <vector>

#include "einet/network/spiking_network.hpp"
#include "einet/record/recorded_array.hpp"

namespace einet::record {

// `name` empty: "weights_<pre>_<post>_<receptor>".
std::vector<recorded_array> projection_arrays(const network::spiking_network& net, std::size_t projection,
                                              std::string name = {});
// The same arrays as <dir>/<name>_*.npy.
void write_projection_weights(const std::filesystem::path& dir, const network::spiking_network& net,
                              std::size_t projection, const std::string& name = {});

}  // namespace einet::record
