#include "einet/analysis/rule_stability.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace einet::analysis {
namespace {

using plasticity::error_source;
using plasticity::presynaptic_factor;
using plasticity::rate_symbol;

constexpr std::size_t EE = 0, EI = 1, IE = 2, II = 3;

bool is_sign_variant(const std::string& name) {
    return name.size() == 4 && std::all_of(name.begin(), name.end(), [](char c) { return c == 'H' || c == 'A'; });
}

double at(const weights4& w, std::size_t c) { return c == EE ? w.EE : c == EI ? w.EI : c == IE ? w.IE : w.II; }
double& at(weights4& w, std::size_t c) { return c == EE ? w.EE : c == EI ? w.EI : c == IE ? w.IE : w.II; }

// Effective thresholds: a tonic input lowers the threshold (spec 001 §4.1, §4.9).
double theta_E(const two_population_params& p) { return p.theta_E - p.input_E; }
double theta_I(const two_population_params& p) { return p.theta_I - p.input_I; }

// Determinant of the principal submatrix of J on the rows/columns in `mask` (Gaussian
// elimination with partial pivoting).
double principal_minor(const std::array<std::array<double, 4>, 4>& J, unsigned mask) {
    std::size_t idx[4], n = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (mask >> i & 1u) idx[n++] = i;
    }
    double m[4][4];
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) m[i][j] = J[idx[i]][idx[j]];
    }
    double det = 1.0;
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t piv = k;
        for (std::size_t i = k + 1; i < n; ++i) {
            if (std::abs(m[i][k]) > std::abs(m[piv][k])) piv = i;
        }
        if (m[piv][k] == 0.0) return 0.0;
        if (piv != k) {
            std::swap(m[piv], m[k]);
            det = -det;
        }
        det *= m[k][k];
        for (std::size_t i = k + 1; i < n; ++i) {
            const double f = m[i][k] / m[k][k];
            for (std::size_t j = k; j < n; ++j) m[i][j] -= f * m[k][j];
        }
    }
    return det;
}

}  // namespace

weights4 setpoint_plane_point(const two_population_params& p, const setpoints& sp, double W_EE, double W_IE) {
    return {W_EE, setpoint_W_EI(p, W_EE, sp.E, sp.I), W_IE, setpoint_W_II(p, W_IE, sp.E, sp.I)};
}

plane_margins margins_on_plane(const two_population_params& p, const setpoints& sp, double W_EE, double W_IE) {
    const weights4 w = setpoint_plane_point(p, sp, W_EE, W_IE);
    const double a = w.EE * p.g_E - 1.0, d = w.II * p.g_I + 1.0;
    plane_margins m;
    m.det = w.EI * w.IE * p.g_E * p.g_I - d * a;  // 001 SI Eq. 22
    m.trace = d * p.tau_E - a * p.tau_I;           // 001 SI Eq. 23
    m.positive_EI = w.EI;                          // 001 SI Eq. 25
    m.positive_II = w.II;                          // 001 SI Eq. 26
    m.paradoxical = a;                             // 001 SI Eq. 27
    return m;
}

rule_rates effective_rates(const plasticity::rule& r, const rule_rates& rates, const two_population_params& p,
                           const setpoints& sp) {
    if (r.name != "forced_balance") return rates;
    // 001 SI Eq. 15 (spec 001 §2.6): α₁ g_E, relaxation 1/τ₀, α₃ g_I, relaxation 1/τ₀.
    const double alpha1 = rates.alpha[EE], alpha3 = rates.alpha[IE];
    const double relax = alpha1 * p.g_E * p.g_I * sp.E * sp.I;
    rule_rates out = rates;
    out.alpha = {alpha1 * p.g_E, relax, alpha3 * p.g_I, relax};
    return out;
}

std::array<double, 4> qss_weight_flow(const plasticity::rule& r, const rule_rates& rates, const two_population_params& p,
                                      const setpoints& sp, const weights4& w) {
    const rule_rates k = effective_rates(r, rates, p, sp);
    const fixed_point fp = up_state(p, w);  // quasi-steady state (SI Eqs. 18–19)
    const double rate[2] = {fp.E, fp.I};
    const double own_error[2] = {sp.E - fp.E, sp.I - fp.I};
    std::array<double, 4> flow{};
    for (std::size_t c = 0; c < 4; ++c) {
        const std::size_t post = c / 2, pre = c % 2;  // EE, EI, IE, II: post E E I I, pre E I E I
        const plasticity::class_rule& cr = r.classes[c];
        double dw = 0.0;
        if (cr.relax_to_setpoint_plane) {
            // Forced balance (SI Eq. 15): relax toward the set-point-plane value of the current weights.
            const double target = c == EI ? setpoint_W_EI(p, w.EE, sp.E, sp.I) : setpoint_W_II(p, w.IE, sp.E, sp.I);
            dw += k.alpha[c] * (target - at(w, c));
        }
        for (const auto& t : cr.terms) {
            const double lr = t.rate == rate_symbol::alpha ? k.alpha[c] : k.beta[c];
            const double f = t.factor == presynaptic_factor::rate ? rate[pre]
                             : t.factor == presynaptic_factor::weight ? at(w, c)
                                                                      : 1.0;
            // post: the postsynaptic population's own error; cross: the other population's.
            const double err = t.error == error_source::post ? own_error[post] : own_error[1 - post];
            dw += t.coefficient * lr * f * err;
        }
        flow[c] = dw;
    }
    return flow;
}

rule_eigen numerical_rule_stability(const plasticity::rule& r, const rule_rates& rates, const two_population_params& p,
                                    const setpoints& sp, double W_EE, double W_IE) {
    const weights4 w0 = setpoint_plane_point(p, sp, W_EE, W_IE);
    std::array<std::array<double, 4>, 4> J{};
    for (std::size_t k = 0; k < 4; ++k) {  // column k: central difference along W_k
        const double h = 1e-6 * std::max(1.0, std::abs(at(w0, k)));
        weights4 up = w0, down = w0;
        at(up, k) += h;
        at(down, k) -= h;
        const auto fu = qss_weight_flow(r, rates, p, sp, up), fd = qss_weight_flow(r, rates, p, sp, down);
        for (std::size_t i = 0; i < 4; ++i) J[i][k] = (fu[i] - fd[i]) / (2.0 * h);
    }
    // Characteristic polynomial λ⁴ − c₁λ³ + c₂λ² − c₃λ + c₄: c_k is the sum of the principal
    // k×k minors. c₃ = c₄ = 0 on a plane of fixed points; then the other roots solve λ² − c₁λ + c₂.
    double c[5] = {1.0, 0.0, 0.0, 0.0, 0.0}, scale = 0.0;
    for (unsigned mask = 1; mask < 16; ++mask) c[std::popcount(mask)] += principal_minor(J, mask);
    for (const auto& row : J) {
        for (double x : row) scale = std::max(scale, std::abs(x));
    }
    rule_eigen e;
    e.c1 = c[1];
    e.c2 = c[2];
    if (scale > 0) e.null_residual = std::abs(c[3]) / std::pow(scale, 3) + std::abs(c[4]) / std::pow(scale, 4);
    const std::complex<double> root = std::sqrt(std::complex<double>(e.c1 * e.c1 - 4.0 * e.c2, 0.0));
    e.lambda_plus = 0.5 * (e.c1 + root);
    e.lambda_minus = 0.5 * (e.c1 - root);
    e.stable = e.c1 < 0 && e.c2 > 0;  // both roots of λ² − c₁λ + c₂ in the left half-plane
    return e;
}

std::optional<bool> closed_form_rule_stable(const plasticity::rule& r, const rule_rates& rates,
                                            const two_population_params& p, const setpoints& sp, double W_EE,
                                            double W_IE) {
    const weights4 w = setpoint_plane_point(p, sp, W_EE, W_IE);
    const double gE = p.g_E, gI = p.g_I, tE = theta_E(p), tI = theta_I(p), E = sp.E, I = sp.I, R = E / I;
    const double a = w.EE * gE - 1.0, d = w.II * gI + 1.0;
    const auto& al = rates.alpha;
    // Ratios of SI Eqs. 7/8 and 13: α₂ = α_EI/α_EE, α₃ = α_IE/α_EE, α₄ = α_II/α_EE (the SI takes α_EE > 0).
    auto ratios = [&](const std::array<double, 4>& s) -> std::optional<std::array<double, 3>> {
        if (!(s[EE] > 0.0)) return std::nullopt;
        return std::array<double, 3>{s[EI] / s[EE], s[IE] / s[EE], s[II] / s[EE]};
    };
    if (r.name == "homeostatic" || is_sign_variant(r.name)) {
        // SI Eqs. 2–5 (spec 001 §4.7.1–4.7.2) with signed rates (A flips the class's sign), both
        // sides multiplied by α_EE: (E_set² α_IE + I_set² α_II)(W_EE g_E − 1) g_I < (E_set² α_EE + I_set² α_EI)
        // (W_II g_I + 1) g_E and (E_set² α_IE + I_set² α_II)(E_set² α_EE + I_set² α_EI) > 0. The printed
        // ratio form (α₂ = α_EI/α_EE, ...) flips the first inequality when α_EE < 0 (variants A···);
        // the numerical route confirms the multiplied form for all 16 variants.
        std::array<double, 4> s = al;
        if (r.name != "homeostatic") {
            for (std::size_t c = 0; c < 4; ++c) s[c] *= r.name[c] == 'H' ? 1.0 : -1.0;
        }
        const double inh = R * R * s[IE] + s[II], exc = R * R * s[EE] + s[EI];
        return inh * a * gI < exc * d * gE && inh * exc > 0;
    }
    if (r.name == "cross_homeostatic") {
        // SI Eq. 8 (spec 001 §4.7.3): (R² α₃ + α₄) W_EI + (R² + α₂) W_IE > 0.
        const auto q = ratios(al);
        if (!q) return std::nullopt;
        const auto [a2, a3, a4] = *q;
        return (R * R * a3 + a4) * w.EI + (R * R + a2) * w.IE > 0;
    }
    if (r.name == "two_term") {
        // SI Eq. 11 (spec 001 §4.7.4), one α (cross terms) and one β (homeostatic terms) for all classes.
        const auto& be = rates.beta;
        if (!std::all_of(al.begin(), al.end(), [&](double x) { return x == al[0]; }) ||
            !std::all_of(be.begin(), be.end(), [&](double x) { return x == be[0]; }))
            return std::nullopt;
        const double A = a * E * I * gI, A1 = a * E * E * gI, B = d * E * I * gE, B1 = d * I * I * gE;
        const double Cc = (I * tI - E * tE) * gE * gI;
        return (A - B) * be[0] < (A1 + B1 + Cc) * al[0];
    }
    if (r.name == "synaptic_scaling") {
        // SI Eq. 13 (spec 001 §4.7.5).
        const auto q = ratios(al);
        if (!q) return std::nullopt;
        const auto [a2, a3, a4] = *q;
        const double A = (I * w.II * a4 + tI * a3) * gI;
        const double B = E * w.EE * gE + (a * E - tE * gE) * a2 - a * I * a3;
        return a * A < d * B;
    }
    if (r.name == "forced_balance") {
        // SI Eq. 16 (spec 001 §4.7.6), α₁ = α_EE, α₃ = α_IE.
        const double a1 = al[EE], a3 = al[IE];
        const double A1 = (I * tE * tI * a1 * gE * gI + E * E * E * a3) * gE * gI;
        const double B1 = I * I * tE * a1 * gE * gE * gI - E * E * I * a1 * gE * gE;
        const double B1p = E * I * tI * a1 * gE * gI * gI + E * E * I * a3 * gI * gI;
        const double A2 = 2.0 * tE * tI * a1 * gE * gE * gI * gI;
        const double B2 = 2.0 * I * tE * a1 * gE * gE * gI - E * E * a1 * gE * gE;
        const double B2p = 2.0 * E * tI * a1 * gE * gI * gI + E * E * a3 * gI * gI;
        return A1 + B1 * d < B1p * a && A2 + B2 * d < B2p * a;
    }
    return std::nullopt;
}

}  // namespace einet::analysis
