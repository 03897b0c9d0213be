#include "einet/lowrank/simulate.hpp"

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
};

}  // namespace

trajectory simulate(const model& m, std::uint64_t seed, int threads) {
    auto low = lower(m);
    engine::spiking_engine eng(std::move(low.net), seed);
    eng.set_spike_policy(low.policy.get());
    record::latent_recorder latents(eng, low.readouts);
    trajectory out;
    out.spikes.resize(m.populations.size());
    spike_log log;
    log.out = &out.spikes;
    record::hook_list hooks{&latents, &log};
    eng.run(low.steps, &hooks, threads);
    for (std::size_t p = 0; p < latents.size(); ++p) out.y.push_back(latents.values(p));
    return out;
}

}  // namespace einet::lowrank
