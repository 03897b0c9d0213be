#include "einet/train/snn_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <type_traits>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/io/checkpoint.hpp"
#include "einet/train/snn_optim.hpp"

namespace einet::train {

void sequence_data::validate(const std::string& what) const {
    if (steps == 0 || x.rows() == 0) throw config_error(what + ": the dataset is empty");
    if (x.rows() % static_cast<Eigen::Index>(steps) != 0)
        throw config_error(what + ": " + std::to_string(x.rows()) + " input rows are not T = " + std::to_string(steps) +
                           " steps of equal batches");
    if (!x.allFinite()) {
        for (Eigen::Index r = 0; r < x.rows(); ++r)
            if (!x.row(r).allFinite())
                throw config_error(what + ": input of sample " + std::to_string(r % static_cast<Eigen::Index>(samples())) +
                                   " at step " + std::to_string(r / static_cast<Eigen::Index>(samples())) +
                                   " is NaN or infinite");
    }
    const std::size_t n = samples();
    if (labels.size() != n && labels.size() != n * steps)
        throw config_error(what + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(n) +
                           " sequences of " + std::to_string(steps) + " steps");
}

sequence_data sequence_data::subset(const std::vector<std::size_t>& idx) const {
    const std::size_t n = samples(), m = idx.size();
    const bool per_step = labels.size() == n * steps && steps > 1;
    sequence_data out;
    out.steps = steps;
    out.x.resize(static_cast<Eigen::Index>(m * steps), x.cols());
    for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t j = 0; j < m; ++j)
            out.x.row(static_cast<Eigen::Index>(t * m + j)) = x.row(static_cast<Eigen::Index>(t * n + idx[j]));
    // labels of every head: per sample, or per (t, sample) row time-major
    const auto pick = [&](const std::vector<int>& from) {
        std::vector<int> to(per_step ? m * steps : m);
        for (std::size_t t = 0; t < (per_step ? steps : 1); ++t)
            for (std::size_t j = 0; j < m; ++j) to[t * m + j] = from[t * n + idx[j]];
        return to;
    };
    out.labels = pick(labels);
    for (const auto& more : more_labels) out.more_labels.push_back(pick(more));
    return out;
}

std::vector<head_spec> heads_of(const objective_spec& obj) {
    return obj.heads.empty() ? std::vector<head_spec>{{obj.loss, obj.classes, 1.0}} : obj.heads;
}

std::size_t head_outputs(const head_spec& h) {
    return h.loss == loss_kind::hinge || h.loss == loss_kind::logistic ? 1 : h.classes;
}

supervised_rows supervise(const objective_spec& obj, const sequence_data& data) {
    return supervise(obj, data, data.labels);
}

supervised_rows supervise(const objective_spec& obj, const sequence_data& data, const std::vector<int>& all_labels) {
    const std::size_t n = data.samples(), T = data.steps;
    supervised_rows r;
    std::vector<int> labels;
    if (obj.sup == supervision::final_time) {
        for (std::size_t i = 0; i < n; ++i) r.rows.push_back(static_cast<Eigen::Index>((T - 1) * n + i));
        labels.assign(all_labels.end() - static_cast<std::ptrdiff_t>(n), all_labels.end());
        r.a = vector::Constant(static_cast<Eigen::Index>(n), 1.0 / static_cast<double>(n));
    } else {
        if (all_labels.size() != n * T) throw config_error("per-timestep supervision needs a label at every step");
        r.rows.resize(n * T);
        std::iota(r.rows.begin(), r.rows.end(), Eigen::Index{0});
        labels = all_labels;
        r.a.resize(static_cast<Eigen::Index>(n * T));
        for (std::size_t t = 0; t < T; ++t) {
            // ramp α_t = 2t/(T+1), t = 1..T (Σ α_t = T); row weight α_t/(n T)  (spec §5.6)
            const double alpha = obj.ramp ? 2.0 * static_cast<double>(t + 1) / static_cast<double>(T + 1) : 1.0;
            r.a.segment(static_cast<Eigen::Index>(t * n), static_cast<Eigen::Index>(n))
                .setConstant(alpha / static_cast<double>(n * T));
        }
    }
    r.Y = targets_from_labels(obj.loss, labels, obj.classes);
    return r;
}

namespace {

template <typename Scalar>
matrix gather(const matrix_of<Scalar>& m, const std::vector<Eigen::Index>& rows) {
    matrix out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i)
        out.row(static_cast<Eigen::Index>(i)) = m.row(rows[i]).template cast<double>();
    return out;
}

// Per supervised row: 1 when the predicted class is the target's.
std::vector<int> correct_rows(const matrix& Z, const supervised_rows& s) {
    const auto pred = predict_labels(Z);
    std::vector<int> hit(pred.size());
    for (std::size_t i = 0; i < pred.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        Eigen::Index c = 0;
        if (s.Y.cols() == 1) c = s.Y(r, 0) > 0 ? 1 : 0;
        else s.Y.row(r).maxCoeff(&c);
        hit[i] = pred[i] == static_cast<int>(c);
    }
    return hit;
}

}  // namespace

double data_term(const objective_spec& obj, const matrix& logits, const sequence_data& d, matrix* dlogits,
                 double* accuracy) {
    const auto heads = heads_of(obj);
    if (dlogits) dlogits->setZero(logits.rows(), logits.cols());
    double total = 0.0;
    std::vector<int> all_right;
    vector a;
    Eigen::Index col = 0;
    for (std::size_t h = 0; h < heads.size(); ++h) {
        const objective_spec one{heads[h].loss, obj.sup, obj.ramp, heads[h].classes, {}};
        const auto s = supervise(one, d, h == 0 ? d.labels : d.more_labels.at(h - 1));
        const Eigen::Index width = obj.heads.empty() ? logits.cols() : static_cast<Eigen::Index>(head_outputs(heads[h]));
        const matrix Z = gather(logits, s.rows).middleCols(col, width);
        matrix G;
        total += heads[h].weight * loss_value(heads[h].loss, Z, s.Y, s.a, dlogits ? &G : nullptr);
        if (dlogits)
            for (std::size_t i = 0; i < s.rows.size(); ++i)
                dlogits->row(s.rows[i]).segment(col, width) = heads[h].weight * G.row(static_cast<Eigen::Index>(i));
        if (accuracy) {
            const auto hit = correct_rows(Z, s);
            if (h == 0) all_right = hit, a = s.a;
            else
                for (std::size_t i = 0; i < hit.size(); ++i) all_right[i] &= hit[i];
        }
        col += width;
    }
    if (col != logits.cols()) throw internal_error("objective heads do not cover the readout's outputs");
    if (accuracy) {
        double hit = 0.0;
        for (std::size_t i = 0; i < all_right.size(); ++i) hit += a[static_cast<Eigen::Index>(i)] * all_right[i];
        *accuracy = hit / a.sum();
    }
    return total;
}

namespace {

// The batch input in the arithmetic of the pass (the double input itself for the reference path).
template <typename Scalar>
const matrix_of<Scalar>& input_as(const matrix& x, matrix_of<Scalar>& buffer) {
    if constexpr (std::is_same_v<Scalar, double>) {
        return x;
    } else {
        buffer = x.cast<Scalar>();
        return buffer;
    }
}

// Loss + gradient of the data term on one batch (grad = ∂loss/∂θ). The network pass runs in Scalar;
// the loss on the supervised logits (data_term, every head) and the gradient stay double.
template <typename Scalar>
double loss_and_grad(const snn_params& p, const snn_options& opt, const objective_spec& obj, const sequence_data& d,
                     basic_snn_trace<Scalar>& tr, matrix_of<Scalar>& xbuf, std::vector<double>& grad) {
    const auto& x = input_as(d.x, xbuf);
    snn_forward(p, opt, x, d.steps, tr);
    matrix G;
    double loss = 0.0;
    if constexpr (std::is_same_v<Scalar, double>) {
        loss = data_term(obj, tr.logits, d, &G, nullptr);
        snn_backward(p, opt, x, tr, G, grad);
    } else {
        loss = data_term(obj, tr.logits.template cast<double>(), d, &G, nullptr);
        const matrix_of<Scalar> dlogits = G.template cast<Scalar>();
        snn_backward(p, opt, x, tr, dlogits, grad);
    }
    return loss;
}

// The per-batch workspaces of both arithmetics; sg_options::precision picks which one is used.
struct batch_workspace {
    snn_trace tr64;
    basic_snn_trace<float> tr32;
    matrix x64;
    matrix_of<float> x32;
    double run(sg_precision prec, const snn_params& p, const snn_options& opt, const objective_spec& obj,
               const sequence_data& d, std::vector<double>& grad) {
        return prec == sg_precision::f32 ? loss_and_grad(p, opt, obj, d, tr32, x32, grad)
                                         : loss_and_grad(p, opt, obj, d, tr64, x64, grad);
    }
};

std::string hex(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", v);
    return buf;
}
double unhex(const io::checkpoint_data& c, const std::string& key) {
    const auto* f = c.field(key);
    if (!f) throw io_error("SG checkpoint: field \"" + key + "\" missing");
    return std::strtod(f->c_str(), nullptr);
}
const std::vector<double>& array_of(const io::checkpoint_data& c, const std::string& name) {
    for (const auto& a : c.arrays)
        if (a.name == name) return a.values;
    throw io_error("SG checkpoint: array \"" + name + "\" missing");
}

struct train_state {
    adam opt;
    plateau_scheduler sched;
    std::size_t epoch = 0;
    std::vector<double> best;
    sg_history hist;
};

void save(const std::filesystem::path& dir, const snn_params& p, const train_state& s) {
    io::checkpoint_data c;
    c.fields = {{"kind", "einet-sg-training"}, {"epoch", std::to_string(s.epoch)},
                {"adam_steps", std::to_string(s.opt.step_count)}, {"lr", hex(s.opt.lr)},
                {"plateau_best", hex(s.sched.best)}, {"plateau_bad", std::to_string(s.sched.bad_epochs)},
                {"best_epoch", std::to_string(s.hist.best_epoch)}, {"best_val", hex(s.hist.best_val_objective)}};
    c.arrays = {{"params", p.flat()},           {"adam_m", s.opt.m},          {"adam_v", s.opt.v},
                {"best", s.best},               {"h_objective", s.hist.objective}, {"h_loss", s.hist.loss},
                {"h_val", s.hist.val_objective}, {"h_lr", s.hist.lr}};
    io::write_checkpoint(dir, c);
}

void load(const std::filesystem::path& dir, snn_params& p, train_state& s) {
    const auto c = io::read_checkpoint(dir);
    const auto& params = array_of(c, "params");
    if (params.size() != p.flat().size())
        throw config_error("SG checkpoint " + dir.string() + " holds " + std::to_string(params.size()) +
                           " parameters, the configured network has " + std::to_string(p.flat().size()));
    p.flat() = params;
    s.opt.m = array_of(c, "adam_m");
    s.opt.v = array_of(c, "adam_v");
    s.best = array_of(c, "best");
    s.hist.objective = array_of(c, "h_objective");
    s.hist.loss = array_of(c, "h_loss");
    s.hist.val_objective = array_of(c, "h_val");
    s.hist.lr = array_of(c, "h_lr");
    s.epoch = static_cast<std::size_t>(unhex(c, "epoch"));
    s.opt.step_count = static_cast<std::size_t>(unhex(c, "adam_steps"));
    s.opt.lr = unhex(c, "lr");
    s.sched.best = unhex(c, "plateau_best");
    s.sched.bad_epochs = static_cast<std::size_t>(unhex(c, "plateau_bad"));
    s.hist.best_epoch = static_cast<std::size_t>(unhex(c, "best_epoch"));
    s.hist.best_val_objective = unhex(c, "best_val");
}

// Sample order of one epoch: a Philox-keyed permutation (Fisher–Yates), identical on resume.
std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t seed, std::size_t epoch) {
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    for (std::size_t i = n; i > 1; --i) {
        const auto r = rng::philox(seed, rng::purpose::dataset, static_cast<std::uint32_t>(i), epoch);
        std::swap(idx[i - 1], idx[static_cast<std::size_t>(rng::uniform53(r[0], r[1]) * static_cast<double>(i))]);
    }
    return idx;
}

}  // namespace

namespace {
// Samples per forward pass of an evaluation: its trace (membranes and spikes of every LIF layer,
// features, logits at every step) stays within 64 MiB. A whole test set at once took gigabytes
// (4000 first-last-XOR sequences of T = 14: ~4 GB), mapped and zeroed afresh on every call.
std::size_t evaluation_chunk(const snn_shape& shape, std::size_t steps) {
    const std::size_t per_sample = std::max<std::size_t>(1, steps) * sizeof(double) *
                                   (2 * lif_neurons(shape) + shape.p_last + shape.outputs + shape.inputs);
    return std::max<std::size_t>(16, (std::size_t{64} << 20) / per_sample);
}

}  // namespace

matrix forward_logits(const snn_params& p, const snn_options& opt, const sequence_data& data, std::size_t chunk) {
    snn_trace tr;
    const std::size_t n = data.samples(), T = data.steps;
    if (chunk == 0) chunk = evaluation_chunk(p.shape(), T);
    if (n <= chunk) {
        snn_forward(p, opt, data.x, T, tr);
        return std::move(tr.logits);
    }
    matrix logits(data.x.rows(), static_cast<Eigen::Index>(p.shape().outputs));
    std::vector<std::size_t> idx;
    for (std::size_t b0 = 0; b0 < n; b0 += chunk) {
        const std::size_t m = std::min(chunk, n - b0);
        idx.resize(m);
        std::iota(idx.begin(), idx.end(), b0);
        const sequence_data part = data.subset(idx);
        snn_forward(p, opt, part.x, T, tr);
        for (std::size_t t = 0; t < T; ++t)
            logits.middleRows(static_cast<Eigen::Index>(t * n + b0), static_cast<Eigen::Index>(m)) =
                tr.logits.middleRows(static_cast<Eigen::Index>(t * m), static_cast<Eigen::Index>(m));
    }
    return logits;
}

evaluation evaluate(const snn_params& p, const snn_options& opt, const objective_spec& obj, const sequence_data& data) {
    const matrix logits = forward_logits(p, opt, data);
    evaluation e;
    e.loss = data_term(obj, logits, data, nullptr, &e.accuracy);
    return e;
}

sg_history train_sg(snn_params& p, const snn_options& opt, const objective_spec& obj, const sequence_data& train,
                    const sequence_data* val, const sg_options& sg) {
    train_state st;
    st.opt.lr = sg.lr;
    st.sched.patience = sg.patience;
    st.sched.factor = sg.factor;
    st.best = p.flat();
    st.hist.best_val_objective = std::numeric_limits<double>::infinity();
    if (sg.resume && !sg.checkpoint.empty() && std::filesystem::exists(sg.checkpoint / "header.json"))
        load(sg.checkpoint, p, st);
    const std::size_t n = train.samples();
    const std::size_t bs = sg.batch == 0 || sg.batch >= n ? n : sg.batch;
    batch_workspace work;
    std::vector<double> grad;
    for (; st.epoch < sg.epochs; ++st.epoch) {
        double epoch_obj = 0.0, epoch_loss = 0.0;
        const auto order = bs == n ? std::vector<std::size_t>() : epoch_order(n, sg.seed, st.epoch);
        for (std::size_t b0 = 0; b0 < n; b0 += bs) {
            double loss;
            if (bs == n) {
                loss = work.run(sg.precision, p, opt, obj, train, grad);
            } else {
                const std::vector<std::size_t> idx(order.begin() + static_cast<std::ptrdiff_t>(b0),
                                                   order.begin() + static_cast<std::ptrdiff_t>(std::min(n, b0 + bs)));
                loss = work.run(sg.precision, p, opt, obj, train.subset(idx), grad);
            }
            const double reg = sg.path_beta > 0.0 ? sg.path_beta * path_norm(p, sg.path_beta, &grad) : 0.0;
            const double total = loss + reg;
            if (!std::isfinite(total))
                throw numerical_error("SG training diverged at epoch " + std::to_string(st.epoch) + ": objective " +
                                      std::to_string(total) + " (lower the learning rate)");
            const double w = static_cast<double>(std::min(n, b0 + bs) - b0) / static_cast<double>(n);
            epoch_obj += w * total;
            epoch_loss += w * loss;
            st.opt.step(p.flat(), grad);
        }
        double val_obj = epoch_obj;
        if (val) {
            val_obj = evaluate(p, opt, obj, *val).loss + (sg.path_beta > 0.0 ? sg.path_beta * path_norm(p, 0.0, nullptr) : 0.0);
        }
        st.hist.objective.push_back(epoch_obj);
        st.hist.loss.push_back(epoch_loss);
        st.hist.val_objective.push_back(val_obj);
        st.hist.lr.push_back(st.opt.lr);
        if (val_obj < st.hist.best_val_objective) {
            st.hist.best_val_objective = val_obj;
            st.hist.best_epoch = st.epoch;
            st.best = p.flat();
        }
        st.sched.step(val_obj, st.opt);
        if (!sg.checkpoint.empty() && sg.checkpoint_every > 0 && (st.epoch + 1) % sg.checkpoint_every == 0 &&
            st.epoch + 1 < sg.epochs) {
            ++st.epoch;
            save(sg.checkpoint, p, st);
            --st.epoch;
        }
    }
    if (sg.keep_best && val) p.flat() = st.best;
    return st.hist;
}

}  // namespace einet::train
