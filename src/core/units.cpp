#include "einet/core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

namespace einet::units {
namespace {

struct base_unit {
    double si;
    dimension dim;
};

// Unit symbols (before prefixes). Dimensions are exponents of (time, voltage, current).
const std::map<std::string, base_unit, std::less<>>& symbols() {
    static const std::map<std::string, base_unit, std::less<>> table = {
        {"s", {1.0, {{1, 0, 0}}}},      {"Hz", {1.0, {{-1, 0, 0}}}},    {"V", {1.0, {{0, 1, 0}}}},
        {"A", {1.0, {{0, 0, 1}}}},      {"S", {1.0, {{0, -1, 1}}}},     {"F", {1.0, {{1, -1, 1}}}},
        {"Ohm", {1.0, {{0, 1, -1}}}},   {"ohm", {1.0, {{0, 1, -1}}}},   {"Ω", {1.0, {{0, 1, -1}}}},
        {"C", {1.0, {{1, 0, 1}}}},      {"min", {60.0, {{1, 0, 0}}}},   {"h", {3600.0, {{1, 0, 0}}}},
    };
    return table;
}

const std::map<std::string, double, std::less<>>& prefixes() {
    static const std::map<std::string, double, std::less<>> table = {
        {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6}, {"µ", 1e-6}, {"μ", 1e-6},
        {"m", 1e-3},  {"k", 1e3},  {"M", 1e6},  {"G", 1e9},
    };
    return table;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<base_unit> lookup_symbol(std::string_view sym) {
    const auto& table = symbols();
    if (auto it = table.find(sym); it != table.end()) return it->second;
    // Exact symbols first ("min" is minutes, not milli-in), then a prefix ("µ" is 2 bytes) + symbol.
    for (const auto& [p, factor] : prefixes()) {
        if (sym.size() > p.size() && sym.substr(0, p.size()) == p) {
            if (auto it = table.find(sym.substr(p.size())); it != table.end()) {
                return base_unit{factor * it->second.si, it->second.dim};
            }
        }
    }
    return std::nullopt;
}

// Exponent text: "2", "-0.5", "-1/2", "(-1/2)".
std::optional<double> parse_exponent(std::string_view s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = trim(s.substr(1, s.size() - 2));
    auto slash = s.find('/');
    auto number = [](std::string_view t) -> std::optional<double> {
        t = trim(t);
        if (t.empty()) return std::nullopt;
        std::string buf(t);
        char* end = nullptr;
        double v = std::strtod(buf.c_str(), &end);
        if (end != buf.c_str() + buf.size()) return std::nullopt;
        return v;
    };
    if (slash == std::string_view::npos) return number(s);
    auto num = number(s.substr(0, slash));
    auto den = number(s.substr(slash + 1));
    if (!num || !den || *den == 0.0) return std::nullopt;
    return *num / *den;
}

}  // namespace

std::optional<quantity> parse_unit(std::string_view unit, std::string* why) {
    unit = trim(unit);
    quantity q{1.0, {}};
    if (unit.empty() || unit == "1") return q;
    // Split into factors at '*' and '/' that are not inside an exponent ("s^-1/2" keeps its '/').
    double sign = 1.0;  // +1 multiply, -1 divide
    size_t i = 0;
    while (i < unit.size()) {
        size_t j = i;
        bool in_exponent = false;
        while (j < unit.size()) {
            char c = unit[j];
            if (c == '^') in_exponent = true;
            else if (c == '*' || c == ' ') break;
            else if (c == '/' && !in_exponent) break;
            else if (c == '/' && in_exponent) {
                // "s^-1/2": the '/' belongs to the exponent when digits surround it.
                bool digit_before = j > 0 && std::isdigit(static_cast<unsigned char>(unit[j - 1]));
                bool digit_after = j + 1 < unit.size() && std::isdigit(static_cast<unsigned char>(unit[j + 1]));
                if (!(digit_before && digit_after)) break;
            }
            ++j;
        }
        std::string_view factor = trim(unit.substr(i, j - i));
        if (!factor.empty()) {
            double exponent = 1.0;
            std::string_view sym = factor;
            if (auto caret = factor.find('^'); caret != std::string_view::npos) {
                sym = factor.substr(0, caret);
                auto e = parse_exponent(factor.substr(caret + 1));
                if (!e) {
                    if (why) *why = "bad exponent in unit '" + std::string(factor) + "'";
                    return std::nullopt;
                }
                exponent = *e;
            }
            auto base = lookup_symbol(sym);
            if (!base) {
                if (why) *why = "unknown unit '" + std::string(sym) + "'";
                return std::nullopt;
            }
            exponent *= sign;
            q.si *= std::pow(base->si, exponent);
            for (int d = 0; d < 3; ++d) q.dim.exp[d] += exponent * base->dim.exp[d];
        }
        if (j >= unit.size()) break;
        if (unit[j] == '/') sign = -1.0;
        else if (unit[j] == '*') sign = 1.0;
        i = j + 1;
    }
    return q;
}

std::optional<quantity> parse_quantity(std::string_view text, std::string* why) {
    std::string_view s = trim(text);
    // Longest numeric prefix (strtod also accepts "inf" and "nan": a NaN is refused here).
    std::string buf(s);
    char* end = nullptr;
    double value = std::strtod(buf.c_str(), &end);
    if (end == buf.c_str()) {
        if (why) *why = "no number";
        return std::nullopt;
    }
    if (std::isnan(value)) {
        if (why) *why = "NaN is not a value";
        return std::nullopt;
    }
    auto unit = parse_unit(std::string_view(buf).substr(static_cast<size_t>(end - buf.c_str())), why);
    if (!unit) return std::nullopt;
    unit->si *= value;
    return unit;
}

std::optional<double> to_unit(const quantity& q, std::string_view unit) {
    auto u = parse_unit(unit);
    if (!u) throw std::logic_error("einet internal error: bad canonical unit " + std::string(unit));
    for (int d = 0; d < 3; ++d) {
        if (std::abs(u->dim.exp[d] - q.dim.exp[d]) > 1e-12) return std::nullopt;
    }
    return q.si / u->si;
}

std::string describe(const dimension& d) {
    static const std::pair<dimension, const char*> names[] = {
        {{{0, 0, 0}}, "dimensionless number"}, {{{1, 0, 0}}, "time"},        {{{-1, 0, 0}}, "rate"},
        {{{0, 1, 0}}, "voltage"},              {{{0, 0, 1}}, "current"},     {{{0, -1, 1}}, "conductance"},
        {{{1, -1, 1}}, "capacitance"},         {{{0, 1, -1}}, "resistance"}, {{{1, 0, 1}}, "charge"},
        {{{-0.5, 0, 0}}, "per square-root time"}, {{{-1, 1, 0}}, "voltage per time"},
    };
    for (const auto& [dim, name] : names) {
        if (dim == d) return name;
    }
    std::string out = "time^" + std::to_string(d.exp[0]) + " voltage^" + std::to_string(d.exp[1]) +
                      " current^" + std::to_string(d.exp[2]);
    return out;
}

}  // namespace einet::units
