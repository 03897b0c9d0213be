#include "einet/config/analysis_studies.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "einet/config/rate_setup.hpp"
#include "einet/core/error.hpp"

namespace einet::config {
using io::json;

std::vector<stability_panel> read_stability_panels(const resolved_config& cfg) {
    std::vector<stability_panel> panels;
    std::map<std::string, int> seen;
    for (const auto& inst : cfg.instances("panels")) {
        stability_panel p;
        const auto rule = cfg.string(inst + ".rule");
        p.rule = plasticity::named_rule(rule, inst + ".rule (" + cfg.origin(inst + ".rule") + ")");
        p.name = cfg.string(inst + ".name");
        if (p.name.empty()) p.name = rule;
        for (std::size_t c = 0; c < 4; ++c) {
            const std::string cls = plasticity::class_names[c];
            p.rates.alpha[c] = cfg.number(inst + ".alpha_" + cls);
            p.rates.beta[c] = cfg.number(inst + ".beta_" + cls);
        }
        // Repeated names get a suffix so that every panel has its own summary key.
        if (const int k = ++seen[p.name]; k > 1) p.name.append(1, '#').append(std::to_string(k));
        panels.push_back(std::move(p));
    }
    if (panels.empty()) throw config_error(cfg.source() + ": panels: expected at least one [[panels]] table with a rule");
    return panels;
}

study_output run_stability_map_study(const resolved_config& cfg, io::run_directory& dir) {
    const auto panels = read_stability_panels(cfg);
    const auto mp = model_params(cfg);
    const analysis::setpoints sp{cfg.quantity("map.E_set"), cfg.quantity("map.I_set")};
    const auto n = static_cast<std::size_t>(cfg.integer("map.points"));
    const double x0 = cfg.number("map.W_EE_min"), x1 = cfg.number("map.W_EE_max");
    const double y0 = cfg.number("map.W_IE_min"), y1 = cfg.number("map.W_IE_max");
    std::vector<double> xs(n), ys(n);
    for (std::size_t i = 0; i < n; ++i) {  // cell centres
        xs[i] = x0 + (x1 - x0) * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
        ys[i] = y0 + (y1 - y0) * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    }
    const std::size_t cells = n * n, P = panels.size();
    std::vector<double> margins(5 * cells), numeric(P * cells), closed(P * cells), max_real(P * cells);
    std::vector<char> neural(cells);
    for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t cell = j * n + i;
            const auto m = analysis::margins_on_plane(mp, sp, xs[i], ys[j]);
            const double values[5] = {m.det, m.trace, m.positive_EI, m.positive_II, m.paradoxical};
            for (std::size_t k = 0; k < 5; ++k) margins[k * cells + cell] = values[k];
            neural[cell] = m.neural_stable();
            for (std::size_t p = 0; p < P; ++p) {
                const auto e = analysis::numerical_rule_stability(panels[p].rule, panels[p].rates, mp, sp, xs[i], ys[j]);
                const auto c = analysis::closed_form_rule_stable(panels[p].rule, panels[p].rates, mp, sp, xs[i], ys[j]);
                numeric[p * cells + cell] = e.stable ? 1.0 : 0.0;
                closed[p * cells + cell] = c ? (*c ? 1.0 : 0.0) : std::nan("");
                max_real[p * cells + cell] = std::max(e.lambda_plus.real(), e.lambda_minus.real());
            }
        }
    }
    const std::vector<std::size_t> grid{n, n}, per_panel{P, n, n};
    dir.write_array({"map_W_EE", {n}, "column", "", "W_EE of the grid columns (cell centres)"}, xs);
    dir.write_array({"map_W_IE", {n}, "row", "", "W_IE of the grid rows (cell centres)"}, ys);
    dir.write_array({"map_margins", {5, n, n}, "condition (det, trace, positive_EI, positive_II, paradoxical), W_IE, W_EE", "",
                     "signed margins on the set-point plane (> 0: holds; 001 SI Eqs. 22, 23, 25, 26, 27)"},
                    margins);
    dir.write_array({"map_numeric_stable", per_panel, "panel, W_IE, W_EE", "",
                     "1 where both non-zero eigenvalues of the QSS weight-flow Jacobian have negative real part"},
                    numeric);
    dir.write_array({"map_closed_form_stable", per_panel, "panel, W_IE, W_EE", "",
                     "1 where the SI closed form says stable; NaN for rules without one"},
                    closed);
    dir.write_array({"map_max_real_eigenvalue", per_panel, "panel, W_IE, W_EE", "1/time (rate units)",
                     "largest real part of the two non-zero eigenvalues"},
                    max_real);

    study_output out;
    auto& s = out.summary;
    const auto n_neural = static_cast<double>(std::count(neural.begin(), neural.end(), 1));
    s["grid_points"] = static_cast<std::uint64_t>(cells);
    s["neural_stable_fraction"] = n_neural / static_cast<double>(cells);
    json agreement = json::object(), list = json::array();
    for (std::size_t p = 0; p < P; ++p) {
        std::size_t agree_neural = 0, agree_all = 0, stable_neural = 0, compared = 0;
        for (std::size_t cell = 0; cell < cells; ++cell) {
            const double c = closed[p * cells + cell], v = numeric[p * cells + cell];
            if (neural[cell]) stable_neural += v == 1.0;
            if (std::isnan(c)) continue;
            ++compared;
            agree_all += c == v;
            if (neural[cell]) agree_neural += c == v;
        }
        json e = json::object();
        e["name"] = panels[p].name;
        e["rule"] = panels[p].rule.name;
        e["closed_form"] = compared > 0;
        // Agreement where the QSS reduction holds (the neural-stable part of the grid, 001 SI §2 step b);
        // over the whole window for reference (where C < 0 the printed closed forms drop the sign of C).
        e["agreement_fraction"] = compared && n_neural > 0 ? json(static_cast<double>(agree_neural) / n_neural) : json(nullptr);
        e["agreement_fraction_window"] = compared ? json(static_cast<double>(agree_all) / static_cast<double>(cells)) : json(nullptr);
        e["rule_stable_fraction_of_neural"] = n_neural > 0 ? static_cast<double>(stable_neural) / n_neural : 0.0;
        agreement[panels[p].name] = e["agreement_fraction"];
        list.push_back(e);
    }
    s["agreement_fraction"] = agreement;
    s["panels"] = list;
    s["E_set_hz"] = sp.E;
    s["I_set_hz"] = sp.I;
    return out;
}

study_output run_up_state_scan_study(const resolved_config& cfg, io::run_directory& dir) {
    const auto mp = model_params(cfg);
    const analysis::weights4 base{cfg.number("scan.EE"), cfg.number("scan.EI"), cfg.number("scan.IE"), cfg.number("scan.II")};
    const auto n = static_cast<std::size_t>(cfg.integer("scan.points"));
    const double lo = cfg.number("scan.min"), hi = cfg.number("scan.max");
    auto with = [&](std::size_t c, double v) {
        auto w = base;
        (c == 0 ? w.EE : c == 1 ? w.EI : c == 2 ? w.IE : w.II) = v;
        return w;
    };
    std::vector<double> values(n), E(4 * n), I(4 * n), valid(4 * n);
    for (std::size_t k = 0; k < n; ++k) values[k] = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(n - 1);
    for (std::size_t c = 0; c < 4; ++c) {
        for (std::size_t k = 0; k < n; ++k) {
            const auto fp = analysis::up_state(mp, with(c, values[k]));  // 001 SI Eqs. 18–19
            E[c * n + k] = fp.E;
            I[c * n + k] = fp.I;
            valid[c * n + k] = fp.above_threshold && fp.stable ? 1.0 : 0.0;
        }
    }
    dir.write_array({"scan_values", {n}, "point", "", "value of the swept weight"}, values);
    dir.write_array({"scan_E_up", {4, n}, "swept class (EE, EI, IE, II), point", "Hz", "E_up (SI Eq. 18)"}, E);
    dir.write_array({"scan_I_up", {4, n}, "swept class (EE, EI, IE, II), point", "Hz", "I_up (SI Eq. 19)"}, I);
    dir.write_array({"scan_valid", {4, n}, "swept class, point", "", "1 where the Up state is above threshold and stable"}, valid);

    study_output out;
    auto& s = out.summary;
    const auto fp = analysis::up_state(mp, base);
    s["E_up_hz"] = fp.E;
    s["I_up_hz"] = fp.I;
    s["paradoxical_regime"] = fp.paradoxical;
    s["stable"] = fp.stable;
    // Slopes at the base weights (central differences of SI Eqs. 18–19): in the paradoxical regime
    // I_up falls with W_IE and rises with W_II (001 SI §2.4, Fig. S13).
    json dE = json::object(), dI = json::object();
    for (std::size_t c = 0; c < 4; ++c) {
        const double v = c == 0 ? base.EE : c == 1 ? base.EI : c == 2 ? base.IE : base.II, h = 1e-6 * std::max(1.0, v);
        const auto up = analysis::up_state(mp, with(c, v + h)), down = analysis::up_state(mp, with(c, v - h));
        dE[plasticity::class_names[c]] = (up.E - down.E) / (2 * h);
        dI[plasticity::class_names[c]] = (up.I - down.I) / (2 * h);
    }
    s["dE_up_dW"] = dE;
    s["dI_up_dW"] = dI;
    return out;
}

}  // namespace einet::config
