// Initial weights of the 80/20 multi-unit rate model (config::initialise_weights, spec 001 §3):
// per network one class total T ~ U[lo, hi], per synapse the spread around m = T / partners —
// normal with SD 0.1·m (Figs. 5G/6G), log-normal with arithmetic mean m and arithmetic SD 0.05
// (Fig. S5) — and no self-connections.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/config/rate_setup.hpp"

namespace {

struct class_moments {
    double mean = 0, sd = 0, log_mean = 0, log_var = 0, min = 1e300;
    std::size_t n = 0, diagonal_nonzero = 0;
};

// Moments of the off-diagonal synapses of projection q in network b.
class_moments moments(const einet::engine::rate_engine& eng, std::size_t q, std::size_t b) {
    const auto& net = eng.network();
    const auto& pr = net.projections[q];
    const std::size_t n_post = net.populations[pr.post].n, n_pre = net.populations[pr.pre].n;
    std::vector<double> w;
    class_moments m;
    for (std::size_t i = 0; i < n_post; ++i) {
        for (std::size_t j = 0; j < n_pre; ++j) {
            const double x = eng.weights(q)[(i * n_pre + j) * eng.batch() + b];
            if (pr.post == pr.pre && i == j) {
                m.diagonal_nonzero += x != 0.0;
                continue;
            }
            w.push_back(x);
        }
    }
    m.n = w.size();
    for (double x : w) {
        m.mean += x / static_cast<double>(m.n);
        m.log_mean += std::log(std::max(x, 1e-300)) / static_cast<double>(m.n);
        m.min = std::min(m.min, x);
    }
    for (double x : w) {
        m.sd += (x - m.mean) * (x - m.mean) / static_cast<double>(m.n - 1);
        const double l = std::log(std::max(x, 1e-300)) - m.log_mean;
        m.log_var += l * l / static_cast<double>(m.n - 1);
    }
    m.sd = std::sqrt(m.sd);
    return m;
}

einet::engine::rate_engine initialised(const std::string& spread, std::size_t batch) {
    const std::string toml =
        "[experiment]\nstudy = \"trial_plasticity\"\n[run]\nseed = 44\nbatch = " + std::to_string(batch) +
        "\n[model]\nE.n = 80\nI.n = 20\n[weights]\ntotal = true\nsynapse_spread = \"" + spread +
        "\"\nEE = {dist = \"uniform\", low = 1, high = 6}\nEI = {dist = \"uniform\", low = 0.5, high = 2}\n"
        "IE = {dist = \"uniform\", low = 5, high = 7}\nII = {dist = \"uniform\", low = 0.5, high = 2}\n";
    const auto cfg = einet::config::load(toml, "test", {});
    einet::engine::rate_engine eng(einet::config::build_rate_network(cfg), batch, 44);
    einet::config::initialise_weights(cfg, eng);
    return eng;
}

struct class_range {
    const char* label;
    double lo, hi, partners;
};
// Spec 001 §3 (statistics row) and A7: totals over the presynaptic partners 79, 20, 80, 19.
const class_range ranges[] = {{"EE", 1, 6, 79}, {"EI", 0.5, 2, 20}, {"IE", 5, 7, 80}, {"II", 0.5, 2, 19}};

std::size_t projection(const einet::engine::rate_engine& eng, const std::string& label) {
    const auto& p = eng.network().projections;
    for (std::size_t q = 0; q < p.size(); ++q) {
        if (p[q].label == label) return q;
    }
    ADD_FAILURE() << "no projection " << label;
    return 0;
}

// Calls check(class range, moments) for every class of every network (no self-connections asserted).
template <class F>
void for_each_class(const einet::engine::rate_engine& eng, F&& check) {
    for (const auto& c : ranges) {
        const auto q = projection(eng, c.label);
        for (std::size_t b = 0; b < eng.batch(); ++b) {
            const auto m = moments(eng, q, b);
            SCOPED_TRACE(std::string(c.label) + " network " + std::to_string(b));
            EXPECT_EQ(m.diagonal_nonzero, 0u);
            check(c, m);
        }
    }
}

}  // namespace

TEST(rate_weight_init, normal_spread_has_sd_one_tenth_of_the_class_mean) {
    for_each_class(initialised("normal", 6), [](const class_range& c, const class_moments& m) {
        const double se = 0.1 * m.mean / std::sqrt(static_cast<double>(m.n));
        // The class total T = m·partners lies in its range (to the sampling error of m).
        EXPECT_GT(m.mean * c.partners, c.lo - 5 * se * c.partners);
        EXPECT_LT(m.mean * c.partners, c.hi + 5 * se * c.partners);
        EXPECT_NEAR(m.sd / m.mean, 0.1, 5 * 0.1 / std::sqrt(2.0 * static_cast<double>(m.n)));
    });
}

TEST(rate_weight_init, lognormal_spread_has_arithmetic_mean_m_and_sd_0_05) {
    // log w ~ N(ln m − σ²/2, σ²) with σ² = ln(1 + 0.05²/m²): estimate σ² and m from the log
    // moments (robust where the arithmetic SD of a heavy-tailed class is not) and check both.
    for_each_class(initialised("lognormal", 6), [](const class_range& c, const class_moments& m) {
        EXPECT_GT(m.min, 0.0);
        const double s2 = m.log_var, mean = std::exp(m.log_mean + 0.5 * s2);
        const double n = static_cast<double>(m.n);
        // 5 standard errors of the implied SD (delta method: SE(σ̂²) = σ²·√(2/n), SE(ln m̂) ≈ √(σ²/n)).
        const double dlnsd_ds2 = std::exp(s2) / (2 * std::expm1(s2));
        const double rel_se = std::hypot(dlnsd_ds2 * s2 * std::sqrt(2.0 / n), std::sqrt(s2 / n));
        EXPECT_NEAR(mean * std::sqrt(std::expm1(s2)), 0.05, 5 * 0.05 * rel_se);
        EXPECT_GT(mean * c.partners, c.lo * (1 - 5 * std::sqrt(s2 / n)));
        EXPECT_LT(mean * c.partners, c.hi * (1 + 5 * std::sqrt(s2 / n)));
    });
}
