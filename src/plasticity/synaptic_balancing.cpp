#include "einet/plasticity/synaptic_balancing.hpp"

#include <cmath>
#include <string>

#include "einet/core/error.hpp"
#include "einet/core/ode.hpp"

namespace einet::plasticity {

Eigen::MatrixXd power_law_costs(const Eigen::MatrixXd& J, const Eigen::MatrixXd& alpha, double p, const std::string& where) {
    if (!(p > 0.0) || !std::isfinite(p)) throw config_error(where + "p: expected a finite exponent > 0, got " + std::to_string(p));
    if (J.rows() != J.cols())
        throw config_error(where + "J: expected a square matrix, got " + std::to_string(J.rows()) + " × " + std::to_string(J.cols()));
    if (alpha.rows() != J.rows() || alpha.cols() != J.cols())
        throw config_error(where + "alpha: expected the shape of J (" + std::to_string(J.rows()) + " × " +
                           std::to_string(J.cols()) + ")");
    if (!alpha.allFinite() || (alpha.array() < 0.0).any())
        throw config_error(where + "alpha: expected finite costs >= 0 (a negative or NaN cost weight was given)");
    if (!J.allFinite()) throw config_error(where + "J: expected finite weights");
    return (alpha.array() * J.array().abs().pow(p)).matrix();  // Eq. 23
}

Eigen::MatrixXd robustness_alpha(const Eigen::VectorXd& sigma2, Eigen::Index rows) {
    return Eigen::VectorXd::Ones(rows) * sigma2.transpose();  // α_ij = σ_j² (Eq. 13)
}

double sensitivity(const Eigen::MatrixXd& J, const Eigen::VectorXd& mu, const Eigen::VectorXd& sigma2) {
    // Eq. 9: S = Σ_ij σ_j² J_ij² − 2 Σ_i μ_i J_ii + N
    const double quad = (J.array().square().rowwise() * sigma2.transpose().array()).sum();
    return quad - 2.0 * (mu.array() * J.diagonal().array()).sum() + static_cast<double>(J.rows());
}

Eigen::MatrixXd costs_at(const Eigen::MatrixXd& c0, const Eigen::VectorXd& h, double p) {
    const Eigen::ArrayXd shift = h.array() - h.mean();  // C is invariant under h → h + s·1
    const Eigen::VectorXd a = (-p * shift).exp().matrix(), b = (p * shift).exp().matrix();
    return a.asDiagonal() * c0 * b.asDiagonal();  // Eq. 14: c⁰_ij e^{p(h_j − h_i)}
}

Eigen::VectorXd neural_gradient(const Eigen::MatrixXd& c) {
    return c.rowwise().sum() - c.colwise().sum().transpose();  // Eq. 17: incoming − outgoing
}

namespace {
// Spread of p·h beyond which the factorised form could overflow; then costs are formed entrywise.
constexpr double factorised_limit = 600.0;

Eigen::MatrixXd costs_entrywise(const Eigen::MatrixXd& c0, const Eigen::VectorXd& h, double p) {
    Eigen::MatrixXd c(c0.rows(), c0.cols());
    for (Eigen::Index j = 0; j < c0.cols(); ++j)
        for (Eigen::Index i = 0; i < c0.rows(); ++i)
            c(i, j) = c0(i, j) == 0.0 ? 0.0 : c0(i, j) * std::exp(p * (h(j) - h(i)));
    return c;
}
}  // namespace

namespace {
// C⁰b and C⁰ᵀa in one sweep over the column-major matrix, in fixed blocks of rows: block k adds
// its rows of C⁰b (each entry fused in column order) and its partial column sums of C⁰ᵀa; the
// partials are added in block order. Blocks never depend on the thread count, so neither do the
// bits; each block's slices of a, b and C⁰b stay in L1 while C⁰ streams through once.
constexpr Eigen::Index sweep_rows = 128;

void block_sweep(const double* c0, Eigen::Index n, Eigen::Index r0, Eigen::Index rows, const double* a, const double* b,
                 double* in, double* out_part) {
    const double* ar = a + r0;
    double* inr = in + r0;
    for (Eigen::Index r = 0; r < rows; ++r) inr[r] = 0.0;
    Eigen::Index j = 0;
    for (; j + 4 <= n; j += 4) {  // four columns per pass over the block's slice of C⁰b
        const double *k0 = c0 + j * n + r0, *k1 = k0 + n, *k2 = k1 + n, *k3 = k2 + n;
        const double b0 = b[j], b1 = b[j + 1], b2 = b[j + 2], b3 = b[j + 3];
        double d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0;
#pragma omp simd reduction(+ : d0, d1, d2, d3)
        for (Eigen::Index r = 0; r < rows; ++r) {
            inr[r] = std::fma(b3, k3[r], std::fma(b2, k2[r], std::fma(b1, k1[r], std::fma(b0, k0[r], inr[r]))));
            d0 += ar[r] * k0[r];
            d1 += ar[r] * k1[r];
            d2 += ar[r] * k2[r];
            d3 += ar[r] * k3[r];
        }
        out_part[j] = d0;
        out_part[j + 1] = d1;
        out_part[j + 2] = d2;
        out_part[j + 3] = d3;
    }
    for (; j < n; ++j) {
        const double* k0 = c0 + j * n + r0;
        double d0 = 0.0;
#pragma omp simd reduction(+ : d0)
        for (Eigen::Index r = 0; r < rows; ++r) {
            inr[r] = std::fma(b[j], k0[r], inr[r]);
            d0 += ar[r] * k0[r];
        }
        out_part[j] = d0;
    }
}

void sweep(const Eigen::MatrixXd& c0, const Eigen::VectorXd& a, const Eigen::VectorXd& b, Eigen::VectorXd& in,
           Eigen::VectorXd& out, int threads) {
    const auto n = c0.rows();
    const Eigen::Index blocks = (n + sweep_rows - 1) / sweep_rows;
    Eigen::MatrixXd parts(n, blocks);  // partial column sums, one column per block
    in.resize(n);
    // A second thread pays off only when a sweep is long enough to hide the fork (≈ µs).
    const int team = n >= 512 ? std::max(1, threads) : 1;
#pragma omp parallel for num_threads(team) schedule(static)
    for (Eigen::Index k = 0; k < blocks; ++k)
        block_sweep(c0.data(), n, k * sweep_rows, std::min(sweep_rows, n - k * sweep_rows), a.data(), b.data(), in.data(),
                    parts.col(k).data());
    out = parts.col(0);
    for (Eigen::Index k = 1; k < blocks; ++k) out += parts.col(k);
}
}  // namespace

Eigen::VectorXd neural_gradient_at(const Eigen::MatrixXd& c0, const Eigen::VectorXd& h, double p, int threads) {
    if (p * (h.maxCoeff() - h.minCoeff()) > factorised_limit) return neural_gradient(costs_entrywise(c0, h, p));
    const Eigen::ArrayXd shift = h.array() - h.mean();
    const Eigen::VectorXd a = (-p * shift).exp().matrix(), b = (p * shift).exp().matrix();
    Eigen::VectorXd in, out;
    sweep(c0, a, b, in, out, threads);
    return (a.array() * in.array() - b.array() * out.array()).matrix();  // Eq. 17: incoming − outgoing
}

double total_cost_at(const Eigen::MatrixXd& c0, const Eigen::VectorXd& h, double p) {
    if (p * (h.maxCoeff() - h.minCoeff()) > factorised_limit) return costs_entrywise(c0, h, p).sum();
    const Eigen::ArrayXd shift = h.array() - h.mean();
    const Eigen::VectorXd a = (-p * shift).exp().matrix(), b = (p * shift).exp().matrix();
    return a.dot(c0 * b);
}

connectivity_report cost_graph_connectivity(const Eigen::MatrixXd& c) {
    const auto n = c.rows();
    // Reachability from unit 0 along edges j → i (c_ij > 0) and against them: unit 0's strongly
    // connected component is the intersection; the graph is strongly connected iff it is everything.
    auto reach = [&](bool forward) {
        std::vector<char> seen(static_cast<std::size_t>(n), 0);
        std::vector<Eigen::Index> stack{0};
        seen[0] = 1;
        while (!stack.empty()) {
            const auto v = stack.back();
            stack.pop_back();
            for (Eigen::Index w = 0; w < n; ++w) {
                const double edge = forward ? c(w, v) : c(v, w);
                if (w != v && edge > 0.0 && !seen[static_cast<std::size_t>(w)]) {
                    seen[static_cast<std::size_t>(w)] = 1;
                    stack.push_back(w);
                }
            }
        }
        return seen;
    };
    const auto fwd = reach(true), bwd = reach(false);
    connectivity_report r;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (!fwd[static_cast<std::size_t>(i)] || !bwd[static_cast<std::size_t>(i)]) r.unreached.push_back(i);
    }
    r.strongly_connected = r.unreached.empty();
    return r;
}

namespace {

void check_costs(const Eigen::MatrixXd& c0, double p) {
    if (c0.rows() != c0.cols() || c0.rows() == 0) throw config_error("balancing: expected a square, non-empty cost matrix");
    if (!c0.allFinite() || (c0.array() < 0.0).any())
        throw config_error("balancing: costs must be finite and >= 0 (got a negative or NaN cost)");
    if (!(p > 0.0) || !std::isfinite(p)) throw config_error("balancing.p: expected a finite exponent > 0");
}

std::string no_equilibrium_warning(const connectivity_report& conn, double horizon) {
    std::string units;
    for (std::size_t i = 0; i < conn.unreached.size() && i < 10; ++i) units += (i ? ", " : "") + std::to_string(conn.unreached[i]);
    if (conn.unreached.size() > 10) units += ", …";
    return "the cost graph is not strongly connected (" + std::to_string(conn.unreached.size()) +
           " units outside the component of unit 0: " + units +
           "), so no finite equilibrium exists (paper 004 Prop. 3); balancing ran to the fixed horizon t = " +
           std::to_string(horizon);
}

}  // namespace

balance_result balance_flow(const Eigen::MatrixXd& c0, double p, const balance_options& opt) {
    check_costs(c0, p);
    balance_result r;
    const auto conn = cost_graph_connectivity(c0);
    r.strongly_connected = conn.strongly_connected;
    double t_end = opt.t_end;
    if (!conn.strongly_connected) {
        if (!std::isfinite(t_end)) t_end = opt.no_equilibrium_horizon;
        r.warning = no_equilibrium_warning(conn, t_end);
    }
    Eigen::VectorXd h = Eigen::VectorXd::Zero(c0.rows());
    r.cost_initial = c0.sum();
    r.grad_norm_initial = neural_gradient(c0).norm();
    ode::options o;
    o.rtol = opt.rtol;
    o.atol = opt.atol;
    ode::stats st;
    auto rhs = [&](const Eigen::VectorXd& y, Eigen::VectorXd& dy) { dy = neural_gradient_at(c0, y, p, opt.threads); };  // Eq. 15, γp = 1
    // C is non-increasing, so ‖g‖ > tolerance · C_last rules convergence out without a new C.
    double C_last = r.cost_initial;
    auto watch = [&](double t, const Eigen::VectorXd& y, const Eigen::VectorXd& g_now, bool output) {
        const double g = g_now.norm();
        const bool maybe = g <= opt.tolerance * C_last;
        if (t == 0.0 || output || maybe) C_last = total_cost_at(c0, y, p);
        if (t == 0.0 || output) {
            r.t_rec.push_back(t);
            r.cost_rec.push_back(C_last);
            r.grad_rec.push_back(g);
            r.h_rec.push_back(y);
        }
        r.converged = maybe && g <= opt.tolerance * C_last;
        return r.converged;
    };
    r.t = ode::integrate(rhs, h, t_end, opt.record_times, watch, o, &st);
    r.h = h;  // Σh = 0 (Eq. 22) holds to rounding: Σg = 0 exactly
    r.cost = total_cost_at(c0, r.h, p);
    r.grad_norm = neural_gradient_at(c0, r.h, p).norm();
    r.steps = st.accepted;
    r.rejected = st.rejected;
    return r;
}

balance_result balance_newton(const Eigen::MatrixXd& c0, double p, const balance_options& opt) {
    check_costs(c0, p);
    const auto conn = cost_graph_connectivity(c0);
    if (!conn.strongly_connected) return balance_flow(c0, p, opt);
    const auto n = c0.rows();
    balance_result r;
    r.cost_initial = c0.sum();
    r.grad_norm_initial = neural_gradient(c0).norm();
    Eigen::VectorXd h = Eigen::VectorXd::Zero(n);
    double C = r.cost_initial;
    Eigen::MatrixXd c = c0;
    for (int it = 0; it < 200; ++it) {
        const Eigen::VectorXd g = neural_gradient(c);
        r.iterations = it;
        if (g.norm() <= opt.tolerance * C) {
            r.converged = true;
            break;
        }
        // Hessian p²L (Eqs. 34–36); L + 11ᵀ/n is positive definite on a connected conductance
        // graph and maps 1 to 1, so its solve gives the pseudoinverse step for g ⊥ 1.
        Eigen::MatrixXd L = -(c + c.transpose());
        L.diagonal().setZero();
        L.diagonal() = -L.colwise().sum().transpose();
        L.array() += 1.0 / static_cast<double>(n);
        const Eigen::VectorXd step = L.llt().solve(g) / p;
        // Backtracking on C (Armijo): the directional derivative is −p gᵀstep < 0.
        const double slope = -p * g.dot(step);
        double s = 1.0, C_new = C;
        Eigen::VectorXd h_new = h;
        for (int bt = 0; bt < 60; ++bt) {
            h_new = h + s * step;
            C_new = total_cost_at(c0, h_new, p);
            if (C_new <= C + 1e-4 * s * slope) break;
            s *= 0.5;
        }
        if (!(C_new <= C)) break;  // no decrease left at rounding level
        h = h_new;
        C = C_new;
        c = costs_at(c0, h, p);
    }
    r.h = h;
    r.cost = total_cost_at(c0, r.h, p);
    r.grad_norm = neural_gradient_at(c0, r.h, p).norm();
    r.converged = r.grad_norm <= opt.tolerance * r.cost;
    return r;
}

balance_result lax_flow(const Eigen::MatrixXd& J0, const lax_signal& signal, const balance_options& opt) {
    if (J0.rows() != J0.cols() || J0.rows() == 0) throw config_error("lax dynamics: J: expected a square, non-empty matrix");
    if (!std::isfinite(opt.t_end)) throw config_error("lax dynamics: t_end: expected a finite horizon");
    const auto n = J0.rows();
    auto g_of = [&](const Eigen::VectorXd& h) {
        const Eigen::ArrayXd shift = h.array() - h.mean();
        const Eigen::MatrixXd J = (-shift).exp().matrix().asDiagonal() * J0 * shift.exp().matrix().asDiagonal();
        Eigen::VectorXd g(n);
        for (Eigen::Index k = 0; k < n; ++k) g(k) = signal(J.row(k).transpose(), J.col(k));  // local per neuron
        return g;
    };
    balance_result r;
    Eigen::VectorXd h = Eigen::VectorXd::Zero(n);
    auto spread = [](const Eigen::VectorXd& g) { return (g.array() - g.mean()).matrix().norm(); };  // 0 at g_i = g_j
    r.grad_norm_initial = spread(g_of(h));
    ode::options o;
    o.rtol = opt.rtol;
    o.atol = opt.atol;
    ode::stats st;
    auto rhs = [&](const Eigen::VectorXd& y, Eigen::VectorXd& dy) { dy = g_of(y); };  // Eq. 25: dJ/dt = [J, diag(g)]
    auto watch = [&](double t, const Eigen::VectorXd& y, const Eigen::VectorXd& g_now, bool output) {
        const double s = spread(g_now);
        if (t == 0.0 || output) {
            r.t_rec.push_back(t);
            r.grad_rec.push_back(s);
            r.h_rec.push_back(y);
        }
        r.converged = s <= opt.tolerance;
        return r.converged;
    };
    r.t = ode::integrate(rhs, h, opt.t_end, opt.record_times, watch, o, &st);
    r.h = h;
    r.grad_norm = spread(g_of(h));
    r.steps = st.accepted;
    r.rejected = st.rejected;
    return r;
}

}  // namespace einet::plasticity
