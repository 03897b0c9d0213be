#include "spiking_summary.hpp"

#include <algorithm>
#include <cmath>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/analysis/up_states.hpp"

namespace einet::config {
using io::json;

namespace {

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// E/I balance of each population from its population-mean currents, over the bins starting at
// or after `from_ms` (e.g. after a kick, as the summary rates).
void add_ei_balance(json& s, const network::spiking_network& net, const record::ei_current_recorder& currents,
                    double from_ms) {
    const double bin_ms = static_cast<double>(currents.steps_per_bin()) * net.dt;
    const auto first = static_cast<std::size_t>(std::ceil(from_ms / bin_ms - 1e-9));
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const auto E = currents.excitatory(p), I = currents.inhibitory(p);
        const std::size_t skip = std::min(first, E.size());
        const auto b = analysis::ei_current_balance(E.data() + skip, I.data() + skip, E.size() - skip, 1);
        const auto& name = net.populations[p].name;
        s["ei_ratio_" + name] = finite_or_null(b.mean_ratio);
        s["ei_correlation_" + name] = finite_or_null(b.mean_correlation);
    }
}

}  // namespace

json spiking_summary(const resolved_config& cfg, const network::spiking_network& net, const spiking_recording& rec,
                     double t_end_ms) {
    const std::size_t P = net.populations.size();
    const double rate_from = std::min(cfg.quantity("record.rate_from"), t_end_ms);
    const double window_s = (t_end_ms - rate_from) * 1e-3;
    const auto rate_hz = [&](std::size_t spikes, std::size_t neurons) {
        return window_s > 0 ? static_cast<double>(spikes) / (static_cast<double>(neurons) * window_s) : 0.0;
    };
    json s = json::object();
    std::size_t n_spikes = 0, counted_all = 0, n_total = 0;
    std::vector<double> cv_all;
    std::size_t inhibitory = P;  // the population Up states are detected on (spec 001 §5.5)
    for (std::size_t p = 0; p < P; ++p) {
        const auto& pop = net.populations[p];
        const auto view = rec.spikes.view(p);
        const auto counted = static_cast<std::size_t>(std::count_if(view.t_ms, view.t_ms + view.count,
                                                                    [&](double t) { return t >= rate_from; }));
        s["rate_" + pop.name + "_hz"] = rate_hz(counted, pop.n);
        n_spikes += view.count;
        counted_all += counted;
        n_total += pop.n;
        const auto cv = analysis::cv_isi(view);
        cv_all.insert(cv_all.end(), cv.begin(), cv.end());
        if (!pop.excitatory && inhibitory == P) inhibitory = p;
    }
    std::size_t n_synapses = 0;
    for (const auto& pr : net.projections) n_synapses += pr.synapses.size();
    s["rate_hz_mean"] = rate_hz(counted_all, n_total);
    s["n_spikes"] = static_cast<std::uint64_t>(n_spikes);
    s["cv_isi_mean"] = finite_or_null(analysis::mean_finite(cv_all));
    s["n_synapses"] = static_cast<std::uint64_t>(n_synapses);
    s["simulated_ms"] = t_end_ms;
    if (inhibitory < P) {
        const auto ups = analysis::detect_up_states(rec.spikes.view(inhibitory), t_end_ms);
        s["upstate_duration_s"] = analysis::up_state_duration_s(ups);
        for (std::size_t p = 0; p < P; ++p)
            s["rate_" + net.populations[p].name + "_up_hz"] = finite_or_null(analysis::up_state_rate_hz(rec.spikes.view(p), ups));
    }
    if (rec.currents) add_ei_balance(s, net, *rec.currents, rate_from);
    return s;
}

}  // namespace einet::config
