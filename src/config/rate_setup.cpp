#include "einet/config/rate_setup.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "einet/analysis/rule_stability.hpp"
#include "einet/config/rule_config.hpp"
#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::config {

namespace {

// model.weight_storage = "float16" exists only in the float32 unit-major kernel: refuse it where
// the run would use another kernel, naming the key that conflicts.
network::weight_storage weight_storage(const resolved_config& cfg, const network::rate_network& net) {
    if (cfg.string("model.weight_storage") == "float32") return network::weight_storage::float32;
    const std::string at = cfg.origin("model.weight_storage") + " model.weight_storage = \"float16\": ";
    if (net.precision != network::step_precision::float32) {
        throw config_error(at + "needs model.precision = \"float32\" (got \"" + cfg.string("model.precision") + "\")");
    }
    if (net.kernel == network::step_kernel::batch_major) {
        throw config_error(at + "needs the unit-major kernel (model.kernel = \"unit_major\" or \"automatic\", got \"batch_major\")");
    }
    if (cfg.study() == "online_plasticity") {
        throw config_error(at + "needs weights that change only between trials (the unit-major kernel); study "
                                "online_plasticity changes them every step");
    }
    if (std::all_of(net.populations.begin(), net.populations.end(), [](const auto& p) { return p.n == 1; })) {
        throw config_error(at + "needs multi-unit populations (model.E.n or model.I.n > 1; single units use the scalar kernel)");
    }
    return network::weight_storage::float16;
}

}  // namespace

network::rate_network build_rate_network(const resolved_config& cfg) {
    auto net = network::wilson_cowan_two_population();
    net.dt = cfg.quantity("run.dt");
    net.order = cfg.string("model.update_order") == "sequential" ? network::update_order::sequential
                                                                  : network::update_order::simultaneous;
    for (auto& pop : net.populations) {
        const std::string k = "model." + pop.name + ".";
        pop.tau = cfg.quantity(k + "tau");
        pop.transfer = {cfg.number(k + "gain"), cfg.number(k + "threshold"), cfg.quantity(k + "r_max")};
        const double tonic = cfg.number(k + "input");
        if (tonic != 0.0) {
            net.steps.push_back({net.find_population(pop.name), tonic, 0.0, std::numeric_limits<double>::infinity()});
        }
    }
    net.noise = {cfg.quantity("noise.tau"), cfg.quantity("noise.sigma"), cfg.string("noise.scheme") == "exact"};
    // 001 SI multi-unit model: N_E, N_I units, all-to-all, no self-connections.
    for (auto& pop : net.populations) pop.n = static_cast<std::size_t>(cfg.integer("model." + pop.name + ".n"));
    for (auto& proj : net.projections) proj.self_connections = !(proj.post == proj.pre && net.populations[proj.post].n > 1);
    const auto kernel = cfg.string("model.kernel");
    net.kernel = kernel == "unit_major" ? network::step_kernel::unit_major
                 : kernel == "batch_major" ? network::step_kernel::batch_major
                                           : network::step_kernel::automatic;
    net.precision = cfg.string("model.precision") == "float32" ? network::step_precision::float32
                                                              : network::step_precision::float64;
    net.storage = weight_storage(cfg, net);

    const std::size_t target = net.find_population(cfg.string("kick.target"));
    const double amp = cfg.number("kick.amplitude"), start = cfg.quantity("kick.start"),
                 dur = cfg.quantity("kick.duration"), rate = cfg.quantity("kick.rate");
    if (cfg.study() == "online_plasticity") {
        net.poisson_kicks.push_back({target, amp, dur, rate, start});  // forced first kick, then Poisson
    } else {
        if (start >= 0.0) net.steps.push_back({target, amp, start, dur});
        if (rate > 0.0) net.poisson_kicks.push_back({target, amp, dur, rate, -1.0});
    }
    return net;
}

analysis::two_population_params model_params(const resolved_config& cfg) {
    analysis::two_population_params p;
    p.tau_E = cfg.quantity("model.E.tau");
    p.tau_I = cfg.quantity("model.I.tau");
    p.g_E = cfg.number("model.E.gain");
    p.g_I = cfg.number("model.I.gain");
    p.theta_E = cfg.number("model.E.threshold");
    p.theta_I = cfg.number("model.I.threshold");
    p.input_E = cfg.number("model.E.input");
    p.input_I = cfg.number("model.I.input");
    return p;
}

std::size_t presynaptic_partners(const network::rate_network& net, std::size_t q) {
    const auto& pr = net.projections[q];
    const std::size_t n_pre = net.populations[pr.pre].n;
    return pr.self_connections || pr.post != pr.pre ? n_pre : n_pre - 1;
}

void initialise_weights(const resolved_config& cfg, engine::rate_engine& eng) {
    const auto& net = eng.network();
    const auto seed = static_cast<std::uint64_t>(cfg.integer("run.seed"));
    const bool total = cfg.boolean("weights.total");
    const auto spread = cfg.string("weights.synapse_spread");
    const double cv = cfg.number("weights.synapse_cv"), sd = cfg.number("weights.synapse_sd");
    const config::distribution unit_normal{config::distribution::shape::normal, 0.0, 1.0};
    for (std::size_t q = 0; q < net.projections.size(); ++q) {
        const auto d = cfg.dist("weights." + net.projections[q].label);
        const auto& pr = net.projections[q];
        const std::size_t n_post = net.populations[pr.post].n, n_pre = net.populations[pr.pre].n;
        const double partners = static_cast<double>(std::max<std::size_t>(1, presynaptic_partners(net, q)));
        for (std::size_t b = 0; b < eng.batch(); ++b) {
            // Keyed by (network of the sweep, class, synapse): the same draws for any batch split,
            // chunk of the sweep (run.first_network) or thread count.
            auto draw = [&](std::uint64_t idx) {
                const auto u = rng::philox(seed, rng::purpose::weight_init, eng.first_network() + static_cast<std::uint32_t>(b),
                                           (static_cast<std::uint64_t>(q) << 32) | idx);
                return std::pair{rng::uniform_open(u[0]), rng::uniform_open(u[1])};
            };
            // The class total is the first synapse's draw (so one-unit classes draw as before).
            const auto [t1, t2] = draw(0);
            const double class_mean = total ? d.sample(t1, t2) / partners : 0.0;
            for (std::size_t i = 0; i < n_post; ++i) {
                for (std::size_t j = 0; j < n_pre; ++j) {
                    const std::size_t idx = i * n_pre + j;
                    double w = 0.0;
                    if (!(pr.post == pr.pre && !pr.self_connections && i == j)) {  // diagonal held at 0
                        const auto [u1, u2] = draw(idx);
                        const double m = total ? class_mean : d.sample(u1, u2);
                        const auto [z1, z2] = draw(idx | (1ull << 31));  // the spread's own stream
                        const double z = unit_normal.sample(z1, z2);
                        if (spread == "normal") {
                            w = m + cv * m * z;
                        } else if (spread == "lognormal") {
                            // Arithmetic mean m and SD sd (001 Fig. S5): σ² = ln(1 + sd²/m²), μ = ln m − σ²/2.
                            const double s2 = std::log1p(sd * sd / (m * m));
                            w = m > 0 ? std::exp(std::log(m) - 0.5 * s2 + std::sqrt(s2) * z) : 0.0;
                        } else {
                            w = m;
                        }
                    }
                    eng.weights(q)[idx * eng.batch() + b] = w;
                }
            }
        }
    }
}

plasticity::rule_binding bind_rule(const resolved_config& cfg, const network::rate_network& net) {
    plasticity::rule_binding rb;
    rb.r = build_rule(cfg, "plasticity");
    rb.model = model_params(cfg);
    for (const auto& pop : net.populations) rb.setpoint.push_back(cfg.quantity("plasticity." + pop.name + "_set"));
    for (const auto& proj : net.projections) {
        std::size_t c = 0;
        while (c < 4 && proj.label != plasticity::class_names[c]) ++c;
        if (c == 4) throw internal_error("projection without a rule class: " + proj.label);
        rb.class_index.push_back(c);
        rb.alpha.push_back(cfg.number("plasticity.alpha_" + proj.label));
        rb.beta.push_back(cfg.number("plasticity.beta_" + proj.label));
        rb.floor.push_back(cfg.number("plasticity.weight_floor") /
                           static_cast<double>(std::max<std::size_t>(1, presynaptic_partners(net, rb.floor.size()))));
        rb.ceiling.push_back(cfg.number("plasticity.weight_ceiling"));
    }
    // Forced balance (001 SI Eq. 15): α₁ = alpha_EE and α₃ = alpha_IE become the continuous rates of
    // its terms and the relaxation rate 1/τ₀ (analysis::effective_rates, shared with the stability analysis).
    analysis::rule_rates by_class;
    for (std::size_t q = 0; q < rb.alpha.size(); ++q) by_class.alpha[rb.class_index[q]] = rb.alpha[q];
    const auto k = analysis::effective_rates(rb.r, by_class, rb.model, {rb.setpoint[0], rb.setpoint[1]});
    for (std::size_t q = 0; q < rb.alpha.size(); ++q) rb.alpha[q] = k.alpha[rb.class_index[q]];
    return rb;
}

}  // namespace einet::config
