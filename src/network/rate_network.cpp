#include "einet/network/rate_network.hpp"

#include <limits>

#include "einet/core/error.hpp"

namespace einet::network {

std::size_t rate_network::find_population(const std::string& name) const {
    for (std::size_t p = 0; p < populations.size(); ++p) {
        if (populations[p].name == name) return p;
    }
    throw internal_error("no population named " + name);
}

std::size_t rate_network::find_projection(std::size_t post, std::size_t pre) const {
    for (std::size_t q = 0; q < projections.size(); ++q) {
        if (projections[q].post == post && projections[q].pre == pre) return q;
    }
    return std::numeric_limits<std::size_t>::max();
}

std::size_t rate_network::total_units() const {
    std::size_t n = 0;
    for (const auto& p : populations) n += p.n;
    return n;
}

bool rate_network::needs_general_step() const {
    if (!signals.empty()) return true;
    for (const auto& p : populations) {
        if (p.general()) return true;
    }
    return false;
}

rate_network wilson_cowan_two_population() {
    rate_network net;
    // 001 SI Table 1: τ_E = 10 ms, τ_I = 2 ms, θ_E = 4.8, θ_I = 25, g_E = 1, g_I = 4,
    // saturation 100 Hz (E) and 250 Hz (I).
    net.populations.push_back({"E", 1, true, 10.0, {1.0, 4.8, 100.0}});
    net.populations.push_back({"I", 1, false, 2.0, {4.0, 25.0, 250.0}});
    net.projections.push_back({0, 0, true, "EE"});
    net.projections.push_back({0, 1, true, "EI"});
    net.projections.push_back({1, 0, true, "IE"});
    net.projections.push_back({1, 1, true, "II"});
    net.noise = {1.0, 10.0, false};  // 001 Methods: OU, τ = 1 ms, σ = 10 s^-1/2
    net.dt = 0.1;
    return net;
}

}  // namespace einet::network
