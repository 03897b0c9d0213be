#include "einet/train/snn_dictionary.hpp"

#include <map>

#include "einet/core/error.hpp"

namespace einet::train {

namespace {

// All readout rows (time-major) or the final-time rows of the witness's features.
dictionary feature_rows(const snn_params& witness, const snn_options& opt, supervision sup, const sequence_data& data) {
    snn_trace tr;
    snn_forward(witness, opt, data.x, data.steps, tr);
    if (sup == supervision::per_timestep) return tr.features;
    const Eigen::Index n = static_cast<Eigen::Index>(data.samples());
    return tr.features.bottomRows(n);
}

}  // namespace

spike_dictionary build_dictionary(const snn_params& witness, const snn_options& opt, supervision sup,
                                  const sequence_data& data, bool dedup) {
    data.validate("dictionary data");
    const dictionary F = feature_rows(witness, opt, sup, data);
    spike_dictionary out;
    std::map<std::vector<double>, std::size_t> seen;
    for (Eigen::Index j = 0; j < F.cols(); ++j) {
        std::vector<double> col(F.col(j).data(), F.col(j).data() + F.rows());
        const bool fresh = seen.emplace(std::move(col), static_cast<std::size_t>(j)).second;
        if (fresh || !dedup) out.neuron.push_back(static_cast<std::size_t>(j));
    }
    out.distinct_columns = seen.size();
    out.D.resize(F.rows(), static_cast<Eigen::Index>(out.neuron.size()));
    for (std::size_t q = 0; q < out.neuron.size(); ++q)
        out.D.col(static_cast<Eigen::Index>(q)) = F.col(static_cast<Eigen::Index>(out.neuron[q]));
    return out;
}

dictionary map_dictionary(const spike_dictionary& dict, const snn_params& witness, const snn_options& opt,
                          supervision sup, const sequence_data& data) {
    const dictionary F = feature_rows(witness, opt, sup, data);
    dictionary D(F.rows(), static_cast<Eigen::Index>(dict.neuron.size()));
    for (std::size_t q = 0; q < dict.neuron.size(); ++q)
        D.col(static_cast<Eigen::Index>(q)) = F.col(static_cast<Eigen::Index>(dict.neuron[q]));
    return D;
}

void set_readout(snn_params& witness, const spike_dictionary& dict, const matrix& W) {
    auto out = witness.readout();
    if (W.rows() != static_cast<Eigen::Index>(dict.neuron.size()) || W.cols() != out.cols())
        throw internal_error("set_readout: solution shape does not match the dictionary and the readout");
    out.setZero();
    for (std::size_t q = 0; q < dict.neuron.size(); ++q)
        out.row(static_cast<Eigen::Index>(dict.neuron[q])) = W.row(static_cast<Eigen::Index>(q));
}

}  // namespace einet::train
