#pragma once
// Paper 000 Appendix E, Fig 14: a smooth random target (a Gaussian-process sample as in the
// authors' script), its smooth difference-of-convex decomposition (spec §3.5, smooth variant) and
// its piecewise-linear version with knots at the extrema (then decomposed by A2, dc_decompose).
#include <cstdint>
#include <vector>

#include "einet/lowrank/geometry.hpp"

namespace einet::lowrank {

// One sample of a zero-mean Gaussian process at the points s with the kernel of the authors'
// script, k(s, s') = σ² exp(−(s − s')² ℓ²/2) + σ_n (ℓ an inverse length; σ_n is added to every
// entry, a random common offset). Drawn as L·ξ with L the Cholesky factor of k + εI (ε the
// smallest of 1e-12, 1e-11, … times k(s, s) that factorises) and ξ Philox normals keyed by seed.
std::vector<double> gp_sample(const std::vector<double>& s, double inv_length, double sigma, double offset_var, std::uint64_t seed);

// Spec §3.5 smooth variant (Appendix E, Yuille & Rangarajan): on a uniform grid x with f'' the
// second difference / dx², λ = max(0, −min f''), q = f + λ·½(x − c)², p = λ·½(x − c)²; q and p
// have non-negative second differences (convex) and q − p = f.
struct smooth_dc {
    double lambda = 0;
    std::vector<double> q, p;
};
smooth_dc dc_decompose_smooth(const std::vector<double>& x, const std::vector<double>& f, double centre);

// Fig 14e (the authors' get_piecewise_fcn): knots at x_0, at every grid point where the first
// difference of f changes sign (the extrema), and at the last grid point; an extremum is kept only if
// |f − f(previous kept knot)| > min_step (the last knot always). Values are the samples of f there.
piecewise_linear extrema_knots(const std::vector<double>& x, const std::vector<double>& f, double min_step);

}  // namespace einet::lowrank
