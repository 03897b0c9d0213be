#include "einet/network/spiking_network.hpp"

#include <cmath>

#include "einet/core/error.hpp"

namespace einet::network {

namespace {
constexpr const char* kinetics_names[] = {"delta", "exponential", "biexponential", "pulse", "discrete_delta"};
constexpr const char* integrator_names[] = {"euler_maruyama", "exact", "exact_interpolated"};
}

integrator parse_integrator(const std::string& name, const std::string& key) {
    for (int k = 0; k < 3; ++k) {
        if (name == integrator_names[k]) return static_cast<integrator>(k);
    }
    throw config_error(key + ": expected one of euler_maruyama, exact, exact_interpolated, got \"" + name + "\"");
}

const char* integrator_name(integrator m) { return integrator_names[static_cast<int>(m)]; }

precision parse_precision(const std::string& name, const std::string& key) {
    if (name == "float64") return precision::float64;
    if (name == "float32") return precision::float32;
    throw config_error(key + ": expected one of float64, float32, got \"" + name + "\"");
}

const char* precision_name(precision p) { return p == precision::float32 ? "float32" : "float64"; }

kinetics parse_kinetics(const std::string& name, const std::string& key) {
    for (int k = 0; k < 5; ++k) {
        if (name == kinetics_names[k]) return static_cast<kinetics>(k);
    }
    throw config_error(key + ": expected one of delta, exponential, biexponential, pulse, discrete_delta, got \"" + name + "\"");
}

const char* kinetics_name(kinetics k) { return kinetics_names[static_cast<int>(k)]; }

spiking_population spiking_population::uniform(std::string name, std::size_t n, bool excitatory, double tau_m,
                                               double E_L, double V_th, double V_reset, double t_ref, double R,
                                               double I_e) {
    spiking_population p;
    p.name = std::move(name);
    p.n = n;
    p.excitatory = excitatory;
    p.lif.tau_m.assign(n, tau_m);
    p.lif.E_L.assign(n, E_L);
    p.lif.V_th.assign(n, V_th);
    p.lif.V_reset.assign(n, V_reset);
    p.lif.t_ref.assign(n, t_ref);
    p.lif.R.assign(n, R);
    p.lif.I_e.assign(n, I_e);
    p.V0.assign(n, E_L);
    return p;
}

std::size_t spiking_population::receptor_index(const std::string& r) const {
    for (std::size_t k = 0; k < receptors.size(); ++k) {
        if (receptors[k].name == r) return k;
    }
    return npos;
}

std::size_t spiking_network::population_index(const std::string& name) const {
    for (std::size_t k = 0; k < populations.size(); ++k) {
        if (populations[k].name == name) return k;
    }
    return spiking_population::npos;
}

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw config_error(where + ": " + what); }

void check_receptor(const receptor& r, const std::string& where) {
    const bool has_noise = r.noise_sigma != 0;
    if (!(r.noise_sigma >= 0) || !std::isfinite(r.noise_sigma)) fail(where + ".noise_sigma", "expected >= 0");
    switch (r.kind) {
        case kinetics::delta:
        case kinetics::discrete_delta:
            if (has_noise) fail(where, "a delta receptor has no current to carry noise");
            break;
        case kinetics::exponential:
            if (!(r.tau > 0) || !std::isfinite(r.tau)) fail(where + ".tau", "expected > 0");
            break;
        case kinetics::biexponential:
            if (!(r.tau > 0) || !std::isfinite(r.tau)) fail(where + ".tau", "expected a decay time > 0");
            if (!(r.tau_rise > 0) || !std::isfinite(r.tau_rise)) fail(where + ".tau_rise", "expected > 0");
            if (!(r.kappa > 0) || !std::isfinite(r.kappa)) fail(where + ".kappa", "expected > 0");
            if (has_noise) fail(where, "noise is supported on exponential receptors only");
            break;
        case kinetics::pulse:
            if (!(r.duration > 0) || !std::isfinite(r.duration)) fail(where + ".duration", "expected > 0");
            if (has_noise) fail(where, "noise is supported on exponential receptors only");
            break;
    }
}

void check_neurons(const std::vector<std::uint32_t>& ids, std::size_t n, const std::string& where) {
    for (auto i : ids) {
        if (i >= n) fail(where + ".neurons", "expected ids below the population size " + std::to_string(n) + ", got " + std::to_string(i));
    }
}

}  // namespace

void spiking_network::check_lowrank(const lowrank_projection& pr, std::size_t k) const {
    const std::string where = "lowrank[" + std::to_string(k) + "]";
    if (pr.pre >= populations.size() || pr.post >= populations.size()) fail(where, "expected existing populations");
    const auto& pre = populations[pr.pre];
    const auto& post = populations[pr.post];
    if (pr.receptor >= post.receptors.size()) fail(where + ".receptor", "expected a receptor of the target population " + post.name);
    if (pr.rank == 0) fail(where + ".rank", "expected a rank >= 1");
    if (pr.encoders.size() != post.n * pr.rank) {
        fail(where + ".encoders", "expected " + std::to_string(post.n) + " x " + std::to_string(pr.rank) + " values (post " + post.name +
                                      " size x rank), got " + std::to_string(pr.encoders.size()));
    }
    if (pr.decoders.size() != pre.n * pr.rank) {
        fail(where + ".decoders", "expected " + std::to_string(pre.n) + " x " + std::to_string(pr.rank) + " values (pre " + pre.name +
                                      " size x rank), got " + std::to_string(pr.decoders.size()));
    }
    if (pr.exclude_self && pr.pre != pr.post) fail(where + ".exclude_self", "expected pre = post (the diagonal exists only then)");
    // E ≥ 0 and D signed like pre keep every W_ij = Σ_k E_ik D_jk of pre's sign (Dale's law).
    for (double e : pr.encoders) {
        if (!(e >= 0) || !std::isfinite(e)) fail(where + ".encoders", "expected finite encoders >= 0 (Dale's law), got " + std::to_string(e));
    }
    for (double d : pr.decoders) {
        if (!std::isfinite(d) || (pre.excitatory ? d < 0 : d > 0)) {
            fail(where + ".decoders", std::string("expected finite decoders ") + (pre.excitatory ? ">= 0" : "<= 0") + " (Dale's law: " +
                                          pre.name + " is " + (pre.excitatory ? "excitatory" : "inhibitory") + "), got " + std::to_string(d));
        }
    }
}

void spiking_network::validate() const {
    if (!(dt > 0) || !std::isfinite(dt)) fail("run.dt", "expected a positive step");
    if (real == precision::float32 && method == integrator::exact_interpolated) {
        // Interpolated crossings and the sub-step reset read the step's start state in double.
        fail("run.precision", "expected float64 with run.method = \"exact_interpolated\", got float32");
    }
    for (const auto& p : populations) {
        const std::string where = "populations." + p.name;
        if (p.n == 0) fail(where + ".size", "expected at least one neuron, got an empty population");
        const std::pair<const char*, const std::vector<double>*> arrays[] = {
            {"tau_m", &p.lif.tau_m}, {"E_L", &p.lif.E_L}, {"V_th", &p.lif.V_th}, {"V_reset", &p.lif.V_reset},
            {"t_ref", &p.lif.t_ref}, {"R", &p.lif.R},     {"I_e", &p.lif.I_e},   {"V0", &p.V0}};
        for (const auto& [name, v] : arrays) {
            if (v->size() != p.n) fail(where + "." + name, "expected " + std::to_string(p.n) + " values, got " + std::to_string(v->size()));
        }
        for (const auto& [name, v] : {std::pair{"adapt_jump", &p.lif.adapt_jump}, std::pair{"sigma_V", &p.lif.sigma_V}}) {
            if (!v->empty() && v->size() != p.n) fail(where + "." + name, "expected " + std::to_string(p.n) + " values or none, got " + std::to_string(v->size()));
        }
        for (const auto& [name, v] : arrays) {
            for (double x : *v) {
                if (!std::isfinite(x)) fail(where + "." + name, "expected finite values, got " + std::to_string(x));
            }
        }
        for (std::size_t i = 0; i < p.n; ++i) {
            if (!(p.lif.tau_m[i] > 0)) fail(where + ".tau_m", "expected > 0, got " + std::to_string(p.lif.tau_m[i]));
            if (!(p.lif.t_ref[i] >= 0)) fail(where + ".t_ref", "expected >= 0, got " + std::to_string(p.lif.t_ref[i]));
            if (!(p.lif.V_reset[i] < p.lif.V_th[i])) fail(where + ".V_reset", "expected below V_th");
            if (!p.lif.sigma_V.empty() && !(p.lif.sigma_V[i] >= 0 && std::isfinite(p.lif.sigma_V[i]))) fail(where + ".sigma_V", "expected >= 0");
            if (!p.lif.adapt_jump.empty() && !std::isfinite(p.lif.adapt_jump[i])) fail(where + ".beta", "expected a finite adaptation jump");
        }
        if (p.adaptive() && !(p.lif.tau_adapt > 0 && std::isfinite(p.lif.tau_adapt))) fail(where + ".tau_adapt", "expected > 0");
        for (const auto& r : p.receptors) check_receptor(r, where + ".receptors." + r.name);
    }
    for (std::size_t k = 0; k < projections.size(); ++k) {
        const auto& pr = projections[k];
        const std::string where = "projections[" + std::to_string(k) + "]";
        if (pr.pre >= populations.size() || pr.post >= populations.size()) fail(where, "expected existing populations");
        if (pr.receptor >= populations[pr.post].receptors.size()) fail(where + ".receptor", "expected a receptor of the target population");
        if (pr.synapses.n_pre != populations[pr.pre].n || pr.synapses.n_post != populations[pr.post].n) {
            fail(where, "expected a synapse table of the populations' sizes");
        }
    }
    for (std::size_t k = 0; k < lowrank.size(); ++k) check_lowrank(lowrank[k], k);
    for (const auto& p : populations) {
        if (p.self_weight.empty()) continue;
        const std::string where = "populations." + p.name + ".self_weight";
        if (p.self_weight.size() != p.n) fail(where, "expected " + std::to_string(p.n) + " values or none, got " + std::to_string(p.self_weight.size()));
        if (p.self_receptor >= p.receptors.size()) fail(where, "expected a receptor of the population for the self term");
        for (double x : p.self_weight) {
            if (!std::isfinite(x)) fail(where, "expected finite values");
        }
    }
    auto check_target = [&](std::size_t pop, std::size_t r, bool needs_receptor, const std::vector<std::uint32_t>& ids,
                            const std::string& where) {
        if (pop >= populations.size()) fail(where + ".population", "expected an existing population");
        if (needs_receptor && r >= populations[pop].receptors.size()) fail(where + ".receptor", "expected a receptor of the population");
        check_neurons(ids, populations[pop].n, where);
    };
    for (std::size_t k = 0; k < inputs.steps.size(); ++k) {
        const auto& in = inputs.steps[k];
        const std::string where = "inputs.step_current[" + std::to_string(k) + "]";
        check_target(in.population, 0, false, in.neurons, where);
        if (!(in.start >= 0) || !(in.stop >= in.start)) fail(where, "expected 0 <= start <= stop");
        if (!std::isfinite(in.amplitude)) fail(where + ".amplitude", "expected a finite current");
    }
    for (std::size_t k = 0; k < inputs.signals.size(); ++k) {
        const auto& in = inputs.signals[k];
        const std::string where = "inputs.signal[" + std::to_string(k) + "]";
        check_target(in.population, 0, false, in.neurons, where);
        const std::size_t selected = in.neurons.empty() ? populations[in.population].n : in.neurons.size();
        if (!in.gain.empty() && in.gain.size() != selected) {
            fail(where + ".gain", "expected one gain per selected neuron (" + std::to_string(selected) + "), got " + std::to_string(in.gain.size()));
        }
        for (double x : in.values) {
            if (!std::isfinite(x)) fail(where + ".values", "expected finite values");
        }
        for (double x : in.gain) {
            if (!std::isfinite(x)) fail(where + ".gain", "expected finite values");
        }
    }
    for (std::size_t k = 0; k < inputs.poisson.size(); ++k) {
        const auto& in = inputs.poisson[k];
        const std::string where = "inputs.poisson[" + std::to_string(k) + "]";
        check_target(in.population, in.receptor, true, in.neurons, where);
        if (!(in.rate_hz >= 0) || !std::isfinite(in.rate_hz)) fail(where + ".rate", "expected a finite rate >= 0");
        if (in.sources == 0) fail(where + ".sources", "expected at least one source");
        if (!std::isfinite(in.weight)) fail(where + ".weight", "expected a finite weight");
        if (!(in.start >= 0) || !(in.stop >= in.start)) fail(where, "expected 0 <= start <= stop");
    }
    for (std::size_t k = 0; k < inputs.spikes.size(); ++k) {
        const auto& in = inputs.spikes[k];
        const std::string where = "inputs.spike_generator[" + std::to_string(k) + "]";
        check_target(in.population, in.receptor, true, in.neurons, where);
        for (double t : in.times) {
            if (!(t >= 0) || !std::isfinite(t)) fail(where + ".times", "expected finite times >= 0");
        }
        if (!std::isfinite(in.weight)) fail(where + ".weight", "expected a finite weight");
    }
}

}  // namespace einet::network
