#pragma once
// The two integrators of the continuous-time RNN (network/relu_rnn.hpp; spec 004 §1.2). A batch
// of B trials runs together: every state is an N × B matrix (one column per trial), a sequence is
// one matrix per time step.
//
// (a) held input (training): per task step k the drive d_k = W_in u_k + b is held and `substeps`
//     forward-Euler steps of size dt are taken; y_k = W_out x is read after the last sub-step.
// (b) Euler–Maruyama (evaluation): x_{n+1} = x_n + dt(−x_n + Jφ(x_n) + W_in u_n + b) + √dt ε ξ_n,
//     y_n = W_out x_n read from the state before the n-th update, x_0 = 0.
//     ξ_n ~ N(0, I) from Philox keyed by (seed, rate_noise, trial index, step n), so a trial's
//     noise depends only on its global index, never on the batch split.
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <vector>

#include "einet/network/relu_rnn.hpp"

namespace einet::engine {

using sequence = std::vector<Eigen::MatrixXd>;  // [time](rows × batch)

// φ and φ' applied element-wise (φ'(0) = 0 for ReLU, as the authors' code).
Eigen::MatrixXd apply_phi(const network::relu_rnn& net, const Eigen::MatrixXd& x);
Eigen::MatrixXd apply_phi_prime(const network::relu_rnn& net, const Eigen::MatrixXd& x);

struct held_input_options {
    int substeps = 10;
    double dt = 0.1;
};

// Called with (time index, state N × B) for every state a run visits.
using state_hook = std::function<void(std::size_t, const Eigen::MatrixXd&)>;

// (a): outputs y_k (N_out × B) for k = 0..T−1. `on_state` sees the state after each task step.
sequence run_held_input(const network::relu_rnn& net, const sequence& inputs, const held_input_options& opt = {},
                        const state_hook& on_state = {});

struct noisy_options {
    double dt = 0.1;
    double noise = 0.0;            // ε
    std::uint64_t seed = 1;
    std::uint64_t first_trial = 0; // global index of column 0 (Philox entity)
    int threads = 1;               // trials run in fixed 64-column chunks: results do not depend on it
};

// (b): outputs y_n (N_out × B) for n = 0..N_s−1; `on_state` sees x_n before each update, one
// 64-trial chunk after another (all steps of columns 0–63, then 64–127, …; one thread then).
sequence run_euler_maruyama(const network::relu_rnn& net, const sequence& inputs, const noisy_options& opt,
                            const state_hook& on_state = {});

}  // namespace einet::engine
