// The spiking engine's external inputs (step 1 of spiking_engine.hpp): step and sampled currents
// change V∞ = E_L + R·I of whole populations, so they are set by one thread while the others
// wait; Poisson and generator spikes go into the delay rings of each worker's own targets, so
// every worker draws its own share without waiting for the others.
#include <algorithm>
#include <cmath>

#include "einet/core/rng.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "step_window.hpp"

namespace einet::engine {

using detail::window_step;

void spiking_engine::add_to_ring(std::size_t w, std::size_t pop, std::size_t r, std::uint32_t target, double value) {
    // Delay 0 (the step's own slot); a pulse ends `pulse` steps later.
    const auto& slot_of = clock_[w].slot_of;
    const auto pulse = pops_[pop].pulse_steps[r];
    with_ring(pop, r, [&](auto& ring) {
        ring.add(slot_of[0], w, target, value);
        if (pulse != 0) ring.add(slot_of[pulse], w, target, -value);
    });
}

void spiking_engine::set_step_currents(std::size_t p) {
    // V∞ = E_L + R (I_e + Σ amplitudes of the windows open at step_), from the base values so no
    // rounding drift accumulates over openings and closings.
    const double h = net_.dt;
    auto& st = pops_[p];
    const std::size_t n = net_.populations[p].n;
    std::vector<double> I(st.I_e_base.begin(), st.I_e_base.end());
    for (const auto& in : net_.inputs.steps) {
        if (in.population != p || step_ < window_step(in.start, h) || step_ >= window_step(in.stop, h)) continue;
        if (in.neurons.empty()) {
            for (std::size_t i = 0; i < n; ++i) I[i] += in.amplitude;
        } else {
            for (auto i : in.neurons) I[i] += in.amplitude;
        }
    }
    for (const auto& in : net_.inputs.signals) {  // sampled currents: gain_i·values[k] during step start + k
        if (in.population != p || step_ < in.start_step || step_ - in.start_step >= in.values.size()) continue;
        const double c = in.values[step_ - in.start_step];
        const std::size_t m = in.neurons.empty() ? n : in.neurons.size();
        for (std::size_t k = 0; k < m; ++k) I[in.neurons.empty() ? k : in.neurons[k]] += (in.gain.empty() ? 1.0 : in.gain[k]) * c;
    }
    const auto& lif = net_.populations[p].lif;
    for (std::size_t i = 0; i < n; ++i) st.v_drive[i] = lif.E_L[i] + st.R[i] * I[i];
    update_uniform(p);
}

bool spiking_engine::currents_change(std::uint64_t step) const {
    // Step currents change V∞ only when a window opens or closes; sampled currents when their
    // value changes, and when their window opens or closes.
    const double h = net_.dt;
    for (const auto& in : net_.inputs.steps) {
        if (step == window_step(in.start, h) || step == window_step(in.stop, h)) return true;
    }
    for (const auto& in : net_.inputs.signals) {
        if (step < in.start_step || step - in.start_step > in.values.size()) continue;
        const std::size_t k = step - in.start_step;
        if (k == 0 || k == in.values.size() || in.values[k] != in.values[k - 1]) return true;
    }
    return false;
}

void spiking_engine::apply_currents() {
    if (!currents_change(step_)) return;
    for (std::size_t p = 0; p < pops_.size(); ++p) set_step_currents(p);
}

void spiking_engine::apply_spike_inputs(std::size_t w) {
    const double h = net_.dt;
    const std::uint64_t step = clock_[w].step;
    const double t = static_cast<double>(step) * h;
    // Calls f(i) for the targets of an input that worker w owns.
    auto own_targets = [&](std::size_t pop, const std::vector<std::uint32_t>& neurons, auto&& f) {
        const auto lo = static_cast<std::uint32_t>(bounds_[pop][w]), hi = static_cast<std::uint32_t>(bounds_[pop][w + 1]);
        if (neurons.empty()) {
            for (std::uint32_t i = lo; i < hi; ++i) f(i);
        } else {
            for (auto i : neurons) {
                if (i >= lo && i < hi) f(i);
            }
        }
    };
    // Poisson inputs: each target gets k ~ Poisson(sources·rate·h) spikes in step n, drawn by
    // inversion from its own counter (seed, input_events, neuron, step, input), delay 0.
    for (std::size_t k = 0; k < net_.inputs.poisson.size(); ++k) {
        const auto& in = net_.inputs.poisson[k];
        if (t < in.start || t >= in.stop) continue;
        const double lambda = in.sources * in.rate_hz * h * 1e-3;
        if (lambda <= 0) continue;
        const double p0 = std::exp(-lambda);
        own_targets(in.population, in.neurons, [&](std::uint32_t i) {
            const auto u = rng::philox(seed_, rng::purpose::input_events, i, step, static_cast<std::uint32_t>(k));
            double x = rng::uniform53(u[0], u[1]);
            std::uint32_t count = 0;
            double pk = p0, cdf = p0;
            while (x >= cdf && count < 1000) {
                ++count;
                pk *= lambda / count;
                cdf += pk;
            }
            if (count > 0) add_to_ring(w, in.population, in.receptor, i, count * in.weight);
        });
    }
    // Spike generators: a spike at t_s belongs to step round(t_s/h) (Brian2's SpikeGeneratorGroup).
    for (std::size_t k = 0; k < net_.inputs.spikes.size(); ++k) {
        const auto& in = net_.inputs.spikes[k];
        const auto& steps = spike_input_steps_[k];
        auto& next = spike_input_next_[w].v[k];
        while (next < steps.size() && steps[next] < step) ++next;
        while (next < steps.size() && steps[next] == step) {
            own_targets(in.population, in.neurons, [&](std::uint32_t i) { add_to_ring(w, in.population, in.receptor, i, in.weight); });
            ++next;
        }
    }
}

}  // namespace einet::engine
