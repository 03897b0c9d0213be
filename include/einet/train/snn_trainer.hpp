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
    std::size_t samples() const { return steps ? static_cast<std::size_t>(x.rows()) / steps : 0; }
    void validate(const std::string& what) const;  // empty, NaN/inf, sizes: config_error naming `what`
    sequence_data subset(const std::vector<std::size_t>& samples) const;
};

struct objective_spec {
    loss_kind loss = loss_kind::hinge;
    supervision sup = supervision::final_time;
    bool ramp = false;        // per-timestep weights α_t = 2t/(T+1) (spec §5.6)
    std::size_t classes = 2;  // C of the labels
};

// Rows of the logits that are supervised, their targets and weights (Σ a = 1).
struct supervised_rows {
    std::vector<Eigen::Index> rows;
    matrix Y;
    vector a;
};
supervised_rows supervise(const objective_spec& obj, const sequence_data& data);

struct evaluation {
    double loss = 0.0, accuracy = 0.0;
};
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
