// Low-rank E-I network on the spiking engine (paper 000): cost per step of a rank-2 network
// (one latent per population, four rank-1 blocks) of N = N_E + N_I neurons, as low-rank
// projections (O(N·rank) per step) or, with --dense, as synapse tables holding the same W = E·Dᵀ
// (O(N²) memory and spike write-out). Prints one JSON line: n, steps, run_s, spikes.
//   bench_lowrank --n 100000 [--dense] [--steps 1000] [--threads 1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "einet/engine/spiking_engine.hpp"
#include "einet/lowrank/model.hpp"
#include "einet/network/connectivity.hpp"

using namespace einet;

namespace {

// The homogeneous E-I network of paper 000 Fig 8 (spec §4) scaled to N neurons: decoders shrink
// as 1/N so the latents (and the rates per neuron) stay those of the 50 + 50 network. Exponential
// synapses (τ_s = 2 ms), every crossing spikes, σ_V = 0.15, x = 1.
lowrank::model fig8_scaled(std::size_t n, std::size_t steps) {
    const std::size_t nE = n / 2, nI = n - nE;
    lowrank::model m;
    m.dt = 0.05;
    m.synapses = lowrank::synapse_model::exponential;
    m.rule = lowrank::spike_rule::all_above;
    auto pop = [](const char* name, bool exc, std::size_t k, double F, double Es, double Ec, double T, double D) {
        lowrank::population_spec p;
        p.name = name;
        p.excitatory = exc;
        p.F.assign(k, F);
        p.E_self.assign(k, Es);
        p.E_cross.assign(k, Ec);
        p.T.assign(k, T);
        p.D.assign(k, D);
        p.mu = 0.5;
        p.sigma_V = 0.15;
        p.tau_s = 2.0;
        return p;
    };
    m.populations = {pop("E", true, nE, 1.0, 1.25, 1.0, 0.0, 0.075 * 50.0 / static_cast<double>(nE)),
                     pop("I", false, nI, 1.0, 1.0, 2.0, 1.5, -0.15 * 50.0 / static_cast<double>(nI))};
    m.x.assign(steps + 1, 1.0);
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 10000, steps = 1000;
    int threads = 1;
    bool dense = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--n" && i + 1 < argc) n = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--steps" && i + 1 < argc) steps = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
        else if (a == "--dense") dense = true;
        else {
            std::fprintf(stderr, "usage: bench_lowrank --n N [--steps S] [--threads T] [--dense]\n");
            return 2;
        }
    }
    auto low = lowrank::lower(fig8_scaled(n, steps));
    if (dense) {  // the same W as synapse tables (float32 magnitudes), delay 0 as the low-rank ring
        for (const auto& pr : low.net.lowrank) {
            const std::size_t npre = low.net.populations[pr.pre].n, npost = low.net.populations[pr.post].n;
            std::vector<float> W(npost * npre);
            for (std::size_t i = 0; i < npost; ++i) {
                for (std::size_t j = 0; j < npre; ++j) W[i * npre + j] = static_cast<float>(std::abs(pr.encoders[i] * pr.decoders[j]));
            }
            network::spiking_projection sp;
            sp.pre = pr.pre;
            sp.post = pr.post;
            sp.receptor = pr.receptor;
            sp.synapses = network::from_dense(npre, npost, W, true, 0);
            low.net.projections.push_back(std::move(sp));
        }
        low.net.lowrank.clear();
    }
    engine::spiking_engine eng(std::move(low.net), 1);
    eng.set_spike_policy(low.policy.get());
    struct counter final : engine::spike_hook {
        std::size_t spikes = 0;
        void on_step(engine::spiking_engine& e) override { spikes += e.spikes(0).size() + e.spikes(1).size(); }
    } count;
    const auto t0 = std::chrono::steady_clock::now();
    eng.run(steps, &count, threads);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"impl\": \"%s\", \"n\": %zu, \"steps\": %zu, \"threads\": %d, \"run_s\": %.6f, \"spikes\": %zu}\n",
                dense ? "einet_dense" : "einet_lowrank", n, steps, threads, s, count.spikes);
    return 0;
}
