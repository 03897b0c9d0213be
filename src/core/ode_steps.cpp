#include "ode_steps.hpp"

#include <algorithm>
#include <cmath>

namespace einet::ode::detail {

double starting_step(const Eigen::VectorXd& y, const Eigen::VectorXd& f0, const options& opt) {
    double h = opt.first_step;
    if (h <= 0.0) {  // Hairer's starting guess: h = 0.01 ‖y‖/‖f(y)‖ on the scaled norm
        const Eigen::ArrayXd scale = opt.atol + opt.rtol * y.array().abs();
        const double d0 = std::sqrt((y.array() / scale).square().mean());
        const double d1 = std::sqrt((f0.array() / scale).square().mean());
        h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    }
    return std::min(h, opt.max_step);
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

}  // namespace einet::ode::detail
