#pragma once
// Internal to config/: schema validation of a parsed TOML table (see config.hpp for the contract).
#include <string>
#include <utility>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace einet::config {

// Collected problems, reported together.
class problems {
public:
    void add(std::string where, const std::string& key, const std::string& message) {
        lines_.push_back(std::move(where) + ": " + key + ": " + message);
        bad_keys_.push_back(key);
    }
    // Whether a problem was already reported for `key` (cross-key checks skip such inputs).
    bool reported(const std::string& key) const {
        for (const auto& k : bad_keys_) {
            if (k == key || key.rfind(k + ".", 0) == 0) return true;
        }
        return false;
    }
    bool empty() const { return lines_.empty(); }
    std::string text() const {
        std::string out;
        for (const auto& l : lines_) out += (out.empty() ? "" : "\n") + l;
        return out;
    }

private:
    std::vector<std::string> lines_;
    std::vector<std::string> bad_keys_;
};

using origin_list = std::vector<std::pair<std::string, std::string>>;

// Applies "key.path=value" overrides (value parsed as TOML, else taken as a string).
void apply_overrides(toml::table& t, const std::vector<std::string>& overrides, origin_list& origins, problems& found);

// Checks every key against the schema, fills defaults (recording their origin as "(default)")
// and checks cross-key constraints.
void validate_and_resolve(toml::table& t, const std::string& source, origin_list& origins, problems& found);

}  // namespace einet::config
