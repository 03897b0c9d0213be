// Schema of study "convergence" (paper 003, spec 003 §6): the network comes from the spiking
// sections ([populations.*], [[projections]], [[inputs]]); [convergence] says which step sizes,
// integrators, reference and paths, [lyapunov] the largest-Lyapunov-exponent estimates.
// Lowered and run by convergence_study.cpp; docs/user-guide/numerics.md.
#include "schema_fields.hpp"

namespace einet::config {
using namespace fields;

std::vector<section> convergence_sections() {
    const std::vector<std::string> study{"convergence"};
    std::vector<section> s;
    s.push_back({"convergence", "step sizes, integrators and Monte-Carlo paths of a convergence study (spec 003 §6)", study,
                 {integer("paths", "1000", 1, 1e8, "Monte-Carlo paths (independent copies of the network, each with its own noise)"),
                  q("h_max", "ms", "0.0625 ms", 0.0, inf, "the coarsest step h0; the levels are h0, h0/2, ..., h0/2^(levels-1)", true),
                  integer("levels", "6", 2, 20, "number of step sizes (halvings of h_max)"),
                  integer("reference_ratio", "16", 1, 1e6,
                          "the reference step is the finest level's divided by this (a power of two; spec 003 §6.3: >= 16)"),
                  choice("reference", {"euler_maruyama", "exact_interpolated"}, "euler_maruyama",
                         "integrator of the reference run (spec 003 §6.3: fine EM, or exact propagators with interpolated spikes)"),
                  strings("integrators", "[\"euler_maruyama\", \"exact\", \"exact_interpolated\"]",
                                    "integrators compared on the same Brownian paths (euler_maruyama, exact, exact_interpolated)"),
                  flag("stationary_current", true,
                       "start every noisy current from its stationary law N(0, sigma^2 tau/2) (spec 003 §1.5)"),
                  integer("bootstrap", "1000", 0, 1e6, "bootstrap resamples over paths for the order intervals (spec 003 §6.4)"),
                  q("van_rossum_tau", "ms", "0.25 ms", 0.0, inf, "kernel time constant of the van Rossum distance (spec 003 §6.2)", true),
                  q("good_set_alpha", "mV", "0.1 mV", 0.0, inf,
                    "good set of spike-time errors (spec 003 §3.3, §6.2): pairs with min(A_h, A_ref) >= alpha ..."),
                  q("good_set_max_error", "ms", "0.25 ms", 0.0, inf, "... and |t_h - t_ref| below this", true)}});
    s.push_back({"lyapunov", "largest Lyapunov exponent: saltation (tangent), trajectory divergence and the flux formula (spec 003 §4)", study,
                 {flag("enabled", true, "estimate the largest Lyapunov exponent"),
                  q("dt", "ms", "0.001953125 ms", 0.0, inf, "step of the event-resolved (exact_interpolated) runs (spec 003 §4.4: <= 0.002 tau_m)", true),
                  q("duration", "ms", "50 ms", 0.0, inf, "measured time per path, after the burn-in", true),
                  q("burn_in", "ms", "5 ms", 0.0, inf, "time discarded before measuring"),
                  integer("paths", "200", 1, 1e7, "paths averaged"),
                  num("epsilon", "1e-7", 0.0, 1.0, "size of the perturbation of the divergence estimate (mV)"),
                  q("renormalise", "ms", "1 ms", 0.0, inf, "Benettin renormalisation interval of the divergence estimate", true),
                  integer("windows", "10", 1, 1000, "the estimates are also reported at this many growing lengths (convergence in T)")}});
    return s;
}

}  // namespace einet::config
