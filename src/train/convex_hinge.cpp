// Binary and one-vs-rest hinge (spec §5.4): the LP
//   min ρ 1ᵀ(w⁺ + w⁻) + aᵀξ   s.t.  y_i d_iᵀ(w⁺ − w⁻) + ξ_i ≥ 1,  w±, ξ ≥ 0
// whose dual is max Σ y_i u_i, 0 ≤ y_i u_i ≤ a_i, |Dᵀu| ≤ ρ. Solved by a Mehrotra
// predictor–corrector interior point on a working set of columns; columns whose dual constraint
// |d_jᵀu| ≤ ρ is violated are added until none is (column generation). The normal equations
// B E Bᵀ + Δ (n × n) are solved through the working-set system E⁻¹ + BᵀΔ⁻¹B when that is smaller,
// formed by a symmetric rank-k update. Every iterate is certified against the whole dictionary,
// so the solve ends at the first certified point; early rounds reprice from rough iterates.
// Identical (row, target) pairs are merged first (weights summed), and near the optimum the rows
// with a tiny Δ can be eliminated apart from the rest (the split form) when the plain Woodbury
// solve loses accuracy.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "convex_internal.hpp"

namespace einet::train::detail {

namespace {

using colmat = Eigen::MatrixXd;
using vec = Eigen::VectorXd;

// What the caller decides from an IPM iterate (w, λ) of the working-set LP, judged on the whole
// dictionary: keep iterating, stop because the full problem is certified, or stop to reprice.
enum class verdict { iterate, certified, reprice };
using monitor = std::function<verdict(const vec& w, const vec& lambda, double restricted_err)>;

struct lp_solution {
    vec w, lambda;
    std::size_t iterations = 0;
    verdict stop = verdict::iterate;  // iterate: the working-set LP converged on its own
};

// Standard form min cᵀx, Ax = 1, x ≥ 0 with x = (w⁺, w⁻, ξ, s), A = [B, −B, I, −I], B = diag(y) D_ws.
class hinge_lp {
public:
    hinge_lp(const colmat& B, const vec& a, double rho) : B_(B), a_(a), rho_(rho), m_(B.cols()), n_(B.rows()) {}

    lp_solution solve(const monitor& judge) {
        const Eigen::Index N = 2 * m_ + 2 * n_;
        vec c(N);
        c << vec::Constant(2 * m_, rho_), a_, vec::Zero(n_);
        vec x = vec::Ones(N), z = vec::Ones(N), lam = vec::Zero(n_);
        const vec b = vec::Ones(n_);
        lp_solution out;
        // The reduced normal equations lose accuracy once μ is tiny; the iterate with the smallest
        // residuals is kept, and the loop stops when they no longer improve near the optimum. Far
        // from it the measure is not monotone (the gap widens for a few iterations while the dual
        // residual falls), and stopping there left the carry heads of Table 3 at a gap of 2.3.
        vec best_x = x, best_lam = lam;
        double best_err = 1e300;
        int stalled = 0;
        // Residuals, or a complementarity μ (from 1 at the start), below which a lack of progress is
        // accuracy loss rather than the path's detour.
        constexpr double stall_zone = 1e-4, stall_mu = 1e-8;
        for (out.iterations = 0; out.iterations < 200; ++out.iterations) {
            const vec rp = b - A(x), rd = c - At(lam) - z;
            const double mu = x.dot(z) / static_cast<double>(N);
            const double pobj = c.dot(x), dobj = b.dot(lam);
            const double err = std::max({rp.norm() / (1.0 + b.norm()), rd.norm() / (1.0 + c.norm()),
                                         std::abs(pobj - dobj) / (1.0 + std::abs(pobj))});
            if (!std::isfinite(err)) break;
            if (!(err < best_err)) {
                if ((best_err < stall_zone || mu < stall_mu) && ++stalled >= 3) break;
            } else {
                best_err = err, best_x = x, best_lam = lam, stalled = 0;
            }
            if (err < 1e-10) break;
            const verdict v = judge(x.head(m_) - x.segment(m_, m_), lam, err);
            if (v != verdict::iterate) {
                out.stop = v;
                best_x = x, best_lam = lam;
                break;
            }
            factor(x.cwiseQuotient(z));
            vec dx, dl, dz;
            newton(x, z, rp, rd, -x.cwiseProduct(z), dx, dl, dz);
            const double ap = step(x, dx), ad = step(z, dz);
            const double mu_aff = (x + std::min(1.0, ap) * dx).dot(z + std::min(1.0, ad) * dz) / static_cast<double>(N);
            const double sigma = std::pow(mu_aff / mu, 3.0);
            const vec rc = vec::Constant(N, sigma * mu) - x.cwiseProduct(z) - dx.cwiseProduct(dz);
            newton(x, z, rp, rd, rc, dx, dl, dz);
            const double sp = std::min(1.0, 0.995 * step(x, dx)), sd = std::min(1.0, 0.995 * step(z, dz));
            x += sp * dx;
            z += sd * dz;
            lam += sd * dl;
        }
        x = best_x;
        lam = best_lam;
        out.w = x.head(m_) - x.segment(m_, m_);
        out.lambda = lam;
        return out;
    }

private:
    vec A(const vec& x) const { return B_ * (x.head(m_) - x.segment(m_, m_)) + x.segment(2 * m_, n_) - x.tail(n_); }
    vec At(const vec& l) const {
        vec r(2 * m_ + 2 * n_);
        const vec bl = B_.transpose() * l;
        r << bl, -bl, l, -l;
        return r;
    }
    static double step(const vec& v, const vec& dv) {
        double a = 1e300;
        for (Eigen::Index i = 0; i < v.size(); ++i)
            if (dv[i] < 0.0) a = std::min(a, -v[i] / dv[i]);
        return a;
    }
    // M = B E Bᵀ + Δ with E = θ_{w⁺} + θ_{w⁻}, Δ = θ_ξ + θ_s (θ = x/z).
    void factor(const vec& theta) {
        E_ = theta.head(m_) + theta.segment(m_, m_);
        Delta_ = theta.segment(2 * m_, n_) + theta.tail(n_);
        factor_current(m_ < n_ && !direct_only_);
    }
    void factor_current(bool woodbury) {
        woodbury_ = woodbury;
        // Symmetric rank-k updates fill only the lower triangle that LLT reads: half the flops of
        // a full product, and this product is the cost of every iteration.
        colmat S;
        if (woodbury_ && split_) {
            factor_split();
            return;
        }
        if (woodbury_) {
            const colmat Bs = Delta_.cwiseInverse().cwiseSqrt().asDiagonal() * B_;
            S.setZero(m_, m_);
            S.selfadjointView<Eigen::Lower>().rankUpdate(Bs.transpose());
            S.diagonal() += E_.cwiseInverse();
        } else {
            const colmat Bs = B_ * E_.cwiseSqrt().asDiagonal();
            S.setZero(n_, n_);
            S.selfadjointView<Eigen::Lower>().rankUpdate(Bs);
            S.diagonal() += Delta_;
        }
        llt_.compute(S);
    }
    // The Woodbury form with the rows of smallest Δ (near the optimum, the rows on the margin) taken
    // out of Δ⁻¹: with R the other rows and u = E Bᵀ dl,
    //   H u = B_Sᵀ dl_S + B_Rᵀ Δ_R⁻¹ r_R,   H = E⁻¹ + B_Rᵀ Δ_R⁻¹ B_R        (m × m)
    //   (Δ_S + B_S H⁻¹ B_Sᵀ) dl_S = r_S − B_S H⁻¹ B_Rᵀ Δ_R⁻¹ r_R            (s × s)
    //   dl_R = Δ_R⁻¹ (r_R − B_R u)
    // Both matrices are SPD and neither multiplies by a huge Δ_i⁻¹, which is what cancels in the
    // plain form. S: the rows below the geometric mean of the smallest and largest Δ, at most
    // split_cap of them (the smallest).
    static constexpr Eigen::Index split_cap = 3000;
    void factor_split() {
        std::vector<std::pair<double, Eigen::Index>> order;
        const double tau = std::sqrt(Delta_.minCoeff() * Delta_.maxCoeff());
        for (Eigen::Index i = 0; i < n_; ++i)
            if (Delta_[i] < tau) order.emplace_back(Delta_[i], i);
        if (static_cast<Eigen::Index>(order.size()) > split_cap) {
            std::nth_element(order.begin(), order.begin() + split_cap, order.end());
            order.resize(static_cast<std::size_t>(split_cap));
        }
        std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
        const auto s = static_cast<Eigen::Index>(order.size());
        rows_s_.resize(s);
        w_r_ = Delta_.cwiseInverse();
        BS_.resize(s, m_);
        vec delta_s(s);
        for (Eigen::Index q = 0; q < s; ++q) {
            const Eigen::Index i = order[static_cast<std::size_t>(q)].second;
            rows_s_[q] = i, w_r_[i] = 0.0, BS_.row(q) = B_.row(i), delta_s[q] = Delta_[i];
        }
        const colmat Bs = w_r_.cwiseSqrt().asDiagonal() * B_;
        colmat H = colmat::Zero(m_, m_);
        H.selfadjointView<Eigen::Lower>().rankUpdate(Bs.transpose());
        H.diagonal() += E_.cwiseInverse();
        llt_.compute(H);
        const colmat W = llt_.matrixL().solve(BS_.transpose());  // L⁻¹ B_Sᵀ, m × s
        colmat F = colmat::Zero(s, s);
        F.selfadjointView<Eigen::Lower>().rankUpdate(W.transpose());
        F.diagonal() += delta_s;
        llt_s_.compute(F);
    }
    vec solve_split(const vec& r) const {
        const vec t = B_.transpose() * r.cwiseProduct(w_r_);
        vec r_s(rows_s_.size());
        for (Eigen::Index q = 0; q < r_s.size(); ++q) r_s[q] = r[rows_s_[q]];
        const vec dl_s = llt_s_.solve(r_s - BS_ * llt_.solve(t));
        const vec u = llt_.solve(BS_.transpose() * dl_s + t);
        vec dl = (r - B_ * u).cwiseProduct(w_r_);
        for (Eigen::Index q = 0; q < dl_s.size(); ++q) dl[rows_s_[q]] = dl_s[q];
        return dl;
    }
    vec apply_m(const vec& v) const { return B_ * E_.cwiseProduct(B_.transpose() * v) + Delta_.cwiseProduct(v); }
    vec solve_once(const vec& r) const {
        if (!woodbury_) return llt_.solve(r);
        if (split_) return solve_split(r);
        const vec v = r.cwiseQuotient(Delta_);
        return v - (B_ * llt_.solve(B_.transpose() * v)).cwiseQuotient(Delta_);
    }
    vec refined(const vec& r, double& residual) const {
        vec out = solve_once(r);
        double res_norm = 1e300;
        for (int k = 0; k < 20; ++k) {  // iterative refinement against the exact product M v
            const vec res = r - apply_m(out);
            const double rn = res.norm();
            if (!(rn < 0.5 * res_norm) || rn <= 1e-15 * r.norm()) break;
            res_norm = rn;
            out += solve_once(res);
        }
        residual = (r - apply_m(out)).norm() / std::max(r.norm(), 1e-300);
        return out;
    }
    // Conjugate gradients on M v = r from `out`, preconditioned by the (inaccurate) Woodbury solve:
    // they converge where the refinement above, which needs that solve's error below 1 in every
    // direction, stalls. Stops at a relative residual of 1e-12 or when progress ends.
    vec krylov_refined(const vec& r, vec out, double& residual) const {
        const double r0 = std::max(r.norm(), 1e-300);
        vec res = r - apply_m(out), z = solve_once(res), p = z;
        double rz = res.dot(z);
        vec best = out;
        double best_rn = res.norm();
        for (int k = 0; k < 100 && best_rn > 1e-12 * r0 && rz > 0.0 && std::isfinite(rz); ++k) {
            const vec Mp = apply_m(p);
            const double curvature = p.dot(Mp);
            if (!(curvature > 0.0)) break;
            const double alpha = rz / curvature;
            out += alpha * p;
            res -= alpha * Mp;
            const double rn = (r - apply_m(out)).norm();  // the true residual: the recurrence drifts
            if (rn < best_rn) best_rn = rn, best = out;
            else if (rn > 10.0 * best_rn) break;
            z = solve_once(res);
            const double rz_next = res.dot(z);
            p = z + (rz_next / rz) * p;
            rz = rz_next;
        }
        residual = best_rn / r0;
        return best;
    }
    // The Woodbury form subtracts two large terms once Δ spans many decades near the optimum;
    // when refinement cannot repair it, the n × n normal equations are factored directly from
    // then on (the IPM stalled at a relative gap ~1e-6 without this, e.g. first-last-XOR T = 14),
    // as long as that matrix stays within 2 GiB (n ≤ 16384). Before that, preconditioned CG and,
    // above 4096 rows (where the direct factor costs minutes), the split form are tried: on the
    // Table 6 dictionary (12 926 merged rows) the IPM stalled at a gap of 2e-6 with the Woodbury
    // solve alone, took 140-160 s with the direct factor, and certifies in 3 s with the split form.
    static constexpr Eigen::Index direct_limit = 16384, split_from = 4096;
    vec solve_m(const vec& r) {
        double residual = 0.0;
        vec out = refined(r, residual);
        if (woodbury_ && !(residual <= 1e-6)) out = krylov_refined(r, std::move(out), residual);
        if (woodbury_ && !split_ && n_ > split_from && !(residual <= 1e-6)) {
            split_ = true;
            factor_current(true);
            out = refined(r, residual);
            if (!(residual <= 1e-6)) out = krylov_refined(r, std::move(out), residual);
        }
        if (woodbury_ && n_ <= direct_limit && !(residual <= 1e-6)) {
            direct_only_ = true;
            factor_current(false);
            out = refined(r, residual);
        }
        return out;
    }
    void newton(const vec& x, const vec& z, const vec& rp, const vec& rd, const vec& rc, vec& dx, vec& dl,
                vec& dz) {
        const vec theta = x.cwiseQuotient(z);
        dl = solve_m(rp + A(theta.cwiseProduct(rd) - rc.cwiseQuotient(z)));
        dz = rd - At(dl);
        dx = (rc - x.cwiseProduct(dz)).cwiseQuotient(z);
    }

    const colmat& B_;
    const vec& a_;
    double rho_;
    Eigen::Index m_, n_;
    vec E_, Delta_;
    bool woodbury_ = true;
    bool direct_only_ = false;
    bool split_ = false;  // the Woodbury form with the smallest-Δ rows apart (factor_split)
    Eigen::LLT<colmat> llt_, llt_s_;
    colmat BS_;                                             // the rows S of B
    Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1> rows_s_;  // their indices
    vec w_r_;                                               // Δ⁻¹ on the rows R, 0 on S
};

// One binary hinge problem (targets y = ±1, weights a) over all columns of D by column generation.
// Every IPM iterate is judged on the whole dictionary: the true primal value of its w and the dual
// value of u = y·clip(λ, 0, a) scaled into |Dᵀu| ≤ ρ. The solve stops as soon as that gap is within
// gap_tol·max(floor, p), so the certificate, not the working-set LP's own residuals, ends it; a
// roughly solved working-set LP whose dual point prices clear violators out stops early to grow the
// set (inexact column generation: early rounds need only good enough prices). u is returned
// already scaled into the dual feasible set.
void solve_binary(const dictionary& D, const vec& y, const vec& a, double rho, double gap_tol, double floor,
                  const vec* warm, vec& w, vec& u, std::size_t& iterations) {
    const Eigen::Index P = D.cols(), n = D.rows();
    std::vector<char> in_ws(static_cast<std::size_t>(P), 0);
    std::vector<Eigen::Index> ws;
    if (warm)
        for (Eigen::Index j = 0; j < P; ++j)
            if ((*warm)[j] != 0.0) in_ws[j] = 1, ws.push_back(j);
    vec corr = D.transpose() * y.cwiseProduct(a);  // d_jᵀu at the dual point of w = 0
    auto violators = [&](double slack) {
        std::vector<std::pair<double, Eigen::Index>> v;
        for (Eigen::Index j = 0; j < P; ++j)
            if (!in_ws[j] && std::abs(corr[j]) > rho * (1.0 + slack)) v.emplace_back(-std::abs(corr[j]), j);
        return v;
    };
    // Adds the worst violators, padded with near-violators (|d_jᵀu| > 0.9ρ) that the next dual point
    // is likely to push over: every round restarts the interior point, so fewer rounds pay off.
    // Returns the number of true violators (0: the working set is complete).
    auto add_violators = [&](std::size_t limit) {
        auto v = violators(-0.1);
        const std::size_t take = std::min(limit, v.size());
        std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(take), v.end());
        std::size_t real = 0;
        for (std::size_t i = 0; i < take; ++i) {
            in_ws[v[i].second] = 1, ws.push_back(v[i].second);
            real += -v[i].first > rho * (1.0 + 1e-10);
        }
        return real;
    };
    w = vec::Zero(P);
    u = y.cwiseProduct(a);
    if (ws.empty() && violators(1e-10).empty()) return;  // ρ ≥ ρ_max: w = 0 is optimal
    add_violators(std::max<std::size_t>(64, ws.size()));
    for (int round = 0; round < 200; ++round) {
        colmat B(n, static_cast<Eigen::Index>(ws.size()));
        for (std::size_t q = 0; q < ws.size(); ++q) B.col(static_cast<Eigen::Index>(q)) = y.cwiseProduct(D.col(ws[q]));
        const auto judge = [&](const vec& w_ws, const vec& lam, double restricted_err) {
            const vec clipped = lam.cwiseMax(0.0).cwiseMin(a);
            corr = D.transpose() * y.cwiseProduct(clipped);
            const double scale = std::min(1.0, rho / std::max(corr.cwiseAbs().maxCoeff(), 1e-300));
            const double primal = rho * w_ws.cwiseAbs().sum() + a.dot((1.0 - (B * w_ws).array()).cwiseMax(0.0).matrix());
            const double dual = scale * clipped.sum();
            if (primal - dual <= gap_tol * std::max(floor, primal)) return verdict::certified;
            if (restricted_err < 1e-3 && !violators(1e-3).empty()) return verdict::reprice;
            return verdict::iterate;
        };
        const auto lp = hinge_lp(B, a, rho).solve(judge);
        iterations += lp.iterations;
        w.setZero();
        for (std::size_t q = 0; q < ws.size(); ++q) w[ws[q]] = lp.w[static_cast<Eigen::Index>(q)];
        const vec clipped = lp.lambda.cwiseMax(0.0).cwiseMin(a);
        u = y.cwiseProduct(clipped);
        corr = D.transpose() * u;
        const double norm = corr.cwiseAbs().maxCoeff();
        if (norm > rho) u *= rho / norm;
        if (lp.stop == verdict::certified) return;
        if (add_violators(std::max<std::size_t>(32, ws.size() / 2)) == 0) return;
    }
}

// Rows with the same dictionary row and the same targets enter the hinge LP only through the sum
// of their weights: Σ_i a_i max(0, 1 − y_i d_iᵀw) over the copies is one term with weight Σ a_i.
// Spike dictionaries repeat rows a lot (4096 × 9-step addition sequences: 36 864 rows, 12 926
// distinct), and each solve's cost grows with the rows.
struct merged_rows {
    bool merged = false;  // false: every row is distinct, and D, Y stay empty (use the originals)
    dictionary D;
    matrix Y;
    vec a;
    std::vector<Eigen::Index> group;  // the merged row of each original row
};

merged_rows merge_identical_rows(const dictionary& D, const matrix& Y, const vec& a) {
    const Eigen::Index n = D.rows();
    std::vector<std::uint64_t> hash(static_cast<std::size_t>(n), 0x9e3779b97f4a7c15ull);
    auto mix = [&](const auto& col) {
        for (Eigen::Index i = 0; i < n; ++i) {
            std::uint64_t bits;
            const double v = col[i] == 0.0 ? 0.0 : col[i];  // −0 and +0 are the same entry
            std::memcpy(&bits, &v, sizeof bits);
            auto& h = hash[static_cast<std::size_t>(i)];
            h = (h ^ bits) * 0x100000001b3ull + (h >> 29);
        }
    };
    for (Eigen::Index j = 0; j < D.cols(); ++j) mix(D.col(j));
    for (Eigen::Index c = 0; c < Y.cols(); ++c) mix(Y.col(c));
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
    std::sort(order.begin(), order.end(), [&](Eigen::Index x, Eigen::Index y) {
        const auto hx = hash[static_cast<std::size_t>(x)], hy = hash[static_cast<std::size_t>(y)];
        return hx != hy ? hx < hy : x < y;
    });
    // Within a run of equal hashes, rows are compared in full (a collision makes its own group);
    // the representative of a group is its first row in the original order.
    std::vector<Eigen::Index> rep(static_cast<std::size_t>(n));
    for (std::size_t k = 0; k < order.size();) {
        std::size_t end = k;
        while (end < order.size() && hash[static_cast<std::size_t>(order[end])] == hash[static_cast<std::size_t>(order[k])]) ++end;
        std::vector<Eigen::Index> reps;
        for (std::size_t q = k; q < end; ++q) {
            const Eigen::Index i = order[q];
            Eigen::Index found = -1;
            for (Eigen::Index r : reps)
                if (D.row(r) == D.row(i) && Y.row(r) == Y.row(i)) found = r;
            if (found < 0) reps.push_back(i), found = i;
            rep[static_cast<std::size_t>(i)] = found;
        }
        k = end;
    }
    merged_rows m;
    m.group.assign(static_cast<std::size_t>(n), -1);
    std::vector<Eigen::Index> first;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (rep[static_cast<std::size_t>(i)] == i) {
            m.group[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(first.size());
            first.push_back(i);
        }
    }
    const auto rows = static_cast<Eigen::Index>(first.size());
    if (rows == n) {  // nothing to merge: no copy of the dictionary
        m.a = a;
        return m;
    }
    m.merged = true;
    m.D.resize(rows, D.cols());
    m.Y.resize(rows, Y.cols());
    m.a = vec::Zero(rows);
    for (Eigen::Index g = 0; g < rows; ++g) m.D.row(g) = D.row(first[static_cast<std::size_t>(g)]), m.Y.row(g) = Y.row(first[static_cast<std::size_t>(g)]);
    for (Eigen::Index i = 0; i < n; ++i) {
        auto& g = m.group[static_cast<std::size_t>(i)];
        g = m.group[static_cast<std::size_t>(rep[static_cast<std::size_t>(i)])];
        m.a[g] += a[i];
    }
    return m;
}

}  // namespace

convex_solution solve_hinge(const convex_problem& pr, const convex_options& opt, const matrix* warm) {
    const auto& D = *pr.D;
    const Eigen::Index P = D.cols(), C = pr.Y.cols();
    convex_solution s;
    s.method = "interior-point LP with column generation";
    s.W = matrix::Zero(P, C);
    matrix U(D.rows(), C);
    // One-vs-rest separates into C binary problems, each with row weights a/C (snn_loss.hpp).
    const vec a = pr.a / static_cast<double>(C);
    const merged_rows m = merge_identical_rows(D, pr.Y, a);
    // Per-class gaps within (gap_tol/2)·max(1/C, p_c) add up to at most gap_tol·max(1, p).
    const double class_floor = 1.0 / static_cast<double>(C);
    const dictionary& Dm = m.merged ? m.D : D;
    const matrix& Ym = m.merged ? m.Y : pr.Y;
    for (Eigen::Index c = 0; c < C; ++c) {
        vec w, u;
        const vec y = Ym.col(c);
        vec warm_c;
        if (warm && warm->rows() == P && warm->cols() == C) warm_c = warm->col(c);
        solve_binary(Dm, y, m.a, pr.rho, 0.5 * opt.gap_tol, class_floor, warm_c.size() ? &warm_c : nullptr, w, u,
                     s.iterations);
        s.W.col(c) = w;
        // A merged row's dual value is shared among its copies in proportion to their weights, which
        // keeps 0 ≤ y_i u_i ≤ a_i and leaves Dᵀu unchanged.
        for (Eigen::Index i = 0; i < D.rows(); ++i) {
            const Eigen::Index g = m.group[static_cast<std::size_t>(i)];
            U(i, c) = m.a[g] > 0.0 ? u[g] * (a[i] / m.a[g]) : 0.0;
        }
    }
    s.primal = primal_value(pr, s.W);
    const matrix DtU = D.transpose() * U;
    certify(pr, opt, U, DtU, s);
    // An interior point leaves the weights that are zero at the optimum at O(μ) instead of 0: drop
    // the ones below a relative cut, the largest cut whose solution stays certified with at most
    // twice the gap (sparsity must not cost accuracy).
    const double w_max = s.W.cwiseAbs().maxCoeff();
    for (double rel : {1e-6, 1e-8, 1e-10}) {
        convex_solution sparse = s;
        sparse.W = (s.W.array().abs() > rel * w_max).select(s.W, 0.0);
        sparse.primal = primal_value(pr, sparse.W);
        certify(pr, opt, U, DtU, sparse);
        if (sparse.certified && sparse.gap <= 2.0 * std::max(s.gap, 1e-15)) return sparse;
    }
    return s;
}

}  // namespace einet::train::detail
