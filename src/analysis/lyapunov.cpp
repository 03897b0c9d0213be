#include "einet/analysis/lyapunov.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "einet/analysis/path_ensemble.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"

namespace einet::analysis {

namespace {

// Exact flow of the tangent (δv, δs_r) of one neuron between spikes, over a time u:
// δs_r ← e^{−u/τ_r} δs_r,  δv ← e^{−u/τ_m} δv + Σ_r (R/τ_m) G_r(u) δs_r,
// G(u) = (e^{−u/τ_r} − e^{−u/τ_m})/(1/τ_m − 1/τ_r)  (u e^{−u/τ_m} when τ_r = τ_m).
struct tangent_flow {
    double tau_m = 1, R = 1;
    std::vector<double> tau;  // per receptor
    double decay_v(double u) const { return std::exp(-u / tau_m); }
    double decay_s(std::size_t r, double u) const { return std::exp(-u / tau[r]); }
    double gain(std::size_t r, double u) const {
        const double a = 1.0 / tau_m, b = 1.0 / tau[r];
        const double G = std::abs(a - b) < 1e-12 * a ? u * std::exp(-a * u) : (std::exp(-b * u) - std::exp(-a * u)) / (a - b);
        return R / tau_m * G;
    }
};

// The tangent vectors of all paths, carried along engine A's trajectory (one per path, over the
// path's neurons), with the growth of each path's vector accumulated in logs.
class tangent_hook final : public engine::spike_hook {
public:
    tangent_hook(const network::spiking_network& big, const path_layout& layout, std::size_t paths, double h)
        : layout_(layout), paths_(paths), h_(h) {
        for (const auto& pop : big.populations) {
            tangent_flow f;
            f.tau_m = pop.lif.tau_m.empty() ? 1.0 : pop.lif.tau_m[0];
            f.R = pop.lif.R.empty() ? 1.0 : pop.lif.R[0];
            for (std::size_t i = 0; i < pop.n; ++i) {
                if (pop.lif.tau_m[i] != f.tau_m || pop.lif.R[i] != f.R) {
                    throw config_error("populations." + pop.name + ": the Lyapunov estimate needs one tau_m and R per population");
                }
                if (pop.lif.t_ref[i] > 0) throw config_error("populations." + pop.name + ".t_ref: the Lyapunov estimate needs no refractory period (spec 003)");
            }
            if (pop.adaptive()) throw config_error("populations." + pop.name + ": the Lyapunov estimate covers LIF without adaptation (spec 003)");
            for (const auto& r : pop.receptors) {
                if (r.kind != network::kinetics::exponential) {
                    throw config_error("populations." + pop.name + ".synapse.kinetics: the Lyapunov estimate needs exponential synapses (spec 003 Eq. 1.4)");
                }
                f.tau.push_back(r.tau);
            }
            flows_.push_back(f);
            dv_.emplace_back(pop.n, 0.0);
            ds_.emplace_back(pop.receptors.size(), std::vector<double>(pop.n, 0.0));
            // Start: δv spread evenly over the path's neurons, δs = 0, |δ| = 1 per path.
            for (auto& x : dv_.back()) x = 1.0 / std::sqrt(static_cast<double>(layout.neurons));
        }
        log_growth_.assign(paths, 0.0);
    }

    void on_step(engine::spiking_engine& e) override {
        // Pre-crossing tangent δv⁻ of every spike, for the shift of its synaptic arrivals.
        crossing_dv_.assign(flows_.size(), {});
        for (std::size_t p = 0; p < flows_.size(); ++p) {
            const auto& f = flows_[p];
            const auto& net = e.network();
            const auto& pop = net.populations[p];
            auto& dv = dv_[p];
            auto& ds = ds_[p];
            const std::size_t R = f.tau.size();
            // Spiking neurons: flow to the crossing, saltation, flow over the rest (from old values).
            const auto& ids = e.spikes(p);
            spiking_new_.assign(ids.size() * (R + 1), 0.0);
            for (std::size_t k = 0; k < ids.size(); ++k) {
                const std::size_t j = ids[k];
                const double lag = e.spike_lags(p)[k], before = h_ - lag;
                const double A = e.crossing_speeds(p)[k];
                const double kappa = 1.0 + (pop.lif.V_th[j] - pop.lif.V_reset[j]) / A;  // Eq. 4.1
                double v = f.decay_v(before) * dv[j];
                for (std::size_t r = 0; r < R; ++r) v += f.gain(r, before) * ds[r][j];
                crossing_dv_[p].push_back(v);
                v *= kappa;
                double v_end = f.decay_v(lag) * v;
                for (std::size_t r = 0; r < R; ++r) {
                    const double s_mid = f.decay_s(r, before) * ds[r][j];
                    v_end += f.gain(r, lag) * s_mid;
                    spiking_new_[k * (R + 1) + 1 + r] = f.decay_s(r, lag) * s_mid;
                }
                spiking_new_[k * (R + 1)] = v_end;
            }
            // Everyone else: one whole step.
            const double ev = f.decay_v(h_);
            for (std::size_t r = 0; r < R; ++r) {
                const double g = f.gain(r, h_), es = f.decay_s(r, h_);
                for (std::size_t j = 0; j < pop.n; ++j) {
                    if (r == 0) dv[j] *= ev;
                    dv[j] += g * ds[r][j];
                    ds[r][j] *= es;
                }
            }
            if (R == 0) {
                for (auto& x : dv) x *= ev;
            }
            for (std::size_t k = 0; k < ids.size(); ++k) {
                dv[ids[k]] = spiking_new_[k * (R + 1)];
                for (std::size_t r = 0; r < R; ++r) ds[r][ids[k]] = spiking_new_[k * (R + 1) + 1 + r];
            }
        }
        shift_arrivals(e);
    }

    // A spike δt = −τ_m δv⁻/A earlier arrives earlier inside the step (the engine integrates arrivals
    // at their time, spiking_engine write_out): with lag ℓ before the step's end, a jump w gives
    // s += w e^{−ℓ/τ}, V += w (R/τ_m) G(ℓ), so δℓ = τ_m δv⁻/A moves them by the ℓ-derivatives
    // (spec 003 Eq. 4.3, there at the spike time; here carried to the step's end).
    void shift_arrivals(engine::spiking_engine& e) {
        const auto& net = e.network();
        for (const auto& pr : net.projections) {
            const auto& ids = e.spikes(pr.pre);
            if (ids.empty()) continue;
            const auto& f = flows_[pr.post];
            const double sign = net.populations[pr.pre].excitatory ? 1.0 : -1.0;
            const double a = 1.0 / f.tau_m, b = 1.0 / f.tau[pr.receptor];
            for (std::size_t k = 0; k < ids.size(); ++k) {
                const double lag = e.spike_lags(pr.pre)[k], A = e.crossing_speeds(pr.pre)[k];
                const double d_lag = net.populations[pr.pre].lif.tau_m[ids[k]] * crossing_dv_[pr.pre][k] / A;
                const double ds_dlag = -b * std::exp(-b * lag);
                const double dv_dlag = f.R / f.tau_m *
                                       (std::abs(a - b) < 1e-12 * a ? (1.0 - a * lag) * std::exp(-a * lag)
                                                                    : (a * std::exp(-a * lag) - b * std::exp(-b * lag)) / (a - b));
                const auto& syn = pr.synapses;
                for (auto q = syn.row_begin(ids[k]); q < syn.row_end(ids[k]); ++q) {
                    const double w = sign * static_cast<double>(syn.weight[q]) * d_lag;
                    ds_[pr.post][pr.receptor][syn.target[q]] += w * ds_dlag;
                    dv_[pr.post][syn.target[q]] += w * dv_dlag;
                }
            }
        }
    }

    // Adds log|δ| of every path to its growth and rescales the vectors to unit length.
    void renormalise() {
        std::vector<double> norm2(paths_, 0.0);
        for_each_component([&](std::size_t path, double& x) { norm2[path] += x * x; });
        for (std::size_t q = 0; q < paths_; ++q) log_growth_[q] += 0.5 * std::log(norm2[q]);
        for_each_component([&](std::size_t path, double& x) { x /= std::sqrt(norm2[path]); });
    }
    const std::vector<double>& log_growth() const { return log_growth_; }

private:
    template <class F>
    void for_each_component(F&& f) {
        for (std::size_t p = 0; p < dv_.size(); ++p) {
            const std::size_t n = layout_.size[p];
            for (std::size_t j = 0; j < dv_[p].size(); ++j) f(j / n, dv_[p][j]);
            for (auto& s : ds_[p]) {
                for (std::size_t j = 0; j < s.size(); ++j) f(j / n, s[j]);
            }
        }
    }
    const path_layout& layout_;
    std::size_t paths_;
    double h_;
    std::vector<tangent_flow> flows_;
    std::vector<std::vector<double>> dv_;
    std::vector<std::vector<std::vector<double>>> ds_;
    std::vector<double> spiking_new_, log_growth_;
    std::vector<std::vector<double>> crossing_dv_;  // [pop][spike of the step]
};

// Spike counts per path, and (engine A) the crossing speeds of each template neuron's spikes.
class count_hook final : public engine::spike_hook {
public:
    count_hook(const path_layout& layout, std::size_t paths, bool keep_speeds)
        : layout_(layout), keep_(keep_speeds), counts_(paths, 0), log_kappa_(layout.neurons, 0.0), spikes_(layout.neurons, 0) {}
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < layout_.size.size(); ++p) {
            const auto& pop = e.network().populations[p];
            const std::size_t n = layout_.size[p];
            const auto& ids = e.spikes(p);
            for (std::size_t k = 0; k < ids.size(); ++k) {
                ++counts_[ids[k] / n];
                if (!keep_ || !measuring) continue;
                const std::size_t i = layout_.offset[p] + ids[k] % n;
                const double A = e.crossing_speeds(p)[k];
                log_kappa_[i] += std::log1p((pop.lif.V_th[ids[k]] - pop.lif.V_reset[ids[k]]) / A);  // log κ, Eq. 4.2
                ++spikes_[i];
                speeds.push_back(A);
            }
        }
    }
    const std::vector<std::uint64_t>& counts() const { return counts_; }
    void copy_counts(const count_hook& other) { counts_ = other.counts_; }
    // λ_v,i = −1/τ_m + r_i E[log κ] over the spikes so far, `time` measured per path (Eqs. 4.2, 4.4).
    std::vector<double> formula(const network::spiking_network& net, std::size_t paths, double time,
                                std::vector<double>* rates = nullptr, std::vector<double>* mean_log = nullptr) const {
        std::vector<double> out(layout_.neurons);
        for (std::size_t p = 0; p < layout_.size.size(); ++p) {
            for (std::size_t i = 0; i < layout_.size[p]; ++i) {
                const std::size_t k = layout_.offset[p] + i;
                const double r = static_cast<double>(spikes_[k]) / (static_cast<double>(paths) * time);
                const double m = spikes_[k] ? log_kappa_[k] / static_cast<double>(spikes_[k]) : 0.0;
                out[k] = -1.0 / net.populations[p].lif.tau_m[i] + r * m;
                if (rates) rates->push_back(r);
                if (mean_log) mean_log->push_back(m);
            }
        }
        return out;
    }
    bool measuring = false;
    std::vector<double> speeds;

private:
    const path_layout& layout_;
    bool keep_;
    std::vector<std::uint64_t> counts_;
    std::vector<double> log_kappa_;
    std::vector<std::uint64_t> spikes_;
};

class both_hooks final : public engine::spike_hook {
public:
    both_hooks(engine::spike_hook& a, engine::spike_hook& b) : a_(a), b_(b) {}
    void on_step(engine::spiking_engine& e) override {
        a_.on_step(e);
        b_.on_step(e);
    }

private:
    engine::spike_hook& a_;
    engine::spike_hook& b_;
};

lyapunov_estimate over_paths(const std::vector<double>& log_growth, double time) {
    lyapunov_estimate e;
    const double n = static_cast<double>(log_growth.size());
    for (double g : log_growth) e.mean += g / time;
    e.mean /= n;
    double var = 0;
    for (double g : log_growth) var += (g / time - e.mean) * (g / time - e.mean);
    e.standard_error = log_growth.size() > 1 ? std::sqrt(var / (n - 1) / n) : 0.0;
    return e;
}

double top_of(const network::spiking_network& net, const std::vector<double>& per_neuron) {
    double top = -std::numeric_limits<double>::infinity();
    for (double x : per_neuron) top = std::max(top, x);
    for (const auto& pop : net.populations) {
        for (const auto& r : pop.receptors) top = std::max(top, -1.0 / r.tau);  // the δs directions
    }
    return top;
}

}  // namespace

lyapunov_result estimate_lyapunov(const lyapunov_plan& plan) {
    if (plan.paths == 0 || !(plan.dt > 0) || !(plan.duration > 0) || !(plan.renormalise > 0) || !(plan.epsilon > 0)) {
        throw config_error("lyapunov: expected positive paths, dt, duration, renormalise and epsilon");
    }
    for (const auto& pr : plan.net.projections) {
        if (pr.synapses.largest_delay_steps() != 0) throw config_error("lyapunov: expected synaptic delays of 0 (spec 003 has none)");
    }
    const auto steps_of = [&](double t, const char* key) {
        const double n = t / plan.dt;
        const auto k = static_cast<std::size_t>(std::llround(n));
        if (std::abs(n - static_cast<double>(k)) > 1e-6 * std::max(1.0, n)) {
            throw config_error(std::string("lyapunov.") + key + ": expected a multiple of lyapunov.dt");
        }
        return k;
    };
    const std::size_t burn = steps_of(plan.burn_in, "burn_in"), interval = steps_of(plan.renormalise, "renormalise");
    const std::size_t total = steps_of(plan.duration, "duration");
    if (interval == 0 || total % interval != 0) throw config_error("lyapunov.duration: expected a multiple of lyapunov.renormalise");
    const std::size_t intervals = total / interval, windows = std::clamp<std::size_t>(plan.windows, 1, intervals);

    const path_layout layout(plan.net);
    auto big = replicate_paths(plan.net, plan.paths);
    big.dt = plan.dt;
    big.method = network::integrator::exact_interpolated;
    for (std::size_t p = 0; p < plan.V0.size() && p < big.populations.size(); ++p) big.populations[p].V0 = plan.V0[p];
    // Two copies on the same noise (the same seed keys the same normals for the same neuron and step).
    engine::spiking_engine a(big, plan.seed), b(big, plan.seed);
    for (auto* e : {&a, &b}) e->set_min_neurons_per_thread(1024);
    if (plan.stationary_current) set_stationary_currents(a, plan.seed);
    count_hook counts_a(layout, plan.paths, true), counts_b(layout, plan.paths, false);
    a.run(burn, &counts_a, plan.threads);
    b.restore(a.snapshot());
    counts_b.copy_counts(counts_a);

    // The perturbation: ε spread over each path's membrane potentials.
    const double per_neuron = plan.epsilon / std::sqrt(static_cast<double>(layout.neurons));
    for (std::size_t p = 0; p < big.populations.size(); ++p) {
        for (std::size_t j = 0; j < big.populations[p].n; ++j) b.V(p)[j] += per_neuron;
    }
    tangent_hook tangent(big, layout, plan.paths, plan.dt);
    both_hooks hooks_a(tangent, counts_a);
    counts_a.measuring = true;
    std::vector<double> divergence(plan.paths, 0.0);
    std::vector<double> distance2(plan.paths);
    lyapunov_result out;
    std::size_t skipped = 0;
    for (std::size_t k = 1; k <= intervals; ++k) {
        a.run(interval, &hooks_a, plan.threads);
        b.run(interval, &counts_b, plan.threads);
        tangent.renormalise();
        // Distance of the copies per path over (V, receptor currents).
        std::fill(distance2.begin(), distance2.end(), 0.0);
        auto visit = [&](auto&& f) {
            for (std::size_t p = 0; p < big.populations.size(); ++p) {
                const std::size_t n = layout.size[p];
                for (std::size_t j = 0; j < big.populations[p].n; ++j) f(j / n, a.V(p)[j], b.V(p)[j]);
                for (std::size_t r = 0; r < big.populations[p].receptors.size(); ++r) {
                    double* sa = a.receptor_state(p, r);
                    double* sb = b.receptor_state(p, r);
                    for (std::size_t j = 0; j < big.populations[p].n; ++j) f(j / n, sa[j], sb[j]);
                }
            }
        };
        visit([&](std::size_t q, double& x, double& y) { distance2[q] += (y - x) * (y - x); });
        std::vector<double> scale(plan.paths, 1.0);
        for (std::size_t q = 0; q < plan.paths; ++q) {
            // While one copy has fired a spike the other has not yet, the distance is a transient of
            // size ΔV, not ε·growth: wait for the next renormalisation (spec 003 §4.4 step 5).
            if (counts_a.counts()[q] != counts_b.counts()[q] || distance2[q] == 0) {
                ++skipped;
                continue;
            }
            const double d = std::sqrt(distance2[q]);
            divergence[q] += std::log(d / plan.epsilon);
            scale[q] = plan.epsilon / d;
        }
        visit([&](std::size_t q, double& x, double& y) { y = x + (y - x) * scale[q]; });
        if (k % (intervals / windows) == 0 || k == intervals) {
            const double T = static_cast<double>(k * interval) * plan.dt;
            out.lengths.push_back(T);
            out.saltation_by_length.push_back(over_paths(tangent.log_growth(), T).mean);
            out.divergence_by_length.push_back(over_paths(divergence, T).mean);
            out.formula_by_length.push_back(top_of(plan.net, counts_a.formula(plan.net, plan.paths, T)));
        }
    }
    const double T = static_cast<double>(total) * plan.dt;
    out.saltation = over_paths(tangent.log_growth(), T);
    out.divergence = over_paths(divergence, T);
    out.formula_per_neuron = counts_a.formula(plan.net, plan.paths, T, &out.rate_per_neuron, &out.mean_log_saltation);
    out.formula = top_of(plan.net, out.formula_per_neuron);
    out.crossing_speeds = std::move(counts_a.speeds);
    out.skipped_renormalisations = skipped;
    return out;
}

}  // namespace einet::analysis
