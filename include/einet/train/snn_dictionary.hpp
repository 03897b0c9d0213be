#pragma once
// Spike dictionaries (spec §4.3) and the reconstructed network (spec §5.9). The witness is a
// network whose hidden weights are frozen (Gaussian, spec §4.1, or copied from an SG model,
// §4.2); its last LIF layer's readout variable over the data is the dictionary D, one column per
// final neuron (branch-major), one row per sequence (final time) or per (t, sequence) row
// (trajectory-stacked, time-major). The convex solution W is then the network's readout.
#include <cstddef>
#include <vector>

#include "einet/train/convex_solver.hpp"
#include "einet/train/snn_trainer.hpp"

namespace einet::train {

struct spike_dictionary {
    dictionary D;                      // [rows × kept columns]
    std::vector<std::size_t> neuron;   // final neuron (column of the full readout) of each kept column
    std::size_t distinct_columns = 0;  // number of distinct training columns (always recorded)
};

// Dictionary of `data` under the frozen witness. dedup keeps the first of identical columns.
spike_dictionary build_dictionary(const snn_params& witness, const snn_options& opt, supervision sup,
                                  const sequence_data& data, bool dedup = false);
// The same mapping (same witness, readout, bias and kept columns) applied to other data.
dictionary map_dictionary(const spike_dictionary& dict, const snn_params& witness, const snn_options& opt,
                          supervision sup, const sequence_data& data);

// Writes the convex solution W [kept columns × C] into the witness's readout (pruned neurons get 0).
void set_readout(snn_params& witness, const spike_dictionary& dict, const matrix& W);

}  // namespace einet::train
