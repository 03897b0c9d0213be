#include "lowrank_pooled.hpp"

#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/gaussian_kernel.hpp"

namespace einet::config {

namespace {

record::recorded_array array(std::string name, std::vector<double> values, std::vector<std::size_t> shape, std::string axes,
                             std::string doc) {
    return record::make_array(std::move(name), std::move(values), std::move(shape), std::move(axes), "", std::move(doc));
}

// Gaussian smoothing along the steps of an n × N array (scipy.ndimage.gaussian_filter1d: SD sigma
// steps, kernel cut at 4 SD, "reflect" edges).
std::vector<double> smooth_steps(const std::vector<double>& a, std::size_t n, std::size_t N, double sigma) {
    if (!(sigma > 0)) return a;
    const auto w = core::gaussian_kernel(sigma);
    const auto radius = static_cast<long>(w.size() / 2);
    const auto len = static_cast<long>(n);
    std::vector<double> out(a.size(), 0.0);
    for (long t = 0; t < len; ++t) {
        for (long k = -radius; k <= radius; ++k) {
            const double* src = &a[core::reflect_index(t + k, len) * N];
            double* dst = &out[static_cast<std::size_t>(t) * N];
            for (std::size_t i = 0; i < N; ++i) dst[i] += w[static_cast<std::size_t>(k + radius)] * src[i];
        }
    }
    return out;
}

}  // namespace

std::vector<double> range_of(const resolved_config& cfg, const std::string& key, std::size_t min_count, bool increasing) {
    const auto v = cfg.number_list(key);
    if (v.size() != 3 || !(v[2] >= static_cast<double>(min_count)) || v[2] != std::floor(v[2]) || (increasing && !(v[1] > v[0]))) {
        throw config_error(cfg.origin(key) + ": " + key + ": expected [from, to, count] with " + (increasing ? "from < to and " : "") +
                           "an integer count >= " + std::to_string(min_count));
    }
    return lowrank::linspace(v[0], v[1], static_cast<std::size_t>(v[2]));
}

velocity_pool::velocity_pool(const resolved_config& cfg) {
    if (!cfg.has("lowrank.velocity_bins")) return;
    centres_ = range_of(cfg, "lowrank.velocity_bins", 2, true);
    half_ = cfg.has("lowrank.velocity_halfwidth") ? cfg.number("lowrank.velocity_halfwidth") : centres_[1] - centres_[0];
}

void velocity_pool::add(const lowrank::model& m, const lowrank::trajectory& tr, lowrank::sample_window w) {
    const auto& y = tr.y[0];
    const double h = m.dt / m.tau;
    const double leak = (1.0 - std::exp(-h)) / h;  // the readout's exact decay per step (spec §2.6), as a rate
    for (std::size_t n = w.first; n + 1 < std::min(w.last, y.size()); ++n) {
        const double v = (y[n + 1] - y[n]) / h;  // τ dy/dt over one step
        y_.push_back(y[n]);
        dy_.push_back(v);
        drive_.push_back(v + leak * y[n]);  // τẏ minus the leak: the synaptic push (τ/τ_s)·D·H (Fig 9c, d)
    }
}

void velocity_pool::write(io::json& summary, const std::string& suffix, std::vector<record::recorded_array>* arrays) const {
    const std::size_t B = centres_.size();
    std::vector<double> my(B, 0.0), mv(B, 0.0), md(B, 0.0), count(B, 0.0);
    for (std::size_t k = 0; k < y_.size(); ++k) {
        for (std::size_t b = 0; b < B; ++b) {
            if (y_[k] >= centres_[b] - half_ && y_[k] < centres_[b] + half_) my[b] += y_[k], mv[b] += dy_[k], md[b] += drive_[k], count[b] += 1;
        }
    }
    for (std::size_t b = 0; b < B; ++b) {
        for (auto* v : {&my, &mv, &md}) (*v)[b] = count[b] > 0 ? (*v)[b] / count[b] : std::nan("");
    }
    // The soft boundary (Fig 9e): where the binned push reaches 10 %, 50 %, 90 % of its largest size,
    // first crossing in increasing y, linearly interpolated between bin centres.
    double extreme = 0;
    for (double d : md) {
        if (std::isfinite(d) && std::abs(d) > std::abs(extreme)) extreme = d;
    }
    auto level = [&](double frac) {
        for (std::size_t b = 1; b < B; ++b) {
            if (!std::isfinite(md[b]) || !std::isfinite(md[b - 1]) || std::abs(md[b]) < frac * std::abs(extreme)) continue;
            const double a0 = std::abs(md[b - 1]), a1 = std::abs(md[b]), target = frac * std::abs(extreme);
            return a1 > a0 ? centres_[b - 1] + (target - a0) / (a1 - a0) * (centres_[b] - centres_[b - 1]) : centres_[b];
        }
        return std::nan("");
    };
    summary["velocity_y" + suffix] = centres_;
    summary["velocity_mean" + suffix] = mv;
    summary["velocity_drive" + suffix] = md;
    summary["velocity_count" + suffix] = count;
    summary["velocity_mean_y" + suffix] = my;
    // Sample extremes: the largest synaptic push (Fig 9d: (τ/τ_s)·D per active pulse) and the range of y.
    double push = 0;
    for (double d : drive_) push = std::abs(d) > std::abs(push) ? d : push;
    summary["velocity_push_extreme" + suffix] = push;
    if (!y_.empty()) {
        summary["velocity_y_min" + suffix] = *std::min_element(y_.begin(), y_.end());
        summary["velocity_y_max" + suffix] = *std::max_element(y_.begin(), y_.end());
    }
    if (extreme != 0) {
        summary["soft_boundary_midpoint" + suffix] = level(0.5);
        summary["soft_boundary_width" + suffix] = level(0.9) - level(0.1);
        summary["soft_boundary_depth" + suffix] = extreme;
    }
    if (!arrays) return;
    arrays->push_back(array("velocity_samples_y", y_, {y_.size()}, "sample", "latent y_n of every pooled sample"));
    arrays->push_back(array("velocity_samples_dy", dy_, {dy_.size()}, "sample", "tau (y_{n+1} - y_n)/dt of every pooled sample"));
}

unit_rate_pool::unit_rate_pool(const resolved_config& cfg) {
    if (!cfg.boolean("lowrank.unit_rates")) return;
    active_ = true;
    sigma_ = cfg.number("lowrank.unit_rate_sigma");
    scale_ = cfg.number("lowrank.unit_rate_scale");
    threshold_ = cfg.number("lowrank.unit_rate_active");
    if (cfg.has("lowrank.unit_rate_x")) at_x_ = cfg.number_list("lowrank.unit_rate_x");
}

void unit_rate_pool::add(const lowrank::model& m, const lowrank::trajectory& tr) {
    const std::size_t n_T = m.x.size();
    if (sum_.empty()) {
        for (const auto& p : m.populations) sum_.emplace_back(n_T * p.size(), 0.0);
    }
    for (std::size_t p = 0; p < m.populations.size(); ++p) {
        const std::size_t N = m.populations[p].size();
        if (m.kind == lowrank::network_kind::rate) {
            for (std::size_t k = 0; k < sum_[p].size(); ++k) sum_[p][k] += tr.rho[p][k];
            continue;
        }
        for (std::size_t k = 0; k < tr.spikes[p].step.size(); ++k) sum_[p][tr.spikes[p].step[k] * N + tr.spikes[p].id[k]] += 1.0;
    }
    ++trials_;
}

void unit_rate_pool::write(const lowrank::model& m, lowrank::sample_window w, io::json& summary,
                           std::vector<record::recorded_array>& arrays) const {
    const std::size_t n_T = m.x.size();
    const bool rate = m.kind == lowrank::network_kind::rate;
    for (std::size_t p = 0; p < m.populations.size(); ++p) {
        const auto& pop = m.populations[p];
        const std::size_t N = pop.size();
        auto u = sum_[p];
        for (auto& v : u) v /= static_cast<double>(trials_);
        if (!rate) {
            // Fig 10f: spike probability per step, smoothed, × τ/dt (rate × τ) × D_spike/D_rate.
            u = smooth_steps(u, n_T, N, sigma_);
            for (auto& v : u) v *= scale_ * m.tau / m.dt;
        }
        std::vector<double> active, peak;
        for (double x : at_x_) {
            std::size_t n = w.first;
            while (n < w.last && m.x[n] < x) ++n;
            if (n >= w.last) {
                active.push_back(std::nan("")), peak.push_back(std::nan(""));
                continue;
            }
            double c = 0, mx = 0;
            for (std::size_t i = 0; i < N; ++i) c += u[n * N + i] > threshold_, mx = std::max(mx, u[n * N + i]);
            active.push_back(c);
            peak.push_back(mx);
        }
        if (!at_x_.empty()) {
            summary["active_units_" + pop.name] = active;
            summary["max_unit_rate_" + pop.name] = peak;
        }
        arrays.push_back(array("unit_rates_" + pop.name, std::move(u), {n_T, N}, "step, neuron",
                               rate ? "rates rho = sigma_beta(V - T) (spec S13)"
                                    : "trial-averaged spike probability per step, Gaussian-smoothed, x unit_rate_scale tau/dt (Fig 10f)"));
    }
}

}  // namespace einet::config
