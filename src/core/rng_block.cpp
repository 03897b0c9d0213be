#include "einet/core/rng_block.hpp"

#include <vector>

#include "rng_lanes.hpp"

namespace einet::rng {
namespace {

// Philox words of the counters {entity0 + i, c1, c2, c3} on the widest lane backend (rng_lanes.hpp,
// the same rounds as philox_raw), whole vectors only. Returns how many were done; philox_raw does the rest.
std::size_t philox_vectors(std::uint32_t k0, std::uint32_t k1, std::uint32_t entity0, std::uint32_t c1v,
                           std::uint32_t c2v, std::uint32_t c3v, std::size_t n, std::uint32_t* w0, std::uint32_t* w1,
                           std::uint32_t* w2, std::uint32_t* w3) {
    using L = detail::lanes_widest;
    using u = typename L::u;
    const u lane = L::lane_index();
    std::uint32_t* const w[4] = {w0, w1, w2, w3};
    return detail::philox_words<L>(k0, k1, n, [&](std::size_t i, u& c0, u& c1, u& c2, u& c3) {
        c0 = L::addu(L::setu(entity0 + static_cast<std::uint32_t>(i)), lane);
        c1 = L::setu(c1v);
        c2 = L::setu(c2v);
        c3 = L::setu(c3v);
    }, w);
}

}  // namespace

void philox_block(std::uint64_t seed, purpose p, std::uint32_t entity0, std::uint64_t step, std::uint32_t draw,
                  std::size_t n, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) {
    const auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    const auto c1 = static_cast<std::uint32_t>(step), c2 = static_cast<std::uint32_t>(step >> 32);
    const auto c3 = static_cast<std::uint32_t>(p) | (draw << 8);
    std::size_t i = philox_vectors(k0, k1, entity0, c1, c2, c3, n, w0, w1, w2, w3);
    for (; i < n; ++i) {
        std::uint32_t u[4];
        philox_raw(entity0 + static_cast<std::uint32_t>(i), c1, c2, c3, k0, k1, u);
        w0[i] = u[0];
        w1[i] = u[1];
        w2[i] = u[2];
        w3[i] = u[3];
    }
}

void normals_block(std::uint64_t seed, purpose p, std::uint32_t entity0, std::uint64_t step, std::uint32_t draw,
                   std::size_t n, double* z0, double* z1, double* z2, double* z3) {
    thread_local std::vector<std::uint32_t> words;
    words.resize(4 * n);
    std::uint32_t *w0 = words.data(), *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n;
    philox_block(seed, p, entity0, step, draw, n, w0, w1, w2, w3);
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) {
        box_muller(w0[i], w1[i], z0[i], z1[i]);
        box_muller(w2[i], w3[i], z2[i], z3[i]);
    }
}

}  // namespace einet::rng
