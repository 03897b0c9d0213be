#include "einet/core/ode.hpp"

#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"

namespace einet::ode {
namespace {
// Dormand & Prince (1980) coefficients, 5th-order solution with 4th-order embedded error.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176, a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525,
                 e7 = -1.0 / 40;
}  // namespace

double integrate(const rhs& f, Eigen::VectorXd& y, double t_end, const std::vector<double>& output_times,
                 const observer& watch, const options& opt, stats* st) {
    stats local;
    stats& s = st ? *st : local;
    const auto n = y.size();
    Eigen::VectorXd k1(n), k2(n), k3(n), k4(n), k5(n), k6(n), k7(n), tmp(n), y_new(n), err(n);
    double t = 0.0;
    f(y, k1);
    ++s.evaluations;
    if (watch && watch(t, y, k1, false)) return t;
    double h = opt.first_step;
    if (h <= 0.0) {  // Hairer's starting guess: h = 0.01 ‖y‖/‖f(y)‖ on the scaled norm
        const Eigen::ArrayXd scale = opt.atol + opt.rtol * y.array().abs();
        const double d0 = std::sqrt((y.array() / scale).square().mean());
        const double d1 = std::sqrt((k1.array() / scale).square().mean());
        h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    }
    h = std::min(h, opt.max_step);
    std::vector<double> outs = output_times;
    std::sort(outs.begin(), outs.end());
    std::size_t next_out = 0;
    while (next_out < outs.size() && outs[next_out] <= 0.0) ++next_out;
    while (t < t_end) {
        if (s.accepted + s.rejected >= opt.max_steps)
            throw numerical_error("ODE integration: no convergence within " + std::to_string(opt.max_steps) + " steps");
        double target = t_end;
        bool lands_on_output = false;
        if (next_out < outs.size() && outs[next_out] <= t_end) {
            target = outs[next_out];
            lands_on_output = true;
        }
        const bool last = t + h >= target;
        const double step = last ? target - t : h;
        tmp = y + step * a21 * k1;
        f(tmp, k2);
        tmp = y + step * (a31 * k1 + a32 * k2);
        f(tmp, k3);
        tmp = y + step * (a41 * k1 + a42 * k2 + a43 * k3);
        f(tmp, k4);
        tmp = y + step * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4);
        f(tmp, k5);
        tmp = y + step * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5);
        f(tmp, k6);
        y_new = y + step * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
        f(y_new, k7);
        s.evaluations += 6;
        err = step * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7);
        const Eigen::ArrayXd scale = opt.atol + opt.rtol * y.array().abs().max(y_new.array().abs());
        const double e = std::sqrt((err.array() / scale).square().mean());
        if (!std::isfinite(e)) {
            if (step < 1e-300) throw numerical_error("ODE integration: the state became non-finite");
            h = 0.1 * step;
            ++s.rejected;
            continue;
        }
        const double factor = std::clamp(0.9 * std::pow(std::max(e, 1e-10), -0.2), 0.2, 10.0);
        if (e > 1.0) {
            ++s.rejected;
            h = step * std::max(0.2, factor);
            continue;
        }
        ++s.accepted;
        t = last ? target : t + step;
        y.swap(y_new);
        k1 = k7;  // FSAL
        if (!last || !lands_on_output) h = std::min(step * factor, opt.max_step);
        const bool at_output = last && lands_on_output;
        if (at_output) ++next_out;
        if (watch && watch(t, y, k1, at_output)) return t;
    }
    return t;
}

}  // namespace einet::ode
