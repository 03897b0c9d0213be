// Weight and delay initialisers of synapse tables, and Dale's-law checks (connectivity.hpp).
#include "einet/network/connectivity.hpp"

#include "connectivity_internal.hpp"

namespace einet::network {

using namespace internal;

namespace {

struct prepared_weight {
    weight_distribution::kind k;
    double a, b, lo, hi;  // constant: a; normal: mean a, sd b; lognormal: mu a, sigma b
};

prepared_weight prepare(const weight_distribution& d) {
    d.validate();
    prepared_weight w{d.k, d.mean, d.sd, d.clip_low, d.clip_high};
    if (d.k == weight_distribution::kind::lognormal) {
        const double s2 = std::log1p((d.sd / d.mean) * (d.sd / d.mean));
        w.a = std::log(d.mean) - 0.5 * s2;
        w.b = std::sqrt(s2);
    }
    return w;
}

float weight_of(const prepared_weight& w, std::uint64_t seed, std::uint32_t projection_id, std::uint32_t target,
                std::uint32_t source) {
    if (w.k == weight_distribution::kind::constant) return static_cast<float>(w.a);
    const auto u = rng::philox(seed, rng::purpose::weight_init, target, step_of(projection_id, source), tag_weight);
    double z0, z1;
    rng::box_muller(u[0], u[1], z0, z1);
    if (w.k == weight_distribution::kind::normal) {
        double x = w.a + w.b * z0;
        x = std::min(std::max(x, w.lo), w.hi);
        return static_cast<float>(x);
    }
    return static_cast<float>(std::exp(w.a + w.b * z0));
}

// Delay parameters resolved once per table.
struct prepared_delay {
    delay_distribution::kind k;
    std::uint64_t base = 1;   // constant value, or uniform minimum
    std::uint64_t range = 1;  // uniform: max - min + 1; paper001 integer m (0: use ratio)
    double ratio = 0.0;       // paper001 d_max/dt when not an integer
};

// d_max/dt, snapped to an integer when within 1e-9 (relative).
double paper_ratio(double d_max, double dt, std::uint64_t& integer) {
    const double r = d_max / dt;
    const double m = std::round(r);
    integer = (m >= 1.0 && std::abs(r - m) <= 1e-9 * m) ? static_cast<std::uint64_t>(m) : 0;
    return r;
}

prepared_delay prepare(const delay_distribution& d, std::uint32_t max_delay_steps) {
    d.validate(max_delay_steps);
    prepared_delay p{d.k};
    switch (d.k) {
        case delay_distribution::kind::constant: p.base = d.steps; break;
        case delay_distribution::kind::uniform_steps:
            p.base = d.min_steps;
            p.range = static_cast<std::uint64_t>(d.max_steps) - d.min_steps + 1;
            break;
        case delay_distribution::kind::paper001: {
            std::uint64_t m = 0;
            p.ratio = paper_ratio(d.d_max, d.dt, m);
            p.range = m;
            break;
        }
    }
    return p;
}

std::uint16_t delay_of(const prepared_delay& p, std::uint64_t seed, std::uint32_t projection_id, std::uint32_t target,
                       std::uint32_t source) {
    if (p.k == delay_distribution::kind::constant) return static_cast<std::uint16_t>(p.base);
    const auto u = rng::philox(seed, rng::purpose::connectivity, target, step_of(projection_id, source), tag_delay);
    if (p.k == delay_distribution::kind::uniform_steps) {
        const std::uint64_t x = (static_cast<std::uint64_t>(u[0]) << 32) | u[1];
        return static_cast<std::uint16_t>(p.base + static_cast<std::uint64_t>((static_cast<u128>(x) * p.range) >> 64));
    }
    // paper001: floor(U·d_max/dt) + 1 with U = uniform53(u0, u1); exact integer arithmetic when
    // d_max/dt is an integer m.
    const std::uint64_t v = (static_cast<std::uint64_t>(u[0]) << 21) ^ (u[1] >> 11);
    if (p.range != 0) return static_cast<std::uint16_t>(((static_cast<u128>(v) * p.range) >> 53) + 1);
    const double U = static_cast<double>(v) * 0x1p-53;
    return static_cast<std::uint16_t>(static_cast<std::uint64_t>(std::floor(U * p.ratio)) + 1);
}

}  // namespace

// ---- weights --------------------------------------------------------------------------------

weight_distribution weight_distribution::constant(double w) {
    weight_distribution d;
    d.k = kind::constant;
    d.mean = w;
    return d;
}

weight_distribution weight_distribution::normal(double mean, double sd, double clip_low, double clip_high) {
    weight_distribution d;
    d.k = kind::normal;
    d.mean = mean;
    d.sd = sd;
    d.clip_low = clip_low;
    d.clip_high = clip_high;
    return d;
}

weight_distribution weight_distribution::normal_cv(double mean, double cv, double clip_low, double clip_high) {
    if (!(cv >= 0.0) || !std::isfinite(cv)) throw config_error("cv = " + num(cv) + " must be finite and >= 0");
    return normal(mean, cv * mean, clip_low, clip_high);
}

weight_distribution weight_distribution::lognormal(double mean, double sd) {
    weight_distribution d;
    d.k = kind::lognormal;
    d.mean = mean;
    d.sd = sd;
    return d;
}

void weight_distribution::validate() const {
    const std::string sign_note = " (weights are magnitudes; the sign comes from the presynaptic population)";
    switch (k) {
        case kind::constant:
            if (!(mean >= 0.0) || !std::isfinite(mean))
                throw config_error("weight = " + num(mean) + " must be finite and >= 0" + sign_note);
            break;
        case kind::normal:
            if (!(mean >= 0.0) || !std::isfinite(mean))
                throw config_error("mean = " + num(mean) + " must be finite and >= 0" + sign_note);
            if (!(sd >= 0.0) || !std::isfinite(sd)) throw config_error("sd = " + num(sd) + " must be finite and >= 0");
            if (!(clip_low >= 0.0) || !std::isfinite(clip_low))
                throw config_error("clip_low = " + num(clip_low) + " must be finite and >= 0" + sign_note);
            if (!(clip_high >= clip_low))
                throw config_error("clip_high = " + num(clip_high) + " is below clip_low = " + num(clip_low));
            break;
        case kind::lognormal:
            if (!(mean > 0.0) || !std::isfinite(mean))
                throw config_error("mean = " + num(mean) + " must be finite and > 0 for a log-normal weight");
            if (!(sd >= 0.0) || !std::isfinite(sd)) throw config_error("sd = " + num(sd) + " must be finite and >= 0");
            break;
    }
}

float draw_weight(const weight_distribution& d, std::uint64_t seed, std::uint32_t projection_id, std::uint32_t target,
                  std::uint32_t source) {
    return weight_of(prepare(d), seed, projection_id, target, source);
}

void initialise_weights(synapse_table& table, const weight_distribution& d, std::uint64_t seed,
                        std::uint32_t projection_id, int threads) {
    const auto w = prepare(d);
    for_each_row(table, threads, [&](std::size_t i) {
        for (std::uint64_t s = table.row_ptr[i]; s < table.row_ptr[i + 1]; ++s)
            table.weight[s] = weight_of(w, seed, projection_id, table.target[s], static_cast<std::uint32_t>(i));
    });
}

// ---- delays ---------------------------------------------------------------------------------

delay_distribution delay_distribution::constant(std::uint32_t steps) {
    delay_distribution d;
    d.k = kind::constant;
    d.steps = steps;
    return d;
}

delay_distribution delay_distribution::uniform_steps(std::uint32_t min_steps, std::uint32_t max_steps) {
    delay_distribution d;
    d.k = kind::uniform_steps;
    d.min_steps = min_steps;
    d.max_steps = max_steps;
    return d;
}

delay_distribution delay_distribution::paper001(double d_max, double dt) {
    delay_distribution d;
    d.k = kind::paper001;
    d.d_max = d_max;
    d.dt = dt;
    return d;
}

std::uint64_t delay_distribution::largest_steps() const {
    switch (k) {
        case kind::constant: return steps;
        case kind::uniform_steps: return max_steps;
        case kind::paper001: {
            std::uint64_t m = 0;
            const double r = paper_ratio(d_max, dt, m);
            if (m != 0) return m;
            if (!(r < 1e18)) return std::numeric_limits<std::uint64_t>::max();
            return static_cast<std::uint64_t>(std::floor(r)) + 1;
        }
    }
    return 0;
}

void delay_distribution::validate(std::uint32_t max_delay_steps) const {
    if (max_delay_steps < 1 || max_delay_steps > max_delay_limit)
        throw config_error("max_delay_steps = " + str(max_delay_steps) + " is outside [1, " + str(max_delay_limit) +
                           "] (delays are stored as uint16 steps)");
    const std::string limit = " exceeds the limit of " + str(max_delay_steps) + " steps (max_delay_steps)";
    switch (k) {
        case kind::constant:
            if (steps > max_delay_steps) throw config_error("delay = " + str(steps) + " steps" + limit);
            break;
        case kind::uniform_steps:
            if (min_steps < 1)
                throw config_error("min_steps = 0 is below the minimum delay of 1 step (a spike arrives at the "
                                   "earliest one step after it is emitted)");
            if (max_steps < min_steps)
                throw config_error("max_steps = " + str(max_steps) + " is below min_steps = " + str(min_steps));
            if (max_steps > max_delay_steps) throw config_error("max_steps = " + str(max_steps) + limit);
            break;
        case kind::paper001:
            if (!(dt > 0.0) || !std::isfinite(dt)) throw config_error("dt = " + num(dt) + " ms must be finite and > 0");
            if (!(d_max > 0.0) || !std::isfinite(d_max))
                throw config_error("d_max = " + num(d_max) + " ms must be finite and > 0");
            if (largest_steps() > max_delay_steps)
                throw config_error("d_max = " + num(d_max) + " ms at dt = " + num(dt) + " ms gives delays up to " +
                                   str(largest_steps()) + " steps, which" + limit);
            break;
    }
}

std::uint16_t draw_delay(const delay_distribution& d, std::uint64_t seed, std::uint32_t projection_id,
                         std::uint32_t target, std::uint32_t source) {
    return delay_of(prepare(d, max_delay_limit), seed, projection_id, target, source);
}

void initialise_delays(synapse_table& table, const delay_distribution& d, std::uint64_t seed,
                       std::uint32_t projection_id, std::uint32_t max_delay_steps, int threads) {
    const auto p = prepare(d, max_delay_steps);
    for_each_row(table, threads, [&](std::size_t i) {
        for (std::uint64_t s = table.row_ptr[i]; s < table.row_ptr[i + 1]; ++s)
            table.delay_steps[s] = delay_of(p, seed, projection_id, table.target[s], static_cast<std::uint32_t>(i));
    });
}

// ---- Dale -----------------------------------------------------------------------------------

std::optional<dale_violation> check_dale(const synapse_table& table) {
    for (std::size_t i = 0; i < table.n_pre; ++i) {
        for (std::uint64_t s = table.row_ptr[i]; s < table.row_ptr[i + 1]; ++s) {
            if (!(table.weight[s] >= 0.0f))
                return dale_violation{static_cast<std::uint32_t>(i), table.target[s], s, table.weight[s]};
        }
    }
    return std::nullopt;
}

void require_dale(const synapse_table& table, const std::string& what) {
    if (const auto v = check_dale(table)) {
        throw config_error(what + ": synapse " + str(v->pre) + " -> " + str(v->post) + " (index " + str(v->synapse) +
                           ") has weight " + num(v->weight) +
                           "; weights must be magnitudes >= 0 (the sign comes from the presynaptic population)");
    }
}

}  // namespace einet::network
