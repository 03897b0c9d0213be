#pragma once
// Convergence metrics of a time-stepping scheme against a reference run on coupled noise (paper 003,
// spec 003 §6.2), and fitted orders with path-bootstrap confidence intervals (spec §6.4).
//
// Input: one level_outcome per step size h and one for the reference, all on the SAME Brownian
// paths (spec §6.1), so that errors are pathwise. All times (spike times, h, van Rossum τ, STE) are
// in one unit, the caller's. Spike trains must be sorted in time.
//
// NaN policy: a metric that is undefined on a level (no count-matched spike pair for the STE
// metrics, no end state given for v(T)/I(T), a NaN end state on any path) is NaN, never an
// exception; fit_order skips such a level and marks it level_status::undefined. A level whose
// error is exactly 0 is skipped and marked level_status::exact (log 0 would be −inf). Shape
// mismatches between a level and the reference throw config_error naming the level and the field.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace einet::analysis {

// One neuron's spikes on one path: times (sorted) and the crossing speed A = I(t*) − I_th at each
// (spec §1.2, Remark 2.1).
struct spike_train {
    std::vector<double> t;
    std::vector<double> A;
};

// One simulation level: paths × neurons trains, index path * neurons + neuron, and per (path, neuron)
// the end state v(T), I(T) (both empty when not recorded).
struct level_outcome {
    double h = 0;
    std::size_t paths = 0, neurons = 0;
    std::vector<spike_train> trains;
    std::vector<double> v_T, I_T;
};

// Which spike pairs enter the spike-time error (spec §6.2 item 2, the optional good-set filter).
struct compare_options {
    double van_rossum_tau = 0.25;                                         // kernel time constant (spec §6.2 item 3)
    double min_crossing_speed = -std::numeric_limits<double>::infinity();  // keep pairs with min(A_h, A_ref) ≥ α
    double max_ste = std::numeric_limits<double>::infinity();             // keep pairs with |t_h − t_ref| < cap
};

// One level against the reference, over a selection of paths. Every average is over (path, neuron)
// units of the selection, a path selected k times counting k times.
struct level_errors {
    double h = 0;
    double p_mismatch = 0;  // P(N_h ≠ N_ref)                                  §6.2 item 1
    double p_extra = 0;     // P(N_h > N_ref)                                  §6.2 item 1
    double mismatched_units = 0;  // (weighted) number of count-mismatched units (§6.4 asks ≥ 50)
    // |t_h − t_ref| over in-order pairs of count-matched trains (§6.2 item 2); quantiles are
    // nearest-rank: the smallest pair error whose cumulative share of pairs reaches q.
    double ste_rms = 0, ste_median = 0, ste_q90 = 0, ste_q99 = 0, ste_q999 = 0;
    double matched_pairs = 0;                 // (weighted) number of pairs behind the STE metrics
    double strong_v_rms = 0, strong_I_rms = 0;  // sqrt E|v_h(T) − v_ref(T)|², same for I   §6.2 item 3
    double weak_count = 0;                    // E[N_h − N_ref] (coupled difference)          §6.2 item 4
    double weak_v = 0;                        // E[v_h(T)] − E[v_ref(T)]                      §6.2 item 4
    double van_rossum = 0;                    // E[D], D the van Rossum distance              §6.2 item 3
    double van_rossum_rms = 0;                // sqrt E[D²]
};

// The metrics of `level` against `ref` over `path_selection` (empty = every path once; indices may
// repeat, as in a bootstrap resample).
level_errors compare_to_reference(const level_outcome& level, const level_outcome& ref,
                                  const std::vector<std::size_t>& path_selection, const compare_options& opts = {});

// van Rossum distance with unit-height causal exponential kernels, D² = ∫ (f_a − f_b)² dt
// = (τ/2)[Σ e^{−|a_i−a_j|/τ} + Σ e^{−|b_i−b_j|/τ} − 2 Σ e^{−|a_i−b_j|/τ}] (spec §6.2 item 3),
// integrated exactly between events in O(n + m), without the cancellation of the pair sums.
double van_rossum_distance(const std::vector<double>& a, const std::vector<double>& b, double tau);

// Named metrics for fits and summaries; the weak errors enter as absolute values. A metric is called
// from several threads at once by fit_order_bootstrap: it must be pure and must not throw.
using metric_fn = std::function<double(const level_errors&)>;
metric_fn metric_by_name(std::string_view name);  // throws config_error listing the valid names
std::vector<std::string> metric_names();

enum class level_status : unsigned char { used, exact, undefined };

struct order_fit {
    double order = std::numeric_limits<double>::quiet_NaN();      // slope of log|e| on log h
    double intercept = std::numeric_limits<double>::quiet_NaN();  // log C in |e| ≈ C h^order
    double ci_low = std::numeric_limits<double>::quiet_NaN();     // bootstrap percentile interval
    double ci_high = std::numeric_limits<double>::quiet_NaN();    // (NaN without a bootstrap)
    std::vector<double> local_orders;  // log(e_k/e_{k+1}) / log(h_k/h_{k+1}), size levels − 1 (§6.4)
    std::vector<level_status> status;  // per level: used in the fit, exactly 0, or NaN/inf
    std::size_t used_levels = 0;       // order is NaN when fewer than 2
    std::vector<double> errors;        // the point-estimate error of every level (as given / as measured)
    std::vector<double> bootstrap_orders;  // per resample; NaN where a used level became 0 or NaN
    std::size_t failed_resamples = 0;      // resamples left out of the interval for that reason
};

// Least squares of log|e| on log h over the levels with finite nonzero error (spec §6.4).
order_fit fit_order(const std::vector<double>& h, const std::vector<double>& errors);

struct bootstrap_options {
    std::size_t resamples = 1000;  // B (spec §6.4)
    std::uint64_t seed = 0;        // Philox key of the resamples
    double confidence = 0.95;      // percentile interval [(1−c)/2, (1+c)/2]
    bool abscissa_minus_reference_h = false;  // fit against h − h_ref (spec §6.3, weak error at fine levels)
    int threads = 0;               // 0 = OpenMP default; results are bit-identical for any value
    compare_options compare;
};

// The order of `metric` over `levels` with a confidence interval by bootstrap over whole paths: each
// resample draws `paths` indices with replacement (Philox, purpose resampling, entity = resample) and
// recomputes every level's metric from that same resample before refitting (spec §6.4).
order_fit fit_order_bootstrap(const std::vector<level_outcome>& levels, const level_outcome& ref,
                              const metric_fn& metric, const bootstrap_options& opts = {});

// The path indices of bootstrap resample `b` (what fit_order_bootstrap uses).
std::vector<std::size_t> bootstrap_selection(std::size_t paths, std::size_t b, std::uint64_t seed);

// Spike-time error against crossing speed (spec §3.1 eq. 3.1, §6.2 item 2). Transversal sensitivity
// gives t_h − t* ≈ τ_m δv / A with δv the voltage error at the crossing, so STE·A is an estimate of
// τ_m·δv, free of A. If δv ~ c h^q, the median of |STE|·A / h^q is the constant c whatever h; the
// paper's reading (v2) is q = 1/2, the additive-noise measurement (§3.6) q = 1: comparing c_half and
// c_one across levels tells which holds (or fit_order of median |STE|·A over levels gives q).
struct crossing_speed_bin {
    double A_low = 0, A_high = 0;  // range of A_ref in the bin
    double inv_A = 0;              // geometric mean of 1/A_ref in the bin
    std::size_t count = 0;
    double ste_rms = 0;            // RMS |t_h − t_ref|
    double ste_mean = 0;           // mean signed t_h − t_ref (EM fires early: negative, §3.2)
};
struct crossing_speed_relation {
    double h = 0;
    std::vector<double> ste, A;  // scatter: signed t_h − t_ref and A_ref per pair (all pairs)
    std::vector<crossing_speed_bin> bins;  // equal-count bins of A_ref > 0
    double slope = std::numeric_limits<double>::quiet_NaN();  // of log RMS|STE| on log(1/A) over the bins;
                                                              // 1 = pure 1/A sensitivity, 0 = grid quantisation only
    double median_ste_A = std::numeric_limits<double>::quiet_NaN();  // median |STE|·A_ref
    double c_half = std::numeric_limits<double>::quiet_NaN();        // median_ste_A / h^{1/2}
    double c_one = std::numeric_limits<double>::quiet_NaN();         // median_ste_A / h
    std::size_t nonpositive_A = 0;  // pairs with A_ref ≤ 0 (in the scatter, not in bins or medians)
};
crossing_speed_relation ste_vs_crossing_speed(const level_outcome& level, const level_outcome& ref,
                                              std::size_t bins = 10, const compare_options& opts = {});

}  // namespace einet::analysis
