#pragma once
// Where the spiking engine's Gaussian noise comes from. By default every noisy variable has its
// own Philox stream keyed by (seed, population, stream, neuron, step); a noise_source replaces
// them, e.g. with Brownian paths shared across step sizes (analysis/convergence: the increment of
// a coarse step is the sum of the fine increments inside it, spec 003 §6.1).
//
// What the engine does with the standard normals of one step (both integrators):
//   channel k (an exponential receptor with current noise σ):  x_k += x_amp_k·ξ_k
//       Euler–Maruyama: x_amp = σ√h (spec 003 Eq. 2.2), i.e. ξ_k = ΔW/√h;
//       exact:          x_amp = σ√(τ(1 − e^{−2h/τ})/2), i.e. ξ_k = σ∫_0^h e^{−(h−s)/τ} dW(s) / x_amp;
//   V (stream membrane_stream):  V += Σ_k v_from_x_k·ξ_k + v_amp·ζ
//       v_from_x and the receptor part of v_amp are zero for Euler–Maruyama (V moves with the old
//       x) and are the exact joint transition of (x, V) otherwise (exact_step_noise below);
//       membrane white noise σ_V adds σ_V√(h/τ_m) (EM) or σ_V√((1 − e^{−2h/τ_m})/2) (exact) to v_amp
//       in quadrature.
#include <cstddef>
#include <cstdint>

namespace einet::engine {

class noise_source {
public:
    virtual ~noise_source() = default;
    static constexpr std::uint32_t membrane_stream = 255;  // V's own normal ζ; channels use their index k
    // Writes the standard normals of `stream` of population `pop` for step `step` (t_step → t_step+1)
    // and neurons [i0, i1) to out[0 .. i1 − i0). Called concurrently by the engine's threads for
    // disjoint neuron ranges of the same step.
    virtual void normals(std::size_t pop, std::uint32_t stream, std::uint64_t step, std::size_t i0, std::size_t i1,
                         double* out) = 0;
};

// The exact one-step noise of τ_m dV/dt = −V + … + R·s, ds = −s/τ dt + σ dW: s gains x_sd·ξ,
// V gains v_from_x·ξ + v_own_sd·ζ (ξ, ζ independent standard normals).
struct step_noise {
    double x_sd = 0.0, v_from_x = 0.0, v_own_sd = 0.0;
};
step_noise exact_step_noise(double tau_m, double tau, double R, double sigma, double h);

}  // namespace einet::engine
