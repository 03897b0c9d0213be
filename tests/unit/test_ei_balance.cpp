// The E/I balance statistic on synthetic currents with closed-form ratio and correlation.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "einet/analysis/spike_statistics.hpp"
#include "einet/core/error.hpp"

using namespace einet;

TEST(ei_balance, ratio_and_correlation_have_their_closed_forms) {
    // Neuron k: E = a_k + s(t), I = −(b_k + c_k s(t) + u(t)) with s, u sines of different
    // frequencies over whole periods: exactly zero mean and uncorrelated on the grid, each of
    // variance 1/2. So the ratio is b_k/a_k and corr(E, −I) = c_k / sqrt(c_k² + 1).
    const std::size_t T = 1000, N = 3;
    const double a[N] = {100, 50, 10}, b[N] = {80, 50, 30}, c[N] = {1.0, 3.0, 0.0};
    std::vector<double> E(T * N), I(T * N);
    for (std::size_t t = 0; t < T; ++t) {
        const double phase = 2 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(T);
        const double s = std::sin(3 * phase), u = std::sin(7 * phase);
        for (std::size_t k = 0; k < N; ++k) {
            E[t * N + k] = a[k] + s;
            I[t * N + k] = -(b[k] + c[k] * s + u);
        }
    }
    const auto r = analysis::ei_current_balance(E.data(), I.data(), T, N);
    for (std::size_t k = 0; k < N; ++k) {
        EXPECT_NEAR(r.ratio[k], b[k] / a[k], 1e-12);
        EXPECT_NEAR(r.correlation[k], c[k] / std::sqrt(c[k] * c[k] + 1), 1e-12);
    }
    EXPECT_NEAR(r.mean_ratio, (0.8 + 1.0 + 3.0) / 3, 1e-12);
    EXPECT_NEAR(r.mean_correlation, (1 / std::sqrt(2.0) + 3 / std::sqrt(10.0) + 0.0) / 3, 1e-12);
}

TEST(ei_balance, undefined_values_are_nan_and_left_out_of_the_means) {
    // Neuron 0: constant currents (no correlation); neuron 1: no excitation (no ratio).
    const std::vector<double> E{5, 0, 5, 1, 5, 2}, I{-4, -1, -4, -3, -4, -2};
    const auto r = analysis::ei_current_balance(E.data(), I.data(), 3, 2);
    EXPECT_DOUBLE_EQ(r.ratio[0], 0.8);
    EXPECT_DOUBLE_EQ(r.ratio[1], 2.0);  // ⟨E⟩ = 1, ⟨I⟩ = −2
    EXPECT_TRUE(std::isnan(r.correlation[0]));
    EXPECT_NEAR(r.correlation[1], 0.5, 1e-12);  // E = 0,1,2; −I = 1,3,2
    EXPECT_NEAR(r.mean_correlation, 0.5, 1e-12);
    const std::vector<double> none{0, 0};
    EXPECT_TRUE(std::isnan(analysis::ei_current_balance(none.data(), none.data(), 2, 1).ratio[0]));
    EXPECT_THROW(analysis::ei_current_balance(E.data(), I.data(), 0, 2), config_error);
}
