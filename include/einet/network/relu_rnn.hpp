#pragma once
// Continuous-time rate RNN with input, bias and linear readout (paper 004 Eqs. 1–2, spec 004 §1.1):
//   τ dx/dt = −x + J φ(x) + W_in u + b,     y = W_out x     (readout from the state x, not φ(x))
// J_ij is the synapse from j onto i (row = postsynaptic). Time is in units of τ (τ = 1, as in all of
// the authors' simulations), so the model is dimensionless. φ is element-wise; balancing needs φ
// positively homogeneous, φ(s x) = s^k φ(x) for s > 0 (ReLU and linear: k = 1).
#include <Eigen/Dense>
#include <string>

namespace einet::network {

// rectified_power: φ(x) = max(0, x)^k (degree k; the appendix's degree-k generalisation).
enum class rnn_nonlinearity { relu, linear, tanh, rectified_power };

struct relu_rnn {
    Eigen::MatrixXd J;      // N × N
    Eigen::MatrixXd W_in;   // N × N_in
    Eigen::MatrixXd W_out;  // N_out × N
    Eigen::VectorXd b;      // N
    rnn_nonlinearity phi = rnn_nonlinearity::relu;
    double power = 1.0;     // k of rectified_power

    Eigen::Index size() const { return J.rows(); }
    Eigen::Index inputs() const { return W_in.cols(); }
    Eigen::Index outputs() const { return W_out.rows(); }
};

rnn_nonlinearity parse_nonlinearity(const std::string& name);  // "relu" | "linear" | "tanh" | "rectified_power"
const char* to_string(rnn_nonlinearity phi);

// Degree k of positive homogeneity, φ(s x) = s^k φ(x); 0 when φ is not homogeneous (tanh).
double homogeneity_degree(const relu_rnn& net);

// Throws config_error naming `where` (a key prefix) when shapes disagree or an entry is not finite:
// J square, W_in with N rows, W_out with N columns, b of length N.
void check_shapes(const relu_rnn& net, const std::string& where);

// The task-preserving transformation π_h (Eq. 4; spec §1.3), generalised to degree k:
//   (W_in, J, W_out, b) → (e^{−H} W_in, e^{−H} J e^{kH}, W_out e^{H}, e^{−H} b),   H = diag(h).
// Throws config_error when φ is not positively homogeneous.
relu_rnn task_preserving_transform(const relu_rnn& net, const Eigen::VectorXd& h);

}  // namespace einet::network
