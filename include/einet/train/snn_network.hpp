#pragma once
// K-parallel discrete-time LIF network of paper 002 (spec 002 §2.3–2.5): the one layer type
// used by surrogate-gradient training, dictionary construction and the reconstructed network.
//
// Every LIF layer, in pre-reset coordinates (spec §2.3; one recurrence for both published forms):
//   u_t = β u_{t-1} + I_t − reset_scale · s_{t-1},   I_t = S^{(l-1)}_t W^{(l)}
//   s_t = H(u_t − θ)   with H(0) = 1 (tie "≥") or 0 (tie ">")
// canonical (dictionary) form: reset_scale = β·θ, tie ≥  (= immediate soft reset v ← v − θ s);
// reference (snnTorch Leaky) form: reset_scale = θ, tie >.
// Arrays are time-major: row t·B + b of a [T·B × N] matrix is sample b at step t.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace einet::train {

template <typename Scalar>
using matrix_of = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using matrix = matrix_of<double>;
using vector = Eigen::VectorXd;

enum class tie_rule { ge, gt };
enum class surrogate_kind { atan, fast_sigmoid, superspike };
enum class readout_kind {
    spike,               // s_t of the last LIF layer
    membrane,            // its membrane (post- or pre-reset, lif_params::membrane_post_reset)
    membrane_threshold,  // 1[v_t − b ≥ 0] on the post-reset membrane (spec §4.3; no gradient)
};
enum class supervision { final_time, per_timestep };

struct lif_params {
    double beta = 0.99;          // leak β_leak
    double theta = 1.0;          // threshold θ
    double reset_scale = 0.99;   // β·θ (canonical) or θ (reference)
    tie_rule tie = tie_rule::ge;
    bool detach_reset = true;    // the reset term carries no gradient (snnTorch default)
    bool membrane_post_reset = true;  // membrane readout: u − θ s (canonical) or u (reference)

    static lif_params canonical(double beta = 0.99, double theta = 1.0);
    static lif_params reference(double beta = 0.99, double theta = 1.0);
    bool spikes(double u) const { return tie == tie_rule::ge ? u - theta >= 0.0 : u - theta > 0.0; }
};

// ∂s/∂u used in place of the Heaviside's derivative (spec §3): x = u − θ.
//   atan (snnTorch default, α = 2):  (α/2) / (1 + (π α x / 2)²)
//   fast_sigmoid (snnTorch, k = 25): 1 / (1 + k|x|)²
//   superspike (Zenke & Ganguli 2018, k = 10): the same rational form with its published slope
struct surrogate {
    surrogate_kind kind = surrogate_kind::atan;
    double slope = 2.0;  // α for atan, k otherwise
    // Gradient checks only: the forward pass emits the surrogate's primitive instead of H, so the
    // BPTT gradient is the exact gradient of a smooth network (finite differences apply).
    bool smooth_forward = false;
    static surrogate named(const std::string& name);  // default slope per kind; throws config_error
    double derivative(double x) const;
    double primitive(double x) const;  // ∫ derivative, primitive(0) = 1/2
};

// Shape of the network (spec §2.4): K branches share the input; depth L counts weight layers
// including the readout, so every branch has max(1, L−1) LIF layers, widths
// [P_rec/K] × (L−2) then [P_last/K]. All maps bias-free.
struct snn_shape {
    std::size_t inputs = 1;     // d
    std::size_t branches = 1;   // K
    std::size_t depth = 3;      // L
    std::size_t p_rec = 1;      // total inner width (over branches)
    std::size_t p_last = 1;     // total last-layer width = dictionary columns
    std::size_t outputs = 1;    // C

    std::size_t lif_layers() const { return depth >= 2 ? depth - 1 : 1; }
    std::size_t width(std::size_t layer) const;       // per branch
    std::size_t fan_in(std::size_t layer) const;      // per branch
    void validate(const std::string& where) const;    // throws config_error naming `where`
};

// All parameters in one flat vector (so Adam, checkpoints and Python see one array):
// for k, for l: W^{(l)}_k (fan_in × width, row-major); then the readout W_out (p_last × C).
class snn_params {
public:
    snn_params() = default;
    explicit snn_params(const snn_shape& shape);
    const snn_shape& shape() const { return shape_; }
    std::vector<double>& flat() { return flat_; }
    const std::vector<double>& flat() const { return flat_; }
    Eigen::Map<matrix> hidden(std::size_t k, std::size_t l);
    Eigen::Map<const matrix> hidden(std::size_t k, std::size_t l) const;
    Eigen::Map<matrix> readout();
    Eigen::Map<const matrix> readout() const;
    std::size_t readout_offset() const { return readout_offset_; }

private:
    std::size_t offset(std::size_t k, std::size_t l) const { return offsets_[k * shape_.lif_layers() + l]; }
    snn_shape shape_;
    std::vector<double> flat_;
    std::vector<std::size_t> offsets_;
    std::size_t readout_offset_ = 0;
};

// PyTorch nn.Linear default init U(−1/√fan_in, 1/√fan_in) for every map (spec §3), Philox-keyed.
void init_uniform_fan_in(snn_params& p, std::uint64_t seed);
// Gaussian witnesses N(0,1) for every hidden map (spec §4.1); the readout is left at zero.
void init_gaussian_witness(snn_params& p, std::uint64_t seed);

struct snn_options {
    lif_params lif;
    surrogate sg;
    readout_kind readout = readout_kind::spike;
    double readout_bias = 0.0;  // b of membrane_threshold
    // Per-neuron membrane scales δ_i > 0 (Lemma 3.5's Δ = diag(δ), App. D.1's structured
    // witnesses): neuron i of every LIF layer fires at θ·δ_i and resets by reset_scale·δ_i. One
    // value per LIF neuron, branch-major then layer-major then unit; empty: all 1. Forward passes
    // only (snn_backward rejects it: SG trains the uniform-threshold network of spec §3).
    std::vector<double> membrane_scale;
};

// Number of LIF neurons of a shape (the length of snn_options::membrane_scale).
std::size_t lif_neurons(const snn_shape& shape);

// Everything the backward pass needs, kept from one forward pass over a batch. The pass runs in
// Scalar arithmetic (double: the reference; float: the fast SG path, twice the SIMD lanes); the
// parameters stay double and are rounded to Scalar once per pass.
template <typename Scalar>
struct basic_snn_trace {
    std::size_t steps = 0, batch = 0;
    std::vector<matrix_of<Scalar>> u, s;   // per (k, l): pre-reset membrane and spikes, [T·B × width]
    matrix_of<Scalar> features;            // readout variable of every branch's last layer, [T·B × p_last]
    matrix_of<Scalar> logits;              // features · W_out, [T·B × C]
};
using snn_trace = basic_snn_trace<double>;

// x: [T·B × d] time-major. Runs all T steps of every layer (layer by layer: currents of all steps
// in one product, then the leak/reset scan).
template <typename Scalar>
void snn_forward(const snn_params& p, const snn_options& opt, const matrix_of<Scalar>& x, std::size_t steps,
                 basic_snn_trace<Scalar>& tr);

// Backpropagation through time of dlogits ([T·B × C], zero rows for unsupervised steps) into
// grad (same layout as snn_params::flat(), always double).
template <typename Scalar>
void snn_backward(const snn_params& p, const snn_options& opt, const matrix_of<Scalar>& x,
                  const basic_snn_trace<Scalar>& tr, const matrix_of<Scalar>& dlogits, std::vector<double>& grad);

extern template void snn_forward<double>(const snn_params&, const snn_options&, const matrix&, std::size_t, snn_trace&);
extern template void snn_forward<float>(const snn_params&, const snn_options&, const matrix_of<float>&, std::size_t,
                                        basic_snn_trace<float>&);
extern template void snn_backward<double>(const snn_params&, const snn_options&, const matrix&, const snn_trace&,
                                          const matrix&, std::vector<double>&);
extern template void snn_backward<float>(const snn_params&, const snn_options&, const matrix_of<float>&,
                                         const basic_snn_trace<float>&, const matrix_of<float>&, std::vector<double>&);

// ℓ2 path norm R = sqrt(Σ_c Σ_j W_out[j,c]² v_j + 1e-12), v = (W^{(L−1)}∘²)ᵀ…(W^{(1)}∘²)ᵀ 1_d per
// branch (spec §3). Adds scale·∂R/∂θ to grad when grad is non-null.
double path_norm(const snn_params& p, double scale, std::vector<double>* grad);

}  // namespace einet::train
