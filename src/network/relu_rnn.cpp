#include "einet/network/relu_rnn.hpp"

#include "einet/core/error.hpp"

namespace einet::network {

rnn_nonlinearity parse_nonlinearity(const std::string& name) {
    if (name == "relu") return rnn_nonlinearity::relu;
    if (name == "linear") return rnn_nonlinearity::linear;
    if (name == "tanh") return rnn_nonlinearity::tanh;
    if (name == "rectified_power") return rnn_nonlinearity::rectified_power;
    throw config_error("nonlinearity: expected relu | linear | tanh | rectified_power, got \"" + name + "\"");
}

const char* to_string(rnn_nonlinearity phi) {
    switch (phi) {
        case rnn_nonlinearity::relu: return "relu";
        case rnn_nonlinearity::linear: return "linear";
        case rnn_nonlinearity::tanh: return "tanh";
        case rnn_nonlinearity::rectified_power: return "rectified_power";
    }
    return "?";
}

double homogeneity_degree(const relu_rnn& net) {
    switch (net.phi) {
        case rnn_nonlinearity::relu:
        case rnn_nonlinearity::linear: return 1.0;
        case rnn_nonlinearity::tanh: return 0.0;
        case rnn_nonlinearity::rectified_power: return net.power;
    }
    return 0.0;
}

void check_shapes(const relu_rnn& net, const std::string& where) {
    const auto n = net.J.rows();
    auto fail = [&](const std::string& key, const std::string& msg) { throw config_error(where + key + ": " + msg); };
    if (n == 0 || net.J.cols() != n)
        fail("J", "expected a square N × N matrix, got " + std::to_string(net.J.rows()) + " × " + std::to_string(net.J.cols()));
    if (net.W_in.rows() != n)
        fail("W_in", "expected " + std::to_string(n) + " rows (one per hidden unit), got " + std::to_string(net.W_in.rows()));
    if (net.W_out.cols() != n)
        fail("W_out", "expected " + std::to_string(n) + " columns (one per hidden unit), got " + std::to_string(net.W_out.cols()));
    if (net.b.size() != n) fail("b", "expected length " + std::to_string(n) + ", got " + std::to_string(net.b.size()));
    if (!net.J.allFinite()) fail("J", "expected finite entries");
    if (!net.W_in.allFinite()) fail("W_in", "expected finite entries");
    if (!net.W_out.allFinite()) fail("W_out", "expected finite entries");
    if (!net.b.allFinite()) fail("b", "expected finite entries");
    if (net.phi == rnn_nonlinearity::rectified_power && !(net.power > 0.0)) fail("power", "expected a degree k > 0");
}

relu_rnn task_preserving_transform(const relu_rnn& net, const Eigen::VectorXd& h) {
    const double k = homogeneity_degree(net);
    if (k == 0.0)
        throw config_error(std::string("nonlinearity: \"") + to_string(net.phi) +
                           "\" is not positively homogeneous, so no task-preserving transformation exists "
                           "(expected relu or linear)");
    if (h.size() != net.size()) throw config_error("h: expected one entry per hidden unit");
    const Eigen::ArrayXd down = (-h.array()).exp(), up = (k * h.array()).exp(), out = h.array().exp();
    relu_rnn t = net;
    t.J = down.matrix().asDiagonal() * net.J * up.matrix().asDiagonal();  // Eq. 4: e^{−H} J e^{kH}
    t.W_in = down.matrix().asDiagonal() * net.W_in;
    t.W_out = net.W_out * out.matrix().asDiagonal();
    t.b = (down * net.b.array()).matrix();
    return t;
}

}  // namespace einet::network
