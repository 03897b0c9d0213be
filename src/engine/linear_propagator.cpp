#include "linear_propagator.hpp"

#include <algorithm>
#include <cmath>

namespace einet::engine::detail {
namespace {

// Room for the Van Loan block matrix of the noise covariance (twice the channel + V system).
constexpr std::size_t N = 2 * (max_channel_vars + 1);
using matrix = std::array<std::array<double, N>, N>;

matrix multiply(const matrix& a, const matrix& b, std::size_t n) {
    matrix c{};
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < n; ++k)
            for (std::size_t j = 0; j < n; ++j) c[i][j] += a[i][k] * b[k][j];
    return c;
}

// exp(M) by scaling and squaring: Taylor to degree 24 on M/2^s with ‖M/2^s‖ ≤ 1/8.
matrix expm(matrix m, std::size_t n) {
    double norm = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        double row = 0.0;
        for (std::size_t j = 0; j < n; ++j) row += std::abs(m[i][j]);
        norm = std::max(norm, row);
    }
    int squarings = 0;
    while (norm > 0.125) {
        norm *= 0.5;
        ++squarings;
    }
    const double scale = std::ldexp(1.0, -squarings);
    for (auto& row : m)
        for (auto& x : row) x *= scale;
    matrix result{}, term{};
    for (std::size_t i = 0; i < n; ++i) result[i][i] = term[i][i] = 1.0;
    for (int k = 1; k <= 24; ++k) {
        term = multiply(term, m, n);
        for (auto& row : term)
            for (auto& x : row) x /= k;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) result[i][j] += term[i][j];
    }
    for (int s = 0; s < squarings; ++s) result = multiply(result, result, n);
    return result;
}

}  // namespace

channel_step step_coefficients(const channel_matrix& cm, double tau_m, double h, bool exact) {
    const std::size_t d = cm.vars, n = d + 1;
    matrix M{};
    for (std::size_t i = 0; i < d; ++i) {
        for (std::size_t j = 0; j < d; ++j) M[i][j] = cm.A[i][j] * h;
        M[d][i] = cm.to_V[i] * h;
    }
    M[d][d] = -h / tau_m;
    matrix E = M;
    if (exact) {
        E = expm(M, n);
    } else {
        for (std::size_t i = 0; i < n; ++i) E[i][i] += 1.0;
    }
    channel_step s;
    for (std::size_t i = 0; i < d; ++i) {
        for (std::size_t j = 0; j < d; ++j) s.P[i][j] = E[i][j];
        s.to_V[i] = E[d][i];
    }
    return s;
}

step_noise noise_coefficients(const channel_matrix& cm, double tau_m, double h, double sigma) {
    // Van Loan (1978): with C = [[−M, b bᵀ], [0, Mᵀ]] h, exp(C) = [[·, F12], [0, F22]] and the
    // covariance of ∫_0^h e^{Mu} b dW over one step is Q = F22ᵀ F12 (b = σ on the channel's first
    // variable, the one an exponential receptor's current noise drives; spec 003 §2).
    const std::size_t d = cm.vars, n = d + 1;
    matrix M{};
    for (std::size_t i = 0; i < d; ++i) {
        for (std::size_t j = 0; j < d; ++j) M[i][j] = cm.A[i][j];
        M[d][i] = cm.to_V[i];
    }
    M[d][d] = -1.0 / tau_m;
    matrix C{};
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
            C[i][j] = -M[i][j] * h;
            C[n + i][n + j] = M[j][i] * h;
        }
    }
    C[0][n] = sigma * sigma * h;
    const matrix F = expm(C, 2 * n);
    matrix Q{};
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t k = 0; k < n; ++k) Q[i][j] += F[n + k][n + i] * F[k][n + j];
    step_noise out;
    const double var_x = Q[0][0], cov = 0.5 * (Q[0][d] + Q[d][0]), var_v = Q[d][d];
    out.x_sd = std::sqrt(var_x);
    out.v_from_x = var_x > 0 ? cov / out.x_sd : 0.0;
    // The part of V's noise independent of x's; clipped at 0 against round-off (the 2×2
    // covariance is nearly singular for small h).
    out.v_own_sd = std::sqrt(std::max(0.0, var_v - out.v_from_x * out.v_from_x));
    return out;
}

}  // namespace einet::engine::detail

namespace einet::engine {

step_noise exact_step_noise(double tau_m, double tau, double R, double sigma, double h) {
    detail::channel_matrix m;
    m.A[0][0] = -1.0 / tau;
    m.to_V[0] = R / tau_m;
    return detail::noise_coefficients(m, tau_m, h, sigma);
}

}  // namespace einet::engine
