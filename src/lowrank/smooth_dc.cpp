#include "einet/lowrank/smooth_dc.hpp"

#include <algorithm>
#include <cmath>

#include "einet/core/error.hpp"
#include "einet/core/rng.hpp"

namespace einet::lowrank {

namespace {

// Lower Cholesky factor of the n × n matrix a (row-major); false if a pivot is not positive.
bool cholesky(std::vector<double>& a, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j) {
        double d = a[j * n + j];
        for (std::size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0)) return false;
        d = std::sqrt(d);
        a[j * n + j] = d;
        for (std::size_t i = j + 1; i < n; ++i) {
            double v = a[i * n + j];
            for (std::size_t k = 0; k < j; ++k) v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / d;
        }
        for (std::size_t i = 0; i < j; ++i) a[i * n + j] = 0.0;
    }
    return true;
}

}  // namespace

std::vector<double> gp_sample(const std::vector<double>& s, double inv_length, double sigma, double offset_var, std::uint64_t seed) {
    const std::size_t n = s.size();
    std::vector<double> k(n * n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
            const double d = s[i] - s[j];
            k[i * n + j] = sigma * sigma * std::exp(-d * d * inv_length * inv_length / 2.0) + offset_var;
        }
    }
    const double k0 = sigma * sigma + offset_var;
    for (double eps = 1e-12; eps <= 1e-4; eps *= 10) {
        auto L = k;
        for (std::size_t i = 0; i < n; ++i) L[i * n + i] += eps * k0;
        if (!cholesky(L, n)) continue;
        std::vector<double> xi(n), out(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) xi[i] = rng::normals4(seed, rng::purpose::parameters, static_cast<std::uint32_t>(i), 0, 0x53)[0];
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j <= i; ++j) out[i] += L[i * n + j] * xi[j];
        }
        return out;
    }
    throw config_error("gp_sample: the covariance matrix does not factorise (expected sigma > 0 and distinct points)");
}

smooth_dc dc_decompose_smooth(const std::vector<double>& x, const std::vector<double>& f, double centre) {
    if (x.size() < 3 || f.size() != x.size()) throw config_error("dc_decompose_smooth: expected >= 3 grid points and one value per point");
    const double dx = x[1] - x[0];
    smooth_dc out;
    for (std::size_t i = 1; i + 1 < x.size(); ++i) out.lambda = std::max(out.lambda, -(f[i + 1] - 2 * f[i] + f[i - 1]) / (dx * dx));
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double g = 0.5 * (x[i] - centre) * (x[i] - centre);  // convex, g'' = 1
        out.p.push_back(out.lambda * g);
        out.q.push_back(f[i] + out.lambda * g);
    }
    return out;
}

piecewise_linear extrema_knots(const std::vector<double>& x, const std::vector<double>& f, double min_step) {
    if (x.size() < 2 || f.size() != x.size()) throw config_error("extrema_knots: expected >= 2 grid points and one value per point");
    piecewise_linear pw;
    pw.knots.push_back(x[0]);
    pw.values.push_back(f[0]);
    for (std::size_t i = 1; i < x.size(); ++i) {
        const bool last = i + 1 == x.size();
        const bool extremum = !last && (f[i] - f[i - 1]) * (f[i + 1] - f[i]) < 0;
        if (last || (extremum && std::abs(f[i] - pw.values.back()) > min_step)) {
            pw.knots.push_back(x[i]);
            pw.values.push_back(f[i]);
        }
    }
    return pw;
}

}  // namespace einet::lowrank
