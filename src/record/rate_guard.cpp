#include "einet/record/rate_guard.hpp"

#include <cmath>
#include <cstdio>

#include "einet/core/error.hpp"

namespace einet::record {

rate_guard::rate_guard(const engine::spiking_engine& eng, double limit_hz, double window_ms, std::string limit_key)
    : limit_hz_(limit_hz), dt_(eng.dt()), limit_key_(std::move(limit_key)) {
    if (!(limit_hz > 0)) throw config_error("rate guard: the limit must be a positive rate (Hz)");
    if (!(window_ms >= eng.dt())) throw config_error("rate guard: the window must be at least one step (dt)");
    window_ = static_cast<std::size_t>(std::llround(window_ms / dt_));
    for (const auto& p : eng.network().populations) {
        population q;
        q.n = p.n;
        q.limit_per_step = limit_hz_ * 1e-3 * dt_ * static_cast<double>(p.n);
        q.counts.assign(window_, 0);
        q.excess_from = eng.step() + 1;
        pops_.push_back(std::move(q));
    }
}

void rate_guard::on_step(engine::spiking_engine& eng) {
    const std::uint64_t s = eng.step();
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        auto& q = pops_[p];
        const auto c = static_cast<std::uint32_t>(eng.spikes(p).size());
        q.in_window += c;
        q.in_window -= q.counts[slot_];
        q.counts[slot_] = c;
        if (q.excess == 0) q.excess_from = s;
        q.excess = std::max(0.0, q.excess + static_cast<double>(c) - q.limit_per_step);
    }
    slot_ = (slot_ + 1) % window_;
    if (seen_ < window_) ++seen_;
    if (seen_ < window_) return;
    for (std::size_t p = 0; p < pops_.size(); ++p)
        if (static_cast<double>(pops_[p].in_window) > pops_[p].limit_per_step * static_cast<double>(window_)) fail(eng, p);
}

void rate_guard::fail(const engine::spiking_engine& eng, std::size_t p) const {
    const auto& q = pops_[p];
    const double window_ms = static_cast<double>(window_) * dt_;
    const double rate = static_cast<double>(q.in_window) * 1000.0 / (static_cast<double>(q.n) * window_ms);
    char msg[512];
    std::snprintf(msg, sizeof msg,
                  "runaway activity: population %s fired at %.6g Hz per neuron over the %.6g ms up to t = %.10g ms, "
                  "above the limit of %.6g Hz%s; the excess began at t = %.10g ms",
                  eng.network().populations[p].name.c_str(), rate, window_ms, eng.time(), limit_hz_,
                  limit_key_.empty() ? "" : (" (" + limit_key_ + ")").c_str(),
                  static_cast<double>(q.excess_from) * dt_);
    throw numerical_error(msg);
}

std::vector<engine::state_array> rate_guard::save_state() const {
    std::vector<engine::state_array> out{{"window", {static_cast<double>(window_), static_cast<double>(seen_),
                                                     static_cast<double>(slot_)}}};
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        const auto& q = pops_[p];
        out.push_back({"counts." + std::to_string(p), std::vector<double>(q.counts.begin(), q.counts.end())});
        out.push_back({"excess." + std::to_string(p), {q.excess, static_cast<double>(q.excess_from)}});
    }
    return out;
}

void rate_guard::restore_state(const std::vector<engine::state_array>& state) {
    const auto& w = find_state(state, "window", "rate guard", 3);
    if (w[0] != static_cast<double>(window_))
        throw config_error("checkpoint: the rate guard was saved with a window of " +
                           std::to_string(static_cast<std::uint64_t>(w[0])) + " steps, this one has " +
                           std::to_string(window_));
    seen_ = static_cast<std::size_t>(w[1]);
    slot_ = static_cast<std::size_t>(w[2]);
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        auto& q = pops_[p];
        const auto& c = find_state(state, "counts." + std::to_string(p), "rate guard", window_);
        const auto& e = find_state(state, "excess." + std::to_string(p), "rate guard", 2);
        q.in_window = 0;
        for (std::size_t k = 0; k < window_; ++k) {
            q.counts[k] = static_cast<std::uint32_t>(c[k]);
            q.in_window += q.counts[k];
        }
        q.excess = e[0];
        q.excess_from = static_cast<std::uint64_t>(e[1]);
    }
}

}  // namespace einet::record
