#pragma once
// Delay ring of one receptor of one population: slot s holds, per target neuron, the summed
// weight of the spikes that arrive s steps after the ring's current position (exact for linear
// kinetics, no per-synapse state). Each slot keeps the list of targets it holds input for, so a
// delivery visits events, not neurons; a slot that has input for every target is delivered as a
// dense vector. A target enters the list when its entry goes from 0 to non-zero (an entry that
// cancels to exactly 0 and is written again appears twice: the second visit adds 0).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "einet/core/aligned.hpp"

namespace einet::engine::detail {

class delay_ring {
public:
    delay_ring() = default;
    delay_ring(std::size_t slots, std::size_t n) : n_(n), value_(slots * n, 0.0), list_(slots * n), count_(slots, 0) {}

    std::size_t slots() const { return count_.size(); }
    std::size_t size() const { return n_; }
    double* slot(std::size_t s) { return value_.data() + s * n_; }
    const aligned_vector<double>& values() const { return value_; }

    void add(std::size_t s, std::uint32_t target, double w) {
        double& e = value_[s * n_ + target];
        if (e == 0.0 && count_[s] < n_) list_[s * n_ + count_[s]++] = target;
        e += w;
    }

    // Calls f(i, value) for every target with pending input in slot s, then clears the slot.
    template <class F>
    void drain(std::size_t s, F&& f) {
        double* v = slot(s);
        if (count_[s] == n_) {  // every target listed (or more): dense
            for (std::size_t i = 0; i < n_; ++i) {
                f(static_cast<std::uint32_t>(i), v[i]);
                v[i] = 0.0;
            }
        } else {
            const std::uint32_t* l = list_.data() + s * n_;
            for (std::size_t k = 0; k < count_[s]; ++k) {
                f(l[k], v[l[k]]);
                v[l[k]] = 0.0;
            }
        }
        count_[s] = 0;
    }

    // Replaces the contents (a checkpoint); the lists are rebuilt from the non-zero entries.
    void assign(const std::vector<double>& values) {
        std::copy(values.begin(), values.end(), value_.begin());
        for (std::size_t s = 0; s < slots(); ++s) {
            count_[s] = 0;
            for (std::size_t i = 0; i < n_; ++i) {
                if (value_[s * n_ + i] != 0.0) list_[s * n_ + count_[s]++] = static_cast<std::uint32_t>(i);
            }
        }
    }

private:
    std::size_t n_ = 0;
    aligned_vector<double> value_;
    aligned_vector<std::uint32_t> list_;
    std::vector<std::size_t> count_;
};

}  // namespace einet::engine::detail
