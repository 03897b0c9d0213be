// model.weight_storage = "float16" (include/einet/core/half.hpp, src/engine/weight_columns.hpp):
// the binary16 conversions, and the 80/20 network's rates with binary16 weight copies against the
// float32 kernel within bounds derived from the rounding (unit roundoff 2^-11 of binary16, 2^-24
// of float), for one step (rigorous) and for one trial (linear response at the Up state).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../../src/engine/weight_columns.hpp"  // internal to engine/: the kernel's vector load
#include "einet/config/config.hpp"
#include "einet/config/rate_setup.hpp"
#include "einet/core/half.hpp"
#include "einet/core/rng.hpp"
#include "einet/engine/rate_engine.hpp"

using namespace einet;

namespace {

constexpr double u16 = 0x1p-11, u32 = 0x1p-24;  // unit roundoffs of binary16 and float
constexpr std::size_t NE = 80, NI = 20, N = NE + NI;

TEST(half, every_finite_pattern_round_trips_through_float_and_double) {
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaNs
        const float f = half_to_float(static_cast<std::uint16_t>(h));
        ASSERT_EQ(half_from_double(f), h) << h;
#if defined(__FLT16_MAX__)
        ASSERT_EQ(f, static_cast<float>(static_cast<_Float16>(f))) << h;
#endif
    }
    EXPECT_EQ(half_to_float(0x3c00), 1.0f);
    EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(half_to_float(0x0001), 0x1p-24f);
}

TEST(half, rounds_to_nearest_even_once_and_overflows_to_infinity) {
    EXPECT_EQ(half_from_double(1.0 + 0x1p-11), 0x3c00);             // tie -> even (1)
    EXPECT_EQ(half_from_double(1.0 + 3 * 0x1p-11), 0x3c02);         // tie -> even (1 + 2^-9)
    EXPECT_EQ(half_from_double(1.0 + 0x1p-11 + 0x1p-40), 0x3c01);   // above the tie: up (no double rounding)
    EXPECT_EQ(half_from_double(65519.99), 0x7bff);
    EXPECT_EQ(half_from_double(65520.0), 0x7c00);
    EXPECT_EQ(half_from_double(-1e6), 0xfc00);
    EXPECT_EQ(half_from_double(0x1p-25), 0x0000);       // subnormal tie -> even (0)
    EXPECT_EQ(half_from_double(3 * 0x1p-25), 0x0002);   // subnormal tie -> even (2·2^-24)
    EXPECT_EQ(half_from_double(0x1p-14 - 0x1p-26), 0x0400);  // rounds up into the smallest normal
    EXPECT_EQ(half_from_double(-0.0), 0x8000);
#if defined(__FLT16_MAX__)
    auto r = rng::philox(5, rng::purpose::weight_init, 0, 0);
    for (std::uint64_t k = 0; k < 200000; ++k) {
        if (k % 4 == 0) r = rng::philox(5, rng::purpose::weight_init, 0, k);
        const double x = std::ldexp(rng::uniform_open(r[k % 4]) - 0.5, static_cast<int>(k % 40) - 26);
        _Float16 ref = static_cast<_Float16>(x);  // GCC: one correctly rounded conversion
        std::uint16_t bits;
        std::memcpy(&bits, &ref, 2);
        ASSERT_EQ(half_from_double(x), bits) << x;
    }
#endif
}

TEST(half, the_kernels_vector_load_widens_exactly) {
    typedef float v16 __attribute__((vector_size(64)));
    typedef float v8 __attribute__((vector_size(32)));
    std::vector<std::uint16_t> all(0x10000);
    for (std::uint32_t h = 0; h < 0x10000; ++h) all[h] = static_cast<std::uint16_t>(h);
    for (std::uint32_t h = 0; h < 0x10000; h += 16) {
        const v16 a = engine::load_columns<v16, float>(all.data() + h);
        const v8 b = engine::load_columns<v8, float>(all.data() + h + 8);
        for (int l = 0; l < 16; ++l) {
            const float ref = half_to_float(all[h + l]);
            if (!std::isnan(ref)) {  // NaNs: any NaN
                ASSERT_EQ(a[l], ref) << h + l;
            }
            if (l < 8 && !std::isnan(half_to_float(all[h + 8 + l]))) {
                ASSERT_EQ(b[l], half_to_float(all[h + 8 + l])) << h + 8 + l;
            }
        }
    }
}

// 80/20 network at set-point-consistent class totals (001 Methods Eqs. 4–5 with E = 5, I = 14 Hz:
// 5·W_EE − 14·W_EI = θ_E + 5/g_E, 5·W_IE − 14·W_II = θ_I + 14/g_I), synapses spread by 10 %.
config::resolved_config network_config(const std::string& storage, std::size_t batch) {
    const std::string toml = "[experiment]\nstudy = \"trial_plasticity\"\n[run]\nseed = 3\nbatch = " + std::to_string(batch) +
                             "\n[model]\nE.n = 80\nI.n = 20\nprecision = \"float32\"\nweight_storage = \"" + storage +
                             "\"\n[weights]\ntotal = true\nsynapse_spread = \"normal\"\n"
                             "EE = 5\nEI = 1.0857142857142857\nIE = 7\nII = 0.4642857142857143\n";
    return config::load(toml, "test", {});
}

struct pair_of_engines {
    engine::rate_engine f32, f16;
};

pair_of_engines engines(std::size_t batch) {
    auto c32 = network_config("float32", batch), c16 = network_config("float16", batch);
    pair_of_engines e{engine::rate_engine(config::build_rate_network(c32), batch, 3),
                      engine::rate_engine(config::build_rate_network(c16), batch, 3)};
    config::initialise_weights(c32, e.f32);
    config::initialise_weights(c16, e.f16);
    return e;
}

// W[i][j] with the inhibitory sign folded in, network b (projections EE, EI, IE, II).
Eigen::MatrixXd weight_matrix(engine::rate_engine& eng, std::size_t b) {
    Eigen::MatrixXd W = Eigen::MatrixXd::Zero(N, N);
    const std::size_t off[2] = {0, NE}, n[2] = {NE, NI};
    for (std::size_t q = 0; q < 4; ++q) {
        const std::size_t post = q / 2, pre = q % 2;
        for (std::size_t i = 0; i < n[post]; ++i) {
            for (std::size_t j = 0; j < n[pre]; ++j) W(off[post] + i, off[pre] + j) = (pre ? -1.0 : 1.0) * eng.weight(q, i, j, b);
        }
    }
    return W;
}

Eigen::VectorXd rates_of(engine::rate_engine& eng, std::size_t b) {
    Eigen::VectorXd r(N);
    const std::size_t B = eng.batch();
    for (std::size_t i = 0; i < NE; ++i) r[i] = eng.rates(0)[i * B + b];
    for (std::size_t i = 0; i < NI; ++i) r[NE + i] = eng.rates(1)[i * B + b];
    return r;
}

TEST(weight_storage, one_step_differs_from_float32_within_the_rounding_bound) {
    // One Euler step from random rates, same noise: the drives differ by Σ_j (h(W_ij) − f(W_ij))·r_j,
    // |h(w) − f(w)| ≤ (2^-11 + 2^-24)|w| (all weights are binary16 normals here), plus each
    // kernel's float summation error ≤ γ_101·(|η_i| + S_i), S_i = Σ_j |W_ij|·r_j; then
    // |δr'_i| ≤ (dt/τ)·g·|δd_i| (max and min are 1-Lipschitz) plus the last roundings of both.
    const std::size_t B = 4;
    auto e = engines(B);
    for (auto* eng : {&e.f32, &e.f16}) {
        for (std::size_t p = 0; p < 2; ++p) {
            for (std::size_t k = 0; k < (p ? NI : NE) * B; ++k) {
                const auto r = rng::philox(11, rng::purpose::weight_init, static_cast<std::uint32_t>(p), k);
                eng->rates(p)[k] = (p ? 40.0 : 15.0) * rng::uniform_open(r[0]);
            }
        }
        eng->begin_segment(false);
    }
    std::vector<Eigen::VectorXd> before;
    for (std::size_t b = 0; b < B; ++b) before.push_back(rates_of(e.f32, b).cast<float>().cast<double>());
    e.f32.run(1, nullptr, 1);
    e.f16.run(1, nullptr, 1);
    const double gamma = 101 * u32 / (1 - 101 * u32);
    double worst = 0, largest = 0;
    for (std::size_t b = 0; b < B; ++b) {
        const Eigen::MatrixXd W = weight_matrix(e.f32, b);
        ASSERT_EQ(W, weight_matrix(e.f16, b));  // the master weights are the same doubles
        const Eigen::VectorXd S = W.cwiseAbs() * before[b], r32 = rates_of(e.f32, b), r16 = rates_of(e.f16, b);
        for (std::size_t i = 0; i < N; ++i) {
            const bool is_e = i < NE;
            const double a = is_e ? 0.01 : 0.05, g = is_e ? 1.0 : 4.0, theta = is_e ? 4.8 : 25.0;
            const double eta = std::fabs(is_e ? e.f32.noise(0)[i * B + b] : e.f32.noise(1)[(i - NE) * B + b]);
            const double dd = (u16 + u32) * S[i] + 2 * gamma * (eta + S[i]) + 4 * u32 * (theta + eta + S[i]);
            const double bound = a * g * dd + 4 * u32 * (before[b][i] + std::fabs(r32[i]));
            ASSERT_LE(std::fabs(r16[i] - r32[i]), bound) << "network " << b << " unit " << i;
            worst = std::max(worst, std::fabs(r16[i] - r32[i]) / bound);
            largest = std::max(largest, std::fabs(r16[i] - r32[i]));
        }
    }
    EXPECT_GT(largest, 0.0);  // the binary16 copy is what the sums used
    std::printf("one step: largest |r16 - r32| %.3g Hz, at most %.3f of the bound\n", largest, worst);
}

TEST(weight_storage, one_trials_mean_rates_within_the_linear_response_bound) {
    // A whole trial (kick at 249.9 ms, OU noise, 2 s) in both storages, rates averaged over the last
    // 0.5 s. At a stable Up state r = f(W r + η), a weight perturbation δW moves the rates by
    // δr = (I − D W)^-1 D δW r (D = g on units between 0 and r_max); with |δW| ≤ 2^-11 |W| and both
    // kernels' float summation errors, |δr| ≤ |(I − D W)^-1| D ((2^-11 + 2^-24 + 2 γ_101) |W| r).
    const std::size_t B = 4, steps = 20000, tail = 5000, every = 100;
    auto e = engines(B);
    for (auto* eng : {&e.f32, &e.f16}) eng->begin_segment(true);
    std::vector<Eigen::VectorXd> m32(B, Eigen::VectorXd::Zero(N)), m16(B, Eigen::VectorXd::Zero(N));
    e.f32.run(steps - tail, nullptr, 1);
    e.f16.run(steps - tail, nullptr, 1);
    for (std::size_t s = 0; s < tail; s += every) {
        e.f32.run(every, nullptr, 1);
        e.f16.run(every, nullptr, 1);
        for (std::size_t b = 0; b < B; ++b) {
            m32[b] += rates_of(e.f32, b) / static_cast<double>(tail / every);
            m16[b] += rates_of(e.f16, b) / static_cast<double>(tail / every);
        }
    }
    const double gamma = 101 * u32 / (1 - 101 * u32);
    double worst = 0, largest_rel = 0;
    for (std::size_t b = 0; b < B; ++b) {
        ASSERT_GT(m32[b].head(NE).mean(), 1.0) << "network " << b << " is not in the Up state";
        const Eigen::MatrixXd W = weight_matrix(e.f32, b);
        Eigen::VectorXd D(N);
        for (std::size_t i = 0; i < N; ++i) {
            const double rmax = i < NE ? 100.0 : 250.0;
            D[i] = m32[b][i] > 0 && m32[b][i] < rmax ? (i < NE ? 1.0 : 4.0) : 0.0;
        }
        const Eigen::MatrixXd R = (Eigen::MatrixXd::Identity(N, N) - D.asDiagonal() * W).inverse();
        const Eigen::VectorXd bound =
            R.cwiseAbs() * (D.asDiagonal() * ((u16 + u32 + 2 * gamma) * (W.cwiseAbs() * m32[b])));
        for (std::size_t i = 0; i < N; ++i) {
            const double diff = std::fabs(m16[b][i] - m32[b][i]);
            ASSERT_LE(diff, bound[i]) << "network " << b << " unit " << i;
            worst = std::max(worst, diff / bound[i]);
            if (m32[b][i] > 1) largest_rel = std::max(largest_rel, diff / m32[b][i]);
        }
    }
    std::printf("one trial: largest relative difference %.3g (units above 1 Hz), at most %.3f of the bound\n",
                largest_rel, worst);
}

}  // namespace
