#pragma once
// Closed forms and approximations of synaptic balancing (paper 004 Eqs. 29–48; spec 004 §2.5–2.9),
// all with the convention γp = 1 (dh/dt = g).
#include <Eigen/Dense>
#include <cstdint>
#include <utility>

namespace einet::analysis {

// Reciprocal pair (corrected Eq. 29, spec §2.5): c_12 = ĉ q, c_21 = ĉ/q, ĉ = √(c⁰_12 c⁰_21) (30),
// q = tanh(2pĉ t + artanh √(c⁰_12/c⁰_21)) if c⁰_12 < c⁰_21, coth(… arcoth …) if c⁰_12 > c⁰_21.
// Returns (c_12(t), c_21(t)). c⁰_21 = 0 gives the single-synapse decay (Eq. 31).
std::pair<double, double> two_neuron_costs(double c12, double c21, double p, double t);
// Eq. 31: c_12(t) = c⁰_12 / (2 p c⁰_12 t + 1).
double single_synapse_cost(double c12, double p, double t);

// Graph Laplacian of the conductances c̄ = c + cᵀ (Eqs. 35–36; the diagonal costs do not enter).
Eigen::MatrixXd cost_laplacian(const Eigen::MatrixXd& c);
// Moore–Penrose pseudoinverse of a symmetric matrix (eigenvalues below rel_tol·max dropped).
Eigen::MatrixXd symmetric_pinv(const Eigen::MatrixXd& L, double rel_tol = 1e-12);

// Heat-equation approximation with L frozen at L̃ (Eqs. 38–39) and its equilibrium (Eq. 40).
struct heat_approximation {
    Eigen::VectorXd eigenvalues;   // of L̃, ascending
    Eigen::MatrixXd eigenvectors;  // columns
    Eigen::VectorXd g0;
    double p = 2.0;
    heat_approximation(const Eigen::MatrixXd& L, const Eigen::VectorXd& g0, double p);
    Eigen::VectorXd g(double t) const;  // Eq. 38
    Eigen::VectorXd h(double t) const;  // Eq. 39
    Eigen::VectorXd h_star() const;     // Eq. 40: p⁻¹ L̃⁺ g⁰
};

// Bounds on the optimal total cost (Prop. 5): upper C⁰ − ‖g⁰‖²/(8C⁰) (41), lower Σ_ij √(c⁰_ij c⁰_ji)
// (42), and the authors' tighter upper bound C⁰ − ‖g⁰‖²/(2M), M = 2 max_k Σ_i c̄_ik.
struct cost_bounds {
    double lower = 0.0, upper = 0.0, upper_tight = 0.0;
};
cost_bounds optimal_cost_bounds(const Eigen::MatrixXd& c0);

// Effective resistance R_ij = L⁺_ii + L⁺_jj − 2L⁺_ij on the conductance graph of c (Eq. 48).
double effective_resistance(const Eigen::MatrixXd& c, Eigen::Index i, Eigen::Index j);
// Prediction of Eq. 48 for the perturbed synapse j → i: (1/η) log(J^{*f}_ij / J⁰_ij) ≈ −c⁰_ij R⁰_ij.
double perturbation_log_ratio(const Eigen::MatrixXd& c0, Eigen::Index i, Eigen::Index j);

// Balance statistic of Fig. 4a: ‖g‖ of the cost matrix, and the fraction of `draws` random row
// permutations of C whose ‖g‖ is below it (Philox stream `dataset`, keyed by seed and draw).
struct permutation_null {
    double grad_norm = 0.0;
    double fraction_below = 0.0;  // of the null draws below the true value
    double null_mean = 0.0, null_std = 0.0;
};
permutation_null balance_permutation_null(const Eigen::MatrixXd& c, int draws, std::uint64_t seed);

}  // namespace einet::analysis
