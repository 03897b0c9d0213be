#pragma once
// Data losses of paper 002 (spec §3 and §5.4) on a prediction matrix Z [rows × C] with targets
// Y [rows × C] and row weights a (Σ a = 1 for a mean). One definition serves surrogate-gradient
// training and the convex program, including the conjugates that give the convex dual.
//   hinge     (C = 1, Y = ±1):       Σ_i a_i max(0, 1 − y_i z_i)
//   hinge_ovr (Y = ±1 per class):    Σ_i a_i (1/C) Σ_c max(0, 1 − y_ic z_ic)
//   logistic  (C = 1, Y = ±1):       Σ_i a_i log(1 + exp(−y_i z_i))
//   ce        (Y one-hot):           Σ_i a_i [logsumexp(z_i) − z_i·y_i]
//   squared   (Y real):              Σ_i a_i (1/C) Σ_c (z_ic − y_ic)²
#include <string>
#include <vector>

#include "einet/train/snn_network.hpp"

namespace einet::train {

enum class loss_kind { hinge, hinge_ovr, logistic, ce, squared };

loss_kind parse_loss(const std::string& name, const std::string& key);  // config_error naming key
std::string loss_name(loss_kind k);
bool loss_is_smooth(loss_kind k);  // logistic, ce, squared

// Targets of a loss from integer labels (class index; binary losses: label 0/1 → y = −1/+1).
matrix targets_from_labels(loss_kind k, const std::vector<int>& labels, std::size_t classes);

// Value; with G non-null also ∂/∂Z, with H non-null a per-entry curvature (exact diagonal of the
// Hessian for the smooth losses, used by the proximal Newton solver).
double loss_value(loss_kind k, const matrix& Z, const matrix& Y, const vector& a, matrix* G = nullptr,
                  matrix* H = nullptr);

// Σ −ℓ*_i(−u_i): the dual objective term for a dual point U [rows × C] (spec §5.4). U outside the
// conjugate's domain (beyond a relative tolerance) gives −inf.
double loss_dual_value(loss_kind k, const matrix& U, const matrix& Y, const vector& a);

// Predicted class per row: argmax for C ≥ 2, z ≥ 0 for one binary logit.
std::vector<int> predict_labels(const matrix& Z);

}  // namespace einet::train
