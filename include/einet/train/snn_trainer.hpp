#pragma once
// Surrogate-gradient BPTT training of the K-parallel LIF network (spec §3): one loop for every
// task — data loss on the supervised steps + β_SG · path norm, Adam, ReduceLROnPlateau on the
// validation objective, full or mini batch, keep-best-validation, checkpoint/resume.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "einet/train/snn_loss.hpp"
#include "einet/train/snn_network.hpp"

namespace einet::train {

// A sequence dataset, time-major: x row t·n + i is sample i at step t. Targets are per sample
// (final-time supervision) or per (t, i) row, time-major (per-timestep supervision).
struct sequence_data {
    matrix x;                 // [T·n × d]
    std::size_t steps = 0;    // T
    std::vector<int> labels;  // n (final time) or T·n (per timestep)
    std::vector<std::vector<int>> more_labels;  // labels of heads 2, 3, … (multi-head tasks), same layout
    std::size_t samples() const { return steps ? static_cast<std::size_t>(x.rows()) / steps : 0; }
    void validate(const std::string& what) const;  // empty, NaN/inf, sizes: config_error naming `what`
    sequence_data subset(const std::vector<std::size_t>& samples) const;
};

// One output head of a multi-head readout (the addition task's sum and carry heads, spec §2.4):
// a contiguous block of logit columns with its own loss, classes and weight λ in the objective.
struct head_spec {
    loss_kind loss = loss_kind::hinge;
    std::size_t classes = 2;
    double weight = 1.0;  // λ_head
};

struct objective_spec {
    loss_kind loss = loss_kind::hinge;
    supervision sup = supervision::final_time;
    bool ramp = false;        // per-timestep weights α_t = 2t/(T+1) (spec §5.6)
    std::size_t classes = 2;  // C of the labels
    // Empty: one head (loss, classes) over every logit. Otherwise Σ_h λ_h L_h on consecutive column
    // blocks; head h reads data.labels (h = 0) or data.more_labels[h − 1] (snn_heads.hpp).
    std::vector<head_spec> heads;
};

// The heads of an objective (one for an objective without heads) and each head's logit count:
// one for the binary losses (hinge, logistic), C otherwise.
std::vector<head_spec> heads_of(const objective_spec& obj);
std::size_t head_outputs(const head_spec& h);

// Rows of the logits that are supervised, their targets and weights (Σ a = 1).
struct supervised_rows {
    std::vector<Eigen::Index> rows;
    matrix Y;
    vector a;
};
supervised_rows supervise(const objective_spec& obj, const sequence_data& data);
// The same for an explicit label vector (n or T·n entries) of `data`'s shape.
supervised_rows supervise(const objective_spec& obj, const sequence_data& data, const std::vector<int>& labels);

// Data term Σ_h λ_h L_h over the supervised rows of `logits` [T·n × outputs] (one head: its loss
// over every column). Fills ∂/∂logits when asked, and the accuracy (rows where every head is
// right, weighted like the first head's rows).
double data_term(const objective_spec& obj, const matrix& logits, const sequence_data& data, matrix* dlogits,
                 double* accuracy);

struct evaluation {
    double loss = 0.0, accuracy = 0.0;
};
// Logits [T·n × C] of every (step, sample) row, from forward passes over `chunk` samples at a time
// (0: as many as fit a 64 MiB trace). Samples are independent, so chunking only bounds memory.
matrix forward_logits(const snn_params& p, const snn_options& opt, const sequence_data& data, std::size_t chunk = 0);
evaluation evaluate(const snn_params& p, const snn_options& opt, const objective_spec& obj, const sequence_data& data);

// Arithmetic of the network passes: f64 is the reference; f32 (parameters, Adam and the loss stay
// double) doubles the SIMD width of the scans and products, like PyTorch's float32 default.
enum class sg_precision { f64, f32 };

struct sg_options {
    double lr = 1e-3;
    double path_beta = 0.0;   // β_SG
    std::size_t epochs = 200;
    std::size_t batch = 0;    // 0: full batch
    std::size_t patience = 10;
    double factor = 0.5;
    bool keep_best = true;    // restore the epoch with the lowest validation objective
    std::uint64_t seed = 1;   // mini-batch order (Philox, keyed by epoch)
    std::filesystem::path checkpoint;  // empty: none
    std::size_t checkpoint_every = 0;  // epochs
    bool resume = false;
    sg_precision precision = sg_precision::f64;
};

struct sg_history {
    std::vector<double> objective, loss, val_objective, lr;  // per epoch (objective before its update)
    std::size_t best_epoch = 0;
    double best_val_objective = 0.0;
};

// Trains p in place. Throws numerical_error when the objective becomes non-finite.
sg_history train_sg(snn_params& p, const snn_options& opt, const objective_spec& obj, const sequence_data& train,
                    const sequence_data* val, const sg_options& sg);

}  // namespace einet::train
