#include "einet/lowrank/rate_network.hpp"

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/engine/rate_engine.hpp"

namespace einet::lowrank {

namespace {

// Records ȳ^X_n = D^X·ρ^X_n of network 0 after every step.
struct latent_log final : engine::rate_step_hook {
    const model* m = nullptr;
    std::vector<std::vector<double>>* y = nullptr;
    void on_step(engine::rate_engine& e, std::size_t, std::size_t b0, std::size_t) override {
        if (b0 != 0) return;
        for (std::size_t p = 0; p < m->populations.size(); ++p) (*y)[p].push_back(readout(e, p));
        record_rates(e);
    }
    std::vector<std::vector<double>>* rho = nullptr;
    void record_rates(const engine::rate_engine& e) {
        for (std::size_t p = 0; p < m->populations.size(); ++p) {
            const double* r = e.rates(p);
            for (std::size_t j = 0; j < m->populations[p].size(); ++j) (*rho)[p].push_back(r[j * e.batch()]);
        }
    }
    double readout(const engine::rate_engine& e, std::size_t p) const {
        const auto& D = m->populations[p].D;
        const double* r = e.rates(p);
        double s = 0;
        for (std::size_t j = 0; j < D.size(); ++j) s += D[j] * r[j * e.batch()];
        return s;
    }
    bool leaves_weights_alone() const override { return true; }
};

}  // namespace

network::rate_network lower_rate(const model& m) {
    network::rate_network net;
    net.dt = m.dt;
    net.order = network::update_order::simultaneous;  // spec §2.7: V^E_n and V^I_n both from ρ_{n−1}
    for (std::size_t p = 0; p < m.populations.size(); ++p) {
        const auto& pop = m.populations[p];
        network::rate_population rp;
        rp.name = pop.name;
        rp.n = pop.size();
        rp.excitatory = pop.excitatory;
        rp.tau = m.tau;
        rp.state = network::rate_state::voltage;
        rp.shape = network::transfer_shape::logistic;
        rp.beta = m.beta;
        rp.thresholds = pop.T;  // no bias shift in the rate networks (spec §2.7)
        net.populations.push_back(std::move(rp));
        net.signals.push_back({p, pop.F, m.x});
    }
    for (std::size_t post = 0; post < m.populations.size(); ++post) {
        for (std::size_t pre = 0; pre < m.populations.size(); ++pre) {
            net.projections.push_back({post, pre, true, m.populations[post].name + m.populations[pre].name});
        }
    }
    return net;
}

std::vector<double> rate_weights(const model& m, std::size_t post, std::size_t pre) {
    const auto& to = m.populations[post];
    const auto& from = m.populations[pre];
    const auto& E = post == pre ? to.E_self : to.E_cross;
    const auto& D = post == pre || from.D_cross.empty() ? from.D : from.D_cross;  // S12 mistuned cross blocks
    std::vector<double> w(to.size() * from.size());
    for (std::size_t i = 0; i < to.size(); ++i) {
        for (std::size_t j = 0; j < from.size(); ++j) w[i * from.size() + j] = std::abs(E[i] * D[j]);
    }
    return w;
}

trajectory simulate_rate(const model& m, int threads) {
    m.validate();
    const std::size_t P = m.populations.size();
    engine::rate_engine eng(lower_rate(m), 1, 0);
    for (std::size_t q = 0; q < eng.network().projections.size(); ++q) {
        const auto& pr = eng.network().projections[q];
        const auto w = rate_weights(m, pr.post, pr.pre);
        std::copy(w.begin(), w.end(), eng.weights(q));  // batch 1: [i * n_pre + j]
    }
    // Initial state (spec §2.7): ρ_0 = V_0 = 0, or the given ρ_0 with V_0 = logit(ρ_0)/β + T.
    for (std::size_t p = 0; p < P; ++p) {
        const auto& pop = m.populations[p];
        for (std::size_t i = 0; i < pop.rho0.size(); ++i) {
            eng.rates(p)[i] = pop.rho0[i];
            eng.voltages(p)[i] = std::log(pop.rho0[i] / (1 - pop.rho0[i])) / m.beta + pop.T[i];
        }
    }
    trajectory out;
    out.y.resize(P);
    out.spikes.resize(P);
    latent_log log;
    log.m = &m;
    log.y = &out.y;
    out.rho.resize(P);
    log.rho = &out.rho;
    for (std::size_t p = 0; p < P; ++p) out.y[p].push_back(log.readout(eng, p));
    log.record_rates(eng);
    eng.run(m.x.size() - 1, &log, threads);
    if (auto bad = eng.find_nonfinite()) {
        throw numerical_error("lowrank rate network: non-finite " + bad->what + " in population " +
                              m.populations[bad->group].name + ", unit " + std::to_string(bad->unit));
    }
    return out;
}

}  // namespace einet::lowrank
