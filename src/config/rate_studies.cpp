#include "einet/config/rate_studies.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "einet/analysis/perturbation.hpp"
#include "einet/config/rate_setup.hpp"
#include "rate_checkpoint.hpp"
#include "spiking_checkpoint.hpp"
#include "einet/plasticity/rate_protocols.hpp"

namespace einet::config {
using io::json;

namespace {

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

double sem(const std::vector<double>& v) {
    if (v.size() < 2) return std::nan("");
    const double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
}

// A batch statistic: the value itself for one network, the mean (with SEM) for several.
void put_stat(json& summary, const std::string& key, const std::vector<double>& per_run) {
    summary[key] = mean(per_run);
    if (per_run.size() > 1) summary[key + "_sem"] = sem(per_run);
}

std::vector<std::size_t> sizes(std::initializer_list<std::size_t> s) { return s; }

// Final weights against the set-point plane (001 Methods Eqs. 4–5): relative residuals.
void put_plane_residuals(json& summary, const analysis::two_population_params& mp, double E_set, double I_set,
                         const std::vector<double>& W) {
    const double ei = analysis::setpoint_W_EI(mp, W[0], E_set, I_set), ii = analysis::setpoint_W_II(mp, W[2], E_set, I_set);
    json r = json::object();
    r["EI"] = (W[1] - ei) / ei;
    r["II"] = (W[3] - ii) / ii;
    summary["setpoint_plane_residual"] = r;
    const auto fp = analysis::up_state(mp, {W[0], W[1], W[2], W[3]});
    json up = json::object();
    // The closed form is an Up state only when both rates are positive (SI Eqs. 18–19).
    up["above_threshold"] = fp.above_threshold;
    up["E_hz"] = fp.above_threshold ? json(fp.E) : json(nullptr);
    up["I_hz"] = fp.above_threshold ? json(fp.I) : json(nullptr);
    up["stable"] = fp.stable;
    up["paradoxical"] = fp.paradoxical;
    summary["up_state_of_final_weights"] = up;
}

// Per-unit final low-passed rates of a population ([run][unit] array) and, in the summary, the
// largest relative distance of any unit of any run from its set point (001 Figs. 5–6: two-term
// rules bring every unit to its set point, cross-only rules only the population mean) and the
// mean over runs of the spread (SD) across units.
void put_unit_spread(json& summary, io::run_directory& dir, const std::string& name, double set,
                     const std::vector<double>& lowpass, std::size_t n, std::size_t B) {
    std::vector<double> per_unit(B * n);
    double worst = 0.0, spread = 0.0;
    for (std::size_t b = 0; b < B; ++b) {
        double m = 0.0, m2 = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double r = lowpass[i * B + b];
            per_unit[b * n + i] = r;
            worst = std::isnan(r) ? r : std::max(worst, std::abs(r - set) / set);
            m += r / static_cast<double>(n);
            m2 += r * r / static_cast<double>(n);
        }
        spread += std::sqrt(std::max(0.0, m2 - m * m)) / static_cast<double>(B);
    }
    dir.write_array({"final_unit_rates_" + name, sizes({B, n}), "run, unit", "Hz",
                     "low-passed rate of every unit of " + name + " after the last trial"},
                    per_unit);
    summary["max_unit_rel_error_" + name] = worst;
    summary["unit_rate_sd_" + name + "_hz"] = spread;
}

// Multi-unit networks: every unit's total input weight from each presynaptic population after the
// last trial, final_unit_input_weights_<post> [run, unit, pre population] = Σ_j W_ij (001 Figs.
// 5D–E, 6D–E: at a solution where every unit fires at its set point these totals lie on the
// population's set-point line, slope E_set/I_set).
void write_unit_input_weights(io::run_directory& dir, const engine::rate_engine& eng) {
    const auto& net = eng.network();
    const std::size_t B = eng.batch(), P = net.populations.size();
    if (std::all_of(net.populations.begin(), net.populations.end(), [](const auto& pop) { return pop.n == 1; })) return;
    for (std::size_t k = 0; k < P; ++k) {
        const std::size_t n = net.populations[k].n;
        std::vector<double> total(B * n * P, 0.0);
        for (std::size_t q = 0; q < net.projections.size(); ++q) {
            const auto& pr = net.projections[q];
            if (pr.post != k) continue;
            const std::size_t n_pre = net.populations[pr.pre].n;
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t j = 0; j < n_pre; ++j) {
                    for (std::size_t b = 0; b < B; ++b) total[(b * n + i) * P + pr.pre] += eng.weights(q)[(i * n_pre + j) * B + b];
                }
            }
        }
        const auto& name = net.populations[k].name;
        dir.write_array({"final_unit_input_weights_" + name, sizes({B, n, P}), "run, unit, presynaptic population", "",
                         "total weight onto each unit of " + name + " from each population after the last trial"},
                        total);
    }
}

json weight_object(const std::vector<std::string>& labels, const std::vector<double>& values) {
    json w = json::object();
    for (std::size_t q = 0; q < labels.size(); ++q) w[labels[q]] = values[q];
    return w;
}

// Steps between trace samples (at least one).
std::size_t trace_every_steps(const resolved_config& cfg, double dt) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(cfg.quantity("record.trace_every") / dt)));
}

}  // namespace

study_output run_trial_study(const resolved_config& cfg, engine::rate_engine& eng, io::run_directory& dir,
                             const run_options& opt) {
    const auto& net = eng.network();
    const std::size_t B = eng.batch(), P = net.populations.size(), Q = net.projections.size();
    plasticity::trial_params p;
    p.trials = static_cast<std::size_t>(cfg.integer("protocol.trials"));
    p.trial_duration = cfg.quantity("protocol.trial_duration");
    p.measure_window = cfg.quantity("protocol.measure_window");
    p.lowpass_trials = cfg.number("protocol.lowpass_trials");
    p.rate_floor = cfg.quantity("protocol.rate_floor");
    p.reset_rates = cfg.boolean("protocol.reset_rates");
    p.sustained_rate = cfg.quantity("protocol.sustained_rate");
    for (auto t : cfg.integer_list("record.trace_trials")) {
        if (static_cast<std::size_t>(t) <= p.trials) p.trace_trials.push_back(static_cast<std::size_t>(t));
    }
    p.trace_network = static_cast<std::size_t>(cfg.integer("record.trace_network"));
    p.trace_every = trace_every_steps(cfg, net.dt);
    const auto rb = bind_rule(cfg, net);
    if (cfg.has("protocol.imprint_trial")) {
        p.imprint.trial = static_cast<std::size_t>(cfg.integer("protocol.imprint_trial"));
        while (net.projections[p.imprint.projection].label != cfg.string("protocol.imprint_class")) ++p.imprint.projection;
        p.imprint.units = static_cast<std::size_t>(cfg.integer("protocol.imprint_units"));
        p.imprint.factor = cfg.number("protocol.imprint_factor");
    }
    if (cfg.has("protocol.checkpoint_every")) p.checkpoint_every = static_cast<std::size_t>(cfg.integer("protocol.checkpoint_every"));

    // Checkpoints every protocol.checkpoint_every trials; --resume continues from the last one.
    const auto ckpt = checkpoint_dir(dir.path());
    plasticity::trial_results start;
    if (opt.resume) {
        remove_interrupted_leftovers(dir.path());
        start = restore_trial_checkpoint(ckpt, eng);
        dir.manifest()["resumed_from_trial"] = static_cast<std::uint64_t>(start.trials_done);
    }
    std::size_t checkpoints_written = 0;
    auto on_checkpoint = [&](const plasticity::trial_results& so_far) {
        save_trial_checkpoint(ckpt, eng, so_far);
        interrupt_if_testing(++checkpoints_written);
    };
    auto res = plasticity::run_trials(eng, p, rb, opt.threads, opt.progress_mode, &start, on_checkpoint);
    const std::size_t T = res.trials_done;
    if (res.failure.empty()) std::filesystem::remove_all(ckpt);  // a complete run needs no checkpoint

    for (std::size_t k = 0; k < P; ++k) {
        const auto& name = net.populations[k].name;
        dir.write_array({"trial_rates_" + name, sizes({T, B}), "trial, run", "Hz",
                         "mean rate of " + name + " over the measurement window of each trial"},
                        res.measured[k]);
        dir.write_array({"lowpass_" + name, sizes({T, B}), "trial, run", "Hz",
                         "low-passed rate of " + name + " after each trial (before the floor)"},
                        res.lowpassed[k]);
    }
    std::vector<double> w((T + 1) * B * Q);
    for (std::size_t t = 0; t <= T; ++t) {
        for (std::size_t b = 0; b < B; ++b) {
            for (std::size_t q = 0; q < Q; ++q) w[(t * B + b) * Q + q] = res.weights[q][t * B + b];
        }
    }
    dir.write_array({"weights", sizes({T + 1, B, Q}), "trial (0 = initial), run, class (EE, EI, IE, II)", "",
                     "class-mean weights after each trial's update"},
                    w);
    write_unit_input_weights(dir, eng);
    std::vector<double> first(B);
    for (std::size_t b = 0; b < B; ++b) first[b] = res.first_sustained[b] ? static_cast<double>(res.first_sustained[b]) : std::nan("");
    dir.write_array({"first_self_sustained_trial", sizes({B}), "run", "",
                     "first trial (1-based) whose measured E rate reached protocol.sustained_rate; NaN if none"},
                    first);
    if (!res.traces.empty()) {
        std::vector<double> traces, times, trials;
        for (const auto& tr : res.traces) traces.insert(traces.end(), tr.begin(), tr.end());
        for (std::size_t s = 0; s < res.trace_samples; ++s) times.push_back(static_cast<double>((s + 1) * p.trace_every) * net.dt);
        for (auto t : res.traced_trials) trials.push_back(static_cast<double>(t));
        dir.write_array({"traces", sizes({res.traces.size(), res.trace_samples, P}), "traced trial, sample, population (E, I)",
                         "Hz", "rates of network " + std::to_string(p.trace_network) + " within the traced trials"},
                        traces);
        dir.write_array({"trace_time_ms", sizes({times.size()}), "sample", "ms", "time within the trial"}, times);
        dir.write_array({"trace_trials", sizes({trials.size()}), "traced trial", "", "1-based trial numbers"}, trials);
    }

    study_output out;
    auto& s = out.summary;
    s["trials_completed"] = static_cast<std::uint64_t>(T);
    const std::size_t last = std::min<std::size_t>(static_cast<std::size_t>(cfg.integer("protocol.final_trials")), T);
    std::vector<std::string> labels;
    for (const auto& proj : net.projections) labels.push_back(proj.label);
    // Per-run final rates (mean of the last protocol.final_trials measured rates), their mean ± SEM
    // over the sweep, and the runs whose every population ends within the tolerance of its set point.
    const double tolerance = cfg.number("protocol.converged_tolerance");
    std::vector<double> final_rates(B * P);
    std::vector<bool> converged(B, T > 0);
    for (std::size_t k = 0; k < P; ++k) {
        std::vector<double> per_run(B, 0.0);
        for (std::size_t t = T - last; t < T; ++t) {
            for (std::size_t b = 0; b < B; ++b) per_run[b] += res.measured[k][t * B + b] / static_cast<double>(last);
        }
        const auto& name = net.populations[k].name;
        const double set = cfg.quantity("plasticity." + name + "_set");
        for (std::size_t b = 0; b < B; ++b) {
            final_rates[b * P + k] = per_run[b];
            converged[b] = converged[b] && std::abs(per_run[b] - set) <= tolerance * set;  // NaN: not converged
        }
        put_stat(s, name + "_final_hz", per_run);
        s[name + "_final_mean_hz"] = mean(per_run);
        s[name + "_final_sem_hz"] = B > 1 ? json(sem(per_run)) : json(nullptr);
        put_unit_spread(s, dir, name, set, res.unit_lowpass[k], net.populations[k].n, B);
    }
    dir.write_array({"final_rates", sizes({B, P}), "run, population", "Hz",
                     "per-run mean measured rate over the last protocol.final_trials trials"},
                    final_rates);
    s["n_runs"] = static_cast<std::uint64_t>(B);
    s["n_converged"] = static_cast<std::uint64_t>(std::count(converged.begin(), converged.end(), true));
    s["converged_tolerance"] = tolerance;
    // First self-sustained trial: the network's own for one network, the median for a sweep.
    std::vector<double> reached;
    for (double f : first) {
        if (!std::isnan(f)) reached.push_back(f);
    }
    std::sort(reached.begin(), reached.end());
    if (reached.empty()) s["first_self_sustained_trial"] = nullptr;
    else if (B == 1) s["first_self_sustained_trial"] = static_cast<std::int64_t>(reached[0]);
    else s["first_self_sustained_trial"] = reached[reached.size() / 2];
    if (B > 1) s["fraction_self_sustained"] = static_cast<double>(reached.size()) / static_cast<double>(B);
    std::vector<double> w_final(Q);
    for (std::size_t q = 0; q < Q; ++q) {
        std::vector<double> per_run(res.weights[q].end() - static_cast<std::ptrdiff_t>(B), res.weights[q].end());
        w_final[q] = mean(per_run);
    }
    s["W_final"] = weight_object(labels, w_final);
    s["E_set_hz"] = cfg.quantity("plasticity.E_set");
    s["I_set_hz"] = cfg.quantity("plasticity.I_set");
    if (B == 1) put_plane_residuals(s, model_params(cfg), cfg.quantity("plasticity.E_set"), cfg.quantity("plasticity.I_set"), w_final);
    out.failure = res.failure;
    return out;
}

study_output run_online_study(const resolved_config& cfg, engine::rate_engine& eng, io::run_directory& dir,
                              const run_options& opt) {
    const auto& net = eng.network();
    const std::size_t P = net.populations.size(), Q = net.projections.size();
    plasticity::online_params p;
    p.duration = cfg.quantity("online.duration");
    p.sensor_tau = cfg.quantity("online.sensor_tau");
    p.rate_floor = cfg.quantity("online.rate_floor");
    p.final_window = cfg.quantity("online.final_window");
    p.trace_network = static_cast<std::size_t>(cfg.integer("record.trace_network"));
    p.trace_every = trace_every_steps(cfg, net.dt);
    const auto rb = bind_rule(cfg, net);
    auto res = plasticity::run_online(eng, p, rb, opt.threads, opt.progress_mode);
    const std::size_t S = res.time_s.size();
    dir.write_array({"online_time_s", sizes({S}), "sample", "s", "time"}, res.time_s);
    dir.write_array({"online_rates", sizes({S, P}), "sample, population (E, I)", "Hz", "rates of the traced network"}, res.rates);
    dir.write_array({"online_sensors", sizes({S, P}), "sample, population (E, I)", "Hz", "calcium-like rate sensors"}, res.sensors);
    dir.write_array({"online_weights", sizes({S, Q}), "sample, class (EE, EI, IE, II)", "", "weights of the traced network"},
                    res.weights);
    study_output out;
    auto& s = out.summary;
    s["simulated_s"] = static_cast<double>(res.steps_done) * net.dt * 1e-3;
    for (std::size_t k = 0; k < P; ++k) {
        put_stat(s, net.populations[k].name + "_final_hz", res.final_rate[k]);
        put_stat(s, net.populations[k].name + "_sensor_final_hz", res.final_sensor[k]);
    }
    s["first_self_sustained_trial"] = nullptr;  // no trials online
    std::vector<std::string> labels;
    std::vector<double> w_final;
    for (std::size_t q = 0; q < Q; ++q) {
        labels.push_back(net.projections[q].label);
        w_final.push_back(mean(res.final_weights[q]));
    }
    s["W_final"] = weight_object(labels, w_final);
    s["E_set_hz"] = cfg.quantity("plasticity.E_set");
    s["I_set_hz"] = cfg.quantity("plasticity.I_set");
    if (eng.batch() == 1) put_plane_residuals(s, model_params(cfg), cfg.quantity("plasticity.E_set"), cfg.quantity("plasticity.I_set"), w_final);
    out.failure = res.failure;
    return out;
}

study_output run_fixed_study(const resolved_config& cfg, engine::rate_engine& eng, io::run_directory& dir,
                             const run_options& opt) {
    const auto& net = eng.network();
    analysis::perturbation p;
    p.duration = cfg.quantity("perturbation.duration");
    p.at = cfg.quantity("perturbation.at");
    p.window = cfg.quantity("perturbation.window");
    p.is_input = cfg.string("perturbation.kind") == "input";
    const auto target = cfg.string("perturbation.target");
    if (p.is_input) {
        p.target = net.find_population(target);
    } else {
        p.target = 0;
        while (net.projections[p.target].label != target) ++p.target;
    }
    p.value = cfg.number("perturbation.value");
    p.trace_every = trace_every_steps(cfg, net.dt);

    // Weights before the change, for the analytic prediction.
    std::vector<double> w0;
    for (std::size_t q = 0; q < net.projections.size(); ++q) w0.push_back(eng.weights(q)[0]);
    auto res = analysis::run_perturbation(eng, p, opt.threads);
    const std::size_t S = res.time_ms.size(), P = net.populations.size();
    dir.write_array({"trace_time_ms", sizes({S}), "sample", "ms", "time"}, res.time_ms);
    dir.write_array({"trace_rates", sizes({S, P}), "sample, population (E, I)", "Hz", "rates of network 0"}, res.trace);

    study_output out;
    auto& s = out.summary;
    s["perturbation_at_ms"] = p.at;
    for (std::size_t k = 0; k < P; ++k) {
        s[net.populations[k].name + "_before_hz"] = res.before[k];
        s[net.populations[k].name + "_after_hz"] = res.after[k];
    }
    s["I_change_hz"] = res.after[1] - res.before[1];
    s["E_change_hz"] = res.after[0] - res.before[0];
    // Closed-form Up states before and after (001 SI Eqs. 18–19) next to the simulation.
    auto mp = model_params(cfg);
    const auto before = analysis::up_state(mp, {w0[0], w0[1], w0[2], w0[3]});
    auto w1 = w0;
    if (p.is_input) (p.target == 0 ? mp.input_E : mp.input_I) += p.value;
    else w1[p.target] = p.value;
    const auto after = analysis::up_state(mp, {w1[0], w1[1], w1[2], w1[3]});
    json pred = json::object();
    pred["E_before_hz"] = before.E;
    pred["I_before_hz"] = before.I;
    pred["E_after_hz"] = after.E;
    pred["I_after_hz"] = after.I;
    pred["paradoxical_regime"] = before.paradoxical;
    s["analytic"] = pred;
    // The paradoxical effect: I's steady rate moves against the direct effect of the change on I
    // (more drive to I, or a stronger E->I weight, and I falls; the mirror for decreases and for
    // W_II). Not defined for changes that reach I only through E (input to E, W_EE, W_EI).
    double direct = 0.0;
    if (p.is_input && p.target == 1) direct = p.value;
    if (!p.is_input && net.projections[p.target].label == "IE") direct = p.value - w0[p.target];
    if (!p.is_input && net.projections[p.target].label == "II") direct = w0[p.target] - p.value;
    if (direct != 0.0) s["paradoxical_effect"] = (res.after[1] - res.before[1]) * direct < 0.0;
    else s["paradoxical_effect"] = nullptr;
    s["first_self_sustained_trial"] = nullptr;
    s["E_final_hz"] = res.after[0];
    s["I_final_hz"] = res.after[1];
    std::vector<std::string> labels;
    for (const auto& proj : net.projections) labels.push_back(proj.label);
    s["W_final"] = weight_object(labels, w1);
    out.failure = res.failure;
    return out;
}

}  // namespace einet::config
