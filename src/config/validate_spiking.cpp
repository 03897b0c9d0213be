// Cross-key checks of study "spiking" (bad input of issue 4: empty populations, probabilities,
// delays off the step grid or beyond the uint16 ring, durations not a multiple of dt, names
// that do not exist). Field-level checks (kinds, units, ranges) happened before.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

#include "einet/network/connectivity.hpp"
#include "validate_internal.hpp"

namespace einet::config::detail {
namespace {

struct spiking_checker {
    const context& ctx;
    toml::table& t;
    double dt = 0.0;  // 0: run.dt unusable, grid checks skipped

    const toml::node* node(const std::string& key) const { return t.at_path(key).node(); }
    bool has(const std::string& key) const { return static_cast<bool>(t.at_path(key)); }
    bool usable(const std::string& key) const { return has(key) && !ctx.found.reported(key); }
    std::string str(const std::string& key) const { return t.at_path(key).value<std::string>().value_or(""); }
    // A quantity key (already validated) in `unit`; nullopt when it is in another unit family.
    std::optional<double> in(const std::string& key, const std::string& unit) const {
        auto qv = units::parse_quantity(str(key));
        return qv ? units::to_unit(*qv, unit) : std::nullopt;
    }

    // Steps of a time on the grid, or an error naming the key ("0 ms" is 0 steps).
    std::optional<std::uint64_t> steps(const std::string& key, const std::string& what) const {
        if (dt <= 0 || !usable(key)) return std::nullopt;
        const double n = *in(key, "ms") / dt;
        if (std::abs(n - std::round(n)) > 1e-6 * std::max(1.0, n)) {
            ctx.fail(key, node(key), "expected " + what + " that is a multiple of run.dt = " + std::to_string(dt) +
                                         " ms, got " + show(*node(key)));
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(std::llround(n));
    }

    std::vector<std::string> names(const std::string& section) const {
        std::vector<std::string> out;
        if (const auto* s = t[section].as_table()) {
            for (auto&& [k, v] : *s) out.emplace_back(k.str());
        }
        return out;
    }
    std::size_t count(const std::string& section) const {
        const auto* a = t[section].as_array();
        return a ? a->size() : 0;
    }
    // A population named by `key`, or an error listing the populations.
    bool population_exists(const std::string& key) const {
        if (!usable(key)) return false;
        const auto pops = names("populations");
        const auto name = str(key);
        if (std::find(pops.begin(), pops.end(), name) != pops.end()) return true;
        std::string list;
        for (const auto& p : pops) list += (list.empty() ? "" : ", ") + p;
        ctx.fail(key, node(key), "expected a population (" + list + "), got \"" + name + "\"");
        return false;
    }
    std::int64_t size_of(const std::string& pop) const {
        return t.at_path("populations." + pop + ".size").value<std::int64_t>().value_or(0);
    }
    bool delta(const std::string& pop) const { return str("populations." + pop + ".synapse.kinetics") == "delta"; }

    void run_keys() {
        if (usable("run.dt")) dt = *in("run.dt", "ms");
        steps("run.duration", "a duration");
        steps("record.rate_bin", "a bin width");
        steps("record.trace_every", "a sampling interval");
        steps("run.checkpoint_interval", "a checkpoint interval");
        if (names("populations").empty()) {
            ctx.fail("populations", nullptr, "expected at least one [populations.<name>] table, got none");
        }
    }

    void population(const std::string& pop) {
        const std::string p = "populations." + pop;
        const bool by_tau = has(p + ".tau_m"), by_cg = has(p + ".C_m") || has(p + ".g_L");
        if (by_tau == by_cg) {
            ctx.fail(p + ".tau_m", node(p), by_tau ? "expected either tau_m (with R) or C_m and g_L, got both"
                                                   : "expected tau_m (with R) or C_m and g_L, got neither");
        } else if (by_cg && has(p + ".C_m") != has(p + ".g_L")) {
            ctx.fail(has(p + ".C_m") ? p + ".g_L" : p + ".C_m", node(p), "expected C_m and g_L together, got one of them");
        }
        steps(p + ".t_ref", "a refractory period");
        steps(p + ".synapse.duration", "a pulse length");
        // Forward Euler needs dt well below every time constant it integrates.
        if (dt > 0 && str("run.method") == "euler_maruyama") {
            for (const char* k : {".tau_m", ".synapse.tau", ".synapse.tau_rise", ".noise.tau"}) {
                if (!usable(p + k)) continue;
                const double tau = *in(p + k, "ms");
                if (dt > 0.5 * tau) {
                    ctx.fail("run.dt", node("run.dt"), "expected dt <= 0.5 * " + p + k + " = " + std::to_string(tau) +
                                                           " ms with run.method = \"euler_maruyama\", got dt = " +
                                                           std::to_string(dt) + " ms");
                }
            }
        }
    }

    // A delay on the step grid, 0 .. 65535 steps (the uint16 ring of the engine).
    void delay(const std::string& key) {
        if (dt <= 0 || !usable(key)) return;
        const auto* n = node(key);
        auto check = [&](const std::string& k, bool allow_zero) {
            auto s = steps(k, "a delay");
            if (!s) return;
            if (*s > network::max_delay_limit) {
                ctx.fail(k, node(k), "expected at most " + std::to_string(network::max_delay_limit) +
                                         " steps (the delay ring), got " + std::to_string(*s) + " steps");
            } else if (!allow_zero && *s == 0) {
                ctx.fail(k, node(k), "expected a delay of at least run.dt, got " + show(*node(k)));
            }
        };
        if (!n->is_table()) return check(key, true);
        const auto dist = str(key + ".dist");
        if (dist == "uniform_steps") {
            check(key + ".low", true);
            check(key + ".high", true);
        } else if (dist == "paper001") {
            const double max = *in(key + ".max", "ms");
            if (!(max > 0) || max / dt > network::max_delay_limit) {
                ctx.fail(key + ".max", node(key + ".max"), "expected a maximum delay in (0, 65535·dt], got " + show(*node(key + ".max")));
            }
        }
    }

    // Weights that land on a delta receptor move V directly: they must be voltages.
    void voltage_for_delta(const std::string& key, const std::string& pre_pop) {
        if (!usable(key) || !delta(pre_pop)) return;
        const auto* n = node(key);
        const std::string value_key = n->is_table() ? key + ".mean" : key;
        if (has(value_key) && !in(value_key, "mV")) {
            ctx.fail(key, n, "expected a voltage (delta kinetics of population " + pre_pop + " add it to V), got " + show(*n));
        }
    }

    void projection(std::size_t i) {
        const std::string p = "projections[" + std::to_string(i) + "]";
        const bool pre_ok = population_exists(p + ".pre"), post_ok = population_exists(p + ".post");
        delay(p + ".delay");
        if (!pre_ok || !post_ok) return;
        const auto pre = str(p + ".pre"), post = str(p + ".post");
        const auto n_pre = size_of(pre), n_post = size_of(post);
        const bool autapses = pre != post || t.at_path(p + ".autapses").value<bool>().value_or(true);
        const auto conn = str(p + ".connectivity");
        if (conn == "fixed_indegree" && usable(p + ".indegree")) {
            const auto k = *t.at_path(p + ".indegree").value<std::int64_t>();
            const auto allowed = n_pre - (autapses ? 0 : 1);
            if (k > allowed) {
                ctx.fail(p + ".indegree", node(p + ".indegree"),
                         "expected at most " + std::to_string(allowed) + " distinct sources of population " + pre + ", got " +
                             std::to_string(k));
            }
        }
        voltage_for_delta(p + ".weight", pre);
        if (conn == "from_file" && delta(pre) && str(p + ".weights_unit") != "mV") {
            ctx.fail(p + ".weights_unit", node(p + ".weights_unit") ? node(p + ".weights_unit") : node(p),
                     "expected \"mV\" (delta kinetics of population " + pre + " add weights to V), got \"" +
                         str(p + ".weights_unit") + "\"");
        }
        (void)n_post;
    }

    // Receptors of a population: one per presynaptic population projecting into it, "noise".
    std::set<std::string> receptors_of(const std::string& pop) const {
        std::set<std::string> r;
        for (std::size_t i = 0; i < count("projections"); ++i) {
            const std::string p = "projections[" + std::to_string(i) + "]";
            if (str(p + ".post") == pop) r.insert(str(p + ".pre"));
        }
        if (has("populations." + pop + ".noise.sigma")) r.insert("noise");
        return r;
    }

    void input(std::size_t i) {
        const std::string p = "inputs[" + std::to_string(i) + "]";
        const auto kind_name = str(p + ".kind");
        auto start = steps(p + ".start", "a start time");
        auto stop = steps(p + ".stop", "a stop time");
        if (start && stop && *stop <= *start) {
            ctx.fail(p + ".stop", node(p + ".stop"), "expected a time after " + p + ".start, got " + show(*node(p + ".stop")));
        }
        if (usable(p + ".times")) {
            for (const auto& e : *t.at_path(p + ".times").as_array()) {
                const double ms = *units::to_unit(*units::parse_quantity(*e.value<std::string>()), "ms");
                const double n = dt > 0 ? ms / dt : 0.0;
                if (dt > 0 && std::abs(n - std::round(n)) > 1e-6 * std::max(1.0, n)) {
                    ctx.fail(p + ".times", &e, "expected spike times that are multiples of run.dt = " + std::to_string(dt) +
                                                   " ms, got " + show(e));
                }
            }
        }
        if (!population_exists(p + ".population")) return;
        const auto pop = str(p + ".population");
        if (usable(p + ".neurons")) {
            const auto* n = node(p + ".neurons");
            const auto size = size_of(pop);
            std::int64_t last = 0;
            if (n->is_integer()) last = *n->value<std::int64_t>();
            if (n->is_array()) last = *(*n->as_array())[1].value<std::int64_t>();
            if (last > size) {
                ctx.fail(p + ".neurons", n, "expected neurons within population " + pop + " (" + std::to_string(size) +
                                                " neurons), got " + show(*n));
            }
        }
        if (kind_name == "step_current") return;
        const bool own = has(p + ".synapse.kinetics");
        const auto receptors = receptors_of(pop);
        if (!own && !has(p + ".receptor")) {
            ctx.fail(p + ".receptor", node(p), "expected a receptor of population " + pop +
                                                   " to feed, or synapse.kinetics for a channel of its own, got neither");
        } else if (!own && !receptors.count(str(p + ".receptor"))) {
            std::string list;
            for (const auto& r : receptors) list += (list.empty() ? "" : ", ") + r;
            ctx.fail(p + ".receptor", node(p + ".receptor"), "expected a receptor of population " + pop + " (" +
                                                                 (list.empty() ? "none" : list) + "), got " +
                                                                 show(*node(p + ".receptor")));
        } else if (own && has(p + ".receptor") && receptors.count(str(p + ".receptor"))) {
            ctx.fail(p + ".receptor", node(p + ".receptor"),
                     "expected a new channel name with synapse.kinetics, got the existing receptor " + show(*node(p + ".receptor")));
        }
        const bool to_delta = own ? str(p + ".synapse.kinetics") == "delta" : delta(str(p + ".receptor"));
        if (to_delta && usable(p + ".weight") && !in(p + ".weight", "mV")) {
            ctx.fail(p + ".weight", node(p + ".weight"), "expected a voltage (a delta channel adds it to V), got " +
                                                             show(*node(p + ".weight")));
        }
    }
};

}  // namespace

void check_spiking(const context& ctx, toml::table& t) {
    spiking_checker c{ctx, t};
    c.run_keys();
    for (const auto& pop : c.names("populations")) c.population(pop);
    for (std::size_t i = 0; i < c.count("projections"); ++i) c.projection(i);
    for (std::size_t i = 0; i < c.count("inputs"); ++i) c.input(i);
}

}  // namespace einet::config::detail
