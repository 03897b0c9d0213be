#pragma once
// Description of a rate network: populations of threshold-linear units, dense weight classes
// between them, OU input noise and external inputs. Plain values in the internal unit system
// (time ms, rates Hz); the config layer lowers TOML into this, the engine runs it.
//
// Paper 001 two-population model (Methods Eqs. 1–3): populations E (n = 1) and I (n = 1),
// classes EE, EI, IE, II. Its 80/20 multi-unit model is the same description with n = 80, 20.
#include <cstddef>
#include <string>
#include <vector>

#include "einet/neurons/threshold_linear.hpp"

namespace einet::network {

// What a population integrates (paper 000 spec §1.3 uses the voltage form):
//  - rate:    τ dr/dt = −r + f(drive)             (paper 001 Eqs. 1–2)
//  - voltage: τ dV/dt = −V + drive,  r = f(V)     (paper 000 Eqs. S13, S15; forward Euler, spec §2.7)
enum class rate_state { rate, voltage };
// f: threshold-linear g·[v − θ]₊, or the logistic σ_β(v − θ) = 1/(1 + e^{−β(v − θ)}) (paper 000 S13).
enum class transfer_shape { threshold_linear, logistic };

struct rate_population {
    std::string name;
    std::size_t n = 1;
    bool excitatory = true;  // presynaptic sign: + for E, − for I (weights are stored >= 0)
    double tau = 10.0;       // ms
    neurons::threshold_linear transfer;
    rate_state state = rate_state::rate;
    transfer_shape shape = transfer_shape::threshold_linear;
    double beta = 1.0;               // logistic slope β
    std::vector<double> thresholds{};  // per-unit θ_i (paper 000: T_i); empty = transfer.threshold for all
    double threshold_of(std::size_t i) const { return thresholds.empty() ? transfer.threshold : thresholds[i]; }
    // True when the population needs the general step (not the paper-001 fast kernels).
    bool general() const { return state != rate_state::rate || shape != transfer_shape::threshold_linear || !thresholds.empty(); }
};

// A sampled input signal x_k with per-unit gains: unit i of the population receives gains[i]·x_k at
// segment step k (the value is held after the last sample). Paper 000 S13: the input F_i x(t).
struct rate_signal_input {
    std::size_t population = 0;
    std::vector<double> gains;    // one per unit
    std::vector<double> samples;  // x_k on the step grid
};

// Weight class "onto post from pre" (paper 001 notation W_XY: X post, Y pre).
struct rate_projection {
    std::size_t post = 0;
    std::size_t pre = 0;
    bool self_connections = true;  // false: diagonal held at 0 (multi-unit EE, II)
    std::string label;             // e.g. "EE" (post letter, pre letter)
};

// A drive added to every unit of a population while the segment time lies in
// [start, start + duration): a kick, a step or (duration = inf) a tonic input.
struct rate_step_input {
    std::size_t population = 0;
    double amplitude = 0.0;  // drive units
    double start = 0.0;      // ms from the segment start
    double duration = 0.0;   // ms
};

// Kicks at random times: Bernoulli(rate·dt) per step and network (a Poisson process), each
// adding `amplitude` for `duration`; optionally one forced kick at `first_at` (001 Fig. S4).
struct rate_poisson_kicks {
    std::size_t population = 0;
    double amplitude = 0.0;
    double duration = 0.0;  // ms
    double rate = 0.0;      // Hz
    double first_at = -1.0; // ms; < 0: no forced kick
};

struct ou_noise {
    double tau = 1.0;    // ms
    double sigma = 0.0;  // drive units per sqrt(s): dη = −η/τ dt + σ dW
    bool exact = false;  // false: Euler–Maruyama as paper 001; true: exact OU transition
};

enum class update_order { sequential, simultaneous };

// Step kernel for networks with multi-unit populations (the engine picks batch_major for
// single-unit populations, which have their own fused kernel):
//  - batch_major: every synapse's weights of all networks of a chunk side by side; one vector loop
//    over networks per synapse (streams all networks' weights every step);
//  - unit_major: one network at a time with its weights gathered into a contiguous matrix that
//    stays in L1/L2 for all steps of a run() call (weights change only between calls, or the hook
//    says it does not change them); used automatically when that holds;
//  - float32 (unit_major only): the weight matrix and the rates it multiplies in single
//    precision (the recurrent sums accumulate in float); the rest of the step in double.
//  - weight_storage float16 (float32 unit_major only): the kernel's private weight copy in IEEE
//    binary16, rebuilt from the double weights at every run() call (after every plasticity
//    update), widened to float in the sums; sums, rates and the master weights unchanged.
enum class step_kernel { automatic, batch_major, unit_major };
enum class step_precision { float64, float32 };
enum class weight_storage { float32, float16 };

struct rate_network {
    std::vector<rate_population> populations;  // update order = this order
    std::vector<rate_projection> projections;
    ou_noise noise;
    std::vector<rate_step_input> steps;
    std::vector<rate_poisson_kicks> poisson_kicks;
    std::vector<rate_signal_input> signals{};
    update_order order = update_order::sequential;
    step_kernel kernel = step_kernel::automatic;
    step_precision precision = step_precision::float64;
    weight_storage storage = weight_storage::float32;
    double dt = 0.1;  // ms

    std::size_t find_population(const std::string& name) const;  // throws internal_error if absent
    // Index of the projection post<-pre, or npos.
    std::size_t find_projection(std::size_t post, std::size_t pre) const;
    std::size_t total_units() const;
    // True when some population or input needs the general step kernel.
    bool needs_general_step() const;
};

// Paper 001 Table 1 two-population network with projections EE, EI, IE, II (in that order).
rate_network wilson_cowan_two_population();

}  // namespace einet::network
