#include "einet/lowrank/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "einet/core/error.hpp"

namespace einet::lowrank {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

struct line {
    double s, b;  // value = s·t + b
    std::size_t id;
    double at(double t) const { return s * t + b; }
};

// Upper envelope of lines (convex hull trick): the lines that attain the maximum somewhere,
// ordered by slope; breakpoint i lies between hull[i] and hull[i + 1].
std::vector<line> upper_envelope(std::vector<line> lines) {
    std::sort(lines.begin(), lines.end(), [](const line& p, const line& q) { return p.s < q.s || (p.s == q.s && p.b < q.b); });
    std::vector<line> hull;
    for (const auto& l : lines) {
        if (!hull.empty() && hull.back().s == l.s) hull.pop_back();  // same slope: the higher one wins
        while (hull.size() >= 2) {
            const auto& l1 = hull[hull.size() - 2];
            const auto& l2 = hull.back();
            // l2 is useless when l3 overtakes l1 no later than l2 does.
            if ((l.b - l1.b) * (l2.s - l1.s) >= (l2.b - l1.b) * (l.s - l1.s)) hull.pop_back();
            else break;
        }
        hull.push_back(l);
    }
    return hull;
}

double breakpoint(const line& l1, const line& l2) { return (l1.b - l2.b) / (l2.s - l1.s); }

const line& active(const std::vector<line>& hull, double t) {
    // The line holding the maximum just right of t (largest slope among the maximal ones).
    std::size_t k = 0;
    while (k + 1 < hull.size() && breakpoint(hull[k], hull[k + 1]) <= t) ++k;
    return hull[k];
}

std::vector<line> lines_ei(const population_spec& pop, double x) {
    // |y^I| < (F x + a y^E − T)/c: slope a/c and intercept (F x − T)/c in y^E (spec §3.4).
    const auto& a = pop.excitatory ? pop.E_self : pop.E_cross;
    const auto& c = pop.excitatory ? pop.E_cross : pop.E_self;
    std::vector<line> out;
    for (std::size_t k = 0; k < pop.size(); ++k) {
        if (!(c[k] > 0)) continue;  // a neuron blind to |y^I| forms no boundary in this plane
        out.push_back({a[k] / c[k], (pop.F[k] * x - pop.T[k]) / c[k], k});
    }
    return out;
}

double envelope_value(const std::vector<line>& hull, double t) {
    double v = -inf;
    for (const auto& l : hull) v = std::max(v, l.at(t));
    return v;
}

std::vector<double> slopes_of(const piecewise_linear& f) {
    std::vector<double> m;
    for (std::size_t k = 0; k < f.pieces(); ++k) m.push_back(f.slope(k));
    return m;
}

piecewise_linear integrate(const std::vector<double>& knots, const std::vector<double>& slopes, double start) {
    piecewise_linear g{knots, {start}};
    for (std::size_t k = 0; k < slopes.size(); ++k) g.values.push_back(g.values.back() + slopes[k] * (knots[k + 1] - knots[k]));
    return g;
}

}  // namespace

double threshold_margin(const population_spec& pop, double x, double y_self, double y_other) {
    double m = -inf;
    for (std::size_t k = 0; k < pop.size(); ++k) {
        const double cross = pop.E_cross.empty() ? 0.0 : pop.E_cross[k] * y_other;
        m = std::max(m, pop.F[k] * x + pop.E_self[k] * y_self + cross - pop.T[k]);  // S8 / S11
    }
    return m;
}

double boundary(const population_spec& pop, double x, std::size_t* arg) {
    double best = inf;
    for (std::size_t k = 0; k < pop.size(); ++k) {
        if (!(pop.E_self[k] > 0)) continue;
        const double y = (pop.T[k] - pop.F[k] * x) / pop.E_self[k];
        if (y < best) {
            best = y;
            if (arg) *arg = k;
        }
    }
    return best;
}

double boundary_ei(const population_spec& pop, double x, double yE, std::size_t* arg) {
    double best = -inf;
    for (const auto& l : lines_ei(pop, x)) {
        if (l.at(yE) > best) {
            best = l.at(yE);
            if (arg) *arg = l.id;
        }
    }
    return best;
}

std::optional<crossing_point> crossing(const population_spec& E, const population_spec& I, double x) {
    const auto hE = upper_envelope(lines_ei(E, x));
    const auto hI = upper_envelope(lines_ei(I, x));
    if (hE.empty() || hI.empty()) return std::nullopt;
    std::vector<double> ts{0.0};
    for (const auto* h : {&hE, &hI}) {
        for (std::size_t k = 0; k + 1 < h->size(); ++k) {
            const double t = breakpoint((*h)[k], (*h)[k + 1]);
            if (t > 0) ts.push_back(t);
        }
    }
    std::sort(ts.begin(), ts.end());
    auto h = [&](double t) { return envelope_value(hE, t) - envelope_value(hI, t); };
    auto make = [&](double t) {
        const auto& lE = active(hE, t);
        const auto& lI = active(hI, t);
        return crossing_point{t, envelope_value(hI, t), lE.id, lI.id, lE.s, lI.s};
    };
    if (h(0.0) <= 0) return std::nullopt;  // E below I already at y^E = 0: no crossing with y^E ≥ 0
    for (std::size_t k = 0; k + 1 < ts.size(); ++k) {
        const double h0 = h(ts[k]), h1 = h(ts[k + 1]);
        if (h0 > 0 && h1 <= 0) return make(ts[k] + (ts[k + 1] - ts[k]) * h0 / (h0 - h1));  // h is linear in between
    }
    const double t = ts.back();
    const double slope = active(hE, t).s - active(hI, t).s;
    if (slope >= 0) return std::nullopt;
    return make(t - h(t) / slope);
}

crossing_point crossing_on_grid(const population_spec& E, const population_spec& I, double x, double step, double y_max) {
    crossing_point best;
    double gap = inf;
    for (std::size_t k = 0; static_cast<double>(k) * step < y_max; ++k) {
        const double y = static_cast<double>(k) * step;
        std::size_t kE = 0, kI = 0;
        const double bE = boundary_ei(E, x, y, &kE), bI = boundary_ei(I, x, y, &kI);
        if (std::abs(bE - bI) < gap) {
            gap = std::abs(bE - bI);
            best = {y, bI, kE, kI, 0.0, 0.0};
        }
    }
    return best;
}

double piecewise_linear::operator()(double x) const {
    std::size_t k = static_cast<std::size_t>(std::upper_bound(knots.begin(), knots.end(), x) - knots.begin());
    k = std::clamp<std::size_t>(k, 1, knots.size() - 1) - 1;
    return values[k] + slope(k) * (x - knots[k]);
}

double piecewise_linear::slope(std::size_t k) const { return (values[k + 1] - values[k]) / (knots[k + 1] - knots[k]); }

void piecewise_linear::check(const std::string& key) const {
    if (knots.size() < 2 || knots.size() != values.size()) {
        throw config_error(key + ": expected at least two knots and one value per knot, got " + std::to_string(knots.size()) +
                           " knots and " + std::to_string(values.size()) + " values");
    }
    for (std::size_t k = 0; k < knots.size(); ++k) {
        if (!std::isfinite(knots[k]) || !std::isfinite(values[k])) throw config_error(key + ": expected finite knots and values");
        if (k > 0 && !(knots[k] > knots[k - 1])) throw config_error(key + ": expected strictly increasing knots");
    }
}

dc_pair dc_decompose(const piecewise_linear& f, double s_q) {
    f.check("dc_decompose");
    const auto m = slopes_of(f);
    // Spec A2: slope jumps Δ_k split into positive (q) and negative (p) parts; q − p = f.
    std::vector<double> sq{s_q}, sp{s_q - m[0]};
    for (std::size_t k = 1; k < m.size(); ++k) {
        const double jump = m[k] - m[k - 1];
        sq.push_back(sq.back() + std::max(jump, 0.0));
        sp.push_back(sp.back() + std::max(-jump, 0.0));
    }
    return {integrate(f.knots, sq, f.values[0]), integrate(f.knots, sp, 0.0)};
}

neuron_lines design_convex(const piecewise_linear& f, const std::string& key) {
    f.check(key);
    const auto m = slopes_of(f);
    for (std::size_t k = 1; k < m.size(); ++k) {
        const double tol = 1e-12 * (1.0 + std::abs(m[k]) + std::abs(m[k - 1]));
        if (m[k] < m[k - 1] - tol) {
            std::ostringstream msg;
            msg << key << ": expected a convex function (non-decreasing slopes) for the boundary y = -f(x); the slope drops from "
                << m[k - 1] << " to " << m[k] << " at x = " << f.knots[k]
                << " (decompose a non-convex target into a difference of convex functions: dc_decompose)";
            throw config_error(msg.str());
        }
    }
    neuron_lines out;
    for (std::size_t k = 0; k < m.size(); ++k) {
        out.F.push_back(m[k]);
        out.E.push_back(1.0);
        out.T.push_back(-(f.values[k] - m[k] * f.knots[k]));  // F x − T is the piece's line
    }
    return out;
}

neuron_lines tangents_of_quadratic(double a, double b, double c, const std::vector<double>& xs) {
    neuron_lines out;
    for (double x : xs) {
        const double F = -(2.0 * a * x + b);
        out.F.push_back(F);
        out.E.push_back(1.0);
        out.T.push_back(F * x + (a * x * x + b * x + c));
    }
    return out;
}

std::vector<double> tune_thresholds(const std::vector<double>& E, const std::vector<double>& F, double a, double b, double c) {
    if (!(a < 0)) throw config_error("tune_thresholds: expected a concave target (a < 0), got a = " + std::to_string(a));
    if (E.size() != F.size()) throw config_error("tune_thresholds: expected as many encoders as input weights");
    std::vector<double> T;
    for (std::size_t k = 0; k < E.size(); ++k) {
        if (!(E[k] > 0)) throw config_error("tune_thresholds: encoder " + std::to_string(k) + " must be > 0 to form a boundary");
        const double xs = (-F[k] / E[k] - b) / (2.0 * a);  // the line's slope −F/E equals g'(x*)
        T.push_back(F[k] * xs + E[k] * (a * xs * xs + b * xs + c));
    }
    return T;
}

ei_design design_ei(const dc_pair& dc, double a_E, double a_I, double c_E, double c_I) {
    if (!(a_E > 0) || !(a_I > a_E)) {
        throw config_error("design_ei: expected 0 < a_E < a_I (the I boundary steeper: a stable crossing, spec 000 §3.4), got a_E = " +
                           std::to_string(a_E) + ", a_I = " + std::to_string(a_I));
    }
    ei_design d;
    d.E.name = "E";
    d.E.excitatory = true;
    d.I.name = "I";
    auto fill = [](population_spec& pop, const piecewise_linear& g, double slope_y, double offset, bool excitatory) {
        for (std::size_t k = 0; k < g.pieces(); ++k) {
            const double m = g.slope(k);
            pop.F.push_back(m);
            (excitatory ? pop.E_self : pop.E_cross).push_back(slope_y);
            (excitatory ? pop.E_cross : pop.E_self).push_back(1.0);
            pop.T.push_back(-((g.values[k] - m * g.knots[k]) + offset));  // B_X = g(x) + a_X y^E + c_X
        }
    };
    fill(d.E, dc.q, a_E, c_E, true);
    fill(d.I, dc.p, a_I, c_I, false);
    return d;
}

}  // namespace einet::lowrank
