#include "linear_propagator.hpp"

#include <cmath>

namespace einet::engine::detail {
namespace {

constexpr std::size_t N = max_channel_vars + 1;
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

}  // namespace einet::engine::detail
