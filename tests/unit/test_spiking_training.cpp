// Spiking training (include/einet/plasticity/spiking_training.hpp, spec 001 §5.4–5.8): the rule
// family on synapse tables against the dense routine and SI Eq. 16 by hand, the first trials of a
// silent network against the closed form, reseeding, and bit-identical save/restore.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"
#include "einet/plasticity/spiking_training.hpp"
#include "spiking_test_networks.hpp"

using namespace einet;
using namespace einet::plasticity;

namespace {

constexpr double E_set = 5.0, I_set = 14.0;

// 4 E, 3 I units; class c = (post, pre) in EE, EI, IE, II order.
const std::size_t post_of[4] = {0, 0, 1, 1}, pre_of[4] = {0, 1, 0, 1};
const std::size_t n_of[2] = {4, 3};

double initial_weight(std::size_t c, std::size_t i, std::size_t j) { return 3.0 + 0.7 * static_cast<double>(c) + 0.3 * static_cast<double>(i) + 0.11 * static_cast<double>(j); }

}  // namespace

TEST(spiking_rule, synapse_tables_follow_the_dense_routine) {
    // The same two_term update on a dense matrix and on all-to-all tables without autapses.
    std::vector<double> rE{0.5, 3.0, 7.5, 1.25}, rI{2.0, 20.0, 11.0};
    std::vector<population_view> pops = {{4, true, E_set, rE.data(), rE.data()}, {3, false, I_set, rI.data(), rI.data()}};
    std::vector<std::vector<double>> dense(4);
    std::vector<network::synapse_table> tables(4);
    std::vector<std::vector<float>> tw(4);
    std::vector<projection_view> dv(4), sv(4);
    for (std::size_t c = 0; c < 4; ++c) {
        const std::size_t npost = n_of[post_of[c]], npre = n_of[pre_of[c]];
        const bool self = post_of[c] == pre_of[c];
        dense[c].resize(npost * npre);
        for (std::size_t i = 0; i < npost; ++i) {
            for (std::size_t j = 0; j < npre; ++j) {
                dense[c][i * npre + j] = self && i == j ? 0.0 : static_cast<double>(static_cast<float>(initial_weight(c, i, j)));
            }
        }
        tables[c] = network::all_to_all(npre, npost, !self);
        for (std::size_t j = 0; j < npre; ++j) {
            for (auto k = tables[c].row_begin(j); k < tables[c].row_end(j); ++k) {
                tw[c].push_back(static_cast<float>(initial_weight(c, tables[c].target[k], j)));
            }
        }
        for (auto* v : {&dv[c], &sv[c]}) {
            v->post = post_of[c];
            v->pre = pre_of[c];
            v->class_index = c;
            v->alpha = 1e-2 * static_cast<double>(c + 1);
            v->beta = 3e-3;
            v->floor = 0.0;
            v->self_connections = !self;
        }
        dv[c].weights = dense[c].data();
        sv[c].synapses = &tables[c];
        sv[c].synapse_weights = tw[c].data();
    }
    std::vector<double> scratch;
    apply_rule(named_rule("two_term"), pops, dv, 1, 0, 1, scratch);
    apply_rule(named_rule("two_term"), pops, sv, 1, 0, 1, scratch);
    for (std::size_t c = 0; c < 4; ++c) {
        const std::size_t npre = n_of[pre_of[c]];
        for (std::size_t j = 0; j < npre; ++j) {
            for (auto k = tables[c].row_begin(j); k < tables[c].row_end(j); ++k) {
                const double want = dense[c][tables[c].target[k] * npre + j];
                EXPECT_EQ(tw[c][k], static_cast<float>(want)) << "class " << class_names[c] << " synapse " << k;
            }
        }
    }
}

TEST(spiking_rule, local_cross_errors_give_si_eq16) {
    // Per-unit cross errors (SI Eq. 17) replace the population mean; two_term with β = α is Eq. 16.
    std::vector<double> rE{2.0, 6.0}, rI{10.0, 20.0};
    std::vector<double> crossE{I_set - 12.5, I_set - 18.0}, crossI{E_set - 3.0, E_set - 7.0};  // ε_cross per unit
    std::vector<population_view> pops = {{2, true, E_set, rE.data(), rE.data(), crossE.data()},
                                         {2, false, I_set, rI.data(), rI.data(), crossI.data()}};
    const double a = 0.0025;
    std::vector<network::synapse_table> tables(4);
    std::vector<std::vector<float>> w(4);
    std::vector<projection_view> v(4);
    for (std::size_t c = 0; c < 4; ++c) {
        tables[c] = network::all_to_all(2, 2, post_of[c] != pre_of[c]);
        w[c].assign(tables[c].size(), 100.0f);
        v[c].post = post_of[c];
        v[c].pre = pre_of[c];
        v[c].class_index = c;
        v[c].alpha = v[c].beta = a;
        v[c].floor = 10.0;
        v[c].ceiling = 750.0;
        v[c].synapses = &tables[c];
        v[c].synapse_weights = w[c].data();
    }
    std::vector<double> scratch;
    apply_rule(named_rule("two_term"), pops, v, 1, 0, 1, scratch);
    // One synapse per class, from pre unit 1 onto post unit 0 (row 1, first entry).
    auto after = [&](std::size_t c) { return static_cast<double>(w[c][tables[c].row_begin(1)]); };
    const double eEE = a * rE[1] * ((E_set - rE[0]) + crossE[0]);   // E→E: +α r̂_j [(5 − r̂_i) + (14 − r̄_inh(i))]
    const double eEI = -a * rI[1] * ((E_set - rE[0]) + crossE[0]);  // I→E: −α r̂_j [...]
    const double eIE = a * rE[1] * ((I_set - rI[0]) - crossI[0]);   // E→I: +α r̂_j [(14 − r̂_i) − (5 − r̄_exc(i))]
    const double eII = -a * rI[1] * ((I_set - rI[0]) - crossI[0]);  // I→I: −α r̂_j [...]
    EXPECT_NEAR(after(0), 100.0 + eEE, 1e-4);
    EXPECT_NEAR(after(1), 100.0 + eEI, 1e-4);
    EXPECT_NEAR(after(2), 100.0 + eIE, 1e-4);
    EXPECT_NEAR(after(3), 100.0 + eII, 1e-4);
}

namespace {

// A noiseless network at rest below threshold with no input: it never spikes.
network::spiking_network silent_network() {
    network::spiking_network net;
    net.dt = 0.1;
    auto e = network::spiking_population::uniform("E", 40, true, 20.0, 0.0, 20.0, 10.0, 2.0, 1.0, 0.0);
    auto i = network::spiking_population::uniform("I", 10, false, 10.0, 0.0, 20.0, 10.0, 1.0, 1.0, 0.0);
    for (auto* p : {&e, &i}) p->receptors = {{"E", network::kinetics::exponential, 5.0}, {"I", network::kinetics::exponential, 5.0}};
    net.populations = {e, i};
    einet_test::connect_e_and_i(net, 0.3, {{50.0, 60.0}, {200.0, 150.0}}, {3, 3}, 11);
    return net;
}

spiking_rule_binding binding(const network::spiking_network& net, double alpha, double floor, double ceiling) {
    spiking_rule_binding b;
    b.r = named_rule("two_term");
    const std::size_t Q = net.projections.size();
    b.alpha.assign(Q, alpha);
    b.beta.assign(Q, alpha);
    b.floor.assign(Q, floor);
    b.ceiling.assign(Q, ceiling);
    return b;
}

std::vector<std::vector<float>> weights_of(engine::spiking_engine& eng) {
    std::vector<std::vector<float>> out;
    for (std::size_t q = 0; q < eng.network().projections.size(); ++q) {
        out.emplace_back(eng.weights(q), eng.weights(q) + eng.network().projections[q].synapses.size());
    }
    return out;
}

}  // namespace

TEST(spiking_training, a_silent_network_follows_the_closed_form) {
    // All rates 0 → sensors 0, floored to 1 Hz; cross sensors 0 (before the floor):
    // trial 1: ΔW = ±α·1·(4 + 14) onto E, ±α·1·(13 − 5) onto I (SI Eq. 16).
    // trial 2: averages 1 + (0 − 1)/2 = 0.5 → cross sensors 0.5, floored own rates 1:
    // ΔW = ±α(4 + 13.5) onto E, ±α(13 − 4.5) onto I.
    auto net = silent_network();
    engine::spiking_engine eng(net, 3);
    spiking_training_params p;
    p.trial_steps = 2000;
    const double alpha = 0.01;
    spiking_trainer tr(eng, p, binding(net, alpha, 0.0, 1e9), 3, 1);
    const double step1[4] = {18.0, -18.0, 8.0, -8.0}, step2[4] = {17.5, -17.5, 8.5, -8.5};
    for (int t = 0; t < 2; ++t) {
        const auto before = weights_of(eng);
        EXPECT_EQ(tr.run_trial(), "");
        EXPECT_EQ(tr.rate_E.back(), 0.0);
        EXPECT_EQ(tr.rate_I.back(), 0.0);
        EXPECT_DOUBLE_EQ(tr.mse.back(), (40 * 25.0 + 10 * 196.0) / 50.0);  // SI Eq. 18 with all rates 0
        const auto after = weights_of(eng);
        for (std::size_t q = 0; q < after.size(); ++q) {
            const auto c = class_of(eng.network(), q);
            const double d = alpha * (t == 0 ? step1[c] : step2[c]);
            for (std::size_t k = 0; k < after[q].size(); ++k) {
                ASSERT_EQ(after[q][k], static_cast<float>(static_cast<double>(before[q][k]) + d))
                    << "trial " << t + 1 << " class " << class_names[c] << " synapse " << k;
            }
        }
    }
    EXPECT_EQ(tr.sensor(0)[0], 1.0);  // floored in place
    EXPECT_EQ(tr.cross_sensor(0)[0], 0.5);
}

TEST(spiking_training, bounds_hold_after_every_update) {
    auto net = silent_network();
    engine::spiking_engine eng(net, 3);
    spiking_training_params p;
    p.trial_steps = 100;
    spiking_trainer tr(eng, p, binding(net, 1.0, 45.0, 60.0), 3, 1);
    tr.run_trial();
    for (const auto& w : weights_of(eng)) {
        for (float x : w) {
            EXPECT_GE(x, 45.0f);
            EXPECT_LE(x, 60.0f);
        }
    }
}

TEST(spiking_engine_reseed, a_reseeded_engine_runs_as_one_built_with_that_seed) {
    auto net = einet_test::noisy_ei_network();
    engine::spiking_engine a(net, 7), b(net, 99);
    b.reseed(7);
    for (std::size_t s = 0; s < 300; ++s) {
        a.run(1, nullptr, 1);
        b.run(1, nullptr, 1);
        ASSERT_EQ(a.spikes(0), b.spikes(0)) << "step " << s;
        ASSERT_EQ(a.spikes(1), b.spikes(1)) << "step " << s;
    }
    // And the noise differs between seeds: another seed gives other spikes.
    engine::spiking_engine c(net, 8);
    std::size_t differ = 0;
    engine::spiking_engine a2(net, 7);
    for (std::size_t s = 0; s < 300; ++s) {
        a2.run(1, nullptr, 1);
        c.run(1, nullptr, 1);
        differ += a2.spikes(0) != c.spikes(0);
    }
    EXPECT_GT(differ, 0u);
}

TEST(spiking_training, every_trial_has_fresh_noise_and_a_restored_run_continues_bit_identically) {
    auto net = einet_test::noisy_ei_network();
    spiking_training_params p;
    p.trial_steps = 1500;
    const auto b = binding(net, 1e-3, 0.0, 1e9);
    engine::spiking_engine e1(net, 5);
    e1.set_min_neurons_per_thread(1);
    spiking_trainer t1(e1, p, b, 5, 2);  // two threads
    for (int k = 0; k < 5; ++k) ASSERT_EQ(t1.run_trial(), "");
    EXPECT_GT(t1.rate_E[0], 0.0);
    EXPECT_NE(t1.rate_E[0], t1.rate_E[1]);  // fresh noise (and new weights) every trial

    engine::spiking_engine e2(net, 5);
    spiking_trainer t2(e2, p, b, 5, 1);
    for (int k = 0; k < 3; ++k) t2.run_trial();
    const auto state = t2.save_state();
    engine::spiking_engine e3(net, 5);
    spiking_trainer t3(e3, p, b, 5, 1);
    t3.restore_state(state);
    EXPECT_EQ(t3.trials_done(), 3u);
    for (int k = 0; k < 2; ++k) t3.run_trial();
    EXPECT_EQ(weights_of(e1), weights_of(e3));
    EXPECT_EQ(t1.rate_E, t3.rate_E);
    EXPECT_EQ(t1.mse, t3.mse);
}

TEST(spiking_training, the_sensor_clip_caps_own_and_cross_sensors_at_the_set_point_multiple) {
    // The stored Fig. 7 run's code clipped every sensor at 2× the set point (spec §5.8 version note).
    auto net = einet_test::noisy_ei_network();
    spiking_training_params p;
    p.trial_steps = 1500;
    const auto b = binding(net, 0.0, 0.0, 1e9);
    engine::spiking_engine e1(net, 5), e2(net, 5);
    spiking_trainer free_run(e1, p, b, 5, 1);
    p.sensor_clip = 1.0;
    spiking_trainer clipped(e2, p, b, 5, 1);
    free_run.run_trial();
    clipped.run_trial();
    auto max_of = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
    ASSERT_GT(max_of(free_run.sensor(0)), E_set);  // some E units fire above 5 Hz without the clip
    EXPECT_LE(max_of(clipped.sensor(0)), E_set);
    EXPECT_LE(max_of(clipped.sensor(1)), I_set);
    EXPECT_LE(max_of(clipped.cross_sensor(0)), I_set);
    EXPECT_LE(max_of(clipped.cross_sensor(1)), E_set);
    // The code's order: the cross sensors average the unclipped sensors, then the mean is clipped.
    for (std::size_t pop = 0; pop < 2; ++pop) {
        const double cap = pop == 0 ? I_set : E_set;  // the set point of the other population
        for (std::size_t i = 0; i < free_run.cross_sensor(pop).size(); ++i) {
            ASSERT_EQ(clipped.cross_sensor(pop)[i], std::min(free_run.cross_sensor(pop)[i], cap)) << pop << " " << i;
        }
    }
    EXPECT_EQ(free_run.rate_E, clipped.rate_E);  // the clip acts on the sensors, not on the trial
}
