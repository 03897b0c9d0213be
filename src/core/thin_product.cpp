#include "einet/core/thin_product.hpp"

#include <cmath>
#include <stdexcept>

namespace einet::linalg {
namespace {
using Index = Eigen::Index;
constexpr int tile_rows = 16;  // W × 16 accumulators stay in registers (AVX-512: 16 for W = 8)

// Rows [0, rows) of a tile starting at M, X, Y: acc(c, r) = Σ_j M(r, j) X(j, c), j ascending.
template <int W>
void tile(Index rows, Index k, const double* M, Index ldm, const double* X, Index ldx, double* Y, Index ldy) {
    double acc[W][tile_rows] = {};
    if (rows == tile_rows) {
        for (Index j = 0; j < k; ++j) {
            const double* m = M + j * ldm;
#pragma GCC unroll 8
            for (int c = 0; c < W; ++c) {
                const double x = X[c * ldx + j];
#pragma omp simd
                for (int r = 0; r < tile_rows; ++r) acc[c][r] = std::fma(m[r], x, acc[c][r]);
            }
        }
    } else {  // the same fused sequence per entry, for the last rows
        for (Index j = 0; j < k; ++j) {
            const double* m = M + j * ldm;
            for (int c = 0; c < W; ++c) {
                const double x = X[c * ldx + j];
                for (Index r = 0; r < rows; ++r) acc[c][r] = std::fma(m[r], x, acc[c][r]);
            }
        }
    }
    for (int c = 0; c < W; ++c)
        for (Index r = 0; r < rows; ++r) Y[c * ldy + r] += acc[c][r];
}

template <int W>
void columns(const Eigen::MatrixXd& M, const double* X, Index ldx, double* Y, Index ldy) {
    const Index n = M.rows(), k = M.cols();
    for (Index i0 = 0; i0 < n; i0 += tile_rows)
        tile<W>(std::min<Index>(tile_rows, n - i0), k, M.data() + i0, n, X, ldx, Y + i0, ldy);
}
}  // namespace

void add_thin_product(const Eigen::MatrixXd& M, const Eigen::Ref<const Eigen::MatrixXd>& X, Eigen::Ref<Eigen::MatrixXd> Y) {
    if (X.rows() != M.cols() || Y.rows() != M.rows() || Y.cols() != X.cols())
        throw std::invalid_argument("add_thin_product: shapes do not match");
    const Index ldx = X.outerStride(), ldy = Y.outerStride();
    Index c = 0;
    for (; c + 8 <= X.cols(); c += 8) columns<8>(M, X.data() + c * ldx, ldx, Y.data() + c * ldy, ldy);
    for (; c + 4 <= X.cols(); c += 4) columns<4>(M, X.data() + c * ldx, ldx, Y.data() + c * ldy, ldy);
    for (; c < X.cols(); ++c) columns<1>(M, X.data() + c * ldx, ldx, Y.data() + c * ldy, ldy);
}

}  // namespace einet::linalg
