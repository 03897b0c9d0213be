#include "einet/config/spiking_setup.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/io/npy.hpp"

namespace einet::config {
namespace {
using network::kinetics;

// Parameter ids of the per-neuron draws (part of the reproducibility contract: never renumber).
enum class neuron_parameter : std::uint32_t { E_L = 0, V_th = 1, I_e = 2, V0 = 3 };

// One value per neuron: the constant, or a draw keyed by (seed, population, parameter, neuron).
// `scale` converts the config unit to the engine's (1/R for a voltage given for a current).
std::vector<double> per_neuron(const quantity_dist& d, std::size_t n, std::uint64_t seed, std::size_t pop,
                               neuron_parameter param, double scale = 1.0) {
    std::vector<double> out(n, d.value * scale);
    if (d.shape == "constant") return out;
    distribution dist;
    if (d.shape == "uniform") {
        dist.kind = distribution::shape::uniform;
        dist.a = d.param("low");
        dist.b = d.param("high");
    } else {  // normal
        dist.kind = distribution::shape::normal;
        dist.a = d.param("mean");
        dist.b = d.has("cv") ? d.param("cv") * std::abs(dist.a) : d.param("std");
    }
    const std::uint64_t step = static_cast<std::uint64_t>(pop) << 32 | static_cast<std::uint32_t>(param);
    for (std::size_t i = 0; i < n; ++i) {
        const auto r = rng::philox(seed, rng::purpose::parameters, static_cast<std::uint32_t>(i), step);
        out[i] = dist.sample(rng::uniform_open(r[0]), rng::uniform_open(r[1]) - 0x1p-33) * scale;
    }
    return out;
}

// A receptor with the kinetics of `prefix` ("populations.E" or "inputs[2]") + ".synapse.*".
network::receptor receptor_from(const resolved_config& cfg, const std::string& prefix, std::string name) {
    network::receptor r;
    r.name = std::move(name);
    const std::string s = prefix + ".synapse.";
    r.kind = network::parse_kinetics(cfg.string(s + "kinetics"), s + "kinetics");
    if (cfg.has(s + "tau")) r.tau = cfg.quantity(s + "tau");
    if (cfg.has(s + "tau_rise")) r.tau_rise = cfg.quantity(s + "tau_rise");
    if (cfg.has(s + "kappa")) r.kappa = cfg.quantity(s + "kappa");
    if (cfg.has(s + "duration")) r.duration = cfg.quantity(s + "duration");
    return r;
}

std::string name_of(const std::string& instance) { return instance.substr(instance.rfind('.') + 1); }

struct lowering {
    const resolved_config& cfg;
    int threads;
    std::uint64_t seed;
    network::spiking_network net;
    std::vector<std::string> pop_keys;   // "populations.E", in population order
    std::vector<double> resistance;      // GΩ per population (uniform over its neurons)

    std::size_t population(const std::string& key) const { return net.population_index(cfg.string(key)); }

    // A current in pA from a key that may hold a voltage (R·I) instead.
    double current(const std::string& key, std::size_t pop) const {
        if (auto pA = cfg.quantity_in(key, "pA")) return *pA;
        return *cfg.quantity_in(key, "mV") / resistance[pop];
    }
    // The value a synaptic event adds to a receptor: a voltage stays a voltage for delta kinetics
    // (V += w), otherwise it is R·w and becomes w = value/R.
    double event_scale(const std::string& unit, std::size_t pop, std::size_t receptor) const {
        if (unit != "mV" || net.populations[pop].receptors[receptor].kind == kinetics::delta) return 1.0;
        return 1.0 / resistance[pop];
    }

    void populations() {
        pop_keys = cfg.instances("populations");
        for (std::size_t p = 0; p < pop_keys.size(); ++p) {
            const auto& k = pop_keys[p];
            network::spiking_population pop;
            pop.name = name_of(k);
            pop.n = static_cast<std::size_t>(cfg.integer(k + ".size"));
            pop.excitatory = cfg.boolean(k + ".excitatory");
            pop.strict_threshold = cfg.string(k + ".threshold") == ">";
            double tau_m, R;
            if (cfg.has(k + ".tau_m")) {
                tau_m = cfg.quantity(k + ".tau_m");
                R = cfg.quantity(k + ".R");
            } else {  // 001 §5.1: τ_m = C_m/g_L (pF/nS = ms), R = 1/g_L (1/nS = GΩ)
                tau_m = cfg.quantity(k + ".C_m") / cfg.quantity(k + ".g_L");
                R = 1.0 / cfg.quantity(k + ".g_L");
            }
            resistance.push_back(R);
            const std::size_t n = pop.n;
            auto& lif = pop.lif;
            lif.tau_m.assign(n, tau_m);
            lif.R.assign(n, R);
            lif.V_reset.assign(n, cfg.quantity(k + ".V_reset"));
            lif.t_ref.assign(n, cfg.quantity(k + ".t_ref"));
            lif.E_L = per_neuron(cfg.qdist(k + ".E_L"), n, seed, p, neuron_parameter::E_L);
            lif.V_th = per_neuron(cfg.qdist(k + ".V_th"), n, seed, p, neuron_parameter::V_th);
            const auto I_e = cfg.qdist(k + ".I_e");
            lif.I_e = per_neuron(I_e, n, seed, p, neuron_parameter::I_e, I_e.unit == "mV" ? 1.0 / R : 1.0);
            pop.V0 = cfg.has(k + ".V0") ? per_neuron(cfg.qdist(k + ".V0"), n, seed, p, neuron_parameter::V0) : lif.E_L;
            if (const double sigma = cfg.quantity(k + ".sigma_V"); sigma > 0) lif.sigma_V.assign(n, sigma);
            if (cfg.string(k + ".model") == "adaptive_lif") {
                lif.tau_adapt = cfg.quantity(k + ".tau_adapt");
                // 001 §5.1: each spike adds β/τ_adapt to I_adapt.
                if (const double beta = cfg.quantity(k + ".beta"); beta > 0) lif.adapt_jump.assign(n, beta / lif.tau_adapt);
            }
            net.populations.push_back(std::move(pop));
        }
    }

    // Receptors: one per presynaptic population projecting in (its kinetics), then "noise", then
    // the channels inputs define.
    void receptors() {
        for (const auto& pr : cfg.instances("projections")) {
            auto& post = net.populations[population(pr + ".post")];
            const auto pre = cfg.string(pr + ".pre");
            if (post.receptor_index(pre) == network::spiking_population::npos) {
                post.receptors.push_back(receptor_from(cfg, "populations." + pre, pre));
            }
        }
        for (std::size_t p = 0; p < pop_keys.size(); ++p) {
            const auto key = pop_keys[p] + ".noise.sigma";
            if (!cfg.has(key)) continue;
            network::receptor r;
            r.name = "noise";
            r.kind = kinetics::exponential;
            r.tau = cfg.quantity(pop_keys[p] + ".noise.tau");
            auto sigma = cfg.quantity_in(key, "pA/ms^1/2");
            r.noise_sigma = sigma ? *sigma : *cfg.quantity_in(key, "mV/ms^1/2") / resistance[p];
            net.populations[p].receptors.push_back(r);
        }
        const auto inputs = cfg.instances("inputs");
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (!cfg.has(inputs[i] + ".synapse.kinetics")) continue;
            const auto name = cfg.has(inputs[i] + ".receptor") ? cfg.string(inputs[i] + ".receptor") : "input" + std::to_string(i);
            net.populations[population(inputs[i] + ".population")].receptors.push_back(receptor_from(cfg, inputs[i], name));
        }
    }

    network::synapse_table from_files(const std::string& pr, std::size_t n_pre, std::size_t n_post, std::size_t post,
                                      std::size_t receptor) const {
        const auto base = std::filesystem::path(cfg.source()).parent_path();
        auto load = [&](const std::string& key) {
            try {
                return io::read_npy(base / cfg.string(pr + "." + key)).data;
            } catch (const std::exception& e) {
                throw config_error(cfg.origin(pr + "." + key) + ": " + pr + "." + key + ": expected a readable .npy file, got " +
                                   e.what());
            }
        };
        const auto src = load("sources"), tgt = load("targets"), w = load("weights");
        auto mismatch = [&](const std::string& key, std::size_t n) {
            throw config_error(cfg.origin(pr + "." + key) + ": " + pr + "." + key + ": expected " + std::to_string(src.size()) +
                               " entries (as " + pr + ".sources), got " + std::to_string(n));
        };
        if (tgt.size() != src.size()) mismatch("targets", tgt.size());
        if (w.size() != src.size()) mismatch("weights", w.size());
        std::vector<std::uint32_t> s(src.size()), t(src.size());
        std::vector<float> wf(src.size());
        std::vector<std::uint16_t> d(src.size());
        const double scale = event_scale(cfg.string(pr + ".weights_unit"), post, receptor);
        std::vector<double> delays;
        if (cfg.has(pr + ".delays")) {
            delays = load("delays");
            if (delays.size() != src.size()) mismatch("delays", delays.size());
        }
        const double constant_delay = cfg.qdist(pr + ".delay").value;
        for (std::size_t k = 0; k < src.size(); ++k) {
            auto id_in = [&](double v, std::size_t n, const std::string& key) {
                if (!(v >= 0 && v < static_cast<double>(n) && v == std::floor(v))) {
                    throw config_error(cfg.origin(pr + "." + key) + ": " + pr + "." + key + ": expected ids in [0, " +
                                       std::to_string(n) + "), got " + std::to_string(v) + " at entry " + std::to_string(k));
                }
                return static_cast<std::uint32_t>(v);
            };
            s[k] = id_in(src[k], n_pre, "sources");
            t[k] = id_in(tgt[k], n_post, "targets");
            wf[k] = static_cast<float>(w[k] * scale);
            const double steps = (delays.empty() ? constant_delay : delays[k]) / net.dt;
            if (std::abs(steps - std::round(steps)) > 1e-6 * std::max(1.0, steps) || steps < 0 ||
                steps > network::max_delay_limit) {
                throw config_error(cfg.origin(pr + ".delays") + ": " + pr + ".delays: expected delays on the step grid in [0, " +
                                   std::to_string(network::max_delay_limit) + "]·dt, got " + std::to_string(steps) +
                                   " steps at entry " + std::to_string(k));
            }
            d[k] = static_cast<std::uint16_t>(std::llround(steps));
        }
        try {
            return network::from_arrays(n_pre, n_post, s, t, wf, d, network::max_delay_limit);
        } catch (const config_error& e) {
            throw config_error(cfg.origin(pr + ".sources") + ": " + pr + ": " + e.what());
        }
    }

    void projections() {
        const auto keys = cfg.instances("projections");
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const auto& pr = keys[i];
            const auto id = static_cast<std::uint32_t>(i);
            network::spiking_projection proj;
            proj.pre = population(pr + ".pre");
            proj.post = population(pr + ".post");
            proj.receptor = net.populations[proj.post].receptor_index(cfg.string(pr + ".pre"));
            const std::size_t n_pre = net.populations[proj.pre].n, n_post = net.populations[proj.post].n;
            const auto conn = cfg.string(pr + ".connectivity");
            if (conn == "from_file") {
                proj.synapses = from_files(pr, n_pre, n_post, proj.post, proj.receptor);
            } else {
                const bool autapses = proj.pre != proj.post || cfg.boolean(pr + ".autapses");  // not a from_file key
                if (conn == "fixed_probability") {
                    proj.synapses = network::fixed_probability(n_pre, n_post, cfg.number(pr + ".p"), autapses, seed, id, threads);
                } else if (conn == "fixed_total") {  // spec 001 §5.3: exactly round(p·N_pre·N_post)
                    const auto k = network::exact_count(cfg.number(pr + ".p"), n_pre, n_post, autapses);
                    proj.synapses = network::fixed_total_number(n_pre, n_post, k, autapses, seed, id);
                } else if (conn == "all_to_all") {
                    proj.synapses = network::all_to_all(n_pre, n_post, autapses);
                } else {
                    proj.synapses = network::fixed_indegree(n_pre, n_post, static_cast<std::size_t>(cfg.integer(pr + ".indegree")),
                                                            autapses, seed, id, threads);
                }
                network::initialise_weights(proj.synapses, weights(pr + ".weight", proj.post, proj.receptor), seed, id, threads);
                network::initialise_delays(proj.synapses, delays(pr + ".delay"), seed, id, network::max_delay_limit, threads);
            }
            network::require_dale(proj.synapses, pr);
            net.projections.push_back(std::move(proj));
        }
    }

    network::weight_distribution weights(const std::string& key, std::size_t post, std::size_t receptor) const {
        const auto d = cfg.qdist(key);
        const double s = event_scale(d.unit, post, receptor);
        constexpr double inf = std::numeric_limits<double>::infinity();
        if (d.shape == "normal") {
            const double mean = d.param("mean") * s;
            const double sd = d.has("cv") ? d.param("cv") * mean : d.param("std") * s;
            return network::weight_distribution::normal(mean, sd, d.param("clip_low", 0.0) * s, d.param("clip_high", inf) * s);
        }
        if (d.shape == "lognormal") return network::weight_distribution::lognormal(d.param("mean") * s, d.param("std") * s);
        return network::weight_distribution::constant(d.value * s);
    }

    network::delay_distribution delays(const std::string& key) const {
        const auto d = cfg.qdist(key);
        auto steps = [&](double ms) { return static_cast<std::uint32_t>(std::llround(ms / net.dt)); };
        if (d.shape == "uniform_steps") return network::delay_distribution::uniform_steps(steps(d.param("low")), steps(d.param("high")));
        if (d.shape == "paper001") return network::delay_distribution::paper001(d.param("max"), net.dt);
        return network::delay_distribution::constant(steps(d.value));
    }

    std::vector<std::uint32_t> neurons(const std::string& key, std::size_t pop) const {
        const auto n = net.populations[pop].n;
        const auto r = cfg.selection(key, n);
        std::vector<std::uint32_t> ids;
        if (r.first == 0 && r.last == n) return ids;  // empty = every neuron
        for (std::size_t i = r.first; i < r.last; ++i) ids.push_back(static_cast<std::uint32_t>(i));
        return ids;
    }

    void inputs() {
        const auto keys = cfg.instances("inputs");
        const double duration = cfg.quantity("run.duration");
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const auto& in = keys[i];
            const auto pop = population(in + ".population");
            const auto kind = cfg.string(in + ".kind");
            if (kind == "step_current") {
                network::step_current s;
                s.population = pop;
                s.neurons = neurons(in + ".neurons", pop);
                s.start = cfg.quantity(in + ".start");
                s.stop = cfg.has(in + ".stop") ? cfg.quantity(in + ".stop") : duration;
                s.amplitude = current(in + ".amplitude", pop);
                net.inputs.steps.push_back(std::move(s));
                continue;
            }
            const auto receptor_name = cfg.has(in + ".synapse.kinetics")
                                           ? (cfg.has(in + ".receptor") ? cfg.string(in + ".receptor") : "input" + std::to_string(i))
                                           : cfg.string(in + ".receptor");
            const auto receptor = net.populations[pop].receptor_index(receptor_name);
            const auto unit = cfg.quantity_in(in + ".weight", "pA") ? "pA" : "mV";
            const double weight = *cfg.quantity_in(in + ".weight", unit) * event_scale(unit, pop, receptor);
            if (kind == "poisson") {
                network::poisson_input p;
                p.population = pop;
                p.receptor = receptor;
                p.neurons = neurons(in + ".neurons", pop);
                p.rate_hz = cfg.quantity(in + ".rate");
                p.sources = static_cast<std::uint32_t>(cfg.integer(in + ".sources"));
                p.weight = weight;
                p.start = cfg.quantity(in + ".start");
                if (cfg.has(in + ".stop")) p.stop = cfg.quantity(in + ".stop");
                net.inputs.poisson.push_back(std::move(p));
            } else {
                network::spike_input s;
                s.population = pop;
                s.receptor = receptor;
                s.neurons = neurons(in + ".neurons", pop);
                s.times = cfg.quantity_list(in + ".times");
                s.weight = weight;
                net.inputs.spikes.push_back(std::move(s));
            }
        }
    }
};

}  // namespace

std::vector<double> initial_potentials(const resolved_config& cfg, std::size_t pop, std::size_t n) {
    const auto key = cfg.instances("populations").at(pop);
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    return per_neuron(cfg.qdist(key + (cfg.has(key + ".V0") ? ".V0" : ".E_L")), n, seed, pop,
                      cfg.has(key + ".V0") ? neuron_parameter::V0 : neuron_parameter::E_L);
}

std::size_t steps_of(const resolved_config& cfg, const std::string& key) {
    return static_cast<std::size_t>(std::llround(cfg.quantity(key) / cfg.quantity("run.dt")));
}

network::spiking_network build_spiking_network(const resolved_config& cfg, int threads) {
    lowering l{cfg, threads, static_cast<std::uint64_t>(cfg.integer("run.seed")), {}, {}, {}};
    l.net.dt = cfg.quantity("run.dt");
    // Study "convergence" has no run.method: its integrators are listed in [convergence].
    if (cfg.has("run.method")) l.net.method = network::parse_integrator(cfg.string("run.method"), "run.method");
    if (cfg.has("run.precision")) l.net.real = network::parse_precision(cfg.string("run.precision"), "run.precision");
    l.populations();
    l.receptors();
    l.projections();
    l.inputs();
    l.net.validate();
    return std::move(l.net);
}

}  // namespace einet::config
