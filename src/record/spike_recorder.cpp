#include "einet/record/spike_recorder.hpp"

#include <algorithm>

namespace einet::record {

spike_recorder::spike_recorder(const engine::spiking_engine& eng, const std::filesystem::path& file) {
    std::vector<std::string> names;
    for (const auto& p : eng.network().populations) {
        names.push_back(p.name);
        sizes_.push_back(p.n);
    }
    t_.resize(names.size());
    id_.resize(names.size());
    if (!file.empty()) file_ = std::make_unique<io::sonata_spike_writer>(file, names);
}

void spike_recorder::on_step(engine::spiking_engine& eng) {
    const double t = eng.time();
    for (std::size_t p = 0; p < t_.size(); ++p) {
        const auto& spikes = eng.spikes(p);  // ascending ids: the file stays sorted by (time, id)
        const std::size_t first = t_[p].size();
        for (auto i : spikes) {
            t_[p].push_back(t);
            id_[p].push_back(i);
        }
        if (file_ && !spikes.empty()) file_->append(p, t_[p].data() + first, id_[p].data() + first, spikes.size());
    }
}

void spike_recorder::flush() {
    if (file_) file_->flush();
}

void spike_recorder::close() {
    if (file_) file_->close();
}

analysis::spike_train_view spike_recorder::view(std::size_t pop) const {
    return {t_[pop].data(), id_[pop].data(), t_[pop].size(), sizes_[pop]};
}

std::vector<engine::state_array> spike_recorder::save_state() const {
    std::vector<engine::state_array> out;
    for (std::size_t p = 0; p < t_.size(); ++p) {
        out.push_back({"t." + std::to_string(p), t_[p]});
        out.push_back({"id." + std::to_string(p), std::vector<double>(id_[p].begin(), id_[p].end())});
    }
    return out;
}

void spike_recorder::restore_state(const std::vector<engine::state_array>& state) {
    std::vector<std::vector<double>> t(t_.size()), id(t_.size());
    std::vector<std::uint64_t> shared(t_.size());  // leading spikes the file already has
    for (std::size_t p = 0; p < t_.size(); ++p) {
        t[p] = find_state(state, "t." + std::to_string(p), "spike recorder");
        id[p] = find_state(state, "id." + std::to_string(p), "spike recorder", t[p].size());
        std::size_t k = 0;
        const std::size_t m = std::min(t[p].size(), t_[p].size());
        while (k < m && t[p][k] == t_[p][k] && static_cast<std::uint64_t>(id[p][k]) == id_[p][k]) ++k;
        shared[p] = file_ ? std::min<std::uint64_t>(k, file_->count(p)) : k;
    }
    if (file_) file_->truncate(shared);
    for (std::size_t p = 0; p < t_.size(); ++p) {
        t_[p] = std::move(t[p]);
        id_[p].assign(id[p].begin(), id[p].end());
        const std::size_t k = static_cast<std::size_t>(shared[p]);
        if (file_ && t_[p].size() > k) file_->append(p, t_[p].data() + k, id_[p].data() + k, t_[p].size() - k);
    }
}

}  // namespace einet::record
