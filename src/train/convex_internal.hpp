#pragma once
// Internal to train/: pieces shared by the smooth (proximal Newton) and the hinge (LP) solvers.
#include "einet/train/convex_solver.hpp"

namespace einet::train::detail {

double penalty_value(penalty_kind k, const matrix& W);
// Ω°(G): max |G_jc| (elementwise) or max_j ‖G_j,:‖₂ (group).
double dual_norm(penalty_kind k, const matrix& G);

// Fills d, gap, feasibility and certification of `s` (W and primal already set) from an unscaled
// dual candidate U0 and DtU0 = Dᵀ U0 (U0 is scaled here into the dual feasible set).
void certify(const convex_problem& pr, const convex_options& opt, const matrix& U0, const matrix& DtU0,
             convex_solution& s);

// |p − d| ≤ gap_tol·max(1, |p|), d finite, dual infeasibility ≤ feas_tol.
bool is_certified(const convex_options& opt, const convex_solution& s);

// One globalised Newton-CG step (convex_newton_cg.cpp) from W (Z = D W; G, Hd the loss gradient and
// diagonal curvature at Z as loss_value gives them; Gf = Dᵀ G; F0 the objective) on the support plus
// at most max_entering dual-violating coordinates (rows for the group penalty); W and Z are updated
// and the accepted step length returned when the objective decreased (0: no step).
double newton_cg_step(const convex_problem& pr, matrix& W, matrix& Z, const matrix& G, const matrix& Hd, const matrix& Gf,
                      double F0, std::size_t max_entering, std::size_t max_cg);

convex_solution solve_smooth(const convex_problem& pr, const convex_options& opt, const matrix* warm);
convex_solution solve_hinge(const convex_problem& pr, const convex_options& opt, const matrix* warm);

}  // namespace einet::train::detail
