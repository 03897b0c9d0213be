#include "einet/record/checkpointable.hpp"

#include "einet/core/error.hpp"

namespace einet::record {

const std::vector<double>& find_state(const std::vector<engine::state_array>& state, const std::string& name,
                                      const std::string& owner, std::size_t expected_size) {
    for (const auto& a : state) {
        if (a.name != name) continue;
        if (expected_size != any_size && a.values.size() != expected_size)
            throw config_error("checkpoint: " + owner + " array '" + name + "' has " + std::to_string(a.values.size()) +
                               " values, expected " + std::to_string(expected_size) +
                               " (was it written by a differently configured " + owner + "?)");
        return a.values;
    }
    throw config_error("checkpoint: " + owner + " array '" + name + "' is missing");
}

}  // namespace einet::record
