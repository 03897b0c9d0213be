#include "einet/train/snn_optim.hpp"

#include <cmath>

namespace einet::train {

void adam::step(std::vector<double>& params, const std::vector<double>& grad) {
    if (m.size() != params.size()) {
        m.assign(params.size(), 0.0);
        v.assign(params.size(), 0.0);
    }
    ++step_count;
    // torch.optim.Adam (1.13, single-tensor path): denom = sqrt(v)/sqrt(bc2) + eps, step = lr/bc1
    const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step_count));
    const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(step_count));
    const double step_size = lr / bc1, bc2_sqrt = std::sqrt(bc2);
    for (std::size_t i = 0; i < params.size(); ++i) {
        m[i] = beta1 * m[i] + (1.0 - beta1) * grad[i];
        v[i] = beta2 * v[i] + (1.0 - beta2) * grad[i] * grad[i];
        params[i] -= step_size * m[i] / (std::sqrt(v[i]) / bc2_sqrt + eps);
    }
}

void plateau_scheduler::step(double metric, adam& opt) {
    if (metric < best * (1.0 - threshold)) {
        best = metric;
        bad_epochs = 0;
    } else {
        ++bad_epochs;
    }
    if (bad_epochs > patience) {
        const double next = std::max(opt.lr * factor, min_lr);
        if (opt.lr - next > eps) opt.lr = next;
        bad_epochs = 0;
    }
}

}  // namespace einet::train
