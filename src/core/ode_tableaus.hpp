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

}  // namespace einet::ode::detail
