#include "einet/io/json.hpp"

#include <cmath>
#include <cstdio>

#include "json_escapes.hpp"

namespace einet::io {

json::json(const std::vector<double>& values) : v_(array_t{}) {
    auto& a = std::get<array_t>(v_);
    a.reserve(values.size());
    for (double x : values) a.emplace_back(x);
}

json& json::operator[](const std::string& key) {
    if (is_null()) v_ = object_t{};
    auto& obj = std::get<object_t>(v_);
    for (auto& [k, v] : obj) {
        if (k == key) return v;
    }
    obj.emplace_back(key, json());
    return obj.back().second;
}

const json* json::find(const std::string& key) const {
    if (!is_object()) return nullptr;
    for (const auto& [k, v] : items()) {
        if (k == key) return &v;
    }
    return nullptr;
}

void json::push_back(json value) {
    if (is_null()) v_ = array_t{};
    std::get<array_t>(v_).push_back(std::move(value));
}

std::string json_escape(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (const char letter = detail::json_escape_letter(static_cast<char>(c))) {
            out += '\\';
            out += letter;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

void json::dump_to(std::string& out, int indent, int depth) const {
    auto newline = [&](int d) {
        if (indent <= 0) return;
        out += '\n';
        out.append(static_cast<size_t>(indent * d), ' ');
    };
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                out += "null";
            } else if constexpr (std::is_same_v<T, bool>) {
                out += x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                if (!std::isfinite(x)) {
                    out += "null";
                } else {
                    char buf[32];
                    std::snprintf(buf, sizeof buf, "%.17g", x);
                    out += buf;
                }
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                out += std::to_string(x);
            } else if constexpr (std::is_same_v<T, std::string>) {
                out += json_escape(x);
            } else if constexpr (std::is_same_v<T, array_t>) {
                // Arrays of scalars stay on one line; nested structures are indented.
                bool flat = true;
                for (const auto& e : x) flat = flat && !(e.is_object() || std::holds_alternative<array_t>(e.v_));
                out += '[';
                for (size_t i = 0; i < x.size(); ++i) {
                    if (i) out += flat ? ", " : ",";
                    if (!flat) newline(depth + 1);
                    x[i].dump_to(out, indent, depth + 1);
                }
                if (!flat && !x.empty()) newline(depth);
                out += ']';
            } else {
                out += '{';
                for (size_t i = 0; i < x.size(); ++i) {
                    if (i) out += ',';
                    newline(depth + 1);
                    out += json_escape(x[i].first);
                    out += indent > 0 ? ": " : ":";
                    x[i].second.dump_to(out, indent, depth + 1);
                }
                if (!x.empty()) newline(depth);
                out += '}';
            }
        },
        v_);
}

std::string json::dump(int indent) const {
    std::string out;
    dump_to(out, indent, 0);
    return out + (indent > 0 ? "\n" : "");
}

}  // namespace einet::io
