#include "einet/record/projection_weights.hpp"

#include "einet/core/error.hpp"

namespace einet::record {

std::vector<recorded_array> projection_arrays(const network::spiking_network& net, std::size_t projection,
                                              std::string name) {
    if (projection >= net.projections.size())
        throw config_error("weights: projection " + std::to_string(projection) + " out of range (the network has " +
                           std::to_string(net.projections.size()) + ")");
    const auto& pr = net.projections[projection];
    const auto& pre = net.populations[pr.pre];
    const auto& post = net.populations[pr.post];
    if (name.empty()) name = "weights_" + pre.name + "_" + post.name + "_" + post.receptors.at(pr.receptor).name;
    const auto& s = pr.synapses;
    const std::size_t m = s.size();
    std::vector<double> sources(m), targets(m), weights(m), delays(m);
    for (std::size_t i = 0; i < s.n_pre; ++i) {
        for (std::uint64_t k = s.row_begin(i); k < s.row_end(i); ++k) {
            sources[k] = static_cast<double>(i);
            targets[k] = static_cast<double>(s.target[k]);
            weights[k] = static_cast<double>(s.weight[k]);
            delays[k] = static_cast<double>(s.delay_steps[k]) * net.dt;
        }
    }
    const std::string what = " of projection " + pre.name + " → " + post.name;
    return {{{name + "_sources", {m}, "synapse", "", "presynaptic ids" + what}, std::move(sources)},
            {{name + "_targets", {m}, "synapse", "", "postsynaptic ids" + what}, std::move(targets)},
            {{name + "_weights", {m}, "synapse", "pA", "weight magnitudes" + what + " (sign of the presynaptic population)"},
             std::move(weights)},
            {{name + "_delays_ms", {m}, "synapse", "ms", "transmission delays" + what}, std::move(delays)}};
}

void write_projection_weights(const std::filesystem::path& dir, const network::spiking_network& net,
                              std::size_t projection, const std::string& name) {
    write_npy_files(dir, projection_arrays(net, projection, name));
}

}  // namespace einet::record
