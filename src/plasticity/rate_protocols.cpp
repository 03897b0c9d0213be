#include "einet/plasticity/rate_protocols.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "einet/core/aligned.hpp"
#include "einet/core/error.hpp"

namespace einet::plasticity {
namespace {

using engine::rate_engine;

// Sums every unit's rate over segment steps [from, to) (state after the step).
class window_sum final : public engine::rate_step_hook {
public:
    window_sum(const rate_engine& eng, std::size_t from, std::size_t to) : from_(from), to_(to) {
        for (const auto& pop : eng.network().populations) sums_.emplace_back(pop.n * eng.batch(), 0.0);
    }
    void on_step(rate_engine& eng, std::size_t k, std::size_t b0, std::size_t b1) override {
        if (k < from_ || k >= to_) return;
        const std::size_t B = eng.batch();
        for (std::size_t p = 0; p < sums_.size(); ++p) {
            const double* r = eng.rates(p);
            for (std::size_t i = 0; i < eng.network().populations[p].n; ++i) {
                double* s = sums_[p].data() + i * B;
                for (std::size_t b = b0; b < b1; ++b) s[b] += r[i * B + b];
            }
        }
    }
    double count() const { return static_cast<double>(to_ - from_); }
    bool leaves_weights_alone() const override { return true; }
    bool wants_step(std::size_t k) const override { return k >= from_ && k < to_; }
    std::vector<aligned_vector<double>> sums_;  // [pop][unit * B + b], cache-aligned: threads write disjoint lines

private:
    std::size_t from_, to_;
};

// Records the population-mean rates of one network every `every` steps.
class trace_recorder final : public engine::rate_step_hook {
public:
    trace_recorder(std::size_t network, std::size_t every, std::vector<double>* out) : b_(network), every_(every), out_(out) {}
    bool active = false;
    bool leaves_weights_alone() const override { return true; }
    bool wants_step(std::size_t k) const override { return active && (k + 1) % every_ == 0; }
    void on_step(rate_engine& eng, std::size_t k, std::size_t b0, std::size_t b1) override {
        if (!active || b_ < b0 || b_ >= b1 || (k + 1) % every_ != 0) return;
        for (std::size_t p = 0; p < eng.network().populations.size(); ++p) out_->push_back(eng.population_mean(p, b_));
    }

private:
    std::size_t b_, every_;
    std::vector<double>* out_;
};

// Both hooks in one (the engine takes one).
class hook_pair final : public engine::rate_step_hook {
public:
    hook_pair(engine::rate_step_hook* a, engine::rate_step_hook* b) : a_(a), b_(b) {}
    bool leaves_weights_alone() const override { return a_->leaves_weights_alone() && b_->leaves_weights_alone(); }
    bool wants_step(std::size_t k) const override { return a_->wants_step(k) || b_->wants_step(k); }
    void on_step(rate_engine& eng, std::size_t k, std::size_t b0, std::size_t b1) override {
        a_->on_step(eng, k, b0, b1);
        b_->on_step(eng, k, b0, b1);
    }

private:
    engine::rate_step_hook *a_, *b_;
};

std::vector<projection_view> bind_projections(rate_engine& eng, const rule_binding& rb) {
    std::vector<projection_view> views;
    const auto& net = eng.network();
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        projection_view v;
        v.post = net.projections[q].post;
        v.pre = net.projections[q].pre;
        v.class_index = rb.class_index[q];
        v.weights = eng.weights(q);
        v.alpha = rb.alpha[q];
        v.beta = rb.beta[q];
        v.floor = rb.floor[q];
        v.ceiling = rb.ceiling[q];
        v.self_connections = net.projections[q].self_connections;
        views.push_back(v);
    }
    return views;
}

// Forced balance: W_EI, W_II targets on the set-point plane from the current W_EE, W_IE
// (001 Methods Eqs. 4–5), for the two-population network only.
void set_plane_targets(rate_engine& eng, const rule_binding& rb, std::vector<projection_view>& views,
                       std::vector<std::vector<double>>& targets) {
    bool needed = false;
    for (const auto& c : rb.r.classes) needed = needed || c.relax_to_setpoint_plane;
    if (!needed) return;
    const auto& net = eng.network();  // two single-unit populations (check_binding)
    const std::size_t B = eng.batch();
    targets.assign(views.size(), std::vector<double>(B, 0.0));
    const double E_set = rb.setpoint[0], I_set = rb.setpoint[1];
    const std::size_t EE = net.find_projection(0, 0), IE = net.find_projection(1, 0);
    for (std::size_t q = 0; q < views.size(); ++q) {
        for (std::size_t b = 0; b < B; ++b) {
            if (rb.class_index[q] == 1) targets[q][b] = analysis::setpoint_W_EI(rb.model, eng.weights(EE)[b], E_set, I_set);
            if (rb.class_index[q] == 3) targets[q][b] = analysis::setpoint_W_II(rb.model, eng.weights(IE)[b], E_set, I_set);
        }
        views[q].setpoint_plane_target = targets[q].data();
    }
}

// NaN / infinity / runaway weights: a message naming where, or empty.
std::string check_health(const rate_engine& eng, double weight_guard) {
    const auto& net = eng.network();
    if (auto bad = eng.find_nonfinite()) {
        const std::string group = bad->what == "weight" ? "class " + net.projections[bad->group].label
                                                        : "population " + net.populations[bad->group].name;
        return "non-finite " + bad->what + " in " + group + " (unit " + std::to_string(bad->unit) + ", network " +
               std::to_string(bad->network) + ")";
    }
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const std::size_t n = net.populations[net.projections[q].post].n * net.populations[net.projections[q].pre].n;
        for (std::size_t idx = 0; idx < n * eng.batch(); ++idx) {
            const double w = eng.weights(q)[idx];
            if (std::abs(w) > weight_guard) {
                char value[32];
                std::snprintf(value, sizeof value, "%.3g", w);
                return "weights diverged in class " + net.projections[q].label + " (network " +
                       std::to_string(idx % eng.batch()) + ", W = " + value + " beyond the guard " +
                       std::to_string(weight_guard) + ")";
            }
        }
    }
    return {};
}

}  // namespace

std::vector<double> class_means(const rate_engine& eng, std::size_t q) {
    std::vector<double> mean(eng.batch());
    for (std::size_t b = 0; b < eng.batch(); ++b) mean[b] = eng.class_mean(q, b);
    return mean;
}

void check_binding(const rule_binding& rb, const network::rate_network& net) {
    const std::size_t P = net.populations.size(), Q = net.projections.size();
    auto fail = [](const std::string& what) { throw config_error("rule binding: " + what); };
    if (rb.setpoint.size() != P) fail("expected one set point per population (" + std::to_string(P) + "), got " + std::to_string(rb.setpoint.size()));
    for (const auto* v : {&rb.alpha, &rb.beta, &rb.floor, &rb.ceiling}) {
        if (v->size() != Q) fail("expected alpha, beta, floor and ceiling per weight class (" + std::to_string(Q) + " each)");
    }
    if (rb.class_index.size() != Q) fail("expected a rule class per projection");
    for (std::size_t q = 0; q < Q; ++q) {
        if (rb.class_index[q] >= 4) fail("rule class index out of range");
        if (!std::isfinite(rb.alpha[q]) || !std::isfinite(rb.beta[q])) fail("expected finite learning rates");
        if (!(rb.floor[q] <= rb.ceiling[q])) fail("expected floor <= ceiling");
    }
    bool cross = false, relax = false;
    for (const auto& c : rb.r.classes) {
        relax = relax || c.relax_to_setpoint_plane;
        for (const auto& t : c.terms) cross = cross || t.error == error_source::cross;
    }
    bool has_e = false, has_i = false;
    for (const auto& pop : net.populations) (pop.excitatory ? has_e : has_i) = true;
    if (cross && !(has_e && has_i)) fail("cross-homeostatic terms need an excitatory and an inhibitory population");
    if (relax && (P != 2 || net.populations[0].n != 1 || net.populations[1].n != 1)) {
        fail("forced_balance (relaxation to the set-point plane) is defined for the two-population model only");
    }
}

namespace {
void check_params(const trial_params& p, const network::rate_network& net, std::size_t batch) {
    auto fail = [](const std::string& what) { throw config_error("trial_params: " + what); };
    const double steps = p.trial_duration / net.dt, window = p.measure_window / net.dt;
    if (p.trials == 0) fail("expected trials >= 1");
    if (!(steps >= 1) || std::abs(steps - std::round(steps)) > 1e-6 * steps) fail("expected trial_duration a positive multiple of dt");
    if (!(window >= 1) || !(window < steps)) fail("expected 0 < measure_window < trial_duration");
    if (!(p.lowpass_trials >= 1)) fail("expected lowpass_trials >= 1");
    if (p.trace_every == 0) fail("expected trace_every >= 1 step");
    if (p.trace_network >= batch) fail("expected trace_network < batch");
}

void check_params(const online_params& p, const network::rate_network& net, std::size_t batch) {
    auto fail = [](const std::string& what) { throw config_error("online_params: " + what); };
    if (!(p.duration >= net.dt)) fail("expected duration >= dt");
    if (!(p.final_window > 0) || p.final_window > p.duration) fail("expected 0 < final_window <= duration");
    if (!(p.sensor_tau > 0)) fail("expected sensor_tau > 0");
    if (p.trace_every == 0) fail("expected trace_every >= 1 step");
    if (p.trace_network >= batch) fail("expected trace_network < batch");
}
}  // namespace

trial_results run_trials(rate_engine& eng, const trial_params& p, const rule_binding& rb, int threads,
                         progress::mode progress_mode, trial_results* resume,
                         const std::function<void(const trial_results&)>& on_checkpoint) {
    const auto& net = eng.network();
    const std::size_t B = eng.batch(), P = net.populations.size(), Q = net.projections.size();
    const std::size_t steps = static_cast<std::size_t>(std::llround(p.trial_duration / net.dt));
    const std::size_t window = static_cast<std::size_t>(std::llround(p.measure_window / net.dt));
    check_params(p, net, B);
    check_binding(rb, net);
    trial_results res;
    if (resume && resume->trials_done > 0) {
        res = std::move(*resume);
    } else {
        res.measured.resize(P);
        res.lowpassed.resize(P);
        res.weights.resize(Q);
        res.first_sustained.assign(B, 0);
        for (std::size_t q = 0; q < Q; ++q) res.weights[q] = class_means(eng, q);
        // Per-unit low-passed rates r̄ start at 0 (001 spec §1.4).
        for (std::size_t k = 0; k < P; ++k) res.unit_lowpass.emplace_back(net.populations[k].n * B, 0.0);
    }
    auto& lowpass = res.unit_lowpass;
    // The floored copies the rule reads.
    std::vector<std::vector<double>> floored(P);
    for (std::size_t k = 0; k < P; ++k) floored[k].assign(net.populations[k].n * B, 0.0);
    auto views = bind_projections(eng, rb);
    std::vector<std::vector<double>> plane_targets;
    std::vector<population_view> pops(P);
    for (std::size_t k = 0; k < P; ++k) {
        pops[k] = {net.populations[k].n, net.populations[k].excitatory, rb.setpoint[k], floored[k].data(), floored[k].data()};
    }
    std::vector<double> trace_buffer;
    trace_buffer.reserve((steps / p.trace_every + 1) * P);  // no allocation inside the engine's loop
    trace_recorder tracer(p.trace_network, p.trace_every, &trace_buffer);
    progress bar("trial", p.trials, progress_mode);
    std::vector<double> scratch;
    if (res.trials_done >= p.trials) return res;

    for (std::size_t trial = res.trials_done + 1; trial <= p.trials; ++trial) {
        if (trial == p.imprint.trial) {
            const auto& pr = net.projections[p.imprint.projection];
            const std::size_t n_pre = net.populations[pr.pre].n;
            const std::size_t ni = std::min(p.imprint.units, net.populations[pr.post].n), nj = std::min(p.imprint.units, n_pre);
            for (std::size_t i = 0; i < ni; ++i) {
                for (std::size_t j = 0; j < nj; ++j) {
                    for (std::size_t b = 0; b < B; ++b) eng.weights(p.imprint.projection)[(i * n_pre + j) * B + b] *= p.imprint.factor;
                }
            }
        }
        // The sample after step k sits at (k + 1)·dt: the window is the last `window` + 1 samples
        // (t = T − W … T inclusive, 5001 samples in 001's code).
        window_sum sums(eng, steps - window - 1, steps);
        tracer.active = std::find(p.trace_trials.begin(), p.trace_trials.end(), trial) != p.trace_trials.end();
        trace_buffer.clear();
        hook_pair hooks(&sums, &tracer);
        eng.begin_segment(p.reset_rates);
        eng.run(steps, &hooks, threads);
        if (tracer.active) {
            res.traced_trials.push_back(trial);
            res.traces.push_back(trace_buffer);
            res.trace_samples = trace_buffer.size() / P;
        }

        // Measured rate m, low-pass r̄ ← r̄ + (m − r̄)/τ, floor (001 spec §1.4).
        for (std::size_t k = 0; k < P; ++k) {
            const std::size_t n = net.populations[k].n;
            std::vector<double> pop_measured(B, 0.0), pop_lowpassed(B, 0.0);
            for (std::size_t idx = 0; idx < n * B; ++idx) {
                const double m = sums.sums_[k][idx] / sums.count();
                lowpass[k][idx] += (m - lowpass[k][idx]) / p.lowpass_trials;
                floored[k][idx] = std::max(lowpass[k][idx], p.rate_floor);
                pop_measured[idx % B] += m / static_cast<double>(n);
                pop_lowpassed[idx % B] += lowpass[k][idx] / static_cast<double>(n);
            }
            res.measured[k].insert(res.measured[k].end(), pop_measured.begin(), pop_measured.end());
            res.lowpassed[k].insert(res.lowpassed[k].end(), pop_lowpassed.begin(), pop_lowpassed.end());
            if (k == 0) {  // self-sustained = the first population (E) still active
                for (std::size_t b = 0; b < B; ++b) {
                    if (res.first_sustained[b] == 0 && pop_measured[b] >= p.sustained_rate) {
                        res.first_sustained[b] = static_cast<long>(trial);
                    }
                }
            }
        }
        res.trials_done = trial;
        if (auto bad = check_health(eng, p.weight_guard); !bad.empty()) {
            res.failure = "trial " + std::to_string(trial) + ": " + bad;
            // No update happened: the weights row of this trial repeats the current weights, so
            // `weights` always has trials_done + 1 rows.
            for (std::size_t q = 0; q < Q; ++q) {
                auto m = class_means(eng, q);
                res.weights[q].insert(res.weights[q].end(), m.begin(), m.end());
            }
            break;
        }
        set_plane_targets(eng, rb, views, plane_targets);
        apply_rule(rb.r, pops, views, B, 0, B, scratch);
        for (std::size_t q = 0; q < Q; ++q) {
            auto m = class_means(eng, q);
            res.weights[q].insert(res.weights[q].end(), m.begin(), m.end());
        }
        if (auto bad = check_health(eng, p.weight_guard); !bad.empty()) {
            res.failure = "after the update of trial " + std::to_string(trial) + ": " + bad;
            break;
        }
        if (on_checkpoint && p.checkpoint_every && trial % p.checkpoint_every == 0 && trial < p.trials) on_checkpoint(res);
        char extra[96];
        std::snprintf(extra, sizeof extra, "E %.2f Hz  I %.2f Hz", res.lowpassed[0][(trial - 1) * B],
                      P > 1 ? res.lowpassed[1][(trial - 1) * B] : 0.0);
        bar.update(trial, extra);
    }
    bar.finish(res.trials_done);
    return res;
}

namespace {

// Online rule (001 spec §2.9): sensors c ← c + (r − c)·dt/τ_Ca, then the rule with c in place of r,
// every step, for the networks of the chunk.
class online_plasticity final : public engine::rate_step_hook {
public:
    online_plasticity(rate_engine& eng, const online_params& p, const rule_binding& rb)
        : rb_(rb), p_(p), views_(bind_projections(eng, rb)) {
        const auto& net = eng.network();
        for (const auto& pop : net.populations) {
            sensors.emplace_back(pop.n * eng.batch(), 0.0);
            floored.emplace_back(pop.n * eng.batch(), 0.0);
        }
        for (std::size_t k = 0; k < net.populations.size(); ++k) {
            pops_.push_back({net.populations[k].n, net.populations[k].excitatory, rb.setpoint[k], floored[k].data(),
                             floored[k].data()});
        }
        decay_ = net.dt / p.sensor_tau;
    }
    void on_step(rate_engine& eng, std::size_t, std::size_t b0, std::size_t b1) override {
        const std::size_t B = eng.batch();
        for (std::size_t k = 0; k < sensors.size(); ++k) {
            const double* r = eng.rates(k);
            for (std::size_t i = 0; i < eng.network().populations[k].n; ++i) {
                for (std::size_t b = b0; b < b1; ++b) {
                    double& c = sensors[k][i * B + b];
                    c += (r[i * B + b] - c) * decay_;
                    floored[k][i * B + b] = std::max(c, p_.rate_floor);
                }
            }
        }
        thread_local std::vector<double> scratch;
        apply_rule(rb_.r, pops_, views_, B, b0, b1, scratch);
    }
    std::vector<std::vector<double>> sensors, floored;

private:
    const rule_binding& rb_;
    const online_params& p_;
    std::vector<projection_view> views_;
    std::vector<population_view> pops_;
    double decay_ = 0;
};

// Samples the traced network: rates, sensors and class-mean weights.
class online_recorder final : public engine::rate_step_hook {
public:
    online_recorder(const online_params& p, online_plasticity& plast, online_results& res, std::size_t final_from)
        : p_(p), plast_(plast), res_(res), final_from_(final_from) {}
    void on_step(rate_engine& eng, std::size_t k, std::size_t b0, std::size_t b1) override {
        const auto& net = eng.network();
        const std::size_t B = eng.batch();
        if (k >= final_from_) {
            for (std::size_t q = 0; q < net.populations.size(); ++q) {
                for (std::size_t b = b0; b < b1; ++b) res_.final_rate[q][b] += eng.population_mean(q, b);
            }
        }
        const std::size_t b = p_.trace_network;
        if (b < b0 || b >= b1 || (k + 1) % p_.trace_every != 0) return;
        res_.time_s.push_back(static_cast<double>(k + 1) * net.dt * 1e-3);
        for (std::size_t q = 0; q < net.populations.size(); ++q) {
            const std::size_t n = net.populations[q].n;
            double c = 0;
            for (std::size_t i = 0; i < n; ++i) c += plast_.sensors[q][i * B + b];
            res_.rates.push_back(eng.population_mean(q, b));
            res_.sensors.push_back(c / static_cast<double>(n));
        }
        for (std::size_t q = 0; q < net.projections.size(); ++q) res_.weights.push_back(eng.class_mean(q, b));
    }

private:
    const online_params& p_;
    online_plasticity& plast_;
    online_results& res_;
    std::size_t final_from_;
};

}  // namespace

online_results run_online(rate_engine& eng, const online_params& p, const rule_binding& rb, int threads,
                          progress::mode progress_mode) {
    const auto& net = eng.network();
    const std::size_t B = eng.batch();
    const std::size_t total = static_cast<std::size_t>(std::llround(p.duration / net.dt));
    const std::size_t final_steps = static_cast<std::size_t>(std::llround(p.final_window / net.dt));
    check_params(p, net, B);
    check_binding(rb, net);
    for (const auto& c : rb.r.classes) {
        if (c.relax_to_setpoint_plane) throw config_error("rule binding: forced_balance is not available online");
    }
    online_results res;
    res.final_rate.assign(net.populations.size(), std::vector<double>(B, 0.0));
    const std::size_t samples = total / p.trace_every + 1;
    res.time_s.reserve(samples);
    res.rates.reserve(samples * net.populations.size());
    res.sensors.reserve(samples * net.populations.size());
    res.weights.reserve(samples * net.projections.size());
    online_plasticity plast(eng, p, rb);
    online_recorder rec(p, plast, res, total - final_steps);
    hook_pair hooks(&plast, &rec);
    eng.begin_segment(true);
    // Blocks of 1 s of model time: guards and progress between blocks.
    const std::size_t block = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(1000.0 / net.dt)));
    progress bar("second", (total + block - 1) / block, progress_mode);
    for (std::size_t done = 0; done < total;) {
        const std::size_t n = std::min(block, total - done);
        eng.run(n, &hooks, threads);
        done += n;
        res.steps_done = done;
        if (auto bad = check_health(eng, p.weight_guard); !bad.empty()) {
            res.failure = "t = " + std::to_string(static_cast<double>(done) * net.dt * 1e-3) + " s: " + bad;
            break;
        }
        char extra[96];
        std::snprintf(extra, sizeof extra, "c_E %.2f Hz  c_I %.2f Hz", plast.sensors[0][0],
                      plast.sensors.size() > 1 ? plast.sensors[1][0] : 0.0);
        bar.update(done / block, extra);
    }
    bar.finish((res.steps_done + block - 1) / block);
    for (auto& v : res.final_rate) {
        for (auto& x : v) x /= static_cast<double>(std::max<std::size_t>(final_steps, 1));
    }
    res.final_sensor.resize(net.populations.size());
    for (std::size_t k = 0; k < net.populations.size(); ++k) {
        const std::size_t n = net.populations[k].n;
        res.final_sensor[k].assign(B, 0.0);
        for (std::size_t idx = 0; idx < n * B; ++idx) res.final_sensor[k][idx % B] += plast.sensors[k][idx] / static_cast<double>(n);
    }
    for (std::size_t q = 0; q < net.projections.size(); ++q) res.final_weights.push_back(class_means(eng, q));
    return res;
}

}  // namespace einet::plasticity
