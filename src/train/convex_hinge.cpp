// Binary and one-vs-rest hinge (spec §5.4): the LP
//   min ρ 1ᵀ(w⁺ + w⁻) + aᵀξ   s.t.  y_i d_iᵀ(w⁺ − w⁻) + ξ_i ≥ 1,  w±, ξ ≥ 0
// whose dual is max Σ y_i u_i, 0 ≤ y_i u_i ≤ a_i, |Dᵀu| ≤ ρ. Solved by a Mehrotra
// predictor–corrector interior point on a working set of columns; columns whose dual constraint
// |d_jᵀu| ≤ ρ is violated are added until none is (column generation). The normal equations
// B E Bᵀ + Δ (n × n) are solved through the working-set system E⁻¹ + BᵀΔ⁻¹B when that is smaller.
#include <algorithm>
#include <cmath>

#include "convex_internal.hpp"

namespace einet::train::detail {

namespace {

using colmat = Eigen::MatrixXd;
using vec = Eigen::VectorXd;

struct lp_solution {
    vec w, lambda;
    std::size_t iterations = 0;
};

// Standard form min cᵀx, Ax = 1, x ≥ 0 with x = (w⁺, w⁻, ξ, s), A = [B, −B, I, −I], B = diag(y) D_ws.
class hinge_lp {
public:
    hinge_lp(const colmat& B, const vec& a, double rho) : B_(B), a_(a), rho_(rho), m_(B.cols()), n_(B.rows()) {}

    lp_solution solve() {
        const Eigen::Index N = 2 * m_ + 2 * n_;
        vec c(N);
        c << vec::Constant(2 * m_, rho_), a_, vec::Zero(n_);
        vec x = vec::Ones(N), z = vec::Ones(N), lam = vec::Zero(n_);
        const vec b = vec::Ones(n_);
        lp_solution out;
        // The reduced normal equations lose accuracy once μ is tiny; the iterate with the smallest
        // residuals is kept, and the loop stops when they no longer improve.
        vec best_x = x, best_lam = lam;
        double best_err = 1e300;
        int stalled = 0;
        for (out.iterations = 0; out.iterations < 200; ++out.iterations) {
            const vec rp = b - A(x), rd = c - At(lam) - z;
            const double mu = x.dot(z) / static_cast<double>(N);
            const double pobj = c.dot(x), dobj = b.dot(lam);
            const double err = std::max({rp.norm() / (1.0 + b.norm()), rd.norm() / (1.0 + c.norm()),
                                         std::abs(pobj - dobj) / (1.0 + std::abs(pobj))});
            if (!(err < best_err)) {
                if (++stalled >= 3 || !std::isfinite(err)) break;
            } else {
                best_err = err, best_x = x, best_lam = lam, stalled = 0;
            }
            if (err < 1e-10) break;
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
        woodbury_ = m_ < n_;
        if (woodbury_) {
            const colmat Bs = Delta_.cwiseInverse().cwiseSqrt().asDiagonal() * B_;
            colmat S = Bs.transpose() * Bs;
            S.diagonal() += E_.cwiseInverse();
            llt_.compute(S);
        } else {
            const colmat Bs = B_ * E_.cwiseSqrt().asDiagonal();
            colmat M = Bs * Bs.transpose();
            M.diagonal() += Delta_;
            llt_.compute(M);
        }
    }
    vec apply_m(const vec& v) const { return B_ * E_.cwiseProduct(B_.transpose() * v) + Delta_.cwiseProduct(v); }
    vec solve_once(const vec& r) const {
        if (!woodbury_) return llt_.solve(r);
        const vec v = r.cwiseQuotient(Delta_);
        return v - (B_ * llt_.solve(B_.transpose() * v)).cwiseQuotient(Delta_);
    }
    vec solve_m(const vec& r) const {
        vec out = solve_once(r);
        double res_norm = 1e300;
        for (int k = 0; k < 20; ++k) {  // iterative refinement against the exact product M v
            const vec res = r - apply_m(out);
            const double rn = res.norm();
            if (!(rn < 0.5 * res_norm) || rn <= 1e-15 * r.norm()) break;
            res_norm = rn;
            out += solve_once(res);
        }
        return out;
    }
    void newton(const vec& x, const vec& z, const vec& rp, const vec& rd, const vec& rc, vec& dx, vec& dl,
                vec& dz) const {
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
    Eigen::LLT<colmat> llt_;
};

// One binary hinge problem (targets y = ±1, weights a) over all columns of D by column generation.
void solve_binary(const dictionary& D, const vec& y, const vec& a, double rho, const vec* warm, vec& w, vec& u,
                  std::size_t& iterations) {
    const Eigen::Index P = D.cols(), n = D.rows();
    std::vector<char> in_ws(static_cast<std::size_t>(P), 0);
    std::vector<Eigen::Index> ws;
    if (warm)
        for (Eigen::Index j = 0; j < P; ++j)
            if ((*warm)[j] != 0.0) in_ws[j] = 1, ws.push_back(j);
    vec corr = D.transpose() * y.cwiseProduct(a);  // |d_jᵀu| at the dual point of w = 0
    auto add_violators = [&](std::size_t limit) {
        std::vector<std::pair<double, Eigen::Index>> v;
        for (Eigen::Index j = 0; j < P; ++j)
            if (!in_ws[j] && std::abs(corr[j]) > rho * (1.0 + 1e-10)) v.emplace_back(-std::abs(corr[j]), j);
        const std::size_t take = std::min(limit, v.size());
        std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(take), v.end());
        for (std::size_t i = 0; i < take; ++i) in_ws[v[i].second] = 1, ws.push_back(v[i].second);
        return take;
    };
    add_violators(std::max<std::size_t>(64, ws.size()));
    w = vec::Zero(P);
    u = y.cwiseProduct(a);
    if (ws.empty()) return;  // ρ ≥ ρ_max: w = 0 is optimal
    for (int round = 0; round < 200; ++round) {
        colmat B(n, static_cast<Eigen::Index>(ws.size()));
        for (std::size_t q = 0; q < ws.size(); ++q) B.col(static_cast<Eigen::Index>(q)) = y.cwiseProduct(D.col(ws[q]));
        const auto lp = hinge_lp(B, a, rho).solve();
        iterations += lp.iterations;
        w.setZero();
        for (std::size_t q = 0; q < ws.size(); ++q) w[ws[q]] = lp.w[static_cast<Eigen::Index>(q)];
        u = y.cwiseProduct(lp.lambda.cwiseMax(0.0).cwiseMin(a));
        corr = D.transpose() * u;
        if (add_violators(std::max<std::size_t>(32, ws.size() / 2)) == 0) return;
    }
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
    for (Eigen::Index c = 0; c < C; ++c) {
        vec w, u;
        const vec y = pr.Y.col(c);
        vec warm_c;
        if (warm && warm->rows() == P && warm->cols() == C) warm_c = warm->col(c);
        solve_binary(D, y, a, pr.rho, warm_c.size() ? &warm_c : nullptr, w, u, s.iterations);
        s.W.col(c) = w;
        U.col(c) = u;
    }
    s.primal = primal_value(pr, s.W);
    certify(pr, opt, U, D.transpose() * U, s);
    return s;
}

}  // namespace einet::train::detail
