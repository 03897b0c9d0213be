#pragma once
// Internal to network/: helpers shared by the synapse-table builders (connectivity.cpp) and the
// weight/delay/Dale initialisers (synapse_values.cpp).
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <vector>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"
#include "einet/core/rng_block.hpp"
#include "einet/network/connectivity.hpp"

namespace einet::network::internal {


__extension__ typedef unsigned __int128 u128;

// Draw tags (the `draw` field of the Philox counter) used by the value initialisers; the
// builders' tags are in connectivity.cpp (see the table in the header).
constexpr std::uint32_t tag_delay = 4;
constexpr std::uint32_t tag_weight = 1;  // under purpose::weight_init

inline std::string num(double x) {
    std::ostringstream out;
    out << std::setprecision(12) << x;
    return out.str();
}

inline std::string str(std::uint64_t x) { return std::to_string(x); }

inline int resolve_threads(int threads) { return threads > 0 ? threads : std::max(omp_get_max_threads(), 1); }

inline std::uint64_t step_of(std::uint32_t projection_id, std::uint32_t low) {
    return (static_cast<std::uint64_t>(projection_id) << 32) | low;
}

// Calls f(row) for every row of a table, rows split over threads.
template <class F>
inline void for_each_row(const synapse_table& t, int threads, F&& f) {
    const auto n = static_cast<std::int64_t>(t.n_pre);
#pragma omp parallel for num_threads(resolve_threads(threads)) schedule(dynamic, 64)
    for (std::int64_t i = 0; i < n; ++i) f(static_cast<std::size_t>(i));
}


}  // namespace einet::network::internal
