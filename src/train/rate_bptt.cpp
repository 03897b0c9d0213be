#include "einet/train/rate_bptt.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "einet/core/eigen_single_thread.hpp"
#include "einet/core/error.hpp"
#include "einet/core/thin_product.hpp"
#include "einet/io/checkpoint.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

namespace einet::train {

double rnn_gradients::norm() const {
    return std::sqrt(J.squaredNorm() + W_in.squaredNorm() + W_out.squaredNorm() + b.squaredNorm());
}

void rnn_gradients::scale(double s) {
    J *= s;
    W_in *= s;
    W_out *= s;
    b *= s;
}

namespace {
// Trials are independent. Reductions over trials (loss, input/readout/bias gradients) are summed
// per fixed chunk of 4 batch columns, in chunk order; the recurrent products run over all the
// columns a thread holds at once (linalg::add_thin_product: a column's bits do not depend on its
// neighbours). So the gradient is bit-identical for any thread count, and one thread multiplies J
// by all 8 trials in one sweep (twice the arithmetic per load of J as two 4-column products).
constexpr Eigen::Index chunk_columns = 4;
}  // namespace

rnn_gradients bptt_gradient(const network::relu_rnn& net, const engine::sequence& inputs, const engine::sequence& targets,
                            double l2_penalty, const engine::held_input_options& integ, int threads) {
    bptt_workspace ws;
    return bptt_gradient(net, inputs, targets, l2_penalty, integ, threads, ws);
}

rnn_gradients bptt_gradient(const network::relu_rnn& net, const engine::sequence& inputs, const engine::sequence& targets,
                            double l2_penalty, const engine::held_input_options& integ, int threads, bptt_workspace& ws) {
    if (inputs.empty() || inputs.size() != targets.size())
        throw config_error("training: inputs and targets need the same, non-zero number of task steps");
    const auto n = net.size();
    const auto B = inputs.front().cols();
    const auto T = static_cast<Eigen::Index>(inputs.size());
    const int sub = integ.substeps;
    const double dt = integ.dt;
    const Eigen::Index S = T * sub;
    const Eigen::Index chunks = (B + chunk_columns - 1) / chunk_columns;
    const Eigen::Index units = std::min<Eigen::Index>(std::max(1, threads), chunks);  // one per thread
    const core::eigen_single_thread eigen_off;
    auto first = [&](Eigen::Index c) { return std::min(B, c * chunk_columns); };
    auto chunks_of = [&](Eigen::Index u) { return std::pair{u * chunks / units, (u + 1) * chunks / units}; };
    auto seq = [](Eigen::Index k) { return static_cast<std::size_t>(k); };
    const Eigen::MatrixXd Jt = net.J.transpose();
    // Forward (spec §1.2(a)), keeping φ(x_s), φ'(x_s) of every sub-step and the readout states;
    // column (s, b) of R, D, A is s·B + b.
    ws.R.resize(n, S * B);  // no-ops when the shapes repeat
    ws.D.resize(n, S * B);
    ws.X_read.resize(n, T * B);
    ws.Y.resize(net.outputs(), T * B);
    ws.A.resize(n, S * B);
    Eigen::MatrixXd &R = ws.R, &D = ws.D, &X_read = ws.X_read, &Y = ws.Y, &A = ws.A;
    std::vector<double> sq(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for num_threads(static_cast<int>(units)) schedule(static, 1)
    for (Eigen::Index u = 0; u < units; ++u) {
        const auto [c0, c1] = chunks_of(u);
        const Eigen::Index b0 = first(c0), nb = first(c1) - b0;
        Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, nb), drive(n, nb), rhs(n, nb);
        for (Eigen::Index k = 0; k < T; ++k) {
            for (Eigen::Index c = c0; c < c1; ++c) {
                const Eigen::Index o = first(c) - b0, w = first(c + 1) - first(c);
                drive.middleCols(o, w).noalias() = net.W_in * inputs[seq(k)].middleCols(first(c), w);
            }
            drive.colwise() += net.b;
            for (int s = 0; s < sub; ++s) {
                const Eigen::Index col = (k * sub + s) * B + b0;
                R.middleCols(col, nb) = engine::apply_phi(net, x);
                D.middleCols(col, nb) = engine::apply_phi_prime(net, x);
                rhs = drive - x;
                linalg::add_thin_product(net.J, R.middleCols(col, nb), rhs);
                x.noalias() += dt * rhs;
            }
            X_read.middleCols(k * B + b0, nb) = x;
            for (Eigen::Index c = c0; c < c1; ++c) {
                const Eigen::Index w = first(c + 1) - first(c), yc = k * B + first(c);
                Y.middleCols(yc, w).noalias() = net.W_out * x.middleCols(first(c) - b0, w);
                sq[static_cast<std::size_t>(c)] += (Y.middleCols(yc, w) - targets[seq(k)].middleCols(first(c), w)).squaredNorm();
            }
        }
    }
    // RMSE over batch × outputs × time; ∂L/∂y_k = (y_k − z_k) / (count · RMSE).
    double total = 0.0;
    for (double v : sq) total += v;
    const double count = static_cast<double>(T * B * net.outputs());
    rnn_gradients g;
    g.rmse = std::sqrt(total / count);
    g.penalty = l2_penalty * net.J.squaredNorm();
    g.loss = g.rmse + g.penalty;
    const double scale = g.rmse > 0.0 ? 1.0 / (count * g.rmse) : 0.0;
    // Backward through every sub-step: a_s = ∂L/∂x_s,
    //   a_s = (1 − dt) a_{s+1} + dt φ'(x_s) ⊙ (Jᵀ a_{s+1})  (+ W_outᵀ dy where x_s is read out).
    std::vector<rnn_gradients> part(static_cast<std::size_t>(chunks));
#pragma omp parallel for num_threads(static_cast<int>(units)) schedule(static, 1)
    for (Eigen::Index u = 0; u < units; ++u) {
        const auto [c0, c1] = chunks_of(u);
        const Eigen::Index b0 = first(c0), nb = first(c1) - b0;
        auto dy = [&](Eigen::Index k, Eigen::Index c) {
            const Eigen::Index w = first(c + 1) - first(c);
            return Eigen::MatrixXd(scale * (Y.middleCols(k * B + first(c), w) - targets[seq(k)].middleCols(first(c), w)));
        };
        Eigen::MatrixXd a(n, nb), Jta(n, nb), drive_grad = Eigen::MatrixXd::Zero(n, nb);
        for (Eigen::Index c = c0; c < c1; ++c) {
            const Eigen::Index o = first(c) - b0, w = first(c + 1) - first(c);
            auto& pc = part[static_cast<std::size_t>(c)];
            pc.W_out = Eigen::MatrixXd::Zero(net.outputs(), n);
            pc.W_in = Eigen::MatrixXd::Zero(n, net.inputs());
            pc.b = Eigen::VectorXd::Zero(n);
            for (Eigen::Index k = 0; k < T; ++k) pc.W_out.noalias() += dy(k, c) * X_read.middleCols(k * B + first(c), w).transpose();
            a.middleCols(o, w).noalias() = net.W_out.transpose() * dy(T - 1, c);
        }
        for (Eigen::Index s = S - 1; s >= 0; --s) {
            const Eigen::Index col = s * B + b0;
            A.middleCols(col, nb) = a;  // a_{s+1}: multiplies φ(x_s) in ∂x_{s+1}/∂J
            drive_grad += dt * a;
            if (s % sub == 0) {  // first sub-step of task step k: its held drive d_k is complete
                for (Eigen::Index c = c0; c < c1; ++c) {
                    const Eigen::Index o = first(c) - b0, w = first(c + 1) - first(c);
                    auto& pc = part[static_cast<std::size_t>(c)];
                    pc.W_in.noalias() += drive_grad.middleCols(o, w) * inputs[seq(s / sub)].middleCols(first(c), w).transpose();
                    pc.b += drive_grad.middleCols(o, w).rowwise().sum();
                }
                drive_grad.setZero();
            }
            Jta.setZero();
            linalg::add_thin_product(Jt, a, Jta);
            a = (1.0 - dt) * a + dt * D.middleCols(col, nb).cwiseProduct(Jta);
            if (s % sub == 0 && s > 0)
                for (Eigen::Index c = c0; c < c1; ++c)
                    a.middleCols(first(c) - b0, first(c + 1) - first(c)).noalias() += net.W_out.transpose() * dy(s / sub - 1, c);
        }
    }
    g.W_out = part[0].W_out;
    g.W_in = part[0].W_in;
    g.b = part[0].b;
    for (std::size_t c = 1; c < part.size(); ++c) {
        g.W_out += part[c].W_out;
        g.W_in += part[c].W_in;
        g.b += part[c].b;
    }
    // ∂L/∂J = Σ_s dt a_{s+1} φ(x_s)ᵀ as one product, in fixed row blocks.
    g.J.resize(n, n);
    constexpr Eigen::Index rows_per_block = 64;
    const Eigen::Index blocks = (n + rows_per_block - 1) / rows_per_block;
#pragma omp parallel for num_threads(std::max(1, threads)) schedule(static, 1)
    for (Eigen::Index blk = 0; blk < blocks; ++blk) {
        const Eigen::Index r0 = blk * rows_per_block, nr = std::min(rows_per_block, n - r0);
        g.J.middleRows(r0, nr).noalias() = dt * A.middleRows(r0, nr) * R.transpose();
    }
    g.J += 2.0 * l2_penalty * net.J;
    return g;
}

rate_bptt_trainer::rate_bptt_trainer(network::relu_rnn net, bptt_options opt) : net_(std::move(net)), opt_(opt) {
    network::check_shapes(net_, "network.");
    if (!(opt_.learning_rate > 0.0)) throw config_error("training.learning_rate: expected > 0");
    if (opt_.l2_penalty < 0.0) throw config_error("training.l2_penalty: expected >= 0");
    m_.J = v_.J = Eigen::MatrixXd::Zero(net_.J.rows(), net_.J.cols());
    m_.W_in = v_.W_in = Eigen::MatrixXd::Zero(net_.W_in.rows(), net_.W_in.cols());
    m_.W_out = v_.W_out = Eigen::MatrixXd::Zero(net_.W_out.rows(), net_.W_out.cols());
    m_.b = v_.b = Eigen::VectorXd::Zero(net_.b.size());
}

void rate_bptt_trainer::step(const rnn_gradients& g) {
    const double lr = opt_.learning_rate;
    if (opt_.method == optimiser::gradient_descent) {
        net_.J -= lr * g.J;
        net_.W_in -= lr * g.W_in;
        net_.W_out -= lr * g.W_out;
        net_.b -= lr * g.b;
        return;
    }
    // Adam (Kingma & Ba 2015) with bias correction; iteration_ is already the 1-based step count.
    const double b1 = opt_.adam_beta1, b2 = opt_.adam_beta2, eps = opt_.adam_epsilon;
    const double c1 = 1.0 - std::pow(b1, static_cast<double>(iteration_)), c2 = 1.0 - std::pow(b2, static_cast<double>(iteration_));
    auto update = [&](auto& w, auto& m, auto& v, const auto& gr) {
        m = b1 * m + (1.0 - b1) * gr;
        v = b2 * v + (1.0 - b2) * gr.cwiseProduct(gr);
        w.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + eps);
    };
    update(net_.J, m_.J, v_.J, g.J);
    update(net_.W_in, m_.W_in, v_.W_in, g.W_in);
    update(net_.W_out, m_.W_out, v_.W_out, g.W_out);
    update(net_.b, m_.b, v_.b, g.b);
}

void rate_bptt_trainer::train(long iterations, const batch_source& data,
                              const std::function<void(long, const bptt_record&)>& on_iteration) {
    engine::sequence inputs, targets;
    while (iteration_ < iterations) {
        data(static_cast<std::uint64_t>(iteration_), inputs, targets);
        auto g = bptt_gradient(net_, inputs, targets, opt_.l2_penalty, opt_.integrator, opt_.threads, work_);
        bptt_record rec;
        rec.loss = g.loss;
        rec.rmse = g.rmse;
        rec.grad_norm = g.norm();
        rec.l2_cost = net_.J.squaredNorm();
        rec.neural_grad_l2 = plasticity::neural_gradient(net_.J.array().square().matrix()).norm();
        if (!std::isfinite(rec.loss) || !std::isfinite(rec.grad_norm))
            throw numerical_error("training diverged at iteration " + std::to_string(iteration_) + ": loss " +
                                  std::to_string(rec.loss) + ", gradient norm " + std::to_string(rec.grad_norm) +
                                  " (lower training.learning_rate or keep training.clip_norm)");
        if (opt_.clip_norm > 0.0 && rec.grad_norm > opt_.clip_norm) g.scale(opt_.clip_norm / rec.grad_norm);
        if (on_iteration) on_iteration(iteration_, rec);
        ++iteration_;
        step(g);
    }
}

namespace {
std::vector<double> flat(const Eigen::MatrixXd& m) { return {m.data(), m.data() + m.size()}; }
void unflat(const io::checkpoint_data& d, const std::string& name, Eigen::MatrixXd& m, const std::filesystem::path& dir) {
    for (const auto& a : d.arrays) {
        if (a.name != name) continue;
        if (static_cast<Eigen::Index>(a.values.size()) != m.size())
            throw io_error(dir.string() + ": checkpoint array " + name + " has " + std::to_string(a.values.size()) +
                           " entries, the network needs " + std::to_string(m.size()));
        m = Eigen::Map<const Eigen::MatrixXd>(a.values.data(), m.rows(), m.cols());
        return;
    }
    throw io_error(dir.string() + ": checkpoint has no array " + name);
}
}  // namespace

io::checkpoint_data rate_bptt_trainer::state() const {
    io::checkpoint_data d;
    d.fields = {{"kind", "rate_bptt"}, {"iteration", std::to_string(iteration_)}};
    auto add = [&](const std::string& prefix, const rnn_gradients& s) {
        d.arrays.push_back({prefix + "J", flat(s.J)});
        d.arrays.push_back({prefix + "W_in", flat(s.W_in)});
        d.arrays.push_back({prefix + "W_out", flat(s.W_out)});
        d.arrays.push_back({prefix + "b", flat(s.b)});
    };
    add("", rnn_gradients{net_.J, net_.W_in, net_.W_out, net_.b});
    add("adam_m_", m_);
    add("adam_v_", v_);
    return d;
}

void rate_bptt_trainer::save(const std::filesystem::path& dir) const { io::write_checkpoint(dir, state()); }

void rate_bptt_trainer::load(const std::filesystem::path& dir) { restore(io::read_checkpoint(dir), dir); }

void rate_bptt_trainer::restore(const io::checkpoint_data& d, const std::filesystem::path& dir) {
    const auto* kind = d.field("kind");
    const auto* it = d.field("iteration");
    if (!kind || *kind != "rate_bptt" || !it) throw io_error(dir.string() + ": not a rate_bptt checkpoint");
    auto get = [&](const std::string& prefix, Eigen::MatrixXd& J, Eigen::MatrixXd& W_in, Eigen::MatrixXd& W_out, Eigen::VectorXd& b) {
        unflat(d, prefix + "J", J, dir);
        unflat(d, prefix + "W_in", W_in, dir);
        unflat(d, prefix + "W_out", W_out, dir);
        Eigen::MatrixXd bm = b;
        unflat(d, prefix + "b", bm, dir);
        b = bm;
    };
    get("", net_.J, net_.W_in, net_.W_out, net_.b);
    get("adam_m_", m_.J, m_.W_in, m_.W_out, m_.b);
    get("adam_v_", v_.J, v_.W_in, v_.W_out, v_.b);
    iteration_ = std::stol(*it);
}

}  // namespace einet::train
