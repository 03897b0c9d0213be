#pragma once
// Threshold-linear transfer function with saturation (paper 001 Methods Eq. 3):
//   f(x) = 0 for x < θ,  g (x − θ) for x ≥ θ;  the rate is then clipped at r_max (001 SI).
// Rates of rate models are in Hz; their drive x is in the same Hz-equivalent units as θ.
#include <algorithm>

namespace einet::neurons {

struct threshold_linear {
    double gain = 1.0;       // Hz per unit drive
    double threshold = 0.0;  // drive units
    double r_max = 1e300;    // Hz; saturation applied to the rate after each step

    double operator()(double x) const { return gain * std::max(x - threshold, 0.0); }
};

}  // namespace einet::neurons
