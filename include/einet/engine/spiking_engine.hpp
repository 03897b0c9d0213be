#pragma once
// The spiking engine: advances a spiking_network on a fixed grid of step dt.
//
// One step n (t_n → t_{n+1}), written once here and in spiking_engine.cpp:
//   1. inputs: step currents active at t_n set I_step; Poisson and generator spikes of step n
//      are written into the delay rings like recurrent spikes of delay 0 (or their delay).
//   2. neurons (threads own contiguous ranges): V advances from the state at t_n (explicit
//      Euler–Maruyama, spec 003 Eq. 2.1, or the exact propagator of the linear subthreshold
//      system, incl. exact OU noise), unless refractory; receptor and adaptation states advance
//      likewise; then V ≥ V_th (or > V_th) marks a spike at t_{n+1}.
//   3. spike policy (optional hook, paper 000: at most one spike per step, inhibition first):
//      it may drop candidates; the kept ones are reset (V ← V_reset, refractory, I_a += jump).
//      Without a policy the reset happens inside the neuron pass.
//   4. write-out: every spike adds its synapses' signed weights into the targets' delay ring at
//      slot (now + delay), in projection, source and target order (a fixed summation order);
//      low-rank projections add the step's latent increment z = Σ_j D_j to a rank-r ring instead,
//      and self terms (self_weight) go into the neuron's own receptor. A projection whose
//      synapses all have delay 0 onto a receptor with kinetics adds straight into the receptor
//      state instead (it would be delivered in this very step; no ring list to write and drain).
//   5. delivery: the ring slot of t_{n+1} is added to the receptors' input states (delta: to V
//      unless refractory) and cleared. A delay of 0 steps therefore acts on the next step's
//      update, as Brian2's default and spec 003 Eq. 2.4; a delay of d steps d steps later.
//      Low-rank projections then deliver E·z (paper 000: O(N·rank), W never formed).
//   6. hooks (study hooks, recorders, guards, progress), then the built-in guard (non-finite V
//      stops the run, naming population, neuron and time).
// Noise is drawn from Philox streams keyed by (seed, population, channel, neuron, step), so the
// spikes are bit-identical for any thread count, and a run restored from a snapshot continues
// bit-identically.
//
// Precision (network.real, run.precision): float64 (default) or float32. In float32 the state the
// steps touch per neuron (V, receptor and adaptation states, their noise rows, the pass's
// coefficients, the delay rings and the delay-0 direct input) is held and computed in float, and that float state is
// authoritative while run() runs. The double arrays behind V(), receptor_current(),
// receptor_state(), adaptation() and snapshot()/restore() are its mirror: written from it when
// run() returns (also by an exception) and before every hook call that reads_state(), and read
// back into it when run() starts and after such a hook call (a hook may write state). Between
// runs callers therefore read and write doubles as in float64; what they write is rounded to
// float when the next run starts. float → double → float is exact, so the mirror never perturbs
// the run: a snapshot restored into a float32 engine continues bit-identically. The delay rings
// sum in float too (`ring32`; snapshot() widens them to double, restore() rounds back exactly).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "einet/core/aligned.hpp"
#include "einet/engine/delay_ring.hpp"
#include "einet/engine/noise_source.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::engine {

class spiking_engine;

class spike_hook {
public:
    virtual ~spike_hook() = default;
    // Called after every step (after delivery); engine.spikes(p) holds that step's spikes.
    virtual void on_step(spiking_engine& engine) = 0;
    // Whether the call at engine step `step` (what engine.step() will return in it) reads or
    // writes more than the step's spikes, spike_lags(), crossing_speeds(), step(), time(), dt()
    // and network(). If not, a multi-threaded run calls it on one thread while the others already
    // compute the next step (no synchronisation for it); if so (the default), every thread waits
    // around the call.
    virtual bool reads_state(std::uint64_t /*step*/) const { return true; }
};

// Chooses which threshold crossings of a step become spikes (paper 000). `candidates[p]` holds
// the ids (ascending) of population p above threshold; erase the ones that must not spike. Their
// V stays above threshold and is tested again next step.
// One named array of engine state (checkpoints); integers are stored exactly as doubles.
struct state_array {
    std::string name;
    std::vector<double> values;
};

class spike_policy {
public:
    virtual ~spike_policy() = default;
    virtual void select(const spiking_engine& engine, std::vector<std::vector<std::uint32_t>>& candidates) = 0;
    // State the policy keeps between steps (part of the engine's snapshot, names prefixed "policy/"
    // by the engine); restore throws config_error naming a missing or misfit array.
    virtual std::vector<state_array> snapshot() const { return {}; }
    virtual void restore(const std::vector<state_array>& /*state*/) {}
};

class spiking_engine {
public:
    spiking_engine(network::spiking_network net, std::uint64_t seed);

    const network::spiking_network& network() const { return net_; }
    std::uint64_t seed() const { return seed_; }
    // Changes the key of every noise and Poisson-input stream from here on (e.g. fresh noise for
    // each trial of a protocol that restores one initial state): afterwards the run is the one an
    // engine built with `seed` would produce from this state. The network (weights, delays,
    // parameters drawn at lowering) is not redrawn.
    void reseed(std::uint64_t seed);
    double dt() const { return net_.dt; }
    network::precision precision() const { return net_.real; }
    std::uint64_t step() const { return step_; }
    double time() const { return static_cast<double>(step_) * net_.dt; }  // ms

    // Advance `steps` steps on `threads` threads (0: all cores).
    void run(std::size_t steps, spike_hook* hook, int threads);
    // Fewer threads are used when a step has fewer than this many neurons per thread (default
    // 1000; the synchronisation then costs more than it saves; four times as many when the hook
    // reads state on most steps). Results never depend on it.
    void set_min_neurons_per_thread(std::size_t n) { min_neurons_per_thread_ = n; }
    // Threads the last run ended on: fewer than asked for on small networks, and 1 when the
    // machine had more runnable threads than cores (threads kept missing each other at the
    // per-step meeting in 1/16 of 256 steps), where the run goes on with one thread.
    std::size_t threads_used() const { return workers_; }
    // Steps a multi-threaded run computes between two spike exchanges (meetings of its threads):
    // 1 + the smallest synaptic delay in steps, since a spike found in the pass of step n first
    // acts in the delivery of step n + d (the min-delay rule of NEST and Arbor); 1 with delay-0
    // projections, self terms or a spike policy; at most max_exchange_interval.
    std::size_t exchange_interval() const;
    static constexpr std::size_t max_exchange_interval = 8;
    // nullptr: every crossing spikes (the default).
    void set_spike_policy(spike_policy* policy) { policy_ = policy; }
    // The noise_source stream of receptor r's current noise in `pop` (its channel's index).
    static std::uint32_t noise_stream(const network::spiking_population& pop, std::size_t r);
    // nullptr: the engine's own Philox streams (the default). The source must outlive the runs.
    void set_noise_source(noise_source* source) { source_ = source; }
    // Also keep, for each spike, its crossing speed A = τ_m dV/dt at threshold (mV; spec 003
    // Remark 2.1: A = I − I_th) — from the state at the end of the step on the grid integrators,
    // from the interpolant at the crossing with exact_interpolated (which always keeps it).
    void set_record_crossings(bool on) { record_crossings_ = on; }

    // Weights of projection q, writable (plasticity studies change them between runs; sizes and
    // delays are fixed). Values are magnitudes, as in the synapse table.
    float* weights(std::size_t q) { return net_.projections.at(q).synapses.weight.data(); }

    double* V(std::size_t pop) { return pops_[pop].V.data(); }
    const double* V(std::size_t pop) const { return pops_[pop].V.data(); }
    // The current (pA, or mV for R = 1 models) of receptor r of every neuron of `pop`, signed as
    // it enters the membrane equation; nullptr for a delta receptor (it has no current).
    const double* receptor_current(std::size_t pop, std::size_t r) const;
    double* receptor_state(std::size_t pop, std::size_t r);  // the same state, writable
    // The adaptation current I_a of `pop`, or nullptr when the population does not adapt.
    const double* adaptation(std::size_t pop) const;
    // Steps neuron i of `pop` is still frozen (0: integrating).
    std::int64_t refractory_steps_left(std::size_t pop, std::size_t i) const;
    // Ids (ascending) of the neurons of `pop` that spiked in the last step, at time().
    const std::vector<std::uint32_t>& spikes(std::size_t pop) const { return spiked_[pop]; }
    // Per spike of spikes(pop): how long before time() it happened (ms; 0 on the grid integrators)
    // and its crossing speed; both empty unless crossings are recorded or the integrator interpolates.
    const std::vector<double>& spike_lags(std::size_t pop) const { return lags_[pop]; }
    const std::vector<double>& crossing_speeds(std::size_t pop) const { return speeds_[pop]; }

    // All dynamic state (time, V, refractory counters, receptor and adaptation states, delay
    // rings, the spike policy's state); restoring it (with the same kind of policy set) into an engine built from the same network and seed continues the run
    // bit-identically (noise is a function of the step, not of a generator's history).
    std::vector<state_array> snapshot() const;
    // Throws config_error naming the array when a snapshot does not fit this network.
    void restore(const std::vector<state_array>& state);

private:
    // A linear state variable of every neuron of a population: a receptor's s (and u for
    // biexponential kinetics) or the adaptation current. Per step (both integrators):
    //   x_k ← decay_k·x_k + feed_k·x_{k−1} + noise_amp_k·ξ,  V gains to_v_k[i]·x_k (old values)
    struct channel {
        aligned_vector<double> x, to_v, noise;  // noise: 4 steps of normals, or empty
        aligned_vector<double> v_from_x;        // exact integrator: V's share of this channel's noise
        double decay = 1.0, feed = 0.0, noise_amp = 0.0;
        double slope_sign = 0.0;                // dV/dt gains slope_sign·(R/τ_m)·x (0: not a current)
    };
    struct population_state {
        aligned_vector<double> V, v_decay, v_drive, v_noise_amp, I_e_base, v_drive_base, R;
        aligned_vector<std::uint32_t> frozen_until;     // detail::step_stamp: frozen in the passes of steps before it
        aligned_vector<std::int64_t> ref_steps;         // detail::step_count
        aligned_vector<double> adapt_jump;
        aligned_vector<double> v_noise;                 // 4 steps of normals, or empty
        std::vector<channel> channels;                  // adaptation last (when adaptive)
        aligned_vector<double> V_before;                // exact_interpolated: V and x at the step's start
        std::vector<aligned_vector<double>> x_before;
        std::vector<std::size_t> input_channel;         // per receptor: channel spikes land in (npos: V)
        std::vector<std::size_t> current_channel;       // per receptor: channel holding the current
        std::vector<std::uint32_t> pulse_steps;         // per receptor: pulse length (0: not a pulse)
        std::vector<double> input_scale;                // per receptor: what one unit of weight adds (κ/τ_r)
        std::vector<detail::delay_ring> ring;           // per receptor (empty rings in float32)
        std::vector<detail::delay_ring_t<float>> ring32;  // float32 precision: per receptor, float sums
        std::vector<char> ring_fed;                     // per receptor: something may write its ring (else delivery skips it)
        std::vector<detail::delay_ring> v_ring;         // exact_interpolated: per receptor, V's share of arrivals
        std::vector<double> receptor_tau;               // per receptor: decay time (0: none or not exponential)
        bool adaptive = false;
        bool uniform = false;  // every per-neuron parameter equal: the pass keeps them in registers
        // float32 precision: the pass's state and coefficients as floats (empty in float64). The
        // same shapes as their doubles above; th and reset are V_th and V_reset.
        struct single {
            aligned_vector<float> V, v_decay, v_drive, th, reset, v_noise_amp, adapt_jump, v_noise;
            std::vector<aligned_vector<float>> x, to_v, noise, v_from_x;  // per channel
        } f32;
    };

    // A worker's own step counter and ring position: threads run up to one step apart, so the
    // step they compute is theirs, not step_ (which worker 0 publishes for hooks and callers).
    // A per-worker value on cache lines of its own: what one thread writes every step (a list's
    // size, its clock) never shares a line with another's (each such write would cost a line
    // transfer between cores, 60–350 ns on this VM). 128 bytes: lines are prefetched in pairs.
    template <class T>
    struct alignas(128) padded {
        T v{};
    };
    struct alignas(128) worker_clock {     // on lines of its own (written every step)
        std::uint64_t step = 0;
        std::size_t now = 0;                 // ring slot of delay 0
        aligned_vector<std::size_t> slot_of;  // ring slot of each delay, padded to whole line pairs
        void set(std::uint64_t s, std::size_t ring_now, std::size_t slots);
    };

    // The neuron pass's views of every (population, worker), built once per run_steps() and after
    // step currents change (spiking_engine.cpp); a call then sets only its step's fields.
    struct view_cache;
    void build_views();
    void update_uniform(std::size_t p);
    bool dense_ring(std::size_t p, std::size_t r) const;  // deliver receptor r of p densely
    void partition(std::size_t workers);
    std::size_t run_steps(std::size_t steps, spike_hook* hook);  // steps done (fewer: crowded out)
    void advance_neurons(std::size_t p, std::size_t worker);
    template <class T>
    void advance_neurons_as(std::size_t p, std::size_t worker);  // T: the precision's real type
    // float32 precision: the pass's coefficients of population p as floats; the mirror (doubles)
    // into the float state; the float state back into the mirror (the rule above).
    void to_f32_coefficients(std::size_t p);
    void to_f32_state();
    void from_f32();
    void time_crossings(std::size_t p, const std::uint32_t* ids, std::size_t count, std::uint64_t step,
                        std::vector<std::pair<double, double>>& out);
    template <class T>
    void fill_noise(std::size_t p, std::uint32_t stream, T* buf, std::size_t i0, std::size_t i1, std::uint64_t step);
    void refresh_noise(std::size_t p, std::size_t stream, double* buf, std::size_t i0, std::size_t i1, std::uint64_t block);
    void refresh_noise(std::size_t p, std::size_t stream, float* buf, std::size_t i0, std::size_t i1, std::uint64_t block);
    void refresh_block_noise(std::size_t p);
    void set_step_currents(std::size_t p);
    bool currents_change(std::uint64_t step) const;  // a step-current window or sampled value changes
    void apply_currents();                           // the step currents of step_, where they change
    void apply_spike_inputs(std::size_t worker);     // Poisson and generator spikes onto the worker's targets
    std::size_t found_list(std::uint64_t step) const { return static_cast<std::size_t>(step % found_lists_); }
    void merge_spikes(std::size_t list);
    void apply_policy();
    std::size_t first_nonfinite(std::uint64_t first, std::size_t steps) const;  // the batch's step index, or `steps`
    template <class F>
    void for_each_spike(std::size_t p, std::size_t list, F&& f) const;  // f(id, lag): lag 0 unless interpolating
    void write_out(std::size_t worker);
    struct row_task;
    void collect_rows(std::size_t q, std::size_t worker, std::vector<row_task>& rows) const;  // and prefetch them
    void write_rows(std::size_t q, std::size_t worker, const row_task* begin, const row_task* end);
    void write_out_lowrank(std::size_t worker);
    void write_out_self(std::size_t worker);
    template <class T>
    void deliver_lowrank(std::size_t worker);
    void add_to_ring(std::size_t worker, std::size_t pop, std::size_t r, std::uint32_t target, double value);
    // f(ring of receptor r of population p): the double ring, or the float one in float32 precision.
    template <class F>
    void with_ring(std::size_t p, std::size_t r, F&& f) {
        if (f32_) {
            f(pops_[p].ring32[r]);
        } else {
            f(pops_[p].ring[r]);
        }
    }
    void deliver(std::size_t worker);
    template <class T>
    void deliver_as(std::size_t worker);
    void check_finite(std::uint64_t first, std::size_t steps);

    network::spiking_network net_;
    std::uint64_t seed_;
    std::size_t min_neurons_per_thread_ = 1000;  // paper 001 (2000 neurons) on two threads: 1.6× (docs/performance.md)
    spike_policy* policy_ = nullptr;
    noise_source* source_ = nullptr;
    bool record_crossings_ = false;
    bool interpolate_ = false;                 // exact_interpolated
    bool f32_ = false;                         // precision float32
    std::vector<population_state> pops_;
    std::vector<char> nonfinite_;              // [found list · workers + worker]: the pass saw a non-finite V
    aligned_vector<std::uint64_t> scratch_;    // the portable neuron pass's flags, one per neuron of every population
    std::vector<std::size_t> scratch_offset_;  // first entry of each population
    aligned_vector<double> zeros_;             // noise stand-in for noiseless channels
    aligned_vector<float> zeros_f32_;
    std::size_t ring_slots_ = 1;
    std::vector<worker_clock> clock_;          // [worker]
    std::size_t workers_ = 0;                  // threads the neurons and rings are partitioned for
    std::vector<std::vector<std::size_t>> bounds_;                   // [pop][worker + 1]: owned ranges
    // [step % found_lists_][pop][worker]: crossings of the step. Two exchange intervals' lists
    // (found_lists_ = 2 · interval), so a worker can find the next interval's crossings while
    // another still writes this interval's spikes out.
    // A worker's crossings of one step: the count, then the ids (ascending), in one buffer sized
    // for its whole range. The count shares a cache line with the first 15 ids, so another worker
    // reading the list (every step) fetches one line from this worker's core, not two in a row
    // (a count beside the buffer's pointer, then the ids behind it).
    struct spike_list {
        aligned_vector<std::uint32_t> buf;  // [0]: the count; [1, 1 + count): the ids
        void reserve(std::size_t range) { buf.assign(range + 1, 0); }
        std::uint32_t* ids() { return buf.data() + 1; }
        void set_size(std::size_t n) { buf[0] = static_cast<std::uint32_t>(n); }
        const std::uint32_t* begin() const { return buf.data() + 1; }
        const std::uint32_t* end() const { return buf.data() + 1 + buf[0]; }
        std::size_t size() const { return buf[0]; }
        std::uint32_t operator[](std::size_t k) const { return buf[k + 1]; }
    };
    std::size_t found_lists_ = 2;
    std::vector<std::vector<std::vector<padded<spike_list>>>> found_;
    // A presynaptic row to write: synapses [k0, k1), and what one unit of weight adds to the
    // receptor state and (exact_interpolated: arrival inside the step) directly to V.
    struct row_task {
        std::uint64_t k0, k1;
        double to_x, to_v;
    };
    struct write_scratch {
        std::vector<row_task> rows;      // the step's rows, projection after projection
        std::vector<std::size_t> first;  // [projection]: its first entry in rows (and the end)
    };
    std::vector<padded<write_scratch>> row_scratch_;  // [worker]
    std::vector<int> common_delay_;  // [projection]: the delay (steps) all its synapses share, or −1
    std::size_t min_delay_ = 0;      // the smallest delay (steps) of any synapse or low-rank projection
    std::vector<char> direct_;       // [projection]: adds straight into the receptor state (delay 0; constructor)
    // [projection][w·(n_pre + 1) + j]: the first synapse of row j onto worker w's targets (w = workers:
    // the row's end), so a worker finds its stretch of a row without searching; empty on one worker.
    std::vector<std::vector<std::uint64_t>> row_split_;
    std::vector<std::vector<std::vector<padded<std::vector<std::pair<double, double>>>>>> found_timing_;  // [list][pop][worker]: (lag, A) per crossing
    std::vector<std::vector<std::uint32_t>> spiked_;
    std::vector<std::vector<double>> lags_, speeds_;
    std::vector<std::vector<std::uint64_t>> spike_input_steps_;  // per spike input: sorted step indices
    std::vector<padded<std::vector<std::size_t>>> spike_input_next_;  // [worker][input]: next entry (cursor)
    std::vector<std::vector<std::vector<double>>> latent_ring_;  // [lowrank projection][worker]: slots × rank
    std::shared_ptr<view_cache> views_;  // rebuilt (a new object) by each run_steps(): copies of an engine never share one in use
    // Published by worker 0 every step (for hooks and callers): lines of their own, away from
    // the members every worker reads every step.
    alignas(128) std::uint64_t step_ = 0;
    std::size_t ring_now_ = 0;
};

}  // namespace einet::engine
