#pragma once
// Adam and ReduceLROnPlateau with PyTorch 1.13's arithmetic (spec §3: β1 0.9, β2 0.999, ε 1e-8;
// plateau: mode min, relative threshold 1e-4, cooldown 0), so loss trajectories match torch.
#include <cstddef>
#include <limits>
#include <vector>

namespace einet::train {

struct adam {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    std::size_t step_count = 0;
    std::vector<double> m, v;

    void step(std::vector<double>& params, const std::vector<double>& grad);
};

struct plateau_scheduler {
    double factor = 0.5, threshold = 1e-4, min_lr = 0.0, eps = 1e-8;
    std::size_t patience = 10;
    double best = std::numeric_limits<double>::infinity();
    std::size_t bad_epochs = 0;

    // Feeds one epoch's metric; lowers opt.lr after more than `patience` epochs without improvement.
    void step(double metric, adam& opt);
};

}  // namespace einet::train
