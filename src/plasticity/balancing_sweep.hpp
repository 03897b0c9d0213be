#pragma once
// The costs on the balancing manifold, c(h) = diag(a) C⁰ diag(b) with a = e^{−ph}, b = e^{ph}
// (paper 004 Eq. 14), applied without forming c(h): one sweep over C⁰ gives both c·x and cᵀ·y
// (internal to the plasticity module).
#include <Eigen/Dense>
#include <memory>

#include "einet/plasticity/synaptic_balancing.hpp"
#include "sweep_team.hpp"

namespace einet::plasticity::detail {

// Square, non-empty, finite costs >= 0 and a finite p > 0, or config_error naming the key.
void check_costs(const cost_matrix& c0, double p);

class cost_view {
public:
    // threads: the sweep runs over fixed tiles of C⁰, so results do not depend on it. With a `team`
    // (helper threads shared by the views of one run) the tiles go to whichever of its threads is
    // awake; without one, to `threads` OpenMP threads.
    cost_view(const cost_matrix& c0, const Eigen::VectorXd& h, double p, int threads, std::shared_ptr<sweep_team> team = nullptr);
    // Moves the view to new coordinates h, reusing its buffers (the flow calls this once per
    // evaluation of g; no allocation once the sizes are set).
    void update(const Eigen::VectorXd& h);
    // cx = c(h)·x and cty = c(h)ᵀ·y, both from one pass over C⁰.
    void apply(const Eigen::VectorXd& x, const Eigen::VectorXd& y, Eigen::VectorXd& cx, Eigen::VectorXd& cty) const;
    Eigen::VectorXd incoming, outgoing;  // row and column sums of c(h): the two halves of g (Eq. 17)
    double cost = 0.0;                   // C(h) = Σ incoming
    Eigen::VectorXd gradient() const { return incoming - outgoing; }  // Eq. 17

private:
    const double* c0_;               // column-major, leading dimension stride_
    Eigen::Index n_ = 0, stride_ = 0;
    double p_ = 1.0;
    Eigen::MatrixXd formed_;  // c(h) itself when p·(max h − min h) could overflow the factors
    Eigen::VectorXd a_, b_;
    mutable Eigen::VectorXd ay_, bx_;   // apply: a ⊙ y and b ⊙ x
    mutable Eigen::MatrixXd parts_;     // the sweep's partial sums, one column per tile
    int threads_;
    std::shared_ptr<sweep_team> team_;
    void run_sweep(const Eigen::VectorXd& a, const Eigen::VectorXd& b, Eigen::VectorXd& in, Eigen::VectorXd& out) const;
};

// Jacobi-preconditioned conjugate gradients on (shift·I + weight·L) x = rhs, L the Laplacian of
// c̄ = c(h) + c(h)ᵀ (Eq. 36: L v = (in + out) ⊙ v − c v − cᵀ v, one sweep per product), for shift >= 0,
// weight > 0 and rhs ⊥ 1 (then x ⊥ 1; returned with its mean removed, Σh = 0). `diag` is the
// system's diagonal; stops at ‖residual‖ <= target or after max_iter products (counted in products).
Eigen::VectorXd laplacian_solve(const cost_view& view, double shift, double weight, const Eigen::VectorXd& diag,
                                const Eigen::VectorXd& rhs, double target, Eigen::Index max_iter, long& products);

}  // namespace einet::plasticity::detail
