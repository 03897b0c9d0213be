#pragma once
// The training methods of paper 002 (spec §6, Table 7) as compositions of one trainer (train_sg)
// and one convex solver over one dictionary builder:
//   SG      sg_grid_search from the nn.Linear initialisation;
//   CVX     convex_readout over a Gaussian witness;
//   SG-CVX  convex_readout over the hidden weights of the selected SG model;
//   SG-SG   sg_grid_search starting from the selected SG model (all weights);
//   CVX-SG  sg_grid_search starting from the CVX network (Gaussian hidden + convex readout).
// Grids and selection rules are those of spec §3 (lr × β_SG) and §5.5 (β → ρ).
#include <string>
#include <vector>

#include "einet/train/snn_dictionary.hpp"
#include "einet/train/snn_trainer.hpp"

namespace einet::train {

// Model selection across the SG grid (spec §3): XOR/MNIST keep each run's best-validation epoch
// and pick the minimum of (best validation objective + β_SG) — the extra β_SG is the reference
// code's; addition keeps the final epoch and picks the minimum final validation objective.
enum class sg_selection { best_val_plus_beta, final_val };

struct sg_grid {
    std::vector<double> lrs{1e-2}, path_betas{0.01};
    sg_options base;  // epochs, patience, batch, seed (lr, path_beta and keep_best are set per candidate)
    sg_selection select = sg_selection::best_val_plus_beta;
};

struct sg_fit {
    snn_params params;
    double lr = 0.0, path_beta = 0.0, score = 0.0;
    std::size_t best_epoch = 0;
};

// Trains one candidate per (lr, β_SG) from the same starting weights and returns the selected one.
// `val` may be empty (then the training objective selects).
sg_fit sg_grid_search(const snn_params& init, const snn_options& opt, const objective_spec& obj,
                      const sequence_data& train, const sequence_data& val, const sg_grid& grid);

// β → ρ of every head (spec §5.5): β/√P for single-head solves, β/λ_head for the two-head solve.
enum class rho_rule { sqrt_columns, head_weight };

struct convex_grid {
    std::vector<double> betas{0.01, 0.1, 0.5, 1.0, 5.0, 10.0};
    rho_rule rule = rho_rule::sqrt_columns;
    convex_options solver;
    bool dedup = false;
};

// A (head, β) whose solve missed its certificate warm and cold, and what the solver said.
struct uncertified_solve {
    std::size_t head = 0;
    double beta = 0.0, rho = 0.0;
    std::string reason;
};

struct convex_fit {
    snn_params net;                       // witness hidden weights + convex readout (spec §5.9)
    double beta = 0.0, val_score = 0.0;   // selected β and its validation data term
    double primal = 0.0, dual = 0.0;      // Σ_h λ_h p_h and Σ_h λ_h d_h at the selected β (spec §5.7)
    double max_rel_gap = 0.0;             // over every solve of the grid
    std::vector<convex_solution> heads;   // the selected β's solve of each head
    std::size_t columns = 0, distinct_columns = 0;
    std::size_t uncertified_betas = 0;    // β values left out: a head's solve missed its certificate
    std::vector<uncertified_solve> uncertified;  // each such solve (a β may have several heads)
};

// For every objective (they share the supervision and differ in head weights, e.g. the λ_carry
// grid): solves each head's convex program at every β of the grid on the dictionary of `train`
// under the frozen witness (one dictionary, each distinct (head, ρ) solved once, warm-started
// along ρ), and keeps the β with the lowest validation data term (spec §5.5, A6). A β whose solve
// misses the certificate (warm and cold) is skipped and counted; none certified → numerical_error.
std::vector<convex_fit> convex_readout(const snn_params& witness, const snn_options& opt,
                                       const std::vector<objective_spec>& objectives, const sequence_data& train,
                                       const sequence_data& val, const convex_grid& grid);

}  // namespace einet::train
