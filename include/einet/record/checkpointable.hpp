#pragma once
// What a checkpoint needs from a recorder or guard besides the engine: its position and contents
// as named arrays, and the way back. A run resumed from a checkpoint then produces the same
// recorded data (and the same guard decisions) as an uninterrupted run.
#include <string>
#include <vector>

#include "einet/engine/spiking_engine.hpp"

namespace einet::record {

class checkpointable {
public:
    virtual ~checkpointable() = default;
    virtual std::vector<engine::state_array> save_state() const = 0;
    // Throws config_error when an array is missing or does not fit this object's configuration.
    virtual void restore_state(const std::vector<engine::state_array>& state) = 0;
};

inline constexpr std::size_t any_size = static_cast<std::size_t>(-1);

// The array called `name`; config_error naming `owner` and `name` when it is missing or, when
// `expected_size` is given, has another size.
const std::vector<double>& find_state(const std::vector<engine::state_array>& state, const std::string& name,
                                      const std::string& owner, std::size_t expected_size = any_size);

}  // namespace einet::record
