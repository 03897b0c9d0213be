// Analytic checks of the spiking engine: step response, the spec-003 deterministic EM test, the
// f–I curve, PSP shapes of exponential and delta synapses, delays, and thread invariance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "spiking_test_networks.hpp"

using namespace einet;
using network::kinetics;

namespace {

// Records (step, neuron) of every spike of population 0.
struct spike_log final : engine::spike_hook {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> spikes;
    std::vector<double> v0;  // V of neuron 0 after each step
    std::size_t pop = 0;
    void on_step(engine::spiking_engine& e) override {
        for (auto i : e.spikes(pop)) spikes.emplace_back(e.step(), i);
        v0.push_back(e.V(pop)[0]);
    }
};

network::spiking_network single(double I_e, double t_ref, network::integrator method, double dt) {
    network::spiking_network net;
    net.dt = dt;
    net.method = method;
    auto p = network::spiking_population::uniform("A", 1, true, 20.0, 0.0, 20.0, 10.0, t_ref, 1.0, I_e);
    p.receptors.push_back({"E", kinetics::exponential, 5.0, 0.0});
    net.populations.push_back(p);
    return net;
}

}  // namespace

TEST(spiking_engine, exact_step_response_is_the_closed_form) {
    engine::spiking_engine e(single(15.0, 2.0, network::integrator::exact, 0.1), 1);  // below threshold
    spike_log log;
    e.run(500, &log, 1);
    for (std::size_t n = 1; n <= 500; n += 37) {
        const double t = 0.1 * static_cast<double>(n);
        EXPECT_NEAR(log.v0[n - 1], 15.0 * (1.0 - std::exp(-t / 20.0)), 1e-12) << "t = " << t;
    }
    EXPECT_TRUE(log.spikes.empty());
}

TEST(spiking_engine, spec003_deterministic_euler_maruyama_test) {
    // spec 003 §2: τ_m = 1, V_th = 1, V_r = 0, constant current 1.5, h = 2^-6: v^n = 1.5(1 − (1 − h)^n),
    // first spike at n = 70, then every 70 steps; 9 spikes in [0, 10].
    network::spiking_network net;
    net.dt = 1.0 / 64.0;
    net.method = network::integrator::euler_maruyama;
    net.populations.push_back(network::spiking_population::uniform("A", 1, true, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.5));
    engine::spiking_engine e(net, 1);
    spike_log log;
    e.run(640, &log, 1);
    for (std::size_t n = 1; n < 70; ++n) EXPECT_NEAR(log.v0[n - 1], 1.5 * (1.0 - std::pow(1.0 - net.dt, double(n))), 1e-12);
    ASSERT_EQ(log.spikes.size(), 9u);
    for (std::size_t k = 0; k < 9; ++k) EXPECT_EQ(log.spikes[k].first, 70u * (k + 1));
}

TEST(spiking_engine, f_I_curve_matches_the_closed_form_period) {
    // Exact integration: the first grid time at or after the analytic crossing,
    // T = t_ref + τ ln((RI − V_r)/(RI − V_th)) per interval once the first spike has happened.
    for (double I : {21.0, 25.0, 40.0}) {
        const double dt = 0.01, t_ref = 2.0;
        engine::spiking_engine e(single(I, t_ref, network::integrator::exact, dt), 1);
        spike_log log;
        e.run(20000, &log, 1);
        ASSERT_GE(log.spikes.size(), 3u);
        const double first = 20.0 * std::log(I / (I - 20.0));
        EXPECT_NEAR(static_cast<double>(log.spikes[0].first) * dt, first, dt + 1e-9);
        const double period = t_ref + 20.0 * std::log((I - 10.0) / (I - 20.0));
        const double measured = (static_cast<double>(log.spikes.back().first - log.spikes[0].first) * dt) /
                                static_cast<double>(log.spikes.size() - 1);
        EXPECT_NEAR(measured, period, dt) << "I = " << I;  // grid spikes lag by < dt each interval
    }
}

namespace {
// Two neurons: 0 fires once (driven), 1 receives through one synapse of weight w and delay d.
network::spiking_network psp_net(kinetics kind, double w, std::uint16_t delay, network::integrator method) {
    network::spiking_network net;
    net.dt = 0.1;
    net.method = method;
    auto src = network::spiking_population::uniform("S", 1, true, 20.0, 0.0, 20.0, -1000.0, 1e6, 1.0, 0.0);
    src.V0 = {25.0};  // above threshold: fires at the end of step 0 (t = 0.1 ms), then refractory for ever
    auto dst = network::spiking_population::uniform("T", 1, true, 20.0, 0.0, 1e9, 0.0, 0.0, 1.0, 0.0);
    dst.receptors.push_back({"E", kind, 5.0, 0.0});
    net.populations = {src, dst};
    network::spiking_projection pr;
    pr.pre = 0;
    pr.post = 1;
    pr.synapses = network::from_arrays(1, 1, std::vector<std::uint32_t>{0}, std::vector<std::uint32_t>{0},
                                       std::vector<float>{static_cast<float>(w)}, std::vector<std::uint16_t>{delay});
    net.projections.push_back(pr);
    return net;
}
}  // namespace

TEST(spiking_engine, exponential_psp_has_the_closed_form_shape_after_the_delay) {
    const double w = 2.0;
    for (std::uint16_t d : {std::uint16_t{0}, std::uint16_t{3}}) {
        engine::spiking_engine e(psp_net(kinetics::exponential, w, d, network::integrator::exact), 1);
        spike_log log;
        log.pop = 1;
        e.run(400, &log, 1);
        // Spike at t = 0.1 ms; s jumps at 0.1 + d·0.1 ms; V(t) = w τs/(τs − τm)(e^{−u/τs} − e^{−u/τm}).
        const double t_arrive = 0.1 * (1.0 + d);
        for (std::size_t n = 1; n <= 400; ++n) {
            const double t = 0.1 * static_cast<double>(n), u = t - t_arrive;
            const double expected = u <= 1e-12 ? 0.0 : w * 5.0 / (5.0 - 20.0) * (std::exp(-u / 5.0) - std::exp(-u / 20.0));
            ASSERT_NEAR(log.v0[n - 1], expected, 1e-12 * w) << "d = " << d << ", t = " << t;
        }
        EXPECT_NEAR(e.receptor_state(1, 0)[0], w * std::exp(-(40.0 - t_arrive) / 5.0), 1e-9);
    }
}

// A projection of delay 0 adds into the receptor state in the write-out (no ring); one of delay
// d goes through the ring. The same spike must give the same trace, d steps later, bit for bit —
// for each kinetics with an input channel (biexponential: into u, scaled by κ/τ_r).
TEST(spiking_engine, delay_zero_write_equals_the_ring_path_shifted) {
    for (kinetics kind : {kinetics::exponential, kinetics::biexponential}) {
        std::vector<double> trace[2];
        for (std::uint16_t d : {std::uint16_t{0}, std::uint16_t{3}}) {
            auto net = psp_net(kind, 2.5, d, network::integrator::exact);
            net.populations[1].receptors[0].tau_rise = 2.0;
            net.populations[1].receptors[0].kappa = 1.5;
            engine::spiking_engine e(std::move(net), 1);
            spike_log log;
            log.pop = 1;
            e.run(300, &log, 1);
            trace[d == 0 ? 0 : 1] = log.v0;
        }
        ASSERT_GT(*std::max_element(trace[0].begin(), trace[0].end()), 0.01);
        for (std::size_t n = 0; n + 3 < trace[0].size(); ++n) ASSERT_EQ(trace[0][n], trace[1][n + 3]) << "step " << n;
    }
}

TEST(spiking_engine, delta_synapse_jumps_V_at_the_arrival_time) {
    engine::spiking_engine e(psp_net(kinetics::delta, 1.5, 2, network::integrator::exact), 1);
    spike_log log;
    log.pop = 1;
    e.run(100, &log, 1);
    // Arrival at step 1 + 2 = 3 (t = 0.3 ms): V = 0 before, 1.5 right then, then decays with τ_m.
    EXPECT_EQ(log.v0[0], 0.0);
    EXPECT_EQ(log.v0[1], 0.0);
    EXPECT_DOUBLE_EQ(log.v0[2], 1.5);
    EXPECT_NEAR(log.v0[99], 1.5 * std::exp(-(10.0 - 0.3) / 20.0), 1e-12);
}

namespace {
// 300 E / 75 I LIF neurons with exponential E and I receptors, p = 0.1 with delays of 1–10 steps.
network::spiking_network small_ei(network::integrator method, double w_e) {
    network::spiking_network net;
    net.dt = 0.1;
    net.method = method;
    auto e = network::spiking_population::uniform("E", 300, true, 20.0, 0.0, 20.0, 10.0, 2.0, 1.0, 18.0);
    auto i = network::spiking_population::uniform("I", 75, false, 10.0, 0.0, 20.0, 10.0, 1.0, 1.0, 18.0);
    for (auto* p : {&e, &i}) {
        p->receptors = {{"E", kinetics::exponential, 5.0, 3.0}, {"I", kinetics::exponential, 10.0, 0.0}};
    }
    net.populations = {e, i};
    einet_test::connect_e_and_i(net, 0.1, {{w_e, w_e}, {2.0, 2.0}}, {10, 10}, 5);
    return net;
}

// Spikes and the final V and E-receptor state of population 0 after 3000 steps on 1 and (three
// times: a race would show as a difference) 2 threads must be equal.
void expect_thread_invariant(const network::spiking_network& net, std::uint64_t seed) {
    auto record = [&](int threads) {
        engine::spiking_engine e(net, seed);
        e.set_min_neurons_per_thread(16);  // split even this small network between the threads
        spike_log log;
        e.run(3000, &log, threads);
        std::vector<double> state(e.V(0), e.V(0) + 300);
        state.insert(state.end(), e.receptor_state(0, 0), e.receptor_state(0, 0) + 300);
        return std::make_pair(log.spikes, state);
    };
    const auto one = record(1);
    ASSERT_GT(one.first.size(), 100u);  // the network is active
    for (int repeat = 0; repeat < 3; ++repeat) {
        const auto two = record(2);
        EXPECT_EQ(one.first, two.first);
        EXPECT_EQ(one.second, two.second);
    }
}
}  // namespace

TEST(spiking_engine, spikes_are_bit_identical_for_any_thread_count) {
    expect_thread_invariant(small_ei(network::integrator::euler_maruyama, 0.5), 42);
}

// Projections whose synapses all have delay 0 add straight into the receptor state in the
// write-out (no ring); a delayed projection onto the same receptor still goes through the ring
// (E receptor of E: 30 + 15 synapses per target, a dense ring; the other rings are event lists).
TEST(spiking_engine, delay_zero_projections_are_bit_identical_for_any_thread_count) {
    auto net = small_ei(network::integrator::exact, 0.4);
    for (auto& pr : net.projections) {
        if (pr.pre == 0) std::fill(pr.synapses.delay_steps.begin(), pr.synapses.delay_steps.end(), std::uint16_t{0});
    }
    network::spiking_projection extra;  // delayed E→E input onto the same receptor
    extra.pre = 0;
    extra.post = 0;
    extra.receptor = 0;
    extra.synapses = network::fixed_probability(300, 300, 0.05, false, 7, 9);
    network::initialise_weights(extra.synapses, network::weight_distribution::normal_cv(0.2, 0.2), 7, 9);
    network::initialise_delays(extra.synapses, network::delay_distribution::uniform_steps(1, 5), 7, 9);
    net.projections.push_back(std::move(extra));
    expect_thread_invariant(net, 43);
}

TEST(spiking_engine, refractory_holds_V_reset_for_t_ref_over_dt_samples) {
    // Brian2's convention: after a spike V reads V_reset for round(t_ref/dt) samples, then integrates.
    engine::spiking_engine e(single(40.0, 2.0, network::integrator::exact, 0.1), 1);
    spike_log log;
    e.run(400, &log, 1);
    ASSERT_GE(log.spikes.size(), 2u);
    const std::size_t s = log.spikes[0].first;  // V after step s is the reset value
    for (std::size_t k = 0; k < 20; ++k) EXPECT_EQ(log.v0[s - 1 + k], 10.0) << "sample " << k;
    EXPECT_GT(log.v0[s - 1 + 20], 10.0);
}
