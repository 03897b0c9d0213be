#include "einet/config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "einet/config/schema.hpp"
#include "einet/config/validate.hpp"
#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/core/units.hpp"

namespace einet::config {
namespace {

const field& field_of(const std::string& key) {
    auto ref = lookup(key);
    if (!ref || !ref->f) throw internal_error("config key not in schema: " + key);
    return *ref->f;
}

// The key path written on `line` (1-based) of a TOML text, from the line's "key =" and the last
// [table] header above it; empty when the line holds no key. Used to name the key in syntax errors.
std::string key_on_line(const std::string& text, std::size_t line) {
    std::istringstream in(text);
    std::string l, table;
    auto trim = [](std::string x) {
        const auto a = x.find_first_not_of(" \t"), b = x.find_last_not_of(" \t\r");
        return a == std::string::npos ? std::string() : x.substr(a, b - a + 1);
    };
    for (std::size_t n = 1; std::getline(in, l) && n <= line; ++n) {
        const auto t = trim(l);
        if (t.size() > 2 && t.front() == '[') {
            const auto close = t.find(']');
            table = trim(t.substr(t[1] == '[' ? 2 : 1, close == std::string::npos ? std::string::npos : close - (t[1] == '[' ? 2 : 1)));
        } else if (n == line) {
            const auto eq = t.find('=');
            if (eq == std::string::npos || eq == 0) return {};
            const auto key = trim(t.substr(0, eq));
            return table.empty() ? key : table + "." + key;
        }
    }
    return {};
}

}  // namespace

double distribution::sample(double u1, double u2) const {
    switch (kind) {
        case shape::constant: return a;
        case shape::uniform: return a + (b - a) * u1;
        case shape::normal: {
            // Box–Muller with einet's own log and cosine (core/rng.hpp), not the system libm.
            double c, s;
            rng::sincos_turn(u2, c, s);
            return a + b * std::sqrt(-2.0 * rng::log_unit(u1)) * c;
        }
    }
    return a;
}

resolved_config::resolved_config() : table_(std::make_unique<toml::table>()) {}
resolved_config::~resolved_config() = default;
resolved_config::resolved_config(resolved_config&&) noexcept = default;
resolved_config& resolved_config::operator=(resolved_config&&) noexcept = default;

namespace {
const toml::node& node_at(const toml::table& t, const std::string& key) {
    auto view = t.at_path(key);
    if (!view) throw internal_error("resolved config lacks " + key);
    return *view.node();
}
}  // namespace

bool resolved_config::has(const std::string& key) const { return static_cast<bool>(table_->at_path(key)); }

double resolved_config::quantity(const std::string& key) const {
    const auto q = units::parse_quantity(*node_at(*table_, key).value<std::string>());
    return *units::to_unit(*q, field_of(key).unit);
}
double resolved_config::number(const std::string& key) const { return *node_at(*table_, key).value<double>(); }
std::int64_t resolved_config::integer(const std::string& key) const {
    return *node_at(*table_, key).value<std::int64_t>();
}
bool resolved_config::boolean(const std::string& key) const { return *node_at(*table_, key).value<bool>(); }
std::string resolved_config::string(const std::string& key) const {
    return *node_at(*table_, key).value<std::string>();
}
std::vector<std::int64_t> resolved_config::integer_list(const std::string& key) const {
    std::vector<std::int64_t> out;
    for (const auto& v : *node_at(*table_, key).as_array()) out.push_back(*v.value<std::int64_t>());
    return out;
}
std::vector<double> resolved_config::number_list(const std::string& key) const {
    const auto& n = node_at(*table_, key);
    if (n.is_number()) return {*n.value<double>()};
    std::vector<double> out;
    for (const auto& v : *n.as_array()) out.push_back(*v.value<double>());
    return out;
}
std::vector<std::string> resolved_config::string_list(const std::string& key) const {
    std::vector<std::string> out;
    for (const auto& v : *node_at(*table_, key).as_array()) out.push_back(*v.value<std::string>());
    return out;
}
distribution resolved_config::dist(const std::string& key) const {
    const auto& n = node_at(*table_, key);
    distribution d;
    if (n.is_number()) {
        d.a = *n.value<double>();
        return d;
    }
    const auto& t = *n.as_table();
    const auto kind = *t["dist"].value<std::string>();
    if (kind == "uniform") {
        d.kind = distribution::shape::uniform;
        d.a = *t["low"].value<double>();
        d.b = *t["high"].value<double>();
    } else {
        d.kind = distribution::shape::normal;
        d.a = *t["mean"].value<double>();
        d.b = *t["std"].value<double>();
    }
    return d;
}

std::optional<double> resolved_config::quantity_in(const std::string& key, const std::string& unit) const {
    const auto q = units::parse_quantity(*node_at(*table_, key).value<std::string>());
    return units::to_unit(*q, unit);
}

bool quantity_dist::has(const std::string& name) const {
    for (const auto& [k, v] : params) {
        if (k == name) return true;
    }
    return false;
}
double quantity_dist::param(const std::string& name, double fallback) const {
    for (const auto& [k, v] : params) {
        if (k == name) return v;
    }
    return fallback;
}

quantity_dist resolved_config::qdist(const std::string& key) const {
    const auto& f = field_of(key);
    // The unit of the value's dimension: the field's, or the alt unit the user wrote.
    auto unit_of = [&](const std::string& text) {
        const auto q = units::parse_quantity(text);
        if (units::to_unit(*q, f.unit)) return f.unit;
        for (const auto& u : f.alt_units) {
            if (units::to_unit(*q, u)) return u;
        }
        throw internal_error("unvalidated quantity at " + key);
    };
    const auto& n = node_at(*table_, key);
    quantity_dist d;
    if (n.is_string()) {
        d.unit = unit_of(*n.value<std::string>());
        d.value = *units::to_unit(*units::parse_quantity(*n.value<std::string>()), d.unit);
        return d;
    }
    const auto& t = *n.as_table();
    d.shape = *t["dist"].value<std::string>();
    for (auto&& [k, v] : t) {
        const std::string name(k.str());
        if (name == "dist") continue;
        if (v.is_number()) {
            d.params.emplace_back(name, *v.value<double>());
            continue;
        }
        const auto text = *v.value<std::string>();
        if (d.unit.empty()) d.unit = unit_of(text);
        d.params.emplace_back(name, *units::to_unit(*units::parse_quantity(text), d.unit));
    }
    return d;
}

std::vector<double> resolved_config::quantity_list(const std::string& key) const {
    std::vector<double> out;
    const auto& unit = field_of(key).unit;
    for (const auto& v : *node_at(*table_, key).as_array()) {
        out.push_back(*units::to_unit(*units::parse_quantity(*v.value<std::string>()), unit));
    }
    return out;
}

neuron_range resolved_config::selection(const std::string& key, std::size_t population_size) const {
    const auto& n = node_at(*table_, key);
    if (n.is_integer()) return {0, static_cast<std::size_t>(*n.value<std::int64_t>())};
    if (const auto* a = n.as_array()) {
        return {static_cast<std::size_t>(*(*a)[0].value<std::int64_t>()), static_cast<std::size_t>(*(*a)[1].value<std::int64_t>())};
    }
    return {0, population_size};  // "all"
}

std::vector<std::string> resolved_config::instances(const std::string& section) const {
    std::vector<std::string> out;
    const auto* n = table_->get(section);
    if (!n) return out;
    if (const auto* t = n->as_table()) {
        for (auto&& [k, v] : *t) out.push_back(section + "." + std::string(k.str()));
    } else if (const auto* a = n->as_array()) {
        for (std::size_t i = 0; i < a->size(); ++i) out.push_back(section + "[" + std::to_string(i) + "]");
    }
    return out;
}

std::string resolved_config::origin(const std::string& key) const {
    for (const auto& [k, o] : override_keys_) {
        if (k == key) return o;
    }
    auto view = table_->at_path(key);
    if (!view) return source_;
    const auto& src = view.node()->source();
    if (src.begin.line == 0) return source_ + " (default)";
    return source_ + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

std::string resolved_config::to_toml() const {
    std::ostringstream out;
    out << "# Resolved by einet: every key with its default filled in.\n" << toml::toml_formatter(*table_) << "\n";
    return out.str();
}

resolved_config load(const std::string& text, const std::string& source, const std::vector<std::string>& overrides) {
    resolved_config cfg;
    cfg.source_ = source;
    try {
        *cfg.table_ = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        auto key = key_on_line(text, b.line);
        throw config_error(source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                           (key.empty() ? std::string("(TOML syntax)") : key) +
                           ": expected valid TOML, got a syntax error: " + std::string(e.description()));
    }
    problems found;
    apply_overrides(*cfg.table_, overrides, cfg.override_keys_, found);
    validate_and_resolve(*cfg.table_, source, cfg.override_keys_, found);
    if (!found.empty()) throw config_error(found.text());
    return cfg;
}

resolved_config load_file(const std::string& path, const std::vector<std::string>& overrides) {
    std::ifstream in(path);
    if (!in) throw config_error(path + ": cannot open experiment file");
    std::stringstream buf;
    buf << in.rdbuf();
    return load(buf.str(), path, overrides);
}

}  // namespace einet::config
