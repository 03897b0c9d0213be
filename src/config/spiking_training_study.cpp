#include "spiking_training_study.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <numeric>

#include "einet/analysis/paradoxical_test.hpp"
#include "einet/analysis/spike_statistics.hpp"
#include "einet/config/rule_config.hpp"
#include "einet/config/spiking_setup.hpp"
#include "einet/core/error.hpp"
#include "einet/core/progress.hpp"
#include "einet/io/checkpoint.hpp"
#include "einet/plasticity/spiking_training.hpp"
#include "einet/record/engine_checkpoint.hpp"
#include "spiking_checkpoint.hpp"
#include "trained_network.hpp"
#include "training_presets.hpp"

namespace einet::config {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// What one trained network leaves behind.
struct network_result {
    std::vector<double> rate_E, rate_I, mse, up_ms;
    std::vector<std::vector<double>> class_mean;
};

std::string fmt(const char* f, double a, double b, double c) {
    char buf[128];
    std::snprintf(buf, sizeof buf, f, a, b, c);
    return buf;
}

// Σ of the weights onto every unit of the projection's post population (Fig. 7F–G, J–K), pA.
std::vector<double> summed_incoming(const network::synapse_table& syn, const float* w) {
    std::vector<double> sum(syn.n_post, 0.0);
    for (std::size_t k = 0; k < syn.size(); ++k) sum[syn.target[k]] += w[k];
    return sum;
}

// Dense signed weights among the first `frac` of every population (Fig. 7E), [post][pre] over the
// concatenated populations.
std::vector<double> weight_subset(const network::spiking_network& net, engine::spiking_engine& eng, double frac,
                                  std::size_t& side) {
    std::vector<std::size_t> offset, keep;
    side = 0;
    for (const auto& p : net.populations) {
        offset.push_back(side);
        keep.push_back(static_cast<std::size_t>(std::ceil(frac * static_cast<double>(p.n))));
        side += keep.back();
    }
    std::vector<double> m(side * side, 0.0);
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const auto& pr = net.projections[q];
        const auto& syn = pr.synapses;
        const double sign = net.populations[pr.pre].excitatory ? 1.0 : -1.0;
        const float* w = eng.weights(q);
        for (std::size_t j = 0; j < std::min(keep[pr.pre], syn.n_pre); ++j) {
            for (auto k = syn.row_begin(j); k < syn.row_end(j); ++k) {
                if (syn.target[k] >= keep[pr.post]) break;  // rows are sorted by target
                m[(offset[pr.post] + syn.target[k]) * side + offset[pr.pre] + j] += sign * w[k];
            }
        }
    }
    return m;
}

double median_finite(std::vector<double> v) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// CV of the inter-spike intervals of every unit during the Up states of a trial (spec §5.11).
std::vector<double> up_state_cv(const analysis::trial_spikes& s, std::size_t pop, const std::vector<analysis::up_state>& ups) {
    std::vector<double> t;
    std::vector<std::uint64_t> id;
    for (std::size_t k = 0; k < s.times[pop].size(); ++k) {
        for (const auto& u : ups) {
            if (s.times[pop][k] > u.onset_ms && s.times[pop][k] < u.offset_ms) {
                t.push_back(s.times[pop][k]);
                id.push_back(s.ids[pop][k]);
                break;
            }
        }
    }
    return analysis::cv_isi({t.data(), id.data(), t.size(), s.sizes[pop]}, 3);
}

// First trial (1-based) from which the 5-trial moving average of both population rates stays
// within the tolerances to the end; 0 when never.
long converged_trial(const std::vector<double>& E, const std::vector<double>& I, double E_set, double I_set, double tol_E,
                     double tol_I) {
    long first = 0;
    for (std::size_t t = 0; t < E.size(); ++t) {
        const std::size_t a = t >= 4 ? t - 4 : 0;
        double me = 0, mi = 0;
        for (std::size_t k = a; k <= t; ++k) {
            me += E[k];
            mi += I[k];
        }
        me /= static_cast<double>(t - a + 1);
        mi /= static_cast<double>(t - a + 1);
        const bool inside = std::abs(me - E_set) <= tol_E && std::abs(mi - I_set) <= tol_I;
        if (!inside) first = 0;
        else if (first == 0) first = static_cast<long>(t + 1);
    }
    return first;
}

// The trial a saved trainer state had reached.
double plasticity_trial(const std::vector<engine::state_array>& state) {
    for (const auto& a : state) {
        if (a.name == "trial" && a.values.size() == 1) return a.values[0];
    }
    return 0.0;
}

void write(io::run_directory& dir, const std::string& name, std::vector<std::size_t> shape, const std::string& axes,
           const std::string& unit, const std::string& doc, const std::vector<double>& data) {
    dir.write_array({name, std::move(shape), axes, unit, doc}, data);
}

// The paradoxical test on the network as it stands (Fig. 7I): summary keys and PSTH arrays; a
// failure message, empty on success.
std::string run_paradoxical_test(const resolved_config& cfg, const network::spiking_network& net, std::size_t E, std::size_t I,
                                 std::uint64_t seed, const run_options& opt, io::run_directory& dir, io::json& summary) {
    analysis::paradoxical_params pp;
    pp.amplitudes = cfg.quantity_list("paradoxical.amplitudes");
    pp.trials = static_cast<std::size_t>(cfg.integer("paradoxical.trials"));
    pp.duration_ms = cfg.quantity("paradoxical.duration");
    pp.start_ms = cfg.quantity("paradoxical.start");
    pp.stop_ms = cfg.quantity("paradoxical.stop");
    pp.pre_ms = std::min(1000.0, pp.start_ms);
    pp.target = net.population_index(cfg.string("paradoxical.target"));
    if (pp.target == network::spiking_population::npos) {
        throw config_error(cfg.origin("paradoxical.target") + ": paradoxical.target: expected a population name, got \"" +
                           cfg.string("paradoxical.target") + "\"");
    }
    pp.min_rate_hz.assign(net.populations.size(), 0.0);
    pp.min_rate_hz[E] = cfg.quantity("paradoxical.min_rate_E");
    pp.min_rate_hz[I] = cfg.quantity("paradoxical.min_rate_I");
    pp.adaptation_off = cfg.boolean("paradoxical.adaptation_off");
    progress pbar("paradoxical test", pp.amplitudes.size() * pp.trials, opt.progress_mode);
    try {
        const auto r = analysis::paradoxical_test(net, pp, seed, opt.threads, [&](std::size_t d, std::size_t) { pbar.update(d); });
        pbar.finish(pp.amplitudes.size() * pp.trials);
        io::json rI = io::json::object(), rE = io::json::object(), kI = io::json::object(), kE = io::json::object(),
                 bI = io::json::object(), bE = io::json::object();
        for (std::size_t a = 0; a < pp.amplitudes.size(); ++a) {
            char key[32];
            std::snprintf(key, sizeof key, "%g", pp.amplitudes[a]);
            rI[key] = r.rate[a][I];
            rE[key] = r.rate[a][E];
            bI[key] = r.rate_before[a][I];
            bE[key] = r.rate_before[a][E];
            kI[key] = static_cast<std::int64_t>(r.kept[a][I]);
            kE[key] = static_cast<std::int64_t>(r.kept[a][E]);
        }
        summary["rate_I_by_current"] = rI;
        summary["rate_E_by_current"] = rE;
        summary["rate_I_before_by_current"] = bI;
        summary["rate_E_before_by_current"] = bE;
        summary["trials_kept_I_by_current"] = kI;
        summary["trials_kept_E_by_current"] = kE;
        write(dir, "paradox_amplitudes", {pp.amplitudes.size()}, "amplitude", "pA", "current into every unit of the target", pp.amplitudes);
        for (std::size_t pop : {E, I}) {
            std::vector<double> h;
            for (const auto& per_amp : r.psth) h.insert(h.end(), per_amp[pop].begin(), per_amp[pop].end());
            write(dir, "paradox_psth_" + net.populations[pop].name, {pp.amplitudes.size(), r.psth[0][pop].size()},
                  "amplitude, 10-ms bin", "Hz", "PSTH averaged over the kept trials (Fig. 7I)", h);
        }
    } catch (const numerical_error& e) {
        return std::string("paradoxical test: ") + e.what();
    }
    return "";
}

}  // namespace

study_output run_spiking_training_study(const resolved_config& cfg, network::spiking_network net_in, io::run_directory& dir,
                                        const run_options& opt) {
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    const std::string fingerprint = record::network_fingerprint(net_in);
    engine::spiking_engine eng(std::move(net_in), seed);
    const auto& net = eng.network();
    const std::size_t Q = net.projections.size();
    const std::size_t E = net.populations[0].excitatory ? 0 : 1, I = 1 - E;

    // Parameters: explicit keys, else the preset's (spec §5.8).
    const auto pre = training_preset_named(cfg.string("training.preset"));
    plasticity::spiking_training_params p;
    p.trial_steps = steps_of(cfg, "run.duration");
    p.excitatory = E;
    p.inhibitory = I;
    p.lowpass_trials = cfg.number("training.lowpass_trials");
    p.rate_floor = cfg.quantity("training.rate_floor");
    p.sensor_clip = cfg.has("training.sensor_clip") ? cfg.number("training.sensor_clip") : pre.clip;
    p.silent = cfg.has("training.silent_rates")
                   ? (cfg.string("training.silent_rates") == "event" ? plasticity::silent_trial_rule::event
                                                                     : plasticity::silent_trial_rule::population_mean)
                   : pre.silent;
    p.local_cross = cfg.string("training.cross_sensor") == "local";
    const auto trials = static_cast<std::size_t>(cfg.integer("training.trials"));
    if (trials == 0) {  // no training: the analyses on the network as configured (e.g. a saved trained_network.toml)
        study_output out;
        io::json summary = io::json::object();
        summary["trials_done"] = static_cast<std::int64_t>(0);
        summary["networks"] = static_cast<std::int64_t>(1);
        if (cfg.has("paradoxical.amplitudes")) out.failure = run_paradoxical_test(cfg, net, E, I, seed, opt, dir, summary);
        out.summary = summary;
        return out;
    }
    for (auto t : cfg.integer_list("training.record_trials")) {
        if (static_cast<std::size_t>(t) <= trials) p.keep_trials.push_back(static_cast<std::size_t>(t - 1));
    }
    p.keep_trials.push_back(trials - 1);
    plasticity::spiking_rule_binding b;
    b.r = build_rule(cfg, "training");
    b.E_set = cfg.quantity("training.E_set");
    b.I_set = cfg.quantity("training.I_set");
    const double alpha = cfg.has("training.alpha") ? cfg.number("training.alpha") : pre.alpha;
    const double beta = cfg.has("training.beta") ? cfg.number("training.beta") : alpha;
    const double floor = cfg.has("training.weight_floor") ? cfg.quantity("training.weight_floor") : pre.floor;
    const double ceiling = cfg.has("training.weight_ceiling") ? cfg.quantity("training.weight_ceiling") : pre.ceiling;
    if (!(floor <= ceiling)) {
        throw config_error(cfg.origin("training.weight_floor") + ": training.weight_floor: expected at most weight_ceiling = " +
                           std::to_string(ceiling) + " pA, got " + std::to_string(floor) + " pA");
    }
    b.alpha.assign(Q, alpha);
    b.beta.assign(Q, beta);
    b.floor.assign(Q, floor);
    b.ceiling.assign(Q, ceiling);

    // Networks: one per entry of the projections' sweep_means (Fig. 7L), else one.
    const auto proj_keys = cfg.instances("projections");
    std::vector<std::vector<double>> sweep(Q);
    std::size_t networks = 1;
    for (std::size_t q = 0; q < Q; ++q) {
        const auto key = proj_keys[q] + ".sweep_means";
        if (!cfg.has(key)) continue;
        sweep[q] = cfg.quantity_list(key);
        if (networks > 1 && sweep[q].size() != networks) {
            throw config_error(cfg.origin(key) + ": " + key + ": expected " + std::to_string(networks) +
                               " entries (as the other projections' sweep_means), got " + std::to_string(sweep[q].size()));
        }
        networks = std::max(networks, sweep[q].size());
    }
    std::vector<std::vector<float>> initial_w(Q);
    for (std::size_t q = 0; q < Q; ++q) initial_w[q].assign(eng.weights(q), eng.weights(q) + net.projections[q].synapses.size());
    auto set_initial_weights = [&](std::size_t s) {
        // Weights N(m, (cv·m)²) clipped at 0 scale to N(m', (cv·m')²) clipped at 0 exactly.
        for (std::size_t q = 0; q < Q; ++q) {
            double scale = 1.0;
            if (!sweep[q].empty()) {
                const double m = std::accumulate(initial_w[q].begin(), initial_w[q].end(), 0.0) / static_cast<double>(initial_w[q].size());
                scale = sweep[q][s] / m;
            }
            float* w = eng.weights(q);
            for (std::size_t k = 0; k < initial_w[q].size(); ++k) w[k] = static_cast<float>(initial_w[q][k] * scale);
        }
    };
    const auto initial_state = eng.snapshot();

    // Resume: the network being trained, the finished ones' logs, the trainer's state.
    const auto ckpt = checkpoint_dir(dir.path());
    std::size_t s0 = 0;
    std::vector<network_result> done;
    std::vector<engine::state_array> resume_state;
    if (opt.resume) {
        remove_interrupted_leftovers(dir.path());
        const auto data = io::read_checkpoint(ckpt);
        const auto* f = data.field("fingerprint");
        if (!f || *f != fingerprint) throw config_error("cannot resume " + dir.path().string() + ": its checkpoint belongs to another network");
        s0 = static_cast<std::size_t>(std::stoull(*data.field("network")));
        for (const auto& a : data.arrays) {
            if (a.name.rfind("trainer/", 0) == 0) resume_state.push_back({a.name.substr(8), a.values});
        }
        for (std::size_t s = 0; s < s0; ++s) {
            network_result r;
            const std::string pre_s = "done/" + std::to_string(s) + "/";
            for (const auto& a : data.arrays) {
                if (a.name == pre_s + "rate_E") r.rate_E = a.values;
                if (a.name == pre_s + "rate_I") r.rate_I = a.values;
                if (a.name == pre_s + "mse") r.mse = a.values;
                if (a.name == pre_s + "up_ms") r.up_ms = a.values;
                for (std::size_t q = 0; q < Q; ++q) {
                    if (a.name == pre_s + "class_mean/" + std::to_string(q)) {
                        r.class_mean.resize(Q);
                        r.class_mean[q] = a.values;
                    }
                }
            }
            done.push_back(std::move(r));
        }
        dir.manifest()["resumed_from_network"] = static_cast<std::int64_t>(s0);
    }
    auto save = [&](std::size_t s, const plasticity::spiking_trainer& tr) {
        io::checkpoint_data data;
        data.fields = {{"study", "spiking_training"}, {"fingerprint", fingerprint}, {"network", std::to_string(s)},
                       {"trial", std::to_string(tr.trials_done())}};
        for (std::size_t k = 0; k < done.size(); ++k) {
            const std::string pre_s = "done/" + std::to_string(k) + "/";
            data.arrays.push_back({pre_s + "rate_E", done[k].rate_E});
            data.arrays.push_back({pre_s + "rate_I", done[k].rate_I});
            data.arrays.push_back({pre_s + "mse", done[k].mse});
            data.arrays.push_back({pre_s + "up_ms", done[k].up_ms});
            for (std::size_t q = 0; q < Q; ++q) data.arrays.push_back({pre_s + "class_mean/" + std::to_string(q), done[k].class_mean[q]});
        }
        for (auto& a : tr.save_state()) data.arrays.push_back({"trainer/" + a.name, std::move(a.values)});
        io::write_checkpoint(ckpt, data);
    };

    const std::size_t every = static_cast<std::size_t>(cfg.integer("training.checkpoint_every"));
    // Progress counts this process's trials, so the ETA after a resume is the remaining time.
    const std::size_t resumed_trials = s0 * trials + (resume_state.empty() ? 0 : static_cast<std::size_t>(plasticity_trial(resume_state)));
    progress bar("training", networks * trials - resumed_trials, opt.progress_mode);
    std::string last_line;
    study_output out;
    std::size_t checkpoints_written = 0;
    std::vector<std::vector<double>> summed_initial(Q);
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<plasticity::spiking_trainer> last;
    for (std::size_t s = s0; s < networks && out.failure.empty(); ++s) {
        eng.restore(initial_state);
        set_initial_weights(s);
        if (s + 1 == networks) {
            for (std::size_t q = 0; q < Q; ++q) summed_initial[q] = summed_incoming(net.projections[q].synapses, eng.weights(q));
        }
        auto tr = std::make_unique<plasticity::spiking_trainer>(eng, p, b, seed, opt.threads);
        if (s == s0 && !resume_state.empty()) tr->restore_state(resume_state);
        try {
            while (tr->trials_done() < trials) {
                out.failure = tr->run_trial();
                const std::size_t t = tr->trials_done();
                last_line = fmt("E %.2f Hz  I %.2f Hz  MSE %.2f Hz^2", tr->rate_E.back(), tr->rate_I.back(), tr->mse.back());
                bar.update(s * trials + t - resumed_trials, last_line);
                if (!out.failure.empty()) break;
                if (every && t % every == 0 && (t < trials || s + 1 < networks)) {
                    save(s, *tr);
                    interrupt_if_testing(++checkpoints_written);
                }
            }
        } catch (const numerical_error& e) {
            out.failure = e.what();
        }
        done.push_back({tr->rate_E, tr->rate_I, tr->mse, tr->up_duration_ms, tr->class_mean});
        last = std::move(tr);
    }
    bar.finish((done.empty() ? 0 : (done.size() - 1) * trials + done.back().mse.size()) - resumed_trials, last_line);
    const double train_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Arrays of the last network (the only one without a sweep).
    const auto& res = done.back();
    const std::size_t T = res.mse.size();
    const std::string trial_axis = "trial";
    write(dir, "training_rate_E", {T}, trial_axis, "Hz", "population mean of the per-unit rates of each trial (Fig. 7C)", res.rate_E);
    write(dir, "training_rate_I", {T}, trial_axis, "Hz", "population mean of the per-unit rates of each trial (Fig. 7C)", res.rate_I);
    write(dir, "training_mse", {T}, trial_axis, "Hz^2", "mean squared distance of unit rates to their set points (SI Eq. 18)", res.mse);
    write(dir, "training_up_duration_ms", {T}, trial_axis, "ms", "total Up-state time detected in each trial", res.up_ms);
    std::vector<double> means;
    for (std::size_t row = 0; row <= T; ++row) {
        for (std::size_t q = 0; q < Q; ++q) means.push_back(res.class_mean[q][row]);
    }
    std::string classes;
    for (std::size_t q = 0; q < Q; ++q) classes += (q ? "," : "") + std::string(plasticity::class_names[plasticity::class_of(net, q)]);
    write(dir, "training_weight_mean", {T + 1, Q}, "trial (0 = initial), projection [" + classes + "]", "pA",
          "mean weight of every projection (Fig. 7D)", means);
    if (networks > 1) {
        std::vector<double> all;
        for (const auto& r : done) all.insert(all.end(), r.mse.begin(), r.mse.end());
        if (all.size() == done.size() * trials) write(dir, "sweep_mse", {done.size(), trials}, "network, trial", "Hz^2", "SI Eq. 18 per trial (Fig. 7L)", all);
    }
    std::vector<double> sweep_means;
    for (std::size_t s = 0; s < networks; ++s) {
        for (std::size_t q = 0; q < Q; ++q) {
            const double m0 = std::accumulate(initial_w[q].begin(), initial_w[q].end(), 0.0) / static_cast<double>(initial_w[q].size());
            sweep_means.push_back(sweep[q].empty() ? m0 : sweep[q][s]);
        }
    }
    write(dir, "network_initial_means", {networks, Q}, "network, projection [" + classes + "]", "pA", "initial class means", sweep_means);

    io::json summary = io::json::object();
    if (last) {
        for (std::size_t q = 0; q < Q; ++q) {
            const auto& pr = net.projections[q];
            const std::string name = std::string("summed_weights_") + plasticity::class_names[plasticity::class_of(net, q)];
            write(dir, name + "_initial", {summed_initial[q].size()}, "unit of " + net.populations[pr.post].name, "pA",
                  "summed incoming weights before training (Fig. 7F-G, J-K)", summed_initial[q]);
            const auto fin = summed_incoming(pr.synapses, eng.weights(q));
            write(dir, name + "_final", {fin.size()}, "unit of " + net.populations[pr.post].name, "pA",
                  "summed incoming weights after training", fin);
        }
        std::size_t side = 0;
        const auto m = weight_subset(net, eng, 0.1, side);
        write(dir, "weight_matrix_subset", {side, side}, "post unit, pre unit (first 10% of every population)", "pA",
              "final signed weights (Fig. 7E)", m);
        std::vector<double> cv_all;
        for (std::size_t pop = 0; pop < net.populations.size(); ++pop) {
            const auto& name = net.populations[pop].name;
            write(dir, "final_rates_" + name, {last->unit_rates(pop).size()}, "unit", "Hz", "per-unit rates of the last trial (Fig. 7H)",
                  last->unit_rates(pop));
            const auto cv = up_state_cv(last->last_spikes(), pop, last->last_up_states());
            write(dir, "cv_isi_" + name, {cv.size()}, "unit", "", "CV of inter-spike intervals in the Up states of the last trial", cv);
            summary["cv_isi_median_" + name] = median_finite(cv);
            cv_all.insert(cv_all.end(), cv.begin(), cv.end());
        }
        summary["cv_isi_median"] = median_finite(cv_all);
        for (const auto& k : last->kept) {
            for (std::size_t pop = 0; pop < net.populations.size(); ++pop) {
                const std::string name = "trial" + std::to_string(k.trial + 1) + "_spike_";
                const auto& pn = net.populations[pop].name;
                write(dir, name + "times_" + pn, {k.times[pop].size()}, "spike", "ms", "spike times of a stored trial (Fig. 7B)", k.times[pop]);
                write(dir, name + "ids_" + pn, {k.ids[pop].size()}, "spike", "", "neuron ids", {k.ids[pop].begin(), k.ids[pop].end()});
                const std::size_t kv = std::min(p.voltage_neurons, net.populations[pop].n);
                if (kv > 0 && !k.V[pop].empty()) {
                    write(dir, "trial" + std::to_string(k.trial + 1) + "_V_" + pn, {k.V[pop].size() / kv, kv}, "ms (sample), unit",
                          "mV", "membrane potential of the first units every 1 ms (Fig. 7B)", k.V[pop]);
                }
            }
        }
    }
    const std::size_t final_n = std::min<std::size_t>(static_cast<std::size_t>(cfg.integer("training.final_trials")), T);
    auto tail_mean = [&](const std::vector<double>& v) {
        return final_n ? std::accumulate(v.end() - static_cast<long>(final_n), v.end(), 0.0) / static_cast<double>(final_n) : std::nan("");
    };
    summary["rate_E_final_hz"] = tail_mean(res.rate_E);
    summary["rate_I_final_hz"] = tail_mean(res.rate_I);
    summary["trial_converged"] = static_cast<std::int64_t>(converged_trial(res.rate_E, res.rate_I, b.E_set, b.I_set,
                                                                            cfg.quantity("training.E_tolerance"),
                                                                            cfg.quantity("training.I_tolerance")));
    io::json mse0 = io::json::array(), mse1 = io::json::array();
    for (const auto& r : done) {
        mse0.push_back(r.mse.empty() ? std::nan("") : r.mse.front());
        mse1.push_back(r.mse.empty() ? std::nan("") : r.mse.back());
    }
    summary["mse_initial"] = mse0;
    summary["mse_final"] = mse1;
    summary["trials_done"] = static_cast<std::int64_t>(T);
    summary["networks"] = static_cast<std::int64_t>(networks);
    summary["alpha"] = alpha;
    summary["beta"] = beta;
    summary["weight_floor_pA"] = floor;
    summary["weight_ceiling_pA"] = std::isfinite(ceiling) ? io::json(ceiling) : io::json("inf");
    summary["sensor_clip"] = std::isfinite(p.sensor_clip) ? io::json(p.sensor_clip) : io::json("inf");
    summary["silent_rates"] = p.silent == plasticity::silent_trial_rule::event ? "event" : "population_mean";
    summary["train_wall_s"] = train_wall_s;
    summary["trials_per_s"] = train_wall_s > 0 ? static_cast<double>(networks > 1 ? (networks - s0) * trials : T) / train_wall_s : 0.0;

    // The paradoxical test on the trained weights (Fig. 7I).
    if (out.failure.empty() && cfg.has("paradoxical.amplitudes")) out.failure = run_paradoxical_test(cfg, net, E, I, seed, opt, dir, summary);
    if (out.failure.empty() && cfg.boolean("training.save_network")) write_trained_network(cfg, net, dir);
    out.summary = summary;
    if (out.failure.empty()) std::filesystem::remove_all(ckpt);
    return out;
}

}  // namespace einet::config
