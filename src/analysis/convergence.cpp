#include "einet/analysis/convergence.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string num(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
}

// Per-path sums over the path's neurons, one column per field; every metric of a selection is a
// weighted sum over paths (weight = how often the path is selected), so a bootstrap resample costs
// one pass over paths instead of one over spikes.
enum field : std::size_t {
    f_mismatch,  // units with N_h ≠ N_ref
    f_extra,     // units with N_h > N_ref
    f_pairs,     // matched spike pairs kept by the filter
    f_ste_sq,    // Σ (t_h − t_ref)² over those pairs
    f_dv_sq,     // Σ (v_h(T) − v_ref(T))²
    f_dI_sq,     // Σ (I_h(T) − I_ref(T))²
    f_dN,        // Σ (N_h − N_ref)
    f_dv,        // Σ (v_h(T) − v_ref(T))
    f_vr,        // Σ D (van Rossum)
    f_vr_sq,     // Σ D²
    n_fields
};

struct pair_error {
    double abs_ste;
    std::uint32_t path;
};

struct level_contributions {
    double h = 0;
    std::size_t paths = 0, neurons = 0;
    bool has_v = false, has_I = false;
    std::vector<double> cols;       // n_fields × paths (field-major: each weighted sum is a dot product)
    std::vector<pair_error> pairs;  // every kept pair, sorted by |STE| (for the quantiles)
};

void check_train(const spike_train& s, const std::string& where) {
    if (s.A.size() != s.t.size())
        throw config_error(where + ": " + std::to_string(s.t.size()) + " spike times but " + std::to_string(s.A.size()) +
                           " crossing speeds");
    for (std::size_t k = 0; k < s.t.size(); ++k) {
        if (!std::isfinite(s.t[k]) || (k > 0 && s.t[k] < s.t[k - 1]))
            throw config_error(where + ": spike times must be finite and sorted (spike " + std::to_string(k) + " at " +
                               num(s.t[k]) + ")");
    }
}

// Shapes of a level and the reference must agree; `label` names the level in the message.
void check_level(const level_outcome& level, const level_outcome& ref, const std::string& label) {
    if (!(std::isfinite(level.h) && level.h > 0)) throw config_error(label + ": step h must be finite and > 0, got " + num(level.h));
    if (level.paths != ref.paths || level.neurons != ref.neurons)
        throw config_error(label + ": " + std::to_string(level.paths) + " paths × " + std::to_string(level.neurons) +
                           " neurons, but the reference has " + std::to_string(ref.paths) + " × " + std::to_string(ref.neurons));
    if (level.paths == 0 || level.neurons == 0) throw config_error(label + ": expected at least one path and one neuron");
    if (level.paths > 0xffffffffu) throw config_error(label + ": more than 2^32 paths");
    const std::size_t units = level.paths * level.neurons;
    for (const auto* o : {&level, &ref}) {
        const std::string who = o == &ref ? label + " (reference)" : label;
        if (o->trains.size() != units)
            throw config_error(who + ": trains has " + std::to_string(o->trains.size()) + " entries, expected paths × neurons = " +
                               std::to_string(units));
        for (const auto* state : {&o->v_T, &o->I_T}) {
            if (!state->empty() && state->size() != units)
                throw config_error(who + ": " + (state == &o->v_T ? "v_T" : "I_T") + " has " + std::to_string(state->size()) +
                                   " entries, expected 0 or " + std::to_string(units));
        }
        for (std::size_t u = 0; u < units; ++u) check_train(o->trains[u], who + ", path " + std::to_string(u / o->neurons) +
                                                                              " neuron " + std::to_string(u % o->neurons));
    }
    if (level.v_T.empty() != ref.v_T.empty() || level.I_T.empty() != ref.I_T.empty())
        throw config_error(label + ": v_T / I_T given for only one of the level and the reference");
}

// Calls f(t_h − t_ref, A_ref) for every in-order pair of a count-matched unit that the filter keeps
// (spec §6.2 item 2).
template <class F>
void for_each_pair(const spike_train& a, const spike_train& r, const compare_options& opts, F&& f) {
    if (a.t.size() != r.t.size()) return;
    for (std::size_t k = 0; k < a.t.size(); ++k) {
        const double d = a.t[k] - r.t[k];
        if (std::abs(d) < opts.max_ste && std::min(a.A[k], r.A[k]) >= opts.min_crossing_speed) f(d, r.A[k]);
    }
}

level_contributions contributions(const level_outcome& level, const level_outcome& ref, const compare_options& opts,
                                  const std::string& label) {
    check_level(level, ref, label);
    if (!(opts.van_rossum_tau > 0)) throw config_error(label + ": van Rossum tau must be > 0, got " + num(opts.van_rossum_tau));
    level_contributions c;
    c.h = level.h;
    c.paths = level.paths;
    c.neurons = level.neurons;
    c.has_v = !level.v_T.empty();
    c.has_I = !level.I_T.empty();
    std::vector<double> row(n_fields);
    c.cols.assign(n_fields * c.paths, 0.0);
    for (std::size_t p = 0; p < c.paths; ++p) {
        std::fill(row.begin(), row.end(), 0.0);
        for (std::size_t n = 0; n < c.neurons; ++n) {
            const std::size_t u = p * c.neurons + n;
            const auto& a = level.trains[u];
            const auto& r = ref.trains[u];
            row[f_mismatch] += a.t.size() != r.t.size() ? 1.0 : 0.0;
            row[f_extra] += a.t.size() > r.t.size() ? 1.0 : 0.0;
            row[f_dN] += static_cast<double>(a.t.size()) - static_cast<double>(r.t.size());
            for_each_pair(a, r, opts, [&](double d, double) {
                row[f_pairs] += 1.0;
                row[f_ste_sq] += d * d;
                c.pairs.push_back({std::abs(d), static_cast<std::uint32_t>(p)});
            });
            if (c.has_v) {
                const double dv = level.v_T[u] - ref.v_T[u];
                row[f_dv] += dv;
                row[f_dv_sq] += dv * dv;
            }
            if (c.has_I) {
                const double dI = level.I_T[u] - ref.I_T[u];
                row[f_dI_sq] += dI * dI;
            }
            const double D = van_rossum_distance(a.t, r.t, opts.van_rossum_tau);
            row[f_vr] += D;
            row[f_vr_sq] += D * D;
        }
        for (std::size_t f = 0; f < n_fields; ++f) c.cols[f * c.paths + p] = row[f];
    }
    std::sort(c.pairs.begin(), c.pairs.end(), [](const pair_error& x, const pair_error& y) {
        return x.abs_ste < y.abs_ste || (x.abs_ste == y.abs_ste && x.path < y.path);
    });
    return c;
}

// Σ_p w_p x_p in four interleaved partial sums (vectorisable), combined in a fixed order: the
// same bits for any thread count.
double weighted_sum(const double* w, const double* x, std::size_t n) {
    double s[4] = {0, 0, 0, 0};
    std::size_t p = 0;
    for (; p + 4 <= n; p += 4) {
        for (std::size_t l = 0; l < 4; ++l) s[l] += w[p + l] * x[p + l];
    }
    for (; p < n; ++p) s[p % 4] += w[p] * x[p];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

// The metrics of a selection given as per-path weights w (multiplicities).
level_errors evaluate(const level_contributions& c, const std::vector<double>& w) {
    std::array<double, n_fields> acc;
    for (std::size_t f = 0; f < n_fields; ++f) acc[f] = weighted_sum(w.data(), &c.cols[f * c.paths], c.paths);
    double selected = 0;
    for (double x : w) selected += x;  // integers: exact
    const double units = selected * static_cast<double>(c.neurons);
    level_errors e;
    e.h = c.h;
    e.p_mismatch = acc[f_mismatch] / units;  // §6.2 item 1
    e.p_extra = acc[f_extra] / units;
    e.mismatched_units = acc[f_mismatch];
    e.matched_pairs = acc[f_pairs];
    e.weak_count = acc[f_dN] / units;  // §6.2 item 4, coupled difference
    e.van_rossum = acc[f_vr] / units;  // §6.2 item 3
    e.van_rossum_rms = std::sqrt(acc[f_vr_sq] / units);
    e.strong_v_rms = c.has_v ? std::sqrt(acc[f_dv_sq] / units) : nan;  // §6.2 item 3
    e.strong_I_rms = c.has_I ? std::sqrt(acc[f_dI_sq] / units) : nan;
    e.weak_v = c.has_v ? acc[f_dv] / units : nan;
    if (acc[f_pairs] == 0) {
        e.ste_rms = e.ste_median = e.ste_q90 = e.ste_q99 = e.ste_q999 = nan;
        return e;
    }
    e.ste_rms = std::sqrt(acc[f_ste_sq] / acc[f_pairs]);  // §6.2 item 2
    // Weighted nearest-rank quantiles: the first pair (ascending |STE|) whose cumulative weight
    // reaches q × total weight.
    constexpr std::array<double, 4> q = {0.5, 0.9, 0.99, 0.999};
    std::array<double*, 4> out = {&e.ste_median, &e.ste_q90, &e.ste_q99, &e.ste_q999};
    double cum = 0;
    std::size_t next = 0;
    for (const auto& pr : c.pairs) {
        cum += w[pr.path];
        while (next < q.size() && cum >= q[next] * acc[f_pairs]) *out[next++] = pr.abs_ste;
        if (next == q.size()) break;
    }
    return e;
}

std::vector<double> selection_weights(std::size_t paths, const std::vector<std::size_t>& selection) {
    std::vector<double> w(paths, selection.empty() ? 1.0 : 0.0);
    for (std::size_t p : selection) {
        if (p >= paths) throw config_error("path selection: index " + std::to_string(p) + " >= paths " + std::to_string(paths));
        w[p] += 1.0;
    }
    return w;
}

level_status classify(double e) {
    if (e == 0) return level_status::exact;
    return std::isfinite(e) ? level_status::used : level_status::undefined;
}

struct line {
    double slope = nan, intercept = nan;
    std::size_t used = 0;
};

// Least squares of log|e| on log x over the levels with finite nonzero error (spec §6.4), centred
// for accuracy. Shared by the point fit and every bootstrap resample so both give the same bits.
line log_log_fit(const std::vector<double>& x, const std::vector<double>& e, std::vector<level_status>& status) {
    status.resize(e.size());
    double mx = 0, my = 0;
    line l;
    for (std::size_t k = 0; k < e.size(); ++k) {
        status[k] = classify(e[k]);
        if (status[k] != level_status::used) continue;
        mx += std::log(x[k]);
        my += std::log(std::abs(e[k]));
        ++l.used;
    }
    if (l.used < 2) return l;
    mx /= static_cast<double>(l.used);
    my /= static_cast<double>(l.used);
    double sxx = 0, sxy = 0;
    for (std::size_t k = 0; k < e.size(); ++k) {
        if (status[k] != level_status::used) continue;
        const double dx = std::log(x[k]) - mx;
        sxx += dx * dx;
        sxy += dx * (std::log(std::abs(e[k])) - my);
    }
    if (sxx == 0) return l;
    l.slope = sxy / sxx;
    l.intercept = my - l.slope * mx;
    return l;
}

void check_abscissa(const std::vector<double>& x, const std::string& what) {
    for (std::size_t k = 0; k < x.size(); ++k) {
        if (!(std::isfinite(x[k]) && x[k] > 0))
            throw config_error("order fit: " + what + " of level " + std::to_string(k) + " must be finite and > 0, got " + num(x[k]));
    }
}

// Resample b: `paths` indices drawn with replacement, two per Philox call (53-bit uniforms).
template <class F>
void for_each_draw(std::size_t paths, std::size_t b, std::uint64_t seed, F&& f) {
    if (b > 0xffffffffu) throw config_error("bootstrap: resample index beyond 2^32");
    const double P = static_cast<double>(paths);
    for (std::size_t j = 0; j < paths; j += 2) {
        const auto r = rng::philox(seed, rng::purpose::resampling, static_cast<std::uint32_t>(b), j / 2);
        f(std::min(paths - 1, static_cast<std::size_t>(rng::uniform53(r[0], r[1]) * P)));
        if (j + 1 < paths) f(std::min(paths - 1, static_cast<std::size_t>(rng::uniform53(r[2], r[3]) * P)));
    }
}

// Linear-interpolation percentile (NumPy's default) of sorted values.
double percentile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return nan;
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

struct named_metric {
    std::string_view name;
    double level_errors::*field;
    bool absolute;  // signed errors (weak) are fitted by magnitude
};
constexpr named_metric metric_table[] = {
    {"p_mismatch", &level_errors::p_mismatch, false}, {"p_extra", &level_errors::p_extra, false},
    {"ste_rms", &level_errors::ste_rms, false},       {"ste_median", &level_errors::ste_median, false},
    {"ste_q90", &level_errors::ste_q90, false},       {"ste_q99", &level_errors::ste_q99, false},
    {"ste_q999", &level_errors::ste_q999, false},     {"strong_v", &level_errors::strong_v_rms, false},
    {"strong_I", &level_errors::strong_I_rms, false}, {"weak_count", &level_errors::weak_count, true},
    {"weak_v", &level_errors::weak_v, true},          {"van_rossum", &level_errors::van_rossum, false},
    {"van_rossum_rms", &level_errors::van_rossum_rms, false},
};

}  // namespace

double van_rossum_distance(const std::vector<double>& a, const std::vector<double>& b, double tau) {
    // d(t) = f_a − f_b decays as e^{−Δ/τ} between events and jumps by (#a − #b) at an event time;
    // ∫ over a gap Δ of d² e^{−2s/τ} ds = d² (τ/2)(1 − e^{−2Δ/τ}); the last gap runs to ∞. Jumps at
    // equal times are summed first, so identical trains give exactly 0.
    double d = 0, integral = 0, last = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        const double s = j == b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
        double jump = 0;
        while (i < a.size() && a[i] == s) ++i, jump += 1;
        while (j < b.size() && b[j] == s) ++j, jump -= 1;
        if (d != 0) {
            const double gap = s - last;
            integral += d * d * 0.5 * tau * -std::expm1(-2 * gap / tau);
            d *= std::exp(-gap / tau);
        }
        d += jump;
        last = s;
    }
    integral += d * d * 0.5 * tau;
    return std::sqrt(integral);
}

level_errors compare_to_reference(const level_outcome& level, const level_outcome& ref,
                                  const std::vector<std::size_t>& path_selection, const compare_options& opts) {
    const auto c = contributions(level, ref, opts, "level h = " + num(level.h));
    return evaluate(c, selection_weights(c.paths, path_selection));
}

metric_fn metric_by_name(std::string_view name) {
    for (const auto& m : metric_table) {
        if (m.name != name) continue;
        return [field = m.field, absolute = m.absolute](const level_errors& e) {
            return absolute ? std::abs(e.*field) : e.*field;
        };
    }
    std::string valid;
    for (const auto& m : metric_table) valid += (valid.empty() ? "" : ", ") + std::string(m.name);
    throw config_error("convergence metric '" + std::string(name) + "': expected one of " + valid);
}

std::vector<std::string> metric_names() {
    std::vector<std::string> names;
    for (const auto& m : metric_table) names.emplace_back(m.name);
    return names;
}

order_fit fit_order(const std::vector<double>& h, const std::vector<double>& errors) {
    if (h.size() != errors.size())
        throw config_error("order fit: " + std::to_string(h.size()) + " step sizes but " + std::to_string(errors.size()) + " errors");
    check_abscissa(h, "step h");
    order_fit fit;
    fit.errors = errors;
    const line l = log_log_fit(h, errors, fit.status);
    fit.order = l.slope;
    fit.intercept = l.intercept;
    fit.used_levels = l.used;
    // Local orders log(e_k/e_{k+1}) / log(h_k/h_{k+1}) between neighbouring levels (§6.4).
    for (std::size_t k = 0; k + 1 < h.size(); ++k) {
        const bool both = fit.status[k] == level_status::used && fit.status[k + 1] == level_status::used && h[k] != h[k + 1];
        fit.local_orders.push_back(both ? std::log(std::abs(errors[k] / errors[k + 1])) / std::log(h[k] / h[k + 1]) : nan);
    }
    return fit;
}

std::vector<std::size_t> bootstrap_selection(std::size_t paths, std::size_t b, std::uint64_t seed) {
    std::vector<std::size_t> s;
    s.reserve(paths);
    for_each_draw(paths, b, seed, [&](std::size_t p) { s.push_back(p); });
    return s;
}

order_fit fit_order_bootstrap(const std::vector<level_outcome>& levels, const level_outcome& ref, const metric_fn& metric,
                              const bootstrap_options& opts) {
    if (levels.empty()) throw config_error("order fit: no levels");
    if (!(opts.confidence > 0 && opts.confidence < 1))
        throw config_error("order fit: confidence must lie in (0, 1), got " + num(opts.confidence));
    std::vector<level_contributions> c;
    std::vector<double> x;
    for (std::size_t k = 0; k < levels.size(); ++k) {
        c.push_back(contributions(levels[k], ref, opts.compare, "level " + std::to_string(k) + " (h = " + num(levels[k].h) + ")"));
        x.push_back(opts.abscissa_minus_reference_h ? levels[k].h - ref.h : levels[k].h);  // §6.3
    }
    check_abscissa(x, opts.abscissa_minus_reference_h ? "h − h_ref" : "step h");
    const std::size_t paths = ref.paths;
    std::vector<double> e(levels.size());
    const std::vector<double> all(paths, 1.0);
    for (std::size_t k = 0; k < levels.size(); ++k) e[k] = metric(evaluate(c[k], all));
    order_fit fit = fit_order(x, e);
    if (fit.used_levels < 2 || opts.resamples == 0) return fit;

    // Every resample recomputes every level from the same path multiset, then refits (§6.4). A
    // resample in which a level of the point fit has error 0 or NaN is left out (failed_resamples).
    fit.bootstrap_orders.assign(opts.resamples, nan);
    const int threads = opts.threads > 0 ? opts.threads : std::max(omp_get_max_threads(), 1);
#pragma omp parallel num_threads(threads)
    {
        std::vector<double> w(paths), eb(levels.size());
        std::vector<level_status> st;
#pragma omp for schedule(static)
        for (std::int64_t b = 0; b < static_cast<std::int64_t>(opts.resamples); ++b) {
            std::fill(w.begin(), w.end(), 0.0);
            for_each_draw(paths, static_cast<std::size_t>(b), opts.seed, [&](std::size_t p) { w[p] += 1.0; });
            for (std::size_t k = 0; k < levels.size(); ++k) eb[k] = metric(evaluate(c[k], w));
            const line l = log_log_fit(x, eb, st);
            bool same_levels = true;
            for (std::size_t k = 0; k < levels.size(); ++k)
                same_levels = same_levels && (fit.status[k] != level_status::used || st[k] == level_status::used);
            if (same_levels) fit.bootstrap_orders[static_cast<std::size_t>(b)] = l.slope;
        }
    }
    std::vector<double> finite;
    for (double o : fit.bootstrap_orders) {
        if (std::isfinite(o)) finite.push_back(o);
    }
    fit.failed_resamples = opts.resamples - finite.size();
    std::sort(finite.begin(), finite.end());
    fit.ci_low = percentile(finite, 0.5 * (1 - opts.confidence));
    fit.ci_high = percentile(finite, 0.5 * (1 + opts.confidence));
    return fit;
}

crossing_speed_relation ste_vs_crossing_speed(const level_outcome& level, const level_outcome& ref, std::size_t bins,
                                              const compare_options& opts) {
    check_level(level, ref, "level h = " + num(level.h));
    if (bins == 0) throw config_error("spike-time error vs crossing speed: expected at least one bin");
    crossing_speed_relation rel;
    rel.h = level.h;
    for (std::size_t u = 0; u < level.trains.size(); ++u) {
        for_each_pair(level.trains[u], ref.trains[u], opts, [&](double d, double A) {
            rel.ste.push_back(d);
            rel.A.push_back(A);
        });
    }
    std::vector<std::size_t> order;  // pairs with A_ref > 0, by increasing A_ref
    for (std::size_t k = 0; k < rel.A.size(); ++k) {
        if (rel.A[k] > 0) order.push_back(k);
    }
    rel.nonpositive_A = rel.A.size() - order.size();
    if (order.empty()) return rel;
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return rel.A[x] < rel.A[y] || (rel.A[x] == rel.A[y] && x < y); });

    // Equal-count bins; each gives (geometric mean of 1/A, RMS |STE|), fitted on log–log axes.
    const std::size_t n = order.size();
    std::vector<double> inv_A, rms;
    for (std::size_t i = 0; i < bins; ++i) {
        const std::size_t lo = i * n / bins, hi = (i + 1) * n / bins;
        if (hi == lo) continue;
        crossing_speed_bin bin;
        bin.A_low = rel.A[order[lo]];
        bin.A_high = rel.A[order[hi - 1]];
        bin.count = hi - lo;
        double log_inv = 0, sq = 0, sum = 0;
        for (std::size_t m = lo; m < hi; ++m) {
            const double d = rel.ste[order[m]];
            log_inv -= std::log(rel.A[order[m]]);
            sq += d * d;
            sum += d;
        }
        const double cnt = static_cast<double>(bin.count);
        bin.inv_A = std::exp(log_inv / cnt);
        bin.ste_rms = std::sqrt(sq / cnt);
        bin.ste_mean = sum / cnt;
        rel.bins.push_back(bin);
        if (!std::isfinite(bin.inv_A)) continue;  // A so small that 1/A overflows: kept in the table only
        inv_A.push_back(bin.inv_A);
        rms.push_back(bin.ste_rms);
    }
    rel.slope = fit_order(inv_A, rms).order;

    // (3.1): |STE|·A estimates τ_m |δv|; its median scaled by h^{1/2} and by h.
    std::vector<double> ste_A;
    for (std::size_t k : order) ste_A.push_back(std::abs(rel.ste[k]) * rel.A[k]);
    std::sort(ste_A.begin(), ste_A.end());
    rel.median_ste_A = ste_A[(ste_A.size() - 1) / 2];  // nearest rank, as the STE quantiles
    rel.c_half = rel.median_ste_A / std::sqrt(level.h);
    rel.c_one = rel.median_ste_A / level.h;
    return rel;
}

}  // namespace einet::analysis
