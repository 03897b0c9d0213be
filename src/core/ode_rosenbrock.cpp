// The linearly implicit integrator of core/ode: an adaptive Rosenbrock method (RODAS3 or RODAS4)
// in Hairer & Wanner's transformed form (Solving ODEs II, §IV.7; ode_tableaus.hpp), with the
// exact Jacobian supplied as a linear solver. One Jacobian per step attempt, s linear systems with
// the same matrix (1/(hγ) I − J); the methods are stiffly accurate and L-stable, so steps grow
// as the solution settles instead of staying bounded by an explicit method's stability region.
#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/ode.hpp"
#include "ode_steps.hpp"
#include "ode_tableaus.hpp"

namespace einet::ode {
namespace {

// Ratio of a linear solve's allowed residual to the step's error tolerance: the solve's error,
// at most hγ‖r‖ (since 1/(hγ) I − J ⪰ 1/(hγ) I for J ⪯ 0, and of that size in general), stays
// 1e-3 below what the error control accepts (1e-5 cost 15 % more products for the same trajectory).
constexpr double solve_fraction = 1e-3;

}  // namespace

double integrate_linearly_implicit(const rhs& f, const jacobian_solver& jac, Eigen::VectorXd& y, double t_end,
                                   const std::vector<double>& output_times, const observer& watch, const options& opt,
                                   stats* st) {
    if (!linearly_implicit(opt.method)) throw config_error("ODE integration: an explicit pair needs no Jacobian (integrate)");
    if (!jac.solve) throw config_error("ODE integration: a Rosenbrock method needs a Jacobian solver");
    const detail::rosenbrock_tableau& tab = opt.method == method::rodas4 ? detail::rodas4() : detail::rodas3();
    stats local;
    stats& s = st ? *st : local;
    const auto n = y.size();
    const auto stages = static_cast<std::size_t>(tab.stages);
    std::vector<Eigen::VectorXd> k(stages, Eigen::VectorXd(n));
    Eigen::VectorXd f0(n), fi(n), rhs_i(n), stage_y(n), y_new(n), err(n);
    auto attempt = [&](double step) {
        if (jac.prepare) jac.prepare(y);
        const double shift = 1.0 / (step * tab.gamma);
        const Eigen::ArrayXd weights = solve_fraction * shift * (opt.atol + opt.rtol * y.array().abs());
        for (std::size_t i = 0; i < stages; ++i) {
            // f at y + Σ a_ij k_j; a stage whose a-row is all zero reuses f(y)
            const auto& ai = tab.a[i];
            const bool fresh = std::any_of(ai.begin(), ai.end(), [](double v) { return v != 0.0; });
            if (fresh) {
                stage_y = y;
                for (std::size_t j = 0; j < i; ++j)
                    if (ai[j] != 0.0) stage_y += ai[j] * k[j];
                f(stage_y, fi);
                ++s.evaluations;
            }
            rhs_i = fresh ? fi : f0;
            for (std::size_t j = 0; j < i; ++j)
                if (tab.c[i][j] != 0.0) rhs_i += (tab.c[i][j] / step) * k[j];
            jac.solve(shift, rhs_i, k[i], weights);
            ++s.solves;
        }
        y_new = y;
        err.setZero();
        for (std::size_t i = 0; i < stages; ++i) {
            if (tab.m[i] != 0.0) y_new += tab.m[i] * k[i];
            if (tab.e[i] != 0.0) err += tab.e[i] * k[i];
        }
        const Eigen::ArrayXd scale = opt.atol + opt.rtol * y.array().abs().max(y_new.array().abs());
        return std::sqrt((err.array() / scale).square().mean());
    };
    auto commit = [&] {
        y.swap(y_new);
        f(y, f0);  // the next step's first stage, and the observer's f(y)
        ++s.evaluations;
    };
    // Step control of rodas.f: safety 0.9, growth within [0.2, 6]
    return detail::drive(f, y, f0, t_end, output_times, watch, opt, s, tab.exponent, 6.0, attempt, commit);
}

}  // namespace einet::ode
