// The batched rate integrator (include/einet/engine/rate_engine.hpp): forward-Euler closed
// forms, the Fig. 1B Up state, saturation, OU noise statistics, and bit-identity across thread
// counts and batch sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "einet/analysis/two_population.hpp"
#include "einet/core/rng.hpp"
#include "einet/engine/rate_engine.hpp"

using namespace einet;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

network::rate_network quiet_network() {
    auto net = network::wilson_cowan_two_population();
    net.noise.sigma = 0.0;
    return net;
}

void set_weights(engine::rate_engine& eng, std::size_t b, double EE, double EI, double IE, double II) {
    eng.weight(0, 0, 0, b) = EE;
    eng.weight(1, 0, 0, b) = EI;
    eng.weight(2, 0, 0, b) = IE;
    eng.weight(3, 0, 0, b) = II;
}

// Networks with random weights around the Up-state regime, keyed by network index only.
engine::rate_engine random_batch(std::size_t batch) {
    auto net = network::wilson_cowan_two_population();  // noise σ = 10 s^-1/2
    net.steps.push_back({0, 7.0, 10.0, 10.0});          // a kick at 10 ms
    engine::rate_engine eng(net, batch, 1234);
    for (std::size_t b = 0; b < batch; ++b) {
        const auto u = rng::philox(99, rng::purpose::weight_init, static_cast<std::uint32_t>(b), 0);
        set_weights(eng, b, 3.0 + 4.0 * rng::uniform_open(u[0]), 0.5 + 1.5 * rng::uniform_open(u[1]),
                    7.0 + 6.0 * rng::uniform_open(u[2]), 0.5 + 1.5 * rng::uniform_open(u[3]));
    }
    return eng;
}

}  // namespace

TEST(rate_engine, euler_relaxation_matches_closed_form) {
    auto net = quiet_network();
    net.steps.push_back({0, 10.0, 0.0, inf});  // tonic drive, no recurrence (weights 0)
    engine::rate_engine eng(net, 1, 1);
    const double f = 1.0 * (10.0 - 4.8), a = 0.1 / 10.0;
    for (int n : {1, 10, 100, 1000}) {
        eng.begin_segment(true);
        eng.run(static_cast<std::size_t>(n), nullptr, 1);
        EXPECT_NEAR(eng.rates(0)[0], f * (1.0 - std::pow(1.0 - a, n)), 1e-12) << "n = " << n;
        EXPECT_EQ(eng.rates(1)[0], 0.0);  // I below threshold
    }
    eng.run(20000, nullptr, 1);
    EXPECT_NEAR(eng.rates(0)[0], f, 1e-12);  // the fixed point is g(x − θ)
}

TEST(rate_engine, saturation_clips_at_r_max) {
    auto net = quiet_network();
    net.steps.push_back({0, 1000.0, 0.0, inf});
    engine::rate_engine eng(net, 1, 1);
    eng.run(5000, nullptr, 1);
    EXPECT_EQ(eng.rates(0)[0], 100.0);
}

TEST(rate_engine, kicked_fig1b_network_settles_to_the_analytic_up_state) {
    auto net = quiet_network();
    net.steps.push_back({0, 7.0, 0.0, 10.0});
    engine::rate_engine eng(net, 1, 1);
    set_weights(eng, 0, 5.0, 1.52, 10.0, 2.25);
    eng.run(30000, nullptr, 1);
    const auto up = analysis::up_state({}, {5.0, 1.52, 10.0, 2.25});
    EXPECT_NEAR(eng.rates(0)[0], up.E, 1e-6);
    EXPECT_NEAR(eng.rates(1)[0], up.I, 1e-6);
    EXPECT_NEAR(eng.rates(0)[0], 5.0, 1e-6);
    EXPECT_NEAR(eng.rates(1)[0], 10.0, 1e-6);
    // Fig. 1B: a tonic input of 7 into I lowers I (paradoxical), to the analytic values.
    eng.add_step_input({1, 7.0, static_cast<double>(eng.segment_step()) * 0.1, inf});
    eng.run(30000, nullptr, 1);
    EXPECT_NEAR(eng.rates(0)[0], 192.0 / 65.0, 1e-6);
    EXPECT_NEAR(eng.rates(1)[0], 60.0 / 13.0, 1e-6);
}

TEST(rate_engine, bit_identical_for_any_thread_count) {
    auto one = random_batch(200), two = random_batch(200);
    one.run(3000, nullptr, 1);
    two.run(3000, nullptr, 2);
    for (std::size_t p = 0; p < 2; ++p) {
        EXPECT_EQ(std::memcmp(one.rates(p), two.rates(p), 200 * sizeof(double)), 0) << "rates of population " << p;
        EXPECT_EQ(std::memcmp(one.noise(p), two.noise(p), 200 * sizeof(double)), 0) << "noise of population " << p;
    }
    double active = 0;
    for (std::size_t b = 0; b < 200; ++b) active += one.rates(0)[b] > 1.0;
    EXPECT_GT(active, 0);  // the comparison is not of silent networks
    EXPECT_NE(one.noise(0)[0], one.noise(0)[1]);
}

TEST(rate_engine, a_network_does_not_depend_on_batch_size_or_chunk_position) {
    // Network b of batches of different sizes: same stream, same bits, whether its chunk is full
    // (SIMD) or a remainder (network 129 of 130 is in a chunk of 2).
    auto small = random_batch(10), mid = random_batch(101), large = random_batch(130), huge = random_batch(200);
    for (auto* e : {&small, &mid, &large, &huge}) e->run(3000, nullptr, 2);
    auto same = [](const engine::rate_engine& x, engine::rate_engine& y, std::size_t bx, std::size_t by) {
        for (std::size_t p = 0; p < 2; ++p) {
            EXPECT_EQ(x.rates(p)[bx], y.rates(p)[by]) << "population " << p << " network " << bx;
            EXPECT_EQ(const_cast<engine::rate_engine&>(x).noise(p)[bx], y.noise(p)[by]);
        }
    };
    same(small, large, 5, 5);
    same(mid, large, 100, 100);
    same(large, huge, 129, 129);
    EXPECT_NE(large.noise(0)[5], large.noise(0)[6]);
}

TEST(rate_engine, ou_noise_has_the_stationary_variance) {
    // dη = −η/τ dt + σ dW, σ in s^-1/2 and τ in ms: Var = σ² τ 1e-3 / 2 (exact scheme, any dt);
    // Euler–Maruyama: Var = σ² dt 1e-3 / (1 − (1 − dt/τ)²) (0.229² for 001's numbers).
    struct scheme {
        bool exact;
        double dt, want;
    };
    for (const auto& s : {scheme{true, 0.5, 100.0 * 1e-3 / 2.0}, scheme{false, 0.1, 100.0 * 1e-4 / (1.0 - 0.81)}}) {
        auto net = quiet_network();
        net.dt = s.dt;
        net.noise = {1.0, 10.0, s.exact};
        engine::rate_engine eng(net, 256, 7);
        eng.run(200, nullptr, 1);  // burn-in
        double sum = 0, sum2 = 0, count = 0;
        for (int k = 0; k < 1000; ++k) {
            eng.run(static_cast<std::size_t>(std::llround(2.0 / s.dt)), nullptr, 1);  // samples 2τ apart
            for (std::size_t p = 0; p < 2; ++p) {
                for (std::size_t b = 0; b < 256; ++b) {
                    sum += eng.noise(p)[b];
                    sum2 += eng.noise(p)[b] * eng.noise(p)[b];
                    ++count;
                }
            }
        }
        const double mean = sum / count, var = sum2 / count - mean * mean;
        EXPECT_NEAR(var / s.want, 1.0, 0.01) << (s.exact ? "exact" : "euler_maruyama");
        EXPECT_LT(std::abs(mean), 5.0 * std::sqrt(s.want / count * 3.0));
    }
}

TEST(rate_engine, find_nonfinite_names_group_and_network) {
    engine::rate_engine eng(quiet_network(), 5, 1);
    EXPECT_FALSE(eng.find_nonfinite().has_value());
    eng.weight(2, 0, 0, 3) = std::numeric_limits<double>::quiet_NaN();
    auto bad = eng.find_nonfinite();
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->what, "weight");
    EXPECT_EQ(bad->group, 2u);  // class IE
    EXPECT_EQ(eng.network().projections[bad->group].label, "IE");
    EXPECT_EQ(bad->network, 3u);
    eng.rates(1)[4] = inf;  // rates are reported first
    bad = eng.find_nonfinite();
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->what, "rate");
    EXPECT_EQ(bad->group, 1u);
    EXPECT_EQ(bad->network, 4u);
}

// The fused kernel (populations of one unit each) and the general kernel must compute the same
// numbers: a third, disconnected single-unit population sends the same two-population network
// through the general path.
TEST(rate_engine, fused_and_general_kernels_agree_bit_for_bit) {
    for (auto order : {einet::network::update_order::sequential, einet::network::update_order::simultaneous}) {
        auto two = einet::network::wilson_cowan_two_population();
        two.order = order;
        two.steps.push_back({0, 7.0, 24.9, 1.0});
        two.poisson_kicks.push_back({0, 5.0, 2.0, 200.0, -1.0});
        auto three = two;
        three.populations.push_back({"X", 1, true, 5.0, {1.0, 0.0, 100.0}});
        const std::size_t batch = 37;
        einet::engine::rate_engine fused(two, batch, 11), general(three, batch, 11);
        for (std::size_t q = 0; q < 4; ++q) {
            for (std::size_t b = 0; b < batch; ++b) {
                const double w = 1.0 + 0.1 * static_cast<double>(q) + 0.01 * static_cast<double>(b);
                fused.weight(q, 0, 0, b) = w;
                general.weight(q, 0, 0, b) = w;
            }
        }
        fused.begin_segment(true);
        general.begin_segment(true);
        fused.run(3000, nullptr, 2);
        general.run(3000, nullptr, 2);
        for (std::size_t p = 0; p < 2; ++p) {
            for (std::size_t b = 0; b < batch; ++b) {
                ASSERT_EQ(fused.rates(p)[b], general.rates(p)[b]) << "population " << p << " network " << b;
                ASSERT_EQ(fused.noise(p)[b], general.noise(p)[b]);
            }
        }
    }
}
