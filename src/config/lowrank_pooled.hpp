#pragma once
// Measurements of study "lowrank" pooled over trials (paper 000): the binned latent velocity
// τ dy/dt against y (Fig 9e, the soft boundary of a trial-averaged neuron) and the per-neuron
// rates of a network (Fig 10e, f: trial-averaged, smoothed spike probabilities of a spiking
// network vs the rates ρ of the rate network). Used by lowrank_study.cpp.
#include <string>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/io/json.hpp"
#include "einet/lowrank/simulate.hpp"
#include "einet/record/recorded_array.hpp"

namespace einet::config {

// [from, to, count] at `key` → linspace(from, to, count): count an integer ≥ min_count and, when
// `increasing`, from < to; otherwise a config_error naming the key's file and line.
std::vector<double> range_of(const resolved_config& cfg, const std::string& key, std::size_t min_count, bool increasing);

// [lowrank] velocity_bins = [from, to, count] (+ velocity_halfwidth): samples (y_n, τ(y_{n+1} − y_n)/dt)
// of the first population's latent over the measurement window, pooled, then averaged in bins.
class velocity_pool {
public:
    explicit velocity_pool(const resolved_config& cfg);
    bool active() const { return !centres_.empty(); }
    void add(const lowrank::model& m, const lowrank::trajectory& tr, lowrank::sample_window w);
    // Summary keys velocity_y, velocity_mean, velocity_drive, velocity_count, soft_boundary_midpoint,
    // soft_boundary_width (each + suffix) and the pooled samples as arrays (when `arrays` is given).
    void write(io::json& summary, const std::string& suffix, std::vector<record::recorded_array>* arrays) const;

private:
    std::vector<double> centres_;
    double half_ = 0;
    std::vector<double> y_, dy_, drive_;  // pooled samples
};

// [lowrank] unit_rates = true (+ unit_rate_sigma, unit_rate_scale, unit_rate_x, unit_rate_active): per-neuron rates
// of every population on the run's time grid.
class unit_rate_pool {
public:
    explicit unit_rate_pool(const resolved_config& cfg);
    bool active() const { return active_; }
    void add(const lowrank::model& m, const lowrank::trajectory& tr);
    // Arrays unit_rates_<population> (step × neuron) and summary active_units_<population>,
    // max_unit_rate_<population> (one value per unit_rate_x).
    void write(const lowrank::model& m, lowrank::sample_window w, io::json& summary, std::vector<record::recorded_array>& arrays) const;

private:
    bool active_ = false;
    double sigma_ = 0, scale_ = 1, threshold_ = 0.05;
    std::vector<double> at_x_;
    std::size_t trials_ = 0;
    std::vector<std::vector<double>> sum_;  // per population, n_T × N
};

}  // namespace einet::config
