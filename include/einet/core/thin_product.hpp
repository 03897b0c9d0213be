#pragma once
// Y += M · X for a dense column-major M (n × k) and a thin block X (k × w, a few columns), without
// the packing a general GEMM does on every call (for w ≤ 8 the packing of M costs as much as the
// product). Every entry of Y receives its k terms as fused multiply-adds in index order, so the
// result of one column does not depend on which other columns share the call: callers may group
// columns by thread and stay bit-identical for any thread count.
#include <Eigen/Dense>

namespace einet::linalg {

void add_thin_product(const Eigen::MatrixXd& M, const Eigen::Ref<const Eigen::MatrixXd>& X, Eigen::Ref<Eigen::MatrixXd> Y);

}  // namespace einet::linalg
