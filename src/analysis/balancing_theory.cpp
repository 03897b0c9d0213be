#include "einet/analysis/balancing_theory.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <numeric>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

namespace einet::analysis {

std::pair<double, double> two_neuron_costs(double c12, double c21, double p, double t) {
    if (c21 == 0.0) return {single_synapse_cost(c12, p, t), 0.0};
    if (c12 == 0.0) return {0.0, single_synapse_cost(c21, p, t)};
    const double c_hat = std::sqrt(c12 * c21);  // Eq. 30
    const double q0 = std::sqrt(c12 / c21);
    double q = 1.0;
    if (q0 < 1.0) q = std::tanh(2.0 * p * c_hat * t + std::atanh(q0));  // corrected Eq. 29
    else if (q0 > 1.0) q = 1.0 / std::tanh(2.0 * p * c_hat * t + 0.5 * std::log((q0 + 1.0) / (q0 - 1.0)));  // coth branch
    return {c_hat * q, c_hat / q};
}

double single_synapse_cost(double c12, double p, double t) {
    return c12 / (2.0 * p * c12 * t + 1.0);  // Eq. 31 with γp = 1
}

Eigen::MatrixXd cost_laplacian(const Eigen::MatrixXd& c) {
    Eigen::MatrixXd L = -(c + c.transpose());  // Eq. 35: c̄_ij = c_ij + c_ji
    L.diagonal().setZero();
    L.diagonal() = -L.colwise().sum().transpose();  // Eq. 36: L_ii = Σ_{k≠i} c̄_ki
    return L;
}

Eigen::MatrixXd symmetric_pinv(const Eigen::MatrixXd& L, double rel_tol) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(L);
    const Eigen::VectorXd& lam = eig.eigenvalues();
    const double cut = rel_tol * lam.cwiseAbs().maxCoeff();
    Eigen::VectorXd inv = Eigen::VectorXd::Zero(lam.size());
    for (Eigen::Index i = 0; i < lam.size(); ++i)
        if (std::abs(lam(i)) > cut) inv(i) = 1.0 / lam(i);
    return eig.eigenvectors() * inv.asDiagonal() * eig.eigenvectors().transpose();
}

heat_approximation::heat_approximation(const Eigen::MatrixXd& L, const Eigen::VectorXd& g0_, double p_) : g0(g0_), p(p_) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(L);
    eigenvalues = eig.eigenvalues();
    eigenvectors = eig.eigenvectors();
}

namespace {
// Positive Laplacian modes: eigenvalues above rounding relative to the largest.
bool positive_mode(const Eigen::VectorXd& lam, Eigen::Index i) { return lam(i) > 1e-12 * lam.cwiseAbs().maxCoeff(); }
}  // namespace

Eigen::VectorXd heat_approximation::g(double t) const {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(g0.size());
    for (Eigen::Index i = 0; i < eigenvalues.size(); ++i) {
        if (!positive_mode(eigenvalues, i)) continue;
        const auto v = eigenvectors.col(i);
        out += std::exp(-p * eigenvalues(i) * t) * v.dot(g0) * v;  // Eq. 38
    }
    return out;
}

Eigen::VectorXd heat_approximation::h(double t) const {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(g0.size());
    for (Eigen::Index i = 0; i < eigenvalues.size(); ++i) {
        if (!positive_mode(eigenvalues, i)) continue;
        const auto v = eigenvectors.col(i);
        const double rate = p * eigenvalues(i);
        out += (1.0 - std::exp(-rate * t)) / rate * v.dot(g0) * v;  // Eq. 39
    }
    return out;
}

Eigen::VectorXd heat_approximation::h_star() const {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(g0.size());
    for (Eigen::Index i = 0; i < eigenvalues.size(); ++i) {
        if (!positive_mode(eigenvalues, i)) continue;
        const auto v = eigenvectors.col(i);
        out += v.dot(g0) / (p * eigenvalues(i)) * v;  // Eq. 40: p⁻¹ L̃⁺ g⁰
    }
    return out;
}

cost_bounds optimal_cost_bounds(const Eigen::MatrixXd& c0) {
    cost_bounds b;
    const double C0 = c0.sum();
    const double g2 = plasticity::neural_gradient(c0).squaredNorm();
    b.upper = C0 - g2 / (8.0 * C0);                                      // Eq. 41
    b.lower = (c0.array() * c0.transpose().array()).sqrt().sum();       // Eq. 42 (diagonal: ĉ_ii = c⁰_ii)
    Eigen::MatrixXd cbar = c0 + c0.transpose();
    cbar.diagonal().setZero();
    const double M = 2.0 * cbar.colwise().sum().maxCoeff();             // authors' calc_balancing_lb
    b.upper_tight = C0 - g2 / (2.0 * M);
    return b;
}

double effective_resistance(const Eigen::MatrixXd& c, Eigen::Index i, Eigen::Index j) {
    const Eigen::MatrixXd Lp = symmetric_pinv(cost_laplacian(c));
    return Lp(i, i) + Lp(j, j) - 2.0 * Lp(i, j);  // Eq. 48
}

double perturbation_log_ratio(const Eigen::MatrixXd& c0, Eigen::Index i, Eigen::Index j) {
    return -c0(i, j) * effective_resistance(c0, i, j);  // Eq. 48
}

permutation_null balance_permutation_null(const Eigen::MatrixXd& c, int draws, std::uint64_t seed) {
    if (draws < 1) throw config_error("permutation null: draws: expected >= 1");
    const auto n = c.rows();
    permutation_null r;
    r.grad_norm = plasticity::neural_gradient(c).norm();
    const Eigen::VectorXd rows = c.rowwise().sum();
    const Eigen::VectorXd cols = c.colwise().sum().transpose();
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
    double sum = 0.0, sum2 = 0.0;
    long below = 0;
    for (int d = 0; d < draws; ++d) {
        std::iota(perm.begin(), perm.end(), Eigen::Index{0});
        for (Eigen::Index k = n - 1; k > 0; --k) {  // Fisher–Yates from Philox words
            const auto u = rng::philox(seed, rng::purpose::dataset, static_cast<std::uint32_t>(d), static_cast<std::uint64_t>(k));
            const auto m = static_cast<Eigen::Index>(rng::uniform53(u[0], u[1]) * static_cast<double>(k + 1));
            std::swap(perm[static_cast<std::size_t>(k)], perm[static_cast<std::size_t>(m)]);
        }
        // Row r of the permuted matrix is row perm[r] of C: incoming sums permute, outgoing are
        // the column sums of the permuted matrix, which equal those of C (a row permutation).
        Eigen::VectorXd g(n);
        for (Eigen::Index k = 0; k < n; ++k) g(k) = rows(perm[static_cast<std::size_t>(k)]) - cols(k);
        const double norm = g.norm();
        sum += norm;
        sum2 += norm * norm;
        below += norm < r.grad_norm;
    }
    r.fraction_below = static_cast<double>(below) / draws;
    r.null_mean = sum / draws;
    r.null_std = std::sqrt(std::max(0.0, sum2 / draws - r.null_mean * r.null_mean));
    return r;
}

}  // namespace einet::analysis
