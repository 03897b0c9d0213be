#include "einet/core/rng_block.hpp"

#include <vector>

#include "rng_lanes.hpp"

namespace einet::rng {
namespace {

// Philox words of the counters {entity0 + i, c1, c2, c3} for i < n rounded down to whole vectors,
// on the widest lane backend (rng_lanes.hpp, the same rounds as philox_raw), two vectors at a time
// so that their multiply chains overlap. Returns how many were done; philox_raw does the rest.
std::size_t philox_vectors(std::uint32_t k0, std::uint32_t k1, std::uint32_t entity0, std::uint32_t c1v,
                           std::uint32_t c2v, std::uint32_t c3v, std::size_t n, std::uint32_t* w0, std::uint32_t* w1,
                           std::uint32_t* w2, std::uint32_t* w3) {
    using L = detail::lanes_widest;
    using u = typename L::u;
    constexpr std::size_t W = L::width;
    const u lane = L::lane_index();
    auto words = [&]<int V>(std::size_t i) {
        u c0[V], c1[V], c2[V], c3[V];
        for (int v = 0; v < V; ++v) {
            c0[v] = L::addu(L::setu(entity0 + static_cast<std::uint32_t>(i + v * W)), lane);
            c1[v] = L::setu(c1v);
            c2[v] = L::setu(c2v);
            c3[v] = L::setu(c3v);
        }
        detail::philox_lanes<L, V>(k0, k1, c0, c1, c2, c3);
        for (int v = 0; v < V; ++v) {
            L::store(w0 + i + v * W, c0[v]);
            L::store(w1 + i + v * W, c1[v]);
            L::store(w2 + i + v * W, c2[v]);
            L::store(w3 + i + v * W, c3[v]);
        }
    };
    std::size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) words.template operator()<2>(i);
    for (; i + W <= n; i += W) words.template operator()<1>(i);
    return i;
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
