#pragma once
// Description of a spiking network: populations of current-based LIF neurons with per-neuron
// parameters (structure of arrays), receptor channels on the postsynaptic side, and projections
// stored as synapse tables. Plain values in the internal unit system (ms, mV, pA, GΩ); the config
// layer lowers TOML into this and the spiking engine runs it.
//
// Current-based LIF (spec 003 Eqs. 1.2–1.4; the CUBA benchmark of Brette et al. 2007):
//   τ_m dV/dt = −(V − E_L) + R (Σ_r s_r + I_e)
//   V ≥ V_th  →  spike at the grid time, V ← V_reset, V held so that it shows V_reset for
//               round(t_ref/dt) samples (Brian2's count; receptors keep evolving)
// Receptor r of a neuron (chosen by the presynaptic type, e.g. "E" and "I"):
//   exponential:  ds = −s/τ dt + σ dW,  each arriving spike adds ±w to s     (spec 003 Eq. 1.4)
//   delta:        each arriving spike adds ±w (mV) to V directly
// s and I_e are currents (pA) with R in GΩ; for voltage-valued synapses (CUBA) use R = 1 and mV.
#include <cstddef>
#include <string>
#include <vector>

#include "einet/network/connectivity.hpp"

namespace einet::network {

enum class kinetics { delta, exponential };

struct receptor {
    std::string name;
    kinetics kind = kinetics::exponential;
    double tau = 5.0;          // ms (exponential)
    double noise_sigma = 0.0;  // σ of the current noise, receptor units per sqrt(ms)
};

struct lif_parameters {  // one value per neuron
    std::vector<double> tau_m, E_L, V_th, V_reset, t_ref, R, I_e;
};

struct spiking_population {
    std::string name;
    std::size_t n = 0;
    bool excitatory = true;  // sign of its outgoing weights
    lif_parameters lif;
    std::vector<receptor> receptors;
    std::vector<double> V0;  // initial membrane potentials (mV)

    // A population with the same parameters for every neuron.
    static spiking_population uniform(std::string name, std::size_t n, bool excitatory, double tau_m, double E_L,
                                      double V_th, double V_reset, double t_ref, double R = 1.0, double I_e = 0.0);
};

struct spiking_projection {
    std::size_t pre = 0, post = 0;
    std::size_t receptor = 0;  // index into the post population's receptors
    synapse_table synapses;    // weights are magnitudes; the sign is the presynaptic population's
};

enum class integrator { euler_maruyama, exact };

struct spiking_network {
    std::vector<spiking_population> populations;
    std::vector<spiking_projection> projections;
    double dt = 0.1;  // ms
    integrator method = integrator::exact;

    // Throws config_error when sizes or parameters are inconsistent (names the population).
    void validate() const;
};

}  // namespace einet::network
