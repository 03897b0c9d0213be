#include "einet/lowrank/model.hpp"

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/engine/spike_policies.hpp"

namespace einet::lowrank {

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw config_error(where + ": " + what); }

std::uint32_t pulse_steps(double tau_s, double dt) { return static_cast<std::uint32_t>(std::max<long long>(1, std::llround(tau_s / dt))); }

}  // namespace

std::vector<double> linspace(double a, double b, std::size_t n) {
    std::vector<double> v(n);
    // NumPy's formula: a + k·step, the last point set to b.
    const double step = n > 1 ? (b - a) / static_cast<double>(n - 1) : 0.0;
    for (std::size_t k = 0; k < n; ++k) v[k] = a + static_cast<double>(k) * step;
    if (n > 1) v[n - 1] = b;
    return v;
}

std::vector<double> hold_then_ramp(std::size_t n, double from, double to, std::size_t hold) {
    std::vector<double> x(std::min(hold, n), from);
    if (n > hold) {
        const auto ramp = linspace(from, to, n - hold);
        x.insert(x.end(), ramp.begin(), ramp.end());
    }
    return x;
}

model jitter_decoders(const model& m, double sigma_D, std::uint64_t seed) {
    model out = m;
    for (std::size_t p = 0; p < out.populations.size(); ++p) {
        auto& pop = out.populations[p];
        const auto base = pop.D;
        if (pop.D_cross.empty()) pop.D_cross = base;
        for (std::size_t i = 0; i < base.size(); ++i) {
            const auto z = rng::normals4(seed, rng::purpose::parameters, static_cast<std::uint32_t>(i), p, 0x51);
            auto scaled = [&](double d, double xi) {
                const double v = d * (1.0 + sigma_D * xi);
                return v * d > 0 ? v : 0.0;  // a magnitude below 0 is set to 0 (spec Fig 8f)
            };
            pop.D[i] = scaled(base[i], z[0]);
            pop.D_cross[i] = scaled(base[i], z[1]);
        }
    }
    return out;
}

model jitter_thresholds(const model& m, std::uint64_t seed, std::uint64_t stream) {
    model out = m;
    for (std::size_t p = 0; p < out.populations.size(); ++p) {
        auto& pop = out.populations[p];
        if (pop.T_jitter == 0) continue;
        for (std::size_t i = 0; i < pop.T.size(); ++i) {
            const auto z = rng::normals4(seed, rng::purpose::parameters, static_cast<std::uint32_t>(i), stream, 0x52 + 0x100 * static_cast<std::uint32_t>(p));
            pop.T[i] += pop.T_jitter * z[0];
        }
    }
    return out;
}

double decoder_angle(const model& m) {
    double sum = 0;
    for (const auto& pop : m.populations) {
        const auto& c = pop.D_cross.empty() ? pop.D : pop.D_cross;
        double dot = 0, a = 0, b = 0;
        for (std::size_t i = 0; i < pop.D.size(); ++i) dot += pop.D[i] * c[i], a += pop.D[i] * pop.D[i], b += c[i] * c[i];
        sum += a > 0 && b > 0 ? std::acos(std::clamp(dot / std::sqrt(a * b), -1.0, 1.0)) * 180.0 / M_PI : 0.0;
    }
    return sum / static_cast<double>(m.populations.size());
}

void model::validate() const {
    if (populations.empty() || populations.size() > 2) fail("lowrank", "expected one population (rank 1) or two (E and I, rank 2)");
    if (populations.size() == 2 && populations[0].excitatory == populations[1].excitatory) {
        fail("lowrank", "expected one excitatory and one inhibitory population for a rank-2 network");
    }
    if (!(tau > 0) || !(dt > 0)) fail("lowrank.tau", "expected tau > 0 and dt > 0");
    if (kind == network_kind::rate && !(beta > 0 && std::isfinite(beta))) fail("lowrank.beta", "expected a finite slope beta > 0");
    if (x.size() < 2) fail("lowrank.input", "expected at least two input samples (duration >= 2 dt)");
    for (double v : x) {
        if (!std::isfinite(v)) fail("lowrank.input", "expected finite input values");
    }
    for (const auto& p : populations) {
        const std::string where = "neurons." + p.name;
        const std::size_t n = p.size();
        if (n == 0) fail(where + ".T", "expected at least one neuron");
        const std::pair<const char*, const std::vector<double>*> arrays[] = {
            {"F", &p.F}, {"E_self", &p.E_self}, {"E_cross", &p.E_cross}, {"D", &p.D}};
        for (const auto& [key, v] : arrays) {
            if (v->size() != n && !(v == &p.E_cross && populations.size() == 1)) {
                fail(where + "." + key, "expected " + std::to_string(n) + " values (one per neuron), got " + std::to_string(v->size()));
            }
            for (double e : *v) {
                if (!std::isfinite(e)) fail(where + "." + key, "expected finite values");
            }
        }
        if (!p.D_cross.empty() && p.D_cross.size() != n) fail(where + ".D_cross", "expected " + std::to_string(n) + " values or none");
        if (!p.D_perp.empty() && p.D_perp.size() != n) fail(where + ".D_perp", "expected " + std::to_string(n) + " values or none");
        for (const auto* v : {&p.E_self, &p.E_cross}) {
            for (double e : *v) {
                if (e < 0) fail(where + (v == &p.E_self ? ".E_self" : ".E_cross"), "expected encoders >= 0 (Dale's law), got " + std::to_string(e));
            }
        }
        for (const auto* v : {&p.D, &p.D_cross}) {
            for (double d : *v) {
                if (p.excitatory ? d < 0 : d > 0) {
                    fail(where + (v == &p.D ? ".D" : ".D_cross"), std::string("expected decoders ") + (p.excitatory ? ">= 0" : "<= 0") +
                                                                      " for an " + (p.excitatory ? "excitatory" : "inhibitory") +
                                                                      " population (Dale's law), got " + std::to_string(d));
                }
            }
        }
        if (!(p.mu >= 0)) fail(where + ".mu", "expected >= 0");
        if (!(p.T_jitter >= 0) || !std::isfinite(p.T_jitter)) fail(where + ".T_jitter", "expected a finite value >= 0");
        if (p.y0 && !std::isfinite(*p.y0)) fail(where + ".y0", "expected a finite initial latent");
        if (kind == network_kind::rate && p.y0) fail(where + ".y0", "not available in rate networks (lowrank.network = \"rate\"; use rho0)");
        if (!(p.sigma_V >= 0)) fail(where + ".sigma_V", "expected >= 0");
        if (kind == network_kind::rate && !p.D_perp.empty()) fail(where + ".D_perp", "not available in rate networks (lowrank.network = \"rate\")");
        if (kind == network_kind::rate && p.I_ext != 0) fail(where + ".I_ext", "not available in rate networks (lowrank.network = \"rate\")");
        if (!p.rho0.empty() && p.rho0.size() != n) fail(where + ".rho0", "expected " + std::to_string(n) + " values or none");
        for (double r : p.rho0) {
            if (!(r > 0 && r < 1)) fail(where + ".rho0", "expected initial rates in (0, 1) (rho = sigma_beta(V - T)), got " + std::to_string(r));
        }
        if (kind == network_kind::spiking && synapses != synapse_model::instantaneous && !(p.tau_s > 0)) fail(where + ".tau_s", "expected > 0 with finite synapses");
    }
    if (rule != spike_rule::all_above && synapses != synapse_model::instantaneous) {
        // Allowed, but the paper never does it; nothing to refuse.
    }
}

lowered lower(const model& m) {
    m.validate();
    lowered out;
    auto& net = out.net;
    net.dt = m.dt;
    net.method = m.method;
    const std::size_t P = m.populations.size();
    const bool ei = P == 2;
    auto receptor_for = [&](const population_spec& pre) {
        network::receptor r;
        r.name = pre.name;
        switch (m.synapses) {
            case synapse_model::instantaneous: r.kind = m.instant_kinetics; break;
            case synapse_model::pulse:
                r.kind = network::kinetics::pulse;
                r.duration = pulse_steps(pre.tau_s, m.dt) * m.dt;
                break;
            case synapse_model::exponential:
                r.kind = network::kinetics::exponential;
                r.tau = pre.tau_s;
                break;
        }
        return r;
    };
    // What one unit in the receptor does to V in total: 1 for instantaneous, τ_s/τ for a pulse or
    // an exponential current (explicit Euler); encoders are divided by it so one spike moves V by W.
    auto charge = [&](const population_spec& pre) {
        if (m.synapses == synapse_model::instantaneous) return 1.0;
        if (m.synapses == synapse_model::pulse) return pulse_steps(pre.tau_s, m.dt) * m.dt / m.tau;
        return pre.tau_s / m.tau;
    };
    bool from_latents = false;
    for (const auto& s : m.populations) from_latents = from_latents || s.y0.has_value();
    for (std::size_t p = 0; p < P; ++p) {
        const auto& s = m.populations[p];
        const std::size_t n = s.size();
        auto pop = network::spiking_population::uniform(s.name, n, s.excitatory, m.tau, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0);
        for (std::size_t k = 0; k < n; ++k) pop.lif.I_e[k] = 1.0 - s.T[k];  // θ = 1, b = 1 − T (spec §2.1)
        pop.V0.assign(n, 0.0);
        if (from_latents) {
            // Spec §2.1: V_0 = F x_0 + E_self y_0 + E_cross y_0^other + 1 − T (latents not given count 0).
            const double other = P == 2 ? m.populations[1 - p].y0.value_or(0.0) : 0.0;
            for (std::size_t k = 0; k < n; ++k) {
                pop.V0[k] = s.F[k] * m.x[0] + s.E_self[k] * s.y0.value_or(0.0) + (P == 2 ? s.E_cross[k] * other : 0.0) + 1.0 - s.T[k];
            }
        }
        if (s.sigma_V > 0) pop.lif.sigma_V.assign(n, std::sqrt(2.0) * s.sigma_V);  // √(2h) σ_V ξ per step
        pop.reset = m.clamp ? network::spike_reset::to_threshold : network::spike_reset::none;
        for (const auto& pre : m.populations) pop.receptors.push_back(receptor_for(pre));
        network::receptor self;
        self.name = "self";
        self.kind = network::kinetics::discrete_delta;
        pop.receptors.push_back(self);
        pop.self_receptor = P;
        net.populations.push_back(std::move(pop));
    }
    for (std::size_t post = 0; post < P; ++post) {
        const auto& X = m.populations[post];
        for (std::size_t pre = 0; pre < P && !m.feedforward; ++pre) {
            const auto& Y = m.populations[pre];
            network::lowrank_projection pr;
            pr.pre = pre;
            pr.post = post;
            pr.receptor = pre;
            pr.rank = 1;
            const auto& E = pre == post ? X.E_self : X.E_cross;
            const double c = charge(Y);
            for (double e : E) pr.encoders.push_back(e / c);
            pr.decoders = (pre != post && !Y.D_cross.empty()) ? Y.D_cross : Y.D;
            // Spec §2.1: negative self terms stay instantaneous; an E population of an E-I pair
            // keeps its self-excitation in the synaptic channel.
            pr.exclude_self = pre == post && m.synapses != synapse_model::instantaneous && !(ei && X.excitatory) && !m.synaptic_self;
            net.lowrank.push_back(std::move(pr));
        }
        auto& pop = net.populations[post];
        const bool self_diag = m.feedforward || net.lowrank[post * P + post].exclude_self;
        if (X.mu != 0 || self_diag) {
            pop.self_weight.assign(X.size(), -X.mu);  // W_self = (E_i D_i if not synaptic) − μ (S9)
            if (self_diag) {
                for (std::size_t k = 0; k < X.size(); ++k) pop.self_weight[k] = X.E_self[k] * X.D[k] - X.mu;
            }
        }
        network::latent_readout r;
        r.name = X.name;
        r.population = post;
        r.decoders = X.D;
        r.tau = m.tau;
        if (X.y0) r.y0 = {*X.y0};  // the readout starts at y_0 (r_0 = y_0/D in the spec's filter)
        if (m.synapses == synapse_model::pulse) {
            r.shape = network::latent_readout::kernel::pulse;
            r.pulse_steps = pulse_steps(X.tau_s, m.dt);
        } else if (m.synapses == synapse_model::exponential) {
            r.shape = network::latent_readout::kernel::exponential;
            r.tau_s = X.tau_s;
        }
        out.readouts.push_back(std::move(r));
        // F·c(t): c_n = (x_n − x_{n−1})/h + x_{n−1} enters the update to V_n, i.e. engine step n − 1.
        network::signal_current in;
        in.population = post;
        in.gain = X.F;
        const double h = m.dt / m.tau;
        for (std::size_t k = 1; k < m.x.size(); ++k) in.values.push_back((m.x[k] - m.x[k - 1]) / h + m.x[k - 1]);
        net.inputs.signals.push_back(std::move(in));
        if (X.I_ext != 0 && std::isfinite(X.I_ext_start)) {
            network::step_current st;
            st.population = post;
            st.start = X.I_ext_start;
            st.stop = std::numeric_limits<double>::infinity();
            st.amplitude = X.I_ext;
            net.inputs.steps.push_back(st);
        }
    }
    for (std::size_t p = 0; p < P; ++p) {  // orthogonal readouts (Fig 7) after the latents
        if (m.populations[p].D_perp.empty()) continue;
        auto r = out.readouts[p];
        r.name = m.populations[p].name + "_perp";
        r.decoders = m.populations[p].D_perp;
        r.y0.clear();  // y_0 fixes D·r_0 only: the orthogonal readout starts at 0
        out.readouts.push_back(std::move(r));
    }
    switch (m.rule) {
        case spike_rule::one_per_step:
            out.policy = std::make_unique<engine::one_spike_per_step>(std::vector<int>(P, 0));
            break;
        case spike_rule::inhibition_first:
            out.policy = std::make_unique<engine::one_spike_per_step>(engine::one_spike_per_step::inhibition_first(net));
            break;
        case spike_rule::all_above:
            out.policy = std::make_unique<engine::refractory_gate>(
                net, std::vector<std::int32_t>(P, static_cast<std::int32_t>(m.refractory / m.dt + 1e-9)));
            break;
    }
    out.steps = m.x.size() - 1;
    net.validate();
    return out;
}

}  // namespace einet::lowrank
