#pragma once
// Context-dependent integration task (paper 004 Fig. 4, after Mante et al. 2013; spec 004 §3,
// the authors' IntegrationTask). Three binary variables (context c, signal identities i₁, i₂) give
// 8 conditions in the order (c, i₁, i₂) = (0,0,0), (0,0,1), …, (1,1,1).
//   inputs  [ctx₀, ctx₁, s¹₀, s¹₁, s²₀, s²₁]: every channel 0.3·N(0,1) per task step, +1 on ctx_c,
//           s¹_{i₁}, s²_{i₂}
//   targets z_k = Σ_{k'≤k} s^{(c+1)}_{k'}: the running sum of the noisy selected signal pair
// Noise comes from Philox (purpose dataset) keyed by (seed, trial index, task step): trial index =
// 8·batch + condition, so every batch is reproducible on its own.
#include <cstdint>

#include "einet/engine/rnn_integrators.hpp"

namespace einet::train {

struct cdi_options {
    int steps = 50;              // T task steps
    double input_noise = 0.3;    // signal noise s.d.
    double context_noise = 0.3;  // context noise s.d.
    std::uint64_t seed = 1;
};

struct cdi_batch {
    engine::sequence inputs;   // [T](6 × 8)
    engine::sequence targets;  // [T](2 × 8)
};

inline constexpr int cdi_conditions = 8;
inline constexpr int cdi_inputs = 6;
inline constexpr int cdi_outputs = 2;

// The 8 conditions, one noisy realisation each, of batch number `batch`.
cdi_batch make_cdi_batch(const cdi_options& opt, std::uint64_t batch);

// Evaluation form (spec §3.1 step 1): every task step repeated `upsample` times (dt = 0.1 → 10),
// then inputs and targets smoothed along time with a Gaussian of s.d. `sigma` samples (SciPy
// gaussian_filter1d defaults: truncated at 4σ, 'reflect' boundary).
cdi_batch upsample_and_smooth(const cdi_batch& b, int upsample, double sigma);

// scipy.ndimage.gaussian_filter1d(x, sigma) along a sequence of matrices (mode 'reflect', truncate 4).
engine::sequence gaussian_filter_time(const engine::sequence& x, double sigma);

}  // namespace einet::train
