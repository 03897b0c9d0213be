// The spiking engine's threaded step loop (src/engine/spiking_run.cpp): with hooks that read only
// spikes the threads meet once per step and run up to a step apart. These tests hold the paths
// that then need care to the results of one thread: a spike policy, a non-finite V in another
// thread's range, and errors thrown in any thread or in a hook.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "spiking_test_networks.hpp"

using namespace einet;

namespace {

constexpr std::size_t n_e = 300, n_i = 75;  // two threads split E at neuron 144

// Spikes as (step, population, id), reading nothing else: the engine may skip the meeting around it.
struct spikes_only final : engine::spike_hook {
    std::vector<std::array<std::uint64_t, 3>> spikes;
    std::uint64_t throw_at = 0;     // throw when the engine reaches this step (0: never)
    std::uint64_t slow_until = 0;   // before this step, take 1 ms per call (a partner that is not running)
    void on_step(engine::spiking_engine& e) override {
        if (e.step() == throw_at) throw std::runtime_error("hook failed at step " + std::to_string(e.step()));
        if (e.step() < slow_until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        for (std::size_t p = 0; p < 2; ++p) {
            for (auto i : e.spikes(p)) spikes.push_back({e.step(), p, i});
        }
    }
    bool reads_state(std::uint64_t) const override { return false; }
};

// Zero noise except: NaN into V of E neurons ≥ 250 from step 200 on (no refractory period hides
// all of them), and an exception for the ranges not starting at 0 at step `throw_at`.
struct faulty_noise final : engine::noise_source {
    std::uint64_t throw_at = std::numeric_limits<std::uint64_t>::max(), nan_from = std::numeric_limits<std::uint64_t>::max();
    void normals(std::size_t pop, std::uint32_t stream, std::uint64_t step, std::size_t i0, std::size_t i1, double* out) override {
        if (step == throw_at && i0 > 0) throw std::runtime_error("noise failed in a range from " + std::to_string(i0));
        for (std::size_t i = i0; i < i1; ++i) {
            const bool nan = pop == 0 && stream == membrane_stream && step >= nan_from && i >= 250;
            out[i - i0] = nan ? std::numeric_limits<double>::quiet_NaN() : 0.0;
        }
    }
};

// At most one spike per population and step, the lowest id (a policy with a serial point).
struct lowest_only final : engine::spike_policy {
    void select(const engine::spiking_engine&, std::vector<std::vector<std::uint32_t>>& candidates) override {
        for (auto& c : candidates) {
            if (c.size() > 1) c.resize(1);
        }
    }
};

engine::spiking_engine make_engine() {
    engine::spiking_engine e(einet_test::noisy_ei_network(n_e, n_i), 9);
    e.set_min_neurons_per_thread(1);
    return e;
}

}  // namespace

TEST(spiking_threads, a_spike_policy_with_a_spikes_only_hook_is_bit_identical_for_one_two_and_three_threads) {
    auto record = [](int threads) {
        auto e = make_engine();
        lowest_only policy;
        e.set_spike_policy(&policy);
        spikes_only log;
        e.run(2000, &log, threads);
        return std::make_pair(log.spikes, e.snapshot());
    };
    const auto one = record(1);
    ASSERT_GT(one.first.size(), 200u);
    for (int threads : {2, 3}) {
        const auto many = record(threads);
        EXPECT_EQ(one.first, many.first) << threads << " threads";
        ASSERT_EQ(one.second.size(), many.second.size());
        for (std::size_t k = 0; k < one.second.size(); ++k) EXPECT_EQ(one.second[k].values, many.second[k].values) << one.second[k].name;
    }
}

TEST(spiking_threads, a_non_finite_V_in_the_second_threads_range_is_reported_as_with_one_thread) {
    auto message = [](int threads, bool hook) {
        auto e = make_engine();
        faulty_noise noise;
        noise.nan_from = 200;
        e.set_noise_source(&noise);
        spikes_only log;
        try {
            e.run(1000, hook ? &log : nullptr, threads);
        } catch (const numerical_error& err) {
            return std::string(err.what()) + " | step " + std::to_string(e.step());
        }
        return std::string("no error");
    };
    const auto one = message(1, true);
    EXPECT_NE(one.find("population E (neuron 2"), std::string::npos) << one;  // one of the NaN-fed neurons 250–299
    EXPECT_NE(one.find("t = 20.1"), std::string::npos) << one;  // the pass of step 200 ends at 20.1 ms
    EXPECT_EQ(message(2, true), one);
    EXPECT_EQ(message(2, false), one);
    EXPECT_EQ(message(3, true), one);
}

TEST(spiking_threads, an_error_in_any_thread_or_in_a_spikes_only_hook_stops_every_thread) {
    for (int threads : {1, 2, 3}) {
        SCOPED_TRACE(std::to_string(threads) + " threads");
        {
            auto e = make_engine();
            spikes_only log;
            log.throw_at = 123;
            EXPECT_THROW(e.run(1000, &log, threads), std::runtime_error);
            EXPECT_EQ(e.step(), 123u);  // the step the hook was called for
        }
        if (threads == 1) continue;  // one thread's range starts at 0: the noise never throws
        auto e = make_engine();
        faulty_noise noise;
        noise.throw_at = 200;  // before the first check for a crowded machine (step 255), so the threads are still split
        e.set_noise_source(&noise);
        spikes_only log;
        try {
            e.run(1000, &log, threads);
            ADD_FAILURE() << "no error";
        } catch (const std::runtime_error& err) {
            EXPECT_NE(std::string(err.what()).find("noise failed in a range from "), std::string::npos) << err.what();
        }
        EXPECT_EQ(e.step(), 200u);  // no thread finished the failed step
    }
}

TEST(spiking_threads, a_run_whose_threads_keep_missing_each_other_goes_on_with_one_thread_and_the_same_results) {
    auto record = [](int threads, std::uint64_t slow_until) {
        auto e = make_engine();
        spikes_only log;
        log.slow_until = slow_until;
        e.run(1500, &log, threads);
        return std::make_tuple(log.spikes, e.snapshot(), e.threads_used());
    };
    const auto [one, one_state, one_used] = record(1, 0);
    // Thread 0 sleeps in the hook for the first 300 steps, so thread 1 waits for it asleep at
    // every meeting: after 256 steps the run goes on with one thread.
    const auto [two, two_state, two_used] = record(2, 300);
    EXPECT_EQ(two_used, 1u);
    EXPECT_EQ(one, two);
    ASSERT_EQ(one_state.size(), two_state.size());
    for (std::size_t k = 0; k < one_state.size(); ++k) EXPECT_EQ(one_state[k].values, two_state[k].values) << one_state[k].name;
}

namespace {

// Spikes of every step, and V of population 0 on the steps where it declares a state read.
struct spikes_and_sampled_v final : engine::spike_hook {
    std::uint64_t every = 7;
    std::vector<std::array<std::uint64_t, 3>> spikes;
    std::vector<double> v;
    void on_step(engine::spiking_engine& e) override {
        for (std::size_t p = 0; p < 2; ++p) {
            for (auto i : e.spikes(p)) spikes.push_back({e.step(), p, i});
        }
        if (reads_state(e.step())) v.insert(v.end(), e.V(0), e.V(0) + n_e);
    }
    bool reads_state(std::uint64_t step) const override { return step % every == 0; }
};

engine::spiking_engine engine_with_delays(std::uint32_t min_delay, network::precision real) {
    auto net = einet_test::noisy_ei_network(n_e, n_i);
    net.real = real;
    for (std::uint32_t id = 0; id < net.projections.size(); ++id) {
        network::initialise_delays(net.projections[id].synapses, network::delay_distribution::uniform_steps(min_delay, 10), 5, id);
    }
    // A kick into part of E whose window starts and ends inside exchange intervals.
    net.inputs.steps.push_back({0, {0, 1, 2, 3, 4, 5, 6, 7, 200, 201, 299}, 30.3, 70.6, 40.0});
    engine::spiking_engine e(std::move(net), 11);
    e.set_min_neurons_per_thread(1);
    return e;
}

}  // namespace

TEST(spiking_threads, the_exchange_interval_is_one_plus_the_smallest_delay_and_one_for_delay_zero_or_a_policy) {
    EXPECT_EQ(make_engine().exchange_interval(), 2u);  // delays of 1–10 steps
    EXPECT_EQ(engine_with_delays(3, network::precision::float64).exchange_interval(), 4u);
    EXPECT_EQ(engine_with_delays(9, network::precision::float64).exchange_interval(), engine::spiking_engine::max_exchange_interval);
    auto with_zero = einet_test::noisy_ei_network(n_e, n_i);
    with_zero.projections[3].synapses.delay_steps[0] = 0;  // one synapse of delay 0 (through the ring)
    EXPECT_EQ(engine::spiking_engine(with_zero, 1).exchange_interval(), 1u);
    auto e = make_engine();
    lowest_only policy;
    e.set_spike_policy(&policy);
    EXPECT_EQ(e.exchange_interval(), 1u);
}

// Several steps between meetings (delays of 3–10 steps: 4 steps), cut short by a hook that reads
// V every 7 steps, by a step-current window starting and ending inside intervals and by runs
// whose lengths are not multiples of 4: spikes, V samples and the whole final state equal one
// thread's, bit for bit, in both precisions.
TEST(spiking_threads, several_steps_between_meetings_give_one_threads_results_bit_for_bit) {
    for (auto real : {network::precision::float64, network::precision::float32}) {
        SCOPED_TRACE(network::precision_name(real));
        auto record = [&](int threads) {
            auto e = engine_with_delays(3, real);
            spikes_and_sampled_v log;
            for (std::size_t steps : {1003u, 2u, 1u, 994u}) e.run(steps, &log, threads);
            return std::make_tuple(log.spikes, log.v, e.snapshot(), e.threads_used());
        };
        const auto [one, one_v, one_state, one_used] = record(1);
        ASSERT_GT(one.size(), 300u);
        ASSERT_EQ(one_v.size(), 2000 / 7 * n_e);
        for (int threads : {2, 3}) {
            const auto [many, many_v, many_state, used] = record(threads);
            if (used != static_cast<std::size_t>(threads)) std::printf("(a crowded machine: %d threads went on with %zu)\n", threads, used);
            EXPECT_EQ(one, many) << threads << " threads";
            EXPECT_EQ(one_v, many_v) << threads << " threads";
            ASSERT_EQ(one_state.size(), many_state.size());
            for (std::size_t k = 0; k < one_state.size(); ++k) EXPECT_EQ(one_state[k].values, many_state[k].values) << one_state[k].name;
        }
    }
}

// Threads per network size (default: ≥ 1000 neurons per thread, 4000 when the hook reads state
// on most steps); 10 steps are too few for the crowded-machine fallback (256 meetings).
TEST(spiking_threads, small_networks_and_state_reading_hooks_use_fewer_threads) {
    struct reads_every_step final : engine::spike_hook {
        void on_step(engine::spiking_engine&) override {}
    };
    auto used = [](std::size_t n, bool reading, std::size_t per_thread = 0) {
        engine::spiking_engine e(einet_test::noisy_ei_network(n * 4 / 5, n / 5), 3);
        if (per_thread) e.set_min_neurons_per_thread(per_thread);
        spikes_only quiet;
        reads_every_step loud;
        e.run(10, reading ? static_cast<engine::spike_hook*>(&loud) : &quiet, 2);
        return e.threads_used();
    };
    EXPECT_EQ(used(1500, false), 1u);
    EXPECT_EQ(used(2000, false), 2u);
    EXPECT_EQ(used(2000, true), 1u);
    EXPECT_EQ(used(2000, true, 250), 2u);  // 4 · 250 per thread
    EXPECT_EQ(used(1500, true, 250), 1u);
}

// exact_interpolated (spec 003 §4.4): crossing times inside the step and arrivals integrated
// within it, with the threads meeting every 2 steps (delays of 1–10 steps): spikes, their lags
// and crossing speeds and the final state equal one thread's bit for bit.
TEST(spiking_threads, interpolated_spike_times_are_bit_identical_with_several_steps_between_meetings) {
    struct timed_spikes final : engine::spike_hook {
        std::vector<std::array<std::uint64_t, 3>> spikes;
        std::vector<double> lags, speeds;
        void on_step(engine::spiking_engine& e) override {
            for (std::size_t p = 0; p < 2; ++p) {
                for (auto i : e.spikes(p)) spikes.push_back({e.step(), p, i});
                lags.insert(lags.end(), e.spike_lags(p).begin(), e.spike_lags(p).end());
                speeds.insert(speeds.end(), e.crossing_speeds(p).begin(), e.crossing_speeds(p).end());
            }
        }
        bool reads_state(std::uint64_t) const override { return false; }
    };
    auto record = [](int threads) {
        auto net = einet_test::noisy_ei_network(n_e, n_i);
        net.method = network::integrator::exact_interpolated;
        engine::spiking_engine e(std::move(net), 21);
        e.set_min_neurons_per_thread(1);
        timed_spikes log;
        e.run(1501, &log, threads);
        return std::make_tuple(log.spikes, log.lags, log.speeds, e.snapshot(), e.exchange_interval());
    };
    const auto [one, one_lags, one_speeds, one_state, interval] = record(1);
    EXPECT_EQ(interval, 2u);
    ASSERT_GT(one.size(), 200u);
    ASSERT_EQ(one_lags.size(), one.size());
    for (int threads : {2, 3}) {
        const auto [many, lags, speeds, state, ignored] = record(threads);
        EXPECT_EQ(one, many) << threads << " threads";
        EXPECT_EQ(one_lags, lags) << threads << " threads";
        EXPECT_EQ(one_speeds, speeds) << threads << " threads";
        ASSERT_EQ(one_state.size(), state.size());
        for (std::size_t k = 0; k < state.size(); ++k) EXPECT_EQ(one_state[k].values, state[k].values) << state[k].name;
    }
}
