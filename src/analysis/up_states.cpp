#include "einet/analysis/up_states.hpp"

#include <algorithm>
#include <cmath>

namespace einet::analysis {

std::vector<up_state> detect_up_states(const spike_train_view& s, double t_stop_ms, const up_state_params& p) {
    const auto nb = static_cast<std::size_t>(std::llround(t_stop_ms / p.bin_ms));
    if (nb == 0 || s.n_neurons == 0) return {};
    // 1. PSTH: count/(bin · N); spikes at t_stop fall into the last bin (as the reference).
    std::vector<std::size_t> count(nb, 0);
    for (std::size_t k = 0; k < s.count; ++k) {
        const auto b = static_cast<std::size_t>(std::max(0.0, std::floor(s.t_ms[k] / p.bin_ms)));
        ++count[std::min(b, nb - 1)];
    }
    const double to_hz = 1.0 / (p.bin_ms * 1e-3 * static_cast<double>(s.n_neurons));
    // 2. Runs of bins at or above threshold, as [first bin, end bin).
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    for (std::size_t b = 0; b < nb;) {
        if (static_cast<double>(count[b]) * to_hz < p.threshold_hz) {
            ++b;
            continue;
        }
        const std::size_t first = b;
        while (b < nb && static_cast<double>(count[b]) * to_hz >= p.threshold_hz) ++b;
        runs.emplace_back(first, b);
    }
    // 3. Merge gaps of <= merge_bins, then drop Up states of <= min_bins.
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (const auto& r : runs) {
        if (!merged.empty() && r.first - merged.back().second <= p.merge_bins) merged.back().second = r.second;
        else merged.push_back(r);
    }
    std::vector<up_state> ups;
    for (const auto& [a, b] : merged) {
        if (b - a > p.min_bins) ups.push_back({static_cast<double>(a) * p.bin_ms, static_cast<double>(b) * p.bin_ms});
    }
    return ups;
}

double up_state_duration_s(const std::vector<up_state>& ups) {
    double total = 0.0;
    for (const auto& u : ups) total += (u.offset_ms - u.onset_ms) * 1e-3;
    return total;
}

double up_state_rate_hz(const spike_train_view& s, const std::vector<up_state>& ups) {
    if (ups.empty() || s.n_neurons == 0) return std::nan("");
    double sum = 0.0;
    for (const auto& u : ups) {
        std::size_t inside = 0;
        for (std::size_t k = 0; k < s.count; ++k) inside += s.t_ms[k] > u.onset_ms && s.t_ms[k] < u.offset_ms;
        sum += static_cast<double>(inside) / (static_cast<double>(s.n_neurons) * (u.offset_ms - u.onset_ms) * 1e-3);
    }
    return sum / static_cast<double>(ups.size());
}

std::vector<double> up_state_unit_rates_hz(const spike_train_view& s, const std::vector<up_state>& ups) {
    if (ups.empty()) return {};
    std::vector<double> rate(s.n_neurons, 0.0);
    const double share = 1.0 / static_cast<double>(ups.size());
    for (const auto& u : ups) {
        const double per_spike = share / ((u.offset_ms - u.onset_ms) * 1e-3);
        for (std::size_t k = 0; k < s.count; ++k) {
            if (s.t_ms[k] > u.onset_ms && s.t_ms[k] < u.offset_ms) rate[s.ids[k]] += per_spike;
        }
    }
    return rate;
}

}  // namespace einet::analysis
