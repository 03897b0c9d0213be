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

// Draw tags (the `draw` field of the Philox counter); see the table in the header.
constexpr std::uint32_t tag_pair_exists = 1;
constexpr std::uint32_t tag_indegree = 2;
constexpr std::uint32_t tag_total = 3;
constexpr std::uint32_t tag_delay = 4;
constexpr std::uint32_t tag_weight = 1;  // under purpose::weight_init

constexpr std::uint64_t max_population = std::numeric_limits<std::uint32_t>::max();

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

inline void check_populations(std::size_t n_pre, std::size_t n_post, bool autapses) {
    if (n_pre == 0) throw config_error("n_pre = 0: the presynaptic population is empty");
    if (n_post == 0) throw config_error("n_post = 0: the postsynaptic population is empty");
    if (n_pre > max_population)
        throw config_error("n_pre = " + str(n_pre) + " exceeds " + str(max_population) + " (neuron ids are uint32)");
    if (n_post > max_population)
        throw config_error("n_post = " + str(n_post) + " exceeds " + str(max_population) + " (neuron ids are uint32)");
    if (!autapses && n_pre != n_post)
        throw config_error("autapses = false excludes the pairs (i, i) of a population onto itself, but n_pre = " +
                           str(n_pre) + " differs from n_post = " + str(n_post));
}

inline void check_probability(double p) {
    if (!(p >= 0.0 && p <= 1.0)) throw config_error("p = " + num(p) + " is outside [0, 1]");
}

inline std::string pair_description(std::size_t n_pre, std::size_t n_post, bool autapses) {
    return "(n_pre = " + str(n_pre) + ", n_post = " + str(n_post) +
           (autapses ? ", autapses allowed)" : ", autapses excluded)");
}

// A sequence of 64-bit words from consecutive Philox counters of one stream. Block b uses
// entity = entity_base + (b >> 32), step = projection_id << 32 | (b & 0xffffffff).
class word_stream {
public:
    word_stream(std::uint64_t seed, rng::purpose p, std::uint32_t entity_base, std::uint32_t projection_id,
                std::uint32_t tag)
        : seed_(seed), purpose_(p), entity_base_(entity_base), projection_(projection_id), tag_(tag) {}

    std::uint64_t next() {
        if (have_ == 0) {
            const auto w = rng::philox(seed_, purpose_, entity_base_ + static_cast<std::uint32_t>(block_ >> 32),
                                       step_of(projection_, static_cast<std::uint32_t>(block_)), tag_);
            ++block_;
            spare_ = (static_cast<std::uint64_t>(w[2]) << 32) | w[3];
            have_ = 1;
            return (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
        }
        have_ = 0;
        return spare_;
    }

    // Uniform integer in [0, range), range >= 1, exactly unbiased (Lemire's multiply-shift with rejection).
    std::uint64_t bounded(std::uint64_t range) {
        u128 m = static_cast<u128>(next()) * range;
        auto low = static_cast<std::uint64_t>(m);
        if (low < range) {
            const std::uint64_t threshold = (0 - range) % range;
            while (low < threshold) {
                m = static_cast<u128>(next()) * range;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

private:
    std::uint64_t seed_;
    rng::purpose purpose_;
    std::uint32_t entity_base_;
    std::uint32_t projection_;
    std::uint32_t tag_;
    std::uint64_t block_ = 0;
    std::uint64_t spare_ = 0;
    int have_ = 0;
};

// Open-addressing set of distinct uint64 values (never ~0).
class u64_set {
public:
    explicit u64_set(std::uint64_t expected) {
        std::uint64_t cap = 16;
        while (cap < 2 * expected) cap <<= 1;
        bits_ = std::countr_zero(cap);
        slots_.assign(static_cast<std::size_t>(cap), empty);
    }
    // Inserts x; returns false if it was already there.
    bool insert(std::uint64_t x) {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = static_cast<std::size_t>((x * 0x9E3779B97F4A7C15ULL) >> (64 - bits_));
        while (true) {
            if (slots_[i] == empty) {
                slots_[i] = x;
                return true;
            }
            if (slots_[i] == x) return false;
            i = (i + 1) & mask;
        }
    }
    template <class F>
    void for_each(F&& f) const {
        for (auto v : slots_)
            if (v != empty) f(v);
    }

private:
    static constexpr std::uint64_t empty = ~0ULL;
    std::vector<std::uint64_t> slots_;
    int bits_ = 4;
};

// Pattern assembly: per-target sorted source lists -> forward CSR (rows sorted by target).
inline synapse_table from_target_lists(std::size_t n_pre, std::size_t n_post, const std::vector<std::uint64_t>& in_ptr,
                                const std::vector<std::uint32_t>& sources) {
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    t.row_ptr.assign(n_pre + 1, 0);
    for (auto s : sources) ++t.row_ptr[s + 1];
    for (std::size_t i = 0; i < n_pre; ++i) t.row_ptr[i + 1] += t.row_ptr[i];
    const std::size_t total = sources.size();
    t.target.resize(total);
    t.weight.assign(total, 0.0f);
    t.delay_steps.assign(total, 1);
    std::vector<std::uint64_t> fill(t.row_ptr.begin(), t.row_ptr.end() - 1);
    for (std::size_t j = 0; j < n_post; ++j) {
        for (std::uint64_t e = in_ptr[j]; e < in_ptr[j + 1]; ++e) t.target[fill[sources[e]]++] = static_cast<std::uint32_t>(j);
    }
    return t;
}

inline synapse_table empty_table(std::size_t n_pre, std::size_t n_post) {
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    t.row_ptr.assign(n_pre + 1, 0);
    return t;
}

// Weight parameters resolved once per table.
template <class F>
inline void for_each_row(const synapse_table& t, int threads, F&& f) {
    const auto n = static_cast<std::int64_t>(t.n_pre);
#pragma omp parallel for num_threads(resolve_threads(threads)) schedule(dynamic, 64)
    for (std::int64_t i = 0; i < n; ++i) f(static_cast<std::size_t>(i));
}


}  // namespace einet::network::internal
