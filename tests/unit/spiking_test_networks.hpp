#pragma once
// Small E/I test networks shared by the engine, recorder and checkpoint tests.
#include <cstdint>
#include <vector>

#include "einet/network/connectivity.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet_test {

// Projections between populations 0 (E) and 1 (I) of `net` in every direction, each landing in
// the target's receptor with the index of its source: fixed probability p (no autapses within a
// population), weights N(mean, (0.2·mean)²) clipped at 0 with means mean_w[pre][post], delays
// uniform in [1, max_delay[pre]] steps; projection ids 0..3 in (pre, post) order.
inline void connect_e_and_i(einet::network::spiking_network& net, double p, const double (&mean_w)[2][2],
                            const std::uint32_t (&max_delay)[2], std::uint64_t seed) {
    using namespace einet;
    std::uint32_t id = 0;
    for (std::size_t pre = 0; pre < 2; ++pre) {
        for (std::size_t post = 0; post < 2; ++post, ++id) {
            network::spiking_projection pr;
            pr.pre = pre;
            pr.post = post;
            pr.receptor = pre;
            pr.synapses = network::fixed_probability(net.populations[pre].n, net.populations[post].n, p, pre != post, seed, id);
            network::initialise_weights(pr.synapses, network::weight_distribution::normal_cv(mean_w[pre][post], 0.2), seed, id);
            network::initialise_delays(pr.synapses, network::delay_distribution::uniform_steps(1, max_delay[pre]), seed, id);
            net.projections.push_back(std::move(pr));
        }
    }
}

// A small noisy E/I network for the recorder and checkpoint tests: receptor current noise,
// membrane noise, adaptation in E, recurrent synapses with delays of 1–10 steps, Poisson input.
inline einet::network::spiking_network noisy_ei_network(std::size_t n_e = 80, std::size_t n_i = 20) {
    using namespace einet;
    using network::kinetics;
    network::spiking_network net;
    net.dt = 0.1;
    net.method = network::integrator::exact;
    auto e = network::spiking_population::uniform("E", n_e, true, 20.0, 0.0, 20.0, 10.0, 2.0, 1.0, 17.0);
    auto i = network::spiking_population::uniform("I", n_i, false, 10.0, 0.0, 20.0, 10.0, 1.0, 1.0, 17.0);
    for (auto* p : {&e, &i}) {
        p->receptors = {{"E", kinetics::exponential, 5.0, 2.0}, {"I", kinetics::exponential, 10.0, 0.0}};
        p->lif.sigma_V.assign(p->n, 2.0);
        for (std::size_t k = 0; k < p->n; ++k) p->V0[k] = 0.2 * static_cast<double>(k % 97);
    }
    e.lif.adapt_jump.assign(n_e, 0.5);
    e.lif.tau_adapt = 100.0;
    net.populations = {e, i};
    connect_e_and_i(net, 0.2, {{0.6, 0.6}, {2.0, 2.0}}, {10, 10}, 5);
    network::poisson_input in;
    in.population = 0;
    in.receptor = 0;
    in.rate_hz = 200.0;
    in.sources = 5;
    in.weight = 0.5;
    net.inputs.poisson.push_back(in);
    return net;
}

}  // namespace einet_test
