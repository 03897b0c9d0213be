#pragma once
// Internal to config/: terse constructors for schema fields (schema.cpp, schema_spiking.cpp).
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "einet/config/schema.hpp"

namespace einet::config {
// The sections of study "spiking" (schema_spiking.cpp).
std::vector<section> spiking_sections();
// The sections of study "convergence" (schema_convergence.cpp).
std::vector<section> convergence_sections();
// The sections of the analysis studies "stability_map" and "up_state_scan" (schema_analysis.cpp).
std::vector<section> analysis_sections();
// The sections of the paper-004 studies (schema_balancing.cpp).
std::vector<section> balancing_sections();
// The sections of study "lowrank" (schema_lowrank.cpp).
std::vector<section> lowrank_sections();
// Studies that lower [populations.*], [[projections]] and [[inputs]] into a spiking network.
inline const std::vector<std::string> spiking_studies{"spiking", "spiking_training", "convergence"};
// Of those, the ones run with one integrator (run.method); "convergence" lists its own.
inline const std::vector<std::string> single_integrator_studies{"spiking", "spiking_training"};
// The sections of study "spiking_training" (schema_training.cpp).
std::vector<section> spiking_training_sections();
// The sections of study "snn_convex" (schema_snn.cpp).
std::vector<section> snn_sections();
}  // namespace einet::config

namespace einet::config::fields {

inline constexpr double inf = std::numeric_limits<double>::infinity();

inline field q(std::string key, std::string unit, std::string def, double min, double max, std::string doc,
               bool min_exclusive = false) {
    field f;
    f.key = std::move(key);
    f.type = kind::quantity;
    f.unit = std::move(unit);
    f.default_text = def.empty() ? "" : "\"" + def + "\"";
    f.min = min;
    f.max = max;
    f.min_exclusive = min_exclusive;
    f.doc = std::move(doc);
    return f;
}
inline field num(std::string key, std::string def, double min, double max, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = kind::number;
    f.default_text = std::move(def);
    f.min = min;
    f.max = max;
    f.doc = std::move(doc);
    return f;
}
inline field integer(std::string key, std::string def, double min, double max, std::string doc) {
    field f = num(std::move(key), std::move(def), min, max, std::move(doc));
    f.type = kind::integer;
    return f;
}
inline field choice(std::string key, std::vector<std::string> choices, std::string def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = kind::choice;
    f.choices = std::move(choices);
    f.default_text = def.empty() ? "" : "\"" + def + "\"";
    f.doc = std::move(doc);
    return f;
}
inline field text(std::string key, std::string def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = kind::string;
    f.default_text = "\"" + def + "\"";
    f.doc = std::move(doc);
    return f;
}
inline field flag(std::string key, bool def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = kind::boolean;
    f.default_text = def ? "true" : "false";
    f.doc = std::move(doc);
    return f;
}
// Lists; `def` is a TOML array ("" for no default).
inline field list_of(kind type, std::string key, std::string def, std::string doc) {
    field f;
    f.key = std::move(key);
    f.type = type;
    f.default_text = std::move(def);
    f.doc = std::move(doc);
    return f;
}
inline field strings(std::string key, std::string def, std::string doc) {
    return list_of(kind::string_list, std::move(key), std::move(def), std::move(doc));
}
inline field integers(std::string key, std::string def, double min, std::string doc) {
    field f = list_of(kind::integer_list, std::move(key), std::move(def), std::move(doc));
    f.min = min;
    return f;
}
inline field numbers(std::string key, std::string def, double min, double max, std::string doc) {  // one number or a list
    field f = list_of(kind::number_list, std::move(key), std::move(def), std::move(doc));
    f.min = min;
    f.max = max;
    return f;
}
inline field quantities(std::string key, std::string unit, std::string def, std::string doc) {
    field f = list_of(kind::quantity_list, std::move(key), std::move(def), std::move(doc));
    f.unit = std::move(unit);
    return f;
}
// A quantity, or a distribution of it over the neurons / synapses (`shapes`: accepted dist names).
inline field qdist(std::string key, std::string unit, std::string def, std::vector<std::string> shapes, std::string doc) {
    field f = q(std::move(key), std::move(unit), std::move(def), -inf, inf, std::move(doc));
    f.type = kind::quantity_distribution;
    f.shapes = std::move(shapes);
    return f;
}

// Modifiers.
inline field required(field f) {
    f.default_text.clear();
    return f;
}
inline field optional(field f) {
    f.default_text.clear();
    f.optional = true;
    return f;
}
inline field unbounded(field f) {
    f.allow_infinite = true;
    return f;
}
inline field derived(field f, std::string from) {
    f.default_text.clear();
    f.default_from = std::move(from);
    return f;
}
inline field also_in(field f, std::vector<std::string> alt_units) {
    f.alt_units = std::move(alt_units);
    return f;
}
inline field at_least(field f, double min, bool exclusive = false) {
    f.min = min;
    f.min_exclusive = exclusive;
    return f;
}
inline field for_studies(field f, std::vector<std::string> s) {
    f.studies = std::move(s);
    return f;
}
// Only when sibling `key` has one of `values` (empty: whenever `key` is present).
inline field when(field f, std::string key, std::vector<std::string> values = {}) {
    f.when_key = std::move(key);
    f.when_values = std::move(values);
    return f;
}
// Custom rule terms of one weight class (<section>.terms.EE …, homeostatic_rule.hpp's syntax).
inline field terms(std::string key) {
    field f;
    f.key = std::move(key);
    f.type = kind::string_list;
    f.optional = true;
    f.doc = "custom rule terms for this class, e.g. [\"+alpha*pre*post\", \"+beta*pre*cross\"] "
            "(factors: alpha|beta, pre|w, post|cross, numbers); only with rule = \"custom\"";
    return f;
}

}  // namespace einet::config::fields
