#pragma once
// Low-rank E-I spiking networks of paper 000 (spec 000 §1–2), described in the paper's terms and
// lowered onto the general spiking engine: low-rank projections E·Dᵀ per block (Eqs. 2.29–2.32,
// mistuned cross decoders S12), self terms, a sampled input F·c(t), spike policies and latent
// readouts. With `reference` settings (Euler, discrete_delta synapses, one step of delay) the
// engine performs exactly the per-step update of spec 000 §2.2:
//   V_n = V_{n−1} + h(−V_{n−1} + F c_n + b + I_ext) + Σ W_syn G_{n−1} + W_self s_{n−1} + √(2h) σ_V ξ,
// thresholds normalised to 1 with bias b = 1 − T (§2.1), c_n = (x_n − x_{n−1})/h + x_{n−1}.
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"
#include "einet/network/latent_readout.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::lowrank {

// One population, one latent. Neuron k: V = F_k x + E_self_k y_self + E_cross_k y_other (+ b_k),
// spike at V ≥ T_k (spec 000 S8, S11). Decoders D are signed (≥ 0 for E, ≤ 0 for I: Dale).
struct population_spec {
    std::string name;
    bool excitatory = false;
    std::vector<double> F, E_self, E_cross, T, D;
    std::vector<double> D_cross;  // decoders the other population's neurons see (S12); empty = D
    std::vector<double> D_perp;   // an extra readout y_perp = D_perp·r (Fig 7: D_perp ⟂ D); empty = none
    double mu = 0.0;              // self-reset cost μ (S9)
    double sigma_V = 0.0;         // stationary SD of the free voltage (Eq. 3.3)
    double tau_s = 0.0;           // ms: pulse width or exponential τ_s of its synapses (finite synapses)
    double I_ext = 0.0;           // external current from I_ext_start on (Fig 8: I stimulation)
    double I_ext_start = std::numeric_limits<double>::infinity();  // ms
    std::optional<double> y0;     // initial latent (spec §2.1): V_0 = F x_0 + E y_0 + 1 − T, readout from y_0 (Fig 9e)
    double T_jitter = 0.0;        // per-trial threshold jitter: each trial uses T_k + T_jitter·N(0,1) (Fig 9e)
    std::vector<double> rho0;     // rate networks: initial rates ρ_0, V_0 = logit(ρ_0)/β + T (spec §2.7); empty: ρ_0 = V_0 = 0
    std::size_t size() const { return T.size(); }
};

enum class synapse_model { instantaneous, pulse, exponential };  // spec 000 Modes A, B, C
enum class spike_rule { one_per_step, inhibition_first, all_above };
// spiking: the LIF networks of spec §1.1–1.2 (spiking engine); rate: the N-neuron rate networks of
// spec §1.3 (S13 rank 1, S15 rank 2) on the rate engine — same F, E, T, D, no μ, σ_V, synapses.
enum class network_kind { spiking, rate };

struct model {
    std::vector<population_spec> populations;  // one (rank 1) or two (rank 2, E and I)
    network_kind kind = network_kind::spiking;
    double beta = 50.0;  // rate networks: slope β of ρ = σ_β(V − T)
    double tau = 10.0;  // ms, membrane time constant = readout time constant
    double dt = 0.1;    // ms
    synapse_model synapses = synapse_model::instantaneous;
    spike_rule rule = spike_rule::one_per_step;
    bool clamp = false;          // Mode A single population: spiking V clamped to threshold (§2.3)
    bool feedforward = false;    // no connections between different neurons; each keeps E_k D_k − μ (App. F control)
    double refractory = 0.0;     // ms, all_above rule: spiking blocked (V integrates), spec §2.4
    // Finite synapses: the self term E_k D_k of an inhibitory population goes through the synaptic
    // kernel like every other connection (V then equals F x + E y + b, the latent-only picture of
    // Fig 9b) instead of being instantaneous (spec §2.1, Appendix G: the default).
    bool synaptic_self = false;
    network::integrator method = network::integrator::euler_maruyama;  // the reference is Euler
    network::kinetics instant_kinetics = network::kinetics::discrete_delta;  // delta: the engine's LIF delta
    std::vector<double> x;       // filtered input samples x_n at t_n = n·dt, n = 0 … n_T − 1
    // Throws config_error naming the population and key on inconsistent sizes, signs or values.
    void validate() const;
};

struct lowered {
    network::spiking_network net;
    std::unique_ptr<engine::spike_policy> policy;  // null: every crossing spikes
    std::vector<network::latent_readout> readouts;  // "<population>" per population, then "<population>_perp"
    std::size_t steps = 0;                          // n_T − 1
};
lowered lower(const model& m);

// Mistuning (Fig 8f, spec S12): every population's D (its own block and readout) and D_cross each
// become D·(1 + σ_D ξ), ξ ~ N(0, 1) independent per neuron and vector (Philox keyed by seed,
// population, neuron), magnitudes that change sign set to 0.
model jitter_decoders(const model& m, double sigma_D, std::uint64_t seed);
// Per-trial threshold jitter (Fig 9e: T = −2 + 0.4·N(0,1) per trial): every population's T_k
// becomes T_k + T_jitter·ξ, ξ ~ N(0, 1) independent per neuron (Philox keyed by seed, stream,
// population, neuron). `stream` separates the draws of runs that share a seed (sweep points).
model jitter_thresholds(const model& m, std::uint64_t seed, std::uint64_t stream = 0);
// Mean over populations of the angle (degrees) between D and D_cross (0 without mistuning).
double decoder_angle(const model& m);

// Filtered-input shapes of the paper's figures (spec 000 §4).
std::vector<double> hold_then_ramp(std::size_t n, double from, double to, std::size_t hold);  // ramp A: hold = n/6
std::vector<double> linspace(double a, double b, std::size_t n);

}  // namespace einet::lowrank
