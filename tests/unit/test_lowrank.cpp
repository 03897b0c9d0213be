// Paper 000 (low-rank E-I spiking networks): the engine's low-rank projections, spike policies
// and latent readouts, the reference mode against the spec's measured numbers (spec 000 §4: Figs
// 4d/e, 4f, 5), low-rank against the same network as a synapse table, and the geometry and
// design algorithms (spec 000 §3) against their defining identities.
#include <gtest/gtest.h>

#include "lowrank_test_support.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "einet/core/error.hpp"
#include "einet/engine/noise_source.hpp"
#include "einet/engine/spike_policies.hpp"
#include "einet/lowrank/geometry.hpp"
#include "einet/lowrank/rate_limit.hpp"
#include "einet/lowrank/simulate.hpp"
#include "einet/network/connectivity.hpp"
#include "einet/record/latent_recorder.hpp"

using namespace einet;
using lowrank::population_spec;

namespace {

constexpr auto pop = test::lowrank_population;

// Fig 4d/e (spec 000 §4): one E and one I neuron, x steps 0 → 1 at sample 100, dt = 5e-5 s, 0.06 s.
lowrank::model fig4de() {
    lowrank::model m;
    m.dt = 0.05;
    m.rule = lowrank::spike_rule::inhibition_first;
    m.populations = {pop("E", true, {2.0}, {1.0}, {1.0}, {1.0}, {0.62}), pop("I", false, {1.0}, {1.0}, {1.5}, {1.0}, {-1.0})};
    m.x.assign(1200, 1.0);
    std::fill(m.x.begin(), m.x.begin() + 100, 0.0);
    return m;
}

// Fig 5: the saw-tooth DC network, N_E = N_I = 3 (spec 000 §4 table), x = linspace(−2.5, 10, 5000).
lowrank::model fig5() {
    lowrank::model m;
    m.dt = 0.05;
    m.rule = lowrank::spike_rule::inhibition_first;
    m.populations = {pop("E", true, {0.4, 1.2, 2.8}, {0.3, 0.3, 0.3}, {1, 1, 1}, {-0.535, 1.025, 10.545},
                         {0.75 * 1.05, 0.75 * 1.075, 0.75 * 1.025}),
                     pop("I", false, {0.4, 2.0, 3.6}, {1, 1, 1}, {0.9, 0.9, 0.9}, {1.135, 7.455, 20.175},
                         {-0.75 * 0.9, -0.75 * 1.5, -0.75 * 2.5})};
    m.x = lowrank::linspace(-2.5, 10.0, 5000);
    return m;
}

double window_mean(const std::vector<double>& y, std::size_t a, std::size_t b, bool absolute = false) {
    double s = 0;
    for (std::size_t n = a; n < b; ++n) s += absolute ? std::abs(y[n]) : y[n];
    return s / static_cast<double>(b - a);
}

}  // namespace

TEST(LowrankReference, Fig4AlternatesAroundTheCrossing) {
    const auto m = fig4de();
    const auto tr = lowrank::simulate(m, 1);
    // Spec 000 §4 [M]: over [2τ, 6τ) ⟨y^E⟩ = 1.905, ⟨|y^I|⟩ = 3.072; 20 spikes each; crossing (2, 3).
    EXPECT_NEAR(window_mean(tr.y[0], 400, 1200), 1.905, 0.001);
    EXPECT_NEAR(window_mean(tr.y[1], 400, 1200, true), 3.072, 0.001);
    EXPECT_EQ(tr.spikes[0].id.size(), 20u);
    EXPECT_EQ(tr.spikes[1].id.size(), 20u);
    // Strict alternation after the transient: no two consecutive spikes of one population.
    std::vector<std::pair<std::uint64_t, int>> all;
    for (int p = 0; p < 2; ++p) {
        for (auto s : tr.spikes[p].step) all.push_back({s, p});
    }
    std::sort(all.begin(), all.end());
    for (std::size_t k = 1; k < all.size(); ++k) {
        if (all[k].first >= 200) {
            EXPECT_NE(all[k].second, all[k - 1].second) << "at step " << all[k].first;
        }
    }
    const auto c = lowrank::crossing(m.populations[0], m.populations[1], 1.0);
    ASSERT_TRUE(c);
    EXPECT_NEAR(c->yE, 2.0, 1e-12);
    EXPECT_NEAR(c->yI_abs, 3.0, 1e-12);
    EXPECT_TRUE(c->stable());
}

TEST(LowrankReference, Fig4fOnlyTheCrossingPairFires) {
    lowrank::model m;
    m.dt = 0.05;
    m.rule = lowrank::spike_rule::inhibition_first;
    const auto yk = lowrank::linspace(0.0, 5.0, 10);
    population_spec E = pop("E", true, std::vector<double>(10, 0.0), {}, std::vector<double>(10, 1.0), {}, std::vector<double>(10, 1.225));
    population_spec I = pop("I", false, std::vector<double>(10, 0.0), std::vector<double>(10, 1.0), {}, {}, std::vector<double>(10, -1.8));
    for (double y : yk) {
        E.E_self.push_back(0.3 * y);
        E.T.push_back(0.15 * y * y - 2.5);
        I.E_cross.push_back(0.48 * y);
        I.T.push_back(0.24 * y * y - 1.75);
    }
    m.populations = {E, I};
    m.x.assign(1200, 0.0);
    const auto tr = lowrank::simulate(m, 1);
    // Spec [M]: only E neuron 4 and I neuron 6 fire over t >= 3τ (7 spikes each).
    for (int p = 0; p < 2; ++p) {
        std::size_t late = 0;
        for (std::size_t k = 0; k < tr.spikes[p].id.size(); ++k) {
            if (tr.spikes[p].step[k] < 600) continue;
            ++late;
            EXPECT_EQ(tr.spikes[p].id[k], p == 0 ? 4u : 6u);
        }
        EXPECT_EQ(late, 7u);
    }
    // The envelopes cross next to the smooth curves' crossing (2.887, 3.75); the lines of the two
    // neurons that fire cross at (2.867, 3.671) (spec [M]).
    const auto c = lowrank::crossing(m.populations[0], m.populations[1], 0.0);
    ASSERT_TRUE(c);
    EXPECT_NEAR(c->yE, 2.887, 0.01);
    EXPECT_NEAR(c->yI_abs, 3.75, 0.01);
    auto only = [](population_spec p, std::size_t k) {
        for (auto* v : {&p.F, &p.E_self, &p.E_cross, &p.T, &p.D}) *v = {(*v)[k]};
        return p;
    };
    const auto pair = lowrank::crossing(only(E, 4), only(I, 6), 0.0);
    ASSERT_TRUE(pair);
    EXPECT_NEAR(pair->yE, 2.867, 0.001);
    EXPECT_NEAR(pair->yI_abs, 3.671, 0.001);
}

TEST(LowrankReference, Fig5SawToothFromDifferenceOfConvexFunctions) {
    const auto m = fig5();
    const auto tr = lowrank::simulate(m, 1);
    // Spikes after the 0.05 s transient: E (13, 42, 44), I (41, 68, 40) (spec [M]).
    const std::size_t first = 1000;
    const std::size_t expected[2][3] = {{13, 42, 44}, {41, 68, 40}};
    for (int p = 0; p < 2; ++p) {
        std::size_t count[3] = {0, 0, 0};
        for (std::size_t k = 0; k < tr.spikes[p].id.size(); ++k) {
            if (tr.spikes[p].step[k] >= first) ++count[tr.spikes[p].id[k]];
        }
        for (int i = 0; i < 3; ++i) EXPECT_EQ(count[i], expected[p][i]) << "population " << p << " neuron " << i;
    }
    // RMSE of y^E against the authors' grid crossing (A5) over x ∈ [0.5, 9.5): 0.327.
    double sq = 0;
    std::size_t cnt = 0;
    for (std::size_t n = first; n < m.x.size(); ++n) {
        if (m.x[n] < 0.5 || m.x[n] >= 9.5) continue;
        const auto c = lowrank::crossing(m.populations[0], m.populations[1], m.x[n]);
        ASSERT_TRUE(c);
        const double f = std::max({0.4 * m.x[n] + 0.535, 1.2 * m.x[n] - 1.025, 2.8 * m.x[n] - 10.545}) -
                         std::max({0.4 * m.x[n] - 1.135, 2.0 * m.x[n] - 7.455, 3.6 * m.x[n] - 20.175});
        EXPECT_NEAR(c->yE, f / 0.6, 1e-9);  // the geometry reproduces the spec's closed form
        const double grid = lowrank::crossing_on_grid(m.populations[0], m.populations[1], m.x[n]).yE;
        EXPECT_NEAR(grid, c->yE, 0.1);
        sq += (tr.y[0][n] - grid) * (tr.y[0][n] - grid);
        ++cnt;
    }
    EXPECT_NEAR(std::sqrt(sq / static_cast<double>(cnt)), 0.327, 0.002);
}

TEST(LowrankReference, ExactIntegratorConvergesToReference) {
    // Where the models coincide (dt → 0) the engine's general integrator (exact propagator, LIF delta
    // synapses) and the reference (Euler, discrete delta) give the same latent means: Fig 4 at dt/10.
    auto ref = fig4de();
    ref.dt = 0.005;
    ref.x.assign(12000, 1.0);
    std::fill(ref.x.begin(), ref.x.begin() + 1000, 0.0);
    auto exact = ref;
    exact.method = network::integrator::exact;
    exact.instant_kinetics = network::kinetics::delta;
    const auto a = lowrank::simulate(ref, 1), b = lowrank::simulate(exact, 1);
    EXPECT_NEAR(window_mean(a.y[0], 4000, 12000), window_mean(b.y[0], 4000, 12000), 0.01);
    EXPECT_NEAR(window_mean(a.y[1], 4000, 12000, true), window_mean(b.y[1], 4000, 12000, true), 0.01);
    EXPECT_NEAR(window_mean(a.y[0], 4000, 12000), 2.0, 0.15);  // and both sit at the crossing (2, 3)
}

// The same E-I network as low-rank projections and as dense synapse tables W = E·Dᵀ: dyadic E and
// D make every product and sum exact, so the spikes and voltages must agree bit for bit.
TEST(LowrankEngine, MatchesTheDenseSynapseTable) {
    const std::size_t nE = 40, nI = 12;
    std::mt19937 gen(5);
    auto dyadic = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen) / 16.0; };
    std::vector<std::vector<double>> Ep(4), Dp(2);
    const std::size_t size[2] = {nE, nI};
    for (std::size_t pre = 0; pre < 2; ++pre) {
        for (std::size_t j = 0; j < size[pre]; ++j) Dp[pre].push_back(pre == 0 ? dyadic(0, 8) / 8.0 : -dyadic(0, 16) / 8.0);
    }
    for (std::size_t b = 0; b < 4; ++b) {
        for (std::size_t i = 0; i < size[b / 2]; ++i) Ep[b].push_back(dyadic(0, 32));  // block (post, pre) = b
    }
    auto base = [&] {
        network::spiking_network net;
        net.dt = 0.1;
        net.method = network::integrator::exact;
        for (std::size_t p = 0; p < 2; ++p) {
            auto pop = network::spiking_population::uniform(p ? "I" : "E", size[p], p == 0, 10.0, 0.0, 1.0, 0.0, 2.0, 1.0, 1.2);
            for (const char* r : {"E", "I"}) {
                network::receptor rc;
                rc.name = r;
                rc.kind = network::kinetics::exponential;
                rc.tau = r[0] == 'E' ? 3.0 : 2.0;
                pop.receptors.push_back(rc);
            }
            pop.lif.sigma_V.assign(size[p], 0.3);
            net.populations.push_back(pop);
        }
        return net;
    };
    auto lr = base(), dense = base();
    for (std::size_t post = 0; post < 2; ++post) {
        for (std::size_t pre = 0; pre < 2; ++pre) {
            const auto& E = Ep[post * 2 + pre];
            network::lowrank_projection pr{pre, post, pre, 1, E, Dp[pre], 1, false};
            lr.lowrank.push_back(pr);
            std::vector<float> W(size[post] * size[pre]);
            for (std::size_t i = 0; i < size[post]; ++i) {
                for (std::size_t j = 0; j < size[pre]; ++j) W[i * size[pre] + j] = static_cast<float>(std::abs(E[i] * Dp[pre][j]));
            }
            network::spiking_projection sp;
            sp.pre = pre;
            sp.post = post;
            sp.receptor = pre;
            sp.synapses = network::from_dense(size[pre], size[post], W, false, 1);
            dense.projections.push_back(std::move(sp));
        }
    }
    struct log final : engine::spike_hook {
        std::vector<std::vector<std::uint32_t>> spikes;
        std::vector<double> V;
        void on_step(engine::spiking_engine& e) override {
            for (std::size_t p = 0; p < 2; ++p) spikes.push_back(e.spikes(p));
            V.insert(V.end(), e.V(0), e.V(0) + e.network().populations[0].n);
        }
    };
    auto run = [](network::spiking_network net, int threads) {
        engine::spiking_engine eng(std::move(net), 9);
        eng.set_min_neurons_per_thread(8);
        log l;
        eng.run(2000, &l, threads);
        return l;
    };
    // Reading only spikes, two threads meet every 2 steps (delay 1): the latent increments of both
    // steps are written at the meeting, each into its own step's slot.
    struct spikes_only final : engine::spike_hook {
        std::vector<std::vector<std::uint32_t>> spikes;
        void on_step(engine::spiking_engine& e) override {
            for (std::size_t p = 0; p < 2; ++p) spikes.push_back(e.spikes(p));
        }
        bool reads_state(std::uint64_t) const override { return false; }
    };
    auto run_quiet = [](network::spiking_network net, int threads) {
        engine::spiking_engine eng(std::move(net), 9);
        eng.set_min_neurons_per_thread(8);
        EXPECT_EQ(eng.exchange_interval(), 2u);
        spikes_only l;
        eng.run(2000, &l, threads);
        return std::make_pair(l.spikes, std::vector<double>(eng.V(0), eng.V(0) + eng.network().populations[0].n));
    };
    const auto a = run(lr, 1), b = run(dense, 1), c = run(lr, 2);
    const auto d = run_quiet(lr, 2);
    std::size_t total = 0;
    for (const auto& s : a.spikes) total += s.size();
    EXPECT_GT(total, 200u);  // a network that actually fires
    EXPECT_EQ(a.spikes, b.spikes);
    EXPECT_EQ(a.V, b.V);
    EXPECT_EQ(a.spikes, c.spikes);  // and for any thread count
    EXPECT_EQ(a.V, c.V);
    EXPECT_EQ(a.spikes, d.first);  // and with several steps between meetings
    EXPECT_TRUE(std::equal(d.second.begin(), d.second.end(), a.V.end() - static_cast<std::ptrdiff_t>(d.second.size())));
}

TEST(LowrankEngine, SnapshotRestoreContinuesBitIdentically) {
    auto m = fig5();
    m.synapses = lowrank::synapse_model::pulse;
    m.rule = lowrank::spike_rule::all_above;
    for (auto& p : m.populations) {
        p.tau_s = 1.0;
        p.sigma_V = 0.01;
        p.mu = 0.05;
    }
    auto low = lowrank::lower(m);
    engine::spiking_engine a(low.net, 3), b(low.net, 3);
    a.set_spike_policy(low.policy.get());
    a.run(1500, nullptr, 1);
    const auto snap = a.snapshot();
    auto low2 = lowrank::lower(m);  // a fresh policy: with refractory 0 it holds no state that matters
    b.set_spike_policy(low2.policy.get());
    b.restore(snap);
    struct log final : engine::spike_hook {
        std::vector<std::uint32_t> ids;
        void on_step(engine::spiking_engine& e) override {
            for (std::size_t p = 0; p < 2; ++p) {
                for (auto i : e.spikes(p)) ids.push_back(static_cast<std::uint32_t>(p * 100 + i));
            }
        }
    } la, lb;
    a.run(700, &la, 1);
    b.run(700, &lb, 2);
    EXPECT_GT(la.ids.size(), 20u);  // the latent ring and pulses in flight carry over
    EXPECT_EQ(la.ids, lb.ids);
    for (std::size_t p = 0; p < 2; ++p) {
        for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(a.V(p)[i], b.V(p)[i]);
    }
}

// refractory_gate keeps the step of each neuron's last spike; with t_ref of many steps that state
// decides spikes after a restore, so it travels in the engine's snapshot ("policy/...").
TEST(LowrankEngine, RefractoryGateStateTravelsInSnapshots) {
    auto m = fig5();
    m.synapses = lowrank::synapse_model::pulse;
    m.rule = lowrank::spike_rule::all_above;
    m.refractory = 1.5;  // 30 steps at dt = 0.05 ms
    for (auto& p : m.populations) {
        p.tau_s = 1.0;
        p.sigma_V = 0.05;
        p.mu = 0.05;
    }
    struct log final : engine::spike_hook {
        std::vector<std::uint64_t> spikes;
        void on_step(engine::spiking_engine& e) override {
            for (std::size_t p = 0; p < 2; ++p) {
                for (auto i : e.spikes(p)) spikes.push_back(e.step() * 1000 + p * 100 + i);
            }
        }
    };
    auto low = lowrank::lower(m);
    engine::spiking_engine a(low.net, 5), b(low.net, 5);
    a.set_spike_policy(low.policy.get());
    log la, lb;
    a.run(1500, &la, 1);
    ASSERT_GT(la.spikes.size(), 10u);
    // Snapshot right after a spike: that neuron is inside its refractory window.
    for (std::size_t seen = la.spikes.size(); la.spikes.size() == seen && a.step() < 4000;) a.run(1, &la, 1);
    ASSERT_EQ(la.spikes.back() / 1000, a.step());
    auto snap = a.snapshot();
    auto low2 = lowrank::lower(m);
    b.set_spike_policy(low2.policy.get());
    b.restore(snap);
    la.spikes.clear();
    a.run(1500, &la, 1);
    b.run(1500, &lb, 2);
    EXPECT_GT(la.spikes.size(), 10u);
    EXPECT_EQ(la.spikes, lb.spikes);
    for (std::size_t p = 0; p < 2; ++p) {
        for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(a.V(p)[i], b.V(p)[i]);
    }
    // The state matters: forgetting the last spikes (a gate that starts empty) changes the run.
    auto forgotten = snap;
    for (auto& s : forgotten) {
        if (s.name.rfind("policy/", 0) == 0) std::fill(s.values.begin(), s.values.end(), 0.0);
    }
    auto low4 = lowrank::lower(m);
    engine::spiking_engine d(low.net, 5);
    d.set_spike_policy(low4.policy.get());
    d.restore(forgotten);
    log ld;
    d.run(1500, &ld, 1);
    EXPECT_NE(ld.spikes, la.spikes);
    // A snapshot without the policy's arrays does not fit a gated engine: the error names the array.
    std::erase_if(snap, [](const engine::state_array& s) { return s.name.rfind("policy/", 0) == 0; });
    auto low3 = lowrank::lower(m);
    engine::spiking_engine c(low.net, 5);
    c.set_spike_policy(low3.policy.get());
    try {
        c.restore(snap);
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("policy/last_spike/E"), std::string::npos) << e.what();
    }
}

TEST(LowrankEngine, PoliciesPickArgmaxAndServeInhibitionFirst) {
    // Three I neurons pushed over threshold together: one spike per step, largest V first.
    lowrank::model m;
    m.dt = 0.1;
    m.populations = {pop("I", false, {1.0, 1.0, 1.0}, {1, 1, 1}, {}, {0.5, 0.4, 0.45}, {-0.01, -0.01, -0.01})};
    m.x.assign(3, 2.0);
    m.x[0] = 0.0;
    auto tr = lowrank::simulate(m, 1);
    ASSERT_EQ(tr.spikes[0].id.size(), 2u);
    EXPECT_EQ(tr.spikes[0].id[0], 1u);  // lowest threshold = largest V − V_th
    EXPECT_EQ(tr.spikes[0].id[1], 1u);  // not reset: still the largest
    // Clamp: the spiking neuron's V is set to threshold (spec §2.3), so the next one wins.
    m.clamp = true;
    tr = lowrank::simulate(m, 1);
    ASSERT_EQ(tr.spikes[0].id.size(), 2u);
    EXPECT_EQ(tr.spikes[0].id[0], 1u);
    EXPECT_EQ(tr.spikes[0].id[1], 2u);
    auto low = lowrank::lower(m);
    engine::spiking_engine eng(low.net, 1);
    eng.set_spike_policy(low.policy.get());
    eng.run(1, nullptr, 1);
    EXPECT_EQ(eng.V(0)[1], 1.0);
    EXPECT_GT(eng.V(0)[2], 1.0);  // not chosen: stays above and is tested again next step
    // Inhibition first: E and I cross together (E further above); only I fires. Without the
    // priority the larger V − V_th (E) wins.
    auto ei = fig4de();
    ei.x = {0.0, 5.0, 5.0};
    auto both = lowrank::simulate(ei, 1);
    EXPECT_TRUE(both.spikes[0].step.empty() || both.spikes[0].step[0] > 1);
    ASSERT_FALSE(both.spikes[1].step.empty());
    EXPECT_EQ(both.spikes[1].step[0], 1u);
    ei.rule = lowrank::spike_rule::one_per_step;
    both = lowrank::simulate(ei, 1);
    ASSERT_FALSE(both.spikes[0].step.empty());
    EXPECT_EQ(both.spikes[0].step[0], 1u);
    EXPECT_TRUE(both.spikes[1].step.empty() || both.spikes[1].step[0] > 1);
}

TEST(LowrankEngine, LatentReadoutFiltersSpikesExactly) {
    // One spike of a neuron with D = −0.5 at sample 1: y_n = −0.5 e^{−(n−1)dt/τ}.
    lowrank::model m;
    m.dt = 0.1;
    m.populations = {pop("I", false, {1.0}, {1.0}, {}, {1.5}, {-0.5})};
    m.x.assign(50, 0.0);
    m.x[1] = 2.0;  // c_1 = x_1/h lifts V_1 = x_1 − 0.5h over 1; c_2 = −x_1/h + x_1 pulls it far down
    const auto tr = lowrank::simulate(m, 1);
    ASSERT_GE(tr.spikes[0].step.size(), 1u);
    const auto s = tr.spikes[0].step[0];
    for (std::size_t n = s; n < s + 5; ++n) EXPECT_NEAR(tr.y[0][n], -0.5 * std::exp(-(double)(n - s) * 0.01), 1e-12);
    EXPECT_EQ(tr.y[0][s - 1], 0.0);
}

// ---- geometry and design (spec 000 §3) ------------------------------------------------------

TEST(LowrankGeometry, DcDecompositionIsExactForRandomPiecewiseLinear) {
    std::mt19937 gen(11);
    std::uniform_real_distribution<double> u(-2.0, 2.0);
    for (int trial = 0; trial < 50; ++trial) {
        lowrank::piecewise_linear f;
        double x = u(gen);
        for (int k = 0; k < 2 + trial % 9; ++k) {
            f.knots.push_back(x);
            f.values.push_back(u(gen) * 3);
            x += 0.1 + std::abs(u(gen));
        }
        const auto dc = lowrank::dc_decompose(f, 0.25);
        for (std::size_t k = 1; k < dc.q.pieces(); ++k) {
            EXPECT_GE(dc.q.slope(k), dc.q.slope(k - 1) - 1e-12);  // both convex
            EXPECT_GE(dc.p.slope(k), dc.p.slope(k - 1) - 1e-12);
        }
        for (int s = 0; s < 40; ++s) {
            const double t = f.knots.front() + (f.knots.back() - f.knots.front()) * s / 39.0;
            EXPECT_NEAR(dc.q(t) - dc.p(t), f(t), 1e-9);
        }
        // A3: the E-I crossing realises f exactly in the rate (geometric) limit: y^E* = (f + c_E − c_I)/(a_I − a_E).
        const auto net = lowrank::design_ei(dc, 0.3, 0.9, 10.0, 1.0);  // c_E − c_I > max |f|: y^E* > 0
        for (int s = 0; s < 40; ++s) {
            const double t = f.knots.front() + (f.knots.back() - f.knots.front()) * s / 39.0;
            const auto c = lowrank::crossing(net.E, net.I, t);
            ASSERT_TRUE(c) << "x = " << t;
            EXPECT_NEAR(c->yE, (f(t) + 10.0 - 1.0) / 0.6, 1e-9);
            EXPECT_TRUE(c->stable());
        }
    }
}

TEST(LowrankGeometry, ConvexDesignerPlacesTheBoundaryAndRefusesNonConvexTargets) {
    std::mt19937 gen(3);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int trial = 0; trial < 20; ++trial) {
        // A random convex piecewise-linear f (increasing slopes), boundary y = −f(x).
        lowrank::piecewise_linear f{{-1.0}, {0.5 + u(gen)}};
        double slope = -2.0 * u(gen) - 0.5;
        for (int k = 0; k < 6; ++k) {
            const double dx = 0.2 + 0.3 * u(gen);
            f.knots.push_back(f.knots.back() + dx);
            f.values.push_back(f.values.back() + slope * dx);
            slope += 0.2 + u(gen);
        }
        const auto lines = lowrank::design_convex(f, "target");
        population_spec I = pop("I", false, lines.F, lines.E, {}, lines.T, std::vector<double>(lines.F.size(), -0.05));
        for (int s = 0; s <= 30; ++s) {
            const double t = f.knots.front() + (f.knots.back() - f.knots.front()) * s / 30.0;
            EXPECT_NEAR(lowrank::boundary(I, t), -f(t), 1e-9);
        }
        // Simulated with small decoders at a constant x where −f < 0, y stays within one decoder below it.
        const double x0 = f.knots[3];
        if (-f(x0) >= -0.2) continue;
        lowrank::model m;
        m.dt = 0.01;
        m.populations = {I};
        m.x.assign(20000, x0);
        const auto tr = lowrank::simulate(m, 1);
        // The voltage-implied latent decays by (1 − h) per step, the readout by e^{−h}: they differ
        // by about h|y|/2 (spec §2.6), which bounds how far the readout can sit past the line.
        const double h = m.dt / m.tau, slack = h * std::abs(f(x0)) + 1e-9;
        for (std::size_t n = 10000; n < 20000; ++n) {
            EXPECT_LE(tr.y[0][n], -f(x0) + slack);
            EXPECT_GE(tr.y[0][n], -f(x0) - 0.05 - slack);  // within one decoder below the boundary
        }
    }
    lowrank::piecewise_linear bad{{0.0, 1.0, 2.0}, {0.0, 1.0, 1.5}};  // slopes 1, then 0.5: concave kink
    try {
        lowrank::design_convex(bad, "neurons.I.target");
        FAIL() << "a non-convex target was accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("neurons.I.target"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("convex"), std::string::npos);
    }
}

TEST(LowrankGeometry, Fig13ThresholdTuning) {
    // Spec 000 §4 Fig 13 (values of the code's seed-19 draw): random boundary on [−1, 1] formed by
    // neurons 5, 6, 7 only; after A6 every neuron touches g = −x² − 0.5 and max |envelope − g| = 0.238.
    const std::vector<double> E = {1.110502, 0.829767, 0.711126, 0.797984, 0.698355, 0.878074, 1.517672, 1.290377, 1.126207, 0.268727};
    const std::vector<double> F = {-1.548341, 0.265273, -0.000896, -1.015992, 0.111990, -1.191952, 1.555544, -0.933300, 0.526534, -0.149965};
    const std::vector<double> T = {0.380696, 0.585539, 0.639630, 0.563999, 0.477151, 0.039775, 0.501396, -0.005951, 0.295443, 0.145830};
    population_spec p = pop("I", false, F, E, {}, T, std::vector<double>(10, -0.1));
    std::set<std::size_t> formers;
    for (int s = 0; s <= 2000; ++s) {
        std::size_t k = 0;
        lowrank::boundary(p, -1.0 + s / 1000.0, &k);
        formers.insert(k);
    }
    EXPECT_EQ(formers, (std::set<std::size_t>{5, 6, 7}));
    // Silent where the boundary is above 0: (0.007, 0.322).
    EXPECT_LT(lowrank::boundary(p, 0.0), 0.0);
    EXPECT_GT(lowrank::boundary(p, 0.01), 0.0);
    EXPECT_GT(lowrank::boundary(p, 0.32), 0.0);
    EXPECT_LT(lowrank::boundary(p, 0.325), 0.0);
    p.T = lowrank::tune_thresholds(E, F, -1.0, 0.0, -0.5);
    const std::vector<double> tuned = {-0.015549, -0.393682, -0.355563, -0.075602, -0.344688, -0.034529, -0.360246, -0.476430, -0.501561, -0.113441};
    for (std::size_t k = 0; k < 10; ++k) EXPECT_NEAR(p.T[k], tuned[k], 2e-6);
    double worst = 0;
    for (int s = 0; s <= 2000; ++s) {
        const double x = -1.0 + s / 1000.0;
        worst = std::max(worst, std::abs(lowrank::boundary(p, x) - (-x * x - 0.5)));
    }
    EXPECT_NEAR(worst, 0.238, 0.001);
}

TEST(LowrankBadInput, DaleAndShapeErrorsNameTheKey) {
    auto expect_error = [](auto&& f, const std::string& key) {
        try {
            f();
            FAIL() << "no error for " << key;
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
        }
    };
    auto m = fig4de();
    m.populations[1].D = {0.5};  // an inhibitory decoder of the wrong sign
    expect_error([&] { lowrank::lower(m); }, "neurons.I.D");
    m = fig4de();
    m.populations[0].F = {1.0, 2.0};
    expect_error([&] { lowrank::lower(m); }, "neurons.E.F");
    m = fig4de();
    m.populations[0].E_cross = {-1.0};
    expect_error([&] { lowrank::lower(m); }, "neurons.E.E_cross");
    auto net = lowrank::lower(fig4de()).net;
    net.lowrank[0].encoders.push_back(1.0);  // rank/shape mismatch
    expect_error([&] { engine::spiking_engine e(net, 1); }, "lowrank[0].encoders");
    net = lowrank::lower(fig4de()).net;
    net.lowrank[1].decoders = {1.0};  // I → E block with a positive (excitatory) decoder
    expect_error([&] { engine::spiking_engine e(net, 1); }, "lowrank[1].decoders");
    EXPECT_THROW(lowrank::design_ei(lowrank::dc_pair{{{0, 1}, {0, 1}}, {{0, 1}, {0, 0}}}, 0.9, 0.3, 0, 0), config_error);
}

TEST(LowrankRateLimit, Fig11FixedPointsApproachTheSpikingCrossing) {
    // Spec 000 §4 Fig 11e [M]: fixed points of S16 (x = 2) and their eigenvalues (units of 1/τ);
    // β → ∞: the crossing (2, 3.5) of the spiking boundaries |y^I| = 1.25 y^E + 1 and 2 y^E − 0.5.
    const lowrank::homogeneous_ei p;
    struct row {
        double beta, yE, yI;
    };
    for (const row r : {row{100, 1.998, 3.504}, row{10, 1.979, 3.551}, row{3, 1.964, 3.715}, row{1, 2.071, 4.291}}) {
        const auto fp = lowrank::rate_fixed_point_of(p, 2.0, r.beta);
        ASSERT_TRUE(fp) << "beta = " << r.beta;
        EXPECT_NEAR(fp->yE, r.yE, 0.001) << "beta = " << r.beta;
        EXPECT_NEAR(fp->yI_abs, r.yI, 0.001) << "beta = " << r.beta;
        EXPECT_TRUE(fp->stable());
        const auto f = lowrank::rate_flow(p, 2.0, r.beta, fp->yE, fp->yI_abs);
        EXPECT_NEAR(f[0], 0.0, 1e-10);
        EXPECT_NEAR(f[1], 0.0, 1e-10);
    }
    const auto fp10 = lowrank::rate_fixed_point_of(p, 2.0, 10.0);
    EXPECT_NEAR(fp10->eigenvalues[0].real(), -5.26, 0.01);
    EXPECT_NEAR(std::abs(fp10->eigenvalues[0].imag()), 15.5, 0.05);
    const auto fp3 = lowrank::rate_fixed_point_of(p, 2.0, 3.0);
    EXPECT_NEAR(fp3->eigenvalues[0].real(), -2.39, 0.01);
    EXPECT_NEAR(std::abs(fp3->eigenvalues[0].imag()), 4.67, 0.01);
    // The spiking geometry's crossing of the same network (one neuron per population).
    population_spec E = pop("E", true, {1.0}, {1.25}, {1.0}, {1.0}, {0.125});
    population_spec I = pop("I", false, {1.0}, {1.0}, {2.0}, {2.5}, {-0.25});
    const auto c = lowrank::crossing(E, I, 2.0);
    ASSERT_TRUE(c);
    EXPECT_NEAR(c->yE, 2.0, 1e-12);
    EXPECT_NEAR(c->yI_abs, 3.5, 1e-12);
    const auto fp1000 = lowrank::rate_fixed_point_of(p, 2.0, 1000.0);
    ASSERT_TRUE(fp1000);
    EXPECT_NEAR(fp1000->yE, c->yE, 0.001);
    EXPECT_NEAR(fp1000->yI_abs, c->yI_abs, 0.001);
}

// Same noise, same spikes: the engine's reference mode fed given normals (engine::noise_source)
// against a direct loop of spec 000 §2.2–2.3 (Euler, one-step delay, self term, argmax, clamp) on
// the Fig 15 network at σ_V = 0.2: identical spike trains, trial by trial.
TEST(LowrankEngine, ReferenceModeEqualsTheSpecLoopOnTheSameNoise) {
    struct table_source final : engine::noise_source {
        std::vector<double> xi;  // [step][neuron]
        std::size_t N = 0;
        void normals(std::size_t, std::uint32_t stream, std::uint64_t step, std::size_t i0, std::size_t i1, double* out) override {
            for (std::size_t i = i0; i < i1; ++i) out[i - i0] = stream == membrane_stream ? xi[step * N + i] : 0.0;
        }
    };
    const std::size_t N = 50, nT = 3000;
    const double sigma = 0.2, mu = 0.025, D = -0.25, x = -0.5, h = 0.001;
    lowrank::model m;
    m.dt = 0.01;
    const auto lines = lowrank::tangents_of_quadratic(-1, 0, -0.5, lowrank::linspace(-1, 1, N));
    auto I = pop("I", false, lines.F, lines.E, {}, lines.T, std::vector<double>(N, D));
    I.mu = mu;
    I.sigma_V = sigma;
    m.populations = {I};
    m.clamp = true;
    m.x.assign(nT, x);
    std::size_t spikes = 0;
    for (int trial = 0; trial < 10; ++trial) {
        table_source src;
        src.N = N;
        std::mt19937_64 g(static_cast<std::uint64_t>(trial) + 1);
        std::normal_distribution<double> normal;
        src.xi.resize(nT * N);
        for (auto& v : src.xi) v = normal(g);
        auto low = lowrank::lower(m);
        engine::spiking_engine e(low.net, 1);
        e.set_spike_policy(low.policy.get());
        e.set_noise_source(&src);
        struct log final : engine::spike_hook {
            std::vector<std::pair<std::uint64_t, std::uint32_t>> s;
            void on_step(engine::spiking_engine& eng) override {
                for (auto i : eng.spikes(0)) s.emplace_back(eng.step(), i);
            }
        } engine_spikes;
        e.run(nT - 1, &engine_spikes, 1);
        std::vector<std::pair<std::uint64_t, std::uint32_t>> loop_spikes;
        std::vector<double> V(N, 0.0);
        std::ptrdiff_t last = -1;  // the neuron that spiked in the previous step
        for (std::size_t n = 1; n < nT; ++n) {
            for (std::size_t i = 0; i < N; ++i) {
                const double syn = last >= 0 && static_cast<std::size_t>(last) != i ? D : 0.0;  // E_i D_j, E = 1
                const double self = static_cast<std::size_t>(last) == i ? D - mu : 0.0;          // W_self = E_i D_i − μ
                V[i] += h * (-V[i] + I.F[i] * x + (1 - I.T[i])) + syn + self + std::sqrt(2 * h) * sigma * src.xi[(n - 1) * N + i];
            }
            const auto k = static_cast<std::size_t>(std::max_element(V.begin(), V.end()) - V.begin());
            last = -1;
            if (V[k] >= 1) {
                V[k] = 1;  // clamp (spec §2.3)
                last = static_cast<std::ptrdiff_t>(k);
                loop_spikes.emplace_back(n, static_cast<std::uint32_t>(k));
            }
        }
        ASSERT_EQ(engine_spikes.s, loop_spikes) << "trial " << trial;
        spikes += loop_spikes.size();
    }
    EXPECT_GT(spikes, 100u);
}
