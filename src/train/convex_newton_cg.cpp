// Matrix-free Newton step of the smooth convex programs (spec §5.8) on the support of W plus its
// entering coordinates, solved by preconditioned conjugate gradients. The Hessian of the data
// term restricted to the free set F is D_Fᵀ H D_F, H the exact per-row Hessian of the loss in the
// predictions (softmax CE: a_i (diag π_i − π_i π_iᵀ), coupling the classes); one product
// D_Fᵀ H D_F v costs two passes over the free columns, so no |F|² matrix is formed.
// Globalisation: the step is projected onto the sign-consistent orthant (elementwise ℓ1) or the
// entering half-space (group ℓ1) and backtracked with an Armijo test on the composite objective.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "convex_internal.hpp"
#include "einet/core/jacobi_pcg.hpp"

namespace einet::train::detail {

namespace {

// Prediction-space work ([N × C]) is column-major: a free variable touches one class column, and
// a row-major column is a strided, scalar loop (it cost 90 % of a 1000 × 150 CE solve).
using colmat = Eigen::MatrixXd;

// Free variables (j, c): sorted by column so one column's entries are visited together.
struct free_set {
    std::vector<Eigen::Index> col, cls;
    std::vector<char> entering;  // elementwise: W_jc = 0 now; group: the whole row j is zero now
    Eigen::VectorXd g;           // (pseudo-)gradient of the composite objective on F
    Eigen::VectorXd orient;      // elementwise: the orthant sign θ; group: the row's −∇ direction
};

free_set choose_free(const convex_problem& pr, const matrix& W, const matrix& Gf, std::size_t max_entering) {
    const Eigen::Index P = W.rows(), C = W.cols();
    const bool group = pr.penalty == penalty_kind::group;
    // Entering candidates: zero coordinates (rows) whose dual constraint is violated, worst first.
    std::vector<std::pair<double, Eigen::Index>> viol;  // (−excess, index j·C + c or j)
    std::vector<char> take(static_cast<std::size_t>(P * C), 0);
    for (Eigen::Index j = 0; j < P; ++j) {
        if (group) {
            const double nr = W.row(j).norm(), ng = Gf.row(j).norm();
            if (nr > 0.0)
                for (Eigen::Index c = 0; c < C; ++c) take[static_cast<std::size_t>(j * C + c)] = 1;
            else if (ng > pr.rho)
                viol.emplace_back(pr.rho - ng, j);
            continue;
        }
        for (Eigen::Index c = 0; c < C; ++c) {
            if (W(j, c) != 0.0)
                take[static_cast<std::size_t>(j * C + c)] = 1;
            else if (std::abs(Gf(j, c)) > pr.rho)
                viol.emplace_back(pr.rho - std::abs(Gf(j, c)), j * C + c);
        }
    }
    const std::size_t k = std::min(viol.size(), max_entering);
    std::partial_sort(viol.begin(), viol.begin() + static_cast<std::ptrdiff_t>(k), viol.end());
    std::vector<char> enter(static_cast<std::size_t>(P * C), 0);
    for (std::size_t q = 0; q < k; ++q) {
        if (group) {
            for (Eigen::Index c = 0; c < C; ++c) enter[static_cast<std::size_t>(viol[q].second * C + c)] = 1;
        } else {
            enter[static_cast<std::size_t>(viol[q].second)] = 1;
        }
    }
    free_set f;
    std::vector<double> g, orient;
    for (Eigen::Index j = 0; j < P; ++j) {
        const double nr = W.row(j).norm(), ng = Gf.row(j).norm();
        for (Eigen::Index c = 0; c < C; ++c) {
            const auto idx = static_cast<std::size_t>(j * C + c);
            if (!take[idx] && !enter[idx]) continue;
            f.col.push_back(j);
            f.cls.push_back(c);
            f.entering.push_back(enter[idx]);
            if (group) {
                // support row: ∇ρ‖W_j‖ = ρ W_j/‖W_j‖; entering row: the minimum-norm subgradient
                // Gf_j (1 − ρ/‖Gf_j‖), moving against Gf_j.
                g.push_back(nr > 0.0 ? Gf(j, c) + pr.rho * W(j, c) / nr : Gf(j, c) * (1.0 - pr.rho / ng));
                orient.push_back(nr > 0.0 ? 0.0 : -Gf(j, c));
            } else {
                const double theta = W(j, c) != 0.0 ? (W(j, c) > 0.0 ? 1.0 : -1.0) : (Gf(j, c) > 0.0 ? -1.0 : 1.0);
                g.push_back(Gf(j, c) + pr.rho * theta);  // ∇ of ℒ + ρ θ·W on the orthant of θ
                orient.push_back(theta);
            }
        }
    }
    f.g = Eigen::Map<Eigen::VectorXd>(g.data(), static_cast<Eigen::Index>(g.size()));
    f.orient = Eigen::Map<Eigen::VectorXd>(orient.data(), static_cast<Eigen::Index>(orient.size()));
    return f;
}

// Curvature of the loss in the predictions at Z: CE keeps a·π (per row a_i π_ic), the others
// their exact diagonal.
struct loss_curvature {
    loss_kind loss;
    colmat AP, PI, Hd;  // CE: a π and π; otherwise Hd
    colmat apply(const colmat& R) const {  // per row: H_i R_i
        if (loss != loss_kind::ce) return Hd.cwiseProduct(R);
        const Eigen::VectorXd s = PI.cwiseProduct(R).rowwise().sum();  // π_iᵀ R_i
        return AP.cwiseProduct(R - s.replicate(1, R.cols()));         // a_i (π_i ⊙ R_i − π_i π_iᵀ R_i)
    }
};

loss_curvature curvature(const convex_problem& pr, const matrix& G, const matrix& Hd) {
    loss_curvature h{pr.loss, {}, {}, Hd};
    if (pr.loss == loss_kind::ce) {
        h.AP = G + pr.Y.cwiseProduct(pr.a.replicate(1, G.cols()));  // a_i π_ic = G_ic + a_i y_ic
        h.PI = colmat::Zero(G.rows(), G.cols());
        for (Eigen::Index i = 0; i < G.rows(); ++i)
            if (pr.a[i] > 0.0) h.PI.row(i) = h.AP.row(i) / pr.a[i];
    }
    return h;
}

// D_F v as an [N × C] prediction change.
colmat predictions(const dictionary& D, const free_set& f, const Eigen::VectorXd& v, Eigen::Index C) {
    colmat R = colmat::Zero(D.rows(), C);
    for (std::size_t k = 0; k < f.col.size(); ++k)
        if (v[static_cast<Eigen::Index>(k)] != 0.0) R.col(f.cls[k]) += v[static_cast<Eigen::Index>(k)] * D.col(f.col[k]);
    return R;
}

}  // namespace

double newton_cg_step(const convex_problem& pr, matrix& W, matrix& Z, const matrix& G, const matrix& Hd, const matrix& Gf,
                      double F0, std::size_t max_entering, std::size_t max_cg) {
    const auto& D = *pr.D;
    const Eigen::Index C = W.cols();
    const bool group = pr.penalty == penalty_kind::group;
    const free_set f = choose_free(pr, W, Gf, max_entering);
    const auto m = static_cast<Eigen::Index>(f.col.size());
    if (m == 0) return 0.0;
    const loss_curvature h = curvature(pr, G, Hd);
    // Group penalty curvature on a support row: ρ/‖w‖ (I − ŵŵᵀ) (zero for an entering row).
    Eigen::VectorXd row_norm = Eigen::VectorXd::Zero(m);
    if (group)
        for (Eigen::Index k = 0; k < m; ++k) row_norm[k] = W.row(f.col[static_cast<std::size_t>(k)]).norm();
    auto penalty_hv = [&](const Eigen::VectorXd& v, Eigen::VectorXd& out) {
        if (!group) return;
        for (Eigen::Index k = 0; k < m; k += C) {  // a group's C entries are contiguous
            const double nr = row_norm[k];
            if (nr == 0.0) continue;
            const auto j = f.col[static_cast<std::size_t>(k)];
            const Eigen::VectorXd u = W.row(j).transpose() / nr;
            out.segment(k, C) += pr.rho / nr * (v.segment(k, C) - u * u.dot(v.segment(k, C)));
        }
    };
    // Jacobi preconditioner: diag(D_Fᵀ H D_F) + penalty + damping (H's diagonal per row: h.Hd).
    Eigen::VectorXd diag(m);
    for (Eigen::Index k = 0; k < m; ++k) {
        const auto j = f.col[static_cast<std::size_t>(k)];
        const auto c = f.cls[static_cast<std::size_t>(k)];
        diag[k] = D.col(j).cwiseAbs2().dot(h.Hd.col(c));
        if (group && row_norm[k] > 0.0) diag[k] += pr.rho / row_norm[k] * (1.0 - std::pow(W(j, c) / row_norm[k], 2));
    }
    // Levenberg damping μ ∝ the relative KKT residual κ: bounds the step along the softmax's flat
    // directions (W_j,: + t·1) and vanishes at the optimum (superlinear local convergence).
    const double gnorm = f.g.norm(), kappa = f.g.cwiseAbs().maxCoeff() / pr.rho;
    const double mu = std::max(diag.mean(), 1e-300) * std::min(1e-2, kappa * kappa);
    diag.array() += mu;
    auto hv = [&](const Eigen::VectorXd& v) {
        const colmat Q = h.apply(predictions(D, f, v, C));
        Eigen::VectorXd out(m);
        for (Eigen::Index k = 0; k < m; ++k)
            out[k] = D.col(f.col[static_cast<std::size_t>(k)]).dot(Q.col(f.cls[static_cast<std::size_t>(k)])) + mu * v[k];
        penalty_hv(v, out);
        return out;
    };
    // Preconditioned CG on (D_Fᵀ H D_F + pen + μ I) x = b over the unfixed variables, to the
    // forcing tolerance η‖g‖, η = min(0.1, κ) (inexact Newton).
    const double eta = std::clamp(std::sqrt(kappa), 1e-12, 0.1);
    Eigen::VectorXd keep = Eigen::VectorXd::Ones(m);  // 0: fixed (moved to zero by the step)
    core::pcg_rule rule;
    rule.target = eta * gnorm;
    rule.max_products = max_cg;
    rule.check_start = false;
    rule.gradient_step = true;  // no curvature information: a preconditioned gradient step
    auto apply = [&](const Eigen::VectorXd& p, Eigen::VectorXd& Hp) { Hp = hv(p).cwiseProduct(keep); };
    auto pcg = [&](const Eigen::VectorXd& b) { return core::jacobi_pcg(apply, diag, b.cwiseProduct(keep), rule).x; };
    // Active-set rounds: a coordinate whose Newton step leaves its orthant (or an entering one
    // that would move against its sign) is fixed at zero — a move of −W on that coordinate — and
    // the step of the others re-solved given that move: H_{F'F'} x = −g_F' − H_{F'X}(−W_X).
    Eigen::VectorXd fixed_move = Eigen::VectorXd::Zero(m);
    Eigen::VectorXd x = pcg(-f.g);
    for (int round = 0; round < 4 && x.allFinite(); ++round) {
        std::size_t added = 0;
        for (Eigen::Index k = 0; k < m; k += group ? C : 1) {
            if (keep[k] == 0.0) continue;
            const auto j = f.col[static_cast<std::size_t>(k)];
            const Eigen::Index len = group ? C : 1, c0 = f.cls[static_cast<std::size_t>(k)];
            const Eigen::VectorXd w = W.row(j).segment(c0, len).transpose();
            // elementwise: W + x leaves the orthant of θ; group: a support row turns through zero
            // (⟨W_j + x_j, W_j⟩ ≤ 0) or an entering row moves towards +Gf_j.
            const bool leaves = group ? (f.entering[static_cast<std::size_t>(k)] ? x.segment(k, C).dot(f.orient.segment(k, C)) <= 0.0
                                                                              : (w + x.segment(k, C)).dot(w) <= 0.0)
                                      : (w[0] + x[k]) * f.orient[k] < 0.0;
            if (!leaves) continue;
            keep.segment(k, len).setZero();
            fixed_move.segment(k, len) = -w;
            ++added;
        }
        if (added == 0) break;
        x = pcg(-f.g - hv(fixed_move)) + fixed_move;
    }
    if (!x.allFinite()) return 0.0;
    // Projected backtracking: coordinates leaving their orthant (entering rows turning towards
    // +∇) are set to zero; Armijo F(W_t) ≤ F0 + σ gᵀ(W_t − W) on the true objective.
    const colmat dZ = predictions(D, f, x, C);
    matrix Wt = W;
    colmat Zt;
    for (double t = 1.0; t > 1e-12; t *= 0.5) {
        Zt = Z + t * dZ;
        double pred = 0.0;
        for (Eigen::Index k = 0; k < m; ++k) {
            const auto j = f.col[static_cast<std::size_t>(k)];
            const auto c = f.cls[static_cast<std::size_t>(k)];
            Wt(j, c) = W(j, c) + t * x[k];
        }
        for (Eigen::Index k = 0; k < m; ++k) {
            const auto j = f.col[static_cast<std::size_t>(k)];
            const auto c = f.cls[static_cast<std::size_t>(k)];
            bool clip = false;
            if (!group) {
                clip = Wt(j, c) * f.orient[k] < 0.0;
            } else if (f.entering[static_cast<std::size_t>(k)] && c == 0) {
                double along = 0.0;  // the entering row must move against Gf_j
                for (Eigen::Index c2 = 0; c2 < C; ++c2) along += Wt(j, c2) * f.orient[k + c2];
                if (along <= 0.0)
                    for (Eigen::Index c2 = 0; c2 < C; ++c2) {
                        Zt.col(c2) -= Wt(j, c2) * D.col(j);
                        Wt(j, c2) = 0.0;
                    }
            }
            if (clip) {
                Zt.col(c) -= Wt(j, c) * D.col(j);  // W_t,jc = 0 instead of W + t x
                Wt(j, c) = 0.0;
            }
            pred += f.g[k] * (Wt(j, c) - W(j, c));
        }
        const double Ft = loss_value(pr.loss, Zt, pr.Y, pr.a) + pr.rho * penalty_value(pr.penalty, Wt);
        if (Ft < F0 && Ft <= F0 + 1e-4 * pred) {
            W = Wt;
            Z = Zt;
            return t;
        }
    }
    return 0.0;
}

}  // namespace einet::train::detail
