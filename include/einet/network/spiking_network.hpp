#pragma once
// Description of a spiking network: populations of current-based (adaptive) LIF neurons with
// per-neuron parameters (structure of arrays), receptor channels on the postsynaptic side,
// projections stored as synapse tables, and external inputs. Plain values in the internal unit
// system (ms, mV, pA, GΩ); the config layer lowers TOML into this and the spiking engine runs it.
//
// Neuron (one model covers both of the issue's; docs/models/spiking.md):
//   τ_m dV/dt = −(V − E_L) + R (Σ_r s_r − I_a + I_e + I_step(t)) + σ_V √τ_m ξ(t)
//   dI_a/dt   = −I_a/τ_a                                      (adaptation; absent when jump = 0)
//   V ≥ V_th (V > V_th when `strict_threshold`) → spike at the grid time, V ← V_reset,
//   I_a ← I_a + jump, V frozen (no leak, no input, no noise) so that it shows V_reset for
//   round(t_ref/dt) samples (Brian2's count); receptors and I_a keep evolving.
// Current-based LIF (spec 003 Eqs. 1.2–1.4, the CUBA benchmark): jump = 0, σ_V = 0.
// Adaptive LIF of paper 001 (SI Eqs. 12–13, spec 001 §5.1): C_m dV/dt = g_L(E_L − V) + I_syn − I_a
//   + I_inj + noise is the same equation with τ_m = C_m/g_L, R = 1/g_L, jump = β/τ_a and the noise
//   σ τ_m^(−1/2) ξ of dV/dt.
//
// Receptor r of a neuron (kinetics chosen by the presynaptic type, e.g. "E" and "I"); an
// arriving spike of signed weight w (sign of the presynaptic population):
//   delta:          V += w (mV); dropped while the target is refractory (Brian2's conditional write)
//   exponential:    ds = −s/τ dt + σ dW,  s += w                              (spec 003 Eq. 1.4)
//   biexponential:  du = −u/τ_r dt, ds = (−s + u)/τ_d dt,  u += w·κ/τ_r       (001 SI Eq. 15: the
//                   kernel (κ/(τ_d − τ_r))(e^{−t/τ_d} − e^{−t/τ_r}), charge w·κ; κ = 1 ms, spec §5.2)
//   pulse:          s += w for `duration` (whole steps ≥ 1), then s −= w
// s is a current (pA) with R in GΩ; for voltage-valued synapses (CUBA) use R = 1 and mV.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "einet/network/connectivity.hpp"

namespace einet::network {

enum class kinetics { delta, exponential, biexponential, pulse };

// Parses "delta", "exponential", "biexponential", "pulse"; throws config_error naming `key`.
kinetics parse_kinetics(const std::string& name, const std::string& key);
const char* kinetics_name(kinetics k);

struct receptor {
    std::string name;
    kinetics kind = kinetics::exponential;
    double tau = 5.0;          // ms: exponential decay; biexponential decay τ_d
    double noise_sigma = 0.0;  // exponential only: σ of the current noise, receptor units per sqrt(ms)
    double tau_rise = 1.0;     // ms: biexponential τ_r
    double kappa = 1.0;        // ms: biexponential charge normalisation κ (001 SI Eq. 15)
    double duration = 1.0;     // ms: pulse length (rounded to whole steps, at least one)
};

struct lif_parameters {  // one value per neuron (tau_adapt: one per population)
    std::vector<double> tau_m, E_L, V_th, V_reset, t_ref, R, I_e;
    std::vector<double> adapt_jump;  // pA added to I_a per spike (β/τ_a); empty = no adaptation
    std::vector<double> sigma_V;     // mV: white membrane noise σ_V; empty = none
    double tau_adapt = 500.0;        // ms
};

struct spiking_population {
    std::string name;
    std::size_t n = 0;
    bool excitatory = true;         // sign of its outgoing weights
    bool strict_threshold = false;  // spike when V > V_th (Brian2's CUBA) instead of V ≥ V_th
    lif_parameters lif;
    std::vector<receptor> receptors;
    std::vector<double> V0;  // initial membrane potentials (mV)

    // A population with the same parameters for every neuron.
    static spiking_population uniform(std::string name, std::size_t n, bool excitatory, double tau_m, double E_L,
                                      double V_th, double V_reset, double t_ref, double R = 1.0, double I_e = 0.0);
    bool adaptive() const { return !lif.adapt_jump.empty(); }
    bool membrane_noise() const { return !lif.sigma_V.empty(); }
    // Index of the receptor called `name`, or npos.
    std::size_t receptor_index(const std::string& name) const;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

struct spiking_projection {
    std::size_t pre = 0, post = 0;
    std::size_t receptor = 0;  // index into the post population's receptors
    synapse_table synapses;    // weights are magnitudes; the sign is the presynaptic population's
    // Low-rank (E·Dᵀ) connectivity, added by the low-rank issue, becomes a second kind of
    // projection here: write-out adds a rank-r update instead of walking a CSR row.
};

// External inputs. Neuron lists empty = every neuron of the population. Times in ms.
struct step_current {  // "kick": amplitude (pA) added to I_e during [start, stop)
    std::size_t population = 0;
    std::vector<std::uint32_t> neurons;
    double start = 0.0, stop = 0.0, amplitude = 0.0;
};
struct poisson_input {  // `sources` independent Poisson trains of `rate_hz` into each neuron
    std::size_t population = 0, receptor = 0;
    std::vector<std::uint32_t> neurons;
    double rate_hz = 0.0;
    std::uint32_t sources = 1;
    double weight = 0.0;  // signed: the value one input spike adds to the receptor
    double start = 0.0, stop = std::numeric_limits<double>::infinity();
};
struct spike_input {  // a spike generator: at each time, `weight` into the receptor of the neurons
    std::size_t population = 0, receptor = 0;
    std::vector<std::uint32_t> neurons;
    std::vector<double> times;
    double weight = 0.0;  // signed
};

struct spiking_inputs {
    std::vector<step_current> steps;
    std::vector<poisson_input> poisson;
    std::vector<spike_input> spikes;
};

// euler_maruyama: spec 003 Eqs. 2.1–2.4 (spikes on the grid); exact: propagators of the linear
// subthreshold system with its exact Gaussian noise (spikes on the grid); exact_interpolated:
// exact, plus each spike placed inside its step by cubic Hermite interpolation of V and the reset
// integrated over the rest of the step (precise spike times, spec 003 §4.4; synaptic events are
// still delivered on the grid).
enum class integrator { euler_maruyama, exact, exact_interpolated };
// Parses "euler_maruyama", "exact", "exact_interpolated"; throws config_error naming `key`.
integrator parse_integrator(const std::string& name, const std::string& key);
const char* integrator_name(integrator m);

struct spiking_network {
    std::vector<spiking_population> populations;
    std::vector<spiking_projection> projections;
    spiking_inputs inputs;
    double dt = 0.1;  // ms
    integrator method = integrator::exact;

    // Index of the population called `name`, or spiking_population::npos.
    std::size_t population_index(const std::string& name) const;
    // Throws config_error when sizes or parameters are inconsistent (names the population, input
    // or projection and the key).
    void validate() const;
};

}  // namespace einet::network
