#pragma once
// Adaptive embedded Runge–Kutta integrators for small autonomous systems dy/dt = f(y): Dormand–
// Prince 5(4) (SciPy's RK45) and Dormand–Prince 8(5,3) (Hairer's DOP853, SciPy's DOP853), both
// first-same-as-last, with an optional stop test after every accepted step and exact landing on
// requested output times.
#include <Eigen/Dense>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace einet::ode {

enum class method { dopri5, dop853 };
// "dopri5" | "dop853"; throws config_error naming `key` otherwise.
method method_from_name(const std::string& name, const std::string& key);

struct options {
    double rtol = 1e-10;
    double atol = 1e-12;
    double first_step = 0.0;  // 0: chosen from the initial slope
    double max_step = std::numeric_limits<double>::infinity();
    long max_steps = 10'000'000;
    ode::method method = ode::method::dopri5;
};

struct stats {
    long accepted = 0, rejected = 0, evaluations = 0;
};

using rhs = std::function<void(const Eigen::VectorXd& y, Eigen::VectorXd& dydt)>;
// Called at t = 0, after every accepted step and at every output time, with f(y) already
// evaluated (first-same-as-last); returning true stops.
using observer = std::function<bool(double t, const Eigen::VectorXd& y, const Eigen::VectorXd& dydt, bool output_time)>;

// Integrates from y (at t = 0) to t_end (may be +inf when `watch` stops it); returns the final t.
double integrate(const rhs& f, Eigen::VectorXd& y, double t_end, const std::vector<double>& output_times,
                 const observer& watch, const options& opt, stats* st = nullptr);

}  // namespace einet::ode
