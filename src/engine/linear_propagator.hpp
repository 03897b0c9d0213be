#pragma once
// Step coefficients of the linear subthreshold system of one neuron and one receptor (or the
// adaptation current), for both integrators. States: the channel's variables x (1 or 2) and V:
//   dx/dt = A x,   dV/dt = −V/τ_m + c·x      (c: R/τ_m on the current-carrying variable, signed)
// exact: the propagator exp(M h) of M = [[A, 0], [c, −1/τ_m]] (scaling and squaring of a Taylor
// series; the matrices are tiny and h‖M‖ < 1 in practice, so this is accurate to ~1e-16 and has
// no special cases for equal time constants, e.g. τ_r = τ_d or τ_s = τ_m);
// euler_maruyama: I + h M (spec 003 Eq. 2.1: every variable from the old state).
#include <array>
#include <cstddef>

#include "einet/engine/noise_source.hpp"

namespace einet::engine::detail {

constexpr std::size_t max_channel_vars = 2;

struct channel_matrix {
    std::size_t vars = 1;                                       // 1 (exponential, pulse, adaptation) or 2 (biexponential)
    std::array<std::array<double, max_channel_vars>, max_channel_vars> A{};  // dx/dt = A x
    std::array<double, max_channel_vars> to_V{};               // dV/dt gains to_V · x
};

struct channel_step {
    std::array<std::array<double, max_channel_vars>, max_channel_vars> P{};  // x ← P x
    std::array<double, max_channel_vars> to_V{};                             // V gains to_V · x (old x)
};

// `exact`: propagator; otherwise the explicit Euler step.
channel_step step_coefficients(const channel_matrix& m, double tau_m, double h, bool exact);

// The exact one-step noise of the (x, V) system when white noise σ dW drives the channel's first
// variable: x gains x_sd·ξ and V gains v_from_x·ξ + v_own_sd·ζ (ξ, ζ independent standard
// normals) — the joint Gaussian transition of the linear SDE, so V feels the noise that enters x
// within the step (the term Euler–Maruyama, which moves V with the old x, does not have).
step_noise noise_coefficients(const channel_matrix& m, double tau_m, double h, double sigma);

}  // namespace einet::engine::detail
