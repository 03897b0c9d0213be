// The spiking engine in float32 precision (network.real, run.precision): the float state is
// authoritative inside run(), the double accessors a mirror (spiking_engine.hpp). These tests hold
// what float32 must keep from float64: bit-identical results for any thread count, checkpoints that
// resume bit-identically, state-reading hooks that neither perturb the run nor lose what they
// write; and its accuracy: a single neuron against the closed-form step response and f–I curve,
// a noisy network's rates against float64.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/engine/spike_policies.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "spiking_test_networks.hpp"

using namespace einet;

namespace {

using network::precision;

// Spikes as (step, population, id), reading nothing else.
struct spikes_only final : engine::spike_hook {
    std::vector<std::array<std::uint64_t, 3>> spikes;
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < e.network().populations.size(); ++p) {
            for (auto i : e.spikes(p)) spikes.push_back({e.step(), p, i});
        }
    }
    bool reads_state(std::uint64_t) const override { return false; }
};

// Spikes, and V of neuron `watch` of population 0 after every step (a state-reading hook); at
// step `kick_at` it writes V of that neuron (0: never).
struct reads_v final : engine::spike_hook {
    std::vector<std::array<std::uint64_t, 3>> spikes;
    std::vector<double> v;
    std::size_t watch = 0;
    std::uint64_t kick_at = 0;
    double kick_to = 0.0;
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < e.network().populations.size(); ++p) {
            for (auto i : e.spikes(p)) spikes.push_back({e.step(), p, i});
        }
        v.push_back(e.V(0)[watch]);
        if (e.step() == kick_at) e.V(0)[watch] = kick_to;
    }
};

network::spiking_network noisy(precision real, std::size_t n_e = 300, std::size_t n_i = 75) {
    auto net = einet_test::noisy_ei_network(n_e, n_i);
    net.real = real;
    return net;
}

std::vector<engine::state_array> state_of(const engine::spiking_engine& e) { return e.snapshot(); }

}  // namespace

TEST(spiking_float32, runs_are_bit_identical_for_one_two_and_three_threads) {
    auto record = [](int threads) {
        engine::spiking_engine e(noisy(precision::float32), 9);
        e.set_min_neurons_per_thread(1);
        spikes_only log;
        e.run(2000, &log, threads);
        return std::make_pair(log.spikes, state_of(e));
    };
    const auto one = record(1);
    EXPECT_GT(one.first.size(), 500u);
    for (int threads : {2, 3}) {
        const auto many = record(threads);
        EXPECT_EQ(one.first, many.first) << threads << " threads";
        ASSERT_EQ(one.second.size(), many.second.size());
        for (std::size_t a = 0; a < one.second.size(); ++a) EXPECT_EQ(one.second[a].values, many.second[a].values) << one.second[a].name;
    }
}

TEST(spiking_float32, the_state_is_held_in_float_and_mirrored_in_double_after_a_run) {
    engine::spiking_engine e(noisy(precision::float32), 9);
    EXPECT_EQ(e.precision(), precision::float32);
    e.run(500, nullptr, 1);
    bool moved = false;
    for (std::size_t p = 0; p < 2; ++p) {
        for (std::size_t i = 0; i < e.network().populations[p].n; ++i) {
            const double v = e.V(p)[i], s = e.receptor_current(p, 0)[i];
            EXPECT_EQ(v, static_cast<double>(static_cast<float>(v)));  // every value a float
            EXPECT_EQ(s, static_cast<double>(static_cast<float>(s)));
            moved = moved || v != e.network().populations[p].V0[i];
        }
    }
    EXPECT_TRUE(moved);
    EXPECT_NE(e.adaptation(0), nullptr);
}

TEST(spiking_float32, a_checkpoint_resumes_bit_identically) {
    engine::spiking_engine whole(noisy(precision::float32), 4);
    spikes_only a;
    whole.run(700, &a, 1);
    const auto at_700 = whole.snapshot();
    whole.run(801, &a, 2);  // 801: the restore lands in the middle of a 4-step noise block

    engine::spiking_engine resumed(noisy(precision::float32), 4);
    resumed.restore(at_700);
    spikes_only b;
    b.spikes.assign(a.spikes.begin(), a.spikes.begin() + static_cast<std::ptrdiff_t>(std::count_if(
                                                            a.spikes.begin(), a.spikes.end(), [](const auto& s) { return s[0] <= 700; })));
    resumed.run(801, &b, 1);
    EXPECT_EQ(a.spikes, b.spikes);
    const auto x = whole.snapshot(), y = resumed.snapshot();
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t k = 0; k < x.size(); ++k) EXPECT_EQ(x[k].values, y[k].values) << x[k].name;
}

TEST(spiking_float32, state_reading_hooks_see_the_state_without_perturbing_it_and_their_writes_take_effect) {
    spikes_only quiet;
    engine::spiking_engine a(noisy(precision::float32), 5);
    a.set_min_neurons_per_thread(1);
    a.run(1500, &quiet, 2);
    reads_v reader;
    engine::spiking_engine b(noisy(precision::float32), 5);
    b.set_min_neurons_per_thread(1);
    b.run(1500, &reader, 2);
    EXPECT_EQ(quiet.spikes, reader.spikes);  // reading through the mirror changes nothing
    EXPECT_EQ(reader.v.back(), a.V(0)[0]);

    // A write through V() inside the hook reaches the float state: a silent neuron (no input)
    // kicked above threshold fires in the next step's pass, and only then.
    network::spiking_network one;
    one.real = precision::float32;
    one.populations = {network::spiking_population::uniform("A", 3, true, 20.0, 0.0, 20.0, 10.0, 2.0)};
    engine::spiking_engine c(one, 1);
    reads_v kicker;
    kicker.watch = 1;
    kicker.kick_at = 50;
    kicker.kick_to = 1000.0;
    c.run(100, &kicker, 1);
    EXPECT_EQ(kicker.spikes, (std::vector<std::array<std::uint64_t, 3>>{{51, 0, 1}}));
    EXPECT_EQ(kicker.v.at(50), 10.0);  // at step 51: reset to V_r
}

TEST(spiking_float32, a_single_neuron_follows_the_closed_form_step_response_and_f_I_curve) {
    // τ_m dV/dt = −V + I (E_L = 0, R = 1), V0 = 0: V(t) = I (1 − e^{−t/τ}) below threshold; period
    // t_ref + τ ln((I − V_r)/(I − V_th)) (Brian2's refractory count: V_r shown for round(t_ref/h) samples).
    const double tau = 20.0, th = 20.0, vr = 10.0, h = 0.1, t_ref = 2.0;
    for (double I : {22.0, 25.0, 40.0}) {
        SCOPED_TRACE("I = " + std::to_string(I));
        std::vector<std::uint64_t> spike_steps[2];
        for (precision real : {precision::float64, precision::float32}) {
            network::spiking_network net;
            net.dt = h;
            net.real = real;
            net.populations = {network::spiking_population::uniform("A", 1, true, tau, 0.0, th, vr, t_ref, 1.0, I)};
            engine::spiking_engine e(net, 1);
            reads_v log;
            e.run(20000, &log, 1);  // 2 s
            const bool single = real == precision::float32;
            for (const auto& s : log.spikes) spike_steps[single].push_back(s[0]);
            // The step response up to the first spike. float32: the decay e^{−h/τ} rounded to float
            // (|δd| ≤ 2^−25) moves V_n = I(1 − d^n) by I·n·d^{n−1}·δd ≤ I·τ/(h·e)·2^−25 ≈ 2.2e-6·I,
            // plus the rounding of each step's sum (contracted by d): within 1e-5·I.
            const auto first = static_cast<std::size_t>(spike_steps[single].at(0));
            for (std::size_t n = 1; n + 1 < first; ++n) {
                const double exact = I * (1.0 - std::exp(-static_cast<double>(n) * h / tau));
                EXPECT_NEAR(log.v[n - 1], exact, (single ? 1e-5 : 1e-12) * I) << n;
            }
        }
        // Float32 crosses in the same steps as float64 (no crossing lies within rounding of the threshold here).
        EXPECT_EQ(spike_steps[0], spike_steps[1]);
        // f–I: the mean period equals the closed form to within the grid (crossings are found at step ends).
        const auto& s = spike_steps[1];
        ASSERT_GT(s.size(), 10u);
        const double period = static_cast<double>(s.back() - s.front()) * h / static_cast<double>(s.size() - 1);
        const double closed = t_ref + tau * std::log((I - vr) / (I - th));
        EXPECT_NEAR(period, closed, h);
    }
}

TEST(spiking_float32, a_noisy_network_fires_at_the_rates_of_float64) {
    // Same Philox words (float normals within ~1e-6 of the double ones); a crossing flips only where
    // V lies within rounding of the threshold, and a flipped spike then changes the network's
    // future, so only statistics must agree: population rates over 2 s of 375 neurons (in this
    // network no crossing flipped when written: equal counts).
    double rate[2][2] = {};
    for (precision real : {precision::float64, precision::float32}) {
        engine::spiking_engine e(noisy(real), 3);
        spikes_only log;
        e.run(20000, &log, 1);
        for (const auto& s : log.spikes) rate[real == precision::float32][s[1]] += 1.0;
    }
    for (std::size_t p = 0; p < 2; ++p) {
        SCOPED_TRACE("population " + std::to_string(p));
        std::printf("population %zu: %.0f spikes (float64) %.0f (float32)\n", p, rate[0][p], rate[1][p]);
        EXPECT_GT(rate[0][p], 1000.0);
        EXPECT_NEAR(rate[1][p] / rate[0][p], 1.0, 0.03);
    }
}

TEST(spiking_float32, a_spike_policy_reads_V_through_the_mirror_and_its_resets_reach_the_float_state) {
    // one_spike_per_step picks the largest V − V_th, read through engine.V(): the mirror must be
    // current at the policy's serial point, and the kept spike's reset must land in the float V.
    auto record = [](int threads) {
        engine::spiking_engine e(noisy(precision::float32), 2);
        e.set_min_neurons_per_thread(1);
        auto policy = engine::one_spike_per_step::inhibition_first(e.network());
        e.set_spike_policy(&policy);
        reads_v log;
        log.watch = 0;
        e.run(1500, &log, threads);
        return std::make_pair(log.spikes, state_of(e));
    };
    const auto one = record(1), two = record(2);
    EXPECT_EQ(one.first, two.first);
    EXPECT_GT(one.first.size(), 100u);
    for (std::size_t a = 0; a < one.second.size(); ++a) EXPECT_EQ(one.second[a].values, two.second[a].values) << one.second[a].name;
    std::uint64_t last = 0;
    for (const auto& s : one.first) {
        EXPECT_NE(s[0], last);  // at most one spike per step
        last = s[0];
    }
    // The spike's neuron shows V_reset (10) after its step, held while refractory.
    engine::spiking_engine e(noisy(precision::float32), 2);
    auto policy = engine::one_spike_per_step::inhibition_first(e.network());
    e.set_spike_policy(&policy);
    spikes_only log;
    for (int s = 0; s < 400 && log.spikes.empty(); ++s) e.run(1, &log, 1);
    ASSERT_FALSE(log.spikes.empty());
    EXPECT_EQ(e.V(log.spikes[0][1])[log.spikes[0][2]], 10.0);
}

TEST(spiking_float32, a_noise_source_and_recorded_crossing_speeds_work_in_float) {
    // A source hands out doubles (rounded to float by the engine); crossing speeds are computed from
    // the float channel states. Against float64 on a single noisy neuron: same spike steps here, and
    // speeds to float rounding.
    struct constant_noise final : engine::noise_source {
        void normals(std::size_t, std::uint32_t stream, std::uint64_t step, std::size_t i0, std::size_t i1, double* out) override {
            for (std::size_t i = i0; i < i1; ++i) out[i - i0] = stream == membrane_stream ? 0.3 * std::sin(0.01 * static_cast<double>(step)) : 0.5;
        }
    };
    struct speeds final : engine::spike_hook {
        std::vector<std::pair<std::uint64_t, double>> seen;
        void on_step(engine::spiking_engine& e) override {
            for (std::size_t k = 0; k < e.spikes(0).size(); ++k) seen.emplace_back(e.step(), e.crossing_speeds(0)[k]);
        }
        bool reads_state(std::uint64_t) const override { return false; }
    };
    std::vector<std::pair<std::uint64_t, double>> got[2];
    for (precision real : {precision::float64, precision::float32}) {
        network::spiking_network net;
        net.real = real;
        auto a = network::spiking_population::uniform("A", 2, true, 20.0, 0.0, 20.0, 10.0, 2.0, 1.0, 24.0);
        a.receptors = {{"E", network::kinetics::exponential, 5.0, 3.0}};  // current noise σ = 3
        a.lif.sigma_V.assign(2, 1.0);
        net.populations = {a};
        engine::spiking_engine e(net, 1);
        constant_noise source;
        e.set_noise_source(&source);
        e.set_record_crossings(true);
        speeds log;
        e.run(5000, &log, 1);
        got[real == precision::float32] = log.seen;
    }
    ASSERT_GT(got[0].size(), 10u);
    ASSERT_EQ(got[0].size(), got[1].size());
    for (std::size_t k = 0; k < got[0].size(); ++k) {
        EXPECT_EQ(got[0][k].first, got[1][k].first);
        EXPECT_NEAR(got[0][k].second, got[1][k].second, 1e-4 * std::abs(got[0][k].second) + 1e-4);
    }
}

TEST(spiking_float32, exact_interpolated_is_rejected_naming_the_key) {
    auto net = noisy(precision::float32);
    net.method = network::integrator::exact_interpolated;
    try {
        engine::spiking_engine e(net, 1);
        FAIL() << "expected a config_error";
    } catch (const config_error& err) {
        EXPECT_NE(std::string(err.what()).find("run.precision"), std::string::npos) << err.what();
    }
    EXPECT_THROW(network::parse_precision("float16", "run.precision"), config_error);
}
