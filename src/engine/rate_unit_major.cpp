// Unit-major step kernel of the rate engine (network::step_kernel::unit_major): networks with
// multi-unit populations, one network at a time with its own weights in a contiguous matrix.
//
// Why: in the batch-major layout every step streams the weights of all networks of a chunk
// (16 MB for 128 networks of 100 units in double) from L3 or memory. Weights change only between
// run() calls (trials), so each network's matrix is gathered once per call and reused for all
// its steps; groups of 8 networks (the SIMD width of the noise generator) step together, their
// matrices (8 × 40 KB in float32, 8 × 80 KB in double) staying in L2.
//
// Same arithmetic in the same order as the batch-major path for T = double: drive = common + η
// (+ kick), then + (±W_ij)·r_j over presynaptic units in network order, Euler update and
// saturation, populations in order (sequential or simultaneous).
#include <algorithm>
#include <cmath>

#include "einet/core/aligned.hpp"
#include "rate_engine_workspace.hpp"

namespace einet::engine {

namespace {

// acc[i] += Σ_j M[j·ld + i]·r[j] for i < ld, j ascending (the batch-major path's order for every
// i). ld is the column stride, padded to whole 64-byte vectors (zeros in the padding), so every
// block is a fixed number of full vectors kept in registers across all j: one load per FMA.
template <class T, std::size_t block>
void recurrent_block(const T* M, const T* r, std::size_t N, std::size_t ld, T* acc) {
    T regs[block];
    for (std::size_t i = 0; i < block; ++i) regs[i] = acc[i];
    for (std::size_t j = 0; j < N; ++j) {
        const T rj = r[j];
        const T* col = M + j * ld;
#pragma omp simd
        for (std::size_t i = 0; i < block; ++i) regs[i] += col[i] * rj;
    }
    for (std::size_t i = 0; i < block; ++i) acc[i] = regs[i];
}

template <class T>
void recurrent_sums(const T* M, const T* r, std::size_t N, std::size_t ld, T* acc) {
    constexpr std::size_t vec = 64 / sizeof(T);
    std::size_t i0 = 0;
    for (; i0 + 4 * vec <= ld; i0 += 4 * vec) recurrent_block<T, 4 * vec>(M + i0, r, N, ld, acc + i0);
    for (; i0 + 2 * vec <= ld; i0 += 2 * vec) recurrent_block<T, 2 * vec>(M + i0, r, N, ld, acc + i0);
    for (; i0 < ld; i0 += vec) recurrent_block<T, vec>(M + i0, r, N, ld, acc + i0);
}

}  // namespace

bool rate_engine::use_unit_major(const rate_step_hook* hook) const {
    if (scalar_populations_ || net_.kernel == network::step_kernel::batch_major) return false;
    return !hook || hook->leaves_weights_alone();
}

template <class T>
void rate_engine::run_unit_major_chunk(workspace& ws, std::size_t b0, std::size_t b1, std::size_t seg0,
                                       std::uint64_t abs0, std::size_t steps, rate_step_hook* hook) {
    constexpr std::size_t group = 8;
    const std::size_t P = net_.populations.size(), B = batch_;
    const std::size_t N = unit_offset_.back() + net_.populations.back().n;
    const bool noisy = net_.noise.sigma != 0.0, simultaneous = net_.order == network::update_order::simultaneous;
    // Matrix of population p of one network: [pre unit j (all populations)][post unit i of p], sign
    // folded in, columns padded to ld[p] (a multiple of 64 bytes) with zeros.
    constexpr std::size_t vec = 64 / sizeof(T);
    std::vector<std::size_t> mat_offset(P), ld(P);
    std::size_t mat_size = 0;
    for (std::size_t p = 0; p < P; ++p) {
        ld[p] = (net_.populations[p].n + vec - 1) / vec * vec;
        mat_offset[p] = mat_size;
        mat_size += N * ld[p];
    }
    std::vector<aligned_vector<T>> mats(group, aligned_vector<T>(mat_size, T(0)));
    std::vector<aligned_vector<T>> src(group, aligned_vector<T>(N, T(0)));  // rates the recurrent sums read
    aligned_vector<T> acc(*std::max_element(ld.begin(), ld.end()), T(0));
    std::vector<double> fresh(N);  // simultaneous order: rates computed this step

    for (std::size_t g0 = b0; g0 < b1; g0 += group) {
        const std::size_t g1 = std::min(b1, g0 + group);
        for (std::size_t b = g0; b < g1; ++b) {
            auto& M = mats[b - g0];
            std::fill(M.begin(), M.end(), T(0));
            for (std::size_t q = 0; q < net_.projections.size(); ++q) {
                const auto& pr = net_.projections[q];
                const std::size_t n_post = net_.populations[pr.post].n, n_pre = net_.populations[pr.pre].n;
                const double sign = net_.populations[pr.pre].excitatory ? 1.0 : -1.0;
                for (std::size_t i = 0; i < n_post; ++i) {
                    for (std::size_t j = 0; j < n_pre; ++j) {
                        M[mat_offset[pr.post] + (unit_offset_[pr.pre] + j) * ld[pr.post] + i] =
                            static_cast<T>(sign * weights_[q][(i * n_pre + j) * B + b]);
                    }
                }
            }
            for (std::size_t p = 0; p < P; ++p) {
                for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
                    src[b - g0][unit_offset_[p] + i] = static_cast<T>(rates_[p][i * B + b]);
                }
            }
        }
        ws.block = std::numeric_limits<std::uint64_t>::max();  // the normals buffer now holds this group
        for (std::size_t s = 0; s < steps; ++s) {
            const std::size_t seg_step = seg0 + s;
            const std::uint64_t abs_step = abs0 + s;
            prepare_step(ws, g0, g1, seg_step, abs_step);
            const std::size_t slot = abs_step % 4;
            for (std::size_t b = g0; b < g1; ++b) {
                const std::size_t c = b - g0;
                const T* M = mats[c].data();
                T* r = src[c].data();
                if (noisy) {  // 1. OU noise
                    for (std::size_t p = 0; p < P; ++p) {
                        for (std::size_t i = 0; i < net_.populations[p].n; ++i) {
                            double& eta = eta_[p][i * B + b];
                            eta = noise_decay_ * eta + noise_amp_ * ws.normals[((unit_offset_[p] + i) * 4 + slot) * max_chunk + c];
                        }
                    }
                }
                for (std::size_t p = 0; p < P; ++p) {  // 2. populations in order
                    const auto& pop = net_.populations[p];
                    const std::size_t n = pop.n;
                    double kick = 0.0;
                    for (std::size_t k = 0; k < net_.poisson_kicks.size(); ++k) {
                        if (net_.poisson_kicks[k].population == p && kick_left_[k][b] > 0) kick += net_.poisson_kicks[k].amplitude;
                    }
                    const double common = step_drive(p, seg_step);
                    for (std::size_t i = 0; i < n; ++i) {
                        double d = common + eta_[p][i * B + b];
                        if (kick != 0.0) d += kick;
                        acc[i] = static_cast<T>(d);
                    }
                    recurrent_sums(M + mat_offset[p], r, N, ld[p], acc.data());
                    // 001 Methods Eqs. 1–2 (forward Euler), then saturation.
                    const double a = net_.dt / pop.tau, g = pop.transfer.gain, theta = pop.transfer.threshold,
                                 rmax = pop.transfer.r_max;
                    for (std::size_t i = 0; i < n; ++i) {
                        double& rate = rates_[p][i * B + b];
                        const double f = g * std::max(static_cast<double>(acc[i]) - theta, 0.0);
                        rate = std::min(rate + a * (f - rate), rmax);
                        if (simultaneous) fresh[unit_offset_[p] + i] = rate;
                        else r[unit_offset_[p] + i] = static_cast<T>(rate);
                    }
                }
                if (simultaneous) {
                    for (std::size_t u = 0; u < N; ++u) r[u] = static_cast<T>(fresh[u]);
                }
            }
            if (hook) hook->on_step(*this, seg_step, g0, g1);
        }
    }
}

template void rate_engine::run_unit_major_chunk<float>(workspace&, std::size_t, std::size_t, std::size_t, std::uint64_t,
                                                       std::size_t, rate_step_hook*);
template void rate_engine::run_unit_major_chunk<double>(workspace&, std::size_t, std::size_t, std::size_t, std::uint64_t,
                                                        std::size_t, rate_step_hook*);

}  // namespace einet::engine
