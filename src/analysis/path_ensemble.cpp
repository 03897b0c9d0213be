#include "einet/analysis/path_ensemble.hpp"

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::analysis {

namespace {

template <class V>
V tiled(const V& v, std::size_t paths) {
    V out;
    out.reserve(v.size() * paths);
    for (std::size_t q = 0; q < paths; ++q) out.insert(out.end(), v.begin(), v.end());
    return out;
}

std::vector<std::uint32_t> tiled_ids(const std::vector<std::uint32_t>& ids, std::size_t n, std::size_t paths) {
    std::vector<std::uint32_t> out;
    if (ids.empty()) return out;  // empty = every neuron, in every path
    for (std::size_t q = 0; q < paths; ++q) {
        for (auto i : ids) out.push_back(static_cast<std::uint32_t>(q * n + i));
    }
    return out;
}

network::synapse_table block_diagonal(const network::synapse_table& t, std::size_t paths) {
    network::synapse_table out;
    out.n_pre = t.n_pre * paths;
    out.n_post = t.n_post * paths;
    out.row_ptr.resize(out.n_pre + 1);
    out.target.reserve(t.size() * paths);
    out.weight.reserve(t.size() * paths);
    out.delay_steps.reserve(t.size() * paths);
    out.row_ptr[0] = 0;
    for (std::size_t q = 0; q < paths; ++q) {
        for (std::size_t j = 0; j < t.n_pre; ++j) {
            for (auto k = t.row_begin(j); k < t.row_end(j); ++k) {
                out.target.push_back(static_cast<std::uint32_t>(q * t.n_post + t.target[k]));
                out.weight.push_back(t.weight[k]);
                out.delay_steps.push_back(t.delay_steps[k]);
            }
            out.row_ptr[q * t.n_pre + j + 1] = out.target.size();
        }
    }
    return out;
}

}  // namespace

network::spiking_network replicate_paths(const network::spiking_network& net, std::size_t paths) {
    if (paths == 0) throw config_error("paths: expected at least one path");
    std::uint64_t total = 0;
    for (const auto& pop : net.populations) total += pop.n;
    if (total * paths > 0xFFFFFFFFull) throw config_error("paths: neurons × paths exceeds 2^32 neuron ids");
    network::spiking_network out;
    out.dt = net.dt;
    out.method = net.method;
    for (const auto& pop : net.populations) {
        auto p = pop;
        p.n = pop.n * paths;
        auto& l = p.lif;
        for (auto* v : {&l.tau_m, &l.E_L, &l.V_th, &l.V_reset, &l.t_ref, &l.R, &l.I_e, &l.adapt_jump, &l.sigma_V}) *v = tiled(*v, paths);
        p.V0 = tiled(pop.V0, paths);
        out.populations.push_back(std::move(p));
    }
    for (const auto& pr : net.projections) {
        auto p = pr;
        p.synapses = block_diagonal(pr.synapses, paths);
        out.projections.push_back(std::move(p));
    }
    auto n_of = [&](std::size_t pop) { return net.populations[pop].n; };
    for (auto in : net.inputs.steps) {
        if (!in.neurons.empty()) in.neurons = tiled_ids(in.neurons, n_of(in.population), paths);
        out.inputs.steps.push_back(std::move(in));
    }
    for (auto in : net.inputs.poisson) {
        if (!in.neurons.empty()) in.neurons = tiled_ids(in.neurons, n_of(in.population), paths);
        out.inputs.poisson.push_back(std::move(in));
    }
    for (auto in : net.inputs.spikes) {
        if (!in.neurons.empty()) in.neurons = tiled_ids(in.neurons, n_of(in.population), paths);
        out.inputs.spikes.push_back(std::move(in));
    }
    return out;
}

void set_stationary_currents(engine::spiking_engine& engine, std::uint64_t seed) {
    const auto& net = engine.network();
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const auto& pop = net.populations[p];
        for (std::size_t r = 0; r < pop.receptors.size(); ++r) {
            const auto& rc = pop.receptors[r];
            if (rc.noise_sigma <= 0 || rc.kind != network::kinetics::exponential) continue;
            const double sd = rc.noise_sigma * std::sqrt(0.5 * rc.tau);
            double* s = engine.receptor_state(p, r);
            const std::uint64_t key = (static_cast<std::uint64_t>(p) << 32) | (0xC0FF00u + r);
            for (std::size_t i = 0; i < pop.n; ++i) {
                s[i] = sd * rng::normals4(seed, rng::purpose::parameters, static_cast<std::uint32_t>(i), key, 0)[0];
            }
        }
    }
}

path_layout::path_layout(const network::spiking_network& template_net) {
    for (const auto& pop : template_net.populations) {
        size.push_back(pop.n);
        offset.push_back(neurons);
        neurons += pop.n;
    }
}

}  // namespace einet::analysis
