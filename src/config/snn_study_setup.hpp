#pragma once
// Configuration → paper-002 training pieces, shared by the snn_convex study (XOR, sequential
// images) and its addition protocol: network shape, the LIF forms of SG and of the dictionary,
// the SG grid and the convex grid.
#include <cstdint>
#include <string>
#include <vector>

#include "einet/config/config.hpp"
#include "einet/io/json.hpp"
#include "einet/train/snn_methods.hpp"

namespace einet::config::snn_setup {

// Shape for input dimension d, K branches, depth L and C outputs; config_error names snn.branches.
train::snn_shape shape(const resolved_config& cfg, std::size_t d, std::size_t K, std::size_t L, std::size_t outputs);
// SG dynamics (spec §3: sg.lif form, sg.surrogate, spike readout).
train::snn_options sg_options(const resolved_config& cfg);
// Dictionary dynamics (canonical LIF; convex.readout and convex.bias).
train::snn_options dictionary_options(const resolved_config& cfg);
// The SG grid of [sg]; `finetune` uses sg.finetune_epochs; `per_step_task` picks the auto selection.
train::sg_grid sg_grid(const resolved_config& cfg, std::uint64_t seed, bool finetune, bool per_step_task);
// The β grid and solver options of [convex]; `rule` is the task's β → ρ rule, used unless
// convex.rho_rule names one.
train::convex_grid convex_grid(const resolved_config& cfg, train::rho_rule rule);
// The solves a convex fit left out (head named by `head_names`, β, ρ, the solver's reason), for
// summary.json: which head failed and why, not only how many β.
io::json uncertified_json(const train::convex_fit& f, const std::vector<std::string>& head_names);
// Methods of [methods].run; config_error naming the key for an unknown one.
bool runs(const resolved_config& cfg, const std::string& method);
void check_methods(const resolved_config& cfg);

}  // namespace einet::config::snn_setup
