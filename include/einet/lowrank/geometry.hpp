#pragma once
// Geometry and design of low-rank E-I networks (paper 000 §2, spec 000 §3): one neuron = one
// half-plane in (x, y); a population's boundary = the envelope of its threshold lines; the rank-2
// crossing point and its stability; and the design algorithms A2–A6 (boundary design, difference
// of convex functions, threshold tuning). Pure functions of the neuron parameters.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "einet/lowrank/model.hpp"

namespace einet::lowrank {

// Rank 1 (spec S18, A1): the latent value at which the first neuron reaches threshold,
// y*(x) = min_k (T_k − F_k x)/E_k over neurons with E_k > 0 (+inf when there are none); `arg`
// receives the neuron forming it. For an inhibitory population the realised boundary is min(0, y*).
double boundary(const population_spec& pop, double x, std::size_t* arg = nullptr);

// Rank 2, in the spec's |y^I| form (§3.4): neuron k of population X is suprathreshold when
// |y^I| < (F_k x + a_k y^E − T_k)/c_k, with a = E_self, c = E_cross for E and a = E_cross,
// c = E_self for I; B_X(x, y^E) is the maximum over k (convex, piecewise linear in y^E).
double boundary_ei(const population_spec& pop, double x, double yE, std::size_t* arg = nullptr);

// The subthreshold ("feasible") region (spec §3.2, S8, S11): the largest F_k x + E_self_k y_self
// + E_cross_k y_other − T_k over the population's neurons (signed latents). The point lies inside the
// intersection of the neurons' half-planes, where the population is silent, iff the margin is < 0;
// a rank-2 state is inside when both populations' margins are.
double threshold_margin(const population_spec& pop, double x, double y_self, double y_other = 0.0);

struct crossing_point {
    double yE = 0.0, yI_abs = 0.0;            // y^E* and |y^I|*
    std::size_t neuron_E = 0, neuron_I = 0;   // the neurons forming it (lines active just right of it)
    double slope_E = 0.0, slope_I = 0.0;      // dB_X/dy^E there
    bool stable() const { return slope_I > slope_E; }  // "I first" stability reading (spec §3.4)
};
// The first y^E ≥ 0 at which B_E − B_I changes from positive to non-positive (the E boundary
// falls under the I boundary: the crossing the network settles on), or nullopt.
std::optional<crossing_point> crossing(const population_spec& E, const population_spec& I, double x);

// A5 (spec §3.5, the code's plotted targets, Figs 5, 12): on the grid y^E = 0, step, 2·step, …
// below y_max, the y^E minimising |B_E − B_I| (first on ties); |y^I| = B_I there.
crossing_point crossing_on_grid(const population_spec& E, const population_spec& I, double x, double step = 0.05,
                                double y_max = 20.0);

// A piecewise-linear function of x: knots x_0 < … < x_K and values there (linear in between,
// extended linearly outside with the end slopes).
struct piecewise_linear {
    std::vector<double> knots, values;
    double operator()(double x) const;
    double slope(std::size_t piece) const;
    std::size_t pieces() const { return knots.size() - 1; }
    // Throws config_error naming `key` unless knots are strictly increasing, values finite, ≥ 2 knots.
    void check(const std::string& key) const;
};

// A2 (spec §3.5): f = q − p with q, p convex and the same knots; q's slope on the first piece is
// s_q, q(x_0) = f(x_0), p(x_0) = 0. Exact for any continuous piecewise-linear f.
struct dc_pair {
    piecewise_linear q, p;
};
dc_pair dc_decompose(const piecewise_linear& f, double s_q);

// Boundary design for one population (spec A4 generalised): the boundary y = −f(x) of a convex
// piecewise-linear f, one neuron per piece (E = 1, F = slope, T = −intercept; the thresholds are
// the pieces' lines). Throws config_error naming `key` when f is not convex.
struct neuron_lines {
    std::vector<double> F, E, T;
};
neuron_lines design_convex(const piecewise_linear& f, const std::string& key);

// A4: tangents of the concave target g(x) = a x² + b x + c (a < 0) at the points xs: E = 1,
// F = −g'(x_k), T = F x_k + g(x_k).
neuron_lines tangents_of_quadratic(double a, double b, double c, const std::vector<double>& xs);

// A6 (Appendix B, Fig 13): keep E and F, move each threshold so that its line is tangent to
// y = a x² + b x + c (a < 0).
std::vector<double> tune_thresholds(const std::vector<double>& E, const std::vector<double>& F, double a, double b, double c);

// A3: rank-2 E-I network whose crossing computes y^E*(x) = (f(x) + c_E − c_I)/(a_I − a_E) from the
// DC pair (q for E, p for I): one neuron per linear piece, E_cross (E) = E_self (I) = 1.
// Requires 0 < a_E < a_I. Decoders are left empty (the caller chooses them).
struct ei_design {
    population_spec E, I;
};
ei_design design_ei(const dc_pair& dc, double a_E, double a_I, double c_E, double c_I);

}  // namespace einet::lowrank
