#pragma once
// Configuration schema as data: every key an experiment file may hold, with its kind, unit,
// default, range and documentation. Validation, defaults, `einet describe` and the docs all read
// this one table (the GeNN/NEST lesson: declare parameters once, check them in one place).
//
// A section has one of three layouts:
//   fixed  [run]                 keys "run.dt"
//   named  [populations.E]       fields declared once, one instance per user-chosen name:
//                                keys "populations.E.size"
//   array  [[projections]]       fields per element: keys "projections[2].p"
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace einet::config {

enum class kind {
    quantity,     // "10 ms": a number with a unit of the field's dimension (or of an alt_unit's)
    number,       // bare float
    integer,
    boolean,
    string,
    choice,       // one of `choices`
    distribution, // a bare number, or {dist = "uniform", low, high} / {dist = "normal", mean, std}
    integer_list, // [1, 20, 100]
    string_list,  // ["+alpha*pre*post"]
    quantity_distribution,  // "7.6 mV", or {dist = <one of shapes>, parameters as quantities}
    quantity_list,          // ["100 ms", "250 ms"]
    selection,              // neurons of a population: "all", k (the first k), [first, last)
    number_list,            // 0.5 or [0.4, 1.2, 2.8]: one number for all, or one per entity
};

enum class layout { fixed, named, array };

struct field {
    std::string key;            // path below the section (or instance), e.g. "tau" or "E.tau"
    kind type = kind::number;
    std::string unit;           // canonical unit of a quantity (the engine's unit), e.g. "ms"
    std::string default_text;   // TOML literal; empty = required (unless default_from or optional)
    std::string default_from;   // key whose resolved value is the default (full key; relative to
                                // the instance in named/array sections)
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool min_exclusive = false;
    std::vector<std::string> choices;
    std::string doc;
    bool optional = false;      // may be absent (then it is absent from the resolved config)
    bool allow_infinite = false;  // "inf" means "no bound" (saturation, ceilings); otherwise refused
    std::vector<std::string> alt_units;  // other accepted units, e.g. "mV" for a current (meaning R·I)
    std::vector<std::string> shapes;     // quantity_distribution: accepted `dist` names
    std::vector<std::string> studies;    // studies that use this key; empty = all of its section's
    // The key applies only when the sibling key `when_key` (same table or instance) has one of
    // `when_values`: its default is filled only then, and setting it otherwise is an error.
    std::string when_key;
    std::vector<std::string> when_values;
};

struct section {
    std::string name;                 // "model", "plasticity", ...
    std::string doc;
    std::vector<std::string> studies; // studies that use it; empty = all
    std::vector<field> fields;
    layout shape = layout::fixed;
};

const std::vector<section>& schema();
const std::vector<std::string>& studies();
bool uses(const section& sec, const std::string& study);  // empty study: every section
bool uses(const field& f, const std::string& study);

// Parameters of a `dist = ...` table of a quantity_distribution field (schema as data).
struct distribution_shape {
    std::string name;
    std::vector<std::string> required, optional;
    std::vector<std::string> numbers;  // dimensionless parameters (cv); the others are quantities
    std::string doc;
};
const std::vector<distribution_shape>& distribution_shapes();
const distribution_shape* find_shape(const std::string& name);

// A full key resolved against the schema: "populations.E.tau_m" -> (populations, tau_m,
// instance "populations.E"); "projections[2].p" -> (projections, p, "projections[2]").
struct key_ref {
    const section* sec = nullptr;
    const field* f = nullptr;       // null when `rel` is only a prefix of fields ("synapse")
    std::string instance;           // full key of the table holding the field
    std::string rel;                // key below the instance
};
// Finds the field of `full_key` for `study` (empty: any study); nullopt when unknown.
std::optional<key_ref> lookup(const std::string& full_key, const std::string& study = "");
// How a field's full key is shown in documentation: "populations.<name>.size", "projections[i].p".
std::string display_key(const section& sec, const field& f);

// Documentation of a section or of one key ("plasticity", "model.E.tau", "projections.p",
// "populations.E.size"); empty if unknown.
std::string describe(const std::string& key);

}  // namespace einet::config
