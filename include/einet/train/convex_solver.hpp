#pragma once
// The finite convex program of paper 002 (spec §5.3–5.7) over a fixed dictionary D [N × P]:
//   primal  p = min_W  ℒ(D W, Y) + ρ Ω(W),   Ω = Σ_jc |W_jc| (elementwise) or Σ_j ‖W_j,:‖₂ (group)
//   dual    d = max_U  Σ −ℓ*(−U)  s.t.  Ω°(Dᵀ U) ≤ ρ   (Ω° = max |·| or max_j ‖·‖₂)
// with the losses of snn_loss.hpp. Solved by our own methods and certified by the duality gap:
//   smooth losses: proximal Newton (exact diagonal curvature) with coordinate descent on a working
//                  set grown from the dual-infeasible columns (strong-rule screening), line search;
//                  near the optimum a matrix-free Newton-CG step on the support with the exact loss
//                  Hessian (softmax coupling included), projected onto the sign-consistent orthant;
//   hinge / OVR hinge: the LP by a Mehrotra interior point on a column working set (column
//                  generation on ‖Dᵀu‖∞ ≤ ρ), normal equations reduced to the working set.
// Every solution carries p, d, the gap and the dual feasibility of its dual point.
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "einet/train/snn_loss.hpp"

namespace einet::train {

using dictionary = Eigen::MatrixXd;  // column-major: one contiguous column per witnessed neuron

enum class penalty_kind { elementwise, group };

struct convex_problem {
    const dictionary* D = nullptr;
    matrix Y;  // [N × C] targets (snn_loss.hpp)
    vector a;  // [N] row weights
    loss_kind loss = loss_kind::hinge;
    penalty_kind penalty = penalty_kind::elementwise;
    double rho = 1e-3;
};

struct convex_options {
    double gap_tol = 1e-6;      // stop at |p − d| ≤ gap_tol · max(1, |p|)
    std::size_t max_outer = 5000;
    double feas_tol = 1e-8;     // accepted relative dual infeasibility
    // Smooth losses: below this relative gap the matrix-free Newton-CG step on the support (and its
    // worst entering coordinates) replaces the coordinate-descent step, which remains the fallback
    // when a Newton step cannot decrease the objective (1: from the start); ≤ max_cg CG iterations
    // per solve of the Newton system.
    double newton_trigger = 1.0;
    std::size_t max_cg = 500;
};

struct convex_solution {
    matrix W;    // [P × C] = readout weights of the reconstructed network
    matrix U;    // [N × C] feasible dual point
    double primal = 0.0, dual = 0.0, gap = 0.0;
    double dual_infeasibility = 0.0;  // max(0, Ω°(DᵀU)/ρ − 1)
    bool certified = false;           // gap and feasibility within tolerance
    std::size_t iterations = 0, nonzeros = 0;
    std::string method;
};

// Checks the problem (sizes, finite entries, ρ > 0); config_error naming `what`.
void validate_problem(const convex_problem& pr, const std::string& what);

convex_solution solve_convex(const convex_problem& pr, const convex_options& opt = {}, const matrix* warm = nullptr);

// A regularisation path, warm-started from one ρ to the next (solved from the largest ρ down);
// results in the order of `rhos`.
std::vector<convex_solution> solve_convex_path(convex_problem pr, const std::vector<double>& rhos,
                                               const convex_options& opt = {});

// Objective value of any W and the gap of any feasible-scaled dual point built from it.
double primal_value(const convex_problem& pr, const matrix& W);
// ρ_max: the smallest ρ for which W = 0 is optimal.
double rho_max(const convex_problem& pr);

// β → ρ (spec §5.5): single-head solves ρ = β/√P; two-head addition ρ = β/λ_head.
double rho_single_head(double beta, std::size_t columns);
double rho_two_head(double beta, double head_weight);

}  // namespace einet::train
