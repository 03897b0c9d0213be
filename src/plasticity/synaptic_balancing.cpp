#include "einet/plasticity/synaptic_balancing.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "einet/core/error.hpp"
#include "einet/core/ode.hpp"
#include "balancing_sweep.hpp"

namespace einet::plasticity {

Eigen::MatrixXd power_law_costs(const Eigen::MatrixXd& J, const Eigen::MatrixXd& alpha, double p, const std::string& where) {
    if (!(p > 0.0) || !std::isfinite(p)) throw config_error(where + "p: expected a finite exponent > 0, got " + std::to_string(p));
    if (J.rows() != J.cols())
        throw config_error(where + "J: expected a square matrix, got " + std::to_string(J.rows()) + " × " + std::to_string(J.cols()));
    if (alpha.rows() != J.rows() || alpha.cols() != J.cols())
        throw config_error(where + "alpha: expected the shape of J (" + std::to_string(J.rows()) + " × " +
                           std::to_string(J.cols()) + ")");
    if (!alpha.allFinite() || (alpha.array() < 0.0).any())
        throw config_error(where + "alpha: expected finite costs >= 0 (a negative or NaN cost weight was given)");
    if (!J.allFinite()) throw config_error(where + "J: expected finite weights");
    return (alpha.array() * J.array().abs().pow(p)).matrix();  // Eq. 23
}

Eigen::MatrixXd robustness_alpha(const Eigen::VectorXd& sigma2, Eigen::Index rows) {
    return Eigen::VectorXd::Ones(rows) * sigma2.transpose();  // α_ij = σ_j² (Eq. 13)
}

double sensitivity(const Eigen::MatrixXd& J, const Eigen::VectorXd& mu, const Eigen::VectorXd& sigma2) {
    // Eq. 9: S = Σ_ij σ_j² J_ij² − 2 Σ_i μ_i J_ii + N
    const double quad = (J.array().square().rowwise() * sigma2.transpose().array()).sum();
    return quad - 2.0 * (mu.array() * J.diagonal().array()).sum() + static_cast<double>(J.rows());
}

Eigen::MatrixXd costs_at(const cost_matrix& c0, const Eigen::VectorXd& h, double p) {
    const Eigen::ArrayXd shift = h.array() - h.mean();  // C is invariant under h → h + s·1
    const Eigen::VectorXd a = (-p * shift).exp().matrix(), b = (p * shift).exp().matrix();
    return a.asDiagonal() * c0 * b.asDiagonal();  // Eq. 14: c⁰_ij e^{p(h_j − h_i)}
}

Eigen::VectorXd neural_gradient(const cost_matrix& c) {
    if (c.rows() != c.cols()) throw config_error("neural gradient: expected a square cost matrix");
    return detail::cost_view(c, Eigen::VectorXd::Zero(c.rows()), 1.0, 1).gradient();  // Eq. 17: incoming − outgoing
}

Eigen::VectorXd neural_gradient_at(const cost_matrix& c0, const Eigen::VectorXd& h, double p, int threads) {
    return detail::cost_view(c0, h, p, threads).gradient();  // Eq. 17: incoming − outgoing
}

double total_cost_at(const cost_matrix& c0, const Eigen::VectorXd& h, double p) {
    return detail::cost_view(c0, h, p, 1).cost;
}

namespace {
// In-place transpose of a 64 × 64 bit matrix (row t = a[t], column r = bit r; Hacker's Delight §7-3).
void transpose64(std::uint64_t a[64]) {
    std::uint64_t m = 0x00000000FFFFFFFFULL;
    for (int j = 32; j != 0; j >>= 1, m ^= (m << j)) {
        for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            const std::uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
            a[k] ^= t << j;
            a[k | j] ^= t;
        }
    }
}
}  // namespace

connectivity_report cost_graph_connectivity(const cost_matrix& c) {
    const auto n = static_cast<std::size_t>(c.rows());
    const auto stride = static_cast<std::size_t>(c.outerStride());
    const std::size_t words = (n + 63) / 64;
    if (n == 0) return {};
    // Edge j → i when c_ij > 0 (i ≠ j) as bit sets: out_edges row j = targets of j (column j of c),
    // packed in one contiguous pass; in_edges row i = sources of i, by 64 × 64 block transposes.
    std::vector<std::uint64_t> out_edges(words * 64 * words, 0), in_edges(words * 64 * words, 0);
    for (std::size_t j = 0; j < n; ++j) {
        const double* col = c.data() + j * stride;
        for (std::size_t k = 0; k < words; ++k) {
            std::uint64_t bits = 0;
            const std::size_t rows = std::min<std::size_t>(64, n - 64 * k);
            for (std::size_t r = 0; r < rows; ++r) bits |= static_cast<std::uint64_t>(col[64 * k + r] > 0.0) << r;
            out_edges[j * words + k] = bits;
        }
        out_edges[j * words + j / 64] &= ~(std::uint64_t{1} << (j % 64));  // autapses do not connect
    }
    std::uint64_t block[64];
    for (std::size_t jb = 0; jb < words; ++jb)
        for (std::size_t kb = 0; kb < words; ++kb) {
            for (std::size_t t = 0; t < 64; ++t) block[t] = out_edges[(64 * jb + t) * words + kb];
            transpose64(block);
            for (std::size_t r = 0; r < 64; ++r) in_edges[(64 * kb + r) * words + jb] = block[r];
        }
    // Reachability from unit 0 along the edges and against them: unit 0's strongly connected
    // component is the intersection; the graph is strongly connected iff it is everything.
    auto reach = [&](const std::vector<std::uint64_t>& edges) {
        std::vector<std::uint64_t> seen(words, 0);
        std::vector<std::size_t> stack{0};
        seen[0] = 1;
        while (!stack.empty()) {
            const auto v = stack.back();
            stack.pop_back();
            for (std::size_t k = 0; k < words; ++k) {
                for (std::uint64_t fresh = edges[v * words + k] & ~seen[k]; fresh != 0; fresh &= fresh - 1) {
                    const auto w = k * 64 + static_cast<std::size_t>(std::countr_zero(fresh));
                    seen[k] |= std::uint64_t{1} << (w % 64);
                    stack.push_back(w);
                }
            }
        }
        return seen;
    };
    const auto fwd = reach(out_edges), bwd = reach(in_edges);
    connectivity_report r;
    for (std::size_t i = 0; i < n; ++i)
        if (!((fwd[i / 64] & bwd[i / 64]) >> (i % 64) & 1)) r.unreached.push_back(static_cast<Eigen::Index>(i));
    r.strongly_connected = r.unreached.empty();
    return r;
}

namespace {

std::string no_equilibrium_warning(const connectivity_report& conn, double horizon) {
    std::string units;
    for (std::size_t i = 0; i < conn.unreached.size() && i < 10; ++i) units += (i ? ", " : "") + std::to_string(conn.unreached[i]);
    if (conn.unreached.size() > 10) units += ", …";
    return "the cost graph is not strongly connected (" + std::to_string(conn.unreached.size()) +
           " units outside the component of unit 0: " + units +
           "), so no finite equilibrium exists (paper 004 Prop. 3); balancing ran to the fixed horizon t = " +
           std::to_string(horizon);
}

std::string stall_warning(const balance_result& r, const balance_options& opt, long steps) {
    char text[480];
    std::snprintf(text, sizeof text,
                  "balancing stopped at t = %.6g: ‖g‖ = %.3e = %.2e·C did not fall by 1 %% over %ld steps, above the "
                  "tolerance %.1e·C. The integrator's error tolerance (rtol %.1e, atol %.1e) sets this floor when its "
                  "steps are held at the stability limit (a stiff cost graph); use a smaller rtol, integrator "
                  "\"rodas4\" or method \"newton\"",
                  r.t, r.grad_norm, r.grad_norm / r.cost, steps, opt.tolerance, opt.rtol, opt.atol);
    return text;
}

}  // namespace

balance_result balance_flow(const cost_matrix& c0, double p, const balance_options& opt) {
    detail::check_costs(c0, p);
    balance_result r;
    const auto conn = cost_graph_connectivity(c0);
    r.strongly_connected = conn.strongly_connected;
    double t_end = opt.t_end;
    if (!conn.strongly_connected) {
        if (!std::isfinite(t_end)) t_end = opt.no_equilibrium_horizon;
        r.warning = no_equilibrium_warning(conn, t_end);
    }
    Eigen::VectorXd h = Eigen::VectorXd::Zero(c0.rows());
    ode::options o;
    o.rtol = opt.rtol;
    o.atol = opt.atol;
    o.method = opt.integrator;
    ode::stats st;
    // The sweep of the last g(h) is kept: the observer reads C there (first same as last), and a
    // Rosenbrock step takes its Jacobian where g was just evaluated (the accepted point) and holds
    // it through the step's stages. A view no step holds is moved to the next h in place.
    // Helper threads for the run's hundreds of sweeps; a sweep never waits for one to wake up.
    const auto team = opt.threads > 1 && c0.rows() >= 256 ? std::make_shared<detail::sweep_team>(opt.threads) : nullptr;
    std::shared_ptr<detail::cost_view> last;
    std::shared_ptr<const detail::cost_view> at_step;
    Eigen::VectorXd last_h;
    auto view_at = [&](const Eigen::VectorXd& y) -> const detail::cost_view& {
        if (last && last_h == y) return *last;
        if (last && last.use_count() == 1)
            last->update(y);
        else
            last = std::make_shared<detail::cost_view>(c0, y, p, opt.threads, team);
        last_h = y;
        return *last;
    };
    {
        const auto& start = view_at(h);
        r.cost_initial = start.cost;
        r.grad_norm_initial = start.gradient().norm();
    }
    auto rhs = [&](const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
        const auto& v = view_at(y);
        dy = v.incoming - v.outgoing;  // Eq. 15 with γp = 1: g (Eq. 17)
    };
    ode::jacobian_solver jac;
    jac.prepare = [&](const Eigen::VectorXd& y) {
        view_at(y);
        at_step = last;
    };
    const Eigen::ArrayXd self = 2.0 * c0.diagonal().array();  // c_ii does not move along the manifold
    jac.solve = [&](double shift, const Eigen::VectorXd& b, Eigen::VectorXd& x, const Eigen::ArrayXd& weights) {
        const Eigen::VectorXd diag = (shift + p * (at_step->incoming.array() + at_step->outgoing.array() - self)).matrix();
        const double target = std::sqrt(static_cast<double>(b.size())) * weights.minCoeff();  // rms(r ./ w) <= 1
        x = detail::laplacian_solve(*at_step, shift, p, diag, b, target, b.size() + 10, r.products);
    };
    // C is non-increasing, so ‖g‖ > tolerance · C_last rules convergence out without a new C.
    double C_last = r.cost_initial;
    // The exact flow never raises ‖g‖ (d‖g‖²/dt = −2p gᵀLg <= 0, Eq. 34). An explicit pair held at its
    // stability limit on a stiff cost graph keeps the fast modes excited at its error tolerance, so
    // ‖g‖ settles on a floor proportional to rtol. Without an end time the run stops there, with a
    // warning, once ‖g‖ has not fallen by 1 % over `stall_steps` accepted steps.
    constexpr long stall_steps = 2000;
    double g_ref = r.grad_norm_initial;
    long flat = 0;
    bool stalled = false;
    auto watch = [&](double t, const Eigen::VectorXd& y, const Eigen::VectorXd& g_now, bool output) {
        const double g = g_now.norm();
        if (g < 0.99 * g_ref) {
            g_ref = g;
            flat = 0;
        } else if (++flat >= stall_steps && !std::isfinite(t_end)) {
            stalled = true;
        }
        const bool maybe = g <= opt.tolerance * C_last;
        if (t == 0.0 || output || maybe) C_last = view_at(y).cost;  // g was just evaluated at y
        if (t == 0.0 || output) {
            r.t_rec.push_back(t);
            r.cost_rec.push_back(C_last);
            r.grad_rec.push_back(g);
            r.h_rec.push_back(y);
        }
        r.converged = maybe && g <= opt.tolerance * C_last;
        return r.converged || stalled;
    };
    r.t = ode::linearly_implicit(o.method) ? ode::integrate_linearly_implicit(rhs, jac, h, t_end, opt.record_times, watch, o, &st)
                                           : ode::integrate(rhs, h, t_end, opt.record_times, watch, o, &st);
    r.h = h;  // Σh = 0 (Eq. 22) holds to rounding: Σg = 0 exactly
    const auto& end = view_at(r.h);
    r.cost = end.cost;
    r.grad_norm = end.gradient().norm();
    r.steps = st.accepted;
    r.rejected = st.rejected;
    r.evaluations = st.evaluations;
    if (stalled) r.warning = stall_warning(r, opt, stall_steps);
    return r;
}

namespace detail {
void check_costs(const cost_matrix& c0, double p) {
    if (c0.rows() != c0.cols() || c0.rows() == 0) throw config_error("balancing: expected a square, non-empty cost matrix");
    bool valid = true;  // one branch-free pass: NaN fails both comparisons
    for (Eigen::Index j = 0; j < c0.cols(); ++j) {
        const double* col = c0.data() + j * c0.outerStride();
        for (Eigen::Index i = 0; i < c0.rows(); ++i) valid &= (col[i] >= 0.0) & (col[i] <= std::numeric_limits<double>::max());
    }
    if (!valid) throw config_error("balancing: costs must be finite and >= 0 (got a negative or NaN cost)");
    if (!(p > 0.0) || !std::isfinite(p)) throw config_error("balancing.p: expected a finite exponent > 0");
}
}  // namespace detail

balance_result lax_flow(const Eigen::MatrixXd& J0, const lax_signal& signal, const balance_options& opt) {
    if (J0.rows() != J0.cols() || J0.rows() == 0) throw config_error("lax dynamics: J: expected a square, non-empty matrix");
    if (!std::isfinite(opt.t_end)) throw config_error("lax dynamics: t_end: expected a finite horizon");
    if (ode::linearly_implicit(opt.integrator))
        throw config_error("lax dynamics: integrator: a user signal has no Jacobian; expected \"dop853\" or \"dopri5\"");
    const auto n = J0.rows();
    auto g_of = [&](const Eigen::VectorXd& h) {
        const Eigen::ArrayXd shift = h.array() - h.mean();
        const Eigen::MatrixXd J = (-shift).exp().matrix().asDiagonal() * J0 * shift.exp().matrix().asDiagonal();
        Eigen::VectorXd g(n);
        for (Eigen::Index k = 0; k < n; ++k) g(k) = signal(J.row(k).transpose(), J.col(k));  // local per neuron
        return g;
    };
    balance_result r;
    Eigen::VectorXd h = Eigen::VectorXd::Zero(n);
    auto spread = [](const Eigen::VectorXd& g) { return (g.array() - g.mean()).matrix().norm(); };  // 0 at g_i = g_j
    r.grad_norm_initial = spread(g_of(h));
    ode::options o;
    o.rtol = opt.rtol;
    o.atol = opt.atol;
    o.method = opt.integrator;
    ode::stats st;
    auto rhs = [&](const Eigen::VectorXd& y, Eigen::VectorXd& dy) { dy = g_of(y); };  // Eq. 25: dJ/dt = [J, diag(g)]
    auto watch = [&](double t, const Eigen::VectorXd& y, const Eigen::VectorXd& g_now, bool output) {
        const double s = spread(g_now);
        if (t == 0.0 || output) {
            r.t_rec.push_back(t);
            r.grad_rec.push_back(s);
            r.h_rec.push_back(y);
        }
        r.converged = s <= opt.tolerance;
        return r.converged;
    };
    r.t = ode::integrate(rhs, h, opt.t_end, opt.record_times, watch, o, &st);
    r.h = h;
    r.grad_norm = spread(g_of(h));
    r.steps = st.accepted;
    r.rejected = st.rejected;
    return r;
}

}  // namespace einet::plasticity
