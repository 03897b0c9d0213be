#pragma once
// Configuration schema as data: every key an experiment file may hold, with its kind, unit,
// default, range and documentation. Validation, defaults, `einet describe` and the docs all read
// this one table (the GeNN/NEST lesson: declare parameters once, check them in one place).
#include <limits>
#include <string>
#include <vector>

namespace einet::config {

enum class kind {
    quantity,     // "10 ms": a number with a unit of the field's dimension
    number,       // bare float
    integer,
    boolean,
    string,
    choice,       // one of `choices`
    distribution, // a bare number, or {dist = "uniform", low, high} / {dist = "normal", mean, std}
    integer_list, // [1, 20, 100]
    string_list,  // ["+alpha*pre*post"]
};

struct field {
    std::string key;            // path below the section, e.g. "tau" or "E.tau"
    kind type = kind::number;
    std::string unit;           // canonical unit of a quantity (the engine's unit), e.g. "ms"
    std::string default_text;   // TOML literal; empty = required (unless default_from or optional)
    std::string default_from;   // full key whose resolved value is the default
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool min_exclusive = false;
    std::vector<std::string> choices;
    std::string doc;
    bool optional = false;      // may be absent (then it is absent from the resolved config)
    bool allow_infinite = false;  // "inf" means "no bound" (saturation, ceilings); otherwise refused
};

struct section {
    std::string name;                 // "model", "plasticity", ...
    std::string doc;
    std::vector<std::string> studies; // studies that use it; empty = all
    std::vector<field> fields;
};

const std::vector<section>& schema();
const std::vector<std::string>& studies();

// Documentation of a section or of one key ("plasticity", "model.E.tau"); empty if unknown.
std::string describe(const std::string& key);

}  // namespace einet::config
