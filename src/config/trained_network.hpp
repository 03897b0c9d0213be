#pragma once
// A trained spiking network saved so that a later run starts from it without retraining (study
// "spiking_training", training.save_network): the connectivity, weights and delays of every
// projection as from_file .npy arrays (arrays/trained_projection<q>_{sources,targets,weights,delays})
// and <run>/trained_network.toml, the run's resolved configuration with every projection switched
// to those files and training.trials = 0, so `einet run <run>/trained_network.toml` runs only the
// analyses (the Fig. 7I paradoxical test) on exactly the trained weights.
#include "einet/config/config.hpp"
#include "einet/io/run_directory.hpp"
#include "einet/network/spiking_network.hpp"

namespace einet::config {

inline constexpr const char* trained_network_file = "trained_network.toml";

void write_trained_network(const resolved_config& cfg, const network::spiking_network& net, io::run_directory& dir);

}  // namespace einet::config
