#include "einet/train/snn_methods.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "einet/core/error.hpp"

namespace einet::train {

sg_fit sg_grid_search(const snn_params& init, const snn_options& opt, const objective_spec& obj,
                      const sequence_data& train, const sequence_data& val, const sg_grid& grid) {
    sg_fit best;
    best.score = std::numeric_limits<double>::infinity();
    std::string last_failure;
    const sequence_data* v = val.samples() ? &val : nullptr;
    for (double lr : grid.lrs)
        for (double pb : grid.path_betas) {
            snn_params p = init;  // every candidate starts from the same weights (spec §3)
            sg_options o = grid.base;
            o.lr = lr;
            o.path_beta = pb;
            o.keep_best = grid.select == sg_selection::best_val_plus_beta;
            sg_history h;
            try {
                h = train_sg(p, opt, obj, train, v, o);
            } catch (const numerical_error& e) {  // a diverging candidate loses the selection
                last_failure = e.what();
                continue;
            }
            const double score = grid.select == sg_selection::best_val_plus_beta ? h.best_val_objective + pb
                                                                                  : h.val_objective.back();
            if (score < best.score) best = {std::move(p), lr, pb, score, h.best_epoch};
        }
    if (!std::isfinite(best.score))
        throw numerical_error("SG grid search: every candidate diverged (last: " + last_failure + ")");
    return best;
}

namespace {

double rho_of(const convex_grid& g, double beta, double head_weight, std::size_t columns) {
    return g.rule == rho_rule::sqrt_columns ? rho_single_head(beta, columns) : rho_two_head(beta, head_weight);
}

}  // namespace

std::vector<convex_fit> convex_readout(const snn_params& witness, const snn_options& opt,
                                       const std::vector<objective_spec>& objectives, const sequence_data& train,
                                       const sequence_data& val, const convex_grid& grid) {
    if (objectives.empty() || grid.betas.empty()) throw config_error("convex readout: no objective or no β");
    const auto& first = objectives.front();
    const auto dict = build_dictionary(witness, opt, first.sup, train, grid.dedup);
    const std::size_t P = static_cast<std::size_t>(dict.D.cols());
    const auto heads = heads_of(first);
    // One convex problem per head; every ρ any objective needs is solved once along a warm path.
    std::vector<supervised_rows> rows;
    std::vector<std::map<double, convex_solution>> solved(heads.size());
    for (std::size_t h = 0; h < heads.size(); ++h) {
        const objective_spec one{heads[h].loss, first.sup, first.ramp, heads[h].classes, {}};
        rows.push_back(supervise(one, train, h == 0 ? train.labels : train.more_labels.at(h - 1)));
        std::vector<double> rhos;
        for (const auto& obj : objectives)
            for (double b : grid.betas) {
                const double rho = rho_of(grid, b, heads_of(obj).at(h).weight, P);
                if (!solved[h].count(rho)) solved[h][rho], rhos.push_back(rho);
            }
        convex_problem pr{&dict.D, rows[h].Y, rows[h].a, heads[h].loss, penalty_kind::elementwise, 0.0};
        // Warm-started from the largest ρ down; a solve that misses its certificate is retried
        // cold, and if that fails too its β is left out of the selection (and counted).
        std::sort(rhos.begin(), rhos.end(), std::greater<>());
        const matrix* warm = nullptr;
        for (double rho : rhos) {
            pr.rho = rho;
            auto& slot = solved[h][rho];
            for (const matrix* start : {warm, static_cast<const matrix*>(nullptr)}) {
                try {
                    slot = solve_convex(pr, grid.solver, start);
                    break;
                } catch (const numerical_error& e) {
                    slot.certified = false;
                    slot.method = e.what();
                    if (!start) break;
                }
            }
            if (slot.certified) warm = &slot.W;
        }
    }
    const sequence_data& select_on = val.samples() ? val : train;
    std::vector<convex_fit> out;
    for (const auto& obj : objectives) {
        const auto hs = heads_of(obj);
        convex_fit best;
        best.val_score = std::numeric_limits<double>::infinity();
        double max_gap = 0.0;
        std::size_t failed = 0;
        std::string failure;
        std::vector<uncertified_solve> uncertified;
        for (double b : grid.betas) {
            bool certified = true;
            for (std::size_t h = 0; h < hs.size(); ++h) {
                const double rho = rho_of(grid, b, hs[h].weight, P);
                const auto& s = solved[h].at(rho);
                if (!s.certified) {
                    certified = false, failure = s.method;
                    uncertified.push_back({h, b, rho, s.method});
                }
            }
            if (!certified) {
                ++failed;
                continue;
            }
            convex_fit fit;
            fit.beta = b;
            fit.net = witness;
            matrix W(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(witness.shape().outputs));
            Eigen::Index col = 0;
            for (std::size_t h = 0; h < hs.size(); ++h) {
                const auto& s = solved[h].at(rho_of(grid, b, hs[h].weight, P));
                W.middleCols(col, s.W.cols()) = s.W;
                col += s.W.cols();
                fit.primal += hs[h].weight * s.primal;  // λ_h (L_h + ρ_h‖w_h‖₁) = λ_h L_h + β‖w_h‖₁ (spec §5.7)
                fit.dual += hs[h].weight * s.dual;
                max_gap = std::max(max_gap, std::abs(s.gap) / std::max(1.0, std::abs(s.primal)));
                fit.heads.push_back(s);
            }
            if (col != W.cols()) throw internal_error("convex readout: head widths do not match the readout");
            set_readout(fit.net, dict, W);
            fit.val_score = evaluate(fit.net, opt, obj, select_on).loss;
            if (fit.val_score < best.val_score) best = std::move(fit);
        }
        if (!std::isfinite(best.val_score))
            throw numerical_error("convex readout: no β of the grid gave certified solves (last: " + failure + ")");
        best.max_rel_gap = max_gap;
        best.uncertified_betas = failed;
        best.uncertified = std::move(uncertified);
        best.columns = P;
        best.distinct_columns = dict.distinct_columns;
        out.push_back(std::move(best));
    }
    return out;
}

}  // namespace einet::train
