#pragma once
// Butcher tableaus of the embedded pairs behind einet::ode::integrate (internal).
#include <vector>

namespace einet::ode::detail {

struct tableau {
    int stages = 0;                       // s explicit stages; stage s is f(y_new) (first-same-as-last)
    std::vector<std::vector<double>> a;   // a[i][j], j < i, i = 1..s−1 (a[0] empty)
    std::vector<double> b;                // s weights of the propagated solution
    std::vector<double> e;                // s + 1 weights of the error estimate
    std::vector<double> e3;               // DOP853 only: s + 1 weights of its third-order estimate
    double exponent = 0.0;                // step-size exponent −1/(q + 1), q the estimator's order
};

const tableau& dopri5();  // Dormand & Prince (1980), 5(4)
const tableau& dop853();  // Hairer, Nørsett & Wanner, Solving ODEs I, §II.10: 8(5,3)

// A Rosenbrock method in the transformed form of Hairer & Wanner's RODAS code (Solving ODEs II,
// 2nd ed. 1996, §IV.7): for i = 1..s
//   (1/(hγ) I − J) k_i = f(y + Σ_{j<i} a_ij k_j) + Σ_{j<i} (c_ij / h) k_j,
//   y_new = y + Σ m_i k_i,  error estimate Σ e_i k_i.
struct rosenbrock_tableau {
    int stages = 0;
    double gamma = 0.0;
    std::vector<std::vector<double>> a, c;  // a[i][j], c[i][j], j < i
    std::vector<double> m, e;
    double exponent = 0.0;                  // step-size exponent −1/q̂, q̂ = embedded order + 1
};

const rosenbrock_tableau& rodas3();  // Sandu et al., Atmos. Environ. 31 (1997) 3459: RODAS3, 3(2), L-stable
const rosenbrock_tableau& rodas4();  // Hairer & Wanner, Solving ODEs II (1996) §IV.7 / §VI.4, rodas.f: RODAS4, 4(3), L-stable

}  // namespace einet::ode::detail
