#include "einet/train/cdi_task.hpp"

#include <cmath>
#include <vector>

#include "einet/core/gaussian_kernel.hpp"
#include "einet/core/rng.hpp"

namespace einet::train {

cdi_batch make_cdi_batch(const cdi_options& opt, std::uint64_t batch) {
    cdi_batch b;
    Eigen::MatrixXd running = Eigen::MatrixXd::Zero(cdi_outputs, cdi_conditions);
    for (int k = 0; k < opt.steps; ++k) {
        Eigen::MatrixXd u(cdi_inputs, cdi_conditions);
        for (int cond = 0; cond < cdi_conditions; ++cond) {
            const int c = cond / 4, i1 = (cond / 2) % 2, i2 = cond % 2;
            const auto trial = static_cast<std::uint32_t>(batch * cdi_conditions + static_cast<std::uint64_t>(cond));
            const auto z0 = rng::normals4(opt.seed, rng::purpose::dataset, trial, static_cast<std::uint64_t>(k), 0);
            const auto z1 = rng::normals4(opt.seed, rng::purpose::dataset, trial, static_cast<std::uint64_t>(k), 1);
            const double z[6] = {z0[0], z0[1], z0[2], z0[3], z1[0], z1[1]};
            for (int ch = 0; ch < cdi_inputs; ++ch) u(ch, cond) = (ch < 2 ? opt.context_noise : opt.input_noise) * z[ch];
            u(c, cond) += 1.0;        // active context
            u(2 + i1, cond) += 1.0;   // signal 1 identity
            u(4 + i2, cond) += 1.0;   // signal 2 identity
            running.col(cond) += u.block(2 + 2 * c, cond, 2, 1);  // context c selects signal c + 1
        }
        b.inputs.push_back(u);
        b.targets.push_back(running);
    }
    return b;
}

engine::sequence gaussian_filter_time(const engine::sequence& x, double sigma) {
    const auto w = core::gaussian_kernel(sigma);
    const auto radius = static_cast<long>(w.size() / 2);
    const auto n = static_cast<long>(x.size());
    engine::sequence out;
    for (long t = 0; t < n; ++t) {
        Eigen::MatrixXd acc = Eigen::MatrixXd::Zero(x[0].rows(), x[0].cols());
        for (long i = -radius; i <= radius; ++i) acc += w[static_cast<std::size_t>(i + radius)] * x[core::reflect_index(t + i, n)];
        out.push_back(acc);
    }
    return out;
}

cdi_batch upsample_and_smooth(const cdi_batch& b, int upsample, double sigma) {
    cdi_batch up;
    for (std::size_t k = 0; k < b.inputs.size(); ++k) {
        for (int r = 0; r < upsample; ++r) {
            up.inputs.push_back(b.inputs[k]);
            up.targets.push_back(b.targets[k]);
        }
    }
    if (sigma > 0.0) {
        up.inputs = gaussian_filter_time(up.inputs, sigma);
        up.targets = gaussian_filter_time(up.targets, sigma);
    }
    return up;
}

}  // namespace einet::train
