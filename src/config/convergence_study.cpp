// Study "convergence" (paper 003, spec 003 §6): the network of the spiking sections at several
// step sizes and integrators on shared Brownian paths (analysis/convergence_run), the errors of
// every level against the reference and their fitted orders with bootstrap intervals
// (analysis/convergence), the spike-time error against the crossing speed, and the largest
// Lyapunov exponent three ways (analysis/lyapunov). Writes the arrays the figures need and the
// summary keys of issue 9.
#include "einet/config/convergence_study.hpp"

#include <cmath>
#include <string>

#include "einet/analysis/convergence.hpp"
#include "einet/analysis/convergence_run.hpp"
#include "einet/analysis/lyapunov.hpp"
#include "einet/config/spiking_setup.hpp"
#include "einet/core/error.hpp"
#include "einet/core/progress.hpp"

namespace einet::config {

namespace {

using io::json;

// The orders the summary reports: (summary key, metric of analysis/convergence).
struct reported_order {
    const char* key;
    const char* metric;
    bool good_set = false;  // spike pairs of the good set only
};
constexpr reported_order reported_orders[] = {
    {"strong_order_spike_time", "ste_rms"},  // RMS spike-time error of count-matched pairs (spec §6.2 item 2)
    {"strong_order_v", "strong_v"},          // RMS of v_h(T) − v_ref(T) (§6.2 item 3)
    {"weak_order", "weak_count"},            // |E[N_h − N_ref]| (§6.2 item 4)
    {"mismatch_order", "p_mismatch"},        // P(count mismatch) (§6.2 item 1)
    {"median_spike_time_order", "ste_median"},
    {"strong_order_spike_time_good_set", "ste_rms", true},  // the same on the good set (spec §3.3)
};

std::vector<std::vector<double>> all_initial_potentials(const resolved_config& cfg, const network::spiking_network& net,
                                                        std::size_t paths) {
    std::vector<std::vector<double>> V0;
    for (std::size_t p = 0; p < net.populations.size(); ++p) V0.push_back(initial_potentials(cfg, p, net.populations[p].n * paths));
    return V0;
}

json pair_json(double a, double b) {
    json j = json::array();
    j.push_back(a);
    j.push_back(b);
    return j;
}

}  // namespace

study_output run_convergence_study(const resolved_config& cfg, network::spiking_network net, io::run_directory& dir,
                                   const run_options& opt) {
    for (const auto& pr : net.projections) {
        if (pr.synapses.largest_delay_steps() != 0) {
            throw config_error("projections: the convergence study expects delays of 0 (spec 003 has no synaptic delay; a "
                               "delay would be quantised differently at every step size)");
        }
    }
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    study_output out;
    auto& summary = out.summary;

    // Levels h0/2^k and the reference step (spec 003 §6.1, §6.5).
    analysis::convergence_plan plan;
    plan.net = net;
    plan.paths = static_cast<std::size_t>(cfg.integer("convergence.paths"));
    plan.duration = cfg.quantity("run.duration");
    const auto levels = static_cast<std::size_t>(cfg.integer("convergence.levels"));
    const auto ref_ratio = static_cast<std::size_t>(cfg.integer("convergence.reference_ratio"));
    if ((ref_ratio & (ref_ratio - 1)) != 0) {
        throw config_error(cfg.origin("convergence.reference_ratio") + " convergence.reference_ratio: expected a power of two, got " +
                           std::to_string(ref_ratio));
    }
    const double h_max = cfg.quantity("convergence.h_max");
    const std::size_t coarsest = ref_ratio << (levels - 1);
    plan.h_fine = h_max / static_cast<double>(coarsest);
    for (std::size_t k = 0; k < levels; ++k) plan.ratios.push_back(coarsest >> k);
    for (const auto& name : cfg.string_list("convergence.integrators")) plan.integrators.push_back(network::parse_integrator(name, "convergence.integrators"));
    plan.reference = network::parse_integrator(cfg.string("convergence.reference"), "convergence.reference");
    plan.V0 = all_initial_potentials(cfg, net, plan.paths);
    plan.stationary_current = cfg.boolean("convergence.stationary_current");
    plan.seed = seed;
    plan.threads = opt.threads;
    progress bar("convergence", 1000, opt.progress_mode);
    plan.progress = [&](double f) { bar.update(static_cast<std::size_t>(1000 * f)); };
    const auto runs = analysis::run_convergence(plan);
    bar.finish(1000);

    // Errors per level and fitted orders per integrator.
    analysis::bootstrap_options boot;
    boot.resamples = static_cast<std::size_t>(cfg.integer("convergence.bootstrap"));
    boot.seed = seed;
    boot.threads = opt.threads;
    boot.compare.van_rossum_tau = cfg.quantity("convergence.van_rossum_tau");
    // The good set of spec 003 §3.3: transversal crossings (A ≥ α) with matched, nearby spikes.
    auto good = boot;
    good.compare.min_crossing_speed = cfg.quantity("convergence.good_set_alpha");
    good.compare.max_ste = cfg.quantity("convergence.good_set_max_error");
    std::vector<double> h;
    for (const auto& lv : runs.levels.front()) h.push_back(lv.h);
    const auto metrics = analysis::metric_names();
    json integrators = json::array();
    for (const auto& key : reported_orders) {
        summary[key.key] = json::object();
        summary[std::string(key.key) + "_ci"] = json::object();
    }
    json ste_slope = json::object(), ste_c_half = json::object(), ste_c_one = json::object(), local = json::object();
    for (std::size_t m = 0; m < plan.integrators.size(); ++m) {
        const std::string name = network::integrator_name(plan.integrators[m]);
        integrators.push_back(name);
        std::vector<double> table;
        for (const auto& lv : runs.levels[m]) {
            const auto e = analysis::compare_to_reference(lv, runs.reference, {}, boot.compare);
            for (const auto& metric : metrics) table.push_back(analysis::metric_by_name(metric)(e));
        }
        std::string axes = "level (h as in h.npy), metric (";
        for (std::size_t k = 0; k < metrics.size(); ++k) axes += (k ? ", " : "") + metrics[k];
        dir.write_array({"errors_" + name, {h.size(), metrics.size()}, axes + ")", "",
                         "errors of " + name + " against the reference on the same Brownian paths (spec 003 §6.2)"},
                        table);
        json local_orders = json::object();
        for (const auto& key : reported_orders) {
            const auto fit = analysis::fit_order_bootstrap(runs.levels[m], runs.reference, analysis::metric_by_name(key.metric),
                                                           key.good_set ? good : boot);
            summary[key.key][name] = fit.order;
            summary[std::string(key.key) + "_ci"][name] = pair_json(fit.ci_low, fit.ci_high);
            json lo = json::array();
            for (double x : fit.local_orders) lo.push_back(x);
            local_orders[key.key] = lo;
        }
        local[name] = local_orders;
        // Spike-time error against 1/A at the finest level (spec 003 Eq. 3.1): scatter and fit.
        const auto rel = analysis::ste_vs_crossing_speed(runs.levels[m].back(), runs.reference, 10, boot.compare);
        std::vector<double> scatter;
        for (std::size_t k = 0; k < rel.ste.size(); ++k) {
            scatter.push_back(rel.ste[k]);
            scatter.push_back(rel.A[k]);
        }
        dir.write_array({"ste_vs_A_" + name, {rel.ste.size(), 2}, "matched spike pair, (t_h - t_ref in ms, A_ref in mV)", "",
                         "spike-time error against crossing speed at the finest step (spec 003 Eq. 3.1)"},
                        scatter);
        ste_slope[name] = rel.slope;
        ste_c_half[name] = rel.c_half;
        ste_c_one[name] = rel.c_one;
    }
    dir.write_array({"h", {h.size()}, "level", "ms", "step sizes of the levels (the reference: h_reference_ms in summary.json)"}, h);
    summary["integrators"] = integrators;
    summary["reference"] = cfg.string("convergence.reference");
    summary["h_reference_ms"] = plan.h_fine;
    summary["paths"] = static_cast<std::int64_t>(plan.paths);
    summary["local_orders"] = local;
    summary["ste_crossing_speed_slope"] = ste_slope;
    summary["ste_times_A_over_sqrt_h"] = ste_c_half;
    summary["ste_times_A_over_h"] = ste_c_one;

    if (cfg.boolean("lyapunov.enabled")) {
        analysis::lyapunov_plan lp;
        lp.net = net;
        lp.paths = static_cast<std::size_t>(cfg.integer("lyapunov.paths"));
        lp.dt = cfg.quantity("lyapunov.dt");
        lp.duration = cfg.quantity("lyapunov.duration");
        lp.burn_in = cfg.quantity("lyapunov.burn_in");
        lp.epsilon = cfg.number("lyapunov.epsilon");
        lp.renormalise = cfg.quantity("lyapunov.renormalise");
        lp.windows = static_cast<std::size_t>(cfg.integer("lyapunov.windows"));
        lp.V0 = all_initial_potentials(cfg, net, lp.paths);
        lp.stationary_current = plan.stationary_current;
        lp.seed = seed;
        lp.threads = opt.threads;
        const auto ly = analysis::estimate_lyapunov(lp);
        summary["lyapunov_saltation"] = ly.saltation.mean;
        summary["lyapunov_saltation_se"] = ly.saltation.standard_error;
        summary["lyapunov_divergence"] = ly.divergence.mean;
        summary["lyapunov_divergence_se"] = ly.divergence.standard_error;
        summary["lyapunov_formula"] = ly.formula;
        json per = json::array(), rates = json::array();
        for (double x : ly.formula_per_neuron) per.push_back(x);
        for (double x : ly.rate_per_neuron) rates.push_back(x);
        summary["lyapunov_formula_per_neuron"] = per;
        summary["rate_per_neuron_per_ms"] = rates;
        summary["lyapunov_skipped_renormalisations"] = static_cast<std::int64_t>(ly.skipped_renormalisations);
        std::vector<double> by_length;
        for (std::size_t k = 0; k < ly.lengths.size(); ++k) {
            for (double x : {ly.lengths[k], ly.saltation_by_length[k], ly.divergence_by_length[k], ly.formula_by_length[k]}) by_length.push_back(x);
        }
        dir.write_array({"lyapunov_by_length", {ly.lengths.size(), 4}, "window, (T ms, saltation, divergence, formula per ms)", "1/ms",
                         "Lyapunov estimates against the measured length (spec 003 §4.4)"},
                        by_length);
        dir.write_array({"crossing_speeds", {ly.crossing_speeds.size()}, "spike", "mV",
                         "crossing speed A of every measured spike of the Lyapunov run (flux density of Eq. 4.2)"},
                        ly.crossing_speeds);
    }
    return out;
}

}  // namespace einet::config
