#pragma once
// The kernel and edge rule of SciPy's gaussian_filter1d (truncate = 4, mode "reflect"), shared by
// every smoothing along time (paper 004's CDI inputs, paper 000's pooled rates) so that they agree
// with SciPy and with each other.
#include <cmath>
#include <cstddef>
#include <vector>

namespace einet::core {

// Normalised weights of the offsets −r … r, r = int(4σ + 0.5) (SciPy's radius); index k + r.
inline std::vector<double> gaussian_kernel(double sigma) {
    const long radius = static_cast<long>(4.0 * sigma + 0.5);
    std::vector<double> w(static_cast<std::size_t>(2 * radius + 1));
    double sum = 0.0;
    for (long k = -radius; k <= radius; ++k)
        sum += w[static_cast<std::size_t>(k + radius)] = std::exp(-0.5 * static_cast<double>(k * k) / (sigma * sigma));
    for (auto& v : w) v /= sum;
    return w;
}

// Index i folded into [0, n) by SciPy's "reflect" rule: (d c b a | a b c d | d c b a).
inline std::size_t reflect_index(long i, long n) {
    const long period = 2 * n;
    i %= period;
    if (i < 0) i += period;
    return static_cast<std::size_t>(i < n ? i : period - 1 - i);
}

}  // namespace einet::core
