// The adaptive embedded Runge–Kutta pairs of core/ode (Dormand–Prince 5(4) and 8(5,3)): accuracy
// on an analytic solution, exact landing on output times, the higher order's fewer evaluations,
// and the error for an unknown pair name.
#include <gtest/gtest.h>

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/ode.hpp"

using namespace einet;

namespace {

// y₀' = y₁, y₁' = −y₀ − 0.1 y₁ (damped oscillator): closed form below.
void oscillator(const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    dy.resize(2);
    dy << y(1), -y(0) - 0.1 * y(1);
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
            ode::options o;
            o.method = m;
            o.rtol = rtol;
            o.atol = 1e-3 * rtol;
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
        ode::options o;
        o.method = m;
        o.rtol = 1e-12;
        o.atol = 1e-15;
        Eigen::VectorXd y(2);
        y << 1.0, 0.0;
        ode::integrate(oscillator, y, 20.0, {}, nullptr, o, s);
        EXPECT_LT((y - exact(20.0)).cwiseAbs().maxCoeff(), 1e-10);
    }
    EXPECT_LT(2 * s8.evaluations, s5.evaluations);  // order 8 against order 5 at rtol 1e-12
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
