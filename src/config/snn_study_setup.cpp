#include "snn_study_setup.hpp"

#include <algorithm>

#include "einet/core/error.hpp"

namespace einet::config::snn_setup {
namespace tr = einet::train;

tr::snn_shape shape(const resolved_config& cfg, std::size_t d, std::size_t K, std::size_t L, std::size_t outputs) {
    tr::snn_shape s{d, K, L, static_cast<std::size_t>(cfg.integer("snn.p_rec")),
                    static_cast<std::size_t>(cfg.integer("snn.p_last")), outputs};
    s.validate(cfg.origin("snn.branches") + ": snn.branches = " + std::to_string(K));
    return s;
}

tr::snn_options sg_options(const resolved_config& cfg) {
    tr::snn_options opt;
    const double beta = cfg.number("snn.beta_leak"), theta = cfg.number("snn.theta");
    opt.lif = cfg.string("sg.lif") == "reference" ? tr::lif_params::reference(beta, theta) : tr::lif_params::canonical(beta, theta);
    opt.sg = tr::surrogate::named(cfg.string("sg.surrogate"));
    return opt;
}

tr::snn_options dictionary_options(const resolved_config& cfg) {
    tr::snn_options opt;
    opt.lif = tr::lif_params::canonical(cfg.number("snn.beta_leak"), cfg.number("snn.theta"));
    opt.readout = cfg.string("convex.readout") == "spike" ? tr::readout_kind::spike : tr::readout_kind::membrane_threshold;
    opt.readout_bias = cfg.number("convex.bias");
    return opt;
}

tr::sg_grid sg_grid(const resolved_config& cfg, std::uint64_t seed, bool finetune, bool per_step_task) {
    tr::sg_grid g;
    g.lrs = cfg.number_list("sg.lr");
    g.path_betas = cfg.number_list("sg.path_beta");
    const auto epochs = static_cast<std::size_t>(cfg.integer("sg.epochs"));
    const auto ft = static_cast<std::size_t>(cfg.integer("sg.finetune_epochs"));
    g.base.epochs = finetune && ft > 0 ? ft : epochs;
    g.base.batch = static_cast<std::size_t>(cfg.integer("sg.batch"));
    g.base.patience = static_cast<std::size_t>(cfg.integer("sg.patience"));
    g.base.seed = seed;
    g.base.precision = cfg.string("sg.precision") == "float32" ? tr::sg_precision::f32 : tr::sg_precision::f64;
    const auto sel = cfg.string("sg.selection");
    g.select = sel == "final_val" || (sel == "auto" && per_step_task) ? tr::sg_selection::final_val
                                                                       : tr::sg_selection::best_val_plus_beta;
    return g;
}

tr::convex_grid convex_grid(const resolved_config& cfg, tr::rho_rule rule) {
    tr::convex_grid g;
    g.betas = cfg.number_list("convex.beta");
    const std::string chosen = cfg.string("convex.rho_rule");
    g.rule = chosen == "sqrt_columns" ? tr::rho_rule::sqrt_columns : chosen == "head_weight" ? tr::rho_rule::head_weight : rule;
    g.solver.gap_tol = cfg.number("convex.gap_tol");
    g.dedup = cfg.boolean("convex.dedup");
    return g;
}

namespace {
const std::vector<std::string> known{"cvx", "sg", "sg_cvx", "sg_sg", "cvx_sg"};
}

io::json uncertified_json(const train::convex_fit& f, const std::vector<std::string>& head_names) {
    io::json out = io::json::array();
    for (const auto& u : f.uncertified) {
        io::json j = io::json::object();
        j["head"] = u.head < head_names.size() ? head_names[u.head] : std::to_string(u.head);
        j["beta"] = u.beta, j["rho"] = u.rho, j["reason"] = u.reason;
        out.push_back(j);
    }
    return out;
}

bool runs(const resolved_config& cfg, const std::string& method) {
    const auto m = cfg.string_list("methods.run");
    return std::find(m.begin(), m.end(), method) != m.end();
}

void check_methods(const resolved_config& cfg) {
    for (const auto& m : cfg.string_list("methods.run"))
        if (std::find(known.begin(), known.end(), m) == known.end())
            throw config_error(cfg.origin("methods.run") +
                               ": methods.run: expected any of \"cvx\", \"sg\", \"sg_cvx\", \"sg_sg\", \"cvx_sg\", got \"" +
                               m + "\"");
}

}  // namespace einet::config::snn_setup
