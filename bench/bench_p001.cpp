// The paper-001 spiking network (spec 001 §5; the self-sustained regime) on the spiking
// engine: 1600 E / 400 I adaptive LIF (Table S1), p = 0.25 with exactly round(p·N_pre·N_post)
// synapses per class (no autapses in EE and II), weights N(mean, (0.2·mean)²) clipped at 0 with
// means W_EE 240, W_IE 175, W_EI 350, W_II 225 pA, biexponential currents by presynaptic type
// (E: τ_r 8, τ_d 23 ms; I: 1, 1 ms; κ = 1 ms), delays (⌊U·d_max/dt⌋ + 1)·dt with d_max 1 / 0.5 ms,
// membrane noise σ = 2.5 mV, Euler–Maruyama at dt = 0.1 ms, a kick of 980 pA into u of an E-type
// channel (κ = τ_r, so u += 980 pA) of the first 100 E units at 100 ms; 1.5 s.
// The same model as bench/brian2_models.py::p001_network (Brian2 anchor).
// Usage: bench_p001 THREADS REPEATS [SECONDS [PRECISION]] -> one JSON line per repeat (PRECISION:
// float64, the default, or float32: the engine's run.precision).
#include <cstdio>
#include <cstdlib>

#include "einet/engine/spiking_engine.hpp"
#include "timed_engine_run.hpp"

namespace {

struct counter final : einet::engine::spike_hook {
    std::uint64_t n[2] = {0, 0}, after_kick[2] = {0, 0}, events = 0;
    void on_step(einet::engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < 2; ++p) {
            n[p] += e.spikes(p).size();
            if (e.time() > 100.0) after_kick[p] += e.spikes(p).size();
            for (const auto& pr : e.network().projections) {
                if (pr.pre != p) continue;
                for (auto j : e.spikes(p)) events += pr.synapses.out_degree(j);
            }
        }
    }
    bool reads_state(std::uint64_t) const override { return false; }
};

einet::network::spiking_network p001(std::uint64_t seed, einet::network::precision real) {
    using namespace einet::network;
    spiking_network net;
    net.dt = 0.1;
    net.method = integrator::euler_maruyama;
    net.real = real;
    // Table S1: τ_m = C_m/g_L (20 / 10 ms), R = 1/g_L = 0.1 GΩ, E_L 7.6 / 6.5 mV, V_th 20, V_reset 14 mV,
    // t_ref 5 / 2 ms, β 3 / 0 nA·ms with τ_a 500 ms (jump β/τ_a = 6 pA), σ 2.5 mV.
    auto e = spiking_population::uniform("E", 1600, true, 20.0, 7.6, 20.0, 14.0, 5.0, 0.1);
    auto i = spiking_population::uniform("I", 400, false, 10.0, 6.5, 20.0, 14.0, 2.0, 0.1);
    e.lif.adapt_jump.assign(e.n, 3000.0 / 500.0);
    e.lif.tau_adapt = 500.0;
    for (auto* p : {&e, &i}) {
        p->lif.sigma_V.assign(p->n, 2.5);
        p->receptors = {{"E", kinetics::biexponential, 23.0, 0.0, 8.0, 1.0},
                        {"I", kinetics::biexponential, 1.0, 0.0, 1.0, 1.0}};
    }
    e.receptors.push_back({"kick", kinetics::biexponential, 23.0, 0.0, 8.0, 8.0});
    net.populations = {e, i};
    const double mean[2][2] = {{240.0, 175.0}, {350.0, 225.0}};  // [pre][post]: EE, IE (E→I), EI (I→E), II
    const double d_max[2] = {1.0, 0.5};
    std::uint32_t id = 0;
    for (std::size_t pre = 0; pre < 2; ++pre) {
        for (std::size_t post = 0; post < 2; ++post) {
            const auto n_pre = net.populations[pre].n, n_post = net.populations[post].n;
            const bool autapses = pre != post;
            spiking_projection pr;
            pr.pre = pre;
            pr.post = post;
            pr.receptor = pre;
            pr.synapses = fixed_total_number(n_pre, n_post, exact_count(0.25, n_pre, n_post, autapses), autapses, seed, id);
            initialise_weights(pr.synapses, weight_distribution::normal_cv(mean[pre][post], 0.2), seed, id);
            initialise_delays(pr.synapses, delay_distribution::paper001(d_max[pre], net.dt), seed, id);
            net.projections.push_back(std::move(pr));
            ++id;
        }
    }
    spike_input kick;
    kick.population = 0;
    kick.receptor = 2;
    for (std::uint32_t k = 0; k < 100; ++k) kick.neurons.push_back(k);
    kick.times = {100.0};
    kick.weight = 980.0;
    net.inputs.spikes.push_back(kick);
    return net;
}

}  // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
    const double seconds = argc > 3 ? std::atof(argv[3]) : 1.5;
    const auto real = einet::network::parse_precision(argc > 4 ? argv[4] : "float64", "PRECISION");
    for (int r = 0; r < repeats; ++r) {
        counter c;
        const auto t = einet_bench::time_engine([&] { return p001(1, real); }, static_cast<std::uint64_t>(r + 1), seconds, threads, c);
        const double after = seconds - 0.1;  // rates after the kick at 100 ms
        std::printf("{\"model\": \"p001\", \"precision\": \"%s\", \"simulated_s\": %.3f, \"threads\": %d, \"build_s\": %.4f, \"run_s\": %.4f, \"run_cpu_s\": %.4f, "
                    "\"n_spikes\": %llu, \"rate_E_hz\": %.3f, \"rate_I_hz\": %.3f, \"synaptic_events\": %llu, \"synapses\": %zu, \"threads_used\": %zu}\n",
                    einet::network::precision_name(real), seconds, threads, t.build_s, t.run_s, t.run_cpu_s, static_cast<unsigned long long>(c.n[0] + c.n[1]),
                    static_cast<double>(c.after_kick[0]) / 1600.0 / after, static_cast<double>(c.after_kick[1]) / 400.0 / after,
                    static_cast<unsigned long long>(c.events), t.synapses, t.threads_used);
    }
    return 0;
}
