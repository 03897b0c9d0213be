#include "einet/config/rule_config.hpp"

namespace einet::config {

plasticity::rule build_rule(const resolved_config& cfg, const std::string& section) {
    const auto name = cfg.string(section + ".rule");
    if (name != "custom") return plasticity::named_rule(name, section + ".rule");
    plasticity::rule r{"custom", {}};
    for (std::size_t c = 0; c < 4; ++c) {
        for (const auto& text : cfg.string_list(section + ".terms." + plasticity::class_names[c])) {
            plasticity::term t;
            std::string why;
            plasticity::parse_term(text, t, why);  // validated at load
            r.classes[c].terms.push_back(t);
        }
    }
    return r;
}

}  // namespace einet::config
