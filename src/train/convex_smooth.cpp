// Smooth losses (squared, logistic, softmax CE): globalised Newton-CG steps on the support
// (convex_newton_cg.cpp), with proximal Newton by coordinate descent on a working set (exact
// diagonal curvature in the prediction space, backtracking line search) as the fallback, and the
// duality gap of the dual point U = −∇ℒ(DW) as the stopping rule (spec §5.8).
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

}  // namespace

convex_solution solve_smooth(const convex_problem& pr, const convex_options& opt, const matrix* warm) {
    const auto& D = *pr.D;
    const Eigen::Index N = D.rows(), P = D.cols(), C = pr.Y.cols();
    const bool group = pr.penalty == penalty_kind::group;
    convex_solution s;
    s.method = "Newton-CG on the support + working-set coordinate descent";
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
    bool exact_z = true;   // Z = D W recomputed (not accumulated) for the certificate
    bool cd_next = false;  // the next step is a CD step (after a Newton step shortened below 1e-2)
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
        // Near the optimum a matrix-free Newton-CG step on the support and its worst entering
        // coordinates replaces the coordinate-descent step (which converges only linearly, slowest
        // on the softmax model, flat along W_j,: + t·1); CD remains the fallback and the start.
        const double rel_gap = std::abs(s.gap) / std::max(1.0, std::abs(s.primal));
        // A heavily shortened Newton step (support still moving) hands the next iteration to CD.
        if (rel_gap <= opt.newton_trigger && !cd_next) {
            const double t = newton_cg_step(pr, W, Z, G, Hr, Gf, s.primal, std::max<std::size_t>(32, s.nonzeros), opt.max_cg);
            if (t > 0.0) {
                cd_next = t < 1e-2;
                for (Eigen::Index j = 0; j < P; ++j)  // keep the CD working set ⊇ support
                    if (!in_ws[j] && W.row(j).cwiseAbs().maxCoeff() > 0.0) in_ws[j] = 1, ws.push_back(j);
                continue;
            }
        }
        cd_next = false;
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
    }
    const double f = loss_value(pr.loss, Z, pr.Y, pr.a, &G);
    s.W = W;
    s.primal = f + pr.rho * penalty_value(pr.penalty, W);
    certify(pr, opt, -G, -(D.transpose() * G), s);
    return s;
}

}  // namespace einet::train::detail
