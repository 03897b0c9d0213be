#include "einet/train/snn_addition.hpp"

#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::train {

void addition_spec::validate(const std::string& where) const {
    if (base < 2 || base > 36) throw config_error(where + ": base must be in 2..36, got " + std::to_string(base));
    if (digits < 1) throw config_error(where + ": digits must be >= 1");
}

sequence_data addition_data(const addition_spec& spec, std::size_t n, std::uint64_t seed) {
    spec.validate("task");
    if (n == 0) throw config_error("task: an addition split needs at least one sequence");
    const std::size_t N = spec.digits, T = N + 1, b = spec.base, d = spec.carry_input ? 3 : 2;
    const double scale = 1.0 / static_cast<double>(b - 1);
    sequence_data s;
    s.steps = T;
    s.x.setZero(static_cast<Eigen::Index>(T * n), static_cast<Eigen::Index>(d));
    s.labels.assign(T * n, 0);
    s.more_labels.assign(1, std::vector<int>(T * n, 0));
    auto draw = [&](std::size_t i, std::size_t k, std::size_t m) {  // uniform in [0, m): draw k of sequence i
        const auto r = rng::philox(seed, rng::purpose::dataset, 3, i * (N + 1) + k);
        return static_cast<std::size_t>(rng::uniform53(r[0], r[1]) * static_cast<double>(m));
    };
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t carry = spec.random_initial_carry ? draw(i, N, 2) : 0;
        for (std::size_t t = 0; t < T; ++t) {
            const auto row = static_cast<Eigen::Index>(t * n + i);
            // operand digits a_t, b_t, least-significant first; step T carries (0, 0, c_{n+1})
            const std::size_t ab = t < N ? draw(i, t, b * b) : 0, a = ab / b, bb = ab % b;
            const std::size_t total = a + bb + carry;
            s.x(row, 0) = static_cast<double>(a) * scale;
            s.x(row, 1) = static_cast<double>(bb) * scale;
            if (spec.carry_input) s.x(row, 2) = static_cast<double>(carry) * scale;
            s.labels[t * n + i] = static_cast<int>(total % b);
            const std::size_t out = t < N ? total / b : 0;
            s.more_labels[0][t * n + i] = static_cast<int>(out);
            carry = out;
        }
    }
    return s;
}

objective_spec addition_objective(const addition_spec& spec, double lambda_sum, double lambda_carry) {
    objective_spec obj;
    obj.sup = supervision::per_timestep;
    obj.ramp = true;  // α_t = 2t/(T+1) (spec §7.3)
    const std::size_t b = spec.base;
    obj.loss = !spec.carry_input ? loss_kind::hinge_ovr : b == 2 ? loss_kind::hinge : loss_kind::ce;
    obj.classes = b;
    const loss_kind carry = spec.carry_input ? loss_kind::hinge : loss_kind::hinge_ovr;
    obj.heads = {{obj.loss, b, lambda_sum}, {carry, 2, lambda_carry}};
    return obj;
}

namespace {

// Predicted sum digit and carry of every row from the two heads' logit blocks.
void predict(const matrix& logits, Eigen::Index sum_cols, std::vector<int>& sum, std::vector<int>& carry) {
    sum = predict_labels(logits.leftCols(sum_cols));
    carry = predict_labels(logits.rightCols(logits.cols() - sum_cols));
}

}  // namespace

addition_scores score_addition(const snn_params& p, const snn_options& opt, const addition_spec& spec,
                               const objective_spec& obj, const sequence_data& data, bool autoregressive) {
    const std::size_t n = data.samples(), T = data.steps;
    if (data.more_labels.size() != 1 || obj.heads.size() != 2 ||
        p.shape().outputs != head_outputs(obj.heads[0]) + head_outputs(obj.heads[1]))
        throw internal_error("score_addition: needs a two-head network and carry labels");
    const auto sum_cols = static_cast<Eigen::Index>(head_outputs(obj.heads[0]));
    const double scale = 1.0 / static_cast<double>(spec.base - 1);
    sequence_data run = data;
    snn_trace tr;
    std::vector<int> sum, carry;
    if (autoregressive && spec.carry_input) {
        std::vector<std::size_t> active(n);
        for (std::size_t i = 0; i < n; ++i) active[i] = i;
        for (std::size_t pass = 0; pass <= T && !active.empty(); ++pass) {
            const sequence_data part = run.subset(active);
            snn_forward(p, opt, part.x, T, tr);
            predict(tr.logits, sum_cols, sum, carry);
            std::vector<std::size_t> changed;
            const std::size_t m = active.size();
            for (std::size_t j = 0; j < m; ++j) {
                bool moved = false;
                for (std::size_t t = 0; t + 1 < T; ++t) {  // carry input of step t+1 = prediction at t
                    const double c = static_cast<double>(carry[t * m + j]) * scale;
                    double& slot = run.x(static_cast<Eigen::Index>((t + 1) * n + active[j]), 2);
                    if (slot != c) slot = c, moved = true;
                }
                if (moved) changed.push_back(active[j]);
            }
            active = std::move(changed);
        }
        if (!active.empty()) throw internal_error("score_addition: the rollout did not settle in T passes");
    }
    snn_forward(p, opt, run.x, T, tr);
    predict(tr.logits, sum_cols, sum, carry);
    addition_scores sc;
    double first_sum = 0.0, with_error = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t first = 0;
        for (std::size_t t = 0; t < T; ++t) {
            const std::size_t r = t * n + i;
            const bool s_ok = sum[r] == data.labels[r], c_ok = carry[r] == data.more_labels[0][r];
            sc.sum_token += s_ok;
            sc.carry_token += c_ok;
            sc.joint_token += s_ok && c_ok;
            if (!(s_ok && c_ok) && first == 0) first = t + 1;
        }
        if (first == 0) sc.joint_sequence += 1.0;
        else first_sum += static_cast<double>(first), with_error += 1.0;
    }
    const double rows = static_cast<double>(n * T);
    sc.joint_token /= rows;
    sc.sum_token /= rows;
    sc.carry_token /= rows;
    sc.joint_sequence /= static_cast<double>(n);
    sc.first_error = with_error > 0.0 ? first_sum / with_error : std::nan("");
    return sc;
}

}  // namespace einet::train
