#pragma once
// A low-rank population from its per-neuron vectors, for the paper-000 unit tests.
#include <string>
#include <utility>
#include <vector>

#include "einet/lowrank/model.hpp"

namespace einet::test {

inline lowrank::population_spec lowrank_population(std::string name, bool exc, std::vector<double> F,
                                                   std::vector<double> E_self, std::vector<double> E_cross,
                                                   std::vector<double> T, std::vector<double> D) {
    lowrank::population_spec p;
    p.name = std::move(name);
    p.excitatory = exc;
    p.F = std::move(F);
    p.E_self = std::move(E_self);
    p.E_cross = std::move(E_cross);
    p.T = std::move(T);
    p.D = std::move(D);
    return p;
}

}  // namespace einet::test
