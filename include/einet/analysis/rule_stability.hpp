#pragma once
// Stability of the homeostatic rule family at the set-point plane of the two-population model
// (paper 001 SI section 2, spec 001 §4.3–4.8), by two independent routes:
//
//  - numerical, for ANY rule of the family (plasticity::rule as data): quasi-steady-state
//    reduction (E, I = the Up state of SI Eqs. 18–19 for the current weights), the 4-D
//    continuous-time weight flow dW/dt of the rule's terms, its Jacobian at a point of the
//    set-point plane (central differences), and the two eigenvalues that are not forced to zero
//    by the plane of fixed points: the roots of λ² − c₁λ + c₂ with c₁ the trace and c₂ the sum of
//    the principal 2×2 minors (the characteristic polynomial is λ²(λ² − c₁λ + c₂));
//  - closed forms of the SI for the rules the paper solved by hand (homeostatic and its 16 sign
//    variants SI Eqs. 2–5, cross-homeostatic Eqs. 7/8, two-term Eqs. 10/11, synaptic scaling
//    Eq. 13, forced balance Eq. 16).
//
// Rates are the continuous-time learning rates α_XY (β_XY) of the rule, per class in the order
// EE, EI, IE, II; only their ratios matter for the sign of the eigenvalues.
#include <array>
#include <complex>
#include <optional>

#include "einet/analysis/two_population.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

namespace einet::analysis {

struct setpoints {
    double E = 5.0, I = 14.0;  // Hz (001 SI Table 1)
};

struct rule_rates {
    std::array<double, 4> alpha{}, beta{};  // per class EE, EI, IE, II
};

// The weights (W_EE, W_EI^up, W_IE, W_II^up) of the set-point plane above (W_EE, W_IE)
// (001 Methods Eqs. 4–5, SI Eq. 24).
weights4 setpoint_plane_point(const two_population_params& p, const setpoints& sp, double W_EE, double W_IE);

// Conditions on the set-point plane as signed margins (> 0: the condition holds), so that their
// zero lines are the boundaries drawn on the stability maps (spec 001 §4.2–4.6).
struct plane_margins {
    double det = 0;          // C = W_EI W_IE g_E g_I − (W_II g_I + 1)(W_EE g_E − 1)   (SI Eq. 22)
    double trace = 0;        // (W_II g_I + 1) τ_E − (W_EE g_E − 1) τ_I                  (SI Eq. 23)
    double positive_EI = 0;  // W_EI^up (SI Eq. 25)
    double positive_II = 0;  // W_II^up (SI Eq. 26)
    double paradoxical = 0;  // W_EE g_E − 1 (SI Eq. 27)
    bool neural_stable() const { return det > 0 && trace > 0; }
    bool positive() const { return positive_EI > 0 && positive_II > 0; }
};
plane_margins margins_on_plane(const two_population_params& p, const setpoints& sp, double W_EE, double W_IE);

// Continuous-time rates the rule's terms use: the class rates for every member except forced
// balance, whose SI Eq. 15 reads α₁ = alpha[EE], α₃ = alpha[IE] and becomes
// dW_EE/dt = α₁ g_E E ε_E, dW_IE/dt = −α₃ g_I E ε_I, relaxation rate 1/τ₀ = α₁ g_E g_I E_set I_set.
rule_rates effective_rates(const plasticity::rule& r, const rule_rates& rates, const two_population_params& p,
                           const setpoints& sp);

// dW/dt of the rule with E, I at their quasi-steady state (the Up state of `w`), classes EE, EI,
// IE, II. `rates` as given to effective_rates.
std::array<double, 4> qss_weight_flow(const plasticity::rule& r, const rule_rates& rates, const two_population_params& p,
                                      const setpoints& sp, const weights4& w);

struct rule_eigen {
    std::complex<double> lambda_plus, lambda_minus;  // the two eigenvalues not forced to zero
    double c1 = 0, c2 = 0;      // trace and sum of principal 2×2 minors of the Jacobian
    double null_residual = 0;   // |c₃| + |c₄| relative to the scale: ~0 when the plane is a fixed-point set
    bool stable = false;        // both real parts < 0  ⇔  c₁ < 0 and c₂ > 0
};

// Numerical route at the set-point-plane point above (W_EE, W_IE).
rule_eigen numerical_rule_stability(const plasticity::rule& r, const rule_rates& rates, const two_population_params& p,
                                    const setpoints& sp, double W_EE, double W_IE);

// Closed-form stability of the SI for the rule at (W_EE, W_IE), or nullopt when the rule is not
// one the paper solved by hand (custom terms; two_term with class-dependent α or β).
std::optional<bool> closed_form_rule_stable(const plasticity::rule& r, const rule_rates& rates,
                                            const two_population_params& p, const setpoints& sp, double W_EE,
                                            double W_IE);

}  // namespace einet::analysis
