#include "einet/analysis/paradoxical_test.hpp"

#include <cmath>

#include "einet/analysis/trial_spikes.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::analysis {

paradoxical_result paradoxical_test(const network::spiking_network& net_in, const paradoxical_params& p, std::uint64_t seed,
                                    int threads, const std::function<void(std::size_t, std::size_t)>& on_trial) {
    const std::size_t P = net_in.populations.size();
    if (p.target >= P) throw config_error("paradoxical test: no population " + std::to_string(p.target));
    if (p.min_rate_hz.size() != P) throw config_error("paradoxical test: expected one exclusion threshold per population");
    if (!(p.start_ms >= p.pre_ms && p.start_ms < p.stop_ms && p.stop_ms <= p.duration_ms)) {
        throw config_error("paradoxical test: expected pre <= start < stop <= duration");
    }
    const auto steps = static_cast<std::size_t>(std::llround(p.duration_ms / net_in.dt));
    const auto bin_of = [&](double t) { return static_cast<std::size_t>(std::llround(t / p.bin_ms)); };
    const std::size_t b0 = bin_of(p.start_ms), b1 = bin_of(p.stop_ms), bp = bin_of(p.start_ms - p.pre_ms);
    auto window_mean = [](const std::vector<double>& h, std::size_t a, std::size_t b) {
        double s = 0.0;
        for (std::size_t k = a; k < b; ++k) s += h[k];
        return s / static_cast<double>(b - a);
    };
    paradoxical_result out;
    const std::size_t total = p.amplitudes.size() * p.trials;
    std::size_t done = 0;
    for (double amplitude : p.amplitudes) {
        auto net = net_in;
        if (p.adaptation_off) {
            for (auto& pop : net.populations) pop.lif.adapt_jump.clear();
        }
        network::step_current in;  // every unit of the target population
        in.population = p.target;
        in.start = p.start_ms;
        in.stop = p.stop_ms;
        in.amplitude = amplitude;
        net.inputs.steps.push_back(in);
        engine::spiking_engine eng(std::move(net), seed);
        const auto initial = eng.snapshot();
        trial_spikes spikes(eng.network());
        std::vector<std::vector<double>> sum(P, std::vector<double>(bin_of(p.duration_ms), 0.0));
        std::vector<std::size_t> kept(P, 0);
        for (std::size_t k = 0; k < p.trials; ++k) {
            eng.restore(initial);
            eng.reseed(trial_seed(seed, k));  // the same trial seeds for every amplitude
            spikes.clear();
            eng.run(steps, &spikes, threads);
            for (std::size_t pop = 0; pop < P; ++pop) {
                const auto h = spikes.psth(pop, p.duration_ms, p.bin_ms);
                if (window_mean(h, b0, b1) < p.min_rate_hz[pop]) continue;  // terminated Up state (spec §5.9)
                for (std::size_t b = 0; b < h.size(); ++b) sum[pop][b] += h[b];
                ++kept[pop];
            }
            if (on_trial) on_trial(++done, total);
        }
        std::vector<double> rate(P), before(P);
        for (std::size_t pop = 0; pop < P; ++pop) {
            for (auto& x : sum[pop]) x = kept[pop] ? x / static_cast<double>(kept[pop]) : std::nan("");
            rate[pop] = window_mean(sum[pop], b0, b1);
            before[pop] = window_mean(sum[pop], bp, b0);
        }
        out.rate.push_back(rate);
        out.rate_before.push_back(before);
        out.kept.push_back(kept);
        out.psth.push_back(std::move(sum));
    }
    return out;
}

}  // namespace einet::analysis
