#pragma once
// Jacobi-preconditioned conjugate gradients on a symmetric positive (semi-)definite operator given
// only as a product, shared by the matrix-free Newton and Rosenbrock solves of synaptic balancing
// (paper 004) and the Newton–CG of the convex reconstruction (paper 002), so that both stop and
// degrade in the same, documented way.
#include <Eigen/Dense>

#include <cstddef>

namespace einet::core {

struct pcg_rule {
    double target = 0.0;        // stop once ‖residual‖ <= target
    std::size_t max_products = 0;
    bool check_start = true;    // test the target before the first product (false: always take one step)
    bool gradient_step = false; // no curvature on the first direction: return it (a preconditioned gradient step)
};

struct pcg_result {
    Eigen::VectorXd x;
    std::size_t products = 0;
};

// Solves A x = rhs from x = 0 with `apply(q, Aq)` computing Aq = A q and `diag` A's diagonal (or
// any positive stand-in). Stops at the target, after max_products products, or on a direction
// without positive curvature (A singular along it, or rounding), keeping the iterate reached.
template <class Apply>
pcg_result jacobi_pcg(Apply&& apply, const Eigen::VectorXd& diag, const Eigen::VectorXd& rhs, const pcg_rule& rule) {
    pcg_result out;
    Eigen::VectorXd& x = out.x;
    x = Eigen::VectorXd::Zero(rhs.size());
    Eigen::VectorXd r = rhs, z = r.cwiseQuotient(diag), q = z, Aq(rhs.size());
    double rz = r.dot(z);
    if (rule.check_start && !(r.norm() > rule.target)) return out;
    for (std::size_t k = 0; k < rule.max_products; ++k) {
        apply(q, Aq);
        ++out.products;
        const double curvature = q.dot(Aq);
        if (!(curvature > 0.0)) {
            if (k == 0 && rule.gradient_step) x = q;
            break;
        }
        const double alpha = rz / curvature;
        x += alpha * q;
        r -= alpha * Aq;
        if (!(r.norm() > rule.target)) break;
        z = r.cwiseQuotient(diag);
        const double rz_new = r.dot(z);
        q = z + (rz_new / rz) * q;
        rz = rz_new;
    }
    return out;
}

}  // namespace einet::core
