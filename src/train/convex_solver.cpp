#include "einet/train/convex_solver.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "convex_internal.hpp"
#include "einet/core/error.hpp"

namespace einet::train {

namespace detail {

double penalty_value(penalty_kind k, const matrix& W) {
    return k == penalty_kind::elementwise ? W.cwiseAbs().sum() : W.rowwise().norm().sum();
}

double dual_norm(penalty_kind k, const matrix& G) {
    if (G.size() == 0) return 0.0;
    return k == penalty_kind::elementwise ? G.cwiseAbs().maxCoeff() : G.rowwise().norm().maxCoeff();
}

void certify(const convex_problem& pr, const convex_options& opt, const matrix& U0, const matrix& DtU0,
             convex_solution& s) {
    const double norm = dual_norm(pr.penalty, DtU0);
    // Dual scaling (spec §5.8): U = U0 · min(1, ρ/Ω°(DᵀU0)) stays in every conjugate's domain.
    const double scale = norm > pr.rho ? pr.rho / norm : 1.0;
    s.U = scale * U0;
    s.dual = loss_dual_value(pr.loss, s.U, pr.Y, pr.a);
    s.gap = s.primal - s.dual;
    s.dual_infeasibility = std::max(0.0, scale * norm / pr.rho - 1.0);
    s.nonzeros = static_cast<std::size_t>((s.W.array() != 0.0).count());
    s.certified = is_certified(opt, s);
}

bool is_certified(const convex_options& opt, const convex_solution& s) {
    return std::isfinite(s.dual) && std::abs(s.gap) <= opt.gap_tol * std::max(1.0, std::abs(s.primal)) &&
           s.dual_infeasibility <= opt.feas_tol;
}

}  // namespace detail

void validate_problem(const convex_problem& pr, const std::string& what) {
    if (!pr.D) throw internal_error("convex problem without a dictionary");
    const auto& D = *pr.D;
    if (D.rows() == 0) throw config_error(what + ": the dictionary has no rows (empty training set)");
    if (D.cols() == 0) throw config_error(what + ": the dictionary has no columns");
    if (pr.Y.rows() != D.rows() || pr.a.size() != D.rows())
        throw config_error(what + ": " + std::to_string(pr.Y.rows()) + " targets and " + std::to_string(pr.a.size()) +
                           " row weights for " + std::to_string(D.rows()) + " dictionary rows");
    if (!D.allFinite() || !pr.Y.allFinite() || !pr.a.allFinite())
        throw config_error(what + ": the dictionary, targets or row weights hold NaN or infinity");
    if ((pr.a.array() < 0.0).any()) throw config_error(what + ": row weights must be >= 0");
    if (!(pr.rho > 0.0) || !std::isfinite(pr.rho))
        throw config_error(what + ": rho must be a positive finite number, got " + std::to_string(pr.rho));
    if (!loss_is_smooth(pr.loss) && pr.penalty == penalty_kind::group)
        throw config_error(what + ": the group penalty is available for the smooth losses (logistic, ce, squared), "
                                  "not for " + loss_name(pr.loss));
    if ((pr.loss == loss_kind::hinge || pr.loss == loss_kind::logistic) && pr.Y.cols() != 1)
        throw config_error(what + ": " + loss_name(pr.loss) + " is binary (one output); use hinge_ovr or ce for classes");
}

double primal_value(const convex_problem& pr, const matrix& W) {
    const matrix Z = (*pr.D) * W;
    return loss_value(pr.loss, Z, pr.Y, pr.a) + pr.rho * detail::penalty_value(pr.penalty, W);
}

double rho_max(const convex_problem& pr) {
    matrix Z = matrix::Zero(pr.D->rows(), pr.Y.cols()), G;
    loss_value(pr.loss, Z, pr.Y, pr.a, &G);  // hinge at W = 0: every margin is 1, G = −a y/C
    return detail::dual_norm(pr.penalty, pr.D->transpose() * G);
}

convex_solution solve_convex(const convex_problem& pr, const convex_options& opt, const matrix* warm) {
    validate_problem(pr, "convex problem");
    auto s = loss_is_smooth(pr.loss) ? detail::solve_smooth(pr, opt, warm) : detail::solve_hinge(pr, opt, warm);
    if (!s.certified)
        throw numerical_error("convex solve (" + loss_name(pr.loss) + ", rho = " + std::to_string(pr.rho) +
                              ") did not converge: primal " + std::to_string(s.primal) + ", dual " +
                              std::to_string(s.dual) + ", gap " + std::to_string(s.gap) + ", dual infeasibility " +
                              std::to_string(s.dual_infeasibility) + " after " + std::to_string(s.iterations) +
                              " iterations");
    return s;
}

std::vector<convex_solution> solve_convex_path(convex_problem pr, const std::vector<double>& rhos,
                                               const convex_options& opt) {
    std::vector<std::size_t> order(rhos.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rhos[a] > rhos[b]; });
    std::vector<convex_solution> out(rhos.size());
    const matrix* warm = nullptr;
    for (std::size_t i : order) {
        pr.rho = rhos[i];
        out[i] = solve_convex(pr, opt, warm);
        warm = &out[i].W;
    }
    return out;
}

double rho_single_head(double beta, std::size_t columns) { return beta / std::sqrt(static_cast<double>(columns)); }
double rho_two_head(double beta, double head_weight) { return beta / head_weight; }

}  // namespace einet::train
