#pragma once
// Closed-form analysis of the two-population threshold-linear model (paper 001 SI section 2):
// the Up-state fixed point, its neural stability, the paradoxical condition and the set-point
// plane. Weights are W_XY onto X from Y, all >= 0; rates in Hz; time constants in ms.
namespace einet::analysis {

struct two_population_params {
    double tau_E = 10.0, tau_I = 2.0;        // ms
    double g_E = 1.0, g_I = 4.0;             // gains
    double theta_E = 4.8, theta_I = 25.0;    // thresholds (drive units)
    double input_E = 0.0, input_I = 0.0;     // tonic drives (lower the thresholds)
};

struct weights4 {
    double EE = 0, EI = 0, IE = 0, II = 0;
};

struct fixed_point {
    double E = 0, I = 0;
    double C = 0;             // C = W_EI W_IE g_E g_I − (W_II g_I + 1)(W_EE g_E − 1)   (001 SI Eq. 18)
    bool above_threshold = false;  // E, I > 0: the linear-regime solution is self-consistent
    bool stable = false;      // 001 SI Eqs. 22–23: det > 0 and trace < 0
    bool paradoxical = false; // 001 SI Eq. 27: W_EE g_E > 1 (with C > 0)
};

// Up-state fixed point (001 SI Eqs. 18–19) and its stability.
fixed_point up_state(const two_population_params& p, const weights4& w);

// Set-point plane (001 Methods Eqs. 4–5, SI Eq. 24): W_EI and W_II that make (E_set, I_set) the
// Up state for given W_EE, W_IE.
double setpoint_W_EI(const two_population_params& p, double W_EE, double E_set, double I_set);
double setpoint_W_II(const two_population_params& p, double W_IE, double E_set, double I_set);

}  // namespace einet::analysis
