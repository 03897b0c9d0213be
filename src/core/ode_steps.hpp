#pragma once
// The adaptive step loop shared by the explicit and the linearly implicit integrators of core/ode
// (internal): starting step, step-size control, exact landing on requested output times.
#include <Eigen/Dense>
#include <functional>
#include <vector>

#include "einet/core/ode.hpp"

namespace einet::ode::detail {

// The adaptive loop shared by both integrators. `attempt(step)` computes a candidate step from
// (t, y) and returns its scaled error norm (<= 1 accepts); `commit()` makes the candidate the new y
// and f0 = f(y). Step sizes grow by 0.9 e^exponent within [0.2, max_growth]. Returns the final t.
double drive(const rhs& f, Eigen::VectorXd& y, Eigen::VectorXd& f0, double t_end, const std::vector<double>& output_times,
             const observer& watch, const options& opt, stats& s, double exponent, double max_growth,
             const std::function<double(double step)>& attempt, const std::function<void()>& commit);

}  // namespace einet::ode::detail
