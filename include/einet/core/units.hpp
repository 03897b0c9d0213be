#pragma once
// Physical quantities in configuration strings ("10 ms", "5 Hz", "10 s^-1/2").
//
// Internal unit system (docs/units.md): time ms, voltage mV, current pA, conductance nS,
// capacitance pF, rate Hz in files. A quantity is parsed once, at the config boundary, into an SI
// value plus a dimension over three base dimensions (time, voltage, current); every field then
// asks for its value in the unit it declares (`to_unit`), which also checks the dimension.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace einet::units {

// Exponents of time, voltage and current (all other units derive from these three).
struct dimension {
    std::array<double, 3> exp{0.0, 0.0, 0.0};
    bool operator==(const dimension&) const = default;
    bool dimensionless() const { return exp[0] == 0.0 && exp[1] == 0.0 && exp[2] == 0.0; }
};

struct quantity {
    double si = 0.0;  // value in SI units (s, V, A)
    dimension dim;
};

// Parses "<number> [unit expression]"; unit expression: products and quotients of unit symbols
// with optional SI prefixes and exponents, e.g. "ms", "mV/ms", "pA*ms", "s^-1/2", "Hz^0.5".
// Returns std::nullopt and fills `why` when the text is not a quantity.
std::optional<quantity> parse_quantity(std::string_view text, std::string* why = nullptr);

// Parses a unit expression alone ("ms", "s^-1/2") as the quantity 1 unit.
std::optional<quantity> parse_unit(std::string_view unit, std::string* why = nullptr);

// Converts to the given unit; nullopt when the dimensions differ.
std::optional<double> to_unit(const quantity& q, std::string_view unit);

// A human name for a dimension: "time", "rate", "voltage", ... or its exponents.
std::string describe(const dimension& d);

}  // namespace einet::units
