#pragma once
// Adaptive integrators for autonomous systems dy/dt = f(y), with an optional stop test after every
// accepted step and exact landing on requested output times:
// - explicit embedded Runge–Kutta pairs: Dormand–Prince 5(4) (SciPy's RK45) and Dormand–Prince
//   8(5,3) (Hairer's DOP853, SciPy's DOP853), both first-same-as-last;
// - linearly implicit, L-stable Rosenbrock methods with an embedded error estimate (RODAS3, order
//   3(2); RODAS4, order 4(3)) that use the exact Jacobian through a caller-supplied linear solver.
#include <Eigen/Dense>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace einet::ode {

enum class method { dopri5, dop853, rodas3, rodas4 };
// "dopri5" | "dop853" | "rodas3" | "rodas4"; throws config_error naming `key` otherwise.
method method_from_name(const std::string& name, const std::string& key);
// The Rosenbrock methods need the Jacobian (integrate_linearly_implicit); the others only f.
bool linearly_implicit(method m);

struct options {
    double rtol = 1e-10;
    double atol = 1e-12;
    double first_step = 0.0;  // 0: chosen from the initial slope
    double max_step = std::numeric_limits<double>::infinity();
    long max_steps = 10'000'000;
    ode::method method = ode::method::dopri5;
};

struct stats {
    long accepted = 0, rejected = 0, evaluations = 0, solves = 0;  // solves: linear systems (Rosenbrock)
};

using rhs = std::function<void(const Eigen::VectorXd& y, Eigen::VectorXd& dydt)>;
// Called at t = 0, after every accepted step and at every output time, with f(y) already
// evaluated (first-same-as-last); returning true stops.
using observer = std::function<bool(double t, const Eigen::VectorXd& y, const Eigen::VectorXd& dydt, bool output_time)>;

// Integrates from y (at t = 0) to t_end (may be +inf when `watch` stops it); returns the final t.
double integrate(const rhs& f, Eigen::VectorXd& y, double t_end, const std::vector<double>& output_times,
                 const observer& watch, const options& opt, stats* st = nullptr);

// The Jacobian J = ∂f/∂y for a linearly implicit method. `prepare(y)` is called once per step attempt
// at the step's start; `solve(shift, rhs, x, weights)` must return x with (shift·I − J(y)) x = rhs,
// where the residual r may be left as large as rms(r ./ weights) <= 1 (an iterative solver stops
// there; a direct one may ignore it). `prepare` may stay empty.
struct jacobian_solver {
    std::function<void(const Eigen::VectorXd& y)> prepare;
    std::function<void(double shift, const Eigen::VectorXd& rhs, Eigen::VectorXd& x, const Eigen::ArrayXd& weights)> solve;
};

// As integrate, with a Rosenbrock method (opt.method rodas3 or rodas4; config_error otherwise).
double integrate_linearly_implicit(const rhs& f, const jacobian_solver& jac, Eigen::VectorXd& y, double t_end,
                                   const std::vector<double>& output_times, const observer& watch, const options& opt,
                                   stats* st = nullptr);

}  // namespace einet::ode
