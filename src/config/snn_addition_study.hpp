#pragma once
// The addition-with-carry protocol of paper 002 (spec §7.3–7.4) inside study "snn_convex"
// (task.kind = "addition"): per (K, L, seed, λ_carry) the methods SG, SG-CVX, SG-SG, CVX and
// CVX-SG, scored by joint token accuracy at the training length (ID) and at the OOD lengths.
#include "einet/config/config.hpp"
#include "einet/config/rate_studies.hpp"
#include "einet/io/run_directory.hpp"

namespace einet::config {

// Resumable per (K, L, seed, λ_carry) point (snn_point_journal.hpp).
study_output run_snn_addition(const resolved_config& cfg, io::run_directory& dir, const run_options& opt);

}  // namespace einet::config
