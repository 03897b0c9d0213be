#include "einet/engine/rnn_integrators.hpp"

#include <algorithm>
#include <cmath>

#include "einet/core/eigen_single_thread.hpp"
#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::engine {
using network::rnn_nonlinearity;

Eigen::MatrixXd apply_phi(const network::relu_rnn& net, const Eigen::MatrixXd& x) {
    switch (net.phi) {
        case rnn_nonlinearity::relu: return x.cwiseMax(0.0);
        case rnn_nonlinearity::linear: return x;
        case rnn_nonlinearity::tanh: return x.array().tanh().matrix();
        case rnn_nonlinearity::rectified_power: return x.cwiseMax(0.0).array().pow(net.power).matrix();
    }
    return x;
}

Eigen::MatrixXd apply_phi_prime(const network::relu_rnn& net, const Eigen::MatrixXd& x) {
    switch (net.phi) {
        case rnn_nonlinearity::relu: return (x.array() > 0.0).cast<double>().matrix();
        case rnn_nonlinearity::linear: return Eigen::MatrixXd::Ones(x.rows(), x.cols());
        case rnn_nonlinearity::tanh: return (1.0 - x.array().tanh().square()).matrix();
        case rnn_nonlinearity::rectified_power:
            return (x.array() > 0.0).select(net.power * x.cwiseMax(0.0).array().pow(net.power - 1.0), 0.0).matrix();
    }
    return x;
}

namespace {
void check_inputs(const network::relu_rnn& net, const sequence& inputs) {
    if (inputs.empty()) throw config_error("inputs: expected at least one time step");
    for (const auto& u : inputs) {
        if (u.rows() != net.inputs() || u.cols() != inputs.front().cols())
            throw config_error("inputs: expected " + std::to_string(net.inputs()) + " × batch at every time step");
    }
}
}  // namespace

sequence run_held_input(const network::relu_rnn& net, const sequence& inputs, const held_input_options& opt,
                        const state_hook& on_state) {
    check_inputs(net, inputs);
    const auto batch = inputs.front().cols();
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(net.size(), batch), drive(net.size(), batch);
    sequence y;
    y.reserve(inputs.size());
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        drive.noalias() = net.W_in * inputs[k];
        drive.colwise() += net.b;
        for (int s = 0; s < opt.substeps; ++s) {
            Eigen::MatrixXd rhs = drive - x;
            rhs.noalias() += net.J * apply_phi(net, x);
            x.noalias() += opt.dt * rhs;  // spec §1.2(a): x ← x + dt(−x + Jφ(x) + d_k)
        }
        if (on_state) on_state(k, x);
        y.emplace_back(net.W_out * x);
    }
    return y;
}

namespace {
// Trials run in fixed chunks of this many columns, whatever the thread count (spec §1.2(b) per chunk).
constexpr Eigen::Index em_chunk = 64;

void euler_maruyama_chunk(const network::relu_rnn& net, const sequence& inputs, const noisy_options& opt,
                          const state_hook& on_state, Eigen::Index c0, Eigen::Index width, sequence& y) {
    const auto n = net.size();
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, width), noise(n, width), rhs(n, width);
    const double amp = std::sqrt(opt.dt) * opt.noise;
    for (std::size_t step = 0; step < inputs.size(); ++step) {
        if (on_state) on_state(step, x);
        y[step].middleCols(c0, width).noalias() = net.W_out * x;  // spec §1.2(b): y_n from the state before the update
        rhs.noalias() = net.W_in * inputs[step].middleCols(c0, width);
        rhs -= x;
        rhs.colwise() += net.b;
        rhs.noalias() += net.J * apply_phi(net, x);
        x.noalias() += opt.dt * rhs;
        if (amp != 0.0) {
            for (Eigen::Index c = 0; c < width; ++c) {
                const auto trial = static_cast<std::uint32_t>(opt.first_trial + static_cast<std::uint64_t>(c0 + c));
                for (Eigen::Index i = 0; i < n; i += 4) {
                    const auto z = rng::normals4(opt.seed, rng::purpose::rate_noise, trial, step,
                                                 static_cast<std::uint32_t>(i / 4));
                    for (Eigen::Index j = 0; j < 4 && i + j < n; ++j) noise(i + j, c) = z[static_cast<std::size_t>(j)];
                }
            }
            x.noalias() += amp * noise;
        }
    }
}
}  // namespace

sequence run_euler_maruyama(const network::relu_rnn& net, const sequence& inputs, const noisy_options& opt,
                            const state_hook& on_state) {
    check_inputs(net, inputs);
    const auto batch = inputs.front().cols();
    sequence y(inputs.size(), Eigen::MatrixXd(net.outputs(), batch));
    const Eigen::Index chunks = (batch + em_chunk - 1) / em_chunk;
    // Chunks are fixed and Eigen's own threading is off, so the bits never depend on `threads`.
    // A hook sees the chunks one after another.
    const core::eigen_single_thread eigen_off;
    const int team = on_state ? 1 : std::max(1, opt.threads);
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
    for (Eigen::Index k = 0; k < chunks; ++k)
        euler_maruyama_chunk(net, inputs, opt, on_state, k * em_chunk, std::min(em_chunk, batch - k * em_chunk), y);
    return y;
}

}  // namespace einet::engine
