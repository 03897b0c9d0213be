#pragma once
// Batched integrator of rate networks: B independent copies of one network description (a sweep
// of initialisations, or B = 1), each with its own weights, state and noise stream.
//
// Storage is structure-of-arrays with the batch index innermost (value[unit][b]), so every
// update is a contiguous, vectorised loop over networks, for any population size. Threads own
// disjoint chunks of the batch; each network's numbers depend only on (seed, network index,
// step), so results are bit-identical for any thread count.
//
// One step (paper 001 spec §1.3, the authors' order):
//   1. OU noise of every unit: η ← η − (dt/τ_η) η + σ √dt ξ   (or the exact OU transition)
//   2. for each population in order: drive = Σ_pre ±W·r_pre + inputs + η;
//      r ← r + (dt/τ)(−r + f(drive)); r ← min(r, r_max)
//      "sequential": later populations see the already updated earlier ones (Gauss–Seidel);
//      "simultaneous": all populations see the rates of the previous step.
//   3. hooks (recorders, online plasticity) for the chunk.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "einet/core/aligned.hpp"
#include "einet/network/rate_network.hpp"

namespace einet::engine {

class rate_engine;

// Called after every step for the networks [b0, b1) of one chunk, from the thread that owns
// the chunk. Implementations must touch only those networks.
class rate_step_hook {
public:
    virtual ~rate_step_hook() = default;
    virtual void on_step(rate_engine& engine, std::size_t segment_step, std::size_t b0, std::size_t b1) = 0;
    // True when on_step never changes weights: the engine may then keep each network's weights in
    // a private contiguous copy for the whole run() call (the unit-major kernel).
    virtual bool leaves_weights_alone() const { return false; }
    // False when on_step would do nothing at this segment step: the unit-major kernel then skips
    // the call and the write-back of the group's rates it needs (default: every step).
    virtual bool wants_step(std::size_t /*segment_step*/) const { return true; }
};

struct nonfinite_location {
    std::string what;  // "rate" | "weight" | "noise" | "voltage"
    std::size_t group = 0;  // population or projection index
    std::size_t unit = 0;
    std::size_t network = 0;
};

class rate_engine {
public:
    // Networks per work item at most (so a chunk's state stays in L1). Worker ranges start at
    // multiples of 16 networks: whole cache lines of doubles and int32 in the 64-byte-aligned
    // storage, so threads never share a line. Results do not depend on the split.
    static constexpr std::size_t max_chunk = 128;

    rate_engine(network::rate_network net, std::size_t batch, std::uint64_t seed);

    const network::rate_network& network() const { return net_; }
    std::size_t batch() const { return batch_; }
    std::uint64_t seed() const { return seed_; }
    // Index of network 0 of this batch in a larger sweep: every random stream (noise, kicks; the
    // weight draws of config::initialise_weights) is keyed by first_network() + b, so a sweep run in
    // chunks of networks gives each network the streams it has in the whole sweep.
    void set_first_network(std::uint32_t k) { first_network_ = k; }
    std::uint32_t first_network() const { return first_network_; }

    // value[unit][b] views (size n * batch, batch index innermost).
    double* rates(std::size_t pop) { return rates_[pop].data(); }
    const double* rates(std::size_t pop) const { return rates_[pop].data(); }
    double* noise(std::size_t pop) { return eta_[pop].data(); }
    // Voltages V[unit][b] of a voltage-form population (rate_state::voltage); null otherwise.
    double* voltages(std::size_t pop) { return voltages_[pop].empty() ? nullptr : voltages_[pop].data(); }
    const double* voltages(std::size_t pop) const { return voltages_[pop].empty() ? nullptr : voltages_[pop].data(); }
    // weights[(i * n_pre + j) * batch + b], i post unit, j pre unit.
    double* weights(std::size_t proj) { return weights_[proj].data(); }
    const double* weights(std::size_t proj) const { return weights_[proj].data(); }
    double& weight(std::size_t proj, std::size_t i, std::size_t j, std::size_t b);
    // Mean rate over the units of population p in network b (Hz).
    double population_mean(std::size_t pop, std::size_t b) const;
    // Mean weight of projection q in network b, without the held-at-zero diagonal of a
    // projection that forbids self-connections.
    double class_mean(std::size_t proj, std::size_t b) const;

    // Start a segment (a trial): segment time restarts at 0; optionally set all rates to 0
    // (the noise state and the absolute step counter carry over, as in paper 001's code).
    void begin_segment(bool reset_rates);
    // Advance `steps` steps on `threads` threads (0: all cores), calling `hook` (may be null)
    // after each step. An exception from a hook stops the run and is rethrown here.
    void run(std::size_t steps, rate_step_hook* hook, int threads);

    // Adds a step input (e.g. a perturbation that starts later in the current segment).
    void add_step_input(const network::rate_step_input& in);

    std::uint64_t absolute_step() const { return step_; }
    // For checkpoints: the countdown [network] of Poisson-kick input k, and the step counter the
    // noise streams are keyed by (restoring both with rates, noise and weights restores the run).
    std::int32_t* kick_countdown(std::size_t k) { return kick_left_[k].data(); }
    const std::int32_t* kick_countdown(std::size_t k) const { return kick_left_[k].data(); }
    void set_absolute_step(std::uint64_t step) { step_ = step; }
    std::size_t segment_step() const { return segment_step_; }

    // First non-finite value in rates, noise or weights, if any (rates first).
    std::optional<nonfinite_location> find_nonfinite() const;

private:
    struct workspace;
    void step_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg_step, std::uint64_t abs_step);
    void prepare_step(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg_step, std::uint64_t abs_step);
    void advance_kicks(std::size_t b0, std::size_t b1, std::size_t seg_step, std::uint64_t abs_step);
    template <class T, class S>  // arithmetic in T, weights stored as S
    void run_unit_major_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg0, std::uint64_t abs0,
                              std::size_t steps, rate_step_hook* hook);
    bool use_unit_major(const rate_step_hook* hook) const;
    template <std::size_t P>
    void run_scalar_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg0, std::uint64_t abs0,
                          std::size_t steps, rate_step_hook* hook);
    void fill_noise(workspace& ws, std::size_t b0, std::size_t b1, std::uint64_t block);
    double step_drive(std::size_t pop, std::size_t seg_step) const;
    void add_signals(workspace& ws, std::size_t pop, std::size_t seg_step, std::size_t cb) const;
    void update_general(workspace& ws, std::size_t pop, std::size_t b0, std::size_t cb);
    void add_step_window(const network::rate_step_input& in);

    struct step_window {  // a step input on the integer step grid
        std::size_t population;
        std::int64_t first, end;
        double amplitude;
    };
    std::vector<step_window> step_windows_;
    std::vector<std::size_t> projection_of_;  // [post * P + pre] -> projection index or npos

    network::rate_network net_;
    std::size_t batch_;
    std::uint64_t seed_;
    std::uint32_t first_network_ = 0;
    std::vector<aligned_vector<double>> rates_, eta_, weights_;
    std::vector<aligned_vector<double>> voltages_;  // per population; empty unless voltage form
    std::vector<aligned_vector<std::int32_t>> kick_left_;  // per Poisson-kick input, per network
    std::vector<std::size_t> unit_offset_;              // first global unit index of each population
    bool general_step_ = false;         // voltage form, logistic, per-unit θ or signals: step_chunk only
    bool scalar_populations_ = false;   // every population is one unit: the fused kernel applies
    std::vector<double> zero_weights_;  // stands in for absent projections in the fused kernel
    double noise_decay_ = 1.0, noise_amp_ = 0.0;
    std::uint64_t step_ = 0;
    std::size_t segment_step_ = 0;
};

}  // namespace einet::engine
