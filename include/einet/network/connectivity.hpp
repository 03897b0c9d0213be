#pragma once
// Sparse synapse storage of the spiking engine and the builders that fill it.
//
// Storage: `synapse_table`, a forward CSR indexed by the PRESYNAPTIC neuron (spike delivery walks
// the row of the neuron that fired). Per synapse: target id (uint32), weight (float32, a
// magnitude >= 0 in the unit of what it changes, e.g. pA), delay in whole steps (uint16; 0 = the same step, as Brian2's default and spec 003):
// 10 bytes per synapse, so 1 M synapses take 10 MB plus 8 bytes per presynaptic neuron. Each row
// is sorted by target id (ties, i.e. multapses from `from_arrays`, keep their input order), so
// the order in which a target receives input, and hence its floating-point sums, is fixed.
// `transpose()` gives the backward index (by target) for plasticity rules that need incoming
// synapses.
//
// Builders make the pattern (which pairs exist) with weight 0 and delay 1 step; weights and delays
// are then set by `initialise_weights` / `initialise_delays`. Every draw is a pure function of
// (seed, projection id, target, source) or of (seed, projection id[, target]) and the sizes, so a
// table is bit-identical for any thread count, and a given synapse gets the same weight and delay
// however the table was built. Philox counter layout (rng.hpp: entity, 64-bit step, draw):
//
//   what                           purpose        entity          step                    draw
//   pair exists (fixed_probability) connectivity  target / 4      proj << 32 | source     1 (word target % 4)
//   sources of a target (indegree)  connectivity  target          proj << 32 | block      2
//   pair sample (fixed_total_number)connectivity  block >> 32     proj << 32 | block lo   3
//   delay of a synapse              connectivity  target          proj << 32 | source     4
//   weight of a synapse             weight_init   target          proj << 32 | source     1
//
// (The rate model's weight_init stream uses draw 0, so the two never share a counter.)
//
// Errors: argument problems throw config_error with a message naming the argument and its value
// (the caller prefixes the config key); inconsistencies of a table throw internal_error.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

#include "einet/core/aligned.hpp"

namespace einet::network {

// Incoming synapses of each target: for target j, entries row_ptr[j] .. row_ptr[j+1] give the
// source id and the index of the synapse in the forward arrays, sorted by source (then by
// synapse index).
struct backward_index {
    aligned_vector<std::uint64_t> row_ptr;  // n_post + 1
    aligned_vector<std::uint32_t> source;
    aligned_vector<std::uint64_t> synapse;  // index into synapse_table::target / weight / delay_steps
};

struct synapse_table {
    std::size_t n_pre = 0;
    std::size_t n_post = 0;
    aligned_vector<std::uint64_t> row_ptr;       // n_pre + 1; row i = synapses of presynaptic neuron i
    aligned_vector<std::uint32_t> target;        // postsynaptic id, ascending within a row
    aligned_vector<float> weight;                // magnitude >= 0 (Dale: the sign is the presynaptic population's)
    aligned_vector<std::uint16_t> delay_steps;   // >= 0 (builders default to 1)

    std::size_t size() const { return target.size(); }
    std::uint64_t row_begin(std::size_t pre) const { return row_ptr[pre]; }
    std::uint64_t row_end(std::size_t pre) const { return row_ptr[pre + 1]; }
    std::size_t out_degree(std::size_t pre) const { return static_cast<std::size_t>(row_ptr[pre + 1] - row_ptr[pre]); }

    // Bytes of index + weight + delay per synapse (target 4 + weight 4 + delay 2).
    static constexpr std::size_t bytes_per_synapse() {
        return sizeof(std::uint32_t) + sizeof(float) + sizeof(std::uint16_t);
    }
    // Bytes held by all arrays (allocated capacity, row pointers included).
    std::size_t memory_bytes() const;

    // Number of synapses onto each target (size n_post).
    aligned_vector<std::uint32_t> in_degrees() const;
    // Largest delay in steps (0 for an empty table).
    std::uint16_t largest_delay_steps() const;
    // Backward (by target) index; counting sort, O(n_pre + n_post + synapses).
    backward_index transpose() const;
    // Structural invariants (sizes, monotone row_ptr, ids in range, rows sorted);
    // throws internal_error naming the first violation.
    void check_invariants() const;
};

inline constexpr std::uint16_t max_delay_limit = std::numeric_limits<std::uint16_t>::max();

// How exact_count turns p into a number of synapses.
enum class count_basis {
    all_pairs,      // round(p·n_pre·n_post), as paper 001's code (spec 001 §5.3: EE 1600² → 640 000
                    // although self-pairs are excluded), capped at the number of allowed pairs
    allowed_pairs,  // round(p·#allowed pairs) (EE 1600² without autapses → 639 600)
};

// Number of allowed (pre, post) pairs: n_pre·n_post, minus n when autapses are excluded.
std::uint64_t allowed_pairs(std::size_t n_pre, std::size_t n_post, bool autapses);
// Synapse count for a fixed_total_number projection of connection probability p.
std::uint64_t exact_count(double p, std::size_t n_pre, std::size_t n_post, bool autapses,
                          count_basis basis = count_basis::all_pairs);

// `autapses = false` means the projection maps a population onto itself and pairs (i, i) are
// excluded; it requires n_pre == n_post. Populations must be non-empty and below 2^32 neurons.
// `threads` <= 0: OpenMP's default; the result never depends on it.

// Independent Bernoulli(p) per allowed pair, keyed per (target, source).
synapse_table fixed_probability(std::size_t n_pre, std::size_t n_post, double p, bool autapses,
                                std::uint64_t seed, std::uint32_t projection_id, int threads = 1);

// Exactly k_total distinct allowed pairs, uniform over all k_total-subsets (Floyd's algorithm on
// the pair index space, one Philox stream keyed by projection_id; sequential, so thread-free).
synapse_table fixed_total_number(std::size_t n_pre, std::size_t n_post, std::uint64_t k_total, bool autapses,
                                 std::uint64_t seed, std::uint32_t projection_id);

// Each target gets exactly k distinct sources, uniform over the k-subsets of its allowed sources,
// drawn from the target's own Philox counter (parallel over targets).
synapse_table fixed_indegree(std::size_t n_pre, std::size_t n_post, std::size_t k, bool autapses,
                             std::uint64_t seed, std::uint32_t projection_id, int threads = 1);

// Every allowed pair (dense connectivity stored as full CSR rows: write-out then streams
// contiguous targets). Weight 0, delay 1 step, like the other builders.
synapse_table all_to_all(std::size_t n_pre, std::size_t n_post, bool autapses);

// A table from a dense weight matrix `W` [n_post][n_pre] (row-major: W[post·n_pre + pre], the
// usual "onto post from pre" layout); entries equal to 0 are not synapses unless `keep_zeros`.
// Weights must be finite and >= 0 (magnitudes); delays `delay_steps` for all.
synapse_table from_dense(std::size_t n_pre, std::size_t n_post, std::span<const float> W, bool keep_zeros = false,
                         std::uint16_t delay_steps = 1);

// A table from explicit lists of (source, target[, weight, delay]). `weights` / `delays` may be
// empty (weight 0, delay 1 step) or must have one entry per synapse. Duplicate pairs (multapses)
// are kept in their input order. Weights must be finite; delays 1 .. max_delay_steps.
synapse_table from_arrays(std::size_t n_pre, std::size_t n_post, std::span<const std::uint32_t> sources,
                          std::span<const std::uint32_t> targets, std::span<const float> weights = {},
                          std::span<const std::uint16_t> delays = {},
                          std::uint32_t max_delay_steps = max_delay_limit);

// ---- weights --------------------------------------------------------------------------------
// Weights are magnitudes: every initialiser produces values >= 0 (clip_low >= 0 is required).
// Draws are keyed per synapse by (seed, projection id, target, source).
struct weight_distribution {
    enum class kind { constant, normal, lognormal };
    kind k = kind::constant;
    double mean = 0.0;  // constant value, normal mean, or log-normal ARITHMETIC mean
    double sd = 0.0;    // normal SD, or log-normal ARITHMETIC SD
    double clip_low = 0.0;  // normal only: draws below are set to clip_low (paper 001: 0)
    double clip_high = std::numeric_limits<double>::infinity();  // normal only: draws above are set to clip_high

    static weight_distribution constant(double w);
    static weight_distribution normal(double mean, double sd, double clip_low = 0.0,
                                      double clip_high = std::numeric_limits<double>::infinity());
    // Normal with SD = cv·mean (paper 001: cv = 0.2, clipped at 0).
    static weight_distribution normal_cv(double mean, double cv, double clip_low = 0.0,
                                         double clip_high = std::numeric_limits<double>::infinity());
    // Log-normal with the given arithmetic mean (> 0) and SD: σ² = ln(1 + sd²/mean²), μ = ln mean − σ²/2.
    static weight_distribution lognormal(double mean, double sd);

    // Throws config_error naming the offending parameter.
    void validate() const;
};

// The weight of synapse source -> target of a projection (the same function the table initialiser uses).
float draw_weight(const weight_distribution& d, std::uint64_t seed, std::uint32_t projection_id,
                  std::uint32_t target, std::uint32_t source);
void initialise_weights(synapse_table& table, const weight_distribution& d, std::uint64_t seed,
                        std::uint32_t projection_id, int threads = 1);

// ---- delays ---------------------------------------------------------------------------------
struct delay_distribution {
    enum class kind { constant, uniform_steps, paper001 };
    kind k = kind::constant;
    std::uint32_t steps = 1;     // constant
    std::uint32_t min_steps = 1; // uniform_steps: integer steps uniform in [min_steps, max_steps]
    std::uint32_t max_steps = 1;
    double d_max = 0.0;          // paper001 (ms): steps = floor(U·d_max/dt) + 1, U ~ U[0, 1)
    double dt = 0.0;             // paper001 (ms)

    static delay_distribution constant(std::uint32_t steps);
    static delay_distribution uniform_steps(std::uint32_t min_steps, std::uint32_t max_steps);
    // Spec 001 §5.2: d = (floor(U·d_max/dt) + 1)·dt; d_max = 1 ms, dt = 0.1 ms gives 1..10 steps.
    // When d_max/dt is within 1e-9 (relative) of an integer m it is taken as m, so the m values
    // are exactly equiprobable.
    static delay_distribution paper001(double d_max, double dt);

    // Largest delay (steps) this distribution can produce.
    std::uint64_t largest_steps() const;
    // Throws config_error if a delay could be < 1 step or > max_delay_steps.
    void validate(std::uint32_t max_delay_steps = max_delay_limit) const;
};

std::uint16_t draw_delay(const delay_distribution& d, std::uint64_t seed, std::uint32_t projection_id,
                         std::uint32_t target, std::uint32_t source);
void initialise_delays(synapse_table& table, const delay_distribution& d, std::uint64_t seed,
                       std::uint32_t projection_id, std::uint32_t max_delay_steps = max_delay_limit,
                       int threads = 1);

// ---- Dale's law -----------------------------------------------------------------------------
struct dale_violation {
    std::uint32_t pre = 0;
    std::uint32_t post = 0;
    std::uint64_t synapse = 0;  // forward index
    float weight = 0.0f;
};
// The first synapse (forward order: by pre, then post) whose weight is not >= 0 (negative or NaN),
// or nullopt if all weights are valid magnitudes.
std::optional<dale_violation> check_dale(const synapse_table& table);
// Throws config_error "<what>: synapse pre -> post has weight w < 0 ..." on a violation.
void require_dale(const synapse_table& table, const std::string& what);

namespace detail {
// Floyd's sample of k distinct values of [0, m), sorted ascending, from the fixed_total_number
// stream of (seed, projection_id). `bitmap` picks the membership structure (bitmap of m bits or
// open-addressing hash set); the sample does not depend on it. Exposed for tests.
aligned_vector<std::uint64_t> floyd_sample(std::uint64_t m, std::uint64_t k, std::uint64_t seed,
                                           std::uint32_t projection_id, bool bitmap);
}  // namespace detail

}  // namespace einet::network
