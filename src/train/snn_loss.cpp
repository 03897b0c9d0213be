#include "einet/train/snn_loss.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "einet/core/error.hpp"

namespace einet::train {

namespace {
const std::vector<std::pair<std::string, loss_kind>> loss_names{{"hinge", loss_kind::hinge},
                                                                 {"hinge_ovr", loss_kind::hinge_ovr},
                                                                 {"logistic", loss_kind::logistic},
                                                                 {"ce", loss_kind::ce},
                                                                 {"squared", loss_kind::squared}};

double xlogx(double x) { return x > 0.0 ? x * std::log(x) : 0.0; }
constexpr double dual_tol = 1e-9;  // relative slack accepted on a conjugate's domain
}  // namespace

loss_kind parse_loss(const std::string& name, const std::string& key) {
    for (const auto& [n, k] : loss_names)
        if (n == name) return k;
    throw config_error(key + ": expected hinge, hinge_ovr, logistic, ce or squared, got \"" + name + "\"");
}

std::string loss_name(loss_kind k) {
    for (const auto& [n, kk] : loss_names)
        if (kk == k) return n;
    return "?";
}

bool loss_is_smooth(loss_kind k) { return k == loss_kind::logistic || k == loss_kind::ce || k == loss_kind::squared; }

matrix targets_from_labels(loss_kind k, const std::vector<int>& labels, std::size_t classes) {
    const bool binary = k == loss_kind::hinge || k == loss_kind::logistic;
    const Eigen::Index C = binary ? 1 : static_cast<Eigen::Index>(classes);
    matrix Y(static_cast<Eigen::Index>(labels.size()), C);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        if (binary) {
            Y(r, 0) = labels[i] ? 1.0 : -1.0;
            continue;
        }
        const double off = k == loss_kind::hinge_ovr ? -1.0 : 0.0;
        for (Eigen::Index c = 0; c < C; ++c) Y(r, c) = labels[i] == c ? 1.0 : off;
    }
    return Y;
}

double loss_value(loss_kind k, const matrix& Z, const matrix& Y, const vector& a, matrix* G, matrix* H) {
    const Eigen::Index n = Z.rows(), C = Z.cols();
    if (G) G->setZero(n, C);
    if (H) H->setZero(n, C);
    double total = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double ai = a[i];
        double li = 0.0;
        switch (k) {
            case loss_kind::hinge:
            case loss_kind::hinge_ovr:
                for (Eigen::Index c = 0; c < C; ++c) {
                    const double m = 1.0 - Y(i, c) * Z(i, c);
                    if (m > 0.0) {
                        li += m / static_cast<double>(C);
                        if (G) (*G)(i, c) = -ai * Y(i, c) / static_cast<double>(C);
                    }
                }
                break;
            case loss_kind::logistic: {
                const double m = -Y(i, 0) * Z(i, 0);  // log(1 + e^m), stable
                li = m > 0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m));
                const double sig = 1.0 / (1.0 + std::exp(-m));  // σ(m) = probability of the wrong sign
                if (G) (*G)(i, 0) = -ai * Y(i, 0) * sig;
                if (H) (*H)(i, 0) = ai * sig * (1.0 - sig);
                break;
            }
            case loss_kind::ce: {
                const double zmax = Z.row(i).maxCoeff();
                double se = 0.0;
                for (Eigen::Index c = 0; c < C; ++c) se += std::exp(Z(i, c) - zmax);
                li = zmax + std::log(se);
                for (Eigen::Index c = 0; c < C; ++c) {
                    li -= Y(i, c) * Z(i, c);
                    const double pc = std::exp(Z(i, c) - zmax) / se;
                    if (G) (*G)(i, c) = ai * (pc - Y(i, c));
                    if (H) (*H)(i, c) = ai * pc * (1.0 - pc);
                }
                break;
            }
            case loss_kind::squared:
                for (Eigen::Index c = 0; c < C; ++c) {
                    const double r = Z(i, c) - Y(i, c);
                    li += r * r / static_cast<double>(C);
                    if (G) (*G)(i, c) = 2.0 * ai * r / static_cast<double>(C);
                    if (H) (*H)(i, c) = 2.0 * ai / static_cast<double>(C);
                }
                break;
        }
        total += ai * li;
    }
    return total;
}

double loss_dual_value(loss_kind k, const matrix& U, const matrix& Y, const vector& a) {
    const double ninf = -std::numeric_limits<double>::infinity();
    const Eigen::Index n = U.rows(), C = U.cols();
    double d = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double ai = a[i];
        if (ai <= 0.0) {
            if (U.row(i).cwiseAbs().maxCoeff() > 0.0) return ninf;
            continue;
        }
        switch (k) {
            case loss_kind::hinge:
            case loss_kind::hinge_ovr:
                // −ℓ*(−u) = y u on 0 ≤ y u ≤ a/C (spec §5.4)
                for (Eigen::Index c = 0; c < C; ++c) {
                    const double yu = Y(i, c) * U(i, c), cap = ai / static_cast<double>(C);
                    if (yu < -dual_tol * cap || yu > cap * (1.0 + dual_tol)) return ninf;
                    d += yu;
                }
                break;
            case loss_kind::logistic: {
                // p = y u / a ∈ [0, 1]; −ℓ*(−u) = a [h(p) + h(1 − p)], h(x) = −x log x
                const double p = Y(i, 0) * U(i, 0) / ai;
                if (p < -dual_tol || p > 1.0 + dual_tol) return ninf;
                const double pc = std::clamp(p, 0.0, 1.0);
                d -= ai * (xlogx(pc) + xlogx(1.0 - pc));
                break;
            }
            case loss_kind::ce:
                // π = y − u/a on the simplex; −ℓ*(−u) = a Σ_c h(π_c)
                for (Eigen::Index c = 0; c < C; ++c) {
                    const double pi = Y(i, c) - U(i, c) / ai;
                    if (pi < -dual_tol || pi > 1.0 + dual_tol) return ninf;
                    d -= ai * xlogx(std::clamp(pi, 0.0, 1.0));
                }
                if (std::abs(U.row(i).sum()) > dual_tol * ai) return ninf;
                break;
            case loss_kind::squared:
                // −ℓ*(−u) = u y − u² / (4 a/C)
                for (Eigen::Index c = 0; c < C; ++c) {
                    const double w = ai / static_cast<double>(C);
                    d += U(i, c) * Y(i, c) - U(i, c) * U(i, c) / (4.0 * w);
                }
                break;
        }
    }
    return d;
}

std::vector<int> predict_labels(const matrix& Z) {
    std::vector<int> out(static_cast<std::size_t>(Z.rows()));
    for (Eigen::Index i = 0; i < Z.rows(); ++i) {
        if (Z.cols() == 1) {
            out[static_cast<std::size_t>(i)] = Z(i, 0) >= 0.0 ? 1 : 0;
        } else {
            Eigen::Index c = 0;
            Z.row(i).maxCoeff(&c);
            out[static_cast<std::size_t>(i)] = static_cast<int>(c);
        }
    }
    return out;
}

}  // namespace einet::train
