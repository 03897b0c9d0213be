#pragma once
// Synaptic balancing (paper 004 §"Synaptic balancing", Eqs. 12–25; spec 004 §2): gradient descent
// of a power-law synaptic cost C = Σ_ij c_ij, c_ij = α_ij |J_ij|^p (Eq. 23), along the
// task-preserving manifold J(h) = e^{−H} J⁰ e^{H}. It takes any square weight matrix (a network's
// recurrent weight class) and returns the coordinates h; network::task_preserving_transform then
// moves every weight of the network (input, readout, bias too).
//
// With the convention γp = 1 (the authors' dh/dt = g):
//   c_ij(h) = c⁰_ij e^{p(h_j − h_i)}                       (14)
//   g_k = Σ_j c_kj − Σ_i c_ik   (incoming − outgoing cost)  (17)
//   dh/dt = g                                               (15), (18)–(20)
// h is integrated (never J), so signs, zeros, the spectrum and Σh = 0 hold to rounding.
#include <Eigen/Dense>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "einet/core/ode.hpp"

namespace einet::plasticity {

// A cost or weight matrix (rows post, columns pre) viewed without a copy (any column-major
// matrix with unit inner stride; other expressions are evaluated once).
using cost_matrix = Eigen::Ref<const Eigen::MatrixXd>;

// --- costs ---------------------------------------------------------------------------------
// c_ij = α_ij |J_ij|^p (Eq. 23). Throws config_error (naming `where`) for p ≤ 0, negative or
// non-finite α, or shapes that disagree.
Eigen::MatrixXd power_law_costs(const Eigen::MatrixXd& J, const Eigen::MatrixXd& alpha, double p,
                                const std::string& where = "balancing.");
// α of the robustness cost: α_ij = σ_j² (presynaptic gain moment, Eq. 13; spec §2.2 typo note).
Eigen::MatrixXd robustness_alpha(const Eigen::VectorXd& sigma2, Eigen::Index rows);
// Sensitivity S = Σ_ij σ_j² J_ij² − 2 Σ_i μ_i J_ii + N (Eq. 9).
double sensitivity(const Eigen::MatrixXd& J, const Eigen::VectorXd& mu, const Eigen::VectorXd& sigma2);

// Costs on the manifold (Eq. 14) and the neural gradient (Eq. 17).
Eigen::MatrixXd costs_at(const cost_matrix& c0, const Eigen::VectorXd& h, double p);
Eigen::VectorXd neural_gradient(const cost_matrix& c);
// g(h) without forming c(h): g = a ⊙ (C⁰ b) − b ⊙ (C⁰ᵀ a), a = e^{−ph}, b = e^{ph} (two mat-vecs).
Eigen::VectorXd neural_gradient_at(const cost_matrix& c0, const Eigen::VectorXd& h, double p, int threads = 1);
double total_cost_at(const cost_matrix& c0, const Eigen::VectorXd& h, double p);

// Strong connectivity of the cost graph (edge j → i when c_ij > 0, i ≠ j). `unreached` lists the
// units outside the strongly connected component of unit 0.
struct connectivity_report {
    bool strongly_connected = true;
    std::vector<Eigen::Index> unreached;
};
connectivity_report cost_graph_connectivity(const cost_matrix& c);

// --- the balancing flow and its equilibrium ------------------------------------------------
struct balance_options {
    double t_end = std::numeric_limits<double>::infinity();  // horizon; needed when not strongly connected
    double tolerance = 1e-10;      // stop when ‖g‖ ≤ tolerance · C
    double rtol = 1e-10, atol = 1e-12;  // tolerances of the flow's adaptive integrator
    // Dormand–Prince 8(5,3) or 5(4) (explicit), or the L-stable Rosenbrock RODAS4 / RODAS3 with the
    // flow's exact Jacobian −p L(h) (stage systems by matrix-free conjugate gradients)
    ode::method integrator = ode::method::dop853;
    std::vector<double> record_times;   // times at which h, C, ‖g‖ are kept (also t = 0)
    double no_equilibrium_horizon = 3000.0;  // used instead of t_end = inf when not strongly connected
    int threads = 1;  // sweeps over the costs split in fixed row blocks: results do not depend on it
};

struct balance_result {
    Eigen::VectorXd h;                  // final coordinates (Σh = 0)
    double t = 0.0;                     // flow time reached (Newton: 0)
    double cost_initial = 0.0, cost = 0.0, grad_norm_initial = 0.0, grad_norm = 0.0;
    bool converged = false;             // ‖g‖ ≤ tolerance · C reached
    bool strongly_connected = true;
    std::string warning;                // set when no finite equilibrium exists
    long steps = 0, rejected = 0;       // flow: accepted / rejected RK steps; Newton: steps = Laplacian products
    long evaluations = 0, iterations = 0;  // flow: evaluations of g; Newton: iterations
    long products = 0;                  // flow with a Rosenbrock method: Laplacian products of its CG solves
    std::vector<double> t_rec, cost_rec, grad_rec;
    std::vector<Eigen::VectorXd> h_rec;
};

// Integrates dh/dt = g(h) from h = 0 (adaptive, `integrator`: embedded RK or Rosenbrock). When the cost graph is not strongly connected
// there is no finite equilibrium (Prop. 3): the result carries a warning and ends at the horizon.
balance_result balance_flow(const cost_matrix& c0, double p, const balance_options& opt = {});

// The equilibrium by Newton's method on the convex C(h): gradient −p g, Hessian p² L (Eq. 34),
// step L⁺g/p with backtracking; stops when ‖g‖ ≤ tolerance · C. Matrix-free: the step is solved
// by Jacobi-preconditioned conjugate gradients whose products L v cost one sweep over C⁰ each. Not strongly connected: falls
// back to balance_flow with its warning and fixed horizon.
balance_result balance_newton(const cost_matrix& c0, double p, const balance_options& opt = {});

// --- general synaptic Lax dynamics (Eq. 24–25; spec §2.3) -----------------------------------
// A per-neuron signal g_k computed only from neuron k's incoming weights (row k of J) and its
// outgoing weights (column k); the flow dh/dt = g keeps J(h) = e^{−H} J⁰ e^{H} isospectral.
using lax_signal = std::function<double(const Eigen::VectorXd& incoming, const Eigen::VectorXd& outgoing)>;
balance_result lax_flow(const Eigen::MatrixXd& J0, const lax_signal& signal, const balance_options& opt);

}  // namespace einet::plasticity
