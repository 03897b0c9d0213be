#include "study_registry.hpp"

#include <memory>
#include <vector>

#include "einet/config/analysis_studies.hpp"
#include "einet/config/balancing_studies.hpp"
#include "einet/config/convergence_study.hpp"
#include "einet/config/lowrank_study.hpp"
#include "einet/config/rate_setup.hpp"
#include "einet/config/snn_convex_study.hpp"
#include "einet/config/spiking_setup.hpp"
#include "einet/config/spiking_study.hpp"
#include "einet/core/error.hpp"
#include "einet/engine/rate_engine.hpp"
#include "spiking_training_study.hpp"

namespace einet::config {

namespace {

using spiking_run = study_output (*)(const resolved_config&, network::spiking_network, io::run_directory&, const run_options&);
using rate_run = study_output (*)(const resolved_config&, engine::rate_engine&, io::run_directory&, const run_options&);
using own_run = study_output (*)(const resolved_config&, io::run_directory&, const run_options&);

// A study of the spiking network lowered from [populations.*], [[projections]], [[inputs]].
auto on_spiking_network(spiking_run run) {
    return [run](const resolved_config& cfg, const run_options& opt) -> study_run {
        auto net = std::make_shared<network::spiking_network>(build_spiking_network(cfg, opt.threads));
        return [run, net, &cfg, opt](io::run_directory& dir) { return run(cfg, std::move(*net), dir, opt); };
    };
}

// A study of the batched rate engine with its initial weights and (`bind`) the plasticity rule.
auto on_rate_engine(rate_run run, bool bind) {
    return [run, bind](const resolved_config& cfg, const run_options& opt) -> study_run {
        const auto net = build_rate_network(cfg);
        auto eng = std::make_shared<engine::rate_engine>(net, static_cast<std::size_t>(cfg.integer("run.batch")),
                                                         static_cast<std::uint64_t>(cfg.integer("run.seed")));
        eng->set_first_network(static_cast<std::uint32_t>(cfg.integer("run.first_network")));
        initialise_weights(cfg, *eng);
        if (bind) bind_rule(cfg, net);
        return [run, eng, &cfg, opt](io::run_directory& dir) { return run(cfg, *eng, dir, opt); };
    };
}

// A study that builds its own model; `check` raises its configuration errors first.
auto on_own_model(void (*check)(const resolved_config&), own_run run) {
    return [check, run](const resolved_config& cfg, const run_options& opt) -> study_run {
        if (check) check(cfg);
        return [run, &cfg, opt](io::run_directory& dir) { return run(cfg, dir, opt); };
    };
}

const std::vector<study_entry>& registry() {
    static const std::vector<study_entry> entries = {
        {"spiking", true, false, on_spiking_network(run_spiking_study)},
        {"spiking_training", true, false, on_spiking_network(run_spiking_training_study)},
        {"convergence", false, false, on_spiking_network(run_convergence_study)},
        {"trial_plasticity", true, true, on_rate_engine(run_trial_study, true)},
        {"online_plasticity", false, true, on_rate_engine(run_online_study, true)},
        {"fixed_weights", false, true, on_rate_engine(run_fixed_study, false)},
        {"stability_map", false, false,
         on_own_model([](const resolved_config& cfg) { read_stability_panels(cfg); },
                      [](const resolved_config& cfg, io::run_directory& dir, const run_options&) { return run_stability_map_study(cfg, dir); })},
        {"up_state_scan", false, false,
         on_own_model(nullptr, [](const resolved_config& cfg, io::run_directory& dir, const run_options&) {
             return run_up_state_scan_study(cfg, dir);
         })},
        {"synaptic_balancing", false, false, on_own_model(nullptr, run_balancing_study)},
        {"rnn_training", true, false, on_own_model(nullptr, run_rnn_training_study)},
        {"lowrank", false, false, on_own_model([](const resolved_config& cfg) { build_lowrank_model(cfg); }, run_lowrank_study)},
        {"snn_convex", true, false, on_own_model(check_snn_convex, run_snn_convex_study)},
    };
    return entries;
}

}  // namespace

const study_entry& find_study(const std::string& study) {
    for (const auto& e : registry()) {
        if (study == e.name) return e;
    }
    throw internal_error("study \"" + study + "\" is in the schema but has no entry in config/study_registry.cpp");
}

}  // namespace einet::config
