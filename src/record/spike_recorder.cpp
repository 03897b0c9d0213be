#include "einet/record/spike_recorder.hpp"

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

void spike_recorder::close() {
    if (file_) file_->close();
}

analysis::spike_train_view spike_recorder::view(std::size_t pop) const {
    return {t_[pop].data(), id_[pop].data(), t_[pop].size(), sizes_[pop]};
}

}  // namespace einet::record
