#pragma once
// The analysis studies of the two-population rate model (paper 001 SI section 2), run without an
// engine: "stability_map" (rule stability over the set-point plane by the closed forms and the
// generic numerical route, Figs. 2F–H, 4H, S8–S12) and "up_state_scan" (Fig. S13).
#include <string>
#include <vector>

#include "einet/analysis/rule_stability.hpp"
#include "einet/config/rate_studies.hpp"

namespace einet::config {

struct stability_panel {
    std::string name;  // unique label (summary keys, figure titles)
    plasticity::rule rule;
    analysis::rule_rates rates;
};

// The [[panels]] of a stability_map config; throws config_error naming the key of an unknown rule.
std::vector<stability_panel> read_stability_panels(const resolved_config& cfg);

study_output run_stability_map_study(const resolved_config& cfg, io::run_directory& dir);
study_output run_up_state_scan_study(const resolved_config& cfg, io::run_directory& dir);

}  // namespace einet::config
