#pragma once
// A small ordered JSON value for summaries, manifests and array indexes. Numbers print with 17
// significant digits so a double survives the round trip; NaN and infinities print as null
// (JSON has no spelling for them).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace einet::io {

class json {
public:
    using array_t = std::vector<json>;
    using object_t = std::vector<std::pair<std::string, json>>;  // keeps insertion order

    json() : v_(nullptr) {}
    json(std::nullptr_t) : v_(nullptr) {}
    json(bool b) : v_(b) {}
    json(double d) : v_(d) {}
    json(int i) : v_(static_cast<std::int64_t>(i)) {}
    json(std::int64_t i) : v_(i) {}
    json(std::uint64_t i) : v_(static_cast<std::int64_t>(i)) {}
    json(const char* s) : v_(std::string(s)) {}
    json(std::string s) : v_(std::move(s)) {}
    json(array_t a) : v_(std::move(a)) {}
    json(const std::vector<double>& values);

    static json object() { json j; j.v_ = object_t{}; return j; }
    static json array() { json j; j.v_ = array_t{}; return j; }

    // Object access: inserts the key if it is missing (the value becomes an object when null).
    json& operator[](const std::string& key);
    const json* find(const std::string& key) const;
    void push_back(json value);

    bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
    bool is_object() const { return std::holds_alternative<object_t>(v_); }
    bool is_number() const { return std::holds_alternative<double>(v_) || std::holds_alternative<std::int64_t>(v_); }
    double number() const {  // a number's value (is_number() must hold)
        return std::holds_alternative<double>(v_) ? std::get<double>(v_) : static_cast<double>(std::get<std::int64_t>(v_));
    }
    const object_t& items() const { return std::get<object_t>(v_); }
    bool is_array() const { return std::holds_alternative<array_t>(v_); }
    const array_t& elements() const { return std::get<array_t>(v_); }
    bool is_string() const { return std::holds_alternative<std::string>(v_); }
    const std::string& string() const { return std::get<std::string>(v_); }

    // Reads JSON text back (json_parse.cpp): integers without '.'/exponent become int64, other
    // numbers double (dump's 17 digits restore a double exactly), null stays null. Throws
    // io_error naming `what` and the byte offset of the first malformed character.
    static json parse(const std::string& text, const std::string& what);

    std::string dump(int indent = 2) const;

private:
    void dump_to(std::string& out, int indent, int depth) const;
    std::variant<std::nullptr_t, bool, double, std::int64_t, std::string, array_t, object_t> v_;
};

std::string json_escape(const std::string& s);

}  // namespace einet::io
