#include "trained_network.hpp"

#include <toml++/toml.h>

#include <sstream>
#include <string>

#include "einet/core/error.hpp"

namespace einet::config {

void write_trained_network(const resolved_config& cfg, const network::spiking_network& net, io::run_directory& dir) {
    toml::table doc = toml::parse(cfg.to_toml(), cfg.source());
    auto* projections = doc["projections"].as_array();
    if (!projections || projections->size() != net.projections.size()) {
        throw config_error("training.save_network: the configuration's projections do not match the network's");
    }
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const auto& pr = net.projections[q];
        const auto& syn = pr.synapses;
        const std::size_t n = syn.size();
        std::vector<double> src(n), tgt(n), w(n), d(n);
        for (std::size_t j = 0; j < syn.n_pre; ++j) {
            for (auto k = syn.row_begin(j); k < syn.row_end(j); ++k) src[k] = static_cast<double>(j);
        }
        for (std::size_t k = 0; k < n; ++k) {
            tgt[k] = syn.target[k];
            w[k] = syn.weight[k];  // float → double exactly; from_file rounds it back to the same float
            d[k] = syn.delay_steps[k] * net.dt;  // ms on the step grid; from_file rounds back to the same step
        }
        // Weights are stored in the unit the engine adds per event: mV for delta receptors, else pA.
        const bool delta = net.populations[pr.post].receptors[pr.receptor].kind == network::kinetics::delta;
        const std::string stem = "trained_projection" + std::to_string(q) + "_";
        const std::string what = "projection " + std::to_string(q) + " (" + net.populations[pr.pre].name + " -> " +
                                 net.populations[pr.post].name + ") after training, from_file-ready";
        dir.write_array({stem + "sources", {n}, "synapse", "", "presynaptic ids of " + what}, src);
        dir.write_array({stem + "targets", {n}, "synapse", "", "postsynaptic ids of " + what}, tgt);
        dir.write_array({stem + "weights", {n}, "synapse", delta ? "mV" : "pA", "weight magnitudes of " + what}, w);
        dir.write_array({stem + "delays", {n}, "synapse", "ms", "delays of " + what}, d);

        auto& t = *(*projections)[q].as_table();
        for (const char* key : {"p", "indegree", "autapses", "weight", "delay", "sweep_means"}) t.erase(key);
        t.insert_or_assign("connectivity", "from_file");
        t.insert_or_assign("sources", "arrays/" + stem + "sources.npy");
        t.insert_or_assign("targets", "arrays/" + stem + "targets.npy");
        t.insert_or_assign("weights", "arrays/" + stem + "weights.npy");
        t.insert_or_assign("weights_unit", delta ? "mV" : "pA");
        t.insert_or_assign("delays", "arrays/" + stem + "delays.npy");
    }
    auto* training = doc["training"].as_table();
    training->insert_or_assign("trials", 0);
    training->insert_or_assign("save_network", false);

    std::ostringstream text;
    text << "# The trained network of the run in this directory (training.save_network): its projections\n"
            "# from the arrays/trained_projection*.npy files, training.trials = 0 (the analyses only).\n"
         << toml::toml_formatter(doc) << "\n";
    const auto path = (dir.path() / trained_network_file).string();
    load(text.str(), path, {});  // must load as written; throws config_error naming the key otherwise
    dir.write_text(trained_network_file, text.str());
}

}  // namespace einet::config
