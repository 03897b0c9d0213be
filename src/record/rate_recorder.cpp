#include "einet/record/rate_recorder.hpp"

#include <cstdio>

namespace einet::record {

rate_recorder::rate_recorder(const engine::spiking_engine& eng, std::size_t bin_steps, std::size_t expected_steps)
    : dt_(eng.dt()), bins_(bin_steps, eng.step(), "rate recorder") {
    for (const auto& p : eng.network().populations) {
        names_.push_back(p.name);
        sizes_.push_back(p.n);
    }
    counts_.resize(names_.size());
    if (expected_steps > 0)
        for (auto& c : counts_) c.reserve(expected_steps / bin_steps + 1);
}

void rate_recorder::on_step(engine::spiking_engine& eng) {
    const std::size_t b = bins_.enter(eng.step());
    for (std::size_t p = 0; p < counts_.size(); ++p) {
        if (counts_[p].size() <= b) counts_[p].resize(b + 1, 0);
        counts_[p][b] += eng.spikes(p).size();
    }
}

std::vector<double> rate_recorder::rate_hz(std::size_t pop) const {
    const double per_count = 1000.0 / (bin_ms() * static_cast<double>(sizes_[pop]));  // ms → Hz
    std::vector<double> r(complete_bins());
    for (std::size_t b = 0; b < r.size(); ++b) r[b] = static_cast<double>(counts_[pop][b]) * per_count;
    return r;
}

std::vector<recorded_array> rate_recorder::arrays() const {
    const std::size_t m = complete_bins();
    std::vector<recorded_array> out;
    char what[128];
    std::snprintf(what, sizeof what, "start of each rate bin; a bin holds the spikes stamped in (t, t + %.10g ms]", bin_ms());
    out.push_back({{"rate_t", {m}, "bin", "ms", what}, bins_.start_times_ms(dt_)});
    for (std::size_t p = 0; p < names_.size(); ++p) {
        out.push_back({{"rate_" + names_[p], {m}, "bin", "Hz", "mean rate per neuron of population " + names_[p]},
                       rate_hz(p)});
        out.push_back({{"rate_" + names_[p] + "_count", {m}, "bin", "", "spikes of population " + names_[p] + " per bin"},
                       std::vector<double>(counts_[p].begin(), counts_[p].begin() + static_cast<std::ptrdiff_t>(m))});
    }
    return out;
}

std::vector<engine::state_array> rate_recorder::save_state() const {
    auto out = bins_.save_state("bins.");
    for (std::size_t p = 0; p < names_.size(); ++p)
        out.push_back({"count." + std::to_string(p), std::vector<double>(counts_[p].begin(), counts_[p].end())});
    return out;
}

void rate_recorder::restore_state(const std::vector<engine::state_array>& state) {
    bins_.restore_state(state, "bins.", "rate recorder");
    for (std::size_t p = 0; p < names_.size(); ++p) {
        const auto& c = find_state(state, "count." + std::to_string(p), "rate recorder");
        counts_[p].assign(c.begin(), c.end());
    }
}

}  // namespace einet::record
