// The integrators of core/ode. Embedded Runge–Kutta pairs (Dormand–Prince 5(4) and 8(5,3)):
// accuracy on an analytic solution, exact landing on output times, the higher order's fewer
// evaluations, the error for an unknown name. Rosenbrock methods (RODAS3, RODAS4): observed order
// on a problem with a known solution, L-stability, adaptive accuracy, and their errors.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "einet/core/error.hpp"
#include "einet/core/ode.hpp"

using namespace einet;

namespace {

// y₀' = y₁, y₁' = −y₀ − 0.1 y₁ (damped oscillator): closed form below.
void oscillator(const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    dy.resize(2);
    dy << y(1), -y(0) - 0.1 * y(1);
}

ode::options with_tolerances(ode::method m, double rtol, double atol) {
    ode::options o;
    o.method = m;
    o.rtol = rtol;
    o.atol = atol;
    return o;
}

Eigen::Vector2d exact(double t) {
    const double w = std::sqrt(1.0 - 0.0025), d = std::exp(-0.05 * t);
    const double x = d * (std::cos(w * t) + 0.05 / w * std::sin(w * t));
    const double v = d * (-w * std::sin(w * t) + 0.05 * std::cos(w * t)) - 0.05 * x;
    return {x, v};
}

}  // namespace

TEST(ode, both_pairs_follow_the_damped_oscillator_and_land_on_output_times) {
    for (auto m : {ode::method::dopri5, ode::method::dop853}) {
        for (double rtol : {1e-6, 1e-10}) {
            const ode::options o = with_tolerances(m, rtol, 1e-3 * rtol);
            std::vector<double> seen;
            double worst = 0.0;
            auto watch = [&](double t, const Eigen::VectorXd& y, const Eigen::VectorXd&, bool out) {
                if (out) seen.push_back(t);
                worst = std::max(worst, (y - exact(t)).cwiseAbs().maxCoeff());
                return false;
            };
            Eigen::VectorXd y(2);
            y << 1.0, 0.0;
            const double t = ode::integrate(oscillator, y, 20.0, {2.5, 7.0, 13.25}, watch, o);
            EXPECT_EQ(t, 20.0);
            EXPECT_EQ(seen, (std::vector<double>{2.5, 7.0, 13.25}));
            // Global error stays within a modest multiple of the tolerance over 3 periods.
            EXPECT_LT(worst, 100 * rtol) << "method " << static_cast<int>(m) << " rtol " << rtol;
        }
    }
}

TEST(ode, eighth_order_pair_needs_fewer_evaluations_at_tight_tolerance) {
    ode::stats s5, s8;
    for (auto [m, s] : {std::pair{ode::method::dopri5, &s5}, std::pair{ode::method::dop853, &s8}}) {
        const ode::options o = with_tolerances(m, 1e-12, 1e-15);
        Eigen::VectorXd y(2);
        y << 1.0, 0.0;
        ode::integrate(oscillator, y, 20.0, {}, nullptr, o, s);
        EXPECT_LT((y - exact(20.0)).cwiseAbs().maxCoeff(), 1e-10);
    }
    EXPECT_LT(2 * s8.evaluations, s5.evaluations);  // order 8 against order 5 at rtol 1e-12
}

TEST(ode, first_step_is_hairers_two_stage_guess) {
    // y' = −y from y = 1, rtol 1e-6, atol 1e-9 (hinit of dop853.f, SciPy's select_initial_step):
    // scaled norms d0 = d1 = 1/s, s = 1e-9 + 1e-6, so h0 = 0.01; the Euler step gives d2 = d1, and
    // h = min(100 h0, (0.01 / d1)^(1/(q+1))) with q the estimator's order (4 for 5(4), 7 for 8(5,3)).
    auto decay = [](const Eigen::VectorXd& y, Eigen::VectorXd& dy) { dy = -y; };
    const double d1 = 1.0 / (1e-9 + 1e-6);
    for (auto [m, q] : {std::pair{ode::method::dopri5, 4.0}, std::pair{ode::method::dop853, 7.0}}) {
        double first = 0.0;
        auto watch = [&](double t, const Eigen::VectorXd&, const Eigen::VectorXd&, bool) {
            if (first == 0.0 && t > 0.0) first = t;
            return t > 0.0;
        };
        Eigen::VectorXd y = Eigen::VectorXd::Ones(1);
        ode::stats st;
        ode::integrate(decay, y, 1.0, {}, watch, with_tolerances(m, 1e-6, 1e-9), &st);
        EXPECT_NEAR(first, std::min(1.0, std::pow(0.01 / d1, 1.0 / (q + 1.0))), 1e-12) << q;
        EXPECT_EQ(st.rejected, 0);
    }
}

TEST(ode, unknown_pair_names_the_key) {
    EXPECT_EQ(ode::method_from_name("dop853", "k"), ode::method::dop853);
    try {
        ode::method_from_name("rk4", "balancing.integrator");
        FAIL();
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("balancing.integrator"), std::string::npos);
    }
}

// --- the Rosenbrock methods (RODAS3, RODAS4) ---------------------------------------------------
namespace {

// y₀' = y₀(1 − y₀) (logistic: y₀(t) = 1/(1 + 9e^{−t}) from 0.1) and y₁' = −20 y₁ (y₁ = e^{−20t}):
// a nonlinear and a fast linear component with known solutions and the exact Jacobian
// diag(1 − 2y₀, −20).
void logistic_pair(const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    dy.resize(2);
    dy << y(0) * (1.0 - y(0)), -20.0 * y(1);
}

ode::jacobian_solver logistic_jacobian() {
    auto at = std::make_shared<Eigen::VectorXd>();
    ode::jacobian_solver j;
    j.prepare = [at](const Eigen::VectorXd& y) { *at = y; };
    j.solve = [at](double shift, const Eigen::VectorXd& rhs, Eigen::VectorXd& x, const Eigen::ArrayXd&) {
        x.resize(2);
        x << rhs(0) / (shift - (1.0 - 2.0 * (*at)(0))), rhs(1) / (shift + 20.0);  // (shift I − J) x = rhs
    };
    return j;
}

double logistic_error(ode::method m, double step) {
    ode::options o;
    o.method = m;
    o.first_step = o.max_step = step;  // fixed steps: a tolerance no step can fail
    o.rtol = o.atol = 1e6;
    Eigen::VectorXd y(2);
    y << 0.1, 1.0;
    ode::integrate_linearly_implicit(logistic_pair, logistic_jacobian(), y, 2.0, {}, nullptr, o);
    return std::max(std::abs(y(0) - 1.0 / (1.0 + 9.0 * std::exp(-2.0))), std::abs(y(1) - std::exp(-40.0)));
}

}  // namespace

TEST(ode, rosenbrock_methods_converge_at_their_order) {
    for (auto [m, order] : {std::pair{ode::method::rodas3, 3.0}, std::pair{ode::method::rodas4, 4.0}}) {
        double previous = logistic_error(m, 0.1);
        for (double step : {0.05, 0.025, 0.0125}) {
            const double e = logistic_error(m, step);
            const double observed = std::log2(previous / e);  // halving the step divides the error by 2^order
            EXPECT_GT(observed, order - 0.35) << "order " << order << " step " << step << " error " << e;
            EXPECT_LT(observed, order + 0.6) << "order " << order << " step " << step << " error " << e;
            previous = e;
        }
    }
}

TEST(ode, rosenbrock_methods_are_l_stable_and_adaptive) {
    // One step of size 1 on y' = −1e6 y: R(z) → 0 as z → −∞ (an explicit pair would explode).
    for (auto m : {ode::method::rodas3, ode::method::rodas4}) {
        ode::options o;
        o.method = m;
        o.first_step = o.max_step = 1.0;
        o.rtol = o.atol = 1e6;
        Eigen::VectorXd y = Eigen::VectorXd::Ones(1);
        ode::jacobian_solver j;
        j.solve = [](double shift, const Eigen::VectorXd& rhs, Eigen::VectorXd& x, const Eigen::ArrayXd&) { x = rhs / (shift + 1e6); };
        ode::stats st;
        ode::integrate_linearly_implicit([](const Eigen::VectorXd& v, Eigen::VectorXd& d) { d = -1e6 * v; }, j, y, 1.0, {}, nullptr, o, &st);
        EXPECT_EQ(st.accepted, 1);
        EXPECT_LT(std::abs(y(0)), 1e-5);
        // Adaptive at a tight tolerance: the logistic pair to 1e-9, landing on the output times.
        const ode::options a = with_tolerances(m, 1e-10, 1e-12);
        Eigen::VectorXd z(2);
        z << 0.1, 1.0;
        std::vector<double> seen;
        ode::integrate_linearly_implicit(logistic_pair, logistic_jacobian(), z, 2.0, {0.3, 1.1}, [&](double t, const Eigen::VectorXd& v, const Eigen::VectorXd&, bool out) {
            if (out) seen.push_back(t);
            EXPECT_NEAR(v(0), 1.0 / (1.0 + 9.0 * std::exp(-t)), 1e-9);
            EXPECT_NEAR(v(1), std::exp(-20.0 * t), 1e-9);
            return false;
        }, a);
        EXPECT_EQ(seen, (std::vector<double>{0.3, 1.1}));
    }
}

TEST(ode, rosenbrock_needs_a_jacobian_and_explicit_pairs_refuse_one) {
    ode::options o;
    o.method = ode::method::rodas4;
    Eigen::VectorXd y = Eigen::VectorXd::Ones(2);
    EXPECT_THROW(ode::integrate(oscillator, y, 1.0, {}, nullptr, o), config_error);
    EXPECT_THROW(ode::integrate_linearly_implicit(oscillator, {}, y, 1.0, {}, nullptr, o), config_error);
    o.method = ode::method::dop853;
    EXPECT_THROW(ode::integrate_linearly_implicit(oscillator, logistic_jacobian(), y, 1.0, {}, nullptr, o), config_error);
    EXPECT_EQ(ode::method_from_name("rodas4", "k"), ode::method::rodas4);
    EXPECT_EQ(ode::method_from_name("rodas3", "k"), ode::method::rodas3);
    try {
        ode::method_from_name("ros2", "balancing.integrator");
        FAIL();
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("rodas4"), std::string::npos) << e.what();
    }
}
