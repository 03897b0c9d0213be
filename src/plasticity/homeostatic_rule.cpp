#include "einet/plasticity/homeostatic_rule.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "einet/core/error.hpp"

namespace einet::plasticity {
namespace {

using ef = error_source;
using pf = presynaptic_factor;
using rs = rate_symbol;

// Signs of the standard homeostatic rule per class (001 Methods Eq. 6): + for E presynaptic
// classes (EE, IE), − for I presynaptic classes (EI, II).
constexpr std::array<double, 4> homeostatic_sign = {+1.0, -1.0, +1.0, -1.0};
// Cross-homeostatic signs (001 Methods Eq. 7): EE +, EI −, IE −, II +.
constexpr std::array<double, 4> cross_sign = {+1.0, -1.0, -1.0, +1.0};

rule single_term_rule(const std::string& name, const std::array<double, 4>& signs, pf factor, ef error) {
    rule r{name, {}};
    for (std::size_t c = 0; c < 4; ++c) r.classes[c].terms.push_back({signs[c], rs::alpha, factor, error});
    return r;
}

bool is_variant_name(const std::string& name) {
    return name.size() == 4 && std::all_of(name.begin(), name.end(), [](char ch) { return ch == 'H' || ch == 'A'; });
}

}  // namespace

std::vector<std::string> named_rules() {
    std::vector<std::string> names = {"homeostatic", "cross_homeostatic", "two_term", "synaptic_scaling",
                                      "forced_balance"};
    for (int v = 0; v < 16; ++v) {
        std::string s;
        for (int c = 3; c >= 0; --c) s += (v >> c) & 1 ? 'A' : 'H';
        names.push_back(s);
    }
    return names;
}

rule named_rule(const std::string& name, const std::string& key) {
    if (name == "homeostatic") return single_term_rule(name, homeostatic_sign, pf::rate, ef::post);
    if (name == "cross_homeostatic") return single_term_rule(name, cross_sign, pf::rate, ef::cross);
    if (name == "synaptic_scaling") return single_term_rule(name, homeostatic_sign, pf::weight, ef::post);
    if (name == "two_term") {
        // 001 Methods Eq. 8 / SI Eq. 9: cross terms at rate α, homeostatic terms at rate β.
        rule r{name, {}};
        for (std::size_t c = 0; c < 4; ++c) {
            r.classes[c].terms.push_back({cross_sign[c], rs::alpha, pf::rate, ef::cross});
            r.classes[c].terms.push_back({homeostatic_sign[c], rs::beta, pf::rate, ef::post});
        }
        return r;
    }
    if (name == "forced_balance") {
        // 001 SI Eq. 15 with the notebook's sign for W_IE (spec 001 §2.6, A12): EE and IE learn
        // homeostatically (IE with the minus sign), EI and II relax to the set-point plane.
        rule r{name, {}};
        r.classes[0].terms.push_back({+1.0, rs::alpha, pf::rate, ef::post});
        r.classes[1].relax_to_setpoint_plane = true;
        r.classes[2].terms.push_back({-1.0, rs::alpha, pf::rate, ef::post});
        r.classes[3].relax_to_setpoint_plane = true;
        return r;
    }
    if (is_variant_name(name)) {
        // 001 Fig. S2: H keeps the homeostatic sign of the class, A flips it.
        std::array<double, 4> signs{};
        for (std::size_t c = 0; c < 4; ++c) signs[c] = name[c] == 'H' ? homeostatic_sign[c] : -homeostatic_sign[c];
        return single_term_rule(name, signs, pf::rate, ef::post);
    }
    std::string list;
    for (const auto& n : named_rules()) {
        if (n.size() == 4 && n != "HHHH") continue;
        list += (list.empty() ? "" : ", ") + n;
    }
    throw config_error(key + ": expected one of " + list + " (or a four-letter H/A variant such as \"HAAA\"), got \"" +
                       name + "\"");
}

bool parse_term(const std::string& text, term& out, std::string& why) {
    std::string s;
    for (char ch : text) {
        if (ch != ' ') s += ch;
    }
    if (s.empty()) {
        why = "empty term";
        return false;
    }
    term t{1.0, rs::alpha, pf::one, ef::post};
    bool have_error = false, have_rate = false, have_factor = false;
    auto twice = [&](bool& seen, const char* what) {
        if (seen) why = std::string("a term takes one ") + what + ", got \"" + text + "\"";
        const bool again = seen;
        seen = true;
        return again;
    };
    std::size_t i = 0;
    if (s[0] == '+' || s[0] == '-') {
        t.coefficient = s[0] == '-' ? -1.0 : 1.0;
        i = 1;
    }
    std::stringstream ss(s.substr(i));
    std::string tok;
    while (std::getline(ss, tok, '*')) {
        if (tok == "alpha" || tok == "beta") {
            if (twice(have_rate, "rate (alpha or beta)")) return false;
            t.rate = tok == "alpha" ? rs::alpha : rs::beta;
        } else if (tok == "pre" || tok == "w") {
            if (twice(have_factor, "presynaptic factor (pre or w)")) return false;
            t.factor = tok == "pre" ? pf::rate : pf::weight;
        } else if (tok == "post" || tok == "cross") {
            if (twice(have_error, "error (post or cross)")) return false;
            t.error = tok == "post" ? ef::post : ef::cross;
        } else {
            char* end = nullptr;
            double v = std::strtod(tok.c_str(), &end);
            if (tok.empty() || end != tok.c_str() + tok.size() || !std::isfinite(v)) {
                why = "unknown factor \"" + tok + "\" (expected alpha, beta, pre, w, post, cross or a number)";
                return false;
            }
            t.coefficient *= v;
        }
    }
    if (!have_error) {
        why = "a term needs an error: post (own set-point error) or cross (the other population's)";
        return false;
    }
    if (!have_rate) {
        why = "a term needs a rate: alpha or beta";
        return false;
    }
    out = t;
    return true;
}

std::string to_string(const term& t) {
    char buf[64];
    std::string s;
    if (t.coefficient == 1.0) s = "+";
    else if (t.coefficient == -1.0) s = "-";
    else {
        std::snprintf(buf, sizeof buf, "%+.17g*", t.coefficient);
        s = buf;
    }
    s += t.rate == rs::alpha ? "alpha" : "beta";
    if (t.factor == pf::rate) s += "*pre";
    if (t.factor == pf::weight) s += "*w";
    s += t.error == ef::post ? "*post" : "*cross";
    return s;
}

void apply_rule(const rule& r, const std::vector<population_view>& pops, std::vector<projection_view>& projs,
                std::size_t batch, std::size_t b0, std::size_t b1, std::vector<double>& scratch) {
    const std::size_t cb = b1 - b0;
    // scratch: the mean set-point error of every population per network (the cross term's ε),
    // then ΔW of one synapse for the chunk's networks. Sized once; no allocation per call after.
    scratch.resize((pops.size() + 1) * cb);
    std::fill_n(scratch.begin(), pops.size() * cb, 0.0);
    double* delta = scratch.data() + pops.size() * cb;
    for (std::size_t p = 0; p < pops.size(); ++p) {
        double* mean = scratch.data() + p * cb;
        for (std::size_t k = 0; k < pops[p].n; ++k) {
            const double* rk = pops[p].error_rates + k * batch + b0;
            for (std::size_t c = 0; c < cb; ++c) mean[c] += pops[p].setpoint - rk[c];
        }
        for (std::size_t c = 0; c < cb; ++c) mean[c] /= static_cast<double>(pops[p].n);
    }
    // The cross error of a population is the mean error of the first population of the other
    // sign (checked to exist when the rule is bound: check_binding).
    auto opposite = [&](std::size_t p) {
        std::size_t q = 0;
        while (q < pops.size() && pops[q].excitatory == pops[p].excitatory) ++q;
        return q;
    };
    for (auto& pv : projs) {
        const class_rule& cr = r.classes[pv.class_index];
        const auto& post = pops[pv.post];
        const auto& pre = pops[pv.pre];
        const std::size_t n_post = post.n, n_pre = pre.n;
        const double* cross_mean = nullptr;
        for (const term& t : cr.terms) {
            if (t.error == ef::cross) cross_mean = scratch.data() + opposite(pv.post) * cb;
        }
        // The one update of a synapse i <- j for networks [b0, b1): ΔW from the old weight, then
        // the bounds. `w` is read and written through get/set (double or float storage).
        auto update = [&](std::size_t i, std::size_t j, auto get, auto set) {
            const double* err_rate = post.error_rates + i * batch + b0;
            const double* cross = post.cross_errors ? post.cross_errors + i * batch + b0 : cross_mean;
            const double* f_rate = pre.factor_rates + j * batch + b0;
            std::fill_n(delta, cb, 0.0);
            if (cr.relax_to_setpoint_plane) {
                // Forced balance (001 SI Eq. 15): relax toward the set-point-plane value.
                const double* target = pv.setpoint_plane_target + b0;
                for (std::size_t c = 0; c < cb; ++c) delta[c] += pv.alpha * (target[c] - get(c));
            }
            // Every term reads the old weight; the sum is added once (001 spec §1.4).
            for (const term& t : cr.terms) {
                const double k = t.coefficient * (t.rate == rs::alpha ? pv.alpha : pv.beta);
                for (std::size_t c = 0; c < cb; ++c) {
                    const double err = t.error == ef::post ? post.setpoint - err_rate[c] : cross[c];
                    const double f = t.factor == pf::rate ? f_rate[c] : t.factor == pf::weight ? get(c) : 1.0;
                    delta[c] += k * f * err;
                }
            }
            const bool diagonal = !pv.self_connections && pv.post == pv.pre && i == j;
            for (std::size_t c = 0; c < cb; ++c) {
                // Bounds after the update (001 spec §1.4). NaN passes through unchanged, so the
                // protocol's guard reports it instead of a floor hiding it.
                double v = get(c) + delta[c];
                v = v < pv.floor ? pv.floor : v > pv.ceiling ? pv.ceiling : v;
                set(c, diagonal ? 0.0 : v);
            }
        };
        if (pv.synapses) {
            // Synapse table (001 SI Eq. 16): only existing synapses, one network, float weights.
            if (batch != 1 || cb != 1) throw internal_error("apply_rule: a synapse table holds one network, got a batch");
            const auto& syn = *pv.synapses;
            for (std::size_t j = 0; j < syn.n_pre; ++j) {
                for (std::uint64_t k = syn.row_begin(j); k < syn.row_end(j); ++k) {
                    float& w = pv.synapse_weights[k];
                    update(syn.target[k], j, [&](std::size_t) { return static_cast<double>(w); },
                           [&](std::size_t, double v) { w = static_cast<float>(v); });
                }
            }
            continue;
        }
        for (std::size_t i = 0; i < n_post; ++i) {
            for (std::size_t j = 0; j < n_pre; ++j) {
                double* w = pv.weights + (i * n_pre + j) * batch + b0;
                update(i, j, [w](std::size_t c) { return w[c]; }, [w](std::size_t c, double v) { w[c] = v; });
            }
        }
    }
}

}  // namespace einet::plasticity
