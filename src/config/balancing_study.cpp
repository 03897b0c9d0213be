// Study "synaptic_balancing": the balancing flow on the cost graphs of paper 004 Figs. 1, 3, 5 and
// the S1-appendix rank figure, compared with the closed forms of analysis/balancing_theory.hpp.
#include <cmath>
#include <cstdio>

#include "einet/analysis/balancing_theory.hpp"
#include "einet/config/balancing_studies.hpp"
#include "einet/core/rng.hpp"
#include "einet/engine/rnn_integrators.hpp"
#include "einet/network/relu_rnn.hpp"
#include "einet/plasticity/synaptic_balancing.hpp"

namespace einet::config {

plasticity::balance_options balancing_options_from(const resolved_config& cfg, int threads) {
    plasticity::balance_options o;
    o.threads = threads;
    o.tolerance = cfg.number("balancing.tolerance");
    o.rtol = cfg.number("balancing.rtol");
    o.atol = 1e-3 * o.rtol;
    o.integrator = ode::method_from_name(cfg.string("balancing.integrator"), "balancing.integrator");
    o.no_equilibrium_horizon = cfg.number("balancing.t_max");
    return o;
}

plasticity::balance_result balance_by_method(const resolved_config& cfg, const Eigen::MatrixXd& c0, double p, int threads) {
    const auto o = balancing_options_from(cfg, threads);
    return cfg.string("balancing.method") == "newton" ? plasticity::balance_newton(c0, p, o) : plasticity::balance_flow(c0, p, o);
}

namespace {
using plasticity::balance_options;

std::vector<double> grid(const resolved_config& cfg) {
    const double t_end = cfg.number("balancing.t_record");
    const auto n = cfg.integer("balancing.record_points");
    std::vector<double> t;
    for (std::int64_t k = 1; k < n; ++k) t.push_back(t_end * static_cast<double>(k) / static_cast<double>(n - 1));
    return t;
}

std::vector<double> flat_rows(const std::vector<Eigen::VectorXd>& rows) {
    std::vector<double> out;
    for (const auto& r : rows) out.insert(out.end(), r.data(), r.data() + r.size());
    return out;
}

void note_warning(study_output& out, const plasticity::balance_result& r) {
    if (r.warning.empty()) return;
    std::fprintf(stderr, "einet: warning: %s\n", r.warning.c_str());
    out.summary["warning"] = r.warning;
}

// Fig. 5: ring, synapse A = J[1,0] at cost `perturbed_cost`, balancing back to equilibrium.
void ring(const resolved_config& cfg, io::run_directory& dir, study_output& out) {
    const auto n = static_cast<Eigen::Index>(cfg.integer("balancing.ring_size"));
    const double p = cfg.number("balancing.p");
    Eigen::MatrixXd c0 = Eigen::MatrixXd::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i) c0(i, (i + 1) % n) = c0((i + 1) % n, i) = 1.0;
    Eigen::MatrixXd perturbed = c0;
    perturbed(1, 0) = cfg.number("balancing.perturbed_cost");
    const auto eq = balance_by_method(cfg, perturbed, p);
    note_warning(out, eq);
    auto o = balancing_options_from(cfg);
    o.t_end = cfg.number("balancing.t_record");
    o.tolerance = 0.0;
    o.record_times = grid(cfg);
    const auto flow = plasticity::balance_flow(perturbed, p, o);
    const auto bounds = analysis::optimal_cost_bounds(perturbed);
    const auto c_star = plasticity::costs_at(perturbed, eq.h, p);
    // Eq. 48 with a small η: measured log change of J_A against −c R.
    const double eta = cfg.number("balancing.eta");
    Eigen::MatrixXd small = c0;
    small(1, 0) = std::pow(1.0 + eta, p);
    auto tight = balancing_options_from(cfg);
    tight.tolerance = 1e-13;
    const auto eq_small = plasticity::balance_newton(small, p, tight);
    const double ratio = (eq_small.h(0) - eq_small.h(1)) / eta;
    const analysis::heat_approximation heat(analysis::cost_laplacian(perturbed), plasticity::neural_gradient(perturbed), p);
    std::vector<Eigen::VectorXd> h_heat, syn;
    const Eigen::Index ids[8][2] = {{1, 0}, {0, 1}, {2, 1}, {1, 2}, {0, n - 1}, {n - 1, 0}, {6 % n, 7 % n}, {7 % n, 6 % n}};
    for (std::size_t k = 0; k < flow.t_rec.size(); ++k) {
        h_heat.push_back(heat.h(flow.t_rec[k]));
        const auto c = plasticity::costs_at(perturbed, flow.h_rec[k], p);
        Eigen::VectorXd s(8);
        for (int a = 0; a < 8; ++a) s(a) = c(ids[a][0], ids[a][1]);
        syn.push_back(s);
    }
    const auto T = flow.t_rec.size();
    const auto N = static_cast<std::size_t>(n);
    dir.write_array({"t", {T}, "time", "tau", "flow time"}, flow.t_rec);
    dir.write_array({"h", {T, N}, "time, neuron", "", "h(t) of the balancing flow"}, flat_rows(flow.h_rec));
    dir.write_array({"h_heat", {T, N}, "time, neuron", "", "heat-equation approximation (Eq. 39) with L⁰"}, flat_rows(h_heat));
    dir.write_array({"synapse_costs", {T, 8}, "time, synapse A..H", "", "costs of synapses A–H (Fig. 5b labels)"}, flat_rows(syn));
    dir.write_array({"cost", {T}, "time", "", "total cost C(t)"}, flow.cost_rec);
    dir.write_array({"grad_norm", {T}, "time", "", "‖g(t)‖"}, flow.grad_rec);
    dir.write_array({"laplacian_eigenvalues", {N}, "mode", "", "eigenvalues of L⁰ (ascending)"},
                    {heat.eigenvalues.data(), heat.eigenvalues.data() + n});
    dir.write_array({"laplacian_modes", {N, N}, "neuron, mode", "", "eigenvectors of L⁰"},
                    [&] { Eigen::MatrixXd m = heat.eigenvectors.transpose(); return std::vector<double>(m.data(), m.data() + m.size()); }());
    out.summary["C_initial"] = perturbed.sum();
    out.summary["C_star"] = eq.cost;
    out.summary["bound_lower"] = bounds.lower;
    out.summary["bound_upper"] = bounds.upper;
    out.summary["final_cost_A"] = c_star(1, 0);
    out.summary["final_cost_B"] = c_star(0, 1);
    out.summary["final_cost_C"] = c_star(2, 1);
    out.summary["final_cost_D"] = c_star(1, 2);
    out.summary["perturbation_ratio"] = ratio;
    out.summary["perturbation_ratio_predicted"] = analysis::perturbation_log_ratio(small, 1, 0);
    out.summary["grad_norm_initial"] = flow.grad_norm_initial;
    out.summary["grad_norm_at_t_record"] = flow.grad_norm;
    out.summary["heat_h_star_error"] = (heat.h_star() - eq.h).cwiseAbs().maxCoeff() / eq.h.cwiseAbs().maxCoeff();
}

// Fig. 3: single synapse (no equilibrium, Eq. 31) and reciprocal pair (Eq. 29) against the flow.
void two_neuron(const resolved_config& cfg, io::run_directory& dir, study_output& out) {
    const double p = cfg.number("balancing.p"), c12 = cfg.number("balancing.c12"), c21 = cfg.number("balancing.c21");
    auto o = balancing_options_from(cfg);
    o.t_end = cfg.number("balancing.t_record");
    o.tolerance = 0.0;
    o.record_times = grid(cfg);
    const char* names[2] = {"single", "pair"};
    for (int pair = 0; pair < 2; ++pair) {
        Eigen::MatrixXd c0 = Eigen::MatrixXd::Zero(2, 2);
        c0(0, 1) = c12;
        c0(1, 0) = pair ? c21 : 0.0;
        const auto r = plasticity::balance_flow(c0, p, o);
        note_warning(out, r);  // the single synapse has no finite equilibrium (Prop. 3)
        std::vector<double> costs, exact, dh;
        double worst = 0.0;
        for (std::size_t k = 0; k < r.t_rec.size(); ++k) {
            const auto c = plasticity::costs_at(c0, r.h_rec[k], p);
            const auto [e12, e21] = analysis::two_neuron_costs(c12, c0(1, 0), p, r.t_rec[k]);
            costs.insert(costs.end(), {c(0, 1), c(1, 0)});
            exact.insert(exact.end(), {e12, e21});
            dh.push_back(r.h_rec[k](1) - r.h_rec[k](0));
            worst = std::max({worst, std::abs(c(0, 1) - e12), std::abs(c(1, 0) - e21)});
        }
        const std::string nm = names[pair];
        const auto T = r.t_rec.size();
        dir.write_array({"t_" + nm, {T}, "time", "tau", "flow time"}, r.t_rec);
        dir.write_array({"costs_" + nm, {T, 2}, "time, (c12, c21)", "", "costs along the flow"}, costs);
        dir.write_array({"costs_exact_" + nm, {T, 2}, "time, (c12, c21)", "", "closed form (Eqs. 29, 31)"}, exact);
        dir.write_array({"dh_" + nm, {T}, "time", "", "h2 − h1"}, dh);
        out.summary["max_error_" + nm] = worst;
        out.summary["strongly_connected_" + nm] = r.strongly_connected;
        if (pair) {
            const auto eq = balance_by_method(cfg, c0, p);
            out.summary["dh_star"] = eq.h(1) - eq.h(0);
            out.summary["dh_star_exact"] = std::log(c21 / c12) / (2.0 * p);
            out.summary["C_star"] = eq.cost;
            out.summary["C_star_exact"] = 2.0 * std::sqrt(c12 * c21);
        } else {
            out.summary["final_cost_single"] = costs[costs.size() - 2];
        }
    }
}

// S1 appendix: relative cost reduction (C⁰ − C*)/C⁰ for J = U Vᵀ of rank r, c = J² (p = 2).
void rank(const resolved_config& cfg, io::run_directory& dir, study_output& out, std::uint64_t seed) {
    const auto n = static_cast<Eigen::Index>(cfg.integer("balancing.size"));
    const auto draws = cfg.integer("balancing.draws");
    const double p = cfg.number("balancing.p");
    std::vector<double> mean_reduction, all;
    io::json per_rank = io::json::object();
    for (auto r : cfg.integer_list("balancing.ranks")) {
        double sum = 0.0;
        for (std::int64_t d = 0; d < draws; ++d) {
            auto gaussian = [&](std::uint32_t which) {
                Eigen::MatrixXd m(n, r);
                for (Eigen::Index k = 0; k < m.size(); ++k) {
                    const auto z = rng::normals4(seed, rng::purpose::weight_init, static_cast<std::uint32_t>(r * 1000 + d),
                                                 static_cast<std::uint64_t>(k / 4), which);
                    m.data()[k] = z[static_cast<std::size_t>(k % 4)];
                }
                return m;
            };
            const Eigen::MatrixXd J = gaussian(0) * gaussian(1).transpose();
            const Eigen::MatrixXd c0 = J.array().abs().pow(p).matrix();
            const auto eq = balance_by_method(cfg, c0, p);
            const double red = (c0.sum() - eq.cost) / c0.sum();
            sum += red;
            all.push_back(red);
        }
        mean_reduction.push_back(sum / static_cast<double>(draws));
        per_rank[std::to_string(r)] = mean_reduction.back();
    }
    out.summary["relative_reduction"] = per_rank;
    const auto R = mean_reduction.size();
    dir.write_array({"relative_reduction", {R, static_cast<std::size_t>(draws)}, "rank, draw", "", "(C⁰ − C*)/C⁰"}, all);
    std::vector<double> ranks;
    for (auto r : cfg.integer_list("balancing.ranks")) ranks.push_back(static_cast<double>(r));
    dir.write_array({"ranks", {R}, "rank", "", "ranks of J"}, ranks);
}

// Fig. 1: two ReLU units, one input, one output (spec §4 suggested values); the balanced image
// gives identical noise-free outputs and a different noisy spread.
void two_unit_task(const resolved_config& cfg, io::run_directory& dir, study_output& out, std::uint64_t seed) {
    network::relu_rnn a;
    a.J.resize(2, 2);
    a.J << 0.0, 0.1, 5.0, 0.0;
    a.W_in.resize(2, 1);
    a.W_in << 1.0, 0.5;
    a.W_out.resize(1, 2);
    a.W_out << 1.0, 1.0;
    a.b = Eigen::VectorXd::Zero(2);
    // Balance with the robustness cost; both units are active whenever the input is on, so the gains
    // are measured on the noise-free run.
    const double dt = cfg.number("balancing.dt"), duration = cfg.number("balancing.duration");
    const auto steps = static_cast<std::size_t>(std::llround(duration / dt));
    engine::sequence u;
    for (std::size_t k = 0; k < steps; ++k) {
        const double t = static_cast<double>(k) * dt;
        u.push_back(Eigen::MatrixXd::Constant(1, 1, t >= 2.0 && t < 8.0 ? 1.0 : 0.0));
    }
    engine::noisy_options quiet;
    quiet.dt = dt;
    Eigen::VectorXd mu = Eigen::VectorXd::Zero(2);
    std::vector<double> x_a;
    engine::run_euler_maruyama(a, u, quiet, [&](std::size_t, const Eigen::MatrixXd& x) {
        mu += (x.array() > 0.0).cast<double>().matrix().col(0);
        x_a.insert(x_a.end(), {x(0, 0), x(1, 0)});
    });
    mu /= static_cast<double>(steps);
    const double p = cfg.number("balancing.p");
    const auto c0 = plasticity::power_law_costs(a.J, plasticity::robustness_alpha(mu, 2), p);
    const auto eq = balance_by_method(cfg, c0, p);
    const auto b = network::task_preserving_transform(a, eq.h);
    std::vector<double> x_b;
    const auto ya = engine::run_euler_maruyama(a, u, quiet);
    const auto yb = engine::run_euler_maruyama(b, u, quiet, [&](std::size_t, const Eigen::MatrixXd& x) {
        x_b.insert(x_b.end(), {x(0, 0), x(1, 0)});
    });
    double diff = 0.0, peak = 0.0;
    for (std::size_t k = 0; k < steps; ++k) {
        diff = std::max(diff, std::abs(ya[k](0, 0) - yb[k](0, 0)));
        peak = std::max(peak, std::abs(ya[k](0, 0)));
    }
    // Noisy trials: same noise for both networks.
    const auto trials = cfg.integer("balancing.trials");
    engine::sequence u_batch;
    for (const auto& m : u) u_batch.push_back(Eigen::MatrixXd::Constant(1, trials, m(0, 0)));
    engine::noisy_options noisy = quiet;
    noisy.noise = cfg.number("balancing.noise");
    noisy.seed = seed;
    std::vector<double> noisy_out[2];
    double spread[2] = {0, 0};
    const network::relu_rnn* nets[2] = {&a, &b};
    for (int w = 0; w < 2; ++w) {
        const auto y = engine::run_euler_maruyama(*nets[w], u_batch, noisy);
        for (std::size_t k = 0; k < steps; ++k) {
            const Eigen::ArrayXd row = y[k].row(0).transpose().array();
            for (Eigen::Index r = 0; r < row.size(); ++r) noisy_out[w].push_back(row(r));
            spread[w] += (row - row.mean()).square().mean() / static_cast<double>(steps);
        }
    }
    const std::size_t S = steps, Tn = static_cast<std::size_t>(trials);
    dir.write_array({"u", {S}, "sample", "", "input"}, [&] { std::vector<double> v; for (auto& m : u) v.push_back(m(0, 0)); return v; }());
    dir.write_array({"x_original", {S, 2}, "sample, unit", "", "hidden states, network a"}, x_a);
    dir.write_array({"x_balanced", {S, 2}, "sample, unit", "", "hidden states, network b = π_h(a)"}, x_b);
    dir.write_array({"y_noisy_original", {S, Tn}, "sample, trial", "", "noisy outputs, network a"}, noisy_out[0]);
    dir.write_array({"y_noisy_balanced", {S, Tn}, "sample, trial", "", "noisy outputs, network b"}, noisy_out[1]);
    io::json h = io::json::array();
    h.push_back(eq.h(0));
    h.push_back(eq.h(1));
    out.summary["h"] = h;
    out.summary["output_max_difference_noise_free"] = diff / peak;
    out.summary["output_variance_original"] = spread[0];
    out.summary["output_variance_balanced"] = spread[1];
    out.summary["cost_before"] = c0.sum();
    out.summary["cost_after"] = eq.cost;
}

}  // namespace

bool is_balancing_study(const std::string& study) { return study == "synaptic_balancing" || study == "rnn_training"; }

study_output run_balancing_study(const resolved_config& cfg, io::run_directory& dir, const run_options&) {
    study_output out;
    const auto scenario = cfg.string("balancing.scenario");
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    if (scenario == "ring") ring(cfg, dir, out);
    else if (scenario == "two_neuron") two_neuron(cfg, dir, out);
    else if (scenario == "rank") rank(cfg, dir, out, seed);
    else two_unit_task(cfg, dir, out, seed);
    return out;
}

}  // namespace einet::config
