// Schema of the analysis studies of the two-population rate model (001 SI section 2):
// "stability_map" (rule stability over the (W_EE, W_IE) plane, Figs. 2F–H, 4H, S8–S12) and
// "up_state_scan" (Up-state rates as functions of each weight, Fig. S13).
#include "schema_fields.hpp"

namespace einet::config {
namespace {
using namespace fields;

const std::vector<std::string> map_study{"stability_map"};

section map() {
    return {"map",
            "grid over the set-point plane: (W_EE, W_IE) free, W_EI and W_II from the set points (001 Methods Eqs. 4–5)",
            map_study,
            {num("W_EE_min", "0", -inf, inf, "left edge of the W_EE axis"),
             num("W_EE_max", "10", -inf, inf, "right edge of the W_EE axis"),
             num("W_IE_min", "0", -inf, inf, "lower edge of the W_IE axis"),
             num("W_IE_max", "20", -inf, inf, "upper edge of the W_IE axis"),
             integer("points", "200", 2, 5000, "grid points per axis (cell centres)"),
             q("E_set", "Hz", "5 Hz", 0.0, inf, "E set point", true),
             q("I_set", "Hz", "14 Hz", 0.0, inf, "I set point", true)}};
}

field rate(std::string key, std::string from, std::string doc) {
    return derived(num(std::move(key), "", -inf, inf, std::move(doc)), std::move(from));
}

section panels() {
    section s{"panels",
              "one rule and its learning rates per panel, [[panels]] tables (001 Figs. 2F–H, S8–S12)",
              map_study,
              {text("name", "", "panel label in the summary and figure (default: the rule name)"),
               required(text("rule", "", "a member of the rule family: homeostatic, cross_homeostatic, two_term, "
                                         "synaptic_scaling, forced_balance or an H/A variant (\"HAAA\")")),
               num("alpha", "0.02", -inf, inf, "rate α of every class (only ratios matter)"),
               rate("alpha_E", "alpha", "α_E of the classes onto E (EE, EI)"),
               rate("alpha_I", "alpha", "α_I of the classes onto I (IE, II)"),
               rate("alpha_EE", "alpha_E", "α_EE (forced_balance: α₁)"), rate("alpha_EI", "alpha_E", "α_EI"),
               rate("alpha_IE", "alpha_I", "α_IE (forced_balance: α₃)"), rate("alpha_II", "alpha_I", "α_II"),
               rate("beta", "alpha", "rate β of the terms marked beta (two_term: homeostatic terms)"),
               rate("beta_EE", "beta", "β_EE"), rate("beta_EI", "beta", "β_EI"), rate("beta_IE", "beta", "β_IE"),
               rate("beta_II", "beta", "β_II")},
              layout::array};
    return s;
}

section scan() {
    return {"scan",
            "Up-state rates (001 SI Eqs. 18–19) as each weight is swept with the others at their base values (Fig. S13)",
            {"up_state_scan"},
            {num("EE", "5", 0.0, inf, "base W_EE"), num("EI", "2", 0.0, inf, "base W_EI"),
             num("IE", "10", 0.0, inf, "base W_IE"), num("II", "2", 0.0, inf, "base W_II"),
             num("min", "0", 0.0, inf, "lower end of every swept weight"),
             num("max", "10", 0.0, inf, "upper end of every swept weight"),
             integer("points", "201", 2, 1e6, "points per sweep")}};
}

}  // namespace

std::vector<section> analysis_sections() { return {map(), panels(), scan()}; }

}  // namespace einet::config
