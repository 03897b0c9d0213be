#include "einet/analysis/perturbation.hpp"

#include <cmath>
#include <limits>

namespace einet::analysis {
namespace {

// Window means and a decimated trace of network 0.
class recorder final : public engine::rate_step_hook {
public:
    recorder(std::size_t pops, std::size_t every, perturbation_result& res) : sums(pops, 0.0), every_(every), res_(res) {}
    std::vector<double> sums;
    std::size_t from = 0, to = 0;
    void on_step(engine::rate_engine& eng, std::size_t k, std::size_t b0, std::size_t) override {
        if (b0 != 0) return;
        const std::size_t t = k;  // segment step: steps since the start
        for (std::size_t p = 0; p < sums.size(); ++p) {
            const double r = eng.population_mean(p, 0);
            if (t >= from && t < to) sums[p] += r;
            if ((t + 1) % every_ == 0) {
                if (p == 0) res_.time_ms.push_back(static_cast<double>(t + 1) * eng.network().dt);
                res_.trace.push_back(r);
            }
        }
    }

private:
    std::size_t every_;
    perturbation_result& res_;
};

}  // namespace

perturbation_result run_perturbation(engine::rate_engine& eng, const perturbation& p, int threads) {
    perturbation_result res;
    const double dt = eng.network().dt;
    const std::size_t P = eng.network().populations.size();
    const auto steps = [&](double ms) { return static_cast<std::size_t>(std::llround(ms / dt)); };
    const std::size_t n_at = steps(p.at), n_total = steps(p.duration), n_win = steps(p.window);
    recorder rec(P, p.trace_every, res);

    eng.begin_segment(true);
    rec.from = n_at - n_win;
    rec.to = n_at;
    eng.run(n_at, &rec, threads);
    res.before = rec.sums;
    for (auto& x : res.before) x /= static_cast<double>(n_win);

    // The change: a tonic input from `at` on (a step input on the segment clock), or a new weight.
    if (p.is_input) {
        eng.add_step_input({p.target, p.value, p.at, std::numeric_limits<double>::infinity()});
    } else {
        const std::size_t n = eng.network().populations[eng.network().projections[p.target].post].n *
                              eng.network().populations[eng.network().projections[p.target].pre].n;
        for (std::size_t idx = 0; idx < n * eng.batch(); ++idx) eng.weights(p.target)[idx] = p.value;
    }
    rec.sums.assign(P, 0.0);
    rec.from = n_total - n_win;
    rec.to = n_total;
    eng.run(n_total - n_at, &rec, threads);
    res.after = rec.sums;
    for (auto& x : res.after) x /= static_cast<double>(n_win);
    if (auto bad = eng.find_nonfinite()) res.failure = "non-finite " + bad->what + " after the perturbation";
    return res;
}

}  // namespace einet::analysis
