#include "einet/network/connectivity.hpp"

#include "connectivity_internal.hpp"

namespace einet::network {

using namespace internal;

namespace {

// Draw tags of the builders (the `draw` field of the Philox counter); see the table in the header.
constexpr std::uint32_t tag_pair_exists = 1;
constexpr std::uint32_t tag_indegree = 2;
constexpr std::uint32_t tag_total = 3;

constexpr std::uint64_t max_population = std::numeric_limits<std::uint32_t>::max();

void check_populations(std::size_t n_pre, std::size_t n_post, bool autapses) {
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

void check_probability(double p) {
    if (!(p >= 0.0 && p <= 1.0)) throw config_error("p = " + num(p) + " is outside [0, 1]");
}

std::string pair_description(std::size_t n_pre, std::size_t n_post, bool autapses) {
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

// An empty table of the given sizes whose row_ptr counts the synapses of each source.
template <class Sources>
synapse_table table_with_rows(std::size_t n_pre, std::size_t n_post, const Sources& sources) {
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    t.row_ptr.assign(n_pre + 1, 0);
    for (auto s : sources) ++t.row_ptr[s + 1];
    for (std::size_t i = 0; i < n_pre; ++i) t.row_ptr[i + 1] += t.row_ptr[i];
    return t;
}

// Pattern assembly: per-target sorted source lists -> forward CSR (rows sorted by target).
synapse_table from_target_lists(std::size_t n_pre, std::size_t n_post, const std::vector<std::uint64_t>& in_ptr,
                                const std::vector<std::uint32_t>& sources) {
    synapse_table t = table_with_rows(n_pre, n_post, sources);
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

synapse_table empty_table(std::size_t n_pre, std::size_t n_post) {
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    t.row_ptr.assign(n_pre + 1, 0);
    return t;
}

}  // namespace


// ---- synapse_table --------------------------------------------------------------------------

std::size_t synapse_table::memory_bytes() const {
    return row_ptr.capacity() * sizeof(std::uint64_t) + target.capacity() * sizeof(std::uint32_t) +
           weight.capacity() * sizeof(float) + delay_steps.capacity() * sizeof(std::uint16_t);
}

aligned_vector<std::uint32_t> synapse_table::in_degrees() const {
    aligned_vector<std::uint32_t> d(n_post, 0);
    for (auto j : target) ++d[j];
    return d;
}

std::uint16_t synapse_table::largest_delay_steps() const {
    std::uint16_t m = 0;
    for (auto d : delay_steps) m = std::max(m, d);
    return m;
}

backward_index synapse_table::transpose() const {
    backward_index b;
    b.row_ptr.assign(n_post + 1, 0);
    for (auto j : target) ++b.row_ptr[j + 1];
    for (std::size_t j = 0; j < n_post; ++j) b.row_ptr[j + 1] += b.row_ptr[j];
    b.source.resize(target.size());
    b.synapse.resize(target.size());
    std::vector<std::uint64_t> fill(b.row_ptr.begin(), b.row_ptr.end() - 1);
    for (std::size_t i = 0; i < n_pre; ++i) {
        for (std::uint64_t s = row_ptr[i]; s < row_ptr[i + 1]; ++s) {
            const auto pos = fill[target[s]]++;
            b.source[pos] = static_cast<std::uint32_t>(i);
            b.synapse[pos] = s;
        }
    }
    return b;
}

void synapse_table::check_invariants() const {
    if (row_ptr.size() != n_pre + 1)
        throw internal_error("synapse_table: row_ptr has " + str(row_ptr.size()) + " entries, expected n_pre + 1 = " +
                             str(n_pre + 1));
    if (row_ptr.front() != 0) throw internal_error("synapse_table: row_ptr[0] = " + str(row_ptr.front()) + " != 0");
    if (row_ptr.back() != target.size())
        throw internal_error("synapse_table: row_ptr[n_pre] = " + str(row_ptr.back()) + " but there are " +
                             str(target.size()) + " targets");
    if (weight.size() != target.size() || delay_steps.size() != target.size())
        throw internal_error("synapse_table: " + str(target.size()) + " targets, " + str(weight.size()) + " weights, " +
                             str(delay_steps.size()) + " delays");
    for (std::size_t i = 0; i < n_pre; ++i) {
        if (row_ptr[i + 1] < row_ptr[i]) throw internal_error("synapse_table: row_ptr decreases at row " + str(i));
        for (std::uint64_t s = row_ptr[i]; s < row_ptr[i + 1]; ++s) {
            if (target[s] >= n_post)
                throw internal_error("synapse_table: synapse " + str(s) + " has target " + str(target[s]) +
                                     " >= n_post = " + str(n_post));
            if (s > row_ptr[i] && target[s] < target[s - 1])
                throw internal_error("synapse_table: row " + str(i) + " is not sorted by target at synapse " + str(s));
        }
    }
}

// ---- counts ---------------------------------------------------------------------------------

std::uint64_t allowed_pairs(std::size_t n_pre, std::size_t n_post, bool autapses) {
    const std::uint64_t all = static_cast<std::uint64_t>(n_pre) * n_post;
    return autapses ? all : all - std::min<std::uint64_t>(n_pre, n_post);
}

std::uint64_t exact_count(double p, std::size_t n_pre, std::size_t n_post, bool autapses, count_basis basis) {
    check_probability(p);
    check_populations(n_pre, n_post, autapses);
    const std::uint64_t allowed = allowed_pairs(n_pre, n_post, autapses);
    const std::uint64_t pairs = basis == count_basis::all_pairs ? static_cast<std::uint64_t>(n_pre) * n_post : allowed;
    // Round half to even, as Python's and NumPy's round().
    const double x = p * static_cast<double>(pairs);
    double r = std::floor(x);
    const double frac = x - r;
    if (frac > 0.5 || (frac == 0.5 && std::fmod(r, 2.0) != 0.0)) r += 1.0;
    return std::min(static_cast<std::uint64_t>(r), allowed);
}

// ---- builders -------------------------------------------------------------------------------

synapse_table fixed_probability(std::size_t n_pre, std::size_t n_post, double p, bool autapses, std::uint64_t seed,
                                std::uint32_t projection_id, int threads) {
    check_probability(p);
    check_populations(n_pre, n_post, autapses);
    // Pair (source i, target j) exists iff word (j % 4) of the counter (entity j / 4,
    // step proj << 32 | i) is below p·2^32 (p quantised to 2^-32; p = 1 takes every pair).
    const auto threshold = static_cast<std::uint64_t>(std::llround(std::ldexp(p, 32)));
    const std::size_t blocks = (n_post + 3) / 4;
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    t.row_ptr.assign(n_pre + 1, 0);
    const auto n = static_cast<std::int64_t>(n_pre);
    // Pass 1 counts each row, pass 2 fills it; both regenerate the same draws.
    for (int pass = 0; pass < 2; ++pass) {
#pragma omp parallel num_threads(resolve_threads(threads))
        {
            std::vector<std::uint32_t> w0(blocks), w1(blocks), w2(blocks), w3(blocks);
#pragma omp for schedule(dynamic, 16)
            for (std::int64_t ii = 0; ii < n; ++ii) {
                const auto i = static_cast<std::size_t>(ii);
                rng::philox_block(seed, rng::purpose::connectivity, 0, step_of(projection_id, static_cast<std::uint32_t>(i)),
                                  tag_pair_exists, blocks, w0.data(), w1.data(), w2.data(), w3.data());
                const std::uint32_t* words[4] = {w0.data(), w1.data(), w2.data(), w3.data()};
                std::uint64_t pos = pass == 0 ? 0 : t.row_ptr[i];
                for (std::size_t j = 0; j < n_post; ++j) {
                    if (words[j & 3][j >> 2] >= threshold) continue;
                    if (!autapses && j == i) continue;
                    if (pass == 1) t.target[pos] = static_cast<std::uint32_t>(j);
                    ++pos;
                }
                if (pass == 0) t.row_ptr[i + 1] = pos;
            }
        }
        if (pass == 0) {
            for (std::size_t i = 0; i < n_pre; ++i) t.row_ptr[i + 1] += t.row_ptr[i];
            t.target.resize(t.row_ptr.back());
        }
    }
    t.weight.assign(t.target.size(), 0.0f);
    t.delay_steps.assign(t.target.size(), 1);
    return t;
}

namespace detail {

aligned_vector<std::uint64_t> floyd_sample(std::uint64_t m, std::uint64_t k, std::uint64_t seed,
                                           std::uint32_t projection_id, bool bitmap) {
    if (k > m) throw internal_error("floyd_sample: k = " + str(k) + " > m = " + str(m));
    aligned_vector<std::uint64_t> out;
    if (k == 0) return out;
    word_stream rs(seed, rng::purpose::connectivity, 0, projection_id, tag_total);
    out.reserve(static_cast<std::size_t>(k));
    // Floyd (Bentley & Floyd 1987): for j = m-k .. m-1 draw t uniform in [0, j]; take t unless
    // already taken, else take j. Every k-subset is equally likely.
    if (bitmap) {
        std::vector<std::uint64_t> bits(static_cast<std::size_t>((m + 63) / 64), 0);
        for (std::uint64_t j = m - k; j < m; ++j) {
            std::uint64_t x = rs.bounded(j + 1);
            if (bits[x >> 6] >> (x & 63) & 1u) x = j;
            bits[x >> 6] |= 1ULL << (x & 63);
        }
        for (std::size_t w = 0; w < bits.size(); ++w) {
            std::uint64_t b = bits[w];
            while (b != 0) {
                out.push_back(static_cast<std::uint64_t>(w) * 64 + static_cast<std::uint64_t>(std::countr_zero(b)));
                b &= b - 1;
            }
        }
    } else {
        u64_set set(k);
        for (std::uint64_t j = m - k; j < m; ++j) {
            if (!set.insert(rs.bounded(j + 1))) set.insert(j);
        }
        set.for_each([&](std::uint64_t v) { out.push_back(v); });
        std::sort(out.begin(), out.end());
    }
    return out;
}

}  // namespace detail

synapse_table fixed_total_number(std::size_t n_pre, std::size_t n_post, std::uint64_t k_total, bool autapses,
                                 std::uint64_t seed, std::uint32_t projection_id) {
    check_populations(n_pre, n_post, autapses);
    const std::uint64_t m = allowed_pairs(n_pre, n_post, autapses);
    if (k_total > m)
        throw config_error("k_total = " + str(k_total) + " exceeds the " + str(m) + " allowed pairs " +
                           pair_description(n_pre, n_post, autapses));
    if (k_total == 0) return empty_table(n_pre, n_post);
    // The bitmap (m bits) when it is no larger than the hash set (~16·k bytes).
    const auto sample = detail::floyd_sample(m, k_total, seed, projection_id, m / 8 <= 16 * k_total);
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    t.row_ptr.assign(n_pre + 1, 0);
    t.target.resize(sample.size());
    // Pair index q enumerates allowed pairs pre-major with ascending post, so the sorted sample
    // is already in CSR order.
    const std::uint64_t per_row = autapses ? n_post : n_post - 1;
    for (std::size_t s = 0; s < sample.size(); ++s) {
        const std::uint64_t q = sample[s];
        const std::uint64_t i = q / per_row;
        std::uint64_t j = q % per_row;
        if (!autapses && j >= i) ++j;
        ++t.row_ptr[i + 1];
        t.target[s] = static_cast<std::uint32_t>(j);
    }
    for (std::size_t i = 0; i < n_pre; ++i) t.row_ptr[i + 1] += t.row_ptr[i];
    t.weight.assign(t.target.size(), 0.0f);
    t.delay_steps.assign(t.target.size(), 1);
    return t;
}

synapse_table fixed_indegree(std::size_t n_pre, std::size_t n_post, std::size_t k, bool autapses, std::uint64_t seed,
                             std::uint32_t projection_id, int threads) {
    check_populations(n_pre, n_post, autapses);
    const std::uint64_t available = autapses ? n_pre : n_pre - 1;
    if (k > available)
        throw config_error("k = " + str(k) + " exceeds the " + str(available) + " available sources per target " +
                           pair_description(n_pre, n_post, autapses));
    std::vector<std::uint64_t> in_ptr(n_post + 1);
    for (std::size_t j = 0; j <= n_post; ++j) in_ptr[j] = static_cast<std::uint64_t>(j) * k;
    std::vector<std::uint32_t> sources(n_post * k);
    if (k > 0) {
        const auto n = static_cast<std::int64_t>(n_post);
#pragma omp parallel num_threads(resolve_threads(threads))
        {
            std::vector<std::uint64_t> bits(static_cast<std::size_t>((available + 63) / 64), 0);
            std::vector<std::uint64_t> chosen;
            chosen.reserve(k);
#pragma omp for schedule(dynamic, 16)
            for (std::int64_t jj = 0; jj < n; ++jj) {
                const auto j = static_cast<std::uint32_t>(jj);
                word_stream rs(seed, rng::purpose::connectivity, j, projection_id, tag_indegree);
                chosen.clear();
                for (std::uint64_t v = available - k; v < available; ++v) {
                    std::uint64_t x = rs.bounded(v + 1);
                    if (bits[x >> 6] >> (x & 63) & 1u) x = v;
                    bits[x >> 6] |= 1ULL << (x & 63);
                    chosen.push_back(x);
                }
                std::sort(chosen.begin(), chosen.end());
                std::uint32_t* dst = sources.data() + static_cast<std::size_t>(j) * k;
                for (std::size_t c = 0; c < chosen.size(); ++c) {
                    const std::uint64_t x = chosen[c];
                    bits[x >> 6] = 0;  // clear for the next target
                    dst[c] = static_cast<std::uint32_t>(!autapses && x >= j ? x + 1 : x);
                }
            }
        }
    }
    return from_target_lists(n_pre, n_post, in_ptr, sources);
}

synapse_table all_to_all(std::size_t n_pre, std::size_t n_post, bool autapses) {
    check_populations(n_pre, n_post, autapses);
    synapse_table t;
    t.n_pre = n_pre;
    t.n_post = n_post;
    const std::size_t per_row = autapses ? n_post : n_post - 1;
    t.row_ptr.resize(n_pre + 1);
    for (std::size_t i = 0; i <= n_pre; ++i) t.row_ptr[i] = i * per_row;
    t.target.resize(n_pre * per_row);
    for (std::size_t i = 0; i < n_pre; ++i) {
        std::uint32_t* row = t.target.data() + i * per_row;
        std::size_t k = 0;
        for (std::size_t j = 0; j < n_post; ++j) {
            if (autapses || j != i) row[k++] = static_cast<std::uint32_t>(j);
        }
    }
    t.weight.assign(t.target.size(), 0.0f);
    t.delay_steps.assign(t.target.size(), 1);
    return t;
}

synapse_table from_dense(std::size_t n_pre, std::size_t n_post, std::span<const float> W, bool keep_zeros,
                         std::uint16_t delay_steps) {
    check_populations(n_pre, n_post, true);
    if (W.size() != n_pre * n_post)
        throw config_error("weight matrix has " + str(W.size()) + " entries, expected n_post·n_pre = " + str(n_post) +
                           "·" + str(n_pre));
    std::vector<std::uint32_t> sources, targets;
    std::vector<float> weights;
    for (std::size_t j = 0; j < n_post; ++j) {
        for (std::size_t i = 0; i < n_pre; ++i) {
            const float w = W[j * n_pre + i];
            if (!(w >= 0.0f) || !std::isfinite(w))
                throw config_error("weight matrix [" + str(j) + ", " + str(i) + "] = " + num(w) +
                                   ": expected a finite magnitude >= 0 (the sign is the presynaptic population's)");
            if (w == 0.0f && !keep_zeros) continue;
            sources.push_back(static_cast<std::uint32_t>(i));
            targets.push_back(static_cast<std::uint32_t>(j));
            weights.push_back(w);
        }
    }
    std::vector<std::uint16_t> delays(sources.size(), delay_steps);
    return from_arrays(n_pre, n_post, sources, targets, weights, delays);
}

synapse_table from_arrays(std::size_t n_pre, std::size_t n_post, std::span<const std::uint32_t> sources,
                          std::span<const std::uint32_t> targets, std::span<const float> weights,
                          std::span<const std::uint16_t> delays, std::uint32_t max_delay_steps) {
    check_populations(n_pre, n_post, true);
    if (max_delay_steps < 1 || max_delay_steps > max_delay_limit)
        throw config_error("max_delay_steps = " + str(max_delay_steps) + " is outside [1, " + str(max_delay_limit) + "]");
    const std::size_t n = sources.size();
    if (targets.size() != n)
        throw config_error("sources has " + str(n) + " entries but targets has " + str(targets.size()));
    if (!weights.empty() && weights.size() != n)
        throw config_error("weights has " + str(weights.size()) + " entries, expected " + str(n) +
                           " (one per synapse) or none");
    if (!delays.empty() && delays.size() != n)
        throw config_error("delays has " + str(delays.size()) + " entries, expected " + str(n) +
                           " (one per synapse) or none");
    for (std::size_t s = 0; s < n; ++s) {
        if (sources[s] >= n_pre)
            throw config_error("sources[" + str(s) + "] = " + str(sources[s]) + " is out of range [0, " + str(n_pre) +
                               ") (n_pre = " + str(n_pre) + ")");
        if (targets[s] >= n_post)
            throw config_error("targets[" + str(s) + "] = " + str(targets[s]) + " is out of range [0, " + str(n_post) +
                               ") (n_post = " + str(n_post) + ")");
        if (!weights.empty() && !std::isfinite(weights[s]))
            throw config_error("weights[" + str(s) + "] = " + num(weights[s]) + " is not finite");
        if (!delays.empty() && delays[s] > max_delay_steps)
            throw config_error("delays[" + str(s) + "] = " + str(delays[s]) + " steps is outside [0, " +
                               str(max_delay_steps) + "]");
    }
    synapse_table t = table_with_rows(n_pre, n_post, sources);
    // Stable counting sort by source, then a stable sort of each row by target.
    std::vector<std::uint64_t> order(n);
    {
        std::vector<std::uint64_t> fill(t.row_ptr.begin(), t.row_ptr.end() - 1);
        for (std::size_t s = 0; s < n; ++s) order[fill[sources[s]]++] = s;
    }
    for (std::size_t i = 0; i < n_pre; ++i) {
        std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(t.row_ptr[i]),
                         order.begin() + static_cast<std::ptrdiff_t>(t.row_ptr[i + 1]),
                         [&](std::uint64_t a, std::uint64_t b) { return targets[a] < targets[b]; });
    }
    t.target.resize(n);
    t.weight.resize(n);
    t.delay_steps.resize(n);
    for (std::size_t s = 0; s < n; ++s) {
        const auto o = order[s];
        t.target[s] = targets[o];
        t.weight[s] = weights.empty() ? 0.0f : weights[o];
        t.delay_steps[s] = delays.empty() ? std::uint16_t{1} : delays[o];
    }
    return t;
}

}  // namespace einet::network
