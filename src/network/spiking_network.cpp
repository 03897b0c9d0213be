#include "einet/network/spiking_network.hpp"

#include <cmath>

#include "einet/core/error.hpp"

namespace einet::network {

spiking_population spiking_population::uniform(std::string name, std::size_t n, bool excitatory, double tau_m,
                                               double E_L, double V_th, double V_reset, double t_ref, double R,
                                               double I_e) {
    spiking_population p;
    p.name = std::move(name);
    p.n = n;
    p.excitatory = excitatory;
    p.lif = {std::vector<double>(n, tau_m), std::vector<double>(n, E_L),     std::vector<double>(n, V_th),
             std::vector<double>(n, V_reset), std::vector<double>(n, t_ref), std::vector<double>(n, R),
             std::vector<double>(n, I_e)};
    p.V0.assign(n, E_L);
    return p;
}

void spiking_network::validate() const {
    auto fail = [](const std::string& where, const std::string& what) { throw config_error(where + ": " + what); };
    if (!(dt > 0) || !std::isfinite(dt)) fail("run.dt", "expected a positive step");
    for (const auto& p : populations) {
        const std::string where = "populations." + p.name;
        if (p.n == 0) fail(where + ".n", "expected at least one neuron, got an empty population");
        for (const auto* v : {&p.lif.tau_m, &p.lif.E_L, &p.lif.V_th, &p.lif.V_reset, &p.lif.t_ref, &p.lif.R, &p.lif.I_e, &p.V0}) {
            if (v->size() != p.n) fail(where, "expected " + std::to_string(p.n) + " values per parameter, got " + std::to_string(v->size()));
            for (double x : *v) {
                if (!std::isfinite(x)) fail(where, "expected finite parameters, got a non-finite value");
            }
        }
        for (std::size_t i = 0; i < p.n; ++i) {
            if (!(p.lif.tau_m[i] > 0)) fail(where + ".tau_m", "expected > 0");
            if (!(p.lif.t_ref[i] >= 0)) fail(where + ".t_ref", "expected >= 0");
            if (!(p.lif.V_reset[i] < p.lif.V_th[i])) fail(where + ".V_reset", "expected below V_th");
        }
        std::size_t exponential = 0;
        for (const auto& r : p.receptors) exponential += r.kind == kinetics::exponential ? 1 : 0;
        if (exponential > 3) fail(where + ".receptors", "expected at most 3 exponential receptors per population");
        for (const auto& r : p.receptors) {
            if (r.kind == kinetics::exponential && !(r.tau > 0)) fail(where + ".receptors." + r.name + ".tau", "expected > 0");
            if (!(r.noise_sigma >= 0)) fail(where + ".receptors." + r.name + ".noise_sigma", "expected >= 0");
            if (r.kind == kinetics::delta && r.noise_sigma != 0) fail(where + ".receptors." + r.name, "a delta receptor has no noise");
        }
    }
    for (std::size_t k = 0; k < projections.size(); ++k) {
        const auto& pr = projections[k];
        const std::string where = "projections[" + std::to_string(k) + "]";
        if (pr.pre >= populations.size() || pr.post >= populations.size()) fail(where, "expected existing populations");
        if (pr.receptor >= populations[pr.post].receptors.size()) fail(where + ".receptor", "expected a receptor of the target population");
        if (pr.synapses.n_pre != populations[pr.pre].n || pr.synapses.n_post != populations[pr.post].n) {
            fail(where, "expected a synapse table of the populations' sizes");
        }
    }
}

}  // namespace einet::network
