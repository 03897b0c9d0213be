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
//   discrete_delta: discrete-time delta: the input of a step enters V once, undecayed, in the next
//                   update, V_{n+1} = V∞ + (V_n − V∞)·decay + w (paper 000's reference algorithm,
//                   spec 000 §2.2 Mode A: "V_n = V_{n−1} + h(…) + W s_{n−1}"); dropped while refractory
// s is a current (pA) with R in GΩ; for voltage-valued synapses (CUBA) use R = 1 and mV.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "einet/network/connectivity.hpp"

namespace einet::network {

enum class kinetics { delta, exponential, biexponential, pulse, discrete_delta };

// Parses "delta", "exponential", "biexponential", "pulse", "discrete_delta"; throws config_error naming `key`.
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

enum class spike_reset { to_V_reset, none, to_threshold };

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
    // What a spike does to V: V ← V_reset (LIF); nothing (paper 000: the reset is the neuron's own
    // connection, E_i·D_i through a low-rank projection and/or self_weight); or V ← V_th (paper
    // 000's single-population reference simulator clamps the spiking neuron to threshold, spec 000
    // §2.3). Refractoriness and adaptation apply in every case.
    spike_reset reset = spike_reset::to_V_reset;
    // Signed value each spike of neuron i adds to its own receptor `self_receptor` (delay 0): an
    // instantaneous self term such as paper 000's cost −μ (spec 000 Eq. S9). Empty: none.
    std::vector<double> self_weight;
    std::size_t self_receptor = 0;

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
};

// Low-rank connectivity W = E·Dᵀ (paper 000 Eqs. 2.29–2.32, spec 000 S2): a spike of j adds
// W_ij = Σ_k E_ik D_jk to receptor `receptor` of every target i after `delay_steps`. The engine
// never forms W: it sums the step's spikes into the rank-r latent increment z = Σ_j D_j and
// delivers E·z, O((spikes + N_post)·r) per step. Dale's law: E ≥ 0 and D with the sign of pre.
struct lowrank_projection {
    std::size_t pre = 0, post = 0;
    std::size_t receptor = 0;
    std::size_t rank = 1;
    std::vector<double> encoders;  // post.n × rank, row-major, ≥ 0
    std::vector<double> decoders;  // pre.n × rank, row-major, signed (sign of the presynaptic population)
    std::uint32_t delay_steps = 0;
    // pre = post only: leave out the diagonal E_i·D_i (a self term routed elsewhere, e.g. an
    // instantaneous reset while the synaptic channel is slow; spec 000 §2.1).
    bool exclude_self = false;
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

// A sampled input current: neuron i of the selection gets gain_i·values[k] (pA) added to I_e
// during step start_step + k (k < values.size()); paper 000's F_i c(t) (spec 000 §2.1).
struct signal_current {
    std::size_t population = 0;
    std::vector<std::uint32_t> neurons;
    std::vector<double> gain;    // one per selected neuron, or empty (gain 1)
    std::vector<double> values;  // one per step
    std::uint64_t start_step = 0;
};

struct spiking_inputs {
    std::vector<step_current> steps;
    std::vector<signal_current> signals;
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

// The real type of the spiking engine's per-neuron state (V, receptor and adaptation states,
// their noise, the delay-0 input) and of the neuron pass's arithmetic (run.precision).
// float32 is opt-in: about twice the neuron-pass throughput (16 lanes per AVX-512 vector instead
// of 8, half the bytes), ~1e-7 relative rounding per step instead of ~1e-16; parameters, weights'
// sums in the delay rings, statistics and recorded values stay double.
enum class precision { float64, float32 };
// Parses "float64", "float32"; throws config_error naming `key`.
precision parse_precision(const std::string& name, const std::string& key);
const char* precision_name(precision p);

struct spiking_network {
    std::vector<spiking_population> populations;
    std::vector<spiking_projection> projections;
    std::vector<lowrank_projection> lowrank;
    spiking_inputs inputs;
    double dt = 0.1;  // ms
    integrator method = integrator::exact;
    precision real = precision::float64;  // float32: not with exact_interpolated (validate)

    // Index of the population called `name`, or spiking_population::npos.
    std::size_t population_index(const std::string& name) const;
    // Throws config_error when sizes or parameters are inconsistent (names the population, input
    // or projection and the key).
    void validate() const;

private:
    void check_lowrank(const lowrank_projection& pr, std::size_t k) const;
};

}  // namespace einet::network
