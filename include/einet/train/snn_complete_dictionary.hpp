#pragma once
// The complete witnessed spike dictionary of spec §4.4 (paper 002, Thms 3.4 and 3.6) for tiny
// problems: every spike column that some hidden weights of a K-parallel LIF network of the given
// widths produce on the given data, found by exact enumeration — the theory's object and the test
// oracle of the sampled dictionaries (its convex optimum is ≤ theirs).
//
// One LIF neuron (spec §2.3, pre-reset form u_t = β u_{t−1} + I_t − R s_{t−1}, s_t = H(u_t − θ))
// with incoming weights w and reset R = r·θ (r = reset_scale/θ fixed) spikes at (sample i, step t)
// iff   c_it·w − θ (1 + r k_it) ≥ 0   (> 0 for the tie rule ">"),
// c_it = Σ_{τ≤t} β^{t−τ} x_iτ,  k_it = Σ_{τ<t} β^{t−1−τ} s_iτ:  given the spikes before t, a
// homogeneous linear form in z = (w, θ) (Lemma 3.5: spikes see z only up to a positive scale).
// Splitting z-space step by step by these hyperplanes enumerates every trajectory the neuron can
// realise (the arrangement operator A of §4.4 with its LIF-structured, witnessed recursion). A cell
// {z : a_k·z > 0 ∀k} is kept iff the origin lies outside the convex hull of the a_k (Gordan's
// alternative), decided by Wolfe's minimum-norm-point algorithm, whose minimiser is itself an
// interior point — the cell's witness weights.
// Layer l+1 sees the spike trains of the m_l neurons of layer l; each of them may realise any
// trajectory of layer l given its input, so the next layer is enumerated for every set of m_l
// distinct trajectories (the union ⊔ of §4.4; a repeated trajectory or a smaller set realises
// nothing new: equal inputs merge their weights, and a zero weight is inside an open cell).
//
// What is enumerated: trajectories realised on an open set of weights, i.e. every trajectory that
// weights drawn from a positive density (Gaussian witnesses included) produce with positive
// probability. Patterns realised only at ties (a measure-zero set of weights) and cells thinner than
// a relative margin of 1e-9 are left out. Spike readout only (the theory's dictionary). The cost is
// exponential in the number of data rows (spec §4.4): meant for n·T up to a few dozen.
#include <cstddef>
#include <vector>

#include "einet/train/snn_dictionary.hpp"

namespace einet::train {

struct lif_trajectory {
    std::vector<char> spikes;  // [T·n] time-major (row t·n + i), 0/1
    vector weights;            // incoming weights of one interior witness, for the neuron's θ
};

// Every trajectory one LIF neuron with input x [T·n × d] (time-major) can realise; throws
// config_error when more than max_cells cells appear.
std::vector<lif_trajectory> enumerate_lif_neuron(const matrix& x, std::size_t steps, const lif_params& lif,
                                                 std::size_t max_cells = 100000);

struct complete_dictionary {
    dictionary D;                    // distinct columns; rows as build_dictionary (final time or trajectory)
    std::vector<snn_params> witness; // per column: a one-branch network (K = 1, p_last = 1) producing it
    std::size_t inner_states = 0;    // distinct spike rasters of the last inner layer that were expanded
};

// The complete dictionary of `shape` (its per-branch widths and depth; K and p_last only fix the
// branch width p_last/K, every final neuron of every branch has the same column set) on `data`.
// opt.readout must be spike.
complete_dictionary enumerate_complete_dictionary(const snn_shape& shape, const snn_options& opt, supervision sup,
                                                  const sequence_data& data, std::size_t max_cells = 100000);

}  // namespace einet::train
