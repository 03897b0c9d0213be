#include "einet/analysis/convergence_run.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "einet/analysis/coupled_brownian.hpp"
#include "einet/analysis/path_ensemble.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::analysis {

namespace {

// Collects each step's spikes (time inside the step and crossing speed) into per-(path, neuron) trains.
class train_recorder final : public engine::spike_hook {
public:
    train_recorder(level_outcome& out, const path_layout& layout) : out_(out), layout_(layout) {}
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < layout_.size.size(); ++p) {
            const auto& ids = e.spikes(p);
            const auto& lags = e.spike_lags(p);
            const auto& speeds = e.crossing_speeds(p);
            const std::size_t n = layout_.size[p];
            for (std::size_t k = 0; k < ids.size(); ++k) {
                const std::size_t path = ids[k] / n, i = ids[k] % n;
                auto& train = out_.trains[path * layout_.neurons + layout_.offset[p] + i];
                train.t.push_back(e.time() - lags[k]);
                train.A.push_back(speeds[k]);
            }
        }
    }

private:
    level_outcome& out_;
    const path_layout& layout_;
};

struct level_run {
    std::unique_ptr<engine::noise_source> noise;
    std::unique_ptr<engine::spiking_engine> engine;
    std::unique_ptr<train_recorder> recorder;
    level_outcome* out = nullptr;
    std::size_t ratio = 1;
};

bool power_of_two(std::size_t r) { return r > 0 && (r & (r - 1)) == 0; }

}  // namespace

convergence_runs run_convergence(const convergence_plan& plan) {
    if (plan.paths == 0) throw config_error("convergence.paths: expected at least one path");
    if (plan.integrators.empty()) throw config_error("convergence.integrators: expected at least one integrator");
    if (!(plan.h_fine > 0) || !(plan.duration > 0)) throw config_error("convergence: expected a positive step and duration");
    std::size_t max_ratio = 1;
    for (auto r : plan.ratios) {
        if (!power_of_two(r)) throw config_error("convergence.h: every step must be the reference step times a power of two");
        max_ratio = std::max(max_ratio, r);
    }
    const std::size_t unit = std::max<std::size_t>(max_ratio, 4);
    const double fine = plan.duration / plan.h_fine;
    const auto fine_steps = static_cast<std::uint64_t>(std::llround(fine));
    if (std::abs(fine - static_cast<double>(fine_steps)) > 1e-6 * fine || fine_steps % unit != 0) {
        throw config_error("run.duration: expected a multiple of " + std::to_string(unit) + " reference steps (" +
                           std::to_string(plan.h_fine * static_cast<double>(unit)) + " ms), got " +
                           std::to_string(plan.duration) + " ms");
    }
    const path_layout layout(plan.net);
    auto big = replicate_paths(plan.net, plan.paths);
    for (std::size_t p = 0; p < plan.V0.size() && p < big.populations.size(); ++p) {
        if (plan.V0[p].size() != big.populations[p].n) throw internal_error("convergence: V0 of the wrong size");
        big.populations[p].V0 = plan.V0[p];
    }
    bool exact = plan.reference != network::integrator::euler_maruyama;
    for (auto m : plan.integrators) exact = exact || m != network::integrator::euler_maruyama;
    coupled_brownian noise(big, plan.h_fine, max_ratio, exact, plan.seed);

    convergence_runs result;
    result.levels.assign(plan.integrators.size(), std::vector<level_outcome>(plan.ratios.size()));
    std::vector<level_run> runs;
    auto add_run = [&](network::integrator method, std::size_t ratio, level_outcome& out) {
        level_run run;
        auto net = big;
        net.dt = plan.h_fine * static_cast<double>(ratio);
        net.method = method;
        run.noise = noise.level(ratio, method);
        run.engine = std::make_unique<engine::spiking_engine>(std::move(net), plan.seed);
        run.engine->set_noise_source(run.noise.get());
        run.engine->set_record_crossings(true);
        run.engine->set_min_neurons_per_thread(1024);
        if (plan.stationary_current) set_stationary_currents(*run.engine, plan.seed);
        out.h = run.engine->dt();
        out.paths = plan.paths;
        out.neurons = layout.neurons;
        out.trains.assign(plan.paths * layout.neurons, {});
        run.recorder = std::make_unique<train_recorder>(out, layout);
        run.out = &out;
        run.ratio = ratio;
        runs.push_back(std::move(run));
    };
    add_run(plan.reference, 1, result.reference);
    for (std::size_t m = 0; m < plan.integrators.size(); ++m) {
        for (std::size_t l = 0; l < plan.ratios.size(); ++l) add_run(plan.integrators[m], plan.ratios[l], result.levels[m][l]);
    }

    // Chunks of fine steps (a multiple of the coarsest ratio) small enough for the increments to
    // stay in a few tens of MB; every run crosses the chunk before the next is drawn.
    std::size_t noisy = 0;
    for (const auto& pop : big.populations) noisy += pop.n;
    const std::size_t budget = std::size_t{4} << 20;  // fine-step × neuron entries per chunk
    const std::size_t chunk = unit * std::max<std::size_t>(1, budget / (unit * std::max<std::size_t>(noisy, 1)));
    for (std::uint64_t first = 0; first < fine_steps; first += chunk) {
        const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, fine_steps - first));
        noise.draw(first, count, plan.threads);
        for (auto& run : runs) run.engine->run(count / run.ratio, run.recorder.get(), plan.threads);
        if (plan.progress) plan.progress(static_cast<double>(first + count) / static_cast<double>(fine_steps));
    }

    // End states: v(T) and the input current in voltage units, R·(Σ receptor currents + I_e).
    for (auto& run : runs) {
        auto& out = *run.out;
        out.v_T.assign(plan.paths * layout.neurons, 0.0);
        out.I_T.assign(plan.paths * layout.neurons, 0.0);
        for (std::size_t p = 0; p < big.populations.size(); ++p) {
            const auto& pop = big.populations[p];
            const double* V = run.engine->V(p);
            const std::size_t n = layout.size[p];
            for (std::size_t j = 0; j < pop.n; ++j) {
                double I = pop.lif.I_e[j];
                for (std::size_t r = 0; r < pop.receptors.size(); ++r) {
                    if (const double* s = run.engine->receptor_current(p, r)) I += s[j];
                }
                const std::size_t k = (j / n) * layout.neurons + layout.offset[p] + j % n;
                out.v_T[k] = V[j];
                out.I_T[k] = pop.lif.R[j] * I;
            }
        }
    }
    return result;
}

}  // namespace einet::analysis
