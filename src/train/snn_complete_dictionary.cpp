#include "einet/train/snn_complete_dictionary.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "einet/core/error.hpp"

namespace einet::train {

namespace {

// Minimum-norm point of the convex hull of `points` (Wolfe 1976, "Finding the nearest point in a
// polytope"): corrals S with their affine minimiser, major cycles add the most violating point.
vector min_norm_point(const std::vector<vector>& points) {
    const std::size_t m = points.size();
    double scale = 0.0;
    std::size_t first = 0;
    for (std::size_t k = 0; k < m; ++k) {
        scale = std::max(scale, points[k].squaredNorm());
        if (points[k].squaredNorm() < points[first].squaredNorm()) first = k;
    }
    const double eps = 1e-15 * scale;
    std::vector<std::size_t> S{first};
    std::vector<double> lam{1.0};
    vector x = points[first];
    auto combine = [&](const std::vector<double>& c) {
        vector v = vector::Zero(x.size());
        for (std::size_t q = 0; q < S.size(); ++q) v += c[q] * points[S[q]];
        return v;
    };
    for (int major = 0; major < 1000; ++major) {
        std::size_t j = 0;
        double best = 1e300;
        for (std::size_t k = 0; k < m; ++k)
            if (const double v = x.dot(points[k]); v < best) best = v, j = k;
        if (x.squaredNorm() - best <= eps || std::find(S.begin(), S.end(), j) != S.end()) return x;
        S.push_back(j);
        lam.push_back(0.0);
        for (int minor = 0; minor < 1000; ++minor) {
            // Affine minimiser of aff(S): min ‖Σ α_q p_q‖ subject to Σ α_q = 1.
            const auto s = static_cast<Eigen::Index>(S.size());
            Eigen::MatrixXd M = Eigen::MatrixXd::Zero(s + 1, s + 1);
            Eigen::VectorXd rhs = Eigen::VectorXd::Zero(s + 1);
            for (Eigen::Index a = 0; a < s; ++a) {
                for (Eigen::Index b = 0; b < s; ++b) M(a, b) = points[S[a]].dot(points[S[b]]);
                M(a, s) = M(s, a) = 1.0;
            }
            rhs[s] = 1.0;
            const Eigen::VectorXd sol = M.completeOrthogonalDecomposition().solve(rhs);
            std::vector<double> alpha(sol.data(), sol.data() + s);
            if (*std::min_element(alpha.begin(), alpha.end()) > 1e-12) {
                lam = alpha;
                x = combine(lam);
                break;
            }
            // Move from λ towards α until a coefficient reaches 0, and drop it from the corral (at
            // least one point leaves per minor cycle, so the cycle ends).
            double step = 1.0;
            for (std::size_t q = 0; q < S.size(); ++q)
                if (alpha[q] <= 1e-12) {
                    const double den = lam[q] - alpha[q];
                    step = std::min(step, den > 1e-300 ? lam[q] / den : 0.0);
                }
            for (std::size_t q = 0; q < S.size(); ++q) lam[q] = (1.0 - step) * lam[q] + step * alpha[q];
            std::vector<std::size_t> S2;
            std::vector<double> lam2;
            for (std::size_t q = 0; q < S.size(); ++q)
                if (lam[q] > 1e-14) S2.push_back(S[q]), lam2.push_back(lam[q]);
            // The new point dropped at once: no descent is left within round-off, x is the answer.
            if (minor == 0 && std::find(S2.begin(), S2.end(), j) == S2.end()) {
                S.pop_back(), lam.pop_back();
                return x;
            }
            if (S2.empty()) return x;
            S = S2, lam = lam2;
            double total = 0.0;
            for (double v : lam) total += v;
            for (double& v : lam) v /= total;
            x = combine(lam);
        }
        if (x.squaredNorm() <= eps) return x;
    }
    return x;
}

// An interior point of {z : a·z > 0 for every a in rows}, or an empty vector when the cell is empty
// or thinner than a relative margin of 1e-9.
vector interior_point(const std::vector<vector>& rows) {
    const vector z = min_norm_point(rows);
    double margin = 1e300, norm = 0.0;
    for (const auto& a : rows) margin = std::min(margin, a.dot(z) / std::max(a.norm(), 1e-300)), norm = std::max(norm, a.norm());
    if (!(margin > 1e-9 * z.norm()) || z.norm() <= 1e-9 * norm) return {};
    return z;
}

struct cell {
    std::vector<char> spikes;
    std::vector<vector> rows;  // a with a·z > 0
    vector z;                  // interior point
};

}  // namespace

std::vector<lif_trajectory> enumerate_lif_neuron(const matrix& x, std::size_t steps, const lif_params& lif,
                                                 std::size_t max_cells) {
    if (steps == 0 || x.rows() % static_cast<Eigen::Index>(steps) != 0) throw internal_error("enumerate_lif_neuron: x is not [T·n × d]");
    if (!(lif.theta > 0.0)) throw config_error("complete dictionary: the threshold must be positive");
    const auto n = static_cast<std::size_t>(x.rows()) / steps;
    const auto d = x.cols();
    const double r = lif.reset_scale / lif.theta;
    // z = (w, θ); θ > 0 is the first row of every cell.
    vector e_theta = vector::Zero(d + 1);
    e_theta[d] = 1.0;
    std::vector<cell> cells{{std::vector<char>(steps * n, 0), {e_theta}, e_theta}};
    matrix c = matrix::Zero(static_cast<Eigen::Index>(n), d);  // c_it, advanced in t
    for (std::size_t t = 0; t < steps; ++t) {
        c = lif.beta * c + x.middleRows(static_cast<Eigen::Index>(t * n), static_cast<Eigen::Index>(n));
        for (std::size_t i = 0; i < n; ++i) {
            std::vector<cell> next;
            for (auto& cl : cells) {
                double k = 0.0;  // k_it = Σ_{τ<t} β^{t−1−τ} s_iτ
                for (std::size_t tau = 0; tau < t; ++tau) k = lif.beta * k + cl.spikes[tau * n + i];
                vector a(d + 1);
                a.head(d) = c.row(static_cast<Eigen::Index>(i)).transpose();
                a[d] = -(1.0 + r * k);
                const double side = a.dot(cl.z);
                for (int fires : {1, 0}) {
                    const vector normal = fires ? a : vector(-a);
                    cell child{cl.spikes, cl.rows, {}};
                    child.spikes[t * n + i] = static_cast<char>(fires);
                    child.rows.push_back(normal);
                    // The parent's witness stays interior on its own side when it is clear of the plane.
                    if ((fires ? side : -side) > 1e-6 * a.norm() * cl.z.norm()) child.z = cl.z;
                    else child.z = interior_point(child.rows);
                    if (child.z.size()) next.push_back(std::move(child));
                }
            }
            cells = std::move(next);
            if (cells.size() > max_cells)
                throw config_error("complete dictionary: more than " + std::to_string(max_cells) +
                                   " cells for one neuron; the enumeration is exponential in n·T (spec §4.4)");
        }
    }
    std::vector<lif_trajectory> out;
    for (auto& cl : cells) {
        const vector z = interior_point(cl.rows);  // the best-centred witness of the final cell
        if (!z.size()) continue;
        out.push_back({std::move(cl.spikes), z.head(d) * (lif.theta / z[d])});
    }
    return out;
}

namespace {

// Spike rasters of one inner layer with the weights that produce them (layer by layer).
struct inner_state {
    matrix spikes;                // [T·n × width]
    std::vector<matrix> weights;  // per layer so far: fan_in × width
};

// Calls visit(idx) for every index set of size k from 0..m−1, in lexicographic order, one at a
// time: the count is binomial and the caller's size guard must be able to stop it early.
template <class Visit>
void for_each_subset(std::size_t m, std::size_t k, Visit&& visit) {
    std::vector<std::size_t> idx(k);
    for (std::size_t q = 0; q < k; ++q) idx[q] = q;
    while (true) {
        visit(static_cast<const std::vector<std::size_t>&>(idx));
        std::size_t q = k;
        while (q > 0 && idx[q - 1] == m - k + q - 1) --q;
        if (q == 0) return;
        ++idx[q - 1];
        for (std::size_t p = q; p < k; ++p) idx[p] = idx[p - 1] + 1;
    }
}

}  // namespace

complete_dictionary enumerate_complete_dictionary(const snn_shape& shape, const snn_options& opt, supervision sup,
                                                  const sequence_data& data, std::size_t max_cells) {
    shape.validate("complete dictionary");
    data.validate("complete dictionary data");
    if (opt.readout != readout_kind::spike)
        throw config_error("complete dictionary: the readout must be spike (the theory's dictionary, spec §4.4)");
    const std::size_t T = data.steps, n = data.samples(), layers = shape.lif_layers();
    std::vector<inner_state> states{{data.x, {}}};
    for (std::size_t l = 0; l + 1 < layers; ++l) {
        const std::size_t m = shape.width(l);
        std::map<std::vector<char>, inner_state> next;  // keyed by the sorted raster columns
        for (const auto& st : states) {
            const auto traj = enumerate_lif_neuron(st.spikes, T, opt.lif, max_cells);
            if (traj.empty()) continue;
            const std::size_t k = std::min(m, traj.size());
            for_each_subset(traj.size(), k, [&](const std::vector<std::size_t>& pick) {
                // m neurons: the k chosen trajectories, the last repeated when fewer exist than m.
                std::vector<std::size_t> cols(m);
                for (std::size_t q = 0; q < m; ++q) cols[q] = pick[std::min(q, k - 1)];
                std::sort(cols.begin(), cols.end(), [&](std::size_t a, std::size_t b) { return traj[a].spikes < traj[b].spikes; });
                std::vector<char> key;
                inner_state ns{matrix(static_cast<Eigen::Index>(T * n), static_cast<Eigen::Index>(m)), st.weights};
                matrix W(st.spikes.cols(), static_cast<Eigen::Index>(m));
                for (std::size_t q = 0; q < m; ++q) {
                    const auto& tr = traj[cols[q]];
                    key.insert(key.end(), tr.spikes.begin(), tr.spikes.end());
                    for (std::size_t r = 0; r < T * n; ++r) ns.spikes(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(q)) = tr.spikes[r];
                    W.col(static_cast<Eigen::Index>(q)) = tr.weights;
                }
                ns.weights.push_back(W);
                next.emplace(std::move(key), std::move(ns));
                if (next.size() > max_cells)
                    throw config_error("complete dictionary: more than " + std::to_string(max_cells) + " spike rasters in layer " +
                                       std::to_string(l + 1) + "; the enumeration is exponential (spec §4.4)");
            });
        }
        states.clear();
        for (auto& [key, st] : next) states.push_back(std::move(st));
    }
    complete_dictionary out;
    out.inner_states = states.size();
    const std::size_t rows = sup == supervision::final_time ? n : T * n, first = T * n - rows;
    std::map<std::vector<char>, std::size_t> seen;
    std::vector<std::vector<char>> columns;
    snn_shape one{shape.inputs, 1, shape.depth, layers > 1 ? shape.width(0) : 1, 1, 1};
    for (const auto& st : states)
        for (auto& tr : enumerate_lif_neuron(st.spikes, T, opt.lif, max_cells)) {
            std::vector<char> col(tr.spikes.begin() + static_cast<std::ptrdiff_t>(first), tr.spikes.end());
            if (!seen.emplace(col, columns.size()).second) continue;
            columns.push_back(std::move(col));
            snn_params w(one);
            for (std::size_t l = 0; l + 1 < layers; ++l) w.hidden(0, l) = st.weights[l];
            w.hidden(0, layers - 1) = tr.weights;
            out.witness.push_back(std::move(w));
        }
    out.D.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j)
        for (std::size_t r = 0; r < rows; ++r) out.D(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = columns[j][r];
    return out;
}

}  // namespace einet::train
