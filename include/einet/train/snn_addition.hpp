#pragma once
// Multi-digit addition with carry (paper 002, spec §7.3–7.4): data, the two-head objective, and
// teacher-forced or autoregressive scoring of a two-head network.
#include <cstdint>

#include "einet/train/snn_trainer.hpp"

namespace einet::train {

struct addition_spec {
    std::size_t base = 3;
    std::size_t digits = 5;            // n; T = n + 1
    bool random_initial_carry = true;  // c_1 ∈ {0, 1} (spec A14) or 0
    bool carry_input = true;           // x_t = (a_t, b_t, c_t)/(base−1) (main protocol) or (a_t, b_t)/(base−1) (Table 6)
    void validate(const std::string& where) const;  // config_error naming `where`
};

// n sequences drawn from the Philox stream of `seed`: digits least-significant first, the last
// step (0, 0, c_{n+1}). Per-step labels, time-major: labels = sum digit (a_t + b_t + c_t) mod base
// (last step: the final carry), more_labels[0] = carry out c_{t+1} (0 at the last step).
sequence_data addition_data(const addition_spec& spec, std::size_t n, std::uint64_t seed);

// Σ_t-ramped two-head objective λ_sum·L_sum + λ_carry·L_carry (spec §7.3): sum head binary hinge
// (base 2) or softmax CE (base > 2) on `base` logits, carry head binary hinge on one logit. The
// direct variant (no carry input, spec §7.4) uses OVR hinge on both heads (b and 2 logits).
objective_spec addition_objective(const addition_spec& spec, double lambda_sum, double lambda_carry);

struct addition_scores {
    double joint_token = 0.0;     // mean over (sequence, t) of [sum right and carry right] (primary)
    double sum_token = 0.0, carry_token = 0.0;
    double joint_sequence = 0.0;  // sequences right at every step
    double first_error = 0.0;     // mean 1-based step of the first error, over sequences with one (NaN if none)
};

// Scores a two-head network on `data`. Teacher forcing reads the data's carries; the
// autoregressive rollout (spec §7.3) keeps the initial carry and feeds 1[carry logit_t ≥ 0]/(base−1)
// as the carry input of step t+1. The network is causal, so the rollout is the fixed point of
// "run, replace the carries by the predictions", reached after at most T passes (each pass fixes
// at least one more step; only sequences whose carries changed are re-run).
addition_scores score_addition(const snn_params& p, const snn_options& opt, const addition_spec& spec,
                               const objective_spec& obj, const sequence_data& data, bool autoregressive);

}  // namespace einet::train
