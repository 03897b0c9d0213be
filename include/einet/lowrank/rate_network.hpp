#pragma once
// Paper 000's N-neuron rate networks (spec 000 §1.3) on the general rate engine:
//   (S13)  τ dV_i/dt = −V_i + F_i x + Σ_j W_ij ρ_j,   ρ_j = σ_β(V_j − T_j),   W = E·Dᵀ (diagonal kept)
//   (S15)  the rank-2 E-I version, blocks W^{XY} = E^{XY} D^Yᵀ (Eqs. 2.29–2.32, no μ, no noise),
// readouts ȳ^X = D^X·ρ^X. Forward Euler with ρ of the previous step (spec §2.7): both populations
// see ρ_{n−1} (simultaneous order), the input term uses x_{n−1}.
#include "einet/lowrank/model.hpp"
#include "einet/lowrank/simulate.hpp"
#include "einet/network/rate_network.hpp"

namespace einet::lowrank {

// The model's populations as voltage-form logistic rate populations with dense blocks E·Dᵀ (the
// caller sets the weights with rate_weights) and the input x as a sampled signal with gains F.
network::rate_network lower_rate(const model& m);
// Block post ← pre of the rate network: |W_ij| = |E_i D_j| (signs come from the pre population).
std::vector<double> rate_weights(const model& m, std::size_t post, std::size_t pre);

// Runs the rate network for n_T − 1 steps; y[p][n] = D^p·ρ^p_n (signed), no spikes.
trajectory simulate_rate(const model& m, int threads = 1);

}  // namespace einet::lowrank
