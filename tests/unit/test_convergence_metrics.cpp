// Convergence metrics and order fits (spec 003 §6.2, §6.4) on synthetic levels with known answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "einet/analysis/convergence.hpp"
#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

using namespace einet;
using namespace einet::analysis;

namespace {

level_outcome empty_level(double h, std::size_t paths, std::size_t neurons) {
    level_outcome l;
    l.h = h;
    l.paths = paths;
    l.neurons = neurons;
    l.trains.resize(paths * neurons);
    return l;
}

void add_spike(level_outcome& l, std::size_t unit, double t, double A = 1.0) {
    l.trains[unit].t.push_back(t);
    l.trains[unit].A.push_back(A);
}

// Levels h = 2^-k for k = k_lo..k_hi, each a copy of the reference changed by perturb(level, k).
template <class F>
std::vector<level_outcome> derived_levels(const level_outcome& ref, int k_lo, int k_hi, F&& perturb) {
    std::vector<level_outcome> levels;
    for (int k = k_lo; k <= k_hi; ++k) {
        levels.push_back(ref);
        levels.back().h = std::ldexp(1.0, -k);
        perturb(levels.back(), k);
    }
    return levels;
}

std::vector<double> steps(const std::vector<level_outcome>& levels) {
    std::vector<double> h;
    for (const auto& l : levels) h.push_back(l.h);
    return h;
}

double uniform(std::uint64_t seed, std::uint32_t entity, std::uint64_t step) {
    const auto r = rng::philox(seed, rng::purpose::input_events, entity, step);
    return rng::uniform53(r[0], r[1]);
}

// Sorted random train of n spikes on [0, T).
std::vector<double> random_train(std::size_t n, double T, std::uint64_t seed, std::uint32_t id) {
    std::vector<double> t;
    for (std::size_t k = 0; k < n; ++k) t.push_back(T * uniform(seed, id, k));
    std::sort(t.begin(), t.end());
    return t;
}

// The van Rossum distance from its pair-sum form (spec §6.2 item 3), O(n²).
double van_rossum_direct(const std::vector<double>& a, const std::vector<double>& b, double tau) {
    auto sum = [&](const std::vector<double>& x, const std::vector<double>& y) {
        double s = 0;
        for (double xi : x)
            for (double yj : y) s += std::exp(-std::abs(xi - yj) / tau);
        return s;
    };
    return std::sqrt(0.5 * tau * (sum(a, a) + sum(b, b) - 2 * sum(a, b)));
}

void expect_same(const level_errors& x, const level_errors& y) {
    const double level_errors::*fields[] = {
        &level_errors::p_mismatch, &level_errors::p_extra,      &level_errors::mismatched_units, &level_errors::ste_rms,
        &level_errors::ste_median, &level_errors::ste_q90,      &level_errors::ste_q99,          &level_errors::ste_q999,
        &level_errors::matched_pairs, &level_errors::strong_v_rms, &level_errors::strong_I_rms, &level_errors::weak_count,
        &level_errors::weak_v,     &level_errors::van_rossum,   &level_errors::van_rossum_rms};
    for (auto f : fields) {
        if (std::isnan(x.*f)) EXPECT_TRUE(std::isnan(y.*f));
        else EXPECT_EQ(x.*f, y.*f);
    }
}

}  // namespace

TEST(VanRossum, TwoSpikesAnalytic) {
    // D² = (τ/2)(1 + 1 − 2e^{−Δ/τ}) = τ(1 − e^{−Δ/τ}).
    for (double step : {1e-9, 1e-4, 0.1, 0.25, 3.0}) {
        const double delta = (1.0 + step) - 1.0;  // the gap as represented
        const double tau = 0.25, expected = std::sqrt(tau * -std::expm1(-delta / tau));
        EXPECT_NEAR(van_rossum_distance({1.0}, {1.0 + delta}, tau), expected, 1e-13 * expected) << delta;
        EXPECT_NEAR(van_rossum_distance({1.0 + delta}, {1.0}, tau), expected, 1e-13 * expected) << delta;
    }
    EXPECT_DOUBLE_EQ(van_rossum_distance({2.0}, {}, 0.5), std::sqrt(0.25));  // one spike alone: D² = τ/2
    EXPECT_EQ(van_rossum_distance({}, {}, 0.5), 0.0);
}

TEST(VanRossum, MatchesPairSumFormula) {
    for (std::uint32_t trial = 0; trial < 20; ++trial) {
        const auto a = random_train(1 + trial % 7, 3.0, 11, trial);
        auto b = random_train(trial % 5, 3.0, 12, trial);
        if (trial % 3 == 0 && !b.empty()) {  // shared spike times exercise the simultaneous-jump path
            b[0] = a[0];
            std::sort(b.begin(), b.end());
        }
        for (double tau : {0.05, 0.25, 2.0}) {
            const double direct = van_rossum_direct(a, b, tau);
            EXPECT_NEAR(van_rossum_distance(a, b, tau), direct, 1e-12 * (1 + direct)) << trial << " " << tau;
        }
    }
}

TEST(VanRossum, IdenticalTrainsGiveExactlyZero) {
    const auto a = random_train(9, 5.0, 3, 0);
    EXPECT_EQ(van_rossum_distance(a, a, 0.25), 0.0);
    EXPECT_EQ(van_rossum_distance({1.0, 1.0, 2.0}, {1.0, 1.0, 2.0}, 0.25), 0.0);
}

TEST(CompareToReference, CountsPairsAndEndStates) {
    // 2 paths × 2 neurons. Unit 0: counts match, spikes paired in order (not nearest). Unit 1: one extra
    // numerical spike. Unit 2: one missing. Unit 3: no spikes on either side.
    auto ref = empty_level(0.001, 2, 2), lv = empty_level(0.1, 2, 2);
    for (double t : {1.0, 2.0, 3.0}) add_spike(ref, 0, t);
    for (double t : {0.5, 2.25, 3.0}) add_spike(lv, 0, t);  // in-order errors 0.5, 0.25, 0
    add_spike(ref, 1, 1.0);
    add_spike(lv, 1, 1.0);
    add_spike(lv, 1, 2.0);
    add_spike(ref, 2, 1.0);
    add_spike(ref, 2, 4.0);
    add_spike(lv, 2, 1.5);
    ref.v_T = {0.1, 0.2, 0.3, 0.4};
    lv.v_T = {0.3, 0.2, 0.2, 0.4};  // differences 0.2, 0, −0.1, 0
    ref.I_T = {1, 1, 1, 1};
    lv.I_T = {1, 1.5, 1, 1};

    const auto e = compare_to_reference(lv, ref, {});
    EXPECT_EQ(e.h, 0.1);
    EXPECT_EQ(e.p_mismatch, 0.5);
    EXPECT_EQ(e.p_extra, 0.25);
    EXPECT_EQ(e.mismatched_units, 2.0);
    EXPECT_EQ(e.weak_count, 0.0);  // +1 and −1
    EXPECT_EQ(e.matched_pairs, 3.0);
    EXPECT_DOUBLE_EQ(e.ste_rms, std::sqrt((0.25 + 0.0625) / 3));
    EXPECT_EQ(e.ste_median, 0.25);  // nearest rank: 2nd of {0, 0.25, 0.5}
    EXPECT_EQ(e.ste_q90, 0.5);
    EXPECT_NEAR(e.strong_v_rms, std::sqrt((0.04 + 0.01) / 4), 1e-15);
    EXPECT_NEAR(e.weak_v, 0.1 / 4, 1e-15);
    EXPECT_NEAR(e.strong_I_rms, std::sqrt(0.25 / 4), 1e-15);
    const double vr = van_rossum_direct({0.5, 2.25, 3.0}, {1, 2, 3}, 0.25) + van_rossum_direct({1, 2}, {1}, 0.25) +
                      van_rossum_direct({1.5}, {1, 4}, 0.25);
    EXPECT_NEAR(e.van_rossum, vr / 4, 1e-14);

    // The good-set filter (§6.2 item 2) drops pairs, not units.
    compare_options capped;
    capped.max_ste = 0.3;
    EXPECT_EQ(compare_to_reference(lv, ref, {}, capped).matched_pairs, 2.0);
    EXPECT_EQ(compare_to_reference(lv, ref, {}, capped).p_mismatch, 0.5);
    lv.trains[0].A[1] = 0.05;
    compare_options transversal;
    transversal.min_crossing_speed = 0.1;
    const auto f = compare_to_reference(lv, ref, {}, transversal);
    EXPECT_EQ(f.matched_pairs, 2.0);
    EXPECT_DOUBLE_EQ(f.ste_rms, std::sqrt(0.25 / 2));
}

TEST(CompareToReference, NoMatchedPairsOrNoStateGivesNaN) {
    auto ref = empty_level(0.001, 1, 1), lv = empty_level(0.1, 1, 1);
    add_spike(ref, 0, 1.0);
    const auto e = compare_to_reference(lv, ref, {});
    EXPECT_TRUE(std::isnan(e.ste_rms) && std::isnan(e.ste_median) && std::isnan(e.ste_q999));
    EXPECT_TRUE(std::isnan(e.strong_v_rms) && std::isnan(e.weak_v) && std::isnan(e.strong_I_rms));
    EXPECT_EQ(e.p_mismatch, 1.0);
    EXPECT_EQ(e.weak_count, -1.0);
}

TEST(CompareToReference, WeightedSelectionEqualsDuplicatedPaths) {
    // Selecting path p k times must equal a level in which path p appears k times.
    const std::size_t P = 6, N = 3;
    auto ref = empty_level(1e-3, P, N), lv = empty_level(0.05, P, N);
    for (std::size_t u = 0; u < P * N; ++u) {
        const auto t = random_train(u % 4, 4.0, 5, static_cast<std::uint32_t>(u));
        for (std::size_t k = 0; k < t.size(); ++k) {
            add_spike(ref, u, t[k], 0.5 + uniform(6, u, k));
            add_spike(lv, u, t[k] + 0.1 * (uniform(7, u, k) - 0.4), 0.5);
        }
        if (u % 5 == 0) add_spike(lv, u, 4.5);
        ref.v_T.push_back(uniform(8, u, 0));
        lv.v_T.push_back(uniform(9, u, 0));
        ref.I_T.push_back(uniform(10, u, 0));
        lv.I_T.push_back(uniform(11, u, 0));
    }
    const std::vector<std::size_t> selection = {2, 0, 2, 3, 3, 3, 5};
    auto ref_d = empty_level(ref.h, selection.size(), N), lv_d = empty_level(lv.h, selection.size(), N);
    for (std::size_t i = 0; i < selection.size(); ++i) {
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t from = selection[i] * N + n, to = i * N + n;
            ref_d.trains[to] = ref.trains[from];
            lv_d.trains[to] = lv.trains[from];
        }
    }
    auto pick = [&](const std::vector<double>& v) {
        std::vector<double> out;
        for (std::size_t p : selection)
            for (std::size_t n = 0; n < N; ++n) out.push_back(v[p * N + n]);
        return out;
    };
    ref_d.v_T = pick(ref.v_T);
    lv_d.v_T = pick(lv.v_T);
    ref_d.I_T = pick(ref.I_T);
    lv_d.I_T = pick(lv.I_T);
    const auto w = compare_to_reference(lv, ref, selection), d = compare_to_reference(lv_d, ref_d, {});
    const double level_errors::*fields[] = {&level_errors::p_mismatch, &level_errors::p_extra, &level_errors::ste_rms,
                                            &level_errors::strong_v_rms, &level_errors::strong_I_rms, &level_errors::weak_count,
                                            &level_errors::weak_v, &level_errors::van_rossum, &level_errors::van_rossum_rms,
                                            &level_errors::matched_pairs, &level_errors::mismatched_units};
    for (auto f : fields) EXPECT_NEAR(w.*f, d.*f, 1e-13 * (1 + std::abs(d.*f)));
    // Quantiles are order statistics: exact, and equal to the nearest rank of the explicit pair list.
    EXPECT_EQ(w.ste_median, d.ste_median);
    EXPECT_EQ(w.ste_q90, d.ste_q90);
    EXPECT_EQ(w.ste_q99, d.ste_q99);
    std::vector<double> errs;
    for (std::size_t u = 0; u < lv_d.trains.size(); ++u) {
        if (lv_d.trains[u].t.size() != ref_d.trains[u].t.size()) continue;
        for (std::size_t k = 0; k < lv_d.trains[u].t.size(); ++k) errs.push_back(std::abs(lv_d.trains[u].t[k] - ref_d.trains[u].t[k]));
    }
    std::sort(errs.begin(), errs.end());
    ASSERT_EQ(static_cast<double>(errs.size()), d.matched_pairs);
    auto nearest_rank = [&](double q) { return errs[static_cast<std::size_t>(std::ceil(q * static_cast<double>(errs.size()))) - 1]; };
    EXPECT_EQ(d.ste_median, nearest_rank(0.5));
    EXPECT_EQ(d.ste_q90, nearest_rank(0.9));
    EXPECT_EQ(d.ste_q99, nearest_rank(0.99));
}

TEST(CompareToReference, RejectsBadShapes) {
    auto ref = empty_level(1e-3, 2, 1), lv = empty_level(0.1, 3, 1);
    try {
        fit_order_bootstrap({empty_level(0.2, 2, 1), lv}, ref, metric_by_name("p_mismatch"));
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("level 1"), std::string::npos) << e.what();
    }
    lv = empty_level(0.1, 2, 1);
    add_spike(lv, 0, 2.0);
    add_spike(lv, 0, 1.0);
    EXPECT_THROW(compare_to_reference(lv, ref, {}), config_error);  // unsorted
    lv = empty_level(0.1, 2, 1);
    lv.v_T = {0, 0};
    EXPECT_THROW(compare_to_reference(lv, ref, {}), config_error);  // end state on one side only
    lv.v_T.clear();
    EXPECT_THROW(compare_to_reference(lv, ref, {0, 2}), config_error);  // selection out of range
    EXPECT_THROW(metric_by_name("ste_mean"), config_error);
}

TEST(FitOrder, RecoversPowerLawOfSpikeTimesAndEndState) {
    // t_h = t_ref + c h^q exactly on every spike, v_h(T) = v_ref(T) + c' h: ste metrics have order q,
    // the strong and weak v errors order 1.
    const double q = 0.5;
    const std::size_t P = 50, N = 2;
    auto ref = empty_level(std::ldexp(1.0, -14), P, N);
    for (std::size_t u = 0; u < P * N; ++u) {
        for (std::size_t k = 1; k <= 3; ++k) add_spike(ref, u, 2.0 * static_cast<double>(k) + 0.125 * static_cast<double>(u % 8));
        ref.v_T.push_back(0.5);
    }
    const auto levels = derived_levels(ref, 4, 9, [&](level_outcome& lv, int) {
        for (std::size_t u = 0; u < P * N; ++u) {
            for (auto& t : lv.trains[u].t) t += 0.3 * std::pow(lv.h, q);
            lv.v_T[u] += 0.7 * lv.h;
        }
    });
    const auto h = steps(levels);
    bootstrap_options opts;
    opts.resamples = 0;
    for (const char* m : {"ste_rms", "ste_median", "ste_q99"}) {
        const auto fit = fit_order_bootstrap(levels, ref, metric_by_name(m), opts);
        EXPECT_NEAR(fit.order, q, 1e-12) << m;
        EXPECT_EQ(fit.used_levels, 6u);
    }
    for (const char* m : {"strong_v", "weak_v"}) EXPECT_NEAR(fit_order_bootstrap(levels, ref, metric_by_name(m), opts).order, 1.0, 1e-12) << m;
    const auto direct = fit_order(h, [&] {
        std::vector<double> e;
        for (double x : h) e.push_back(0.3 * std::pow(x, q));
        return e;
    }());
    EXPECT_NEAR(direct.order, q, 1e-12);
    EXPECT_NEAR(direct.intercept, std::log(0.3), 1e-12);
    for (double lo : direct.local_orders) EXPECT_NEAR(lo, q, 1e-12);
    EXPECT_TRUE(std::isnan(direct.ci_low) && std::isnan(direct.ci_high));
}

TEST(FitOrder, MismatchRateProportionalToH) {
    // Level k: exactly P·2h units have one extra spike, so P(mismatch) = 2h exactly and the order is 1.
    const std::size_t P = 4096;
    auto ref = empty_level(std::ldexp(1.0, -14), P, 1);
    for (std::size_t p = 0; p < P; ++p) add_spike(ref, p, 1.0);
    const auto levels = derived_levels(ref, 3, 8, [&](level_outcome& lv, int) {
        for (std::size_t p = 0; p < static_cast<std::size_t>(2 * lv.h * P); ++p) add_spike(lv, p, 2.0);
    });
    for (const auto& lv : levels) {
        EXPECT_EQ(compare_to_reference(lv, ref, {}).p_mismatch, 2 * lv.h);
        EXPECT_EQ(compare_to_reference(lv, ref, {}).weak_count, 2 * lv.h);
    }
    bootstrap_options opts;
    opts.resamples = 0;
    for (const char* m : {"p_mismatch", "p_extra", "weak_count"}) {
        const auto fit = fit_order_bootstrap(levels, ref, metric_by_name(m), opts);
        EXPECT_NEAR(fit.order, 1.0, 1e-12) << m;
        for (double lo : fit.local_orders) EXPECT_NEAR(lo, 1.0, 1e-12);
    }
    // Against h − h_ref (§6.3) the same data is no longer an exact power law, but nearly.
    opts.abscissa_minus_reference_h = true;
    const double shifted = fit_order_bootstrap(levels, ref, metric_by_name("p_mismatch"), opts).order;
    EXPECT_GT(std::abs(shifted - 1.0), 1e-6);
    EXPECT_LT(std::abs(shifted - 1.0), 1e-2);
}

TEST(FitOrder, ExactAndUndefinedLevelsAreSkippedAndFlagged) {
    const std::vector<double> h = {0.4, 0.2, 0.1, 0.05};
    auto fit = fit_order(h, {0.8, 0.4, 0.0, 0.1});
    EXPECT_EQ(fit.status[2], level_status::exact);
    EXPECT_EQ(fit.used_levels, 3u);
    EXPECT_NEAR(fit.order, 1.0, 1e-12);
    EXPECT_TRUE(std::isnan(fit.local_orders[1]) && std::isnan(fit.local_orders[2]));
    EXPECT_NEAR(fit.local_orders[0], 1.0, 1e-12);

    fit = fit_order(h, {0.8, std::nan(""), -0.2, 0.1});  // signed errors fitted by magnitude
    EXPECT_EQ(fit.status[1], level_status::undefined);
    EXPECT_NEAR(fit.order, 1.0, 1e-12);

    fit = fit_order(h, {0, 0, 0, 0});  // a deterministic exact integrator
    EXPECT_EQ(fit.used_levels, 0u);
    EXPECT_TRUE(std::isnan(fit.order));
    for (auto s : fit.status) EXPECT_EQ(s, level_status::exact);
    EXPECT_THROW(fit_order({0.1, 0.0}, {1, 1}), config_error);
    EXPECT_THROW(fit_order({0.1}, {1, 1}), config_error);

    // Through the bootstrap: levels identical to the reference are exact; one with no matched pair is
    // undefined for the STE metrics; neither throws.
    auto ref = empty_level(1e-4, 3, 1);
    for (std::size_t p = 0; p < 3; ++p) add_spike(ref, p, 1.0 + static_cast<double>(p));
    auto same = ref, missing = empty_level(0.1, 3, 1);
    same.h = 0.05;
    const auto b = fit_order_bootstrap({missing, same}, ref, metric_by_name("ste_rms"));
    EXPECT_EQ(b.status[0], level_status::undefined);
    EXPECT_EQ(b.status[1], level_status::exact);
    EXPECT_TRUE(std::isnan(b.order) && std::isnan(b.ci_low));
    EXPECT_TRUE(b.bootstrap_orders.empty());
}

TEST(Bootstrap, IdentitySelectionEqualsCompareToReference) {
    const std::size_t P = 300, N = 2;
    auto ref = empty_level(std::ldexp(1.0, -12), P, N);
    for (std::size_t u = 0; u < P * N; ++u) {
        for (std::size_t k = 1; k <= 3; ++k) add_spike(ref, u, 2.0 * static_cast<double>(k) + 1.5 * uniform(21, u, k));
        ref.v_T.push_back(uniform(22, u, 0));
    }
    const auto levels = derived_levels(ref, 4, 7, [&](level_outcome& lv, int k) {
        for (std::size_t u = 0; u < P * N; ++u) {
            for (std::size_t s = 0; s < lv.trains[u].t.size(); ++s)
                lv.trains[u].t[s] += lv.h * uniform(23 + k, u, s);  // grid quantisation in [0, h)
            if (uniform(40, u, 0) < 2 * lv.h) add_spike(lv, u, 9.0);  // coupled extra spikes
            lv.v_T[u] += lv.h * (uniform(41 + k, u, 0) - 0.3);
        }
    });
    const auto h = steps(levels);
    std::vector<std::size_t> identity(P);
    std::iota(identity.begin(), identity.end(), 0);
    bootstrap_options opts;
    opts.resamples = 50;
    opts.seed = 99;
    for (const auto& name : metric_names()) {
        if (name == "strong_I") continue;  // no I(T) recorded here
        const auto metric = metric_by_name(name);
        std::vector<double> e;
        for (const auto& lv : levels) {
            const auto all = compare_to_reference(lv, ref, {});
            expect_same(all, compare_to_reference(lv, ref, identity));
            e.push_back(metric(all));
        }
        const auto fit = fit_order_bootstrap(levels, ref, metric, opts);
        const auto direct = fit_order(h, e);
        EXPECT_EQ(fit.errors, e) << name;
        EXPECT_EQ(fit.order, direct.order) << name;
        // A resample is the same computation on an explicit selection of paths.
        for (std::size_t b : {0u, 17u, 49u}) {
            const auto sel = bootstrap_selection(P, b, opts.seed);
            std::vector<double> eb;
            for (const auto& lv : levels) eb.push_back(metric(compare_to_reference(lv, ref, sel)));
            const auto refit = fit_order(h, eb);
            if (std::isnan(fit.bootstrap_orders[b])) EXPECT_LT(refit.used_levels, fit.used_levels) << name;
            else EXPECT_EQ(fit.bootstrap_orders[b], refit.order) << name << " resample " << b;
        }
    }
}

TEST(Bootstrap, SelectionIsAResampleWithReplacement) {
    const auto s = bootstrap_selection(1000, 3, 7);
    ASSERT_EQ(s.size(), 1000u);
    EXPECT_EQ(s, bootstrap_selection(1000, 3, 7));
    EXPECT_NE(s, bootstrap_selection(1000, 4, 7));
    EXPECT_NE(s, bootstrap_selection(1000, 3, 8));
    std::vector<int> seen(1000, 0);
    for (auto p : s) {
        ASSERT_LT(p, 1000u);
        seen[p] = 1;
    }
    // A resample holds 1 − (1 − 1/n)^n ≈ 63.2 % distinct paths (sd ≈ 1.4 % at n = 1000).
    const int distinct = std::accumulate(seen.begin(), seen.end(), 0);
    EXPECT_GT(distinct, 590);
    EXPECT_LT(distinct, 675);
}

namespace {
// Coupled synthetic with known orders: path p has one uniform U_p shared by all levels (like a
// shared Brownian path), and level h adds an extra spike when U_p < 1.6 h, so P(mismatch) = 1.6 h
// (order 1); the spike-time error is h^{1/2} (0.5 + u_{p,h}) with fresh noise per level (order 1/2).
std::pair<std::vector<level_outcome>, level_outcome> coupled_synthetic(std::size_t P, std::uint64_t seed) {
    auto ref = empty_level(std::ldexp(1.0, -12), P, 1);
    for (std::size_t p = 0; p < P; ++p) add_spike(ref, p, 1.0);
    auto levels = derived_levels(ref, 3, 7, [&](level_outcome& lv, int k) {
        for (std::size_t p = 0; p < P; ++p) {
            lv.trains[p].t[0] += std::sqrt(lv.h) * (0.5 + uniform(seed, static_cast<std::uint32_t>(p), 1000 + k));
            if (uniform(seed, static_cast<std::uint32_t>(p), 0) < 1.6 * lv.h) add_spike(lv, p, 2.0);
        }
    });
    return {std::move(levels), ref};
}
}  // namespace

TEST(Bootstrap, IntervalsCoverTheTrueOrder) {
    // 20 independent synthetic data sets: a 95 % interval must contain the true order in most of them
    // (P(≤ 15 of 20) = 0.3 % at nominal coverage), and its width must match the spread of the point
    // estimates across data sets.
    struct target {
        const char* metric;
        double order;
    };
    for (const target t : {target{"p_mismatch", 1.0}, target{"ste_rms", 0.5}}) {
        int covered = 0;
        std::vector<double> orders, half_widths;
        for (std::uint64_t set = 0; set < 20; ++set) {
            const auto [levels, ref] = coupled_synthetic(4000, 1000 + set);
            bootstrap_options opts;
            opts.resamples = 400;
            opts.seed = set;
            const auto fit = fit_order_bootstrap(levels, ref, metric_by_name(t.metric), opts);
            ASSERT_EQ(fit.failed_resamples, 0u);
            ASSERT_LT(fit.ci_low, fit.ci_high);
            covered += fit.ci_low <= t.order && t.order <= fit.ci_high;
            orders.push_back(fit.order);
            half_widths.push_back(0.5 * (fit.ci_high - fit.ci_low));
        }
        const double mean = std::accumulate(orders.begin(), orders.end(), 0.0) / 20;
        double var = 0;
        for (double o : orders) var += (o - mean) * (o - mean) / 19;
        const double mean_half = std::accumulate(half_widths.begin(), half_widths.end(), 0.0) / 20;
        EXPECT_GE(covered, 16) << t.metric;
        EXPECT_NEAR(mean, t.order, 3 * std::sqrt(var / 20) + 1e-3) << t.metric;
        EXPECT_GT(mean_half / 1.96, 0.6 * std::sqrt(var)) << t.metric;
        EXPECT_LT(mean_half / 1.96, 1.6 * std::sqrt(var)) << t.metric;
    }
}

TEST(Bootstrap, ReproducibleForSeedAndThreadCount) {
    const auto [levels, ref] = coupled_synthetic(2000, 5);
    bootstrap_options opts;
    opts.resamples = 200;
    opts.seed = 42;
    opts.threads = 1;
    const auto metric = metric_by_name("ste_q90");
    const auto one = fit_order_bootstrap(levels, ref, metric, opts);
    opts.threads = 3;
    const auto three = fit_order_bootstrap(levels, ref, metric, opts);
    EXPECT_EQ(one.bootstrap_orders, three.bootstrap_orders);
    EXPECT_EQ(one.ci_low, three.ci_low);
    EXPECT_EQ(one.ci_high, three.ci_high);
    opts.seed = 43;
    const auto other = fit_order_bootstrap(levels, ref, metric, opts);
    EXPECT_EQ(other.order, one.order);  // the point estimate does not depend on the seed
    EXPECT_NE(other.bootstrap_orders, one.bootstrap_orders);
}

TEST(Bootstrap, ResamplesLosingAUsedLevelAreCountedAsFailed) {
    // The finest level's only mismatch sits in path 0: every resample without path 0 has
    // P(mismatch) = 0 there, i.e. a fraction (1 − 1/P)^P ≈ 0.366 of them.
    const std::size_t P = 500;
    auto ref = empty_level(1e-4, P, 1);
    std::vector<level_outcome> levels;
    for (std::size_t m : {40u, 10u, 1u}) {
        auto lv = ref;
        lv.h = 0.01 * static_cast<double>(m);
        for (std::size_t p = 0; p < m; ++p) add_spike(lv, p, 1.0);
        levels.push_back(lv);
    }
    bootstrap_options opts;
    opts.resamples = 1000;
    const auto fit = fit_order_bootstrap(levels, ref, metric_by_name("p_mismatch"), opts);
    const auto nan_count = std::count_if(fit.bootstrap_orders.begin(), fit.bootstrap_orders.end(), [](double o) { return std::isnan(o); });
    EXPECT_EQ(fit.failed_resamples, static_cast<std::size_t>(nan_count));
    EXPECT_NEAR(static_cast<double>(fit.failed_resamples), 1000 * std::pow(1 - 1.0 / P, static_cast<double>(P)), 4 * 15.2);
    for (std::size_t b = 0; b < 1000; b += 97) {
        const auto sel = bootstrap_selection(P, b, opts.seed);
        const bool has0 = std::find(sel.begin(), sel.end(), 0u) != sel.end();
        EXPECT_EQ(std::isnan(fit.bootstrap_orders[b]), !has0) << b;
    }
    EXPECT_TRUE(std::isfinite(fit.ci_low) && std::isfinite(fit.ci_high));
}

TEST(CrossingSpeed, InverseSpeedLawGivesSlopeOneAndItsConstant) {
    // STE = −c h / A on a geometric grid of A: every equal-count bin is the same shape, so the bin
    // RMS is exactly ∝ 1/A and the slope is 1; median |STE|·A = c h.
    const double c = 0.4, h = 1.0 / 64;
    const std::size_t n = 200;
    auto ref = empty_level(1e-4, n + 3, 1), lv = empty_level(h, n + 3, 1);
    for (std::size_t p = 0; p < n; ++p) {
        const double A = 0.02 * std::pow(1.03, static_cast<double>(p));
        add_spike(ref, p, 1.0, A);
        add_spike(lv, p, 1.0 - c * h / A, A);
    }
    add_spike(ref, n, 1.0, -0.01);  // negative speed (EM records I^{n+1}): scatter only
    add_spike(lv, n, 1.001, 0.2);
    add_spike(ref, n + 1, 1.0, 0.3);  // count mismatch: not a pair
    const auto rel = ste_vs_crossing_speed(lv, ref, 10);
    ASSERT_EQ(rel.ste.size(), n + 1);
    EXPECT_EQ(rel.nonpositive_A, 1u);
    ASSERT_EQ(rel.bins.size(), 10u);
    EXPECT_NEAR(rel.slope, 1.0, 1e-9);
    EXPECT_NEAR(rel.c_one, c, 1e-12);
    EXPECT_NEAR(rel.c_half, c * std::sqrt(h), 1e-12);
    for (const auto& b : rel.bins) {
        EXPECT_EQ(b.count, n / 10);
        EXPECT_LT(b.ste_mean, 0);  // early numerical spikes
        EXPECT_LE(b.A_low, b.A_high);
    }
    EXPECT_LT(rel.bins.front().A_high, rel.bins.back().A_low);
}

TEST(CrossingSpeed, QuantisationOnlyGivesSlopeZero) {
    const double h = 1.0 / 32;
    const std::size_t n = 400;
    auto ref = empty_level(1e-4, n, 1), lv = empty_level(h, n, 1);
    for (std::size_t p = 0; p < n; ++p) {
        const double A = 0.05 + static_cast<double>(p) / n;
        add_spike(ref, p, 1.0, A);
        add_spike(lv, p, 1.0 + h * (0.25 + 0.5 * static_cast<double>(p % 2)), A);  // |STE| ∈ {h/4, 3h/4}, A-free
    }
    const auto rel = ste_vs_crossing_speed(lv, ref, 4);
    EXPECT_NEAR(rel.slope, 0.0, 1e-9);
    EXPECT_EQ(rel.nonpositive_A, 0u);
}
