#pragma once
// The plasticity rule of a study from its configuration section (rate studies: [plasticity],
// spiking training: [training]): <section>.rule names a member of the family (paper 001), or is
// "custom" with one term list per class, <section>.terms.EE / .EI / .IE / .II (validated at load).
#include <string>

#include "einet/config/config.hpp"
#include "einet/plasticity/homeostatic_rule.hpp"

namespace einet::config {

plasticity::rule build_rule(const resolved_config& cfg, const std::string& section);

}  // namespace einet::config
