// Sparse synapse storage and connectivity builders (include/einet/network/connectivity.hpp):
// exact counts of the paper-001 classes, no duplicates / autapses, uniformity of the samplers,
// bit-identical results for any thread count, per-synapse keyed weights and delays, memory,
// transpose, and the error messages for bad arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/network/connectivity.hpp"

using namespace einet;
using namespace einet::network;

namespace {

using pair_set = std::set<std::pair<std::uint32_t, std::uint32_t>>;  // (pre, post)

pair_set pairs_of(const synapse_table& t) {
    pair_set s;
    for (std::size_t i = 0; i < t.n_pre; ++i)
        for (auto e = t.row_begin(i); e < t.row_end(i); ++e) s.emplace(static_cast<std::uint32_t>(i), t.target[e]);
    return s;
}

// Strictly increasing targets in every row (sorted, no duplicate pair), no autapse if excluded.
void expect_simple(const synapse_table& t, bool autapses) {
    ASSERT_NO_THROW(t.check_invariants());
    for (std::size_t i = 0; i < t.n_pre; ++i) {
        for (auto e = t.row_begin(i); e < t.row_end(i); ++e) {
            if (e > t.row_begin(i)) {
                ASSERT_LT(t.target[e - 1], t.target[e]) << "duplicate or unsorted in row " << i;
            }
            if (!autapses) {
                ASSERT_NE(t.target[e], i) << "autapse at " << i;
            }
        }
    }
}

void expect_identical(const synapse_table& a, const synapse_table& b) {
    ASSERT_EQ(a.n_pre, b.n_pre);
    ASSERT_EQ(a.n_post, b.n_post);
    ASSERT_TRUE(std::equal(a.row_ptr.begin(), a.row_ptr.end(), b.row_ptr.begin(), b.row_ptr.end()));
    ASSERT_TRUE(std::equal(a.target.begin(), a.target.end(), b.target.begin(), b.target.end()));
    ASSERT_EQ(a.weight.size(), b.weight.size());
    for (std::size_t s = 0; s < a.weight.size(); ++s)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(a.weight[s]), std::bit_cast<std::uint32_t>(b.weight[s])) << s;
    ASSERT_TRUE(std::equal(a.delay_steps.begin(), a.delay_steps.end(), b.delay_steps.begin(), b.delay_steps.end()));
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return "<no config_error>";
}

struct moments {
    double mean = 0, sd = 0, min = 1e300, max = -1e300;
};

moments moments_of(const synapse_table& t) {
    moments m;
    double s = 0, s2 = 0;
    for (float w : t.weight) {
        s += w;
        m.min = std::min<double>(m.min, w);
        m.max = std::max<double>(m.max, w);
    }
    const auto n = static_cast<double>(t.weight.size());
    m.mean = s / n;
    for (float w : t.weight) s2 += (w - m.mean) * (w - m.mean);
    m.sd = std::sqrt(s2 / (n - 1));
    return m;
}

}  // namespace

// ---- counts ----------------------------------------------------------------------------------

TEST(connectivity, exact_count_of_the_paper001_classes) {
    // Spec 001 §5.3: round(p·N_pre·N_post) per class, chosen among the allowed pairs.
    EXPECT_EQ(exact_count(0.25, 1600, 1600, false), 640000u);  // EE, self-pairs excluded
    EXPECT_EQ(exact_count(0.25, 1600, 400, true), 160000u);    // E -> I (pre E, post I)
    EXPECT_EQ(exact_count(0.25, 400, 1600, true), 160000u);    // I -> E
    EXPECT_EQ(exact_count(0.25, 400, 400, false), 40000u);     // II
    // The other basis: p times the allowed pairs.
    EXPECT_EQ(exact_count(0.25, 1600, 1600, false, count_basis::allowed_pairs), 639600u);
    EXPECT_EQ(exact_count(0.25, 400, 400, false, count_basis::allowed_pairs), 39900u);
    EXPECT_EQ(allowed_pairs(1600, 1600, false), 2558400u);
    EXPECT_EQ(allowed_pairs(1600, 400, true), 640000u);
    // Capped at the allowed pairs (p = 1 without autapses), ties round to even (Python's round).
    EXPECT_EQ(exact_count(1.0, 10, 10, false), 90u);
    EXPECT_EQ(exact_count(0.5, 3, 3, true), 4u);   // 4.5 -> 4
    EXPECT_EQ(exact_count(0.5, 5, 3, true), 8u);   // 7.5 -> 8
    EXPECT_EQ(exact_count(0.0, 10, 10, true), 0u);
}

TEST(connectivity, paper001_tables_have_exact_counts_without_duplicates_or_autapses) {
    const std::uint64_t seed = 20240601;
    const auto ee = fixed_total_number(1600, 1600, exact_count(0.25, 1600, 1600, false), false, seed, 0);
    const auto ei = fixed_total_number(1600, 400, exact_count(0.25, 1600, 400, true), true, seed, 1);
    const auto ie = fixed_total_number(400, 1600, exact_count(0.25, 400, 1600, true), true, seed, 2);
    const auto ii = fixed_total_number(400, 400, exact_count(0.25, 400, 400, false), false, seed, 3);
    EXPECT_EQ(ee.size(), 640000u);
    EXPECT_EQ(ei.size(), 160000u);
    EXPECT_EQ(ie.size(), 160000u);
    EXPECT_EQ(ii.size(), 40000u);
    expect_simple(ee, false);
    expect_simple(ei, true);
    expect_simple(ie, true);
    expect_simple(ii, false);
    // Mean in-degree p·N_pre; every neuron is connected somewhere.
    const auto deg = ee.in_degrees();
    EXPECT_EQ(*std::min_element(deg.begin(), deg.end()) > 300u, true);
    EXPECT_EQ(*std::max_element(deg.begin(), deg.end()) < 500u, true);
}

TEST(connectivity, fixed_total_number_is_exact_on_every_small_case) {
    for (std::size_t n_pre = 1; n_pre <= 5; ++n_pre) {
        for (std::size_t n_post = 1; n_post <= 5; ++n_post) {
            for (bool autapses : {true, false}) {
                if (!autapses && n_pre != n_post) continue;
                const auto m = allowed_pairs(n_pre, n_post, autapses);
                for (std::uint64_t k = 0; k <= m; ++k) {
                    const auto t = fixed_total_number(n_pre, n_post, k, autapses, 7 + k, 3);
                    ASSERT_EQ(t.size(), k) << n_pre << "x" << n_post << " autapses " << autapses;
                    expect_simple(t, autapses);
                    ASSERT_EQ(pairs_of(t).size(), k);
                }
            }
        }
    }
}

TEST(connectivity, floyd_sample_does_not_depend_on_the_membership_structure) {
    for (std::uint64_t m : {1ULL, 7ULL, 64ULL, 65ULL, 1000ULL, 100000ULL}) {
        for (std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, m / 3, m / 2, m}) {
            if (k > m) continue;
            const auto a = detail::floyd_sample(m, k, 99, 5, true);
            const auto b = detail::floyd_sample(m, k, 99, 5, false);
            ASSERT_EQ(a.size(), k);
            ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "m " << m << " k " << k;
            ASSERT_TRUE(std::adjacent_find(a.begin(), a.end(), [](auto x, auto y) { return x >= y; }) == a.end());
            if (k > 0) {
                ASSERT_LT(a.back(), m);
            }
        }
    }
}

TEST(connectivity, fixed_total_number_picks_every_subset_with_equal_probability) {
    // 2 x 3 grid with autapses: M = 6 pairs, K = 3, C(6,3) = 20 subsets; 20 000 seeds.
    std::map<pair_set, int> freq;
    const int seeds = 20000;
    for (int s = 0; s < seeds; ++s) freq[pairs_of(fixed_total_number(2, 3, 3, true, static_cast<std::uint64_t>(s), 11))]++;
    ASSERT_EQ(freq.size(), 20u);
    const double expected = seeds / 20.0;
    double chi2 = 0;
    for (const auto& [subset, c] : freq) chi2 += (c - expected) * (c - expected) / expected;
    // 19 degrees of freedom: mean 19, SD 6.2; 19 + 6·6.2 is a p ~ 1e-6 bound.
    EXPECT_LT(chi2, 56.0) << "chi-square " << chi2;
}

TEST(connectivity, fixed_total_number_includes_each_pair_with_probability_k_over_m) {
    // 5 x 5 without autapses: M = 20, K = 7 -> each pair with probability 0.35.
    const int seeds = 4000;
    std::map<std::pair<std::uint32_t, std::uint32_t>, int> count;
    for (int s = 0; s < seeds; ++s)
        for (const auto& pq : pairs_of(fixed_total_number(5, 5, 7, false, 1000 + static_cast<std::uint64_t>(s), 2)))
            count[pq]++;
    ASSERT_EQ(count.size(), 20u);
    const double q = 7.0 / 20.0, mean = seeds * q, sd = std::sqrt(seeds * q * (1 - q));
    double chi2 = 0;
    for (const auto& [pq, c] : count) {
        EXPECT_NE(pq.first, pq.second);
        EXPECT_LT(std::abs(c - mean), 5 * sd) << pq.first << "->" << pq.second;
        chi2 += (c - mean) * (c - mean) / (sd * sd);
    }
    EXPECT_LT(chi2, 19 + 6 * std::sqrt(38.0));
}

// ---- fixed_probability -----------------------------------------------------------------------

TEST(connectivity, fixed_probability_count_is_binomial) {
    for (bool autapses : {true, false}) {
        const std::size_t n = 1000;
        const double p = 0.1;
        const auto t = fixed_probability(n, n, p, autapses, 5, 0);
        expect_simple(t, autapses);
        const double m = static_cast<double>(allowed_pairs(n, n, autapses));
        const double mean_total = p * m, sd_total = std::sqrt(m * p * (1 - p));
        EXPECT_LT(std::abs(static_cast<double>(t.size()) - mean_total), 5 * sd_total);
        // Mean in-degree p·(allowed sources per target), within 5 sigma.
        const double mean_in = static_cast<double>(t.size()) / n;
        const double per_target = autapses ? n : n - 1.0;
        EXPECT_LT(std::abs(mean_in - p * per_target), 5 * std::sqrt(per_target * p * (1 - p) / n));
    }
    // The edge cases p = 0 and p = 1.
    EXPECT_EQ(fixed_probability(30, 40, 0.0, true, 1, 0).size(), 0u);
    EXPECT_EQ(fixed_probability(30, 40, 1.0, true, 1, 0).size(), 1200u);
    const auto full = fixed_probability(30, 30, 1.0, false, 1, 0);
    EXPECT_EQ(full.size(), 870u);
    expect_simple(full, false);
}

TEST(connectivity, fixed_probability_is_keyed_per_pair) {
    // The pairs of a 50 x 60 projection are the same in a 80 x 100 one (same seed, same id).
    const auto small = pairs_of(fixed_probability(50, 60, 0.3, true, 42, 9));
    pair_set clipped;
    for (const auto& pq : pairs_of(fixed_probability(80, 100, 0.3, true, 42, 9)))
        if (pq.first < 50 && pq.second < 60) clipped.insert(pq);
    EXPECT_EQ(small, clipped);
    EXPECT_NE(pairs_of(fixed_probability(50, 60, 0.3, true, 42, 10)), small);  // other projection id
    EXPECT_NE(pairs_of(fixed_probability(50, 60, 0.3, true, 43, 9)), small);   // other seed
}

// ---- fixed_indegree --------------------------------------------------------------------------

TEST(connectivity, fixed_indegree_gives_every_target_exactly_k_distinct_sources) {
    for (bool autapses : {true, false}) {
        for (std::size_t k : {0u, 1u, 17u, 199u}) {
            const auto t = fixed_indegree(200, 200, k, autapses, 3, 1);
            expect_simple(t, autapses);
            EXPECT_EQ(t.size(), 200 * k);
            for (auto d : t.in_degrees()) ASSERT_EQ(d, k);
        }
    }
    // k equal to all available sources takes every allowed pair.
    EXPECT_EQ(fixed_indegree(20, 20, 19, false, 3, 1).size(), 380u);
    EXPECT_EQ(fixed_indegree(20, 30, 20, true, 3, 1).size(), 600u);
    // Each target's sources come from its own counter: adding targets changes nothing.
    pair_set a = pairs_of(fixed_indegree(100, 50, 10, true, 8, 4)), b;
    for (const auto& pq : pairs_of(fixed_indegree(100, 80, 10, true, 8, 4)))
        if (pq.second < 50) b.insert(pq);
    EXPECT_EQ(a, b);
}

TEST(connectivity, fixed_indegree_sources_are_uniform) {
    // 10 sources, k = 3, 20 000 targets: each source in 3/10 of the targets. Without autapses
    // (10 x 10) each of the 9 others in 3/9.
    const auto t = fixed_indegree(10, 20000, 3, true, 17, 0);
    const double n = 20000, q = 0.3, sd = std::sqrt(n * q * (1 - q));
    for (std::size_t i = 0; i < 10; ++i) EXPECT_LT(std::abs(static_cast<double>(t.out_degree(i)) - n * q), 5 * sd) << i;
    std::array<int, 10> hits{};
    for (std::uint64_t seed = 0; seed < 3000; ++seed) {
        const auto u = fixed_indegree(10, 10, 3, false, seed, 0);
        for (std::size_t i = 0; i < 10; ++i)
            for (auto e = u.row_begin(i); e < u.row_end(i); ++e)
                if (u.target[e] == 4) hits[i]++;
    }
    EXPECT_EQ(hits[4], 0);
    const double q2 = 3.0 / 9.0, sd2 = std::sqrt(3000 * q2 * (1 - q2));
    for (std::size_t i = 0; i < 10; ++i)
        if (i != 4) {
            EXPECT_LT(std::abs(hits[i] - 3000 * q2), 5 * sd2) << i;
        }
}

// ---- determinism -----------------------------------------------------------------------------

TEST(connectivity, builds_are_bit_identical_for_repeated_calls_and_any_thread_count) {
    auto build = [](int threads) {
        std::vector<synapse_table> out;
        out.push_back(fixed_probability(700, 500, 0.2, true, 123, 4, threads));
        out.push_back(fixed_indegree(600, 600, 50, false, 123, 5, threads));
        out.push_back(fixed_total_number(600, 600, 40000, false, 123, 6));
        for (std::size_t q = 0; q < out.size(); ++q) {
            initialise_weights(out[q], weight_distribution::normal_cv(80.0, 0.2), 123, static_cast<std::uint32_t>(q),
                               threads);
            initialise_delays(out[q], delay_distribution::paper001(1.0, 0.1), 123, static_cast<std::uint32_t>(q),
                              max_delay_limit, threads);
        }
        return out;
    };
    const auto one = build(1), again = build(1), two = build(2), four = build(4);
    for (std::size_t q = 0; q < one.size(); ++q) {
        SCOPED_TRACE(q);
        expect_identical(one[q], again[q]);
        expect_identical(one[q], two[q]);
        expect_identical(one[q], four[q]);
    }
}

// ---- weights ---------------------------------------------------------------------------------

TEST(connectivity, normal_with_cv_has_the_requested_moments_and_is_clipped_at_zero) {
    auto t = fixed_probability(1000, 1000, 0.2, true, 77, 0);
    const auto n = static_cast<double>(t.size());
    initialise_weights(t, weight_distribution::normal_cv(80.0, 0.2), 77, 0);
    const auto m = moments_of(t);
    EXPECT_NEAR(m.mean, 80.0, 5 * 16.0 / std::sqrt(n));
    EXPECT_NEAR(m.sd, 16.0, 5 * 16.0 / std::sqrt(2 * n));
    EXPECT_NEAR(m.sd / m.mean, 0.2, 0.002);
    EXPECT_GE(m.min, 0.0);
    // CV 0.6: Φ(−1/0.6) = 4.78 % of the draws are clipped to exactly 0.
    initialise_weights(t, weight_distribution::normal_cv(80.0, 0.6), 77, 0);
    const auto zeros = static_cast<double>(std::count(t.weight.begin(), t.weight.end(), 0.0f));
    const double q = 0.0477904;
    EXPECT_NEAR(zeros / n, q, 5 * std::sqrt(q * (1 - q) / n));
    EXPECT_EQ(moments_of(t).min, 0.0);
    EXPECT_FALSE(check_dale(t).has_value());
    // Other bounds.
    initialise_weights(t, weight_distribution::normal(10.0, 5.0, 2.0, 15.0), 77, 0);
    EXPECT_EQ(moments_of(t).min, 2.0);
    EXPECT_EQ(moments_of(t).max, 15.0);
    initialise_weights(t, weight_distribution::constant(3.5), 77, 0);
    EXPECT_EQ(moments_of(t).min, 3.5);
    EXPECT_EQ(moments_of(t).max, 3.5);
}

TEST(connectivity, lognormal_has_the_requested_arithmetic_moments) {
    auto t = fixed_probability(1000, 1000, 0.2, true, 78, 0);
    const auto n = static_cast<double>(t.size());
    // Spec 001 Fig. S5: arithmetic mean m, absolute SD 0.05.
    for (auto [mean, sd] : {std::pair{2.0, 0.5}, std::pair{0.25, 0.05}}) {
        initialise_weights(t, weight_distribution::lognormal(mean, sd), 78, 0);
        const auto m = moments_of(t);
        EXPECT_NEAR(m.mean, mean, 5 * sd / std::sqrt(n));
        EXPECT_NEAR(m.sd, sd, 0.01 * sd);
        EXPECT_GT(m.min, 0.0);
    }
}

TEST(connectivity, a_synapse_gets_the_same_weight_and_delay_however_the_table_was_built) {
    const std::uint64_t seed = 5;
    const std::uint32_t proj = 2;
    const auto wd = weight_distribution::normal_cv(100.0, 0.2);
    const auto dd = delay_distribution::uniform_steps(1, 40);
    auto a = fixed_probability(300, 200, 0.1, true, seed, proj);
    auto b = fixed_total_number(300, 200, 6000, true, seed, proj);
    for (auto* t : {&a, &b}) {
        initialise_weights(*t, wd, seed, proj);
        initialise_delays(*t, dd, seed, proj);
        for (std::size_t i = 0; i < t->n_pre; ++i)
            for (auto e = t->row_begin(i); e < t->row_end(i); ++e) {
                ASSERT_EQ(t->weight[e], draw_weight(wd, seed, proj, t->target[e], static_cast<std::uint32_t>(i)));
                ASSERT_EQ(t->delay_steps[e], draw_delay(dd, seed, proj, t->target[e], static_cast<std::uint32_t>(i)));
            }
    }
    // The same pairs given in reverse order through from_arrays.
    std::vector<std::uint32_t> src, tgt;
    for (std::size_t i = a.n_pre; i-- > 0;)
        for (auto e = a.row_end(i); e-- > a.row_begin(i);) {
            src.push_back(static_cast<std::uint32_t>(i));
            tgt.push_back(a.target[e]);
        }
    auto c = from_arrays(300, 200, src, tgt);
    initialise_weights(c, wd, seed, proj);
    initialise_delays(c, dd, seed, proj);
    expect_identical(a, c);
    // Different projection ids give different weights.
    EXPECT_NE(draw_weight(wd, seed, 1, 3, 4), draw_weight(wd, seed, 2, 3, 4));
}

// ---- delays ----------------------------------------------------------------------------------

TEST(connectivity, paper001_delay_rule_gives_equiprobable_steps) {
    auto t = fixed_probability(1000, 1000, 0.2, true, 12, 0);
    const auto n = static_cast<double>(t.size());
    struct want {
        double d_max, dt;
        std::vector<double> probs;  // of 1, 2, ... steps
    };
    for (const auto& w : {want{1.0, 0.1, std::vector<double>(10, 0.1)},  // E synapses: 0.1 .. 1.0 ms
                          want{0.5, 0.1, std::vector<double>(5, 0.2)},   // I synapses: 0.1 .. 0.5 ms
                          want{0.25, 0.1, {0.4, 0.4, 0.2}}}) {           // d_max/dt = 2.5
        initialise_delays(t, delay_distribution::paper001(w.d_max, w.dt), 12, 0);
        std::vector<double> count(w.probs.size() + 2, 0.0);
        for (auto d : t.delay_steps) {
            ASSERT_GE(d, 1);
            ASSERT_LE(d, w.probs.size()) << "d_max " << w.d_max;
            count[d] += 1;
        }
        for (std::size_t s = 1; s <= w.probs.size(); ++s) {
            const double q = w.probs[s - 1];
            EXPECT_NEAR(count[s] / n, q, 5 * std::sqrt(q * (1 - q) / n)) << "d_max " << w.d_max << " step " << s;
        }
    }
    EXPECT_EQ(delay_distribution::paper001(1.0, 0.1).largest_steps(), 10u);
    EXPECT_EQ(delay_distribution::paper001(0.3, 0.1).largest_steps(), 3u);  // 2.9999999999999996 snaps to 3
    initialise_delays(t, delay_distribution::uniform_steps(3, 7), 12, 0);
    EXPECT_EQ(*std::min_element(t.delay_steps.begin(), t.delay_steps.end()), 3);
    EXPECT_EQ(*std::max_element(t.delay_steps.begin(), t.delay_steps.end()), 7);
    EXPECT_NEAR(static_cast<double>(std::count(t.delay_steps.begin(), t.delay_steps.end(), 5)) / n, 0.2, 5 * std::sqrt(0.16 / n));
    initialise_delays(t, delay_distribution::constant(4), 12, 0);
    EXPECT_EQ(t.largest_delay_steps(), 4);
    EXPECT_EQ(*std::min_element(t.delay_steps.begin(), t.delay_steps.end()), 4);
}

TEST(connectivity, delays_outside_the_limits_are_config_errors) {
    auto t = fixed_probability(10, 10, 0.5, true, 1, 0);
    // A constant delay of 0 steps is allowed: same-step delivery (Brian2's default, spec 003).
    initialise_delays(t, delay_distribution::constant(0), 1, 0);
    EXPECT_EQ(t.largest_delay_steps(), 0);
    initialise_delays(t, delay_distribution::constant(1), 1, 0);
    EXPECT_NE(error_of([&] { initialise_delays(t, delay_distribution::constant(100), 1, 0, 50); })
                  .find("delay = 100 steps exceeds the limit of 50 steps"),
              std::string::npos);
    EXPECT_NE(error_of([&] { initialise_delays(t, delay_distribution::uniform_steps(0, 3), 1, 0); }).find("min_steps = 0"),
              std::string::npos);
    EXPECT_NE(error_of([&] { initialise_delays(t, delay_distribution::uniform_steps(5, 3), 1, 0); })
                  .find("max_steps = 3 is below min_steps = 5"),
              std::string::npos);
    EXPECT_NE(error_of([&] { initialise_delays(t, delay_distribution::paper001(10.0, 0.1), 1, 0, 50); })
                  .find("gives delays up to 100 steps"),
              std::string::npos);
    EXPECT_NE(error_of([&] { initialise_delays(t, delay_distribution::paper001(1.0, 0.0), 1, 0); }).find("dt = 0"),
              std::string::npos);
    EXPECT_NE(error_of([&] { initialise_delays(t, delay_distribution::constant(1), 1, 0, 70000); })
                  .find("max_delay_steps = 70000"),
              std::string::npos);
    // A failed initialisation leaves the delays as they were.
    EXPECT_EQ(t.largest_delay_steps(), 1);
}

// ---- storage ---------------------------------------------------------------------------------

TEST(connectivity, one_million_synapses_fit_in_12_mb) {
    EXPECT_EQ(synapse_table::bytes_per_synapse(), 10u);
    const auto t = fixed_probability(1000, 1000, 1.0, true, 1, 0);
    ASSERT_EQ(t.size(), 1000000u);
    EXPECT_LE(t.memory_bytes(), 12u * 1000u * 1000u);
    EXPECT_EQ(t.memory_bytes(), 1000000u * 10u + 1001u * 8u);
    const auto u = fixed_total_number(1000, 1000, 1000000, true, 1, 0);
    EXPECT_LE(u.memory_bytes(), 12u * 1000u * 1000u);
    expect_identical(t, u);  // all pairs either way
}

TEST(connectivity, transpose_round_trips) {
    auto t = fixed_probability(300, 200, 0.15, true, 9, 1);
    initialise_weights(t, weight_distribution::normal_cv(50.0, 0.2), 9, 1);
    initialise_delays(t, delay_distribution::paper001(1.0, 0.1), 9, 1);
    const auto b = t.transpose();
    ASSERT_EQ(b.row_ptr.size(), 201u);
    ASSERT_EQ(b.row_ptr.back(), t.size());
    std::vector<std::uint32_t> src, tgt;
    std::vector<float> w;
    std::vector<std::uint16_t> d;
    std::vector<bool> seen(t.size(), false);
    for (std::size_t j = 0; j < 200; ++j) {
        for (auto e = b.row_ptr[j]; e < b.row_ptr[j + 1]; ++e) {
            if (e > b.row_ptr[j]) {
                ASSERT_LT(b.source[e - 1], b.source[e]);
            }
            const auto s = b.synapse[e];
            ASSERT_EQ(t.target[s], j);
            ASSERT_GE(s, t.row_begin(b.source[e]));
            ASSERT_LT(s, t.row_end(b.source[e]));
            ASSERT_FALSE(seen[s]);
            seen[s] = true;
            src.push_back(b.source[e]);
            tgt.push_back(static_cast<std::uint32_t>(j));
            w.push_back(t.weight[s]);
            d.push_back(t.delay_steps[s]);
        }
    }
    expect_identical(from_arrays(300, 200, src, tgt, w, d), t);
    const auto in = t.in_degrees();
    for (std::size_t j = 0; j < 200; ++j) ASSERT_EQ(b.row_ptr[j + 1] - b.row_ptr[j], in[j]);
}

TEST(connectivity, from_arrays_sorts_rows_and_keeps_multapses_in_input_order) {
    const std::vector<std::uint32_t> src = {2, 0, 2, 1, 2, 0};
    const std::vector<std::uint32_t> tgt = {3, 1, 0, 2, 3, 0};
    const std::vector<float> w = {1, 2, 3, 4, 5, 6};
    const std::vector<std::uint16_t> d = {1, 2, 3, 4, 5, 6};
    const auto t = from_arrays(3, 4, src, tgt, w, d);
    ASSERT_NO_THROW(t.check_invariants());
    EXPECT_EQ(std::vector<std::uint64_t>(t.row_ptr.begin(), t.row_ptr.end()), (std::vector<std::uint64_t>{0, 2, 3, 6}));
    EXPECT_EQ(std::vector<std::uint32_t>(t.target.begin(), t.target.end()),
              (std::vector<std::uint32_t>{0, 1, 2, 0, 3, 3}));
    EXPECT_EQ(std::vector<float>(t.weight.begin(), t.weight.end()), (std::vector<float>{6, 2, 4, 3, 1, 5}));
    EXPECT_EQ(std::vector<std::uint16_t>(t.delay_steps.begin(), t.delay_steps.end()),
              (std::vector<std::uint16_t>{6, 2, 4, 3, 1, 5}));
    // Without weights and delays: 0 and 1 step.
    const auto u = from_arrays(3, 4, src, tgt);
    EXPECT_EQ(u.weight[0], 0.0f);
    EXPECT_EQ(u.delay_steps[0], 1);
    EXPECT_EQ(from_arrays(3, 4, {}, {}).size(), 0u);
}

TEST(connectivity, from_arrays_reports_what_is_wrong) {
    const std::vector<std::uint32_t> src = {0, 1, 2}, tgt = {0, 7, 1}, short_tgt = {0, 1};
    const std::vector<float> w = {1, std::nanf(""), 1};
    const std::vector<std::uint16_t> d = {1, 9, 1};
    EXPECT_EQ(error_of([&] { from_arrays(3, 4, src, short_tgt); }), "sources has 3 entries but targets has 2");
    EXPECT_EQ(error_of([&] { from_arrays(3, 4, src, tgt); }), "targets[1] = 7 is out of range [0, 4) (n_post = 4)");
    EXPECT_EQ(error_of([&] { from_arrays(2, 8, src, tgt); }), "sources[2] = 2 is out of range [0, 2) (n_pre = 2)");
    const std::vector<std::uint32_t> ok_tgt = {0, 1, 2};
    EXPECT_EQ(error_of([&] { from_arrays(3, 4, src, ok_tgt, w); }), "weights[1] = nan is not finite");
    EXPECT_EQ(error_of([&] { from_arrays(3, 4, src, ok_tgt, {}, d, 5); }), "delays[1] = 9 steps is outside [0, 5]");
    EXPECT_NE(error_of([&] { from_arrays(3, 4, src, ok_tgt, std::vector<float>{1, 2}); }).find("weights has 2 entries"),
              std::string::npos);
    EXPECT_EQ(error_of([&] { from_arrays(0, 4, {}, {}); }), "n_pre = 0: the presynaptic population is empty");
}

TEST(connectivity, check_dale_reports_the_first_negative_weight) {
    auto t = fixed_probability(20, 20, 0.5, true, 4, 0);
    initialise_weights(t, weight_distribution::constant(1.0), 4, 0);
    EXPECT_FALSE(check_dale(t).has_value());
    EXPECT_NO_THROW(require_dale(t, "EE"));
    // Put negative weights on the second and last synapse of row 3.
    const auto s = t.row_begin(3) + 1, last = t.row_end(3) - 1;
    t.weight[s] = -0.5f;
    t.weight[last] = -2.0f;
    const auto v = check_dale(t);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->pre, 3u);
    EXPECT_EQ(v->post, t.target[s]);
    EXPECT_EQ(v->synapse, s);
    EXPECT_EQ(v->weight, -0.5f);
    EXPECT_EQ(error_of([&] { require_dale(t, "IE"); }),
              "IE: synapse 3 -> " + std::to_string(t.target[s]) + " (index " + std::to_string(s) +
                  ") has weight -0.5; weights must be magnitudes >= 0 (the sign comes from the presynaptic population)");
    t.weight[s] = 1.0f;
    t.weight[last] = std::nanf("");
    ASSERT_TRUE(check_dale(t).has_value());
    EXPECT_EQ(check_dale(t)->synapse, last);
}

// ---- argument errors -------------------------------------------------------------------------

TEST(connectivity, bad_arguments_are_config_errors_naming_the_argument_and_values) {
    EXPECT_EQ(error_of([] { fixed_probability(10, 10, 1.5, true, 1, 0); }), "p = 1.5 is outside [0, 1]");
    EXPECT_EQ(error_of([] { fixed_probability(10, 10, -0.1, true, 1, 0); }), "p = -0.1 is outside [0, 1]");
    EXPECT_EQ(error_of([] { fixed_probability(10, 10, std::nan(""), true, 1, 0); }), "p = nan is outside [0, 1]");
    EXPECT_EQ(error_of([] { exact_count(2.0, 10, 10, true); }), "p = 2 is outside [0, 1]");
    EXPECT_EQ(error_of([] { fixed_probability(0, 10, 0.5, true, 1, 0); }), "n_pre = 0: the presynaptic population is empty");
    EXPECT_EQ(error_of([] { fixed_indegree(10, 0, 1, true, 1, 0); }), "n_post = 0: the postsynaptic population is empty");
    EXPECT_EQ(error_of([] { fixed_indegree(400, 400, 400, false, 1, 0); }),
              "k = 400 exceeds the 399 available sources per target (n_pre = 400, n_post = 400, autapses excluded)");
    EXPECT_EQ(error_of([] { fixed_indegree(400, 100, 401, true, 1, 0); }),
              "k = 401 exceeds the 400 available sources per target (n_pre = 400, n_post = 100, autapses allowed)");
    EXPECT_EQ(error_of([] { fixed_total_number(45, 45, 2000, false, 1, 0); }),
              "k_total = 2000 exceeds the 1980 allowed pairs (n_pre = 45, n_post = 45, autapses excluded)");
    EXPECT_EQ(error_of([] { fixed_total_number(1600, 400, 10, false, 1, 0); }),
              "autapses = false excludes the pairs (i, i) of a population onto itself, but n_pre = 1600 differs "
              "from n_post = 400");
    EXPECT_NE(error_of([] { weight_distribution::normal(-1.0, 1.0).validate(); }).find("mean = -1 must be finite and >= 0"),
              std::string::npos);
    EXPECT_EQ(error_of([] { weight_distribution::normal(1.0, -1.0).validate(); }), "sd = -1 must be finite and >= 0");
    EXPECT_NE(error_of([] { weight_distribution::normal(1.0, 1.0, -0.5).validate(); }).find("clip_low = -0.5"),
              std::string::npos);
    EXPECT_EQ(error_of([] { weight_distribution::normal(1.0, 1.0, 2.0, 1.0).validate(); }),
              "clip_high = 1 is below clip_low = 2");
    EXPECT_EQ(error_of([] { weight_distribution::normal_cv(1.0, -0.2); }), "cv = -0.2 must be finite and >= 0");
    EXPECT_EQ(error_of([] { weight_distribution::lognormal(0.0, 1.0).validate(); }),
              "mean = 0 must be finite and > 0 for a log-normal weight");
    EXPECT_NE(error_of([] { weight_distribution::constant(-3.0).validate(); }).find("weight = -3"), std::string::npos);
    // initialise_weights validates before touching the table.
    auto t = fixed_probability(10, 10, 0.5, true, 1, 0);
    EXPECT_THROW(initialise_weights(t, weight_distribution::lognormal(-1.0, 1.0), 1, 0), config_error);
    EXPECT_EQ(moments_of(t).max, 0.0);
}

TEST(connectivity, all_to_all_has_every_allowed_pair_once) {
    for (bool autapses : {true, false}) {
        const auto t = all_to_all(7, 7, autapses);
        t.check_invariants();
        EXPECT_EQ(t.size(), autapses ? 49u : 42u);
        for (std::size_t i = 0; i < 7; ++i) {
            std::set<std::uint32_t> targets(t.target.begin() + static_cast<std::ptrdiff_t>(t.row_begin(i)),
                                            t.target.begin() + static_cast<std::ptrdiff_t>(t.row_end(i)));
            EXPECT_EQ(targets.size(), t.out_degree(i));
            EXPECT_EQ(targets.count(static_cast<std::uint32_t>(i)), autapses ? 1u : 0u);
        }
    }
    EXPECT_EQ(all_to_all(3, 5, true).size(), 15u);
    EXPECT_THROW(all_to_all(3, 5, false), einet::config_error);  // autapses need pre = post
}

TEST(connectivity, from_dense_keeps_the_non_zero_entries_with_their_weights) {
    // W[post][pre], 2 targets x 3 sources.
    const std::vector<float> W{0.5f, 0.0f, 2.0f,
                               0.0f, 1.5f, 0.0f};
    const auto t = from_dense(3, 2, W, false, 4);
    t.check_invariants();
    ASSERT_EQ(t.size(), 3u);
    std::map<std::pair<std::uint32_t, std::uint32_t>, float> got;
    for (std::uint32_t i = 0; i < 3; ++i) {
        for (auto k = t.row_begin(i); k < t.row_end(i); ++k) {
            got[{i, t.target[k]}] = t.weight[k];
            EXPECT_EQ(t.delay_steps[k], 4);
        }
    }
    const std::map<std::pair<std::uint32_t, std::uint32_t>, float> want{{{0, 0}, 0.5f}, {{2, 0}, 2.0f}, {{1, 1}, 1.5f}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(from_dense(3, 2, W, true).size(), 6u);
    EXPECT_THROW(from_dense(3, 2, std::vector<float>(5, 1.0f)), einet::config_error);
    EXPECT_THROW(from_dense(3, 2, std::vector<float>{1, 1, 1, 1, -1, 1}), einet::config_error);
}
