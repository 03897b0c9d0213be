// The Vogels–Abbott CUBA benchmark (Brette et al. 2007 #2; Brian2's examples/CUBA.py) on the
// spiking engine: 3200 E / 800 I current-based LIF, p = 0.02, exponential currents, exact
// integration. Usage: bench_cuba SECONDS THREADS REPEATS [NEURONS [PRECISION]] -> one JSON line per
// repeat. NEURONS scales the network (4:1 E/I) at a fixed 80 synapses per neuron (p = 80/NEURONS);
// PRECISION is float64 (default) or float32 (the engine's run.precision).
#include <string>
#include <cstdio>
#include <cstdlib>

#include "einet/core/rng.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "timed_engine_run.hpp"

namespace {

struct counter final : einet::engine::spike_hook {
    std::uint64_t n = 0;
    void on_step(einet::engine::spiking_engine& e) override { n += e.spikes(0).size() + e.spikes(1).size(); }
    bool reads_state(std::uint64_t) const override { return false; }
};

einet::network::spiking_network cuba(std::uint64_t seed, std::size_t neurons, einet::network::precision real) {
    using namespace einet::network;
    spiking_network net;
    net.dt = 0.1;
    net.method = integrator::exact;
    net.real = real;
    // τm 20 ms, El −49 mV, Vt −50 mV, Vr −60 mV, refractory 5 ms; synapses in mV (R = 1).
    auto e = spiking_population::uniform("E", neurons * 4 / 5, true, 20.0, -49.0, -50.0, -60.0, 5.0);
    auto i = spiking_population::uniform("I", neurons - neurons * 4 / 5, false, 20.0, -49.0, -50.0, -60.0, 5.0);
    e.strict_threshold = i.strict_threshold = true;  // Brian2 CUBA: v > Vt
    for (auto* p : {&e, &i}) {
        p->receptors = {{"E", kinetics::exponential, 5.0, 0.0}, {"I", kinetics::exponential, 10.0, 0.0}};
        for (std::size_t k = 0; k < p->n; ++k) {  // V0 ~ U[Vr, Vt]
            const auto u = einet::rng::philox(seed, einet::rng::purpose::parameters, static_cast<std::uint32_t>(k),
                                              p == &e ? 0 : 1);
            p->V0[k] = -60.0 + 10.0 * einet::rng::uniform53(u[0], u[1]);
        }
    }
    net.populations = {e, i};
    std::uint32_t id = 0;
    for (std::size_t pre = 0; pre < 2; ++pre) {
        for (std::size_t post = 0; post < 2; ++post) {
            spiking_projection pr;
            pr.pre = pre;
            pr.post = post;
            pr.receptor = pre;
            pr.synapses = fixed_probability(net.populations[pre].n, net.populations[post].n, 80.0 / static_cast<double>(neurons), true, seed, id++);
            initialise_weights(pr.synapses, weight_distribution::constant(pre == 0 ? 1.62 : 9.0), seed, id);
            initialise_delays(pr.synapses, delay_distribution::constant(0), seed, id);
            net.projections.push_back(std::move(pr));
        }
    }
    return net;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    const std::size_t neurons = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 4000;
    const auto real = einet::network::parse_precision(argc > 5 ? argv[5] : "float64", "PRECISION");
    for (int r = 0; r < repeats; ++r) {
        counter c;
        const auto t = einet_bench::time_engine([&] { return cuba(1, neurons, real); }, 1, seconds, threads, c);
        std::printf("{\"model\": \"cuba\", \"precision\": \"%s\", \"simulated_s\": %.3f, \"threads\": %d, \"build_s\": %.4f, "
                    "\"run_s\": %.4f, \"run_cpu_s\": %.4f, \"n_spikes\": %llu, \"rate_hz\": %.3f, \"synapses\": %zu, \"threads_used\": %zu}\n",
                    einet::network::precision_name(real), seconds, threads, t.build_s, t.run_s, t.run_cpu_s, static_cast<unsigned long long>(c.n),
                    static_cast<double>(c.n) / static_cast<double>(neurons) / seconds, t.synapses, t.threads_used);
    }
    return 0;
}
