"""Paper 001 analysis studies through the CLI: stability maps (closed form vs the generic
numerical route, published regions of spec 001 §4.7 and §7 claims 3-6) and the Up-state scan of
Fig. S13 (SI Eqs. 18-19). The 200x200 agreement on every rule with a closed form is a unit test
(tests/unit/test_rule_stability.cpp); here the shipped files and their arrays are checked."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_quick


def load(out, name):
    return np.load(out / "arrays" / f"{name}.npy")


def test_figS9_cross_rule_stable_on_whole_neural_region(tmp_path):
    s = run_quick("p001_figS9", tmp_path / "s9")
    assert s["grid_points"] == 200 * 200
    for name, agree in s["agreement_fraction"].items():
        assert agree >= 0.99, name
    cross = s["panels"][0]
    assert cross["rule_stable_fraction_of_neural"] == 1.0  # §7.5
    margins = load(tmp_path / "s9", "map_margins")
    numeric = load(tmp_path / "s9", "map_numeric_stable")
    neural = (margins[0] > 0) & (margins[1] > 0)
    assert np.all(numeric[0][neural] == 1)
    # §4.6: the neural region lies between W_IE = 0.14 W_EE + 4.86 and W_IE = 5.2083 (W_EE - 1).
    x, y = load(tmp_path / "s9", "map_W_EE"), load(tmp_path / "s9", "map_W_IE")
    X, Y = np.meshgrid(x, y)
    expected = (Y > 0.14 * X + 4.86) & (Y < 5.2083333 * (X - 1))
    assert np.mean(expected == neural) > 0.999


def test_fig2fh_homeostatic_boundaries(tmp_path):
    out = tmp_path / "f2"
    s = run_quick("p001_fig2fh", out)
    assert all(p["agreement_fraction"] >= 0.99 for p in s["panels"])
    x, y = load(out, "map_W_EE"), load(out, "map_W_IE")
    X, Y = np.meshgrid(x, y)
    closed = load(out, "map_closed_form_stable")
    # §4.7.1: equal rates stable above W_IE = 2.8 W_EE + 2.2; slow I above 0.028 W_EE + 4.972
    # (cells within one grid step of the line excluded).
    for k, (slope, icpt) in enumerate([(2.8, 2.2), (0.028, 4.972)]):
        far = np.abs(Y - (slope * X + icpt)) > 0.2
        assert np.all((closed[k] == 1)[far] == (Y > slope * X + icpt)[far])
    # Fig. 2H: no overlap with the neural-stable region when alpha_E << alpha_I.
    assert s["panels"][2]["rule_stable_fraction_of_neural"] == 0.0
    # Fig. 2F: only a small wedge of the neural region is stable (W_EE > 3.08).
    assert 0.0 < s["panels"][0]["rule_stable_fraction_of_neural"] < 0.15


def test_figS10_two_term_and_S12_S11_regions(tmp_path):
    s10 = run_quick("p001_figS10", tmp_path / "s10", "map.points=100")
    fr = [p["rule_stable_fraction_of_neural"] for p in s10["panels"]]
    assert fr[0] == 1.0 and fr[1] == 1.0 and fr[2] == pytest.approx(0.09, abs=0.01)  # §7.6
    s11 = run_quick("p001_figS11", tmp_path / "s11", "map.points=100")
    fr = [p["rule_stable_fraction_of_neural"] for p in s11["panels"]]
    assert fr[0] == 0.0 and fr[1] > 0.95 and fr[2] == 0.0  # §4.7.5
    s12 = run_quick("p001_figS12", tmp_path / "s12", "map.points=100")
    assert all(p["agreement_fraction"] >= 0.99 for p in s12["panels"])


def test_figS13_paradoxical_signature(tmp_path):
    out = tmp_path / "s13"
    s = run_quick("p001_figS13", out)
    # Base (5, 2, 10, 2): C = 2*10*4 - 9*4 = 44; E_up = (2*4*25 - 9*4.8)/44, I_up = 4*(4*25 - 10*4.8)/44.
    assert s["E_up_hz"] == pytest.approx((200 - 43.2) / 44, rel=1e-12)
    assert s["I_up_hz"] == pytest.approx(4 * (100 - 48) / 44, rel=1e-12)
    assert s["paradoxical_regime"] is True
    # Paradoxical: I_up falls with W_IE and rises with W_II (spec §4.5); analytic slopes of spec §2.7.
    C, E, I = 44.0, s["E_up_hz"], s["I_up_hz"]
    assert s["dI_up_dW"]["IE"] == pytest.approx(-E * 4 * 4 / C, rel=1e-6)
    assert s["dI_up_dW"]["II"] == pytest.approx(I * 4 * 4 / C, rel=1e-6)
    i_up, valid, v = load(out, "scan_I_up"), load(out, "scan_valid"), load(out, "scan_values")
    ok = valid[2] > 0
    assert np.all(np.diff(i_up[2][ok]) < 0)


def test_unknown_panel_rule_is_refused_before_the_run(tmp_path, run_einet, experiments_dir):
    proc = run_einet(["run", experiments_dir / "p001_figS9.toml", "--out", tmp_path / "bad", "--quiet",
                      "--set", "panels[0].rule=HXAA"])
    assert proc.returncode != 0
    assert "panels[0].rule" in proc.stderr and "HAAA" in proc.stderr
    assert not (tmp_path / "bad").exists()


def test_python_rule_stability_matches_spec_eigenvalues():
    import einet
    s = einet.rule_stability("homeostatic", 5.0, 10.0)  # spec §4.7.1, alpha = 1: 65.875 ± 93.862 i
    lam = s["eigenvalues"][0]
    assert lam.real == pytest.approx(65.875, rel=2e-3) and abs(lam.imag) == pytest.approx(93.862, rel=2e-3)
    assert s["stable"] is False and s["closed_form_stable"] is False and s["neural_stable"] is True
    slow_i = einet.rule_stability("homeostatic", 5.0, 10.0, alpha={"EE": 1, "EI": 1, "IE": 0.01, "II": 0.01})
    assert sorted(x.real for x in slow_i["eigenvalues"]) == pytest.approx([-102.588, -1.2818], rel=2e-3)
    assert slow_i["stable"] and slow_i["closed_form_stable"]
    with pytest.raises(einet.ConfigError):
        einet.rule_stability("HXAA", 5.0, 10.0)


def test_stability_map_and_scan_figures_draw_the_labelled_boundaries(tmp_path):
    # Figs. 2F-H: one panel per rule setting, the neural (SI Eqs. 22-23), positivity (25-26) and
    # paradoxical (27) boundaries drawn as contours and named in the legend; Fig. S13 one panel per weight.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import einet
    from einet import plot
    from einet.plot_analysis import BOUNDARIES

    run_quick("p001_fig2fh", tmp_path / "fh", "map.points=60")
    run = einet.load(tmp_path / "fh")
    assert [n for n, _ in plot.figures_for(run)] == ["stability_maps"]
    fig = dict(plot.figures_for(run))["stability_maps"](run)
    axes = fig.axes
    assert len(axes) == 3 and [a.get_title().split("\n")[0] for a in axes] == [p["name"] for p in run.summary["panels"]]
    labels = [t.get_text() for t in axes[-1].get_legend().get_texts()]
    assert all(label in labels for label, _, _ in BOUNDARIES) and "closed-form rule boundary" in labels
    margins = run.array("map_margins")
    crossing = sum(1 for m in margins if m.min() < 0 < m.max())  # boundaries that cross the shown plane
    assert crossing >= 3 and all(len(a.collections) >= crossing for a in axes)  # their contour lines
    plt.close(fig)
    run_quick("p001_figS13", tmp_path / "s13")
    scan = einet.load(tmp_path / "s13")
    fig = dict(plot.figures_for(scan))["up_state_scan"](scan)
    assert len(fig.axes) == 4 and [a.get_xlabel() for a in fig.axes] == [f"$W_{{{c}}}$" for c in ("EE", "EI", "IE", "II")]
    plt.close(fig)
