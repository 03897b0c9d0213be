#pragma once
// Training of the continuous-time RNN (network/relu_rnn.hpp) by backpropagation through time
// through every Euler sub-step of the held-input integrator (spec 004 §1.2(a), §3), with a
// hand-written backward pass. Objective (the authors' code, spec §3 and Ambiguity 3):
//   L = RMSE + λ Σ_ij J_ij²,   RMSE = sqrt(mean over batch × outputs × task steps of (y − z)²)
// The concatenated gradient of (J, W_in, W_out, b) is clipped to a global L2 norm, then plain
// gradient descent (the paper) or Adam takes a step. J, W_in, W_out, b are all trained.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "einet/engine/rnn_integrators.hpp"
#include "einet/io/checkpoint.hpp"
#include "einet/network/relu_rnn.hpp"

namespace einet::train {

struct rnn_gradients {
    Eigen::MatrixXd J, W_in, W_out;
    Eigen::VectorXd b;
    double loss = 0.0, rmse = 0.0, penalty = 0.0;
    double norm() const;  // global L2 norm of the concatenated gradient
    void scale(double s);
};

// Loss and its exact gradient for one batch (inputs [T](N_in × B), targets [T](N_out × B)).
// Trials run in parallel on `threads` threads; the result does not depend on the thread count.
rnn_gradients bptt_gradient(const network::relu_rnn& net, const engine::sequence& inputs, const engine::sequence& targets,
                            double l2_penalty, const engine::held_input_options& integ = {}, int threads = 1);

// The per-sub-step records of one BPTT pass (N × sub-steps·B each, 8 MB apiece for the CDI task):
// kept by a trainer so that iterations reuse the memory instead of faulting in fresh pages.
struct bptt_workspace {
    Eigen::MatrixXd R, D, A, X_read, Y;
};
rnn_gradients bptt_gradient(const network::relu_rnn& net, const engine::sequence& inputs, const engine::sequence& targets,
                            double l2_penalty, const engine::held_input_options& integ, int threads, bptt_workspace& ws);

enum class optimiser { gradient_descent, adam };

struct bptt_options {
    double learning_rate = 0.005;
    double l2_penalty = 0.0;    // λ
    double clip_norm = 10.0;    // <= 0: no clipping
    optimiser method = optimiser::gradient_descent;
    double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
    engine::held_input_options integrator;
    int threads = 1;            // trials of a batch in parallel (results independent of it)
};

// One batch of data per iteration: the trainer asks for batch number `iteration`.
using batch_source = std::function<void(std::uint64_t iteration, engine::sequence& inputs, engine::sequence& targets)>;

// Per-iteration record (before the update of that iteration).
struct bptt_record {
    double loss = 0.0, rmse = 0.0, grad_norm = 0.0, l2_cost = 0.0, neural_grad_l2 = 0.0;
};

class rate_bptt_trainer {
public:
    rate_bptt_trainer(network::relu_rnn net, bptt_options opt);

    // Runs until `iterations` iterations in total have been done (resumable); `on_iteration` gets
    // every record. Throws numerical_error when the loss or a weight becomes non-finite.
    void train(long iterations, const batch_source& data, const std::function<void(long, const bptt_record&)>& on_iteration = {});

    const network::relu_rnn& network() const { return net_; }
    long iteration() const { return iteration_; }

    // Checkpoint: weights, optimiser state and iteration (io/checkpoint.hpp format). state() and
    // restore() give the same content for callers that add their own fields and arrays.
    void save(const std::filesystem::path& dir) const;
    void load(const std::filesystem::path& dir);
    io::checkpoint_data state() const;
    void restore(const io::checkpoint_data& d, const std::filesystem::path& dir);

private:
    void step(const rnn_gradients& g);
    network::relu_rnn net_;
    bptt_options opt_;
    long iteration_ = 0;
    rnn_gradients m_, v_;  // Adam moments
    bptt_workspace work_;
};

}  // namespace einet::train
