// The balancing equilibrium by an inexact Newton method on the convex C(h) (paper 004 Prop. 2):
// gradient ∂C/∂h = −p g (Eqs. 15–17), Hessian p² L with L the Laplacian of the conductances
// c̄ = c + cᵀ (Eqs. 34–36). L is never formed: L v = (in + out) ⊙ v − c v − cᵀ v costs one sweep
// over C⁰ (the same sweep as g), and the Newton system L s = g / p is solved by conjugate
// gradients preconditioned with diag(L). Each iteration thus costs a few sweeps instead of the
// O(N³) factorisation of L.
#include <cmath>

#include "balancing_sweep.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

namespace einet::plasticity {

balance_result balance_newton(const cost_matrix& c0, double p, const balance_options& opt) {
    detail::check_costs(c0, p);
    const auto conn = cost_graph_connectivity(c0);
    if (!conn.strongly_connected) return balance_flow(c0, p, opt);  // no finite minimiser (Prop. 3)
    const auto n = c0.rows();
    balance_result r;
    Eigen::VectorXd h = Eigen::VectorXd::Zero(n);
    detail::cost_view view(c0, h, p, opt.threads);
    Eigen::VectorXd g = view.gradient();
    const double g0 = g.norm();
    r.cost_initial = view.cost;
    r.grad_norm_initial = g0;
    // L_ii = Σ_{k≠i} c̄_ik: the diagonal of L (c_ii does not change along the manifold).
    const Eigen::VectorXd self = 2.0 * c0.diagonal();
    for (int it = 0; it < 200; ++it) {
        r.iterations = it;
        const double g_norm = g.norm();
        if (g_norm <= opt.tolerance * view.cost) break;
        // Inexact Newton: solve to a relative residual that shrinks with ‖g‖ (superlinear steps).
        const double forcing = std::min(0.1, g_norm / g0);
        const Eigen::VectorXd diag = (view.incoming + view.outgoing - self).cwiseMax(1e-300);
        const Eigen::VectorXd step = detail::laplacian_solve(view, 0.0, 1.0, diag, g / p, forcing * (g / p).norm(), n + 10, r.steps);
        // Backtracking on C (Armijo; the directional derivative is −p gᵀstep < 0). Once the decrease
        // is below the rounding of C, a step is kept when it lowers ‖g‖.
        const double slope = -p * g.dot(step);
        bool accepted = false;
        for (double s = 1.0; s > 1e-18 && !accepted; s *= 0.5) {
            detail::cost_view trial(c0, h + s * step, p, opt.threads);
            const Eigen::VectorXd g_trial = trial.gradient();
            const bool armijo = trial.cost <= view.cost + 1e-4 * s * slope;
            const bool rounding = trial.cost <= view.cost * (1.0 + 1e-12) && g_trial.norm() < g_norm;
            if (armijo || rounding) {
                h += s * step;
                view = std::move(trial);
                g = g_trial;
                accepted = true;
            }
        }
        if (!accepted) break;  // no decrease left at rounding level
    }
    r.h = h;
    r.cost = view.cost;
    r.grad_norm = g.norm();
    r.converged = r.grad_norm <= opt.tolerance * r.cost;
    return r;
}

}  // namespace einet::plasticity
