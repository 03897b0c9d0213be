// The spiking engine's threaded step loop (the step order of spiking_engine.hpp).
//
// Threads own contiguous neuron ranges. They meet once per exchange interval of k steps
// (exchange_interval(): 1 + the smallest delay in steps, the min-delay rule of NEST and Arbor):
// each thread runs the interval's k passes on its own neurons (step 2), delivering after each but
// the last (5: no spike of another thread can reach its targets before the interval's last
// delivery); then, after every thread has found its crossings, each writes the interval's spikes
// of all threads out to its own targets (4), step by step in step order, so every target sums its
// inputs in the order of a one-thread run, delivers (5) and goes on without waiting, since nothing
// it touches until the next meeting belongs to another thread. What makes that safe: the
// crossings of two intervals are kept (found_lists_), so a thread can find the next interval's
// while another still reads this one's; each thread keeps its own step counter and ring position;
// Poisson and generator inputs are drawn per target. Worker 0 publishes the step, merges the
// spike lists (in worker order = ascending ids, the order of a one-thread run) and calls hooks
// that read only spikes, one step after the other. An interval ends early at a step that needs a
// serial point (a hook that reads state, a change of step currents), where the threads meet three
// times instead, as they do after a non-finite V (the guard); a spike policy meets once more
// before the write-out, every step.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "einet/core/error.hpp"
#include "einet/engine/spiking_engine.hpp"
#include "spin_barrier.hpp"

namespace einet::engine {

void spiking_engine::worker_clock::set(std::uint64_t s, std::size_t ring_now, std::size_t slots) {
    step = s;
    now = ring_now;
    slot_of.resize((slots + 15) / 16 * 16);  // whole line pairs: no other thread's data beside it
    for (std::size_t d = 0; d < slots; ++d) slot_of[d] = ring_now + d < slots ? ring_now + d : ring_now + d - slots;  // (ring_now < slots)
}

std::size_t spiking_engine::exchange_interval() const {
    // A spike of the pass of step n with delay d ≥ 1 lands in the ring slot of step n + d: the
    // threads' deliveries of steps n … n + d − 1 cannot need it. Delay 0 (direct projections,
    // self terms) is delivered in the same step, and a policy chooses among all threads' crossings.
    bool self_terms = false;
    for (const auto& pop : net_.populations) self_terms = self_terms || !pop.self_weight.empty();
    if (policy_ || self_terms) return 1;
    return std::min(min_delay_ + 1, max_exchange_interval);
}

void spiking_engine::partition(std::size_t workers) {
    // Each population is split into `workers` contiguous ranges starting at multiples of 16 (whole
    // cache lines of flags and counters); rings are partitioned the same way.
    workers_ = workers;
    found_lists_ = 2 * (workers > 1 ? exchange_interval() : 1);
    bounds_.assign(pops_.size(), {});
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        const std::size_t n = net_.populations[p].n;
        for (std::size_t w = 0; w <= workers; ++w) {
            bounds_[p].push_back(w == workers ? n : std::min(n, (w * n / workers + 8) / 16 * 16));
        }
        for (auto& ring : pops_[p].ring) ring.partition(bounds_[p]);
        for (auto& ring : pops_[p].ring32) ring.partition(bounds_[p]);
        for (auto& ring : pops_[p].v_ring) ring.partition(bounds_[p]);
    }
    found_.assign(found_lists_, {});
    found_timing_.assign(found_lists_, {});
    for (std::size_t list = 0; list < found_lists_; ++list) {
        found_[list].assign(pops_.size(), std::vector<padded<spike_list>>(workers));
        for (std::size_t p = 0; p < pops_.size(); ++p) {
            for (std::size_t w = 0; w < workers; ++w) found_[list][p][w].v.reserve(bounds_[p][w + 1] - bounds_[p][w]);
        }
        found_timing_[list].assign(pops_.size(), std::vector<padded<std::vector<std::pair<double, double>>>>(workers));
    }
    row_split_.assign(net_.projections.size(), {});
    for (std::size_t q = 0; workers > 1 && q < net_.projections.size(); ++q) {
        const auto& pr = net_.projections[q];
        const auto& syn = pr.synapses;
        const std::size_t rows = syn.row_ptr.size();
        auto& cut = row_split_[q];
        cut.assign((workers + 1) * rows, syn.row_ptr.back());
        for (std::size_t w = 0; w <= workers; ++w) {
            const auto lo = static_cast<std::uint32_t>(bounds_[pr.post][w]);
            for (std::size_t j = 0; j + 1 < rows; ++j) {
                const std::uint32_t* t = syn.target.data();
                cut[w * rows + j] = static_cast<std::uint64_t>(std::lower_bound(t + syn.row_ptr[j], t + syn.row_ptr[j + 1], lo) - t);
            }
        }
    }
    for (auto& copies : latent_ring_) copies.assign(workers, copies.front());  // the copies are identical
    row_scratch_.assign(workers, {});
    clock_.assign(workers, {});
    spike_input_next_.assign(workers, {std::vector<std::size_t>(spike_input_steps_.size(), 0)});
    nonfinite_.assign(found_lists_ * workers, 0);
}

std::size_t spiking_engine::first_nonfinite(std::uint64_t first, std::size_t steps) const {
    for (std::size_t b = 0; b < steps; ++b) {
        const auto flags = nonfinite_.begin() + static_cast<std::ptrdiff_t>(found_list(first + b) * workers_);
        if (std::any_of(flags, flags + static_cast<std::ptrdiff_t>(workers_), [](char c) { return c != 0; })) return b;
    }
    return steps;
}

void spiking_engine::check_finite(std::uint64_t first, std::size_t steps) {
    // The guard of the interval's steps first … first + steps − 1: the error names the step whose
    // pass first saw a non-finite V (and the engine stops there), as with one step per meeting.
    const std::size_t b = first_nonfinite(first, steps);
    if (b == steps) return;
    if (f32_) from_f32();
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
            if (!std::isfinite(pops_[p].V[i])) {
                step_ = first + b + 1;
                throw numerical_error("non-finite membrane potential in population " + net_.populations[p].name +
                                      " (neuron " + std::to_string(i) + ") at t = " + std::to_string(time()) + " ms");
            }
        }
    }
    std::fill(nonfinite_.begin(), nonfinite_.end(), 0);  // (a non-finite V that is gone)
}

void spiking_engine::merge_spikes(std::size_t list) {
    const bool timed = interpolate_ || record_crossings_;
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        spiked_[p].clear();
        for (const auto& part : found_[list][p]) spiked_[p].insert(spiked_[p].end(), part.v.begin(), part.v.end());
        lags_[p].clear();
        speeds_[p].clear();
        if (!timed) continue;
        for (const auto& part : found_timing_[list][p]) {
            for (const auto& [lag, speed] : part.v) {
                lags_[p].push_back(lag);
                speeds_[p].push_back(speed);
            }
        }
    }
}

void spiking_engine::run(std::size_t steps, spike_hook* hook, int threads) {
    if (steps == 0) return;
    if (policy_ && (interpolate_ || record_crossings_)) {
        throw config_error("spiking engine: a spike policy chooses among grid crossings; it cannot be combined with "
                           "interpolated spike times or recorded crossing speeds");
    }
    if (threads <= 0) threads = omp_get_max_threads();
    // Below ~min_neurons_per_thread_ neurons per thread the meetings cost more than the thread
    // saves, so small networks use fewer threads (results never depend on it). A hook that reads
    // state on most steps makes each of them a serial point (three meetings and a serial call):
    // then the threshold is four times higher.
    std::size_t total = 0;
    for (const auto& pop : net_.populations) total += pop.n;
    std::size_t per_thread = std::max<std::size_t>(min_neurons_per_thread_, 1);
    if (hook && threads > 1) {
        constexpr std::size_t probe = 64;
        std::size_t reads = 0;
        for (std::size_t k = 1; k <= std::min(probe, steps); ++k) reads += hook->reads_state(step_ + k) ? 1 : 0;
        if (4 * reads > std::min(probe, steps)) per_thread *= 4;
    }
    const std::size_t workers = std::clamp<std::size_t>(total / per_thread, 1, static_cast<std::size_t>(threads));
    if (workers != workers_ || found_lists_ != 2 * (workers > 1 ? exchange_interval() : 1)) partition(workers);
    apply_currents();
    // float32: the float state is authoritative inside the run, the doubles its mirror outside
    // (spiking_engine.hpp); written back however the run ends.
    struct mirror {
        spiking_engine* e;
        ~mirror() {
            if (e) e->from_f32();
        }
    } written_back{f32_ ? this : nullptr};
    if (f32_) {
        for (std::size_t p = 0; p < pops_.size(); ++p) to_f32_coefficients(p);
        to_f32_state();
    }
    const std::size_t done = run_steps(steps, hook);
    if (done < steps) {  // the threads were crowded out: the rest on one thread (same results)
        partition(1);
        run_steps(steps - done, hook);
    }
}

std::size_t spiking_engine::run_steps(std::size_t steps, spike_hook* hook) {
    // Barrier flags: a worker failed; a worker slept at more than 1/16 of the last 256 meetings (its
    // partners were not running: a machine with more runnable threads than cores, where a
    // lock-step loop of microsecond steps runs tens of times slower than one thread).
    constexpr unsigned failed_bit = 1, crowded_bit = 2;
    constexpr std::size_t window = 256;
    const std::size_t workers = workers_, P = net_.populations.size();
    for (auto& c : clock_) c.set(step_, ring_now_, ring_slots_);
    build_views();
    detail::spin_barrier barrier(workers);
    std::exception_ptr failure;
    std::size_t done = steps;
    // The steps from `first` to the next meeting: the exchange interval, cut short before a step
    // after which a hook reads state or the step currents change (both need a serial point).
    const std::size_t interval = found_lists_ / 2;
    auto batch_length = [&](std::uint64_t first, std::size_t left) {
        std::size_t len = 1;
        for (; len < std::min(interval, left); ++len) {
            if (currents_change(first + len) || (hook && hook->reads_state(first + len))) break;
        }
        return len;
    };
    // Every thread meets the barrier the same number of times: the serial points of a step are
    // decided from what all threads see alike (the step, the hook's answer, flags written before
    // the last meeting, the barrier's flags). A thread that fails skips its work up to the next
    // meeting, where all learn of it and leave.
    auto work = [&](std::size_t w) {
        auto& c = clock_[w];
        bool failed = false;
        std::uint64_t sleeps_before = 0;
        std::size_t meetings = 0;
        auto guarded = [&](auto&& phase) {
            if (failed) return;
            try {
                phase();
            } catch (...) {
#pragma omp critical(einet_spiking_failure)
                if (!failure) failure = std::current_exception();
                failed = true;
            }
        };
        auto meet = [&](unsigned flags = 0) { return barrier.wait(w, flags | (failed ? failed_bit : 0u)); };
        auto next_step = [&] { c.set(c.step + 1, (c.now + 1) % ring_slots_, ring_slots_); };
        for (std::size_t s = 0; s < steps;) {
            const std::uint64_t first = c.step;
            const std::size_t first_now = c.now, len = batch_length(first, steps - s);
            for (std::size_t b = 0; b < len; ++b) {
                guarded([&] {
                    apply_spike_inputs(w);
                    for (std::size_t p = 0; p < P; ++p) advance_neurons(p, w);
                    if (b + 1 < len) deliver(w);  // no other thread's spike of this interval arrives yet
                });
                if (b + 1 < len) next_step();
            }
            s += len;
            unsigned crowded = 0;
            if (++meetings % window == 0) {
                crowded = barrier.sleeps(w) - sleeps_before > window / 16 ? crowded_bit : 0;
                sleeps_before = barrier.sleeps(w);
            }
            const unsigned met = meet(crowded);
            if (met & failed_bit) return;
            const bool leave = (met & crowded_bit) && s < steps;
            if (policy_) {  // (an interval of one step)
                if (w == 0) guarded([&] {
                    step_ = c.step + 1;  // the policy sees the crossings at their time stamp
                    merge_spikes(found_list(c.step));
                    apply_policy();
                });
                if (meet() & failed_bit) return;
            }
            const bool currents = s < steps && currents_change(c.step + 1);
            const bool reads = hook && hook->reads_state(c.step + 1);
            const std::size_t bad = first_nonfinite(first, len);  // the first step whose pass saw a non-finite V
            const bool serial = leave || currents || bad < len || reads;
            guarded([&] {
                for (std::size_t b = 0; b < len; ++b) {  // step by step: the summation order of one step per meeting
                    if (len > 1) c.set(first + b, (first_now + b) % ring_slots_, ring_slots_);
                    write_out(w);
                }
                deliver(w);
            });
            next_step();
            if (serial && (meet() & failed_bit)) return;
            if (w == 0) guarded([&] {
                // The hooks of the interval's steps in order, up to the step of a non-finite V.
                for (std::size_t b = 0; b < len && b <= bad; ++b) {
                    step_ = first + b + 1;
                    if (!policy_) merge_spikes(found_list(first + b));
                    if (!hook) continue;
                    const bool read = reads && b + 1 == len;
                    if (read && f32_) from_f32();  // the hook reads (or writes) the doubles
                    hook->on_step(*this);
                    if (read && f32_) to_f32_state();
                }
                step_ = c.step;
                ring_now_ = c.now;
                if (!serial) return;
                check_finite(first, len);
                if (currents) {
                    apply_currents();
                    if (f32_) {
                        for (std::size_t p = 0; p < pops_.size(); ++p) to_f32_coefficients(p);  // V∞ changed
                    }
                    build_views();  // a population's parameters may have become (non-)uniform
                }
            });
            if (serial && (meet() & failed_bit)) return;
            if (leave) {  // every worker has finished the step: the caller goes on with one
                if (w == 0) done = s;
                return;
            }
        }
    };
    if (workers == 1) {
        work(0);
    } else {
#pragma omp parallel num_threads(static_cast<int>(workers))
        work(static_cast<std::size_t>(omp_get_thread_num()));
    }
    if (failure) std::rethrow_exception(failure);
    return done;
}

}  // namespace einet::engine
