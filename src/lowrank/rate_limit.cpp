#include "einet/lowrank/rate_limit.hpp"

#include <cmath>

namespace einet::lowrank {

namespace {

double sigmoid(double beta, double z) { return 1.0 / (1.0 + std::exp(-beta * z)); }

struct drives {
    double zE, zI;
};
drives drive_of(const homogeneous_ei& p, double x, double yE, double yI) {
    return {p.F_E * x + p.E_EE * yE - p.E_EI * yI - p.T_E, p.F_I * x + p.E_IE * yE - p.E_II * yI - p.T_I};
}

// Jacobian of rate_flow: d/dz σ_β = β σ (1 − σ).
std::array<std::array<double, 2>, 2> jacobian(const homogeneous_ei& p, double x, double beta, double yE, double yI) {
    const auto z = drive_of(p, x, yE, yI);
    const double sE = sigmoid(beta, z.zE), sI = sigmoid(beta, z.zI);
    const double gE = p.N_E * p.D_E * beta * sE * (1 - sE), gI = p.N_I * p.D_I_abs * beta * sI * (1 - sI);
    return {{{-1.0 + gE * p.E_EE, -gE * p.E_EI}, {gI * p.E_IE, -1.0 - gI * p.E_II}}};
}

}  // namespace

std::array<double, 2> rate_flow(const homogeneous_ei& p, double x, double beta, double yE, double yI_abs) {
    const auto z = drive_of(p, x, yE, yI_abs);
    return {-yE + p.N_E * p.D_E * sigmoid(beta, z.zE), -yI_abs + p.N_I * p.D_I_abs * sigmoid(beta, z.zI)};
}

std::optional<double> nullcline_E(const homogeneous_ei& p, double x, double beta, double yE) {
    const double r = yE / (p.N_E * p.D_E);  // σ_β(z_E) on the nullcline
    if (!(r > 0 && r < 1) || !(p.E_EI > 0)) return std::nullopt;
    return (p.F_E * x + p.E_EE * yE - p.T_E - std::log(r / (1 - r)) / beta) / p.E_EI;
}

double nullcline_I(const homogeneous_ei& p, double x, double beta, double yE) {
    const double top = p.N_I * p.D_I_abs;  // the root lies in (0, top): σ ∈ (0, 1)
    double lo = 0, hi = top;
    for (int it = 0; it < 200 && hi - lo > 1e-14 * (1 + top); ++it) {
        const double mid = 0.5 * (lo + hi);
        (mid < top * sigmoid(beta, p.F_I * x + p.E_IE * yE - p.E_II * mid - p.T_I) ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

std::optional<rate_fixed_point> rate_fixed_point_of(const homogeneous_ei& p, double x, double beta) {
    double yE = 0.5 * p.N_E * p.D_E, yI = 0.5 * p.N_I * p.D_I_abs;  // the middle of the sigmoids' ranges
    auto newton = [&](double b) {
        for (int it = 0; it < 200; ++it) {
            const auto f = rate_flow(p, x, b, yE, yI);
            const auto J = jacobian(p, x, b, yE, yI);
            const double det = J[0][0] * J[1][1] - J[0][1] * J[1][0];
            if (det == 0 || !std::isfinite(det)) return false;
            double dE = (J[1][1] * f[0] - J[0][1] * f[1]) / det, dI = (-J[1][0] * f[0] + J[0][0] * f[1]) / det;
            const double step = std::hypot(dE, dI), cap = 0.25;  // damped: steep sigmoids overshoot
            if (step > cap) dE *= cap / step, dI *= cap / step;
            yE -= dE;
            yI -= dI;
            if (step < 1e-13 * (1 + std::abs(yE) + std::abs(yI))) return true;
        }
        return false;
    };
    // Continuation in β: each stage starts from the previous fixed point.
    for (double b = 0.25; b < beta; b = std::min(beta, b * 1.25)) {
        if (!newton(b)) return std::nullopt;
    }
    if (!newton(beta)) return std::nullopt;
    const auto J = jacobian(p, x, beta, yE, yI);
    const double tr = J[0][0] + J[1][1], det = J[0][0] * J[1][1] - J[0][1] * J[1][0];
    const std::complex<double> disc = std::sqrt(std::complex<double>(tr * tr / 4 - det, 0.0));
    return rate_fixed_point{yE, yI, {tr / 2 + disc, tr / 2 - disc}};
}

}  // namespace einet::lowrank
