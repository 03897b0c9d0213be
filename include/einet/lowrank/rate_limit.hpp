#pragma once
// The rate limit of a homogeneous rank-2 E-I network (paper 000 §4.3–4.4, spec 000 Eq. S16):
//   τ dȳ^E/dt   = −ȳ^E   + N_E D^E   σ_β(F^E x + E^{EE} ȳ^E − E^{EI}|ȳ^I| − T^E)
//   τ d|ȳ^I|/dt = −|ȳ^I| + N_I |D^I| σ_β(F^I x + E^{IE} ȳ^E − E^{II}|ȳ^I| − T^I),
// σ_β(z) = 1/(1 + e^{−βz}). Its nullclines approach the spiking boundaries as β → ∞ (Fig 11);
// fixed points and their stability (Jacobian eigenvalues, units of 1/τ) are found here.
#include <array>
#include <complex>
#include <optional>

namespace einet::lowrank {

struct homogeneous_ei {
    double N_E = 50, N_I = 50, D_E = 0.125, D_I_abs = 0.25;
    double F_E = 1, F_I = 1, T_E = 1, T_I = 2.5;
    double E_EE = 1.25, E_EI = 1, E_IE = 2, E_II = 1;
};

struct rate_fixed_point {
    double yE = 0, yI_abs = 0;
    std::array<std::complex<double>, 2> eigenvalues;  // of the Jacobian, in units of 1/τ
    bool stable() const { return eigenvalues[0].real() < 0 && eigenvalues[1].real() < 0; }
};

// The right-hand side τ·(dȳ^E/dt, d|ȳ^I|/dt) at (yE, yI_abs).
std::array<double, 2> rate_flow(const homogeneous_ei& p, double x, double beta, double yE, double yI_abs);

// Nullclines (Fig 11c-f) as |ȳ^I| over ȳ^E. E (dȳ^E/dt = 0): |ȳ^I| = (F^E x + E^{EE} ȳ^E − T^E −
// logit(ȳ^E/(N_E D^E))/β)/E^{EI}, defined for 0 < ȳ^E < N_E D^E (nullopt outside). I (d|ȳ^I|/dt = 0):
// the unique root of |ȳ^I| = N_I|D^I| σ_β(F^I x + E^{IE} ȳ^E − E^{II}|ȳ^I| − T^I) (the left side rises,
// the right side falls in |ȳ^I|), by bisection. As β → ∞ they become the spiking boundary lines.
std::optional<double> nullcline_E(const homogeneous_ei& p, double x, double beta, double yE);
double nullcline_I(const homogeneous_ei& p, double x, double beta, double yE);

// The fixed point reached by continuation in β from a soft network (β = 0.25) up to `beta`, Newton
// at each stage; nullopt if Newton fails to converge.
std::optional<rate_fixed_point> rate_fixed_point_of(const homogeneous_ei& p, double x, double beta);

}  // namespace einet::lowrank
