#include "einet/record/ei_current_recorder.hpp"

#include "einet/core/error.hpp"

namespace einet::record {

std::vector<std::vector<receptor_sign>> receptor_signs(const network::spiking_network& net) {
    std::vector<std::vector<receptor_sign>> signs(net.populations.size());
    for (std::size_t p = 0; p < net.populations.size(); ++p) signs[p].assign(net.populations[p].receptors.size(), receptor_sign::none);
    const auto feed = [&](std::size_t p, std::size_t r, bool excitatory) {
        const auto s = excitatory ? receptor_sign::excitatory : receptor_sign::inhibitory;
        auto& current = signs.at(p).at(r);
        if (current != receptor_sign::none && current != s)
            throw config_error("E/I current recorder: receptor " + net.populations[p].receptors[r].name + " of population " +
                               net.populations[p].name +
                               " receives both excitatory and inhibitory input, so its current is neither E nor I "
                               "(give each sign its own receptor)");
        current = s;
    };
    for (const auto& pr : net.projections) feed(pr.post, pr.receptor, net.populations[pr.pre].excitatory);
    for (const auto& in : net.inputs.poisson)
        if (in.weight != 0) feed(in.population, in.receptor, in.weight > 0);
    for (const auto& in : net.inputs.spikes)
        if (in.weight != 0) feed(in.population, in.receptor, in.weight > 0);
    for (std::size_t p = 0; p < net.populations.size(); ++p)
        for (std::size_t r = 0; r < signs[p].size(); ++r)
            if (net.populations[p].receptors[r].kind == network::kinetics::delta) signs[p][r] = receptor_sign::none;
    return signs;
}

ei_current_recorder::ei_current_recorder(const engine::spiking_engine& eng, std::size_t bin_steps,
                                         std::size_t expected_steps)
    : dt_(eng.dt()), bins_(bin_steps, eng.step(), "E/I current recorder"), signs_(receptor_signs(eng.network())) {
    for (const auto& p : eng.network().populations) names_.push_back(p.name);
    e_sum_.resize(names_.size());
    i_sum_.resize(names_.size());
    if (expected_steps > 0) {
        for (std::size_t p = 0; p < names_.size(); ++p) {
            e_sum_[p].reserve(expected_steps / bin_steps + 1);
            i_sum_[p].reserve(expected_steps / bin_steps + 1);
        }
    }
}

void ei_current_recorder::on_step(engine::spiking_engine& eng) {
    const std::size_t b = bins_.enter(eng.step());
    for (std::size_t p = 0; p < names_.size(); ++p) {
        const std::size_t n = eng.network().populations[p].n;
        double e = 0, i = 0;
        for (std::size_t r = 0; r < signs_[p].size(); ++r) {
            if (signs_[p][r] == receptor_sign::none) continue;
            const double* x = eng.receptor_current(p, r);
            if (!x) throw internal_error("E/I current recorder: no current for receptor " + std::to_string(r) + " of " + names_[p]);
            double sum = 0;
            for (std::size_t k = 0; k < n; ++k) sum += x[k];
            (signs_[p][r] == receptor_sign::excitatory ? e : i) += sum;
        }
        if (e_sum_[p].size() <= b) {
            e_sum_[p].resize(b + 1, 0.0);
            i_sum_[p].resize(b + 1, 0.0);
        }
        e_sum_[p][b] += e / static_cast<double>(n);
        i_sum_[p][b] += i / static_cast<double>(n);
    }
}

std::vector<double> ei_current_recorder::bin_means(const std::vector<double>& sums) const {
    std::vector<double> m(complete_bins());
    for (std::size_t b = 0; b < m.size(); ++b) m[b] = sums[b] / static_cast<double>(bins_.steps_per_bin());
    return m;
}

std::vector<recorded_array> ei_current_recorder::arrays() const {
    const std::size_t m = complete_bins();
    std::vector<recorded_array> out;
    out.push_back({{"current_t", {m}, "bin", "ms", "start of each current bin (the bin averages the steps ending in (t, t + bin])"},
                   bins_.start_times_ms(dt_)});
    for (std::size_t p = 0; p < names_.size(); ++p) {
        out.push_back({{"current_" + names_[p] + "_E", {m}, "bin", "pA",
                        "population-mean excitatory receptor current of " + names_[p]},
                       excitatory(p)});
        out.push_back({{"current_" + names_[p] + "_I", {m}, "bin", "pA",
                        "population-mean inhibitory receptor current of " + names_[p] + " (negative)"},
                       inhibitory(p)});
    }
    return out;
}

std::vector<engine::state_array> ei_current_recorder::save_state() const {
    auto out = bins_.save_state("bins.");
    for (std::size_t p = 0; p < names_.size(); ++p) {
        out.push_back({"E." + std::to_string(p), e_sum_[p]});
        out.push_back({"I." + std::to_string(p), i_sum_[p]});
    }
    return out;
}

void ei_current_recorder::restore_state(const std::vector<engine::state_array>& state) {
    bins_.restore_state(state, "bins.", "E/I current recorder");
    for (std::size_t p = 0; p < names_.size(); ++p) {
        e_sum_[p] = find_state(state, "E." + std::to_string(p), "E/I current recorder");
        i_sum_[p] = find_state(state, "I." + std::to_string(p), "E/I current recorder", e_sum_[p].size());
    }
}

}  // namespace einet::record
