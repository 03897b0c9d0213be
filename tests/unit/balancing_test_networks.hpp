#pragma once
// Shared fixtures of the paper-004 tests: random networks and cost matrices from Philox, and the
// 12-neuron ring of spec 004 §4 (Fig. 5).
#include <Eigen/Dense>
#include <cstdint>

#include "einet/core/rng.hpp"
#include "einet/network/relu_rnn.hpp"

namespace einet::fixtures {

// i.i.d. N(0, scale²) entries from Philox (purpose weight_init, entity = stream).
inline Eigen::MatrixXd normal_matrix(Eigen::Index rows, Eigen::Index cols, double scale, std::uint32_t stream,
                                     std::uint64_t seed = 7) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index k = 0; k < rows * cols; ++k) {
        const auto z = rng::normals4(seed, rng::purpose::weight_init, stream, static_cast<std::uint64_t>(k / 4));
        m.data()[k] = scale * z[static_cast<std::size_t>(k % 4)];
    }
    return m;
}

inline network::relu_rnn random_rnn(Eigen::Index n, Eigen::Index n_in, Eigen::Index n_out, std::uint64_t seed) {
    network::relu_rnn net;
    const double s = 1.0 / std::sqrt(static_cast<double>(n));
    net.J = normal_matrix(n, n, 1.5 * s, 1, seed);
    net.W_in = normal_matrix(n, n_in, 1.0, 2, seed);
    net.W_out = normal_matrix(n_out, n, s, 3, seed);
    net.b = normal_matrix(n, 1, 0.3, 4, seed);
    return net;
}

// Bidirectional nearest-neighbour ring of n neurons, every cost 1 (spec 004 §4, Fig. 5).
inline Eigen::MatrixXd ring_costs(Eigen::Index n) {
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
        c(i, (i + 1) % n) = 1.0;
        c((i + 1) % n, i) = 1.0;
    }
    return c;
}

}  // namespace einet::fixtures
