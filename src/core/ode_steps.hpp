#pragma once
// Step bookkeeping shared by the explicit and the linearly implicit integrators of core/ode
// (internal): the starting step and exact landing on requested output times.
#include <Eigen/Dense>
#include <vector>

#include "einet/core/ode.hpp"

namespace einet::ode::detail {

// opt.first_step, or Hairer's guess h = 0.01 ‖y‖/‖f(y)‖ on the scaled norm; at most opt.max_step.
double starting_step(const Eigen::VectorXd& y, const Eigen::VectorXd& f0, const options& opt);

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
    void passed() { ++next_; }

private:
    std::vector<double> times_;
    std::size_t next_ = 0;
};

}  // namespace einet::ode::detail
