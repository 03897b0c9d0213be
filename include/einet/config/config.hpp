#pragma once
// Loading and validating experiment files. Everything is checked before anything runs:
// unknown keys (with the nearest valid key suggested), wrong types, wrong or missing units,
// out-of-range values and cross-key constraints, all reported together as
//   FILE:LINE:COL: key.path: expected ..., got ...      (--set key.path: ... for overrides)
// The result is the resolved configuration: every default filled in, written back as
// config.toml in the run directory.
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace einet::config {

struct distribution {
    enum class shape { constant, uniform, normal } kind = shape::constant;
    double a = 0.0, b = 0.0;  // constant: a; uniform: [a, b); normal: mean a, std b
    // Draw for one entity: u1 in (0, 1] and u2 in [0, 1) independent uniforms.
    double sample(double u1, double u2) const;
};

// A quantity or a distribution of it, as written for a quantity_distribution key: the shape
// ("constant" for a plain quantity) and its parameters in `unit` (the field's unit or one of its
// alt units; dimensionless parameters such as cv as numbers).
struct quantity_dist {
    std::string shape = "constant";
    std::string unit;
    double value = 0.0;  // constant
    double param(const std::string& name, double fallback = 0.0) const;
    bool has(const std::string& name) const;
    std::vector<std::pair<std::string, double>> params;
};

// Neurons of a population chosen by a selection key: [first, last).
struct neuron_range {
    std::size_t first = 0, last = 0;
};

class resolved_config {
public:
    resolved_config();
    ~resolved_config();
    resolved_config(resolved_config&&) noexcept;
    resolved_config& operator=(resolved_config&&) noexcept;

    const std::string& source() const { return source_; }
    std::string study() const { return string("experiment.study"); }

    // Typed access by full key; values are in the unit the schema declares for the key.
    double quantity(const std::string& key) const;
    double number(const std::string& key) const;
    std::int64_t integer(const std::string& key) const;
    bool boolean(const std::string& key) const;
    std::string string(const std::string& key) const;
    std::vector<std::int64_t> integer_list(const std::string& key) const;
    std::vector<std::string> string_list(const std::string& key) const;
    std::vector<double> number_list(const std::string& key) const;  // number_list: one value or a list
    distribution dist(const std::string& key) const;
    bool has(const std::string& key) const;
    // A quantity key in `unit` when its value has that dimension (fields with alt units).
    std::optional<double> quantity_in(const std::string& key, const std::string& unit) const;
    quantity_dist qdist(const std::string& key) const;
    std::vector<double> quantity_list(const std::string& key) const;
    neuron_range selection(const std::string& key, std::size_t population_size) const;
    // Instance keys of a named or array section, in file order for arrays and name order for
    // named tables: {"populations.E", "populations.I"}, {"projections[0]", ...}.
    std::vector<std::string> instances(const std::string& section) const;

    // Where a key was set: "FILE:LINE:COL", "--set", or "default" (for run-time messages).
    std::string origin(const std::string& key) const;
    // The resolved configuration as TOML text.
    std::string to_toml() const;

private:
    friend resolved_config load(const std::string&, const std::string&, const std::vector<std::string>&);
    std::string source_;
    std::unique_ptr<toml::table> table_;
    std::vector<std::pair<std::string, std::string>> override_keys_;  // key -> "--set"
};

// Loads TOML `text` (named `source` in messages; a file path when read from disk) and applies
// "key.path=value" overrides. Throws config_error listing every problem found.
resolved_config load(const std::string& text, const std::string& source, const std::vector<std::string>& overrides);
resolved_config load_file(const std::string& path, const std::vector<std::string>& overrides);

}  // namespace einet::config
