#include "einet/config/lowrank_study.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/core/error.hpp"
#include "einet/lowrank/geometry.hpp"
#include "einet/lowrank/rate_limit.hpp"
#include "einet/lowrank/simulate.hpp"
#include "einet/lowrank/smooth_dc.hpp"
#include "einet/record/recorded_array.hpp"
#include "lowrank_pooled.hpp"

namespace einet::config {

namespace {

// One value for every neuron, or one per neuron.
std::vector<double> per_neuron(const resolved_config& cfg, const std::string& key, std::size_t n) {
    if (!cfg.has(key)) return {};
    auto v = cfg.number_list(key);
    if (v.size() == 1) return std::vector<double>(n, v[0]);
    if (v.size() != n) {
        throw config_error(cfg.origin(key) + ": " + key + ": expected one value or " + std::to_string(n) +
                           " (one per neuron, size = " + std::to_string(n) + "), got " + std::to_string(v.size()));
    }
    return v;
}

std::vector<double> input_samples(const resolved_config& cfg, std::size_t n) {
    const std::string shape = cfg.string("lowrank.input.shape");
    const double dt = cfg.quantity("run.dt");
    if (shape == "constant") return std::vector<double>(n, cfg.number("lowrank.input.value"));
    if (shape == "step") {
        const auto at = static_cast<std::size_t>(std::llround(cfg.quantity("lowrank.input.at") / dt));
        std::vector<double> x(n, cfg.number("lowrank.input.after"));
        for (std::size_t k = 0; k < std::min(at, n); ++k) x[k] = cfg.number("lowrank.input.before");
        return x;
    }
    const double from = cfg.number("lowrank.input.from"), to = cfg.number("lowrank.input.to");
    if (shape == "linspace") return lowrank::linspace(from, to, n);
    const auto hold = static_cast<std::size_t>(static_cast<double>(n) * cfg.number("lowrank.input.hold"));
    return lowrank::hold_then_ramp(n, from, to, hold);
}

struct quadratic {
    double a = 0, b = 0, c = 0;
    double operator()(double x) const { return a * x * x + b * x + c; }
};

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

record::recorded_array array(std::string name, std::vector<double> values, std::string axes, std::string unit, std::string doc) {
    return record::make_array(std::move(name), std::move(values), {}, std::move(axes), std::move(unit), std::move(doc));
}

}  // namespace

namespace {

// The difference-of-convex design of [lowrank] design_* (spec A2, A3; Fig 14), if any.
struct dc_setup {
    lowrank::piecewise_linear f;
    std::vector<double> grid_x, grid_f;  // design_target = "gp": the smooth sample f on its grid (Fig 14a)
    lowrank::smooth_dc smooth;           // and its smooth decomposition (Fig 14b-d)
    lowrank::dc_pair dc;
    double a_E = 1, a_I = 2, c_E = 0, c_I = 0;
    // y^E* = (f + c_E − c_I)/(a_I − a_E) (spec S21): what the designed crossing computes.
    double crossing(double x) const { return (f(x) + c_E - c_I) / (a_I - a_E); }
};

// design_target = "gp" (Fig 14): the GP sample normalised to [low, high] on its grid, its smooth DC
// pair and the piecewise-linear version with knots at its extrema.
void gp_target(const resolved_config& cfg, dc_setup& d) {
    const std::string g = "lowrank.design_gp.";
    const auto n = static_cast<std::size_t>(cfg.integer(g + "points"));
    auto f = lowrank::gp_sample(lowrank::linspace(0.0, cfg.number(g + "span"), n), cfg.number(g + "inv_length"), cfg.number(g + "sigma"),
                                cfg.number(g + "offset"), static_cast<std::uint64_t>(cfg.integer(g + "seed")));
    const double lo = *std::min_element(f.begin(), f.end()), hi = *std::max_element(f.begin(), f.end());
    const double low = cfg.number(g + "low"), high = cfg.number(g + "high");
    if (!(hi > lo) || !(high > low)) throw config_error(cfg.origin(g + "high") + ": " + g + "high: expected high > low and a non-constant sample");
    for (auto& v : f) v = low + (high - low) * (v - lo) / (hi - lo);
    d.grid_x = lowrank::linspace(cfg.number(g + "from"), cfg.number(g + "to"), n);
    d.grid_f = f;
    d.smooth = lowrank::dc_decompose_smooth(d.grid_x, f, cfg.number(g + "centre"));
    d.f = lowrank::extrema_knots(d.grid_x, f, cfg.number(g + "min_step"));
}

std::optional<dc_setup> dc_design_of(const resolved_config& cfg) {
    const bool gp = cfg.string("lowrank.design_target") == "gp";
    if (!gp && !cfg.has("lowrank.design_knots")) return std::nullopt;
    const std::string key = "lowrank.design_knots";
    dc_setup d;
    if (gp) {
        gp_target(cfg, d);
    } else {
        d.f.knots = cfg.number_list(key);
        if (!cfg.has("lowrank.design_values")) throw config_error(cfg.origin(key) + ": lowrank.design_values: expected the target's values at the knots");
        d.f.values = cfg.number_list("lowrank.design_values");
        if (d.f.values.size() != d.f.knots.size()) {
            throw config_error(cfg.origin("lowrank.design_values") + ": lowrank.design_values: expected one value per knot (" +
                               std::to_string(d.f.knots.size()) + "), got " + std::to_string(d.f.values.size()));
        }
        d.f.check(cfg.origin(key) + ": " + key);
    }
    auto pair_of = [&](const std::string& k, double a, double b) {
        const auto v = cfg.has(k) ? cfg.number_list(k) : std::vector<double>{a, b};
        if (v.size() != 2) throw config_error(cfg.origin(k) + ": " + k + ": expected two values (E, I)");
        return v;
    };
    const auto a = pair_of("lowrank.design_slopes_y", 1.0, 2.0), c = pair_of("lowrank.design_offsets", 0.0, 0.0);
    d.a_E = a[0], d.a_I = a[1], d.c_E = c[0], d.c_I = c[1];
    if (!(d.a_E > 0) || !(d.a_I > d.a_E)) {
        throw config_error(cfg.origin("lowrank.design_knots") + ": lowrank.design_slopes_y: expected 0 < a_E < a_I (a stable crossing, spec §3.4)");
    }
    d.dc = lowrank::dc_decompose(d.f, cfg.number("lowrank.design_slope"));
    return d;
}

}  // namespace

lowrank::model build_lowrank_model(const resolved_config& cfg) {
    lowrank::model m;
    m.dt = cfg.quantity("run.dt");
    m.tau = cfg.quantity("lowrank.tau");
    if (cfg.string("lowrank.network") == "rate") m.kind = lowrank::network_kind::rate;
    m.beta = cfg.number("lowrank.beta");
    const std::string syn = cfg.string("lowrank.synapses");
    m.synapses = syn == "pulse" ? lowrank::synapse_model::pulse
                 : syn == "exponential" ? lowrank::synapse_model::exponential
                                        : lowrank::synapse_model::instantaneous;
    const std::string rule = cfg.string("lowrank.rule");
    m.rule = rule == "inhibition_first" ? lowrank::spike_rule::inhibition_first
             : rule == "all_above"      ? lowrank::spike_rule::all_above
                                        : lowrank::spike_rule::one_per_step;
    m.clamp = cfg.boolean("lowrank.clamp");
    m.feedforward = cfg.boolean("lowrank.feedforward");
    m.synaptic_self = cfg.string("lowrank.self_reset") == "synaptic";
    m.refractory = cfg.quantity("lowrank.refractory");
    if (cfg.string("lowrank.integrator") == "exact") {
        m.method = network::integrator::exact;
        m.instant_kinetics = network::kinetics::delta;
    }
    const auto n_T = static_cast<std::size_t>(std::llround(cfg.quantity("lowrank.duration") / m.dt));
    m.x = input_samples(cfg, n_T);
    const auto names = cfg.instances("neurons");
    const auto dc = dc_design_of(cfg);  // drawn once (a GP target costs a Cholesky), shared by E and I
    for (const auto& inst : names) {
        lowrank::population_spec p;
        p.name = inst.substr(std::string("neurons.").size());
        const auto n = static_cast<std::size_t>(cfg.integer(inst + ".size"));
        p.excitatory = cfg.boolean(inst + ".excitatory");
        if (cfg.string(inst + ".thresholds") == "dc_design") {
            if (!dc) throw config_error(cfg.origin(inst + ".thresholds") + ": " + inst + ".thresholds: dc_design expects lowrank.design_knots and design_values");
            const auto design = lowrank::design_ei(dc->dc, dc->a_E, dc->a_I, dc->c_E, dc->c_I);
            const auto& src = p.excitatory ? design.E : design.I;
            if (src.size() != n) {
                throw config_error(cfg.origin(inst + ".size") + ": " + inst + ".size: expected " + std::to_string(src.size()) +
                                   " (one neuron per piece of the design), got " + std::to_string(n));
            }
            p.F = src.F, p.E_self = src.E_self, p.E_cross = src.E_cross, p.T = src.T;
        } else if (cfg.string(inst + ".thresholds") == "convex_design") {
            // Boundary design for one population (spec A4 for a piecewise-linear convex f): the
            // boundary y = −f(x), one neuron per piece; a non-convex target is refused naming the key.
            if (!dc) throw config_error(cfg.origin(inst + ".thresholds") + ": " + inst + ".thresholds: convex_design expects lowrank.design_knots and design_values");
            const auto lines = lowrank::design_convex(dc->f, cfg.origin("lowrank.design_values") + ": lowrank.design_values");
            if (lines.F.size() != n) {
                throw config_error(cfg.origin(inst + ".size") + ": " + inst + ".size: expected " + std::to_string(lines.F.size()) +
                                   " (one neuron per piece of the target), got " + std::to_string(n));
            }
            p.F = lines.F, p.E_self = lines.E, p.T = lines.T;
        } else if (cfg.string(inst + ".thresholds") == "quadratic_tangents") {
            const auto lines = lowrank::tangents_of_quadratic(cfg.number(inst + ".design.a"), cfg.number(inst + ".design.b"),
                                                              cfg.number(inst + ".design.c"),
                                                              lowrank::linspace(cfg.number(inst + ".design.from"), cfg.number(inst + ".design.to"), n));
            p.F = lines.F;
            p.E_self = lines.E;
            p.T = lines.T;
        } else {
            p.F = per_neuron(cfg, inst + ".F", n);
            p.E_self = per_neuron(cfg, inst + ".E_self", n);
            if (cfg.string(inst + ".thresholds") == "explicit" && !cfg.has(inst + ".T")) {
                throw config_error(cfg.origin(inst + ".size") + ": " + inst + ".T: expected thresholds T_k (thresholds = \"explicit\")");
            }
            p.T = cfg.string(inst + ".thresholds") == "explicit"
                      ? per_neuron(cfg, inst + ".T", n)
                      : lowrank::tune_thresholds(p.E_self, p.F, cfg.number(inst + ".design.a"), cfg.number(inst + ".design.b"),
                                                 cfg.number(inst + ".design.c"));  // A6 (Fig 13)
        }
        if (p.E_cross.empty()) p.E_cross = per_neuron(cfg, inst + ".E_cross", n);
        if (names.size() == 2 && p.E_cross.empty()) {
            throw config_error(cfg.origin(inst + ".size") + ": " + inst + ".E_cross: expected encoders onto the other population's latent (a rank-2 network)");
        }
        p.D = per_neuron(cfg, inst + ".D", n);
        p.D_cross = per_neuron(cfg, inst + ".D_cross", n);
        p.D_perp = per_neuron(cfg, inst + ".D_perp", n);
        p.rho0 = per_neuron(cfg, inst + ".rho0", n);
        if (cfg.has(inst + ".y0")) p.y0 = cfg.number(inst + ".y0");
        p.T_jitter = cfg.number(inst + ".T_jitter");
        p.mu = cfg.number(inst + ".mu");
        p.sigma_V = cfg.number(inst + ".sigma_V");
        if (cfg.has(inst + ".tau_s")) p.tau_s = cfg.quantity(inst + ".tau_s");
        p.I_ext = cfg.number(inst + ".I_ext");
        p.I_ext_start = cfg.quantity(inst + ".I_ext_start");
        m.populations.push_back(std::move(p));
    }
    // E first: the order of the paper's block equations (and of the arrays).
    if (m.populations.size() == 2 && !m.populations[0].excitatory) std::swap(m.populations[0], m.populations[1]);
    m.validate();
    return m;
}

namespace {

// One trial: its scalar measurements (summary) and, for the trial shown, its arrays.
struct measured {
    io::json scalars = io::json::object();
    std::vector<record::recorded_array> arrays;
};

// The samples [measure_from, measure_to) of the measurement window.
lowrank::sample_window measurement_window(const resolved_config& cfg, const lowrank::model& m) {
    const std::size_t n_T = m.x.size();
    const auto first = static_cast<std::size_t>(std::llround(cfg.quantity("lowrank.measure_from") / m.dt));
    const auto last = cfg.has("lowrank.measure_to") ? std::min(n_T, static_cast<std::size_t>(std::llround(cfg.quantity("lowrank.measure_to") / m.dt))) : n_T;
    return {first, last};
}

// A rank-2 network whose neurons are identical within each population, as the latent model S16.
std::optional<lowrank::homogeneous_ei> homogeneous_of(const lowrank::model& m) {
    if (m.populations.size() != 2) return std::nullopt;
    for (const auto& p : m.populations) {
        for (const auto* v : {&p.F, &p.E_self, &p.E_cross, &p.T, &p.D}) {
            if (std::any_of(v->begin(), v->end(), [&](double a) { return a != v->front(); })) return std::nullopt;
        }
        if (!p.D_cross.empty() && p.D_cross != p.D) return std::nullopt;
    }
    const auto &E = m.populations[0], &I = m.populations[1];
    lowrank::homogeneous_ei h;
    h.N_E = static_cast<double>(E.size()), h.N_I = static_cast<double>(I.size());
    h.D_E = E.D[0], h.D_I_abs = -I.D[0];
    h.F_E = E.F[0], h.F_I = I.F[0], h.T_E = E.T[0], h.T_I = I.T[0];
    h.E_EE = E.E_self[0], h.E_EI = E.E_cross[0], h.E_IE = I.E_cross[0], h.E_II = I.E_self[0];
    return h;
}

// `window` = measurement_window(cfg, m) and `dc` = dc_design_of(cfg), computed once by the caller.
measured measure(const resolved_config& cfg, const lowrank::model& m, const lowrank::trajectory& tr,
                 lowrank::sample_window window, const std::optional<dc_setup>& dc) {
    const std::size_t n_T = m.x.size();
    const double dt = m.dt;
    const std::size_t first = window.first, last = window.last;
    const double x_lo = cfg.has("lowrank.measure_x_min") ? cfg.number("lowrank.measure_x_min") : -INFINITY;
    const double x_hi = cfg.has("lowrank.measure_x_max") ? cfg.number("lowrank.measure_x_max") : INFINITY;
    auto in_window = [&](std::size_t n) { return n >= first && n < last && m.x[n] >= x_lo && m.x[n] < x_hi; };

    measured out;
    auto& s = out.scalars;
    auto& arrays = out.arrays;
    std::vector<double> t(n_T);
    for (std::size_t n = 0; n < n_T; ++n) t[n] = static_cast<double>(n) * dt;
    arrays.push_back(array("t", t, "step", "ms", "sample times t_n"));
    arrays.push_back(array("x", m.x, "step", "", "filtered input x(t_n)"));
    std::size_t counted = 0;
    std::vector<char> active_E;  // neurons of the first population that fire in the window
    for (std::size_t p = 0; p < m.populations.size(); ++p) {
        const auto& pop = m.populations[p];
        arrays.push_back(array("y_" + pop.name, tr.y[p], "step", "", "latent readout y = D·r (signed; paper 000 Eq. S5)"));
        std::vector<double> w;
        for (std::size_t n = first; n < last; ++n) w.push_back(std::abs(tr.y[p][n]));
        s["mean_y" + pop.name] = mean(w);  // |y| (the paper plots |y^I|)
        if (m.kind == lowrank::network_kind::rate) continue;  // rates, no spikes: no spike summaries
        std::vector<double> st, id, counts(pop.size(), 0.0);
        double in_pop = 0;
        for (std::size_t k = 0; k < tr.spikes[p].step.size(); ++k) {
            const auto n = tr.spikes[p].step[k];
            st.push_back(static_cast<double>(n) * dt);
            id.push_back(tr.spikes[p].id[k]);
            counts[tr.spikes[p].id[k]] += 1;
            if (n >= first && n < last) {
                ++counted;
                ++in_pop;
            }
        }
        // Mean rate per neuron over the window (Hz; time in ms).
        s["rate_" + pop.name] = last > first ? in_pop / (static_cast<double>(pop.size()) * static_cast<double>(last - first) * dt * 1e-3) : 0.0;
        s["spikes_" + pop.name] = static_cast<double>(st.size());
        if (p == 0 && cfg.has("lowrank.count_neuron")) {
            const auto k = static_cast<std::size_t>(cfg.integer("lowrank.count_neuron"));
            if (k >= pop.size()) throw config_error(cfg.origin("lowrank.count_neuron") + ": lowrank.count_neuron: expected a neuron below " + std::to_string(pop.size()));
            s["count"] = counts[k];
        }
        arrays.push_back(array("spike_times_" + pop.name, st, "spike", "ms", "spike times"));
        arrays.push_back(array("spike_ids_" + pop.name, id, "spike", "", "neuron ids"));
        arrays.push_back(array("spike_counts_" + pop.name, counts, "neuron", "", "spikes per neuron over the run"));
        // Median ISI CV over the neurons with ≥ 3 spikes in the window (Figs 6, 8: irregularity).
        std::vector<double> wt;
        std::vector<std::uint64_t> wid;
        for (std::size_t k = 0; k < st.size(); ++k) {
            if (tr.spikes[p].step[k] >= first && tr.spikes[p].step[k] < last) wt.push_back(st[k]), wid.push_back(tr.spikes[p].id[k]);
        }
        if (p == 0) {
            active_E.assign(pop.size(), 0);
            for (auto i : wid) active_E[i] = 1;
        }
        if (!tr.mean_V.empty()) {
            // Mean voltage (threshold 1) over the window: active neurons (a spike in the window) vs
            // silent ones (Fig 8: silent E2 sits hyperpolarised, spec §3.6).
            std::vector<char> fired(pop.size(), 0);
            for (auto i : wid) fired[i] = 1;
            std::vector<double> on, off;
            for (std::size_t i = 0; i < pop.size(); ++i) (fired[i] ? on : off).push_back(tr.mean_V[p][i]);
            if (!on.empty()) s["mean_V_active_" + pop.name] = mean(on);
            if (!off.empty()) s["mean_V_silent_" + pop.name] = mean(off);
            arrays.push_back(array("mean_V_" + pop.name, tr.mean_V[p], "neuron", "", "mean voltage over the window (threshold 1)"));
            if (p == 0 && cfg.has("lowrank.voltage_neuron")) {
                const auto k = static_cast<std::size_t>(cfg.integer("lowrank.voltage_neuron"));
                if (k >= pop.size()) throw config_error(cfg.origin("lowrank.voltage_neuron") + ": lowrank.voltage_neuron: expected a neuron below " + std::to_string(pop.size()));
                s["mean_V_neuron"] = tr.mean_V[p][k];
                s["spikes_neuron"] = static_cast<double>(std::count(wid.begin(), wid.end(), k));
            }
        }
        auto cvs = analysis::cv_isi({wt.data(), wid.data(), wt.size(), pop.size()}, 3);
        cvs.erase(std::remove_if(cvs.begin(), cvs.end(), [](double c) { return !std::isfinite(c); }), cvs.end());
        if (!cvs.empty()) {
            std::sort(cvs.begin(), cvs.end());
            s["median_cv_isi_" + pop.name] = cvs.size() % 2 ? cvs[cvs.size() / 2] : 0.5 * (cvs[cvs.size() / 2 - 1] + cvs[cvs.size() / 2]);
        }
    }
    const bool spiking = m.kind == lowrank::network_kind::spiking;
    if (spiking) s["population_spike_count"] = static_cast<double>(counted);
    s["decoder_angle"] = lowrank::decoder_angle(m);
    if (m.populations.size() == 2 && spiking) {
        // Balance (Fig 8d): the excitatory and inhibitory parts of the E neurons' input,
        // V⁺ = F x + E^{EE} y^E and V⁻ = −E^{EI}|y^I|, averaged over the window and the active neurons.
        const auto& E = m.populations[0];
        std::vector<double> Fa, Ea, Ca;
        for (std::size_t i = 0; i < E.size(); ++i) {
            if (active_E[i]) Fa.push_back(E.F[i]), Ea.push_back(E.E_self[i]), Ca.push_back(E.E_cross[i]);
        }
        const double F = mean(Fa), Ee = mean(Ea), Ei = mean(Ca);
        double vp = 0, vm = 0;
        for (std::size_t n = first; n < last; ++n) {
            vp += F * m.x[n] + Ee * tr.y[0][n];
            vm -= Ei * std::abs(tr.y[1][n]);
        }
        s["V_plus_E"] = vp / static_cast<double>(last - first);
        s["V_minus_E"] = vm / static_cast<double>(last - first);
    }
    if (cfg.has("lowrank.latent_reference")) {
        const auto ref = cfg.number_list("lowrank.latent_reference");
        if (ref.size() != m.populations.size()) {
            throw config_error(cfg.origin("lowrank.latent_reference") + ": lowrank.latent_reference: expected one value per population (" +
                               std::to_string(m.populations.size()) + ")");
        }
        double err = 0;
        for (std::size_t p = 0; p < ref.size(); ++p) {
            double sq = 0;
            for (std::size_t n = first; n < last; ++n) sq += (std::abs(tr.y[p][n]) - ref[p]) * (std::abs(tr.y[p][n]) - ref[p]);
            err += sq / static_cast<double>(last - first) / static_cast<double>(ref.size());
        }
        s["latent_error"] = err;
    }
    // Orthogonal readouts (Fig 7): the spread of y and of y_perp over the window (spec §3.6).
    auto sd = [&](const std::vector<double>& v) {
        double a = 0, b = 0, k = 0;
        for (std::size_t n = first; n < last; ++n) a += v[n], b += v[n] * v[n], k += 1;
        return std::sqrt(std::max(0.0, b / k - (a / k) * (a / k)));
    };
    for (std::size_t p = 0, extra = m.populations.size(); p < m.populations.size(); ++p) {
        if (m.populations[p].D_perp.empty()) continue;
        const auto& name = m.populations[p].name;
        arrays.push_back(array("y_" + name + "_perp", tr.y[extra], "step", "", "readout D_perp·r (signed)"));
        s["std_y" + name] = sd(tr.y[p]);
        s["std_y" + name + "_perp"] = sd(tr.y[extra]);
        s["nullspace_ratio_" + name] = sd(tr.y[extra]) / sd(tr.y[p]);
        ++extra;
    }

    // Target latent: the crossing y^E*(x) (rank 2, spec S21) or the boundary (rank 1, S18 / the design g).
    std::vector<double> target(n_T, std::nan("")), target_I(n_T, std::nan(""));
    const bool ei = m.populations.size() == 2;
    if (ei) {
        // An external current shifts the thresholds: T_eff = T − I_ext once it is on (Fig 8).
        auto stimulated = m.populations;
        double onset = INFINITY;  // (one onset: the earliest of the populations that are stimulated)
        for (auto& p : stimulated) {
            for (auto& T : p.T) T -= p.I_ext;
            if (p.I_ext != 0) onset = std::min(onset, p.I_ext_start);
        }
        auto pops_at = [&](std::size_t n) -> const std::vector<lowrank::population_spec>& {
            return static_cast<double>(n) * dt >= onset ? stimulated : m.populations;
        };
        for (std::size_t n = 0; n < n_T; ++n) {
            const auto& P = pops_at(n);
            if (n > 0 && m.x[n] == m.x[n - 1] && &pops_at(n - 1) == &P) {
                target[n] = target[n - 1];
                target_I[n] = target_I[n - 1];
            } else if (cfg.string("lowrank.target") == "crossing_grid") {
                const auto c = lowrank::crossing_on_grid(P[0], P[1], m.x[n]);
                target[n] = c.yE;
                target_I[n] = c.yI_abs;
            } else if (auto c = lowrank::crossing(P[0], P[1], m.x[n])) {
                target[n] = c->yE;
                target_I[n] = c->yI_abs;
            }
        }
        // The crossing at the end of the measurement window.
        if (auto c = lowrank::crossing(pops_at(last - 1)[0], pops_at(last - 1)[1], m.x[last - 1])) {
            s["crossing_yE"] = c->yE;
            s["crossing_yI"] = c->yI_abs;
            s["crossing_stable"] = c->stable() ? 1.0 : 0.0;
            s["crossing_neuron_E"] = static_cast<double>(c->neuron_E);
            s["crossing_neuron_I"] = static_cast<double>(c->neuron_I);
        }
        arrays.push_back(array("target_yI", target_I, "step", "", "|y^I| at the crossing of the E and I boundaries"));
        if (m.kind == lowrank::network_kind::rate) {
            if (const auto h = homogeneous_of(m)) {
                // Fig 11: a homogeneous E-I rate network is the latent model S16 exactly: its nullclines
                // and fixed point at the last input of the window.
                const double x = m.x[last - 1];
                std::vector<double> gE = lowrank::linspace(0.0, h->N_E * h->D_E, 401), nE, nI;
                for (double yE : gE) nE.push_back(lowrank::nullcline_E(*h, x, m.beta, yE).value_or(std::nan(""))), nI.push_back(lowrank::nullcline_I(*h, x, m.beta, yE));
                arrays.push_back(array("nullcline_yE", gE, "point", "", "y^E grid of the nullclines (spec S16)"));
                arrays.push_back(array("nullcline_E", nE, "point", "", "|y^I| on the E nullcline (dy^E/dt = 0)"));
                arrays.push_back(array("nullcline_I", nI, "point", "", "|y^I| on the I nullcline (d|y^I|/dt = 0)"));
                if (const auto fp = lowrank::rate_fixed_point_of(*h, x, m.beta)) {
                    s["rate_limit_yE"] = fp->yE;
                    s["rate_limit_yI"] = fp->yI_abs;
                    s["rate_limit_stable"] = fp->stable() ? 1.0 : 0.0;
                }
            }
        }
        if (dc) {
            // Fig 14 / spec A2–A3: q − p = f exactly, and the designed network's crossing computes
            // (f + c_E − c_I)/(a_I − a_E) exactly (the rate limit); both measured on the inputs of the run.
            std::vector<double> q(n_T), pp(n_T), f(n_T);
            double residual = 0, cross_err = 0;
            for (std::size_t n = 0; n < n_T; ++n) {
                q[n] = dc->dc.q(m.x[n]), pp[n] = dc->dc.p(m.x[n]), f[n] = dc->f(m.x[n]);
                residual = std::max(residual, std::abs(q[n] - pp[n] - f[n]));
                if (std::isfinite(target[n])) cross_err = std::max(cross_err, std::abs(target[n] - dc->crossing(m.x[n])));
            }
            s["dc_residual"] = residual;
            s["crossing_error"] = cross_err;
            s["design_pieces"] = static_cast<double>(dc->f.pieces());
            if (!dc->grid_x.empty()) {
                // Fig 14a-d: q − p = f on the grid and both convex (second differences >= 0).
                const auto& sm = dc->smooth;
                double res = 0, curv = INFINITY;
                for (std::size_t i = 0; i < sm.q.size(); ++i) res = std::max(res, std::abs(sm.q[i] - sm.p[i] - dc->grid_f[i]));
                for (std::size_t i = 1; i + 1 < sm.q.size(); ++i) {
                    for (const auto* g : {&sm.q, &sm.p}) curv = std::min(curv, (*g)[i + 1] - 2 * (*g)[i] + (*g)[i - 1]);
                }
                const double dx = dc->grid_x[1] - dc->grid_x[0];
                s["smooth_dc_lambda"] = sm.lambda;
                s["smooth_dc_residual"] = res;
                s["smooth_dc_min_curvature"] = curv / (dx * dx);
                arrays.push_back(array("gp_x", dc->grid_x, "point", "", "grid of the smooth target (Fig 14a)"));
                arrays.push_back(array("gp_f", dc->grid_f, "point", "", "smooth target f: GP sample normalised to [low, high]"));
                arrays.push_back(array("gp_q", sm.q, "point", "", "q = f + lambda (x - c)^2/2 (convex)"));
                arrays.push_back(array("gp_p", sm.p, "point", "", "p = lambda (x - c)^2/2 (convex)"));
                arrays.push_back(array("dc_knots", dc->f.knots, "knot", "", "knots of the piecewise-linear target (extrema, Fig 14e)"));
                arrays.push_back(array("dc_values", dc->f.values, "knot", "", "the target's values at the knots"));
            }
            arrays.push_back(array("dc_f", f, "step", "", "the piecewise-linear target f(x)"));
            arrays.push_back(array("dc_q", q, "step", "", "convex q(x) of f = q - p (E boundary, spec A2)"));
            arrays.push_back(array("dc_p", pp, "step", "", "convex p(x) of f = q - p (I boundary, spec A2)"));
        }
    } else {
        const auto& pop = m.populations[0];
        const std::string inst = "neurons." + pop.name;
        const std::string th = cfg.string(inst + ".thresholds");
        const bool designed = (th == "quadratic_tangents" || th == "tuned_quadratic") && cfg.string("lowrank.target") == "auto";
        const quadratic g{designed ? cfg.number(inst + ".design.a") : 0, designed ? cfg.number(inst + ".design.b") : 0,
                          designed ? cfg.number(inst + ".design.c") : 0};
        std::vector<double> env(n_T);
        for (std::size_t n = 0; n < n_T; ++n) {
            env[n] = lowrank::boundary(pop, m.x[n]);
            target[n] = designed ? g(m.x[n]) : (pop.excitatory ? env[n] : std::min(0.0, env[n]));
        }
        arrays.push_back(array("boundary", env, "step", "", "population boundary min_k (T_k − F_k x)/E_k (spec S18)"));
        // Geometry of the boundary on a fine grid over the window's inputs (Fig 13, spec A1): how many
        // neurons form it, where an inhibitory population is silent (boundary >= 0), its distance to g.
        double lo = INFINITY, hi = -INFINITY;
        for (std::size_t n = first; n < last; ++n) lo = std::min(lo, m.x[n]), hi = std::max(hi, m.x[n]);
        std::vector<char> forms(pop.size(), 0);
        double silent_from = INFINITY, silent_to = -INFINITY, gap = 0;
        const std::size_t grid = 20000;
        for (std::size_t k = 0; k <= grid; ++k) {
            const double x = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(grid);
            std::size_t arg = 0;
            const double b = lowrank::boundary(pop, x, &arg);
            forms[arg] = 1;
            if (!pop.excitatory && b >= 0) silent_from = std::min(silent_from, x), silent_to = std::max(silent_to, x);
            if (designed) gap = std::max(gap, std::abs(b - g(x)));
        }
        s["boundary_neurons"] = static_cast<double>(std::count(forms.begin(), forms.end(), 1));
        if (silent_to >= silent_from) s["silent_from"] = silent_from, s["silent_to"] = silent_to;
        if (designed) s["max_boundary_gap"] = gap;
    }
    arrays.push_back(array("target", target, "step", "", ei ? "y^E at the crossing (spec S21)" : "target boundary of the latent"));
    const auto& y = tr.y[0];
    std::vector<double> err;
    for (std::size_t n = 0; n < n_T; ++n) {
        if (in_window(n) && std::isfinite(target[n])) err.push_back(y[n] - target[n]);
    }
    double sq = 0, mx = -INFINITY, amx = 0;
    for (double e : err) {
        sq += e * e;
        mx = std::max(mx, e);
        amx = std::max(amx, std::abs(e));
    }
    s["max_abs_error"] = amx;
    s["offset"] = mean(err);
    s["rms"] = err.empty() ? std::nan("") : std::sqrt(sq / static_cast<double>(err.size()));
    s["rmse"] = *s.find("rms");
    s["max_above_target"] = mx;
    if (cfg.has("lowrank.bin_width")) {
        // Binned latent and target over x in the window (Fig 5's 0.5-wide bins).
        const double w = cfg.number("lowrank.bin_width");
        double lo = INFINITY, hi = -INFINITY;
        for (std::size_t n = 0; n < n_T; ++n) {
            if (in_window(n)) lo = std::min(lo, m.x[n]), hi = std::max(hi, m.x[n]);
        }
        const double start = std::floor(lo / w) * w;
        const auto bins = static_cast<std::size_t>(std::ceil((hi - start) / w + 1e-12));
        std::vector<double> sy(bins, 0), st(bins, 0), cnt(bins, 0), centre(bins);
        for (std::size_t n = 0; n < n_T; ++n) {
            if (!in_window(n)) continue;
            const auto b = std::min(bins - 1, static_cast<std::size_t>((m.x[n] - start) / w));
            sy[b] += y[n];
            st[b] += target[n];
            cnt[b] += 1;
        }
        for (std::size_t b = 0; b < bins; ++b) {
            centre[b] = start + (static_cast<double>(b) + 0.5) * w;
            sy[b] /= cnt[b];
            st[b] /= cnt[b];
        }
        s["binned_y"] = sy;
        s["binned_target"] = st;
        arrays.push_back(array("bin_centres", centre, "bin", "", "centres of the x bins"));
        arrays.push_back(array("binned_y", sy, "bin", "", "mean latent per x bin"));
    }
    return out;
}

// "key=value; key=value" → overrides.
std::vector<std::string> split_settings(const std::string& text) {
    std::vector<std::string> out;
    std::size_t a = 0;
    while (a <= text.size()) {
        const auto b = std::min(text.find(';', a), text.size());
        auto item = text.substr(a, b - a);
        const auto l = item.find_first_not_of(' '), r = item.find_last_not_of(' ');
        if (l != std::string::npos) out.push_back(item.substr(l, r - l + 1));
        a = b + 1;
    }
    return out;
}

std::string number_text(double v) {
    std::ostringstream o;
    o.precision(17);
    o << v;
    return o.str();
}

// Trial means (and SDs) of every scalar; `cv` of the count across trials.
io::json aggregate(const std::vector<io::json>& trials) {
    io::json out = io::json::object();
    for (const auto& [key, v0] : trials.front().items()) {
        if (!v0.is_number()) continue;
        std::vector<double> v;  // trials that lack the measurement (e.g. no crossing, too few spikes) are left out
        for (const auto& t : trials) {
            if (const auto* x = t.find(key); x && x->is_number()) v.push_back(x->number());
        }
        const double m = mean(v);
        double ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        const double sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
        out[key] = m;
        if (trials.size() > 1) {
            out[key + "_sd"] = sd;
            auto sorted = v;  // the median too: some errors are heavy-tailed across trials (Fig 8f)
            std::sort(sorted.begin(), sorted.end());
            const std::size_t h = sorted.size() / 2;
            out[key + "_median"] = sorted.size() % 2 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
        }
        if (key == "count" && trials.size() > 1) {
            // Across-trial CV of the spike count (population SD, as numpy's std; Fig 15).
            out["cv"] = m > 0 ? std::sqrt(ss / static_cast<double>(v.size())) / m : 0.0;
        }
    }
    return out;
}

}  // namespace

study_output run_lowrank_study(const resolved_config& cfg, io::run_directory& dir, const run_options& opt) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> names{""}, settings{""};
    if (cfg.has("lowrank.variants")) {
        names = cfg.string_list("lowrank.variants");
        settings = cfg.has("lowrank.variant_settings") ? cfg.string_list("lowrank.variant_settings") : std::vector<std::string>{};
        if (settings.size() != names.size()) {
            throw config_error(cfg.origin("lowrank.variants") + ": lowrank.variant_settings: expected one entry per variant (" +
                               std::to_string(names.size()) + "), got " + std::to_string(settings.size()));
        }
    }
    const bool swept = cfg.has("lowrank.sweep");
    if (swept && cfg.has("lowrank.sweep_values") == cfg.has("lowrank.sweep_range")) {
        throw config_error(cfg.origin("lowrank.sweep") + ": lowrank.sweep_values: expected the values of the swept key (sweep_values or sweep_range, not both)");
    }
    const std::vector<double> sweep = !swept ? std::vector<double>{0.0}
                                      : cfg.has("lowrank.sweep_values") ? cfg.number_list("lowrank.sweep_values")
                                                                        : range_of(cfg, "lowrank.sweep_range", 1, false);
    const auto trials = static_cast<std::size_t>(cfg.integer("lowrank.trials"));
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    const std::string text = cfg.to_toml();

    study_output out;
    io::json per_variant = io::json::object();
    for (std::size_t v = 0; v < names.size(); ++v) {
        std::vector<io::json> rows;  // one aggregate per sweep value
        velocity_pool velocity(cfg);  // pooled over the trials and sweep points of this variant (Fig 9e)
        for (std::size_t si = 0; si < sweep.size(); ++si) {
            const double value = sweep[si];
            auto overrides = split_settings(settings[v]);
            if (swept) overrides.push_back(cfg.string("lowrank.sweep") + "=" + number_text(value));
            const auto vcfg = overrides.empty() ? load(text, cfg.source(), {}) : load(text, cfg.source(), overrides);
            const auto m = build_lowrank_model(vcfg);
            std::vector<io::json> results;
            const double jitter = vcfg.number("lowrank.decoder_jitter");
            const bool shown = v == 0 && si == 0;  // the run the figures show
            unit_rate_pool units(vcfg);            // per-neuron rates over its trials (Fig 10e, f)
            const auto dc = dc_design_of(vcfg);
            for (std::size_t k = 0; k < trials; ++k) {
                // Per-trial draws: decoders (Fig 8f), thresholds (Fig 9e; a stream per sweep point).
                const auto mk = lowrank::jitter_thresholds(jitter > 0 ? lowrank::jitter_decoders(m, jitter, seed + k) : m, seed + k, si);
                const auto window = measurement_window(vcfg, mk);
                const auto tr = lowrank::simulate(mk, seed + k, opt.threads, window);
                auto r = measure(vcfg, mk, tr, window, dc);
                if (velocity.active()) velocity.add(mk, tr, window);
                if (shown && units.active()) units.add(mk, tr);
                if (shown && k == 0) {
                    record::write_arrays(dir, r.arrays);  // the trial the figures show
                    if (names.size() == 1 && !swept) {
                        for (const auto& [key, x] : r.scalars.items()) out.summary[key] = x;  // lists (binned_y) too
                    }
                }
                results.push_back(std::move(r.scalars));
            }
            if (shown && units.active()) {
                std::vector<record::recorded_array> arrays;
                units.write(m, measurement_window(vcfg, m), out.summary, arrays);
                record::write_arrays(dir, arrays);
            }
            rows.push_back(aggregate(results));
        }
        for (const auto& [key, x0] : rows.front().items()) {
            // <metric>_<variant>, and <metric>_<variant>_sd / _median for the trial statistics.
            std::string suffix;
            for (const char* s : {"_sd", "_median"}) {
                const std::string x = s;
                if (key.size() > x.size() && key.compare(key.size() - x.size(), x.size(), x) == 0) suffix = x;
            }
            const std::string base = key.substr(0, key.size() - suffix.size());
            const std::string name = names[v].empty() ? key : base + "_" + names[v] + suffix;
            if (!swept) {
                out.summary[name] = x0;
                continue;
            }
            std::vector<double> list;
            for (const auto& row : rows) {
                const auto* x = row.find(key);
                list.push_back(x && x->is_number() ? x->number() : std::nan(""));
            }
            out.summary[name] = list;
        }
        if (velocity.active()) {
            std::vector<record::recorded_array> arrays;
            velocity.write(out.summary, names[v].empty() ? "" : "_" + names[v], v == 0 ? &arrays : nullptr);
            record::write_arrays(dir, arrays);
        }
    }
    if (swept) out.summary["sweep_values"] = sweep;
    out.summary["trials"] = static_cast<std::uint64_t>(trials);
    out.summary["run_wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

}  // namespace einet::config
