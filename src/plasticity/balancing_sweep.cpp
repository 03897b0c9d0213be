#include "balancing_sweep.hpp"

#include "einet/core/jacobi_pcg.hpp"

#include <algorithm>
#include <cmath>

namespace einet::plasticity::detail {
namespace {
// Spread of p·h beyond which the factorised form could overflow; then costs are formed entrywise.
constexpr double factorised_limit = 600.0;

Eigen::MatrixXd costs_entrywise(const cost_matrix& c0, const Eigen::VectorXd& h, double p) {
    Eigen::MatrixXd c(c0.rows(), c0.cols());
    for (Eigen::Index j = 0; j < c0.cols(); ++j)
        for (Eigen::Index i = 0; i < c0.rows(); ++i)
            c(i, j) = c0(i, j) == 0.0 ? 0.0 : c0(i, j) * std::exp(p * (h(j) - h(i)));
    return c;
}

// C⁰b and C⁰ᵀa in one sweep over the column-major matrix, in fixed tiles: blocks of rows times
// panels of columns. Tile (k, c) adds its rows of C⁰b over its columns (each entry fused in column
// order) into the row partials of panel c, and its partial column sums of C⁰ᵀa into the column
// partials of block k; partials are added in block / panel order. Tiles never depend on the thread
// count, so neither do the bits. Each block's slices of a and C⁰b (4 KB each) stay in L1 while C⁰
// streams through once; 512 rows amortise the horizontal sums of the C⁰ᵀa partials (1.4× faster per
// sweep than 128 rows at N = 2048 in an A/B run under load). A matrix of one row block is split
// into two column panels, so that two threads share it too.
constexpr Eigen::Index sweep_rows = 512;

struct tiling {
    Eigen::Index blocks, panels, split;  // split: the first column of panel 1 (a multiple of 4)
    explicit tiling(Eigen::Index n)
        : blocks((n + sweep_rows - 1) / sweep_rows), panels(blocks == 1 && n >= 64 ? 2 : 1), split(panels == 2 ? n / 8 * 4 : n) {}
    Eigen::Index tiles() const { return blocks * panels; }
};

// Tile rows [r0, r0 + rows) × columns [j0, j1): in[r] = Σ_j C⁰_rj b_j, out_part[j] = Σ_r a_r C⁰_rj.
void tile_sweep(const double* c0, Eigen::Index stride, Eigen::Index r0, Eigen::Index rows, Eigen::Index j0, Eigen::Index j1,
                const double* a, const double* b, double* in, double* out_part) {
    const double* ar = a + r0;
    double* inr = in + r0;
    for (Eigen::Index r = 0; r < rows; ++r) inr[r] = 0.0;
    Eigen::Index j = j0;
    for (; j + 4 <= j1; j += 4) {  // four columns per pass over the tile's slice of C⁰b
        const double *k0 = c0 + j * stride + r0, *k1 = k0 + stride, *k2 = k1 + stride, *k3 = k2 + stride;
        const double b0 = b[j], b1 = b[j + 1], b2 = b[j + 2], b3 = b[j + 3];
        double d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0;
#pragma omp simd reduction(+ : d0, d1, d2, d3)
        for (Eigen::Index r = 0; r < rows; ++r) {
            // each entry loaded once: the store to inr may alias C⁰ for the compiler, which otherwise
            // loads every entry again for the column sums (twice the loads per entry)
            const double v0 = k0[r], v1 = k1[r], v2 = k2[r], v3 = k3[r], w = ar[r];
            inr[r] = std::fma(b3, v3, std::fma(b2, v2, std::fma(b1, v1, std::fma(b0, v0, inr[r]))));
            d0 += w * v0;
            d1 += w * v1;
            d2 += w * v2;
            d3 += w * v3;
        }
        out_part[j] = d0;
        out_part[j + 1] = d1;
        out_part[j + 2] = d2;
        out_part[j + 3] = d3;
    }
    for (; j < j1; ++j) {
        const double* k0 = c0 + j * stride + r0;
        double d0 = 0.0;
#pragma omp simd reduction(+ : d0)
        for (Eigen::Index r = 0; r < rows; ++r) {
            inr[r] = std::fma(b[j], k0[r], inr[r]);
            d0 += ar[r] * k0[r];
        }
        out_part[j] = d0;
    }
}

// The largest team a sweep can use: one thread per tile, from `from` rows on. A helper team hands
// tiles over in well under a microsecond and never waits for a sleeping helper, which pays from
// N = 256 (≈ 7 µs per sweep on one core); an OpenMP fork and join waits for every thread, which
// pays only for longer sweeps (N = 512, and a busy machine can stall it for milliseconds).
int useful_team(Eigen::Index n, Eigen::Index from) { return n >= from ? static_cast<int>(tiling(n).tiles()) : 1; }

// in = C⁰b, out = C⁰ᵀa on `threads` OpenMP threads, or on `team` when given; `parts` is the
// caller's workspace (n × (blocks + panels)).
void sweep(const double* c0, Eigen::Index n, Eigen::Index stride, const Eigen::VectorXd& a, const Eigen::VectorXd& b,
           Eigen::VectorXd& in, Eigen::VectorXd& out, int threads, sweep_team* team, Eigen::MatrixXd& parts) {
    const tiling t(n);
    parts.resize(n, t.blocks + t.panels);  // columns: the blocks' column partials, then the panels' row partials
    in.resize(n);
    out.resize(n);
    // One row block writes C⁰b straight into `in`; two panels write their row partials.
    double* const row_target = t.panels == 1 ? in.data() : nullptr;
    auto tile = [&](Eigen::Index k) {
        const Eigen::Index block = k / t.panels, panel = k % t.panels, r0 = block * sweep_rows;
        const Eigen::Index j0 = panel == 0 ? 0 : t.split, j1 = panel + 1 == t.panels ? n : t.split;
        double* rows_out = row_target ? row_target : parts.col(t.blocks + panel).data();
        tile_sweep(c0, stride, r0, std::min(sweep_rows, n - r0), j0, j1, a.data(), b.data(), rows_out, parts.col(block).data());
    };
    if (team && useful_team(n, 256) > 1) {
        team->run(static_cast<std::uint32_t>(t.tiles()), [&](std::uint32_t k) { tile(static_cast<Eigen::Index>(k)); });
    } else {
        const int omp_team = std::max(1, std::min(threads, useful_team(n, 512)));
#pragma omp parallel for num_threads(omp_team) schedule(static) if (omp_team > 1)
        for (Eigen::Index k = 0; k < t.tiles(); ++k) tile(k);
    }
    if (t.panels == 2) {
        in = parts.col(t.blocks) + parts.col(t.blocks + 1);
        out = parts.col(0);  // one block: complete column sums, each panel wrote its own columns
    } else {
        out = parts.col(0);
        for (Eigen::Index k = 1; k < t.blocks; ++k) out += parts.col(k);
    }
}
}  // namespace

cost_view::cost_view(const cost_matrix& c0, const Eigen::VectorXd& h, double p, int threads, std::shared_ptr<sweep_team> team)
    : c0_(c0.data()), n_(c0.rows()), stride_(c0.outerStride()), p_(p), threads_(threads), team_(std::move(team)) {
    update(h);
}

void cost_view::run_sweep(const Eigen::VectorXd& a, const Eigen::VectorXd& b, Eigen::VectorXd& in, Eigen::VectorXd& out) const {
    sweep(c0_, n_, stride_, a, b, in, out, threads_, team_.get(), parts_);
}

void cost_view::update(const Eigen::VectorXd& h) {
    if (p_ * (h.maxCoeff() - h.minCoeff()) > factorised_limit) {
        const cost_matrix c0(Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>(c0_, n_, n_, Eigen::OuterStride<>(stride_)));
        formed_ = costs_entrywise(c0, h, p_);
        incoming = formed_.rowwise().sum();
        outgoing = formed_.colwise().sum().transpose();
    } else {
        formed_.resize(0, 0);
        const double mean = h.mean();  // C is invariant under h → h + s·1
        a_ = (-p_ * (h.array() - mean)).exp().matrix();
        b_ = (p_ * (h.array() - mean)).exp().matrix();
        run_sweep(a_, b_, incoming, outgoing);
        incoming.array() *= a_.array();   // a ⊙ C⁰b: incoming cost of each neuron
        outgoing.array() *= b_.array();   // b ⊙ C⁰ᵀa: outgoing cost
    }
    cost = incoming.sum();
}

void cost_view::apply(const Eigen::VectorXd& x, const Eigen::VectorXd& y, Eigen::VectorXd& cx, Eigen::VectorXd& cty) const {
    if (formed_.size() > 0) {
        cx = formed_ * x;
        cty = formed_.transpose() * y;
        return;
    }
    // c x = a ⊙ C⁰(b ⊙ x), cᵀy = b ⊙ C⁰ᵀ(a ⊙ y)
    ay_ = a_.cwiseProduct(y);
    bx_ = b_.cwiseProduct(x);
    run_sweep(ay_, bx_, cx, cty);
    cx.array() *= a_.array();
    cty.array() *= b_.array();
}

Eigen::VectorXd laplacian_solve(const cost_view& view, double shift, double weight, const Eigen::VectorXd& diag,
                                const Eigen::VectorXd& rhs, double target, Eigen::Index max_iter, long& products) {
    const Eigen::VectorXd degree = view.incoming + view.outgoing;  // Σ_k c̄_ik, diagonal included (it cancels)
    Eigen::VectorXd cq, ctq;
    auto apply = [&](const Eigen::VectorXd& q, Eigen::VectorXd& Aq) {
        view.apply(q, q, cq, ctq);
        Aq = shift * q + weight * (degree.cwiseProduct(q) - cq - ctq);  // Eq. 36 applied to q
    };
    // A direction without curvature is q ∝ 1 at shift 0 (or rounding): nothing left to gain.
    core::pcg_rule rule;
    rule.target = target;
    rule.max_products = static_cast<std::size_t>(std::max<Eigen::Index>(max_iter, 0));
    const core::pcg_result solved = core::jacobi_pcg(apply, diag, rhs, rule);
    products += static_cast<long>(solved.products);
    return solved.x.array() - solved.x.mean();  // Σh = 0 (Eq. 22)
}

}  // namespace einet::plasticity::detail
