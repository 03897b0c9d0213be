// Schema of the paper-004 studies: "synaptic_balancing" (analyses of the balancing flow on given
// cost graphs and small networks) and "rnn_training" (CDI training by BPTT, the balance statistic
// and the noise test). Lowered by balancing_study.cpp and rnn_training_study.cpp;
// docs/user-guide/synaptic-balancing.md. Time in these studies is in units of τ (dimensionless).
#include "schema_fields.hpp"
#include "validate_internal.hpp"

namespace einet::config {
using namespace fields;

namespace {
field positive(field f) { return at_least(std::move(f), 0.0, true); }
}  // namespace

std::vector<section> balancing_sections() {
    const std::vector<std::string> analyses{"synaptic_balancing"}, training{"rnn_training"};
    std::vector<section> s;
    s.push_back({"balancing", "synaptic balancing: costs c_ij = α_ij|J_ij|^p, flow dh/dt = g (004 Eqs. 12–25)",
                 {"synaptic_balancing", "rnn_training"},
                 {for_studies(choice("scenario", {"ring", "two_neuron", "rank", "two_unit_task"}, "ring",
                                     "ring: 12-neuron ring with one perturbed synapse (Fig. 5); two_neuron: single "
                                     "synapse and reciprocal pair (Fig. 3); rank: cost reduction vs rank of J (S1 "
                                     "appendix); two_unit_task: a 2-unit network and its balanced image (Fig. 1)"),
                              analyses),
                  positive(num("p", "2", 0.0, inf, "exponent p of the power-law cost (Eq. 23)")),
                  for_studies(choice("cost", {"robustness", "uniform"}, "robustness",
                                     "α of c_ij = α_ij |J_ij|^p for the trained network: robustness α_ij = σ_j² "
                                     "(Eq. 13, measured gains) or uniform α_ij = 1 (ℓ2 at p = 2, ℓ1 at p = 1)"),
                              training),
                  choice("method", {"flow", "newton"}, "flow",
                         "flow: integrate dh/dt = g (embedded Runge–Kutta, tight tolerance); newton: solve for the "
                         "equilibrium by matrix-free Newton–CG (both fall back to the flow to t_max without a finite "
                         "equilibrium)"),
                  choice("integrator", {"dop853", "dopri5", "rodas4", "rodas3"}, "dop853",
                         "integrator of the flow: the explicit embedded Runge–Kutta pairs Dormand–Prince 8(5,3) or "
                         "5(4) (SciPy's DOP853 / RK45), or the L-stable Rosenbrock methods RODAS4 (order 4(3)) or "
                         "RODAS3 (3(2)) with the flow's exact Jacobian −p L(h), stage systems by matrix-free CG "
                         "(for stiff cost graphs: steps grow as the flow settles)"),
                  positive(num("tolerance", "1e-10", 0.0, 1.0, "stop when ‖g‖ <= tolerance · C")),
                  positive(num("rtol", "1e-10", 0.0, 1.0, "relative tolerance of the adaptive integrator")),
                  positive(num("t_max", "3000", 0.0, inf,
                               "horizon of the flow when the cost graph is not strongly connected (004 code: 3000)")),
                  for_studies(positive(num("t_record", "5", 0.0, inf, "trajectories are recorded on [0, t_record]")),
                              analyses),
                  for_studies(integer("record_points", "101", 2, 1e6, "samples of the recorded trajectories"), analyses),
                  for_studies(integer("ring_size", "12", 3, 1e5, "ring: neurons"), analyses),
                  for_studies(positive(num("perturbed_cost", "3", 0.0, inf, "ring: cost of synapse A = J[1,0] (others 1)")),
                              analyses),
                  for_studies(positive(num("eta", "1e-3", 0.0, 1.0, "ring: small relative change of J_A for Eq. 48")),
                              analyses),
                  for_studies(positive(num("c12", "1", 0.0, inf, "two_neuron: cost of J_12 (synapse 2 → 1)")), analyses),
                  for_studies(positive(num("c21", "4", 0.0, inf, "two_neuron: cost of J_21 of the reciprocal pair")),
                              analyses),
                  for_studies(integer("size", "100", 2, 1e5, "rank: neurons"), analyses),
                  for_studies(integers("ranks", "[1, 2, 4, 8, 16, 32, 100]", 1, "rank: ranks r of J = U Vᵀ"), analyses),
                  for_studies(integer("draws", "10", 1, 1e6, "rank: random draws per rank"), analyses),
                  for_studies(num("noise", "0.2", 0.0, inf, "two_unit_task: noise level ε of the hidden units"), analyses),
                  for_studies(integer("trials", "50", 1, 1e6, "two_unit_task: noisy trials per network"), analyses),
                  for_studies(positive(num("dt", "0.01", 0.0, 1.0, "two_unit_task: Euler–Maruyama step (units of τ)")),
                              analyses),
                  for_studies(positive(num("duration", "20", 0.0, inf, "two_unit_task: trial length (units of τ)")),
                              analyses)}});
    s.push_back({"rnn", "continuous-time rate RNN τ dx/dt = −x + Jφ(x) + W_in u + b, y = W_out x (004 Eqs. 1–2)",
                 training,
                 {integer("size", "256", 1, 1e6, "hidden units N"),
                  choice("nonlinearity", {"relu", "linear", "tanh"}, "relu", "φ (balancing needs a homogeneous φ)"),
                  positive(num("init_std", "0.0625", 0.0, inf, "J, W_in, W_out drawn i.i.d. N(0, init_std²) (004: 1/√N)")),
                  integer("substeps", "10", 1, 1e4, "Euler sub-steps of dt = 1/substeps per task step")}});
    s.push_back({"task", "context-dependent integration (004 Fig. 4; spec §3)", training,
                 {integer("steps", "50", 1, 1e6, "task steps T per trial"),
                  num("input_noise", "0.3", 0.0, inf, "s.d. of the signal noise"),
                  num("context_noise", "0.3", 0.0, inf, "s.d. of the context noise")}});
    s.push_back({"training", "BPTT through every Euler sub-step; RMSE + λΣJ², clipped gradient descent (004 §3)", training,
                 {integer("iterations", "6000", 1, 1e9, "iterations (one batch of the 8 conditions each)"),
                  positive(num("learning_rate", "0.005", 0.0, inf, "step size (paper text 0.003, authors' code 0.005)")),
                  numbers("l2_penalty", "[0.0, 0.1, 0.3]", 0.0, inf, "λ values; one network per λ, same initial weights"),
                  num("clip_norm", "10", 0.0, inf, "global gradient norm clip (0: none)"),
                  choice("optimiser", {"gradient_descent", "adam"}, "gradient_descent", "update rule"),
                  integer("permutations", "10000", 1, 1e9, "row permutations of the final ℓ2 cost matrix (Fig. 4a null)"),
                  integer("checkpoint_every", "0", 0, 1e9,
                          "write <run>/checkpoint every this many iterations (0: never); `einet run FILE --out "
                          "RUN --resume` continues an interrupted run bit-identically")}});
    s.push_back({"noise_test", "balance the trained network with the robustness cost and compare noisy losses (Fig. 4b)",
                 training,
                 {flag("enabled", false, "run the noise test on the network of the largest λ"),
                  integer("gain_batches", "300", 1, 1e7, "CDI batches (8 runs each) for the gains σ_j²"),
                  integer("eval_batches", "300", 1, 1e7, "CDI batches for the noisy evaluation"),
                  numbers("noise_levels", "[0.0, 0.03, 0.06, 0.09, 0.12, 0.15, 0.18, 0.21, 0.24, 0.27]", 0.0, inf,
                          "ε values"),
                  positive(num("smoothing", "5", 0.0, inf, "Gaussian s.d. (samples) of inputs and targets"))}});
    return s;
}

namespace detail {

void check_rnn_training(const context& ctx, toml::table& t) {
    // The noise test balances the trained network: π_h needs a positively homogeneous φ.
    const auto enabled = t.at_path("noise_test.enabled").value<bool>();
    const auto phi = t.at_path("rnn.nonlinearity").value<std::string>();
    if (enabled && *enabled && phi && *phi == "tanh" && !ctx.found.reported("rnn.nonlinearity")) {
        ctx.fail("rnn.nonlinearity", t.at_path("rnn.nonlinearity").node(),
                 "expected a positively homogeneous nonlinearity (relu or linear) when noise_test.enabled balances "
                 "the network, got \"tanh\" (no task-preserving transformation exists)");
    }
}

}  // namespace detail
}  // namespace einet::config
