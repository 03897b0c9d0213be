#include "spiking_recording.hpp"

#include <cmath>

#include "einet/config/spiking_setup.hpp"
#include "einet/record/projection_weights.hpp"
#include "einet/record/recorded_array.hpp"

namespace einet::config {

namespace {

// V of the first `k` neurons of every population.
std::vector<record::trace_request> first_neurons(const network::spiking_network& net, std::size_t k) {
    std::vector<record::trace_request> requests;
    for (const auto& pop : net.populations) {
        record::trace_request r{pop.name, {}, {"V"}};
        for (std::uint32_t i = 0; i < std::min<std::size_t>(k, pop.n); ++i) r.neurons.push_back(i);
        requests.push_back(std::move(r));
    }
    return requests;
}

// The arrays spike_times_<pop> and spike_ids_<pop> (time order, ids ascending within a step).
std::vector<record::recorded_array> spike_arrays(const record::spike_recorder& spikes, const network::spiking_network& net) {
    std::vector<record::recorded_array> out;
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const auto& name = net.populations[p].name;
        const std::size_t n = spikes.times(p).size();
        out.push_back({{"spike_times_" + name, {n}, "spike", "ms", "spike times of " + name + " (time order)"}, spikes.times(p)});
        out.push_back({{"spike_ids_" + name, {n}, "spike", "", "neuron ids (0-based) of the spikes of " + name},
                       std::vector<double>(spikes.ids(p).begin(), spikes.ids(p).end())});
    }
    return out;
}

}  // namespace

spiking_recording::spiking_recording(const resolved_config& cfg, const engine::spiking_engine& eng,
                                     const std::filesystem::path& spike_file)
    : spikes(eng, spike_file),
      rates(eng, steps_of(cfg, "record.rate_bin"), steps_of(cfg, "run.duration")),
      weights_(cfg.boolean("record.weights")) {
    const std::size_t total_steps = steps_of(cfg, "run.duration");
    const std::size_t sample_steps = std::max<std::size_t>(1, steps_of(cfg, "record.trace_every"));
    if (const auto k = static_cast<std::size_t>(cfg.integer("record.trace_neurons")); k > 0)
        traces.emplace(eng, first_neurons(eng.network(), k), sample_steps, total_steps);
    if (cfg.boolean("record.currents")) currents.emplace(eng, sample_steps, total_steps);
    if (const double max_rate = cfg.quantity("run.max_rate"); std::isfinite(max_rate))
        guard.emplace(eng, max_rate, cfg.quantity("record.rate_bin"), "run.max_rate");

    hooks_.add(&spikes);
    hooks_.add(&rates);
    if (traces) hooks_.add(&*traces);
    if (currents) hooks_.add(&*currents);
    if (guard) hooks_.add(&*guard);
}

std::vector<record::checkpoint_part> spiking_recording::checkpoint_parts() {
    std::vector<record::checkpoint_part> parts{{"spikes", &spikes}, {"rates", &rates}};
    if (traces) parts.push_back({"traces", &*traces});
    if (currents) parts.push_back({"currents", &*currents});
    if (guard) parts.push_back({"guard", &*guard});
    return parts;
}

void spiking_recording::write_arrays(io::run_directory& dir, const network::spiking_network& net) const {
    record::write_arrays(dir, spike_arrays(spikes, net));
    record::write_arrays(dir, rates.arrays());
    if (traces) record::write_arrays(dir, traces->arrays());
    if (currents) record::write_arrays(dir, currents->arrays());
    if (weights_)
        for (std::size_t i = 0; i < net.projections.size(); ++i) record::write_arrays(dir, record::projection_arrays(net, i));
}

}  // namespace einet::config
