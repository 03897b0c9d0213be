#include "einet/core/ode.hpp"

#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"
#include "ode_steps.hpp"
#include "ode_tableaus.hpp"

namespace einet::ode {

method method_from_name(const std::string& name, const std::string& key) {
    if (name == "dopri5") return method::dopri5;
    if (name == "dop853") return method::dop853;
    if (name == "rodas3") return method::rodas3;
    if (name == "rodas4") return method::rodas4;
    throw config_error(key + ": expected \"dop853\", \"dopri5\", \"rodas3\" or \"rodas4\", got \"" + name + "\"");
}

bool linearly_implicit(method m) { return m == method::rodas3 || m == method::rodas4; }

namespace {

// out = Σ_j w_j k_j over the non-zero weights, accumulated in stage order.
void combine(const std::vector<double>& w, const std::vector<Eigen::VectorXd>& k, Eigen::VectorXd& out) {
    out.setZero();
    for (std::size_t j = 0; j < w.size(); ++j)
        if (w[j] != 0.0) out += w[j] * k[j];
}

// Scaled error norm of one step: RMS of the estimate for the 5(4) pair; for 8(5,3) Hairer's blend
// of the fifth- and third-order estimates, ‖e5‖² / sqrt(n (‖e5‖² + 0.01 ‖e3‖²)) (dop853.f, SciPy).
double error_norm(const detail::tableau& tab, const std::vector<Eigen::VectorXd>& k, double step, const Eigen::ArrayXd& scale,
                  Eigen::VectorXd& work) {
    combine(tab.e, k, work);
    const double n = static_cast<double>(work.size());
    if (tab.e3.empty()) return std::abs(step) * std::sqrt((work.array() / scale).square().sum() / n);
    const double e5 = (work.array() / scale).square().sum();
    combine(tab.e3, k, work);
    const double e3 = (work.array() / scale).square().sum();
    if (e5 == 0.0 && e3 == 0.0) return 0.0;
    return std::abs(step) * e5 / std::sqrt(n * (e5 + 0.01 * e3));
}

}  // namespace

double integrate(const rhs& f, Eigen::VectorXd& y, double t_end, const std::vector<double>& output_times,
                 const observer& watch, const options& opt, stats* st) {
    if (linearly_implicit(opt.method))
        throw config_error("ODE integration: a Rosenbrock method needs the Jacobian (integrate_linearly_implicit)");
    const detail::tableau& tab = opt.method == method::dop853 ? detail::dop853() : detail::dopri5();
    stats local;
    stats& s = st ? *st : local;
    const auto n = y.size();
    const auto stages = static_cast<std::size_t>(tab.stages);
    std::vector<Eigen::VectorXd> k(stages + 1, Eigen::VectorXd(n));  // k[stages] = f(y_new)
    Eigen::VectorXd tmp(n), y_new(n), work(n);
    auto attempt = [&](double step) {
        for (std::size_t i = 1; i < stages; ++i) {
            combine(tab.a[i], k, work);
            tmp = y + step * work;
            f(tmp, k[i]);
        }
        combine(tab.b, k, work);
        y_new = y + step * work;
        f(y_new, k[stages]);
        s.evaluations += static_cast<long>(stages);
        const Eigen::ArrayXd scale = opt.atol + opt.rtol * y.array().abs().max(y_new.array().abs());
        return error_norm(tab, k, step, scale, work);
    };
    auto commit = [&] {
        y.swap(y_new);
        k[0].swap(k[stages]);  // first same as last
    };
    return detail::drive(f, y, k[0], t_end, output_times, watch, opt, s, tab.exponent, 10.0, attempt, commit);
}

}  // namespace einet::ode
