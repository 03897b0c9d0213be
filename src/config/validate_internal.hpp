#pragma once
// Internal to config/: what validate.cpp and validate_spiking.cpp share.
#include <toml++/toml.h>

#include <cmath>
#include <optional>
#include <string>

#include "einet/config/schema.hpp"
#include "einet/config/validate.hpp"
#include "einet/core/units.hpp"

namespace einet::config::detail {

// A value as the user wrote it, for messages: "10 mV" quoted, tables and arrays by kind.
std::string show(const toml::node& n);

// Where problems are reported: the origin of a key (--set, default, FILE:LINE:COL).
struct context {
    const std::string& source;
    const origin_list& origins;
    problems& found;

    std::string where(const std::string& key, const toml::node* n) const;
    void fail(const std::string& key, const toml::node* n, const std::string& msg) const {
        found.add(where(key, n), key, msg);
    }
};

// A quantity string converted to the field's unit, or to the first alt unit of the same
// dimension; `unit` says which. nullopt (with `why`) when it is neither.
struct field_quantity {
    double value = 0.0;
    std::string unit;
};
std::optional<field_quantity> parse_field_quantity(const field& f, const std::string& text, std::string* why);

// Inserts `value` at a key path ("a.b", "a[2].b"), creating tables on the way.
void insert_at(toml::table& t, const std::string& key, toml::node&& value);

// Cross-key checks of study "spiking" (validate_spiking.cpp).
void check_spiking(const context& ctx, toml::table& t);

// Cross-key checks of study "rnn_training" (schema_balancing.cpp).
void check_rnn_training(const context& ctx, toml::table& t);

}  // namespace einet::config::detail
