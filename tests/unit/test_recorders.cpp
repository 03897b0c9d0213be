// Recorders, guards and progress as engine hooks: traces equal the engine's state at the sampled
// steps, binned counts equal the spikes, E/I currents equal the receptor states, the rate guard
// stops a runaway network at the right time and keeps what was recorded, progress is silent
// when disabled, and projection weights round-trip through .npy.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/io/npy.hpp"
#include "einet/io/sonata.hpp"
#include "einet/record/ei_current_recorder.hpp"
#include "einet/record/hook_list.hpp"
#include "einet/record/progress_hook.hpp"
#include "einet/record/projection_weights.hpp"
#include "einet/record/rate_guard.hpp"
#include "einet/record/rate_recorder.hpp"
#include "einet/record/spike_recorder.hpp"
#include "einet/record/trace_recorder.hpp"
#include "spiking_test_networks.hpp"

using namespace einet;

namespace {

std::filesystem::path scratch_dir(const std::string& name) {
    auto d = std::filesystem::temp_directory_path() / ("einet_recorders_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    return d;
}

// The full state after every step, to check recorders against.
struct state_log final : engine::spike_hook {
    std::vector<std::uint64_t> step;
    std::vector<std::vector<double>> V, I_E, I_I, I_a;  // [step][neuron] of population 0
    std::vector<std::vector<std::size_t>> spikes;       // [step][population] counts
    std::vector<std::vector<double>> e_mean, i_mean;    // [step][population] mean receptor currents
    void on_step(engine::spiking_engine& eng) override {
        const std::size_t n = eng.network().populations[0].n;
        step.push_back(eng.step());
        V.emplace_back(eng.V(0), eng.V(0) + n);
        I_E.emplace_back(eng.receptor_current(0, 0), eng.receptor_current(0, 0) + n);
        I_I.emplace_back(eng.receptor_current(0, 1), eng.receptor_current(0, 1) + n);
        I_a.emplace_back(eng.adaptation(0), eng.adaptation(0) + n);
        std::vector<std::size_t> c;
        std::vector<double> e, i;
        for (std::size_t p = 0; p < eng.network().populations.size(); ++p) {
            c.push_back(eng.spikes(p).size());
            const std::size_t m = eng.network().populations[p].n;
            double se = 0, si = 0;
            for (std::size_t k = 0; k < m; ++k) se += eng.receptor_current(p, 0)[k];
            for (std::size_t k = 0; k < m; ++k) si += eng.receptor_current(p, 1)[k];
            e.push_back(se / static_cast<double>(m));
            i.push_back(si / static_cast<double>(m));
        }
        spikes.push_back(c);
        e_mean.push_back(e);
        i_mean.push_back(i);
    }
};

struct order_probe final : engine::spike_hook {
    std::vector<int>* calls;
    int id;
    order_probe(std::vector<int>* c, int i) : calls(c), id(i) {}
    void on_step(engine::spiking_engine&) override { calls->push_back(id); }
};

}  // namespace

TEST(hook_list, forwards_every_step_to_each_hook_in_order_and_skips_null) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    std::vector<int> calls;
    order_probe a(&calls, 1), b(&calls, 2), c(&calls, 3);
    record::hook_list hooks{&a, nullptr, &b};
    hooks.add(&c);
    hooks.add(nullptr);
    EXPECT_EQ(hooks.size(), 3u);
    eng.run(2, &hooks, 1);
    EXPECT_EQ(calls, (std::vector<int>{1, 2, 3, 1, 2, 3}));
}

TEST(trace_recorder, samples_every_decimation_steps_equal_the_engine_state) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    const std::vector<std::uint32_t> neurons{0, 7, 3};
    record::trace_recorder traces(eng, {{"E", neurons, {"V", "I_E", "I_I", "I_a"}}, {"I", {1}, {"V"}}}, 7, 100);
    state_log log;
    record::hook_list hooks{&log, &traces};
    eng.run(100, &hooks, 1);

    ASSERT_EQ(traces.samples(), 14u);  // steps 7, 14, …, 98
    for (std::size_t s = 0; s < traces.samples(); ++s) {
        const std::size_t step = 7 * (s + 1);
        EXPECT_DOUBLE_EQ(traces.times()[s], static_cast<double>(step) * 0.1);
        for (std::size_t k = 0; k < neurons.size(); ++k) {
            const std::size_t at = s * neurons.size() + k, row = step - 1;
            EXPECT_EQ(traces.trace("E", "V")[at], log.V[row][neurons[k]]);
            EXPECT_EQ(traces.trace("E", "I_E")[at], log.I_E[row][neurons[k]]);
            EXPECT_EQ(traces.trace("E", "I_I")[at], log.I_I[row][neurons[k]]);
            EXPECT_EQ(traces.trace("E", "I_a")[at], log.I_a[row][neurons[k]]);
        }
    }
    EXPECT_NE(traces.trace("E", "I_E")[5], 0.0);  // the noise and inputs reach the traced receptor

    const auto dir = scratch_dir("traces");
    record::write_npy_files(dir, traces.arrays());
    const auto v = io::read_npy(dir / "trace_E_V.npy");
    EXPECT_EQ(v.shape, (std::vector<std::size_t>{14, 3}));
    EXPECT_EQ(v.data, traces.trace("E", "V"));
    EXPECT_EQ(io::read_npy(dir / "trace_t.npy").data, traces.times());
    EXPECT_EQ(io::read_npy(dir / "trace_I_V.npy").shape, (std::vector<std::size_t>{14, 1}));
    EXPECT_EQ(io::read_npy(dir / "trace_E_neurons.npy").data, (std::vector<double>{0, 7, 3}));
    std::filesystem::remove_all(dir);
}

TEST(trace_recorder, refuses_unknown_populations_neurons_and_variables) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    const auto message = [&](std::vector<record::trace_request> req) {
        try {
            record::trace_recorder r(eng, std::move(req), 1);
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message({{"X", {0}, {"V"}}}).find("'X': no such population"), std::string::npos);
    EXPECT_NE(message({{"E", {80}, {"V"}}}).find("neuron 80 out of range"), std::string::npos);
    EXPECT_NE(message({{"E", {0}, {"I_X"}}}).find("available: V, I_E, I_I, I_a"), std::string::npos);
    EXPECT_NE(message({{"I", {0}, {"I_a"}}}).find("cannot trace 'I_a'"), std::string::npos);  // I does not adapt
    EXPECT_NE(message({{"E", {0}, {"V", "V"}}}).find("requested twice"), std::string::npos);
    EXPECT_NE(message({{"E", {0}, {"V"}}, {"E", {1}, {"I_E"}}}).find("requested twice"), std::string::npos);
    EXPECT_EQ(message({{"E", {0}, {"V"}}}), "no error");
    EXPECT_THROW(record::trace_recorder(eng, {}, 0), config_error);
}

TEST(rate_recorder, bin_counts_equal_the_spikes_of_their_steps) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    record::rate_recorder rates(eng, 25);
    state_log log;
    record::hook_list hooks{&log, &rates};
    eng.run(1010, &hooks, 1);

    ASSERT_EQ(rates.complete_bins(), 40u);  // the 41st bin (steps 1001–1010) is incomplete
    std::uint64_t total = 0;
    for (std::size_t p = 0; p < 2; ++p) {
        const double n = p == 0 ? 80.0 : 20.0;
        for (std::size_t b = 0; b < 40; ++b) {
            std::uint64_t expected = 0;
            for (std::size_t k = 25 * b; k < 25 * (b + 1); ++k) expected += log.spikes[k][p];  // steps 25b+1 … 25b+25
            EXPECT_EQ(rates.counts(p)[b], expected) << "population " << p << ", bin " << b;
            EXPECT_DOUBLE_EQ(rates.rate_hz(p)[b], static_cast<double>(expected) / (n * 2.5e-3));
            total += expected;
        }
    }
    EXPECT_GT(total, 100u);  // the network is active

    const auto arrays = rates.arrays();
    ASSERT_EQ(arrays.size(), 5u);
    EXPECT_EQ(arrays[0].info.name, "rate_t");
    EXPECT_DOUBLE_EQ(arrays[0].values[3], 7.5);
    EXPECT_EQ(arrays[1].info.name, "rate_E");
    EXPECT_EQ(arrays[2].info.name, "rate_E_count");
    EXPECT_EQ(arrays[2].values.size(), 40u);

    // A recorder must start at a bin boundary so that its bins are those of the whole run.
    EXPECT_THROW(record::rate_recorder(eng, 25), config_error);
    EXPECT_NO_THROW(record::rate_recorder(eng, 5));
}

TEST(ei_current_recorder, receptor_signs_follow_the_presynaptic_population_and_input_weights) {
    auto net = einet_test::noisy_ei_network();
    auto signs = record::receptor_signs(net);
    using s = record::receptor_sign;
    EXPECT_EQ(signs[0], (std::vector<s>{s::excitatory, s::inhibitory}));
    EXPECT_EQ(signs[1], (std::vector<s>{s::excitatory, s::inhibitory}));

    net.projections.resize(2);  // only E → E and E → I left: receptor "I" is fed by nothing
    signs = record::receptor_signs(net);
    EXPECT_EQ(signs[0][1], s::none);
    network::poisson_input inh;
    inh.population = 0;
    inh.receptor = 1;
    inh.rate_hz = 10;
    inh.weight = -1.0;
    net.inputs.poisson.push_back(inh);
    EXPECT_EQ(record::receptor_signs(net)[0][1], s::inhibitory);
    net.inputs.poisson.back().receptor = 0;  // negative input into a receptor fed by E
    try {
        record::receptor_signs(net);
        FAIL() << "mixed receptor accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("receptor E of population E"), std::string::npos) << e.what();
    }
}

TEST(ei_current_recorder, bin_means_equal_the_mean_receptor_currents) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    record::ei_current_recorder currents(eng, 4);
    state_log log;
    record::hook_list hooks{&log, &currents};
    eng.run(402, &hooks, 1);
    ASSERT_EQ(currents.complete_bins(), 100u);
    for (std::size_t p = 0; p < 2; ++p) {
        const auto e = currents.excitatory(p), i = currents.inhibitory(p);
        for (std::size_t b = 0; b < 100; ++b) {
            double se = 0, si = 0;
            for (std::size_t k = 4 * b; k < 4 * b + 4; ++k) {
                se += log.e_mean[k][p];
                si += log.i_mean[k][p];
            }
            EXPECT_NEAR(e[b], se / 4, 1e-12 * (1 + std::abs(se)));
            EXPECT_NEAR(i[b], si / 4, 1e-12 * (1 + std::abs(si)));
        }
        EXPECT_LT(i[99], 0.0);  // inhibition enters negative
        EXPECT_GT(e[99], 0.0);
    }
    EXPECT_EQ(currents.arrays()[1].info.name, "current_E_E");
    EXPECT_EQ(currents.arrays()[4].info.name, "current_I_I");
}

namespace {
// One population driven far above 1 kHz from 50 ms on: a step current so large that every neuron
// crosses threshold in every step, with no refractory period (10 kHz at dt = 0.1 ms).
network::spiking_network runaway_network() {
    network::spiking_network net;
    net.dt = 0.1;
    auto d = network::spiking_population::uniform("D", 10, true, 20.0, 0.0, 20.0, 10.0, 0.0, 1.0, 0.0);
    net.populations = {network::spiking_population::uniform("quiet", 5, true, 20.0, 0.0, 20.0, 10.0, 2.0), d};
    net.inputs.steps.push_back({1, {}, 50.0, 1e9, 1e5});
    return net;
}
}  // namespace

TEST(rate_guard, stops_a_runaway_population_naming_it_and_when_it_began) {
    engine::spiking_engine eng(runaway_network(), 1);
    const auto file = scratch_dir("guard") / "spikes.h5";
    std::filesystem::create_directories(file.parent_path());
    record::spike_recorder spikes(eng, file);
    record::rate_guard guard(eng);  // 1 kHz over 10 ms
    record::hook_list hooks{&spikes, &guard};
    std::string message;
    try {
        eng.run(2000, &hooks, 1);
    } catch (const numerical_error& e) {
        message = e.what();
    }
    // Spikes every step from t = 50.1 ms; the 10 ms window holds more than 10 spikes per neuron
    // after the 11th such step (t = 51.1 ms).
    EXPECT_EQ(eng.step(), 511u) << message;
    EXPECT_NE(message.find("population D"), std::string::npos) << message;
    EXPECT_NE(message.find("1100 Hz"), std::string::npos) << message;  // 11 spikes per neuron in 10 ms
    EXPECT_NE(message.find("up to t = 51.1 ms"), std::string::npos) << message;
    EXPECT_NE(message.find("began at t = 50.1 ms"), std::string::npos) << message;

    // Everything up to the tripping step was recorded, and the file can still be finalised.
    ASSERT_EQ(spikes.times(1).size(), 110u);
    EXPECT_DOUBLE_EQ(spikes.times(1).back(), 51.1);
    spikes.close();
    const auto read = io::read_sonata_spikes(file);
    EXPECT_EQ(read.at("D").t_ms, spikes.times(1));
    std::filesystem::remove_all(file.parent_path());
}

TEST(rate_guard, lets_a_network_below_the_limit_run) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    record::rate_guard guard(eng, 1000.0, 5.0);
    EXPECT_EQ(guard.window_steps(), 50u);
    EXPECT_NO_THROW(eng.run(1000, &guard, 1));
    EXPECT_THROW(record::rate_guard(eng, 0.0), config_error);
    EXPECT_THROW(record::rate_guard(eng, 1000.0, 0.01), config_error);  // window below dt
}

TEST(progress_hook, is_silent_when_disabled_and_reports_time_and_rates_otherwise) {
    engine::spiking_engine eng(einet_test::noisy_ei_network(), 3);
    ::testing::internal::CaptureStderr();
    {
        record::progress_hook quiet(eng, 200, progress::mode::none);
        eng.run(200, &quiet, 1);
        quiet.finish(eng);
    }
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");

    ::testing::internal::CaptureStderr();
    {
        record::progress_hook lines(eng, 200, progress::mode::lines, 0.0);
        eng.run(200, &lines, 1);
        lines.finish(eng);
    }
    const std::string out = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("ms simulated 20/20"), std::string::npos) << out;
    EXPECT_NE(out.find("E "), std::string::npos) << out;
    EXPECT_NE(out.find(" Hz"), std::string::npos) << out;
}

TEST(projection_weights, arrays_list_every_synapse_of_the_table) {
    const auto net = einet_test::noisy_ei_network();
    const auto& table = net.projections[1].synapses;  // E → I, receptor "E"
    const auto dir = scratch_dir("weights");
    record::write_projection_weights(dir, net, 1);
    const auto src = io::read_npy(dir / "weights_E_I_E_sources.npy").data;
    const auto tgt = io::read_npy(dir / "weights_E_I_E_targets.npy").data;
    const auto w = io::read_npy(dir / "weights_E_I_E_weights.npy").data;
    const auto d = io::read_npy(dir / "weights_E_I_E_delays_ms.npy").data;
    ASSERT_EQ(src.size(), table.size());
    ASSERT_GT(table.size(), 0u);
    for (std::size_t pre = 0; pre < table.n_pre; ++pre) {
        for (auto k = table.row_begin(pre); k < table.row_end(pre); ++k) {
            EXPECT_EQ(src[k], static_cast<double>(pre));
            EXPECT_EQ(tgt[k], static_cast<double>(table.target[k]));
            EXPECT_EQ(w[k], static_cast<double>(table.weight[k]));
            EXPECT_DOUBLE_EQ(d[k], 0.1 * table.delay_steps[k]);
        }
    }
    EXPECT_EQ(record::projection_arrays(net, 0, "w_EE")[0].info.name, "w_EE_sources");
    EXPECT_THROW(record::projection_arrays(net, 4), config_error);
    std::filesystem::remove_all(dir);
}
