// Smooth losses (squared, logistic, softmax CE): proximal Newton with the exact diagonal
// curvature of the loss in the prediction space, coordinate descent on a working set, a
// backtracking line search, and the duality gap of the dual point U = −∇ℒ(DW) as the stopping
// rule (spec §5.8). For the squared loss the quadratic model is exact and every step is accepted.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "convex_internal.hpp"

namespace einet::train::detail {

namespace {

using colmat = Eigen::MatrixXd;

double soft(double v, double t) { return v > t ? v - t : v < -t ? v + t : 0.0; }

// Grows the working set by the columns that violate the dual constraint most (screening: a column
// with Ω°((Dᵀ∇ℒ)_j) < ρ stays at zero). The set only grows within one solve, so CD cannot cycle.
void grow_working_set(const convex_problem& pr, const matrix& Gf, const matrix& W, std::vector<char>& in_ws,
                      std::vector<Eigen::Index>& ws) {
    const Eigen::Index P = Gf.rows();
    std::vector<std::pair<double, Eigen::Index>> viol;
    std::size_t nnz_rows = 0;
    for (Eigen::Index j = 0; j < P; ++j) {
        if (W.row(j).cwiseAbs().maxCoeff() > 0.0) ++nnz_rows;
        if (in_ws[j]) continue;
        const double score = pr.penalty == penalty_kind::elementwise ? Gf.row(j).cwiseAbs().maxCoeff() : Gf.row(j).norm();
        if (score > pr.rho) viol.emplace_back(-score, j);
    }
    const std::size_t take = std::min(viol.size(), std::max<std::size_t>(32, 2 * nnz_rows));
    std::partial_sort(viol.begin(), viol.begin() + static_cast<std::ptrdiff_t>(take), viol.end());
    for (std::size_t i = 0; i < take; ++i) {
        in_ws[viol[i].second] = 1;
        ws.push_back(viol[i].second);
    }
}

// Newton step on the support with its signs fixed (elementwise penalty): minimises the quadratic
// model ℒ + ∇ℒ·Δ + ½ ΔᵀHΔ + ρ sign(W)·Δ over the nonzero coordinates by one dense solve with the
// exact Hessian H (softmax: a_i (diag π_i − π_i π_iᵀ) coupling the classes), then backtracks on
// the true objective. Once CD has found the support this converges quadratically — and with W the
// dual point −∇ℒ(DW), whose feasibility certifies the gap; CD alone converges only linearly,
// slowest on the softmax model, which is flat along W_j,: + t·1. Returns whether a step was taken;
// skipped when the dense system would cost more than `budget` flops.
bool newton_on_support(const convex_problem& pr, matrix& W, matrix& Z, double F0, double budget) {
    const auto& D = *pr.D;
    const Eigen::Index N = D.rows(), C = W.cols();
    std::vector<std::vector<Eigen::Index>> support(static_cast<std::size_t>(C));
    std::size_t m = 0;
    for (Eigen::Index c = 0; c < C; ++c)
        for (Eigen::Index j = 0; j < W.rows(); ++j)
            if (W(j, c) != 0.0) support[static_cast<std::size_t>(c)].push_back(j), ++m;
    if (m == 0 || static_cast<double>(N) * static_cast<double>(m) * static_cast<double>(m) > budget) return false;
    matrix G, Hd;
    loss_value(pr.loss, Z, pr.Y, pr.a, &G, &Hd);
    // Curvature weights per row for the class pair (c, c'): CE a(δπ_c − π_c π_c'), others diagonal.
    auto weight = [&](Eigen::Index c, Eigen::Index c2) {
        Eigen::VectorXd w(N);
        for (Eigen::Index i = 0; i < N; ++i) {
            if (pr.loss != loss_kind::ce) {
                w[i] = c == c2 ? Hd(i, c) : 0.0;
                continue;
            }
            const double ap = G(i, c) + pr.a[i] * pr.Y(i, c), ap2 = G(i, c2) + pr.a[i] * pr.Y(i, c2);
            w[i] = pr.a[i] > 0.0 ? (c == c2 ? ap : 0.0) - ap * ap2 / pr.a[i] : 0.0;
        }
        return w;
    };
    std::vector<Eigen::MatrixXd> X(static_cast<std::size_t>(C));
    std::vector<Eigen::Index> offset(static_cast<std::size_t>(C) + 1, 0);
    for (Eigen::Index c = 0; c < C; ++c) {
        const auto& sc = support[static_cast<std::size_t>(c)];
        X[static_cast<std::size_t>(c)].resize(N, static_cast<Eigen::Index>(sc.size()));
        for (std::size_t q = 0; q < sc.size(); ++q) X[static_cast<std::size_t>(c)].col(static_cast<Eigen::Index>(q)) = D.col(sc[q]);
        offset[static_cast<std::size_t>(c) + 1] = offset[static_cast<std::size_t>(c)] + static_cast<Eigen::Index>(sc.size());
    }
    const auto M = static_cast<Eigen::Index>(m);
    Eigen::MatrixXd H = Eigen::MatrixXd::Zero(M, M);
    Eigen::VectorXd g(M);
    for (Eigen::Index c = 0; c < C; ++c) {
        const auto& Xc = X[static_cast<std::size_t>(c)];
        if (Xc.cols() == 0) continue;
        const Eigen::Index oc = offset[static_cast<std::size_t>(c)];
        g.segment(oc, Xc.cols()) = Xc.transpose() * G.col(c);
        for (Eigen::Index q = 0; q < Xc.cols(); ++q) g[oc + q] += pr.rho * (W(support[static_cast<std::size_t>(c)][static_cast<std::size_t>(q)], c) > 0 ? 1.0 : -1.0);
        for (Eigen::Index c2 = c; c2 < C; ++c2) {
            const auto& X2 = X[static_cast<std::size_t>(c2)];
            if (X2.cols() == 0 || (pr.loss != loss_kind::ce && c2 != c)) continue;
            const Eigen::MatrixXd block = Xc.transpose() * (weight(c, c2).asDiagonal() * X2);
            H.block(oc, offset[static_cast<std::size_t>(c2)], Xc.cols(), X2.cols()) = block;
            if (c2 != c) H.block(offset[static_cast<std::size_t>(c2)], oc, X2.cols(), Xc.cols()) = block.transpose();
        }
    }
    H.diagonal().array() += 1e-12 * std::max(H.diagonal().maxCoeff(), 1e-300);
    const Eigen::VectorXd delta = -H.ldlt().solve(g);
    if (!delta.allFinite()) return false;
    matrix dW = matrix::Zero(W.rows(), C), dZ = matrix::Zero(N, C);
    for (Eigen::Index c = 0; c < C; ++c) {
        const auto& sc = support[static_cast<std::size_t>(c)];
        const Eigen::Index oc = offset[static_cast<std::size_t>(c)];
        for (std::size_t q = 0; q < sc.size(); ++q) dW(sc[q], c) = delta[oc + static_cast<Eigen::Index>(q)];
        if (!sc.empty()) dZ.col(c) = X[static_cast<std::size_t>(c)] * delta.segment(oc, static_cast<Eigen::Index>(sc.size()));
    }
    for (double t = 1.0; t > 1e-6; t *= 0.5) {
        const matrix Wt = W + t * dW, Zt = Z + t * dZ;
        if (loss_value(pr.loss, Zt, pr.Y, pr.a) + pr.rho * penalty_value(pr.penalty, Wt) < F0) {
            W = Wt, Z = Zt;
            return true;
        }
    }
    return false;
}

}  // namespace

convex_solution solve_smooth(const convex_problem& pr, const convex_options& opt, const matrix* warm) {
    const auto& D = *pr.D;
    const Eigen::Index N = D.rows(), P = D.cols(), C = pr.Y.cols();
    const bool group = pr.penalty == penalty_kind::group;
    convex_solution s;
    s.method = "proximal Newton + working-set coordinate descent";
    matrix W = warm && warm->rows() == P && warm->cols() == C ? *warm : matrix::Zero(P, C);
    matrix Z = D * W, G, Hr;
    std::vector<char> in_ws(static_cast<std::size_t>(P), 0);
    std::vector<Eigen::Index> ws;
    for (Eigen::Index j = 0; j < P; ++j)
        if (W.row(j).cwiseAbs().maxCoeff() > 0.0) in_ws[j] = 1, ws.push_back(j);
    colmat H, R(N, C), hess, AP, PI;
    Eigen::VectorXd sigma;
    Eigen::VectorXd g(C), v(C), delta(C);
    convex_solution best;
    bool exact_z = true;  // Z = D W recomputed (not accumulated) for the certificate
    for (s.iterations = 0; s.iterations < opt.max_outer; ++s.iterations) {
        const double f = loss_value(pr.loss, Z, pr.Y, pr.a, &G, &Hr);
        const matrix Gf = D.transpose() * G;  // ∇ of the data term in W
        s.W = W;
        s.primal = f + pr.rho * penalty_value(pr.penalty, W);
        certify(pr, opt, -G, -Gf, s);
        // Any feasible dual point bounds the optimum: keep the best one seen (the residual-based
        // point of a nearly optimal W can be slightly worse than an earlier one).
        if (s.dual > best.dual || s.iterations == 0) {
            best = s;
        } else {
            s.U = best.U;
            s.dual = best.dual;
            s.dual_infeasibility = best.dual_infeasibility;
            s.gap = s.primal - s.dual;
            s.certified = is_certified(opt, s);
        }
        if (s.certified) {
            if (exact_z) return s;
            Z = D * W;
            exact_z = true;
            continue;
        }
        exact_z = false;
        grow_working_set(pr, Gf, W, in_ws, ws);
        H = Hr;
        hess.resize(static_cast<Eigen::Index>(ws.size()), C);
        for (std::size_t q = 0; q < ws.size(); ++q)
            hess.row(static_cast<Eigen::Index>(q)) = D.col(ws[q]).array().square().matrix().transpose() * H;
        // Coordinate descent on the quadratic model ℒ + ∇ℒ·Δ + ½ Δᵀ diag(H) Δ in the predictions
        // (R = D Δ), to a precision tied to the current gap.
        // Softmax couples the classes: the model's Hessian per row is a_i (diag(π_i) − π_i π_iᵀ).
        // With the elementwise penalty CD runs on that full model (exact Newton), carrying
        // σ_i = π_iᵀ R_i so that each coordinate still costs one pass over its column.
        const bool coupled = pr.loss == loss_kind::ce && !group;
        if (coupled) {
            AP.resize(N, C);  // a_i π_ic, π = G/a + Y
            PI.resize(N, C);
            for (Eigen::Index i = 0; i < N; ++i)
                for (Eigen::Index c = 0; c < C; ++c) {
                    AP(i, c) = pr.a[i] > 0 ? G(i, c) + pr.a[i] * pr.Y(i, c) : 0.0;
                    PI(i, c) = pr.a[i] > 0 ? AP(i, c) / pr.a[i] : 0.0;
                }
            sigma.setZero(N);
        }
        const matrix W0 = W;
        R.setZero();
        // Sweeps stop when the objective change is tied to the gap and the coordinate moves are
        // small enough that the dual infeasibility they leave (≈ h·δ/ρ) is below 1e-7.
        const double h_max = hess.size() ? hess.maxCoeff() : 1.0;
        const double kkt = 1e-7 * pr.rho;
        const double inner_tol = std::min(1e-6 * std::max(std::abs(s.gap), 1e-18), kkt * kkt / std::max(h_max, 1e-300));
        // Inexact Newton for the non-quadratic losses: the model is only local, so it is solved to
        // a relative accuracy tied to the relative gap (a forcing sequence → 0 as the gap closes)
        // instead of to the final dual-feasibility target.
        const double forcing = pr.loss == loss_kind::squared ? 0.0
                                                            : std::clamp(std::abs(s.gap) / std::max(1.0, std::abs(s.primal)), 1e-10, 1e-2);
        double first_change = -1.0;
        for (int sweep = 0; sweep < 10000; ++sweep) {
            double change = 0.0;
            for (std::size_t q = 0; q < ws.size(); ++q) {
                const Eigen::Index j = ws[q];
                const auto col = D.col(j);
                for (Eigen::Index c = 0; c < C; ++c)
                    g[c] = Gf(j, c) + (coupled ? col.dot(AP.col(c).cwiseProduct(R.col(c) - sigma))
                                               : col.dot(H.col(c).cwiseProduct(R.col(c))));
                if (group) {
                    const double h = hess.row(static_cast<Eigen::Index>(q)).maxCoeff();
                    if (h <= 0.0) continue;
                    v = W.row(j).transpose() - g / h;
                    const double nv = v.norm(), t = pr.rho / h;
                    delta = (nv > t ? 1.0 - t / nv : 0.0) * v - W.row(j).transpose();
                    change += h * delta.squaredNorm();
                } else {
                    for (Eigen::Index c = 0; c < C; ++c) {
                        const double h = hess(static_cast<Eigen::Index>(q), c);
                        delta[c] = h > 0.0 ? soft(W(j, c) - g[c] / h, pr.rho / h) - W(j, c) : 0.0;
                        change += h * delta[c] * delta[c];
                    }
                }
                for (Eigen::Index c = 0; c < C; ++c) {
                    if (delta[c] == 0.0) continue;
                    W(j, c) += delta[c];
                    R.col(c) += delta[c] * col;
                    if (coupled) sigma += delta[c] * col.cwiseProduct(PI.col(c));
                }
            }
            if (first_change < 0.0) first_change = change;
            if (change <= std::max(inner_tol, forcing * first_change)) break;
        }
        // Backtracking on the true objective (the model is exact for the squared loss).
        const double F0 = s.primal;
        double t = 1.0;
        matrix Zt = Z + R;
        if (pr.loss != loss_kind::squared) {
            const matrix dW = W - W0;
            for (int k = 0; k < 40; ++k) {
                const double Ft = loss_value(pr.loss, Zt, pr.Y, pr.a) + pr.rho * penalty_value(pr.penalty, W);
                if (Ft <= F0) break;
                t *= 0.5;
                W = W0 + t * dW;
                Zt = Z + t * R;
            }
        }
        Z = Zt;
        // Near the optimum (relative gap below 1e-2), polish on the support (elementwise penalty).
        if (!group && std::abs(s.gap) <= 1e-2 * std::max(1.0, std::abs(s.primal)))
            newton_on_support(pr, W, Z, loss_value(pr.loss, Z, pr.Y, pr.a) + pr.rho * penalty_value(pr.penalty, W),
                              opt.newton_flops);
    }
    const double f = loss_value(pr.loss, Z, pr.Y, pr.a, &G);
    s.W = W;
    s.primal = f + pr.rho * penalty_value(pr.penalty, W);
    certify(pr, opt, -G, -(D.transpose() * G), s);
    return s;
}

}  // namespace einet::train::detail
