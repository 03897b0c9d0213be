#pragma once
// The step at which an input window opens or closes (or a generator spike lands): round(t/h);
// an infinite time (no end) never comes.
#include <cmath>
#include <cstdint>
#include <limits>

namespace einet::engine::detail {

inline std::uint64_t window_step(double t, double h) {
    const double steps = std::nearbyint(t / h);
    return steps >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(steps);
}

}  // namespace einet::engine::detail
