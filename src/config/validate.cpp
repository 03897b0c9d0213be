#include "einet/config/validate.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "einet/config/schema.hpp"
#include "einet/core/units.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"
#include "validate_internal.hpp"
#include "training_presets.hpp"

namespace einet::config {
using detail::context;
using detail::show;
using detail::insert_at;

namespace detail {

std::string show(const toml::node& n) {
    std::ostringstream out;
    if (n.is_string()) out << '"' << *n.value<std::string>() << '"';
    else if (n.is_table()) out << "a table";
    else if (n.is_array()) out << "an array";
    else out << toml::toml_formatter(n);
    return out.str();
}

std::string context::where(const std::string& key, const toml::node* n) const {
    for (const auto& [k, o] : origins) {
        if (k == key) return o;
    }
    for (const auto& [k, o] : origins) {  // a table created by an override: name the override
        if (k.rfind(key + ".", 0) == 0 && o.rfind("--set", 0) == 0) return o;
    }
    if (n && n->source().begin.line > 0) {
        return source + ":" + std::to_string(n->source().begin.line) + ":" + std::to_string(n->source().begin.column);
    }
    return source;
}

std::optional<field_quantity> parse_field_quantity(const field& f, const std::string& text, std::string* why) {
    auto qv = units::parse_quantity(text, why);
    if (!qv) return std::nullopt;
    if (auto v = units::to_unit(*qv, f.unit)) return field_quantity{*v, f.unit};
    for (const auto& u : f.alt_units) {
        if (auto v = units::to_unit(*qv, u)) return field_quantity{*v, u};
    }
    if (why) *why = "the unit is a " + units::describe(qv->dim);
    return std::nullopt;
}

// Splits "a.b[2].c" into ("a", -1), ("b", 2), ("c", -1).
namespace {
std::vector<std::pair<std::string, long>> path_parts(const std::string& key) {
    std::vector<std::pair<std::string, long>> parts;
    std::stringstream ss(key);
    std::string part;
    while (std::getline(ss, part, '.')) {
        const auto open = part.find('[');
        if (open == std::string::npos) {
            parts.emplace_back(part, -1);
            continue;
        }
        parts.emplace_back(part.substr(0, open), -1);
        parts.back().second = std::stol(part.substr(open + 1, part.find(']') - open - 1));
    }
    return parts;
}
}  // namespace

void insert_at(toml::table& t, const std::string& key, toml::node&& value) {
    const auto parts = path_parts(key);
    toml::table* cur = &t;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        const auto& [name, index] = parts[i];
        if (index >= 0) {  // an element of an array of tables (it exists: checked by the caller)
            cur = (*(*cur)[name].as_array())[static_cast<std::size_t>(index)].as_table();
            continue;
        }
        auto* next = (*cur)[name].as_table();
        if (!next) {
            cur->insert_or_assign(name, toml::table{});
            next = (*cur)[name].as_table();
        }
        cur = next;
    }
    cur->insert_or_assign(parts.back().first, std::move(value));
}

}  // namespace detail

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string nearest(const std::string& key, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = 1000;
    for (const auto& c : candidates) {
        const auto d = edit_distance(key, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best_d <= std::max<std::size_t>(2, key.size() / 3) ? best : std::string();
}

constexpr double inf = std::numeric_limits<double>::infinity();

const char* example_of(const std::string& unit) {
    static const std::map<std::string, const char*> examples = {
        {"ms", "a time like \"10 ms\""}, {"Hz", "a rate like \"5 Hz\""}, {"s^-1/2", "an intensity like \"10 s^-1/2\""},
        {"mV", "a voltage like \"-65 mV\""}, {"pA", "a current like \"100 pA\""},
        {"GOhm", "a resistance like \"1 GOhm\""}, {"pF", "a capacitance like \"200 pF\""},
        {"nS", "a conductance like \"10 nS\""}, {"pA*ms", "a charge like \"3 nA ms\""},
        {"pA/ms^1/2", "a noise intensity like \"10 pA/ms^1/2\""}, {"mV/ms^1/2", "\"1 mV/ms^1/2\""}};
    auto it = examples.find(unit);
    return it == examples.end() ? "a quantity" : it->second;
}

std::string range_text(const field& f) {
    std::ostringstream out;
    auto num = [](double v) {
        std::ostringstream s;
        s << v;
        return s.str();
    };
    const bool has_min = std::isfinite(f.min), has_max = std::isfinite(f.max);
    if (!f.allow_infinite) out << "finite, ";
    if (has_min && has_max) out << "in [" << num(f.min) << ", " << num(f.max) << "]";
    else if (has_min) out << (f.min_exclusive ? "> " : ">= ") << num(f.min);
    else if (has_max) out << "<= " << num(f.max);
    if (!f.unit.empty() && (has_min || has_max)) out << " " << f.unit;
    return out.str();
}

bool in_range(const field& f, double v) {
    if (std::isnan(v)) return false;
    if (std::isinf(v) && !f.allow_infinite) return false;  // NaN and inf weights, rates, times: refused
    if (f.min_exclusive ? !(v > f.min) : !(v >= f.min)) return false;
    return v <= f.max;
}

std::string expected_quantity(const field& f) {
    std::string e = example_of(f.unit);
    for (const auto& u : f.alt_units) e += std::string(" or ") + example_of(u);
    return e;
}

// A quantity string of field `f` in its unit (or an alt unit); reported and nullopt when wrong.
std::optional<detail::field_quantity> check_quantity(const context& ctx, const std::string& key, const field& f,
                                                     const toml::node& n, bool check_range = true) {
    auto bad = [&](const std::string& expected) {
        ctx.fail(key, &n, "expected " + expected + ", got " + show(n));
        return std::nullopt;
    };
    if (!n.is_string()) return bad(expected_quantity(f) + (n.is_number() ? " (units are required)" : ""));
    std::string why;
    auto qv = units::parse_quantity(*n.value<std::string>(), &why);
    if (!qv) return bad(expected_quantity(f) + " (" + why + ")");
    auto v = detail::parse_field_quantity(f, *n.value<std::string>(), &why);
    if (!v) {
        auto want = units::parse_unit(f.unit);
        return bad(expected_quantity(f) + " (" + units::describe(want->dim) + ")" + " but the unit is a " +
                   units::describe(qv->dim));
    }
    if (check_range && !in_range(f, v->value)) return bad("a value " + range_text(f));
    return v;
}

// A quantity, or {dist = <shape>, ...} whose parameters are quantities of the field's dimension
// (all in the same unit family) except dimensionless ones such as cv.
bool check_quantity_distribution(const context& ctx, const std::string& key, const field& f, const toml::node& n) {
    if (!n.is_table()) return check_quantity(ctx, key, f, n).has_value();
    const auto& t = *n.as_table();
    std::string shapes;
    for (const auto& x : f.shapes) shapes += (shapes.empty() ? "" : " | ") + x;
    const auto name = t["dist"].value<std::string>();
    const distribution_shape* shape = name ? find_shape(*name) : nullptr;
    if (!shape || std::find(f.shapes.begin(), f.shapes.end(), *name) == f.shapes.end()) {
        ctx.fail(key + ".dist", t.get("dist") ? t.get("dist") : &n,
                 "expected dist = " + shapes + ", got " + (t.get("dist") ? show(*t.get("dist")) : std::string("nothing")));
        return false;
    }
    bool ok = true;
    std::string unit;  // the unit family of the first quantity parameter
    std::map<std::string, double> value;
    auto listed = [](const std::vector<std::string>& v, const std::string& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    for (auto&& [k, v] : t) {
        const std::string p(k.str());
        if (p == "dist") continue;
        const std::string pkey = key + "." + p;
        if (!listed(shape->required, p) && !listed(shape->optional, p)) {
            std::vector<std::string> names = shape->required;
            names.insert(names.end(), shape->optional.begin(), shape->optional.end());
            const auto hint = nearest(p, names);
            ctx.fail(pkey, &v, "expected a parameter of a " + *name + " distribution, got an unknown key" +
                                   (hint.empty() ? std::string() : " (did you mean " + key + "." + hint + "?)"));
            ok = false;
            continue;
        }
        if (listed(shape->numbers, p)) {
            if (!v.is_number() || !std::isfinite(*v.value<double>()) || *v.value<double>() < 0) {
                ctx.fail(pkey, &v, "expected a finite number >= 0, got " + show(v));
                ok = false;
            } else {
                value[p] = *v.value<double>();
            }
            continue;
        }
        field pf = f;  // parameters share the field's units; only means and bounds share its range
        if (p != "mean" && p != "low" && p != "high" && p != "max") pf.min = -inf;
        auto qv = check_quantity(ctx, pkey, pf, v);
        if (!qv) {
            ok = false;
            continue;
        }
        if (unit.empty()) unit = qv->unit;
        if (qv->unit != unit) {
            ctx.fail(pkey, &v, "expected the same kind of unit as the other parameters (" + unit + "), got " + show(v));
            ok = false;
        }
        value[p] = qv->value;
    }
    for (const auto& need : shape->required) {
        if (!t.contains(need)) {
            ctx.fail(key, &n, "expected " + need + " in a " + *name + " distribution, got none");
            ok = false;
        }
    }
    if (!ok) return false;
    auto bad = [&](const std::string& expected) {
        ctx.fail(key, &n, "expected " + expected + ", got " + show(n));
        return false;
    };
    if ((*name == "uniform" || *name == "uniform_steps") && value["low"] > value["high"]) return bad("low <= high");
    if (*name == "normal" && (value.count("std") + value.count("cv") != 1)) return bad("exactly one of std and cv");
    if (*name == "normal" && value.count("std") && value["std"] < 0) return bad("std >= 0");
    if (*name == "lognormal" && (!(value["mean"] > 0) || value["std"] < 0)) return bad("mean > 0 and std >= 0");
    return true;
}

// Checks one value against its field; returns false (after reporting) when it is wrong.
bool check_value(const context& ctx, const std::string& key, const field& f, const toml::node& n) {
    auto bad = [&](const std::string& expected) {
        ctx.fail(key, &n, "expected " + expected + ", got " + show(n));
        return false;
    };
    switch (f.type) {
        case kind::quantity: return check_quantity(ctx, key, f, n).has_value();
        case kind::quantity_distribution: return check_quantity_distribution(ctx, key, f, n);
        case kind::quantity_list: {
            if (!n.is_array()) return bad("a list of quantities like [\"100 ms\"]");
            bool ok = true;
            for (const auto& e : *n.as_array()) ok = check_quantity(ctx, key, f, e).has_value() && ok;
            return ok;
        }
        case kind::selection: {
            const std::string expected = "\"all\", a number k of first neurons, or [first, last) with first <= last";
            if (n.is_string()) return *n.value<std::string>() == "all" ? true : bad(expected);
            if (n.is_integer()) return *n.value<std::int64_t>() >= 0 ? true : bad(expected);
            const auto* a = n.as_array();
            if (!a || a->size() != 2 || !(*a)[0].is_integer() || !(*a)[1].is_integer()) return bad(expected);
            const auto first = *(*a)[0].value<std::int64_t>(), last = *(*a)[1].value<std::int64_t>();
            return first >= 0 && first <= last ? true : bad(expected);
        }
        case kind::number_list: {
            const std::string expected = "a number or a list of numbers " + range_text(f);
            if (n.is_number()) return in_range(f, *n.value<double>()) ? true : bad(expected);
            if (!n.is_array() || n.as_array()->empty()) return bad(expected);
            for (const auto& e : *n.as_array()) {
                if (!e.is_number() || !in_range(f, *e.value<double>())) return bad(expected);
            }
            return true;
        }
        case kind::number: {
            if (!n.is_number()) return bad("a number");
            const double v = *n.value<double>();
            if (!in_range(f, v)) return bad("a number " + range_text(f));
            return true;
        }
        case kind::integer: {
            if (!n.is_integer()) return bad("an integer");
            const double v = static_cast<double>(*n.value<std::int64_t>());
            if (!in_range(f, v)) return bad("an integer " + range_text(f));
            return true;
        }
        case kind::boolean:
            return n.is_boolean() ? true : bad("true or false");
        case kind::string:
            return n.is_string() ? true : bad("a string");
        case kind::choice: {
            std::string list;
            for (const auto& c : f.choices) list += (list.empty() ? "" : " | ") + c;
            if (!n.is_string()) return bad("one of " + list);
            const auto s = *n.value<std::string>();
            if (std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) return bad("one of " + list);
            return true;
        }
        case kind::distribution: {
            if (n.is_number()) {
                const double v = *n.value<double>();
                return in_range(f, v) ? true : bad("a number " + range_text(f));
            }
            if (!n.is_table()) return bad("a number or {dist = \"uniform\", low, high} / {dist = \"normal\", mean, std}");
            const auto& t = *n.as_table();
            const auto kind_name = t["dist"].value<std::string>();
            const std::vector<std::string> keys = kind_name == "uniform"  ? std::vector<std::string>{"dist", "low", "high"}
                                                  : kind_name == "normal" ? std::vector<std::string>{"dist", "mean", "std"}
                                                                          : std::vector<std::string>{};
            if (keys.empty()) return bad("dist = \"uniform\" or \"normal\"");
            bool ok = true;
            for (auto&& [k, v] : t) {
                const std::string name(k.str());
                if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
                    ctx.fail(key + "." + name, &v, "unknown key of a " + *kind_name + " distribution");
                    ok = false;
                } else if (name != "dist" && (!v.is_number() || std::isnan(*v.value<double>()))) {
                    ctx.fail(key + "." + name, &v, "expected a number, got " + show(v));
                    ok = false;
                }
            }
            for (const auto& need : keys) {
                if (!t.contains(need)) {
                    ctx.fail(key, &n, "a " + *kind_name + " distribution needs " + need);
                    ok = false;
                }
            }
            if (!ok) return false;
            const double a = *t[keys[1]].value<double>(), b = *t[keys[2]].value<double>();
            if (*kind_name == "uniform" && (a > b || !in_range(f, a) || !in_range(f, b))) {
                return bad("low <= high, both " + range_text(f));
            }
            if (*kind_name == "normal" && (!in_range(f, a) || !std::isfinite(b) || b < 0)) {
                return bad("a mean " + range_text(f) + " and a finite std >= 0");
            }
            return true;
        }
        case kind::integer_list:
        case kind::string_list: {
            if (!n.is_array()) return bad(f.type == kind::integer_list ? "a list of integers" : "a list of strings");
            for (const auto& e : *n.as_array()) {
                if (f.type == kind::integer_list && (!e.is_integer() || *e.value<std::int64_t>() < f.min)) {
                    return bad("a list of integers " + range_text(f));
                }
                if (f.type == kind::string_list && !e.is_string()) return bad("a list of strings");
            }
            return true;
        }
    }
    return true;
}

const field* find_field(const section& sec, const std::string& rel) {
    for (const auto& f : sec.fields) {
        if (f.key == rel) return &f;
    }
    return nullptr;
}

bool is_prefix_of_field(const section& sec, const std::string& rel) {
    for (const auto& f : sec.fields) {
        if (f.key.rfind(rel + ".", 0) == 0) return true;
    }
    return false;
}

std::string study_list(const std::vector<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += " " + x;
    return out;
}

// Checks the keys of one table: a fixed section, one instance of a named section
// ("populations.E") or one element of an array section ("projections[2]").
void walk(const context& ctx, const section& sec, const std::string& instance, const toml::table& t,
          const std::string& rel_prefix, const std::string& study) {
    for (auto&& [k, v] : t) {
        const std::string rel = rel_prefix.empty() ? std::string(k.str()) : rel_prefix + "." + std::string(k.str());
        const std::string full = instance + "." + rel;
        const field* f = find_field(sec, rel);
        if (f && uses(*f, study)) {
            check_value(ctx, full, *f, v);
        } else if (f) {
            ctx.fail(full, &v, "expected a key used by study \"" + study + "\", got a key used only by" + study_list(f->studies));
        } else if (v.is_table() && is_prefix_of_field(sec, rel)) {
            walk(ctx, sec, instance, *v.as_table(), rel, study);
        } else {
            std::vector<std::string> names;
            for (const auto& fl : sec.fields) {
                if (uses(fl, study)) names.push_back(instance + "." + fl.key);
            }
            const auto hint = nearest(full, names);
            ctx.fail(full, &v, "expected a key of [" + sec.name + "] (einet describe " + sec.name + "), got an unknown key" +
                                   (hint.empty() ? std::string() : " (did you mean " + hint + "?)"));
        }
    }
}

// Instance names become SONATA group names and key path components.
bool valid_instance_name(const std::string& name) {
    return !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                                std::string::npos;
}

// Checks a section's value by its layout and returns the keys of its instances.
std::vector<std::string> walk_section(const context& ctx, const section& sec, const toml::node& v, const std::string& study) {
    std::vector<std::string> instances;
    switch (sec.shape) {
        case layout::fixed:
            if (!v.is_table()) {
                ctx.fail(sec.name, &v, "expected a table [" + sec.name + "], got " + show(v));
                break;
            }
            walk(ctx, sec, sec.name, *v.as_table(), "", study);
            instances.push_back(sec.name);
            break;
        case layout::named:
            if (!v.is_table()) {
                ctx.fail(sec.name, &v, "expected tables [" + sec.name + ".<name>], got " + show(v));
                break;
            }
            for (auto&& [k, inst] : *v.as_table()) {
                const std::string key = sec.name + "." + std::string(k.str());
                if (!valid_instance_name(std::string(k.str()))) {
                    ctx.fail(key, &inst, "expected a name of letters, digits and _, got \"" + std::string(k.str()) + "\"");
                } else if (!inst.is_table()) {
                    ctx.fail(key, &inst, "expected a table [" + key + "] (einet describe " + sec.name + "), got " + show(inst));
                } else {
                    walk(ctx, sec, key, *inst.as_table(), "", study);
                    instances.push_back(key);
                }
            }
            break;
        case layout::array: {
            const auto* a = v.as_array();
            if (!a || !a->is_array_of_tables()) {
                ctx.fail(sec.name, &v, "expected tables [[" + sec.name + "]], got " + show(v));
                break;
            }
            for (std::size_t i = 0; i < a->size(); ++i) {
                const std::string key = sec.name + "[" + std::to_string(i) + "]";
                walk(ctx, sec, key, *(*a)[i].as_table(), "", study);
                instances.push_back(key);
            }
            break;
        }
    }
    return instances;
}

toml::table parse_value(const std::string& literal) { return toml::parse("v = " + literal); }

// Whether field `f` of `instance` applies: its when_key condition holds (after defaults of the
// fields before it).
bool applies(const toml::table& t, const std::string& instance, const field& f) {
    if (f.when_key.empty()) return true;
    auto w = t.at_path(instance + "." + f.when_key);
    if (!w) return false;
    if (f.when_values.empty()) return true;
    const auto s = w.value<std::string>();
    return s && std::find(f.when_values.begin(), f.when_values.end(), *s) != f.when_values.end();
}

// Fills the defaults of one instance in field order (so default_from and when_key see the
// fields resolved before them) and reports required keys that are missing and keys whose
// condition does not hold.
void fill_defaults(const context& ctx, toml::table& t, const section& sec, const std::string& instance,
                   origin_list& origins, const std::string& study) {
    for (const auto& f : sec.fields) {
        if (!uses(f, study)) continue;
        const std::string full = instance + "." + f.key;
        const bool on = applies(t, instance, f);
        if (auto present = t.at_path(full)) {
            if (!on && !ctx.found.reported(full)) {
                std::string cond = f.when_key;
                if (!f.when_values.empty()) {
                    cond += " =";
                    for (std::size_t i = 0; i < f.when_values.size(); ++i) cond += (i ? " |" : "") + (" " + f.when_values[i]);
                }
                auto w = t.at_path(instance + "." + f.when_key);
                ctx.fail(full, present.node(),
                         "expected this key only with " + cond + ", got it with " +
                             (w ? instance + "." + f.when_key + " = " + show(*w.node()) : instance + "." + f.when_key + " unset"));
            }
            continue;
        }
        if (!on) continue;
        if (!f.default_from.empty()) {
            const std::string from = sec.shape == layout::fixed ? f.default_from : instance + "." + f.default_from;
            if (auto src = t.at_path(from)) {
                insert_at(t, full, toml::value<double>(src.value<double>().value_or(0.0)));
                origins.emplace_back(full, ctx.source + " (default from " + from + ")");
            }
        } else if (!f.default_text.empty()) {
            auto parsed = parse_value(f.default_text);
            insert_at(t, full, std::move(*parsed.get("v")));
            origins.emplace_back(full, ctx.source + " (default)");
        } else if (!f.optional) {
            ctx.fail(full, t.at_path(instance).node(), "expected a value (" + f.doc + "), got nothing: the key is required");
        }
    }
}

void check_cross_keys(const context& ctx, toml::table& t, const std::string& study);

const section* section_named(const std::string& name, const std::string& study) {
    for (const auto& sec : schema()) {
        if (sec.name == name && uses(sec, study)) return &sec;
    }
    return nullptr;
}

}  // namespace

void apply_overrides(toml::table& t, const std::vector<std::string>& overrides, origin_list& origins, problems& found) {
    for (const auto& o : overrides) {
        const auto eq = o.find('=');
        if (eq == std::string::npos || eq == 0) {
            found.add("--set", o, "expected key.path=value");
            continue;
        }
        const std::string key = o.substr(0, eq), value = o.substr(eq + 1);
        // A schema key, or a member of a distribution value (weights.EE.low, projections[0].weight.mean).
        auto ref = lookup(key);
        if (!ref || !ref->f) {
            const auto dot = key.rfind('.');
            auto parent = dot == std::string::npos ? std::nullopt : lookup(key.substr(0, dot));
            const bool dist_member = parent && parent->f &&
                                     (parent->f->type == kind::distribution || parent->f->type == kind::quantity_distribution);
            if (!dist_member) {
                // Candidates spelled with the user's instance ("populations.E.", "projections[1].").
                std::vector<std::string> all_keys;
                for (const auto& sec : schema()) {
                    std::string inst = sec.name;
                    if (sec.shape != layout::fixed && key.rfind(sec.name, 0) == 0) {
                        const auto cut = sec.shape == layout::named ? key.find('.', sec.name.size() + 1) : key.find(']');
                        if (cut != std::string::npos) inst = key.substr(0, cut + (sec.shape == layout::array ? 1 : 0));
                    }
                    for (const auto& f : sec.fields) all_keys.push_back(inst + "." + f.key);
                }
                const auto hint = nearest(key, all_keys);
                found.add("--set " + key, key, "expected a configuration key, got an unknown key" +
                                                   (hint.empty() ? std::string() : " (did you mean " + hint + "?)"));
                continue;
            }
            ref = parent;
        }
        if (ref->sec->shape == layout::array && !t.at_path(ref->instance)) {
            const auto* a = t[ref->sec->name].as_array();
            found.add("--set " + key, key,
                      "expected an element that exists (the file has " + std::to_string(a ? a->size() : 0) + " [[" +
                          ref->sec->name + "]]), got " + ref->instance);
            continue;
        }
        toml::table parsed;
        try {
            parsed = parse_value(value);
        } catch (const toml::parse_error&) {
            parsed = toml::table{{"v", value}};  // not TOML: a bare word or a quantity -> string
        }
        insert_at(t, key, std::move(*parsed.get("v")));
        origins.emplace_back(key, "--set " + key);
    }
}

void validate_and_resolve(toml::table& t, const std::string& source, origin_list& origins, problems& found) {
    const context ctx{source, origins, found};
    // The study decides which sections and keys exist.
    std::string study;
    if (auto s = t.at_path("experiment.study").value<std::string>()) study = *s;
    const auto& valid = studies();
    if (std::find(valid.begin(), valid.end(), study) == valid.end()) study.clear();

    std::vector<std::string> section_names;
    for (const auto& sec : schema()) section_names.push_back(sec.name);
    std::map<std::string, std::vector<std::string>> instances;  // section -> instance keys
    for (auto&& [k, v] : t) {
        const std::string name(k.str());
        const section* sec = section_named(name, study);
        if (!sec) {
            if (const section* other = section_named(name, "")) {
                ctx.fail(name, &v, "expected only sections used by study \"" + study + "\", got a section not used by it (used by:" +
                                       study_list(other->studies) + ")");
                continue;
            }
            const auto hint = nearest(name, section_names);
            ctx.fail(name, &v, "expected a section of the schema (einet list), got an unknown section" +
                                   (hint.empty() ? std::string() : " (did you mean [" + hint + "]?)"));
            continue;
        }
        instances[name] = walk_section(ctx, *sec, v, study);
    }
    // Defaults, in schema order (so default_from sees keys resolved before it).
    for (const auto& sec : schema()) {
        if (!study.empty() && !uses(sec, study)) continue;
        if (sec.shape == layout::fixed) {
            fill_defaults(ctx, t, sec, sec.name, origins, study);
            continue;
        }
        for (const auto& inst : instances[sec.name]) fill_defaults(ctx, t, sec, inst, origins, study);
    }
    if (auto name = t.at_path("experiment.name").value<std::string>(); name && name->empty()) {
        insert_at(t, "experiment.name", toml::value<std::string>(std::filesystem::path(source).stem().string()));
    }
    // Cross-key checks run even after field errors (all problems are reported together); each
    // skips inputs that are absent or already reported.
    if (!study.empty()) check_cross_keys(ctx, t, study);
    if (study == "spiking" || study == "spiking_training" || study == "convergence") detail::check_spiking(ctx, t);
    if (study == "rnn_training") detail::check_rnn_training(ctx, t);
}

namespace {

double quantity_of(const toml::table& t, const std::string& key, const std::string& unit) {
    return *units::to_unit(*units::parse_quantity(*t.at_path(key).value<std::string>()), unit);
}

// Study spiking_training: the rule, the effective bounds (explicit or the preset's), the sweep
// lengths and the paradoxical test's window, before anything is built or written.
// The rule of a plasticity study (<section>.rule): a named member of the family, or "custom" with a
// term list for every class (<section>.terms.EE, .EI, .IE, .II); term lists only with "custom".
// `no_relax` non-empty: forced_balance is not allowed here, and this is the message.
void check_rule(const context& ctx, toml::table& t, const std::string& section, const std::string& no_relax) {
    const std::string rule_key = section + ".rule";
    if (!t.at_path(rule_key) || ctx.found.reported(rule_key)) return;
    auto node = [&](const std::string& key) { return t.at_path(key).node(); };
    const auto rule = *t.at_path(rule_key).value<std::string>();
    bool have_terms = false;
    for (const char* c : plasticity::class_names) have_terms = have_terms || t.at_path(section + ".terms." + c);
    if (rule == "custom") {
        for (const char* c : plasticity::class_names) {
            const std::string key = section + ".terms." + c;
            auto n = t.at_path(key);
            if (!n) {
                ctx.fail(key, node(rule_key), "expected a term list for every class with rule = \"custom\", got none");
                continue;
            }
            if (ctx.found.reported(key)) continue;
            for (const auto& e : *n.as_array()) {
                plasticity::term term;
                std::string why;
                if (!plasticity::parse_term(*e.value<std::string>(), term, why)) {
                    ctx.fail(key, &e, "expected a term like \"+alpha*pre*post\": " + why + ", got " + show(e));
                }
            }
        }
        return;
    }
    if (rule == "forced_balance" && !no_relax.empty()) {
        ctx.fail(rule_key, node(rule_key), no_relax);
    } else {
        try {
            plasticity::named_rule(rule);
        } catch (const std::exception& e) {
            const std::string msg = e.what();
            ctx.fail(rule_key, node(rule_key), msg.substr(msg.find(": ") + 2));
        }
    }
    if (have_terms) {
        ctx.fail(section + ".terms", node(rule_key),
                 "expected rule = \"custom\" with term lists, got term lists with rule = \"" + rule + "\"");
    }
}

void check_training(const context& ctx, toml::table& t) {
    auto node = [&](const std::string& key) { return t.at_path(key).node(); };
    auto usable = [&](const std::string& k) { return t.at_path(k) && !ctx.found.reported(k); };
    check_rule(ctx, t, "training",
               "expected a rule without set-point-plane relaxation (forced_balance is a rate-model member), got \"forced_balance\"");
    if (usable("training.preset")) {
        const auto pre = training_preset_named(*t.at_path("training.preset").value<std::string>());
        auto value = [&](const std::string& key, double fallback) {
            return usable(key) ? quantity_of(t, key, "pA") : fallback;
        };
        const double floor = value("training.weight_floor", pre.floor), ceiling = value("training.weight_ceiling", pre.ceiling);
        if (ceiling < floor && (t.at_path("training.weight_floor") || t.at_path("training.weight_ceiling"))) {
            const std::string key = t.at_path("training.weight_floor") ? "training.weight_floor" : "training.weight_ceiling";
            ctx.fail(key, node(key), "expected weight_floor <= weight_ceiling, got " + std::to_string(floor) + " pA > " +
                                         std::to_string(ceiling) + " pA (explicit keys or the preset's)");
        }
    }
    std::size_t networks = 0;
    if (auto* projections = t.at_path("projections").as_array()) {
        for (std::size_t k = 0; k < projections->size(); ++k) {
            const std::string key = "projections[" + std::to_string(k) + "].sweep_means";
            auto* list = t.at_path(key).as_array();
            if (!list || ctx.found.reported(key)) continue;
            if (networks != 0 && list->size() != networks) {
                ctx.fail(key, node(key), "expected " + std::to_string(networks) +
                                             " entries (as the other projections' sweep_means), got " + std::to_string(list->size()));
            }
            networks = std::max(networks, list->size());
        }
    }
    if (t.at_path("paradoxical.amplitudes") && usable("paradoxical.start") && usable("paradoxical.stop") &&
        usable("paradoxical.duration")) {
        const double a = quantity_of(t, "paradoxical.start", "ms"), b = quantity_of(t, "paradoxical.stop", "ms"),
                     d = quantity_of(t, "paradoxical.duration", "ms");
        if (!(a < b && b <= d)) {
            ctx.fail("paradoxical.stop", node("paradoxical.stop"),
                     "expected start < stop <= duration, got start " + std::to_string(a) + " ms, stop " + std::to_string(b) +
                         " ms, duration " + std::to_string(d) + " ms");
        }
    }
    if (t.at_path("paradoxical.amplitudes") && usable("paradoxical.target")) {
        const auto target = *t.at_path("paradoxical.target").value<std::string>();
        if (!t.at_path("populations." + target)) {
            ctx.fail("paradoxical.target", node("paradoxical.target"), "expected the name of a population, got \"" + target + "\"");
        }
    }
}

void check_cross_keys(const context& ctx, toml::table& t, const std::string& study) {
    auto node = [&](const std::string& key) { return t.at_path(key).node(); };
    // True when every key is present and was not already reported as wrong.
    auto usable = [&](std::initializer_list<std::string> keys) {
        for (const auto& k : keys) {
            if (!t.at_path(k) || ctx.found.reported(k)) return false;
        }
        return true;
    };
    auto q = [&](const std::string& key) { return quantity_of(t, key, "ms"); };
    const bool have_dt = usable({"run.dt"});
    const double dt = have_dt ? q("run.dt") : 0.0;
    // Forward Euler on a time constant τ needs dt well below τ (dt/τ = 0.05 for τ_I in 001).
    for (const char* key : {"model.E.tau", "model.I.tau", "noise.tau"}) {
        if (!have_dt || !usable({key, "noise.scheme"})) continue;
        const double tau = q(key);
        const bool exact_noise = std::string(key) == "noise.tau" && *t.at_path("noise.scheme").value<std::string>() == "exact";
        if (!exact_noise && dt > 0.5 * tau) {
            ctx.fail("run.dt", node("run.dt"),
                     "expected dt <= 0.5 * " + std::string(key) + " (forward Euler is inaccurate or unstable beyond), got dt = " +
                         std::to_string(dt) + " ms with " + key + " = " + std::to_string(tau) + " ms");
        }
    }
    auto multiple_of_dt = [&](const std::string& key) {
        if (!have_dt || !usable({key})) return;
        const double steps = q(key) / dt;
        if (std::abs(steps - std::round(steps)) > 1e-6 * std::max(1.0, steps)) {
            ctx.fail(key, node(key), "expected a multiple of run.dt = " + std::to_string(dt) + " ms, got " + show(*node(key)));
        }
    };
    // Times the engine rounds to the step grid must lie on it (a silent shift by llround is a bug).
    multiple_of_dt("kick.duration");
    multiple_of_dt("record.trace_every");
    if (usable({"kick.start"}) && q("kick.start") >= 0.0) multiple_of_dt("kick.start");
    if (usable({"run.batch", "record.trace_network"})) {
        const auto batch = *t.at_path("run.batch").value<std::int64_t>();
        if (*t.at_path("record.trace_network").value<std::int64_t>() >= batch) {
            ctx.fail("record.trace_network", node("record.trace_network"),
                     "expected a network index < run.batch = " + std::to_string(batch));
        }
    }
    if (study == "trial_plasticity") {
        multiple_of_dt("protocol.trial_duration");
        multiple_of_dt("protocol.measure_window");
        if (usable({"protocol.measure_window", "protocol.trial_duration"}) &&
            q("protocol.measure_window") >= q("protocol.trial_duration")) {
            // The window holds window/dt + 1 samples (the authors' 5001 for 0.5 s), so it must be shorter.
            ctx.fail("protocol.measure_window", node("protocol.measure_window"),
                     "expected less than protocol.trial_duration, got " + show(*node("protocol.measure_window")));
        }
        if (usable({"kick.start", "kick.duration", "protocol.trial_duration"}) &&
            q("kick.start") + q("kick.duration") > q("protocol.trial_duration")) {
            ctx.fail("kick.start", node("kick.start"), "expected a kick that ends within protocol.trial_duration");
        }
        if (usable({"protocol.final_trials", "protocol.trials"})) {
            const auto trials = *t.at_path("protocol.trials").value<std::int64_t>();
            const auto final_trials = *t.at_path("protocol.final_trials").value<std::int64_t>();
            if (final_trials > trials) {
                if (ctx.where("protocol.final_trials", nullptr).find("(default)") != std::string::npos) {
                    // The default (10) adapts to short runs: average over all trials.
                    insert_at(t, "protocol.final_trials", toml::value<std::int64_t>(trials));
                } else {
                    ctx.fail("protocol.final_trials", node("protocol.final_trials"),
                             "expected at most protocol.trials = " + std::to_string(trials) + " (set at " +
                                 ctx.where("protocol.trials", node("protocol.trials")) + "), got " + std::to_string(final_trials));
                }
            }
        }
    }
    if (study == "online_plasticity") {
        multiple_of_dt("online.duration");
        multiple_of_dt("online.final_window");
        if (usable({"online.final_window", "online.duration"}) && q("online.final_window") > q("online.duration")) {
            ctx.fail("online.final_window", node("online.final_window"), "expected at most online.duration");
        }
    }
    if (study == "fixed_weights") {
        multiple_of_dt("perturbation.duration");
        multiple_of_dt("perturbation.at");
        multiple_of_dt("perturbation.window");
        if (usable({"run.batch"}) && *t.at_path("run.batch").value<std::int64_t>() != 1) {
            ctx.fail("run.batch", node("run.batch"), "expected 1 for study \"fixed_weights\" (it reports one network)");
        }
        if (usable({"perturbation.at", "perturbation.duration", "perturbation.window"})) {
            const double at = q("perturbation.at"), dur = q("perturbation.duration"), win = q("perturbation.window");
            if (!(at < dur)) ctx.fail("perturbation.at", node("perturbation.at"), "expected a time before perturbation.duration");
            if (win > at || win > dur - at) {
                ctx.fail("perturbation.window", node("perturbation.window"),
                         "expected a window that fits before and after perturbation.at");
            }
        }
        if (usable({"perturbation.kind", "perturbation.target"})) {
            const auto kind_name = *t.at_path("perturbation.kind").value<std::string>();
            const auto target = *t.at_path("perturbation.target").value<std::string>();
            if ((kind_name == "input") != (target.size() == 1)) {
                ctx.fail("perturbation.target", node("perturbation.target"),
                         kind_name == "input" ? "expected a population (E or I) for an input perturbation, got \"" + target + "\""
                                              : "expected a weight class (EE, EI, IE, II) for a weight perturbation, got \"" + target + "\"");
            }
        }
    }
    if (study == "trial_plasticity" || study == "online_plasticity") {
        if (usable({"plasticity.weight_floor", "plasticity.weight_ceiling"}) &&
            *t.at_path("plasticity.weight_ceiling").value<double>() < *t.at_path("plasticity.weight_floor").value<double>()) {
            ctx.fail("plasticity.weight_ceiling", node("plasticity.weight_ceiling"),
                     "expected a ceiling >= plasticity.weight_floor = " +
                         std::to_string(*t.at_path("plasticity.weight_floor").value<double>()));
        }
        check_rule(ctx, t, "plasticity",
                   study == "online_plasticity"
                       ? "expected a rule without set-point-plane relaxation online, got \"forced_balance\" (trial studies only)"
                       : "");
    }
    if (study == "spiking_training") check_training(ctx, t);
}

}  // namespace
}  // namespace einet::config
