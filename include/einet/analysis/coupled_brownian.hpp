#pragma once
// Brownian paths shared by simulations of one network at step sizes h = h_fine·2^j, so that
// strong errors are pathwise (spec 003 §6.1): the increment of a coarse step is the sum of the
// fine increments inside it. Every neuron with current noise (one exponential receptor with
// σ > 0 per population, spec 003 Eq. 1.3) gets fine increments ΔW ~ N(0, h_fine) from Philox,
// keyed by (seed, population, neuron, fine step) — independent of chunking and thread count.
//
// The exact integrator also needs, per step, the stochastic integrals X_b = ∫ e^{−b(t−s)} dW(s)
// (b = 1/τ_s) and X_a = ∫ e^{−a(t−s)} dW(s) (a = 1/τ_m): the current gains σX_b and V gains
// (R/τ_m)σ(X_b − X_a)/(a − b) (spec 003 §2, exact propagator). They are drawn on the fine grid
// jointly with ΔW (conditionally on it, so ΔW is the same whether or not they are drawn) and
// aggregate exactly: X(2δ) = e^{−·δ} X(first half) + X(second half). A level therefore sees the
// exact Gaussian transition of its own step, coupled to every other level.
//
// Use: draw(first, count) the fine steps of a time chunk, then run every level's engine over the
// chunk with its view (level()) as the engine's noise_source.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "einet/engine/noise_source.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::analysis {

class coupled_brownian {
public:
    // `net` gives the populations and their noise; `max_ratio` the largest h/h_fine that will be
    // asked for (a power of two); `exact_integrals`: also draw X_b, X_a (needed by exact levels).
    coupled_brownian(const network::spiking_network& net, double h_fine, std::size_t max_ratio, bool exact_integrals,
                     std::uint64_t seed);
    ~coupled_brownian();

    // Fine steps [first, first + count) of every noisy neuron; count a multiple of max_ratio.
    void draw(std::uint64_t first, std::size_t count, int threads);
    // The noise an engine running the same network with step h_fine·ratio and `method` reads.
    std::unique_ptr<engine::noise_source> level(std::size_t ratio, network::integrator method) const;

    struct channel_noise;  // per population: the receptor carrying the noise and its pyramid of sums
private:
    double h_fine_;
    std::size_t max_ratio_;
    bool exact_;
    std::uint64_t seed_, first_ = 0;
    std::size_t count_ = 0;
    std::vector<std::unique_ptr<channel_noise>> channels_;  // per population (nullptr: noiseless)
};

}  // namespace einet::analysis
