#include "einet/lowrank/simulate.hpp"

#include "einet/lowrank/rate_network.hpp"
#include "einet/record/hook_list.hpp"
#include "einet/record/latent_recorder.hpp"

namespace einet::lowrank {

namespace {

struct spike_log final : engine::spike_hook {
    std::vector<trajectory::spikes_of>* out = nullptr;
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < out->size(); ++p) {
            for (auto i : e.spikes(p)) {
                (*out)[p].step.push_back(e.step());
                (*out)[p].id.push_back(i);
            }
        }
    }
    bool reads_state(std::uint64_t) const override { return false; }
};

// Sums V per neuron over the samples of a window (the sample shown after a step is e.step()).
struct voltage_sum final : engine::spike_hook {
    sample_window window;
    std::vector<std::vector<double>>* sum = nullptr;
    void on_step(engine::spiking_engine& e) override {
        if (e.step() < window.first || e.step() >= window.last) return;
        for (std::size_t p = 0; p < sum->size(); ++p) {
            const double* V = e.V(p);
            for (std::size_t i = 0; i < (*sum)[p].size(); ++i) (*sum)[p][i] += V[i];
        }
    }
    bool reads_state(std::uint64_t step) const override { return step >= window.first && step < window.last; }
};

}  // namespace

trajectory simulate(const model& m, std::uint64_t seed, int threads, sample_window voltage_window) {
    if (m.kind == network_kind::rate) return simulate_rate(m, threads);  // deterministic (spec §2.7)
    auto low = lower(m);
    engine::spiking_engine eng(std::move(low.net), seed);
    eng.set_spike_policy(low.policy.get());
    record::latent_recorder latents(eng, low.readouts);
    trajectory out;
    out.spikes.resize(m.populations.size());
    spike_log log;
    log.out = &out.spikes;
    voltage_sum vsum;
    vsum.window = {std::max<std::size_t>(voltage_window.first, 1), voltage_window.last};  // V_0 = 0 is not simulated
    for (const auto& p : m.populations) out.mean_V.emplace_back(p.size(), 0.0);
    vsum.sum = &out.mean_V;
    record::hook_list hooks{&latents, &log};
    if (vsum.window.last > vsum.window.first) hooks.add(&vsum);
    eng.run(low.steps, &hooks, threads);
    for (std::size_t p = 0; p < latents.size(); ++p) out.y.push_back(latents.values(p));
    const double count = static_cast<double>(std::min(voltage_window.last, low.steps + 1)) - static_cast<double>(vsum.window.first);
    if (count > 0) {
        for (auto& v : out.mean_V) {
            for (auto& x : v) x /= count;
        }
    } else {
        out.mean_V.clear();
    }
    return out;
}

}  // namespace einet::lowrank
