// Schema of study "lowrank" (paper 000: low-rank E-I spiking networks, latent boundaries):
// [lowrank] (simulation mode, input x(t), measurement) and [neurons.<name>] (one population per
// table, in the paper's terms: F, E_self, E_cross, T, D). Lowered by lowrank_study.cpp onto the
// spiking engine (lowrank/model.hpp); docs/user-guide/lowrank.md.
#include "schema_fields.hpp"

namespace einet::config {
using namespace fields;

namespace {

// One value for every neuron, or one per neuron (optional unless marked required).
field neuron_values(std::string key, std::string doc, double min = -inf) {
    return optional(numbers(std::move(key), "", min, inf, std::move(doc)));
}

section lowrank_section() {
    const std::string shape = "input.shape";
    return {"lowrank",
            "simulation of a low-rank E-I network (paper 000, spec 000 §2): synapse model, spike rule, input x(t)",
            {"lowrank"},
            {required(q("duration", "ms", "", 0.0, inf, "simulated time; n_T = round(duration/dt) input samples", true)),
             choice("network", {"spiking", "rate"}, "spiking",
                    "spiking: the LIF network (spec §1.1-1.2); rate: the N-neuron rate network of spec §1.3 (S13, S15) on "
                    "the rate engine, rho = sigma_beta(V - T), same F, E, T, D; mu, sigma_V, synapses and rule unused"),
             num("beta", "50", 0.0, inf, "rate network: slope beta of the sigmoid rho = 1/(1 + exp(-beta (V - T)))"),
             q("tau", "ms", "10 ms", 0.0, inf, "membrane (and readout) time constant τ", true),
             choice("synapses", {"instantaneous", "pulse", "exponential"}, "instantaneous",
                    "instantaneous (spec Mode A), square pulse of tau_s (Mode B), exponential of tau_s (Mode C)"),
             choice("rule", {"one_per_step", "inhibition_first", "all_above"}, "one_per_step",
                    "one_per_step: the largest V above threshold spikes, one per step; inhibition_first: the same, I "
                    "served before E (paper §2.6); all_above: every crossing spikes, gated by refractory"),
             flag("clamp", false, "clamp the spiking neuron's V to threshold (the single-population reference, spec §2.3)"),
             choice("self_reset", {"instantaneous", "synaptic"}, "instantaneous",
                    "finite synapses: a neuron's own reset E_k D_k acts at once (spec §2.1, Appendix G) or through the "
                    "synaptic kernel like every other connection (the latent-only picture of Fig 9b)"),
             q("refractory", "ms", "0 ms", 0.0, inf, "all_above: spikes blocked for this long (V keeps integrating)"),
             choice("integrator", {"reference", "exact"}, "reference",
                    "reference: spec §2 exactly (forward Euler, synaptic input undecayed in the next update); exact: "
                    "the engine's exponential propagator with LIF delta synapses (converges to it as dt -> 0)"),
             q("measure_from", "ms", "0 ms", 0.0, inf, "start of the measurement window (skip the transient)"),
             optional(q("measure_to", "ms", "", 0.0, inf, "end of the measurement window (default: the end of the run)")),
             optional(num("measure_x_min", "", -inf, inf, "error metrics only where x >= this")),
             optional(num("measure_x_max", "", -inf, inf, "error metrics only where x < this")),
             num("decoder_jitter", "0", 0.0, inf, "mistuning σ_D: each trial draws D and D_cross = D·(1 + σ_D·N(0,1)) "
                                                  "(Fig 8f); summary decoder_angle (degrees)"),
             neuron_values("latent_reference", "reference latents (|y^E|, |y^I|): summary latent_error = mean of "
                                         "1/2 mean((|y^X| - ref_X)^2) over the window (Fig 8f)"),
             optional(num("bin_width", "", 0.0, inf, "width of the x bins of the binned latent (summary binned_y)")),
             choice("target", {"auto", "boundary", "crossing_grid"}, "auto",
                    "what errors are measured against: auto = the exact crossing y^E* (rank 2) or the designed g(x) "
                    "(quadratic_tangents) or the boundary; boundary = the population boundary min_k (T_k - F_k x)/E_k; "
                    "crossing_grid = the crossing on a 0.05 grid of y^E (spec A5, the authors' plotted target)"),
             flag("feedforward", false, "remove all connections between different neurons, keep each neuron's own "
                                        "reset E_k D_k - mu (the control of paper Appendix F)"),
             integer("trials", "1", 1, 1e7, "independent trials (noise seeds run.seed + k); summaries are trial means "
                                            "(with _sd), arrays and figures show trial 0"),
             optional(integer("count_neuron", "", 0, 1e7, "neuron (of the first population) whose spike count over "
                                                           "the run gives the across-trial CV `cv` (Fig 15)")),
             optional(neuron_values("design_knots", "difference-of-convex design (spec A2, A3; Fig 14): knots x_0 < ... < x_K "
                                                    "of a continuous piecewise-linear target f; populations with thresholds = "
                                                    "\"dc_design\" get one neuron per piece of q (E) or p (I)")),
             optional(neuron_values("design_values", "values f(x_k) of the target at the knots")),
             num("design_slope", "0.25", -inf, inf, "slope s_q of q on the first piece (spec A2)"),
             choice("design_target", {"knots", "gp"}, "knots",
                    "target of the difference-of-convex design: knots = design_knots/design_values; gp = a smooth "
                    "Gaussian-process sample (Fig 14, the authors' kernel; keys design_gp.*) reduced to a piecewise-linear "
                    "function with knots at its extrema; summaries smooth_dc_lambda, smooth_dc_residual, smooth_dc_min_curvature"),
             when(integer("design_gp.seed", "44", 0, 4294967295.0, "seed of the GP sample (einet's Philox; NumPy's stream cannot be reproduced)"), "design_target", {"gp"}),
             when(num("design_gp.inv_length", "0.3", 0.0, inf, "inverse length l of the kernel sigma^2 exp(-(s - s')^2 l^2/2) + offset"), "design_target", {"gp"}),
             when(num("design_gp.sigma", "0.5", 0.0, inf, "kernel amplitude sigma"), "design_target", {"gp"}),
             when(num("design_gp.offset", "1", 0.0, inf, "constant added to every kernel entry (the script's sigma_n)"), "design_target", {"gp"}),
             when(integer("design_gp.points", "100", 3, 1e5, "number of grid points"), "design_target", {"gp"}),
             when(num("design_gp.span", "20", 0.0, inf, "the kernel's points are linspace(0, span, points)"), "design_target", {"gp"}),
             when(num("design_gp.from", "0", -inf, inf, "the target's x grid: linspace(from, to, points)"), "design_target", {"gp"}),
             when(num("design_gp.to", "9.9", -inf, inf, "last grid point"), "design_target", {"gp"}),
             when(num("design_gp.low", "1", -inf, inf, "the sample is normalised to [low, high]"), "design_target", {"gp"}),
             when(num("design_gp.high", "5", -inf, inf, "upper end of the normalised range"), "design_target", {"gp"}),
             when(num("design_gp.min_step", "0.25", 0.0, inf, "extrema become knots only if |delta f| to the previous knot exceeds this"), "design_target", {"gp"}),
             when(num("design_gp.centre", "5", -inf, inf, "centre c of the convex g = (x - c)^2/2 of the smooth decomposition"), "design_target", {"gp"}),
             neuron_values("design_slopes_y", "the y^E slopes (a_E, a_I) of the E and I boundaries, 0 < a_E < a_I (spec A3; default 1, 2)"),
             neuron_values("design_offsets", "the offsets (c_E, c_I) of the E and I boundaries (spec A3; default 0, 0)"),
             optional(integer("voltage_neuron", "", 0, 1e7, "neuron (of the first population) whose mean voltage over the "
                                                             "window gives mean_V_neuron and spikes_neuron (Fig 8: E2)")),
             optional(text("sweep", "", "a key swept over sweep_values, e.g. \"neurons.I.sigma_V\"; summaries become lists")),
             optional(neuron_values("sweep_values", "values of the swept key")),
             optional(neuron_values("sweep_range", "instead of sweep_values: [from, to, count], count values "
                                                   "linspace(from, to) (Fig 9e: 151 initial latents y0)")),
             optional(neuron_values("velocity_bins", "[from, to, count]: bin centres linspace(from, to, count) of the "
                                                     "latent velocity tau dy/dt = tau (y_{n+1} - y_n)/dt of the first "
                                                     "population against y, pooled over every trial and sweep point "
                                                     "(Fig 9e); summaries velocity_y, velocity_mean, velocity_drive, "
                                                     "soft_boundary_midpoint, soft_boundary_width")),
             optional(num("velocity_halfwidth", "", 0.0, inf, "half width of each velocity bin, samples in "
                                                              "[centre - w, centre + w) (default: the centre spacing, as the authors' code)")),
             flag("unit_rates", false, "per-neuron rates (Fig 10e, f), array unit_rates_<population> (step x neuron): "
                                       "spiking networks average the spike counts per step over the trials, smooth them "
                                       "with a Gaussian of unit_rate_sigma steps and scale them by unit_rate_scale * tau/dt; "
                                       "rate networks give rho"),
             num("unit_rate_sigma", "0", 0.0, inf, "SD (steps) of the Gaussian smoothing of the spiking per-neuron rates (Fig 10f: 20)"),
             num("unit_rate_scale", "1", 0.0, inf, "spiking networks: the factor D_spike/D_rate that maps rate x tau onto "
                                                   "the rate network's rho (Fig 10f: 0.2, i.e. x 20 per 0.1 ms bin)"),
             optional(neuron_values("unit_rate_x", "inputs x at which the per-neuron rates are summarised: "
                                                   "active_units_<population> (rate > unit_rate_active) and "
                                                   "max_unit_rate_<population>, one value per x (first window sample with x >= it)")),
             num("unit_rate_active", "0.05", 0.0, inf, "rate above which a neuron counts as active in active_units"),
             optional(strings("variants", "", "names of variants of the network run side by side; summaries gain keys <metric>_<name>")),
             optional(strings("variant_settings", "",
                              "one entry per variant: \"key=value; key=value\" settings applied on top of this file")),
             required(choice(shape, {"constant", "step", "linspace", "hold_ramp"}, "",
                             "filtered input x(t): constant value; step from before to after at `at`; linspace "
                             "from -> to over the run; hold_ramp: from for a fraction `hold` of the samples, then "
                             "linear to `to` (the paper's ramp A: hold = 1/6)")),
             when(required(num("input.value", "", -inf, inf, "constant input")), shape, {"constant"}),
             when(required(num("input.before", "", -inf, inf, "input before the step")), shape, {"step"}),
             when(required(num("input.after", "", -inf, inf, "input from the step on")), shape, {"step"}),
             when(required(q("input.at", "ms", "", 0.0, inf, "time of the step")), shape, {"step"}),
             when(required(num("input.from", "", -inf, inf, "first value")), shape, {"linspace", "hold_ramp"}),
             when(required(num("input.to", "", -inf, inf, "last value")), shape, {"linspace", "hold_ramp"}),
             when(num("input.hold", "0.16666666666666666", 0.0, 1.0, "fraction of samples held at `from`"), shape,
                  {"hold_ramp"})}};
}

section neurons_section() {
    const std::string d = "thresholds";
    const std::vector<std::string> tangents{"quadratic_tangents"}, quadratic{"quadratic_tangents", "tuned_quadratic"},
        dc{"explicit", "quadratic_tangents", "tuned_quadratic"},
        given_lines{"explicit", "tuned_quadratic"};
    return {"neurons",
            "one population of a low-rank network, [neurons.E] / [neurons.I]: neuron k has V = F_k x + E_self_k "
            "y_own + E_cross_k y_other and spikes at V >= T_k (spec 000 S8, S11); each list holds one value per "
            "neuron or a single value for all",
            {"lowrank"},
            {required(integer("size", "", 1, 1e7, "number of neurons")),
             required(flag("excitatory", false, "sign of the decoders (Dale's law): true = E (D >= 0), false = I (D <= 0)")),
             choice(d, {"explicit", "quadratic_tangents", "tuned_quadratic", "dc_design", "convex_design"}, "explicit",
                    "explicit: F, E_self, T given; tuned_quadratic: F, E_self given, each T moved so that the neuron's "
                    "line is tangent to y = a x^2 + b x + c (spec A6, Fig 13); dc_design: F, E_self, E_cross, T from "
                    "the difference-of-convex design of lowrank.design_knots/values (spec A3, size = number of pieces); "
                    "convex_design (rank 1): boundary y = -f(x) of the convex piecewise-linear f of lowrank.design_knots/values, "
                    "one neuron per piece (E_self = 1, F = slope, T = -intercept); quadratic_tangents: thresholds tangent to y = a x^2 + b x + c at "
                    "size points linspace(from, to) (spec A4: E_self = 1, F = -g'(x_k), T = F x_k + g(x_k))"),
             when(required(neuron_values("F", "feedforward weights F_k")), d, given_lines),
             when(neuron_values("T", "thresholds T_k (required with explicit; with tuned_quadratic the untuned values, "
                                     "replaced by the tuned ones)"), d, given_lines),
             when(required(neuron_values("E_self", "encoders onto the population's own latent (>= 0)")), d, given_lines),
             when(neuron_values("E_cross", "encoders onto the other population's latent (>= 0; rank-2 networks)"), d, dc),
             required(neuron_values("D", "decoders D_k, signed: >= 0 for E, <= 0 for I")),
             neuron_values("D_cross", "mistuned decoders the other population sees (spec S12; default D)"),
             neuron_values("D_perp", "decoders of an extra readout y_perp = D_perp·r (Fig 7: orthogonal to D, the nullspace)"),
             when(required(num("design.a", "", -inf, 0.0, "curvature a < 0 of the concave target g")), d, quadratic),
             when(num("design.b", "0", -inf, inf, "linear coefficient b of g"), d, quadratic),
             when(num("design.c", "0", -inf, inf, "constant c of g"), d, quadratic),
             when(required(num("design.from", "", -inf, inf, "first design point")), d, tangents),
             when(required(num("design.to", "", -inf, inf, "last design point")), d, tangents),
             neuron_values("rho0", "rate network: initial rates in (0, 1), V_0 = logit(rho0)/beta + T (spec §2.7; default rho = V = 0)"),
             optional(num("y0", "", -inf, inf, "initial latent y_0: V_0 = F x_0 + E y_0 + 1 - T and the readout starts at "
                                               "y_0 (spec §2.1, Fig 9e); default V_0 = 0, y = 0")),
             num("T_jitter", "0", 0.0, inf, "per-trial threshold jitter: each trial draws T_k + T_jitter N(0,1) (Fig 9e: 0.4)"),
             num("mu", "0", 0.0, inf, "self-reset cost μ (spec S9)"),
             num("sigma_V", "0", 0.0, inf, "voltage noise: stationary SD of the free voltage (Eq. 3.3)"),
             optional(q("tau_s", "ms", "", 0.0, inf, "pulse width / exponential time of this population's synapses", true)),
             num("I_ext", "0", -inf, inf, "external current into every neuron (Fig 8: I stimulation)"),
             q("I_ext_start", "ms", "0 ms", 0.0, inf, "onset of I_ext")},
            layout::named};
}

}  // namespace

std::vector<section> lowrank_sections() { return {lowrank_section(), neurons_section()}; }

}  // namespace einet::config
