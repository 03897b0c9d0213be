// Unit-major step kernel of the rate engine (network::step_kernel::unit_major): networks with
// multi-unit populations, each with its own weights in a contiguous matrix.
//
// Why: in the batch-major layout every step streams the weights of all networks of a chunk
// (16 MB for 128 networks of 100 units in double) from L3 or memory. Weights change only between
// run() calls (trials), so each network's matrix is gathered once per call and reused for all
// its steps; groups of 8 networks step together (their matrices, 8 × 40 KB in float32, stay in
// L2), the recurrent sums of several networks interleaved so the FMA chains are independent.
// The step is bound by reading those weights from L2 (docs/performance.md, the roofline), so the
// columns are padded as little as whole 32-byte vectors allow.
// Noise for a block of four steps comes from one Philox counter per (network, unit), drawn for all
// units of a network at once (rng_units.hpp), so all per-unit work is contiguous vector loops.
// Presynaptic units at exactly zero rate are left out of the sums (every unit before the kick of a
// trial, in Down states, silent units): the same numbers with fewer multiply-adds.
//
// float64: the same arithmetic in the same order as the batch-major path (bit-identical, tested):
// drive = common + η (+ kick), then + (±W_ij)·r_j over presynaptic units in network order, Euler
// update and saturation, populations in order (sequential or simultaneous).
// float32: state, noise and arithmetic in float (same Philox counters; tested against float64).
// float32 with weight_storage float16: the float32 arithmetic in the same order, on weights rounded
// once from double to IEEE binary16 when the matrices are gathered (each run() call, i.e. after
// every plasticity update) and widened exactly to float as they are loaded (F16C vcvtph2ps). Half
// the weight bytes; the conversion costs about what the saved L2 traffic did (docs/performance.md).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <type_traits>

#include "einet/core/aligned.hpp"
#include "einet/core/rng_units.hpp"
#include "rate_engine_workspace.hpp"
#include "weight_columns.hpp"

namespace einet::engine {

namespace {

// acc_k[i] += Σ_j M_k[j·ld + i]·r_k[j] for K networks k side by side, over the column range
// [i0, i0 + nv·vec) (whole VB-byte vectors; padding rows of M are zero). Each network keeps its own
// j-ascending order (the batch-major path's order for every i); interleaving K independent
// networks gives K·nv accumulator chains, enough to hide the FMA latency, with one matrix load
// per FMA from L1/L2.
template <class T, class S, std::size_t VB, std::size_t nv, std::size_t K>
void recurrent_k(const S* const* M, const T* const* r, std::size_t N, std::size_t ld, std::size_t i0, T* const* acc) {
    typedef T vT __attribute__((vector_size(VB)));  // VB = 64: one AVX-512 register (or two AVX2); 32: one AVX2
    constexpr std::size_t vec = VB / sizeof(T);
    vT regs[K][nv];
#pragma GCC unroll 8
    for (std::size_t k = 0; k < K; ++k) {
#pragma GCC unroll 8
        for (std::size_t v = 0; v < nv; ++v) std::memcpy(&regs[k][v], acc[k] + i0 + v * vec, sizeof(vT));
    }
    for (std::size_t j = 0; j < N; ++j) {
#pragma GCC unroll 8
        for (std::size_t k = 0; k < K; ++k) {
            const T rj = r[k][j];
            const S* col = M[k] + j * ld + i0;  // VB-byte aligned for S = T
#pragma GCC unroll 8
            for (std::size_t v = 0; v < nv; ++v) regs[k][v] += load_columns<vT, T>(col + v * vec) * rj;  // one FMA per element
        }
    }
#pragma GCC unroll 8
    for (std::size_t k = 0; k < K; ++k) {
#pragma GCC unroll 8
        for (std::size_t v = 0; v < nv; ++v) std::memcpy(acc[k] + i0 + v * vec, &regs[k][v], sizeof(vT));
    }
}

// Independent networks interleaved for nv vectors per column: K·nv ≥ 8 accumulator chains.
constexpr std::size_t interleave(std::size_t nv) { return nv == 1 ? 8 : nv <= 3 ? 4 : 2; }

// K networks at a time, the remainder of the group one network at a time.
template <class T, class S, std::size_t VB, std::size_t nv, std::size_t K>
void recurrent_group_range(const S* const* M, const T* const* r, std::size_t G, std::size_t N, std::size_t ld,
                           std::size_t i0, T* const* acc) {
    std::size_t k = 0;
    for (; k + K <= G; k += K) recurrent_k<T, S, VB, nv, K>(M + k, r + k, N, ld, i0, acc + k);
    for (; k < G; ++k) recurrent_k<T, S, VB, nv, 1>(M + k, r + k, N, ld, i0, acc + k);
}

// acc[i] += Σ_t M[idx[t]·ld + i]·r[idx[t]] over the listed presynaptic units only (ascending), for
// the columns [i0, i0 + nv·vec): one network whose other presynaptic rates are exactly zero.
template <class T, class S, std::size_t VB, std::size_t nv>
void recurrent_listed(const S* M, const T* r, const std::uint32_t* idx, std::size_t n_idx, std::size_t ld,
                      std::size_t i0, T* acc) {
    typedef T vT __attribute__((vector_size(VB)));
    constexpr std::size_t vec = VB / sizeof(T);
    vT regs[nv];
#pragma GCC unroll 8
    for (std::size_t v = 0; v < nv; ++v) std::memcpy(&regs[v], acc + i0 + v * vec, sizeof(vT));
    for (std::size_t t = 0; t < n_idx; ++t) {
        const std::size_t j = idx[t];
        const T rj = r[j];
        const S* col = M + j * ld + i0;
#pragma GCC unroll 8
        for (std::size_t v = 0; v < nv; ++v) regs[v] += load_columns<vT, T>(col + v * vec) * rj;
    }
#pragma GCC unroll 8
    for (std::size_t v = 0; v < nv; ++v) std::memcpy(acc + i0 + v * vec, &regs[v], sizeof(vT));
}

// Calls f(std::integral_constant<nv>, i0) for blocks of nv ≤ 6 whole vectors covering ld columns.
template <class T, std::size_t VB, class F>
void for_column_blocks(std::size_t ld, F&& f) {
    constexpr std::size_t vec = VB / sizeof(T);
    std::size_t nv_left = ld / vec, i0 = 0;
    while (nv_left > 0) {
        const std::size_t nv = nv_left <= 6 ? nv_left : 4;
        switch (nv) {
            case 1: f(std::integral_constant<std::size_t, 1>{}, i0); break;
            case 2: f(std::integral_constant<std::size_t, 2>{}, i0); break;
            case 3: f(std::integral_constant<std::size_t, 3>{}, i0); break;
            case 4: f(std::integral_constant<std::size_t, 4>{}, i0); break;
            case 5: f(std::integral_constant<std::size_t, 5>{}, i0); break;
            default: f(std::integral_constant<std::size_t, 6>{}, i0); break;
        }
        i0 += nv * vec;
        nv_left -= nv;
    }
}

// Recurrent sums of G ≤ 8 networks for one population (column stride ld, whole VB-byte vectors).
// Presynaptic units at exactly zero rate add nothing (M·0 = ±0 and acc + ±0 = acc for finite M):
// a network with every rate zero (before the kick, Down states) is skipped, one with some zero
// rates sums over its non-zero ones only; the sums are the same numbers as the dense loop's.
template <class T, class S, std::size_t VB>
void recurrent_group(const S* const* M, const T* const* r, std::size_t G, std::size_t N, std::size_t ld, T* const* acc,
                     std::uint32_t* idx) {
    const S* Md[8];
    const T* rd[8];
    T* ad[8];
    std::size_t nd = 0;
    for (std::size_t c = 0; c < G; ++c) {
        const T* rc = r[c];
        std::uint32_t active = 0;  // 32-bit lanes: a 64-bit count was kept on the stack (store-forwarding chain)
#pragma omp simd reduction(+ : active)
        for (std::size_t j = 0; j < N; ++j) active += rc[j] != T(0) ? 1u : 0u;
        if (active == N) {
            Md[nd] = M[c];
            rd[nd] = rc;
            ad[nd++] = acc[c];
        } else if (active > 0) {
            std::size_t n = 0;
            for (std::size_t j = 0; j < N; ++j) {
                idx[n] = static_cast<std::uint32_t>(j);
                n += rc[j] != T(0) ? 1 : 0;
            }
            for_column_blocks<T, VB>(ld, [&](auto nv, std::size_t i0) {
                recurrent_listed<T, S, VB, decltype(nv)::value>(M[c], rc, idx, n, ld, i0, acc[c]);
            });
        }
    }
    for_column_blocks<T, VB>(ld, [&](auto nv, std::size_t i0) {
        recurrent_group_range<T, S, VB, decltype(nv)::value, interleave(decltype(nv)::value)>(Md, rd, nd, N, ld, i0, ad);
    });
}

}  // namespace

bool rate_engine::use_unit_major(const rate_step_hook* hook) const {
    if (scalar_populations_ || net_.kernel == network::step_kernel::batch_major) return false;
    return !hook || hook->leaves_weights_alone();
}

// State of the group's networks lives in private unit-major arrays in T for the whole call
// (rates, OU noise, the noise block of four steps, drives), so every per-unit update is a
// contiguous vector loop; rates go back to the engine's [unit][network] storage only on steps a
// hook wants, and everything at the end of the call.
template <class T, class S>
void rate_engine::run_unit_major_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg0,
                                       std::uint64_t abs0, std::size_t steps, rate_step_hook* hook) {
    (void)ws;
    constexpr std::size_t group = 8;
    const std::size_t P = net_.populations.size(), B = batch_;
    const std::size_t N = unit_offset_.back() + net_.populations.back().n;
    const bool noisy = net_.noise.sigma != 0.0, simultaneous = net_.order == network::update_order::simultaneous;
    // Matrix of population p of one network: [pre unit j (all populations)][post unit i of p], sign
    // folded in, columns padded with zeros to ld[p]: a multiple of 64 bytes, or of 32 bytes (AVX2
    // vectors) where that reads less — 20 I units: 24 floats instead of 32, 7 % less of the weight
    // traffic that bounds the step. Each matrix starts on a 64-byte boundary.
    constexpr std::size_t vec = 64 / sizeof(T), half = 32 / sizeof(T);
    std::vector<std::size_t> mat_offset(P), ld(P);
    std::size_t mat_size = 0, max_ld = 0;
    for (std::size_t p = 0; p < P; ++p) {
        const std::size_t n = net_.populations[p].n, wide = (n + vec - 1) / vec * vec, narrow = (n + half - 1) / half * half;
        ld[p] = narrow < wide ? narrow : wide;
        max_ld = std::max(max_ld, wide);
        mat_offset[p] = mat_size;
        mat_size += (N * ld[p] + vec - 1) / vec * vec;
    }
    const std::size_t Np = (N + vec - 1) / vec * vec;
    std::vector<aligned_vector<S>> mats(group, aligned_vector<S>(mat_size, S(0)));
    std::vector<aligned_vector<T>> rate(group, aligned_vector<T>(Np, T(0)));   // what the recurrent sums read
    std::vector<aligned_vector<T>> eta(group, aligned_vector<T>(Np, T(0)));
    std::vector<aligned_vector<T>> xi(group, aligned_vector<T>(4 * Np, T(0)));  // [slot][unit]
    std::vector<aligned_vector<T>> acc(group, aligned_vector<T>(max_ld, T(0)));
    std::vector<aligned_vector<T>> fresh(simultaneous ? group : 0, aligned_vector<T>(Np, T(0)));
    std::vector<std::uint32_t> active_units(Np);  // the non-zero presynaptic rates of one network
    const S* Mp[group] = {};
    const T* rp[group];
    T* accp[group];
    const T decay = static_cast<T>(noise_decay_), amp = static_cast<T>(noise_amp_);

    auto write_back_rates = [&](std::size_t g0, std::size_t g1) {
        for (std::size_t b = g0; b < g1; ++b) {
            for (std::size_t p = 0; p < P; ++p) {
                for (std::size_t i = 0; i < net_.populations[p].n; ++i) rates_[p][i * B + b] = rate[b - g0][unit_offset_[p] + i];
            }
        }
    };

    for (std::size_t g0 = b0; g0 < b1; g0 += group) {
        const std::size_t g1 = std::min(b1, g0 + group), G = g1 - g0;
        for (std::size_t b = g0; b < g1; ++b) {
            const std::size_t c = b - g0;
            auto& M = mats[c];
            std::fill(M.begin(), M.end(), S(0));
            for (std::size_t q = 0; q < net_.projections.size(); ++q) {
                const auto& pr = net_.projections[q];
                const std::size_t n_post = net_.populations[pr.post].n, n_pre = net_.populations[pr.pre].n;
                const double sign = net_.populations[pr.pre].excitatory ? 1.0 : -1.0;
                for (std::size_t i = 0; i < n_post; ++i) {
                    for (std::size_t j = 0; j < n_pre; ++j) {
                        M[mat_offset[pr.post] + (unit_offset_[pr.pre] + j) * ld[pr.post] + i] =
                            store_weight<S, T>(sign * weights_[q][(i * n_pre + j) * B + b]);
                    }
                }
            }
            for (std::size_t p = 0; p < P; ++p) {
                for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
                    rate[c][unit_offset_[p] + i] = static_cast<T>(rates_[p][i * B + b]);
                    eta[c][unit_offset_[p] + i] = static_cast<T>(eta_[p][i * B + b]);
                }
            }
            Mp[c] = M.data();
            rp[c] = rate[c].data();
            accp[c] = acc[c].data();
        }
        for (std::size_t s = 0; s < steps; ++s) {
            const std::size_t seg_step = seg0 + s;
            const std::uint64_t abs_step = abs0 + s;
            advance_kicks(g0, g1, seg_step, abs_step);
            const std::size_t slot = abs_step % 4;
            for (std::size_t c = 0; c < G && noisy; ++c) {  // 1. OU noise (normals: one Philox counter per unit and 4 steps)
                T* x = xi[c].data();
                if (slot == 0 || s == 0) {
                    rng::normals_draws<T>(seed_, rng::purpose::rate_noise, first_network_ + static_cast<std::uint32_t>(g0 + c),
                                          abs_step / 4, 0,
                                          N, x, x + Np, x + 2 * Np, x + 3 * Np);
                }
                T* e = eta[c].data();
                const T* z = x + slot * Np;
#pragma omp simd
                for (std::size_t u = 0; u < N; ++u) e[u] = decay * e[u] + amp * z[u];
            }
            for (std::size_t p = 0; p < P; ++p) {  // 2. populations in order
                const auto& pop = net_.populations[p];
                const std::size_t n = pop.n, off = unit_offset_[p];
                const double common = step_drive(p, seg_step);
                for (std::size_t c = 0; c < G; ++c) {
                    double kick = 0.0;
                    for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) {
                        if (net_.poisson_kicks[k].population == p && kick_left_[k][g0 + c] > 0) kick += net_.poisson_kicks[k].amplitude;
                    }
                    const T* e = eta[c].data() + off;
                    T* a = acc[c].data();
                    if constexpr (std::is_same_v<T, double>) {  // the batch-major path's additions, bit for bit
                        for (std::size_t i = 0; i < n; ++i) {
                            double d = common + e[i];
                            if (kick != 0.0) d += kick;
                            a[i] = d;
                        }
                    } else {
                        const T base = static_cast<T>(common + kick);
#pragma omp simd
                        for (std::size_t i = 0; i < n; ++i) a[i] = base + e[i];
                    }
                }
                const S* Mpop[group] = {};
                for (std::size_t c = 0; c < G; ++c) Mpop[c] = Mp[c] + mat_offset[p];
                if (ld[p] % vec == 0) {
                    recurrent_group<T, S, 64>(Mpop, rp, G, N, ld[p], accp, active_units.data());
                } else {
                    recurrent_group<T, S, 32>(Mpop, rp, G, N, ld[p], accp, active_units.data());
                }
                // 001 Methods Eqs. 1–2 (forward Euler), then saturation.
                const T a = static_cast<T>(net_.dt / pop.tau), g = static_cast<T>(pop.transfer.gain),
                        theta = static_cast<T>(pop.transfer.threshold), rmax = static_cast<T>(pop.transfer.r_max);
                for (std::size_t c = 0; c < G; ++c) {
                    const T* d = acc[c].data();
                    T* r = (simultaneous ? fresh[c].data() : rate[c].data()) + off;
                    const T* r_old = rate[c].data() + off;
#pragma omp simd
                    for (std::size_t i = 0; i < n; ++i) {
                        const T f = g * std::max(d[i] - theta, T(0));
                        r[i] = std::min(r_old[i] + a * (f - r_old[i]), rmax);
                    }
                }
            }
            if (simultaneous) {
                for (std::size_t c = 0; c < G; ++c) std::copy_n(fresh[c].data(), N, rate[c].data());
            }
            if (hook && hook->wants_step(seg_step)) {
                write_back_rates(g0, g1);
                hook->on_step(*this, seg_step, g0, g1);
            }
        }
        write_back_rates(g0, g1);
        for (std::size_t b = g0; b < g1; ++b) {
            for (std::size_t p = 0; p < P; ++p) {
                for (std::size_t i = 0; i < net_.populations[p].n; ++i) eta_[p][i * B + b] = eta[b - g0][unit_offset_[p] + i];
            }
        }
    }
}

template void rate_engine::run_unit_major_chunk<float, float>(workspace&, std::size_t, std::size_t, std::size_t,
                                                              std::uint64_t, std::size_t, rate_step_hook*);
template void rate_engine::run_unit_major_chunk<float, std::uint16_t>(workspace&, std::size_t, std::size_t, std::size_t,
                                                                      std::uint64_t, std::size_t, rate_step_hook*);
template void rate_engine::run_unit_major_chunk<double, double>(workspace&, std::size_t, std::size_t, std::size_t,
                                                                std::uint64_t, std::size_t, rate_step_hook*);

}  // namespace einet::engine
