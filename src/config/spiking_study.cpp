#include "einet/config/spiking_study.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/analysis/up_states.hpp"
#include "einet/config/spiking_setup.hpp"
#include "einet/core/error.hpp"
#include "einet/core/progress.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "einet/record/spike_recorder.hpp"

namespace einet::config {
using io::json;

namespace {

// Samples, every `every` steps, V of the first `k` neurons of each population and the
// population mean of every receptor current (the E and I input currents).
class trace_sampler final : public engine::spike_hook {
public:
    trace_sampler(const engine::spiking_engine& eng, std::size_t every, std::size_t k, bool currents)
        : every_(every), currents_(currents) {
        const auto& net = eng.network();
        for (const auto& p : net.populations) {
            k_.push_back(std::min(k, p.n));
            V_.emplace_back();
            I_.emplace_back(currents ? p.receptors.size() : 0);
        }
    }
    void on_step(engine::spiking_engine& eng) override {
        if (eng.step() % every_ != 0) return;
        times_.push_back(eng.time());
        const auto& net = eng.network();
        for (std::size_t p = 0; p < net.populations.size(); ++p) {
            const double* V = eng.V(p);
            V_[p].insert(V_[p].end(), V, V + k_[p]);
            for (std::size_t r = 0; r < I_[p].size(); ++r) {
                const double* s = eng.receptor_current(p, r);
                double sum = 0.0;
                for (std::size_t i = 0; s && i < net.populations[p].n; ++i) sum += s[i];
                I_[p][r].push_back(s ? sum / static_cast<double>(net.populations[p].n) : 0.0);
            }
        }
    }
    std::vector<double> times_;
    std::vector<std::size_t> k_;
    std::vector<std::vector<double>> V_;                // per population: [sample][neuron]
    std::vector<std::vector<std::vector<double>>> I_;   // per population, receptor: [sample]

private:
    std::size_t every_;
    bool currents_;
};

// Calls several hooks in order.
class hook_list final : public engine::spike_hook {
public:
    void add(engine::spike_hook* h) { hooks_.push_back(h); }
    void on_step(engine::spiking_engine& eng) override {
        for (auto* h : hooks_) h->on_step(eng);
    }

private:
    std::vector<engine::spike_hook*> hooks_;
};

std::string fmt(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

}  // namespace

study_output run_spiking_study(const resolved_config& cfg, network::spiking_network net_in, io::run_directory& dir,
                               const run_options& opt) {
    study_output out;
    std::size_t n_synapses = 0;
    for (const auto& pr : net_in.projections) n_synapses += pr.synapses.size();
    engine::spiking_engine eng(std::move(net_in), static_cast<std::uint64_t>(cfg.integer("run.seed")));
    const auto& net = eng.network();
    const std::size_t P = net.populations.size();
    const double dt = net.dt;
    const std::size_t total_steps = steps_of(cfg, "run.duration");
    const std::size_t bin_steps = std::max<std::size_t>(1, steps_of(cfg, "record.rate_bin"));
    const double max_rate = cfg.quantity("run.max_rate");

    record::spike_recorder spikes(eng, cfg.boolean("record.spikes") ? dir.path() / "spikes.h5" : std::filesystem::path());
    trace_sampler traces(eng, std::max<std::size_t>(1, steps_of(cfg, "record.trace_every")),
                         static_cast<std::size_t>(cfg.integer("record.trace_neurons")), cfg.boolean("record.currents"));
    hook_list hooks;
    hooks.add(&spikes);
    const bool sample = cfg.integer("record.trace_neurons") > 0 || cfg.boolean("record.currents");
    if (sample) hooks.add(&traces);

    std::size_t n_total = 0;
    for (const auto& p : net.populations) n_total += p.n;
    // Runs bin by bin so that the runaway guard sees every bin's mean rate (issue 4: report the
    // time runaway activity began and keep what was recorded).
    progress bar("spiking", total_steps, opt.progress_mode);
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t done = 0, counted = 0;
    try {
        while (done < total_steps) {
            const std::size_t n = std::min(bin_steps, total_steps - done);
            eng.run(n, &hooks, opt.threads);
            std::size_t all = 0;
            for (std::size_t p = 0; p < P; ++p) all += spikes.times(p).size();
            const double bin_rate = static_cast<double>(all - counted) / (static_cast<double>(n_total) * n * dt * 1e-3);
            counted = all;
            if (bin_rate > max_rate) {
                out.failure = "runaway activity: mean rate " + fmt(bin_rate) + " Hz of all neurons in [" + fmt(done * dt) + ", " +
                              fmt((done + n) * dt) + ") ms exceeds run.max_rate = " + fmt(max_rate) + " Hz";
                done += n;
                break;
            }
            done += n;
            if (bar.due()) bar.update(done, "mean " + fmt(bin_rate) + " Hz");
        }
    } catch (const numerical_error& e) {
        out.failure = e.what();
        done = eng.step();
    }
    bar.finish(done);
    const double run_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spikes.close();
    if (cfg.boolean("record.spikes")) dir.manifest()["spike_file"] = "spikes.h5";

    // Arrays and summary over what was simulated (all of it, or up to the failure).
    const double t_end = static_cast<double>(done) * dt;
    const double rate_from = std::min(cfg.quantity("record.rate_from"), t_end);
    const double bin_ms = cfg.quantity("record.rate_bin");
    auto& s = out.summary;
    std::size_t n_spikes = 0, counted_from = 0;
    std::vector<double> cv_all;
    std::size_t inhibitory = P;  // the population Up states are detected on (spec 001 §5.5)
    for (std::size_t p = 0; p < P; ++p) {
        const auto& pop = net.populations[p];
        const auto view = spikes.view(p);
        const std::vector<double> ids(spikes.ids(p).begin(), spikes.ids(p).end());
        dir.write_array({"spike_times_" + pop.name, {view.count}, "spike", "ms", "spike times of " + pop.name + " (time order)"},
                        spikes.times(p));
        dir.write_array({"spike_ids_" + pop.name, {view.count}, "spike", "", "neuron ids (0-based) of the spikes of " + pop.name},
                        ids);
        const auto binned = analysis::binned_rate_hz(view, 0.0, t_end, bin_ms);
        dir.write_array({"rate_" + pop.name, {binned.size()}, "bin", "Hz",
                         "population rate of " + pop.name + " in bins of record.rate_bin from t = 0"},
                        binned);
        n_spikes += view.count;
        std::size_t from = 0;
        for (std::size_t k = 0; k < view.count; ++k) from += view.t_ms[k] >= rate_from;
        counted_from += from;
        const double window_s = (t_end - rate_from) * 1e-3;
        s["rate_" + pop.name + "_hz"] = window_s > 0 ? static_cast<double>(from) / (static_cast<double>(pop.n) * window_s) : 0.0;
        const auto cv = analysis::cv_isi(view);
        cv_all.insert(cv_all.end(), cv.begin(), cv.end());
        if (!pop.excitatory && inhibitory == P) inhibitory = p;
        if (sample && traces.k_[p] > 0) {
            dir.write_array({"V_" + pop.name, {traces.times_.size(), traces.k_[p]}, "sample, neuron", "mV",
                             "membrane potential of the first neurons of " + pop.name + " every record.trace_every"},
                            traces.V_[p]);
        }
        for (std::size_t r = 0; r < traces.I_[p].size(); ++r) {
            dir.write_array({"current_" + pop.name + "_" + pop.receptors[r].name, {traces.times_.size()}, "sample", "pA",
                             "population mean of receptor " + pop.receptors[r].name + " of " + pop.name +
                                 " (signed as it enters the membrane equation; mV for R = 1 models)"},
                            traces.I_[p][r]);
        }
    }
    if (sample) dir.write_array({"trace_times", {traces.times_.size()}, "sample", "ms", "times of the trace samples"}, traces.times_);
    const double window_s = (t_end - rate_from) * 1e-3;
    s["rate_hz_mean"] = window_s > 0 ? static_cast<double>(counted_from) / (static_cast<double>(n_total) * window_s) : 0.0;
    s["n_spikes"] = static_cast<std::uint64_t>(n_spikes);
    const double cv_mean = analysis::mean_finite(cv_all);
    s["cv_isi_mean"] = std::isfinite(cv_mean) ? json(cv_mean) : json(nullptr);
    s["n_synapses"] = static_cast<std::uint64_t>(n_synapses);
    s["simulated_ms"] = t_end;
    if (inhibitory < P) {
        const auto ups = analysis::detect_up_states(spikes.view(inhibitory), t_end);
        s["upstate_duration_s"] = analysis::up_state_duration_s(ups);
        for (std::size_t p = 0; p < P; ++p) {
            const double r = analysis::up_state_rate_hz(spikes.view(p), ups);
            s["rate_" + net.populations[p].name + "_up_hz"] = std::isfinite(r) ? json(r) : json(nullptr);
        }
    }
    s["run_wall_s"] = run_wall_s;
    return out;
}

}  // namespace einet::config
