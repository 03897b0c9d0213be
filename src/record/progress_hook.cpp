#include "einet/record/progress_hook.hpp"

#include <cmath>
#include <cstdio>

namespace einet::record {

progress_hook::progress_hook(const engine::spiking_engine& eng, std::size_t total_steps, progress::mode mode,
                             double interval_s)
    : bar_("ms simulated", static_cast<std::size_t>(std::ceil(static_cast<double>(total_steps) * eng.dt())), mode,
           interval_s),
      start_step_(eng.step()),
      last_report_step_(eng.step()),
      spikes_(eng.network().populations.size(), 0) {}

std::size_t progress_hook::ms_done(const engine::spiking_engine& eng) const {
    return static_cast<std::size_t>(static_cast<double>(eng.step() - start_step_) * eng.dt());
}

void progress_hook::on_step(engine::spiking_engine& eng) {
    for (std::size_t p = 0; p < spikes_.size(); ++p) spikes_[p] += eng.spikes(p).size();
    if (bar_.due()) bar_.update(ms_done(eng), rates_since_last_report(eng));
}

void progress_hook::finish(const engine::spiking_engine& eng) { bar_.finish(ms_done(eng), rates_since_last_report(eng)); }

std::string progress_hook::rates_since_last_report(const engine::spiking_engine& eng) {
    const double seconds = static_cast<double>(eng.step() - last_report_step_) * eng.dt() * 1e-3;
    std::string out;
    for (std::size_t p = 0; p < spikes_.size(); ++p) {
        const auto& pop = eng.network().populations[p];
        const double hz = seconds > 0 ? static_cast<double>(spikes_[p]) / (static_cast<double>(pop.n) * seconds) : 0.0;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%s %.3g Hz", out.empty() ? "" : "  ", pop.name.c_str(), hz);
        out += buf;
        spikes_[p] = 0;
    }
    last_report_step_ = eng.step();
    return out;
}

}  // namespace einet::record
