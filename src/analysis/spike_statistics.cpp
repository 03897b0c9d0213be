#include "einet/analysis/spike_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "einet/core/error.hpp"

namespace einet::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

void check(const spike_train_view& s) {
    for (std::size_t k = 0; k < s.count; ++k) {
        if (s.ids[k] >= s.n_neurons) throw config_error("spike statistics: neuron id " + std::to_string(s.ids[k]) +
                                                        " >= population size " + std::to_string(s.n_neurons));
    }
}

// Spike times of every neuron, each sorted.
std::vector<std::vector<double>> per_neuron(const spike_train_view& s) {
    check(s);
    std::vector<std::vector<double>> trains(s.n_neurons);
    for (std::size_t k = 0; k < s.count; ++k) trains[s.ids[k]].push_back(s.t_ms[k]);
    for (auto& t : trains) std::sort(t.begin(), t.end());
    return trains;
}

}  // namespace

std::vector<double> rates_hz(const spike_train_view& s, double t0_ms, double t1_ms) {
    check(s);
    if (!(t1_ms > t0_ms)) throw config_error("spike statistics: expected t1 > t0");
    std::vector<double> r(s.n_neurons, 0.0);
    for (std::size_t k = 0; k < s.count; ++k) {
        if (s.t_ms[k] >= t0_ms && s.t_ms[k] < t1_ms) r[s.ids[k]] += 1.0;
    }
    for (auto& x : r) x /= (t1_ms - t0_ms) * 1e-3;
    return r;
}

std::vector<double> cv_isi(const spike_train_view& s, std::size_t min_spikes) {
    auto trains = per_neuron(s);
    std::vector<double> cv(s.n_neurons, nan);
    for (std::size_t i = 0; i < s.n_neurons; ++i) {
        const auto& t = trains[i];
        if (t.size() < std::max<std::size_t>(min_spikes, 3)) continue;
        double mean = 0, sq = 0;
        const double n = static_cast<double>(t.size() - 1);
        for (std::size_t k = 1; k < t.size(); ++k) mean += t[k] - t[k - 1];
        mean /= n;
        for (std::size_t k = 1; k < t.size(); ++k) sq += (t[k] - t[k - 1] - mean) * (t[k] - t[k - 1] - mean);
        cv[i] = mean > 0 ? std::sqrt(sq / n) / mean : nan;
    }
    return cv;
}

double mean_finite(const std::vector<double>& v) {
    double sum = 0;
    std::size_t n = 0;
    for (double x : v) {
        if (std::isfinite(x)) {
            sum += x;
            ++n;
        }
    }
    return n ? sum / static_cast<double>(n) : nan;
}

std::vector<double> fano_factor(const spike_train_view& s, double t0_ms, double t1_ms, double window_ms) {
    check(s);
    if (!(window_ms > 0) || !(t1_ms - t0_ms >= window_ms)) throw config_error("spike statistics: expected 0 < window <= t1 - t0");
    const auto windows = static_cast<std::size_t>((t1_ms - t0_ms) / window_ms);
    std::vector<double> counts(s.n_neurons * windows, 0.0);
    for (std::size_t k = 0; k < s.count; ++k) {
        const double u = (s.t_ms[k] - t0_ms) / window_ms;
        if (u < 0 || u >= static_cast<double>(windows)) continue;
        counts[s.ids[k] * windows + static_cast<std::size_t>(u)] += 1.0;
    }
    std::vector<double> ff(s.n_neurons, nan);
    for (std::size_t i = 0; i < s.n_neurons; ++i) {
        double mean = 0, sq = 0;
        for (std::size_t w = 0; w < windows; ++w) mean += counts[i * windows + w];
        mean /= static_cast<double>(windows);
        for (std::size_t w = 0; w < windows; ++w) sq += (counts[i * windows + w] - mean) * (counts[i * windows + w] - mean);
        if (mean > 0) ff[i] = sq / static_cast<double>(windows) / mean;
    }
    return ff;
}

std::vector<double> binned_rate_hz(const spike_train_view& s, double t0_ms, double t1_ms, double bin_ms) {
    check(s);
    if (!(bin_ms > 0) || !(t1_ms > t0_ms)) throw config_error("spike statistics: expected bin > 0 and t1 > t0");
    const auto bins = static_cast<std::size_t>(std::ceil((t1_ms - t0_ms) / bin_ms - 1e-9));
    std::vector<double> r(bins, 0.0);
    for (std::size_t k = 0; k < s.count; ++k) {
        const double u = (s.t_ms[k] - t0_ms) / bin_ms;
        if (u < 0 || s.t_ms[k] >= t1_ms) continue;
        r[std::min(bins - 1, static_cast<std::size_t>(u))] += 1.0;
    }
    for (auto& x : r) x /= bin_ms * 1e-3 * static_cast<double>(s.n_neurons);
    return r;
}

ei_balance ei_current_balance(const double* E, const double* I, std::size_t samples, std::size_t neurons) {
    if (samples == 0 || neurons == 0) throw config_error("E/I balance: expected at least one sample and one neuron");
    ei_balance b;
    b.ratio.assign(neurons, nan);
    b.correlation.assign(neurons, nan);
    const double m = static_cast<double>(samples);
    for (std::size_t i = 0; i < neurons; ++i) {
        double mean_e = 0, mean_i = 0;
        for (std::size_t t = 0; t < samples; ++t) {
            mean_e += E[t * neurons + i];
            mean_i += I[t * neurons + i];
        }
        mean_e /= m;
        mean_i /= m;
        double see = 0, sii = 0, sei = 0;  // (co)variances of E and −I, two-pass for accuracy
        for (std::size_t t = 0; t < samples; ++t) {
            const double de = E[t * neurons + i] - mean_e, di = -(I[t * neurons + i] - mean_i);
            see += de * de;
            sii += di * di;
            sei += de * di;
        }
        if (mean_e > 0) b.ratio[i] = std::abs(mean_i) / mean_e;
        if (see > 0 && sii > 0) b.correlation[i] = sei / std::sqrt(see * sii);
    }
    b.mean_ratio = mean_finite(b.ratio);
    b.mean_correlation = mean_finite(b.correlation);
    return b;
}

}  // namespace einet::analysis
