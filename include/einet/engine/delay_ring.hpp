#pragma once
// Delay ring of one receptor of one population: slot s holds, per target neuron, the summed
// weight of the spikes that arrive s steps after the ring's current position (exact for linear
// kinetics, no per-synapse state). Targets are split into parts (the threads' neuron ranges);
// each slot keeps, per part, the list of targets it holds input for, so a delivery visits events,
// not neurons, and a part whose list fills up (as many events as targets) is delivered as a
// dense vector. Every event appends its target, so a target with several events in a slot is
// listed several times: the first visit delivers the sum and clears it, later ones add 0. Parts
// never share memory, so the threads write and deliver their own targets without synchronisation.
// V: the type of the summed values (double; float in the engine's float32 precision).
//
// A dense ring keeps no lists: an event only adds its value (and marks the part's slot as
// touched), and a delivery walks the part's whole slot, vectorised, if anything arrived. For
// targets with many incoming synapses (paper 001: hundreds per neuron, a fifth of the targets hit
// per step) that is cheaper than an append per event, whose count is a loop-carried chain, plus a
// second walk of the list. Both kinds deliver the same values (a dense walk adds 0 to untouched
// targets: x + 0 = x, up to the sign of a zero).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "einet/core/aligned.hpp"

namespace einet::engine::detail {

// Entries from one row of n per-neuron values to the next, in arrays of several rows that threads
// split by neuron range: n rounded up to whole lines plus a 4 KiB gap, so that a thread streaming
// up its part of one row runs its hardware prefetcher into the gap, not into the next row's first
// part (another thread's lines).
inline std::size_t gapped_row(std::size_t n) { return (n + 7) / 8 * 8 + 512; }

template <class V>
class delay_ring_t {
public:
    delay_ring_t() = default;
    delay_ring_t(std::size_t slots, std::size_t n, bool dense = false)
        : slots_(slots), n_(n), row_(gapped_row(n)), dense_(dense), value_(slots * row_, V(0)), list_(dense ? 0 : slots * n) {
        partition({0, n});
    }
    bool dense() const { return dense_; }

    std::size_t slots() const { return slots_; }
    std::size_t size() const { return n_; }
    // Pending input, [slot][target] without the gaps (a checkpoint).
    std::vector<double> values() const {
        std::vector<double> out(slots_ * n_);  // widened from V: exact
        for (std::size_t s = 0; s < slots_; ++s) std::copy_n(value_.begin() + static_cast<std::ptrdiff_t>(s * row_), n_, out.begin() + static_cast<std::ptrdiff_t>(s * n_));
        return out;
    }

    // Splits the targets into parts at `bounds` (ascending, from 0 to n); pending input is kept.
    void partition(std::vector<std::size_t> bounds) {
        bounds_ = std::move(bounds);
        // Each part's counts on lines of their own ([part][slot], stride padded to 128 bytes):
        // the threads update their counts every step, and shared lines would bounce between cores.
        stride_ = (slots_ + 15) / 16 * 16;
        count_.assign(stride_ * parts(), 0);
        rebuild_lists();
    }
    std::size_t parts() const { return bounds_.size() - 1; }
    // The part that holds `target`.
    std::size_t part_of(std::uint32_t target) const {
        return static_cast<std::size_t>(std::upper_bound(bounds_.begin(), bounds_.end(), target) - bounds_.begin()) - 1;
    }

    void add(std::size_t s, std::size_t part, std::uint32_t target, double w) {
        writer(part).add(s, target, w);
    }

    // The ring as seen by one part: its bounds hoisted out of a loop of adds.
    struct part_writer {
        V* value;
        std::uint32_t* list;  // the part's list in slot 0 (slot s at + s·n)
        std::size_t* count;   // the part's count in slot 0 (slot s at + s)
        std::size_t n, row, cap;  // row: distance between slots in value
        bool dense;
        // Every event appends its target (at cap − 1 once the list is full, where drain reads the
        // part densely and ignores the list), whether or not the entry already held input: a
        // count that waited for "was the entry 0?" chained every event to the previous one's
        // value load. A target listed twice receives its sum the first time and 0 after.
        void add(std::size_t s, std::uint32_t target, double w) const {
            if (dense) {
                count[s] = 1;  // touched (a constant store: no chain from event to event)
                value[s * row + target] += static_cast<V>(w);
                return;
            }
            std::size_t& c = count[s];
            list[s * n + std::min(c, cap - 1)] = target;
            c += static_cast<std::size_t>(c < cap);
            value[s * row + target] += static_cast<V>(w);
        }
        // add(s, target[k], sign·weight[k]) for k in [k0, k1), with the count held in a register
        // (through memory it would chain every event to the previous one's store).
        void add_row(std::size_t s, const std::uint32_t* target, const float* weight, std::uint64_t k0,
                     std::uint64_t k1, double sign) const {
            V* v = value + s * row;
            const V signed_one = static_cast<V>(sign);
            if (dense) {
                for (std::uint64_t k = k0; k < k1; ++k) v[target[k]] += signed_one * static_cast<V>(weight[k]);
                if (k1 > k0) count[s] = 1;
                return;
            }
            std::uint32_t* l = list + s * n;
            std::size_t c = count[s];
            for (std::uint64_t k = k0; k < k1; ++k) {
                const std::uint32_t t = target[k];
                l[std::min(c, cap - 1)] = t;
                c += static_cast<std::size_t>(c < cap);
                v[t] += signed_one * static_cast<V>(weight[k]);
            }
            count[s] = c;
        }
    };
    part_writer writer(std::size_t part) {
        return {value_.data(), list_.data() + (dense_ ? 0 : bounds_[part]), count_.data() + part * stride_, n_,
                row_, bounds_[part + 1] - bounds_[part], dense_};
    }

    // Calls f(i, value) for every target of `part` with pending input in slot s, then clears them.
    template <class F>
    void drain(std::size_t s, std::size_t part, F&& f) {
        V* v = value_.data() + s * row_;
        std::size_t& c = count_[part * stride_ + s];
        const std::size_t b0 = bounds_[part], b1 = bounds_[part + 1];
        if (c == 0) return;
        if (dense_ || c == b1 - b0) {  // a dense ring, or a full list (as many events as targets)
            for (std::size_t i = b0; i < b1; ++i) {
                f(static_cast<std::uint32_t>(i), v[i]);
                v[i] = V(0);
            }
        } else {
            const std::uint32_t* l = list_.data() + s * n_ + b0;
            for (std::size_t k = 0; k < c; ++k) {
                f(l[k], v[l[k]]);
                v[l[k]] = V(0);
            }
        }
        c = 0;
    }

    // drain(s, part, x[i] += scale·value): the common delivery, with a dense walk the compiler
    // vectorises (the generic drain's callback could alias the ring).
    template <class X>
    void drain_add(std::size_t s, std::size_t part, X* __restrict x, X scale) {
        const std::size_t b0 = bounds_[part], b1 = bounds_[part + 1];
        std::size_t& c = count_[part * stride_ + s];
        if (c == 0) return;
        if (dense_ || c == b1 - b0) {
            V* __restrict v = value_.data() + s * row_;
            if (part % 2 == 0 && part + 1 < parts()) {
                // Downwards where another part lies just above (as the neuron pass,
                // pass_view::descending): the prefetcher then runs away from that thread's x.
                for (std::size_t i = b1; i-- > b0;) {
                    x[i] += scale * v[i];
                    v[i] = V(0);
                }
            } else {
                for (std::size_t i = b0; i < b1; ++i) {
                    x[i] += scale * v[i];
                    v[i] = V(0);
                }
            }
            c = 0;
            return;
        }
        drain(s, part, [&](std::uint32_t i, V value) { x[i] += scale * value; });
    }

    // Replaces the contents (a checkpoint); the lists are rebuilt from the non-zero entries.
    void assign(const std::vector<double>& values) {
        for (std::size_t s = 0; s < slots_; ++s) {  // rounded back to V: exact for what values() gave
            std::transform(values.begin() + static_cast<std::ptrdiff_t>(s * n_), values.begin() + static_cast<std::ptrdiff_t>((s + 1) * n_),
                           value_.begin() + static_cast<std::ptrdiff_t>(s * row_), [](double x) { return static_cast<V>(x); });
        }
        rebuild_lists();
    }

private:
    void rebuild_lists() {
        for (std::size_t s = 0; s < slots_; ++s) {
            for (std::size_t q = 0; q < parts(); ++q) {
                std::size_t& c = count_[q * stride_ + s];
                c = 0;
                for (std::size_t i = bounds_[q]; i < bounds_[q + 1]; ++i) {
                    if (value_[s * row_ + i] == V(0)) continue;
                    if (dense_) {
                        c = 1;
                        break;
                    }
                    list_[s * n_ + bounds_[q] + c++] = static_cast<std::uint32_t>(i);
                }
            }
        }
    }

    std::size_t slots_ = 0, n_ = 0, row_ = 0;  // row_: gapped_row(n), the distance between slots
    bool dense_ = false;
    aligned_vector<V> value_;
    aligned_vector<std::uint32_t> list_;
    std::vector<std::size_t> bounds_;
    std::size_t stride_ = 0;
    aligned_vector<std::size_t> count_;  // [part * stride_ + slot]: list length (dense: 1 when touched)
};

using delay_ring = delay_ring_t<double>;

}  // namespace einet::engine::detail
