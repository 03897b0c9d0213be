#include "einet/analysis/two_population.hpp"

namespace einet::analysis {

fixed_point up_state(const two_population_params& p, const weights4& w) {
    fixed_point fp;
    const double th_E = p.theta_E - p.input_E, th_I = p.theta_I - p.input_I;
    const double a = w.EE * p.g_E - 1.0;  // excitatory self-amplification
    const double d = w.II * p.g_I + 1.0;
    fp.C = w.EI * w.IE * p.g_E * p.g_I - d * a;                      // 001 SI Eq. 18 denominator
    fp.E = p.g_E * (w.EI * p.g_I * th_I - d * th_E) / fp.C;          // 001 SI Eq. 18
    fp.I = p.g_I * (a * th_I - w.IE * p.g_E * th_E) / fp.C;          // 001 SI Eq. 19
    fp.above_threshold = fp.E > 0 && fp.I > 0;
    // Jacobian [[a/τE, −W_EI g_E/τE], [W_IE g_I/τI, −d/τI]]: det > 0 ⇔ C > 0 (SI Eq. 22),
    // trace < 0 ⇔ d τE > a τI (SI Eq. 23).
    fp.stable = fp.C > 0 && d * p.tau_E > a * p.tau_I;
    fp.paradoxical = fp.C > 0 && a > 0;  // SI Eq. 27
    return fp;
}

double setpoint_W_EI(const two_population_params& p, double W_EE, double E_set, double I_set) {
    // 001 Methods Eq. 4: W_EI = [(E_set W_EE − θ_E) g_E − E_set] / (I_set g_E)
    return ((E_set * W_EE - (p.theta_E - p.input_E)) * p.g_E - E_set) / (I_set * p.g_E);
}

double setpoint_W_II(const two_population_params& p, double W_IE, double E_set, double I_set) {
    // 001 Methods Eq. 5: W_II = [(E_set W_IE − θ_I) g_I − I_set] / (I_set g_I)
    return ((E_set * W_IE - (p.theta_I - p.input_I)) * p.g_I - I_set) / (I_set * p.g_I);
}

}  // namespace einet::analysis
