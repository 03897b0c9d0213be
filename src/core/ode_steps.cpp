#include "ode_steps.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "einet/core/error.hpp"

namespace einet::ode::detail {
namespace {

// The start shared by both integrators: f0 = f(y) (counted), the observer at t = 0 (`stop` when it
// ends the run) and the first nominal step.
struct start {
    double h;
    bool stop;
};
start begin(const rhs& f, const Eigen::VectorXd& y, Eigen::VectorXd& f0, const observer& watch, const options& opt, stats& s,
            double exponent);
// numerical_error once opt.max_steps step attempts are spent.
void check_budget(const stats& s, const options& opt);

// opt.first_step, or Hairer's two-stage guess (hinit of dop853.f, as SciPy's select_initial_step):
// h0 = 0.01 ‖y‖/‖f(y)‖ on the scaled norm, then one Euler step to estimate ‖f'‖ and
// h = min(100 h0, (0.01 / max(‖f‖, ‖f'‖))^(1/(q+1))) (one more evaluation); at most opt.max_step.
double starting_step(const rhs& f, const Eigen::VectorXd& y, const Eigen::VectorXd& f0, const options& opt, stats& s,
                     double exponent);

// Step-size factor from the scaled error norm e (<= 1 accepts): 0.9 e^exponent within [0.2, max_growth].
double step_factor(double e, double exponent, double max_growth);
// True when a step with error norm e is rejected; h is then the size to retry with (a tenth of the
// step for a non-finite e, numerical_error once that falls below 1e-300; counted in s.rejected).
bool rejected(double e, double step, double factor, double& h, stats& s);

// The sorted output times after t = 0 and the next one still ahead.
class output_schedule {
public:
    explicit output_schedule(std::vector<double> times);
    // The end of a step from t of nominal size h: min(t + h, next output, t_end); `lands` when that
    // end is an output time.
    struct step_end {
        double step;
        bool last;   // the step ends at the target (an output time or t_end)
        bool lands;  // the target is an output time
        double target;
    };
    step_end next(double t, double h, double t_end) const;
    // After an accepted step `se` from t: returns the new t and whether it is an output time; the
    // next nominal step becomes min(step · factor, max_step), kept when the step was cut to land.
    double accepted(const step_end& se, double t, double factor, double max_step, double& h, bool& at_output);

private:
    std::vector<double> times_;
    std::size_t next_ = 0;
};


start begin(const rhs& f, const Eigen::VectorXd& y, Eigen::VectorXd& f0, const observer& watch, const options& opt, stats& s,
            double exponent) {
    f(y, f0);
    ++s.evaluations;
    if (watch && watch(0.0, y, f0, false)) return {0.0, true};
    return {starting_step(f, y, f0, opt, s, exponent), false};
}

void check_budget(const stats& s, const options& opt) {
    if (s.accepted + s.rejected >= opt.max_steps)
        throw numerical_error("ODE integration: no convergence within " + std::to_string(opt.max_steps) + " steps");
}

double starting_step(const rhs& f, const Eigen::VectorXd& y, const Eigen::VectorXd& f0, const options& opt, stats& s,
                     double exponent) {
    if (opt.first_step > 0.0) return std::min(opt.first_step, opt.max_step);
    const Eigen::ArrayXd scale = opt.atol + opt.rtol * y.array().abs();
    auto rms = [&](const Eigen::ArrayXd& v) { return std::sqrt((v / scale).square().mean()); };
    const double d0 = rms(y.array()), d1 = rms(f0.array());
    const double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    Eigen::VectorXd f1(y.size());
    f(y + h0 * f0, f1);  // one explicit Euler step estimates the second derivative
    ++s.evaluations;
    const double d2 = rms((f1 - f0).array()) / h0;
    const double h1 = (d1 <= 1e-15 && d2 <= 1e-15) ? std::max(1e-6, 1e-3 * h0)
                                                    : std::pow(0.01 / std::max(d1, d2), -exponent);  // exponent = −1/(q+1)
    return std::min({100.0 * h0, h1, opt.max_step});
}

output_schedule::output_schedule(std::vector<double> times) : times_(std::move(times)) {
    std::sort(times_.begin(), times_.end());
    while (next_ < times_.size() && times_[next_] <= 0.0) ++next_;
}

output_schedule::step_end output_schedule::next(double t, double h, double t_end) const {
    step_end s{h, false, false, t_end};
    if (next_ < times_.size() && times_[next_] <= t_end) {
        s.target = times_[next_];
        s.lands = true;
    }
    s.last = t + h >= s.target;
    if (s.last) s.step = s.target - t;
    return s;
}

double output_schedule::accepted(const step_end& se, double t, double factor, double max_step, double& h, bool& at_output) {
    if (!se.last || !se.lands) h = std::min(se.step * factor, max_step);
    at_output = se.last && se.lands;
    if (at_output) ++next_;
    return se.last ? se.target : t + se.step;
}

double step_factor(double e, double exponent, double max_growth) {
    return std::clamp(0.9 * std::pow(std::max(e, 1e-10), exponent), 0.2, max_growth);
}

bool rejected(double e, double step, double factor, double& h, stats& s) {
    if (!std::isfinite(e)) {
        if (step < 1e-300) throw numerical_error("ODE integration: the state became non-finite");
        h = 0.1 * step;
    } else if (e > 1.0) {
        h = step * factor;  // factor < 0.9 here: no growth after a rejection
    } else {
        return false;
    }
    ++s.rejected;
    return true;
}

}  // namespace

double drive(const rhs& f, Eigen::VectorXd& y, Eigen::VectorXd& f0, double t_end, const std::vector<double>& output_times,
             const observer& watch, const options& opt, stats& s, double exponent, double max_growth,
             const std::function<double(double step)>& attempt, const std::function<void()>& commit) {
    double t = 0.0;
    const auto [h0, stop] = begin(f, y, f0, watch, opt, s, exponent);
    if (stop) return t;
    double h = h0;
    output_schedule outs(output_times);
    while (t < t_end) {
        check_budget(s, opt);
        const auto se = outs.next(t, h, t_end);
        const double e = attempt(se.step);
        const double factor = step_factor(e, exponent, max_growth);
        if (rejected(e, se.step, factor, h, s)) continue;
        ++s.accepted;
        bool at_output = false;
        t = outs.accepted(se, t, factor, opt.max_step, h, at_output);
        commit();
        if (watch && watch(t, y, f0, at_output)) return t;
    }
    return t;
}

}  // namespace einet::ode::detail
