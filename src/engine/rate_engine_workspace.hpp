#pragma once
// Per-thread scratch of the rate engine (internal to engine/: rate_engine.cpp, rate_unit_major.cpp).
#include <cstdint>
#include <limits>
#include <vector>

#include "einet/engine/rate_engine.hpp"

namespace einet::engine {

struct rate_engine::workspace {
    std::vector<double> normals;   // [unit][4][chunk] for the current block of four steps
    std::vector<double> drive;     // [unit][chunk] of the population being updated
    std::vector<double> previous;  // all rates at the step start (simultaneous order only)
    std::uint64_t block = std::numeric_limits<std::uint64_t>::max();
};

}  // namespace einet::engine
