"""Paper 001 80/20 multi-unit rate model (SI multi-unit section, spec 001 §3): initialisation of
the class weights, per-class floors 0.1/N, no self-connections, the unit-major kernel against the
batch-major one (bit-identical in double), float32 against double, and (slow) the demo runs of
Figs. 5 and 6 (spec §7 claim 12)."""
from __future__ import annotations

import json

import einet
import numpy as np
import pytest

from conftest import EXPERIMENTS, run_cli, run_quick


def arrays(out, *names):
    return [np.load(out / "arrays" / f"{n}.npy") for n in names]


def test_class_totals_and_spread(tmp_path):
    out = tmp_path / "init"
    # One trial with alpha = 0: the weights array row 0 holds the initial class means (diagonal excluded).
    run_quick("p001_fig6g", out, "run.batch=6", "protocol.trials=1", "plasticity.alpha=0",
              "protocol.checkpoint_every=1")
    w0 = arrays(out, "weights")[0][0]  # [batch, class]
    ranges = [(1, 6, 79), (0.5, 2, 20), (5, 7, 80), (0.5, 2, 19)]  # totals U[lo, hi] / partners (spec §3)
    for k, (lo, hi, partners) in enumerate(ranges):
        assert np.all(w0[:, k] * partners > lo * 0.97) and np.all(w0[:, k] * partners < hi * 1.03), k
    assert len(np.unique(w0[:, 0])) == 6  # one total per network


def test_fig6g_summary_has_the_worst_unit_of_all_runs(tmp_path):
    # Issue 10: p001_fig6g's summary has max_unit_rel_error_E/I over all runs (final low-passed unit rates).
    out = tmp_path / "g"
    s = run_quick("p001_fig6g", out, "run.batch=5", "protocol.trials=3", "model.precision=float32")
    for pop, setpoint in (("E", 5.0), ("I", 14.0)):
        units = arrays(out, f"final_unit_rates_{pop}")[0]
        assert units.shape == (5, 80 if pop == "E" else 20)
        assert s[f"max_unit_rel_error_{pop}"] == pytest.approx(np.abs(units / setpoint - 1).max(), rel=1e-12)
        assert s[f"unit_rate_sd_{pop}_hz"] == pytest.approx(units.std(axis=1).mean(), rel=1e-9)
    assert s["n_runs"] == 5


def test_unit_input_weights_match_the_class_means(tmp_path):
    # final_unit_input_weights_<post> [run, unit, pre] = Σ_j W_ij; averaged over units and divided by
    # the partners it is the class mean of the weights array (diagonals are held at 0).
    out = tmp_path / "u"
    run_quick("p001_fig6g", out, "run.batch=3", "protocol.trials=2")
    w = arrays(out, "weights")[0][-1]  # [run, class]
    tE, tI = arrays(out, "final_unit_input_weights_E", "final_unit_input_weights_I")
    assert tE.shape == (3, 80, 2) and tI.shape == (3, 20, 2)
    for c, (t, pre, partners) in enumerate(((tE, 0, 79), (tE, 1, 20), (tI, 0, 80), (tI, 1, 19))):
        assert t[:, :, pre].mean(axis=1) / partners == pytest.approx(w[:, c], rel=1e-12)


def test_unit_input_weights_figure_draws_the_set_point_lines(tmp_path):
    # Figs. 5D-E / 6D-E: one panel per population, the units as points and the set-point line
    # W_XI = (W_XE·E_set − θ_X − X_set/g_X)/I_set with slope E_set/I_set = 5/14.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from einet import plot

    out = tmp_path / "f"
    run_quick("p001_fig6g", out, "run.batch=2", "protocol.trials=1")
    run = einet.load(out)
    figs = dict(plot.figures_for(run))
    fig = figs["unit_input_weights"](run)
    for ax, (theta, gain, x_set), n in zip(fig.axes, ((4.8, 1.0, 5.0), (25.0, 4.0, 14.0)), (80, 20)):
        assert len(ax.collections[0].get_offsets()) == n
        (x, y), = [line.get_data() for line in ax.get_lines()]
        assert np.allclose(y, (x * 5.0 - theta - x_set / gain) / 14.0)
    plt.close(fig)


def test_homeostatic_multi_unit_rule_uses_each_postsynaptic_units_own_error(tmp_path):
    # Any member of the rule family acts per synapse (spec §2.8): the homeostatic rule (001 Methods
    # Eq. 6) is ΔW_ij = ±α Ỹ_j (X_set − X̃_i) with the rectified low-passed rates after the trial, so a
    # unit's total input weight from Y changes by ±α (X_set − X̃_i) Σ_{j≠i} Ỹ_j: by its own error.
    # The run with α = 0 has the same trial (weights change only after it) and gives the baseline.
    totals = {}
    for alpha in (0.0, 1e-8):  # small: no synapse reaches its floor
        out = tmp_path / f"a{alpha}"
        run_quick("p001_fig6g", out, "run.batch=2", "protocol.trials=1", "plasticity.rule=homeostatic",
                  f"plasticity.alpha={alpha}")
        totals[alpha] = arrays(out, "final_unit_input_weights_E", "final_unit_input_weights_I")
    rect = [np.maximum(1.0, arrays(out, f"final_unit_rates_{p}")[0]) for p in ("E", "I")]
    setpoint = (5.0, 14.0)
    sign = {k: 1.0 if t[0].startswith("+") else -1.0 for k, t in einet.rule_terms("homeostatic").items()}
    for post in (0, 1):
        change = totals[1e-8][post] - totals[0.0][post]  # [run, unit, pre]
        err = setpoint[post] - rect[post]  # [run, unit]
        for pre in (0, 1):
            pre_sum = rect[pre].sum(axis=1)[:, None] - (rect[pre] if pre == post else 0.0)  # Σ_{j≠i} Ỹ_j
            cls = "EI"[post] + "EI"[pre]
            expected = sign[cls] * 1e-8 * err * pre_sum
            assert change[:, :, pre] == pytest.approx(expected, rel=1e-6, abs=1e-16), cls
    # The units' errors differ, so the test tells per-unit errors from population-mean ones.
    assert all(np.ptp(setpoint[p] - rect[p], axis=1).min() > 0 for p in (0, 1))


def test_unit_major_kernel_is_bit_identical_to_batch_major(tmp_path):
    sets = ("run.batch=3", "protocol.trials=2", "protocol.checkpoint_every=1")
    a = tmp_path / "unit"
    b = tmp_path / "batch"
    run_quick("p001_fig6g", a, *sets, "model.kernel=unit_major")
    run_quick("p001_fig6g", b, *sets, "model.kernel=batch_major")
    for name in ("trial_rates_E", "trial_rates_I", "weights", "final_unit_rates_E", "final_unit_rates_I"):
        x, y = arrays(a, name)[0], arrays(b, name)[0]
        assert x.tobytes() == y.tobytes(), name
    f = tmp_path / "f32"
    run_quick("p001_fig6g", f, *sets, "model.precision=float32")
    x, y = arrays(a, "final_unit_rates_E")[0], arrays(f, "final_unit_rates_E")[0]
    assert np.allclose(x, y, rtol=1e-4, atol=1e-4)  # single-precision recurrent sums


def test_unit_major_sums_over_silent_units_give_the_same_numbers(tmp_path):
    # W_IE totals below 0.01: the I units never reach their threshold (25) in trial 1 while the E
    # units fire, so the unit-major kernel sums over the 80 non-zero presynaptic rates only (and
    # over none before the kick); the batch-major kernel multiplies every zero. Same numbers.
    sets = ("run.batch=3", "protocol.trials=1", "weights.IE.low=0", "weights.IE.high=0.01")
    a, b = tmp_path / "unit", tmp_path / "batch"
    run_quick("p001_fig6g", a, *sets, "model.kernel=unit_major")
    run_quick("p001_fig6g", b, *sets, "model.kernel=batch_major")
    assert np.all(arrays(a, "final_unit_rates_I")[0] == 0) and np.all(arrays(a, "final_unit_rates_E")[0] > 1)
    for name in ("trial_rates_E", "weights", "final_unit_rates_E", "traces"):
        assert arrays(a, name)[0].tobytes() == arrays(b, name)[0].tobytes(), name


def test_float32_unit_major_is_bit_identical_for_any_thread_count(tmp_path):
    # 19 networks: two workers split at 16, groups of 8 and a partial group of 3.
    sets = ("run.batch=19", "protocol.trials=2", "model.precision=float32")
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}"
        run_quick("p001_fig6g", out, *sets, extra=["--threads", str(threads)])
        outs.append(out)
    for name in ("trial_rates_E", "trial_rates_I", "weights", "final_unit_rates_E", "final_unit_rates_I"):
        assert arrays(outs[0], name)[0].tobytes() == arrays(outs[1], name)[0].tobytes(), name


def test_floors_per_partner_and_no_self_connections(tmp_path):
    out = tmp_path / "floor"
    # All weights start at 0 and a silent network: the rule pushes nothing, the floors set every
    # synapse to 0.1/partners (spec §2.8) except the held-at-zero diagonals of EE and II.
    s = run_quick("p001_fig5", out, "run.batch=1", "protocol.trials=1", "weights.EE=0", "weights.EI=0",
                  "weights.IE=0", "weights.II=0", "plasticity.alpha=0", "kick.amplitude=0")
    w = arrays(out, "weights")[0][1, 0]
    assert w == pytest.approx([0.1 / 79, 0.1 / 20, 0.1 / 80, 0.1 / 19], rel=1e-12)


# The demo initialisation saturates every unit in trial 1 and the network re-ignites only after
# ≈ 90 (two-term) / ≈ 200 (cross) trials in einet (docs/reproduction.md), so the convergence checks
# run 1000 trials (the paper's statistics length) instead of the demo's 250.
def run_long(experiment, out, *sets):
    """run_quick with a 30-minute limit (1000 multi-unit trials take 3-8 min on the loaded 2-core machine)."""
    args = ["run", EXPERIMENTS / f"{experiment}.toml", "--out", out, "--quiet", "--no-report"]
    for s in sets:
        args += ["--set", s]
    run_cli(args, out.parent, timeout=1800, check=True)
    return json.loads((out / "summary.json").read_text())


def set_point_line_offsets(out):
    """Per unit of network 0, the distance of its total inhibitory input weight from the set-point
    line of its population (SI Eq. 24 per unit: Σ W_XI = (Σ W_XE·E_set − θ_X − X_set/g_X)/I_set, slope
    E_set/I_set; Figs. 5D-E, 6D-E), relative to that total."""
    offsets = []
    for pop, theta, gain, x_set in (("E", 4.8, 1.0, 5.0), ("I", 25.0, 4.0, 14.0)):
        t = arrays(out, f"final_unit_input_weights_{pop}")[0][0]  # [unit, pre population]
        offsets.append(np.abs(t[:, 1] - (t[:, 0] * 5.0 - theta - x_set / gain) / 14.0) / t[:, 1])
    return offsets


@pytest.mark.slow
def test_fig6_two_term_every_unit_near_its_set_point(tmp_path):
    s = run_long("p001_fig6", tmp_path / "fig6", "protocol.trials=1000", "model.precision=float32")
    assert s["max_unit_rel_error_E"] <= 0.10 and s["max_unit_rel_error_I"] <= 0.10
    # Fig. 6D-E: every unit's input totals on its population's set-point line (within 2 %).
    assert all(np.all(o <= 0.02) for o in set_point_line_offsets(tmp_path / "fig6"))


@pytest.mark.slow
def test_fig5_cross_population_means_at_set_points_units_spread(tmp_path):
    s = run_long("p001_fig5", tmp_path / "fig5", "protocol.trials=1000", "model.precision=float32")
    assert abs(s["E_final_hz"] - 5) <= 0.5 and abs(s["I_final_hz"] - 14) <= 1.4
    assert s["max_unit_rel_error_E"] > 0.5 and s["unit_rate_sd_I_hz"] > 3
    # Fig. 5D-E: the units' input totals stay off the set-point lines (most by more than 10 %).
    assert all(np.median(o) > 0.10 for o in set_point_line_offsets(tmp_path / "fig5"))


@pytest.mark.slow
def test_figS5_lognormal_cross_means_at_the_rectified_set_points_units_spread(tmp_path):
    # Fig. S5 "as Fig. 5", 16 of the 400 initialisations: population means at the set points, units
    # spread. The rule sees every unit's rate rectified at 1 Hz (spec §1.4 unit-wise), so it is the
    # mean of the rectified unit rates that it drives to the set point.
    out = tmp_path / "s5"
    s = run_long("p001_figS5", out, "run.batch=16", "model.precision=float32")
    assert abs(s["E_final_mean_hz"] - 5) <= 0.5 and abs(s["I_final_mean_hz"] - 14) <= 1.4
    uE, uI = arrays(out, "final_unit_rates_E", "final_unit_rates_I")
    assert np.all(np.abs(np.maximum(uE, 1).mean(axis=1) - 5) <= 0.05 * 5)
    assert np.all(np.abs(np.maximum(uI, 1).mean(axis=1) - 14) <= 0.05 * 14)
    assert s["max_unit_rel_error_E"] > 0.5 and np.all(uI.std(axis=1) > 3)


@pytest.mark.slow
def test_figS7_broad_cross_converges_on_average(tmp_path):
    # Fig. S7 (spec §3, "converge on average"), 16 of the 400 broad initialisations (class totals
    # U[0, 10]): the mean final rates over the runs at the set points within the 10 % of the Fig. 5
    # population test above. A single run may end silent (1 of these 16 in session 6: a broad start
    # can saturate and then lose the Up state), so the claim is on the average only.
    s = run_long("p001_figS7", tmp_path / "s7", "run.batch=16", "model.precision=float32")
    assert s["n_runs"] == 16
    assert abs(s["E_final_mean_hz"] - 5) <= 0.5 and abs(s["I_final_mean_hz"] - 14) <= 1.4


def test_uniform_multi_unit_network_equals_the_two_population_model(tmp_path):
    # Every synapse of a class equal to total/partners and no noise: all units of a population
    # follow the two-population model with the class totals (79·0.1, 20·0.1, 80·0.1, 19·0.1).
    common = ("plasticity.alpha=0", "noise.sigma=0 s^-1/2", "protocol.trials=1")
    run_quick("p001_fig5", tmp_path / "mu", *common, "weights.EE=0.1", "weights.EI=0.1", "weights.IE=0.1",
              "weights.II=0.1")
    run_quick("p001_fig4b", tmp_path / "two", *common, "weights.EE=7.9", "weights.EI=2.0", "weights.IE=8.0",
              "weights.II=1.9")
    for pop in ("E", "I"):
        mu, two = arrays(tmp_path / "mu", f"trial_rates_{pop}")[0], arrays(tmp_path / "two", f"trial_rates_{pop}")[0]
        assert mu[0, 0] == pytest.approx(two[0, 0], rel=1e-9)
    assert two[0, 0] == pytest.approx(115.107, rel=1e-4)  # the Up state of SI Eq. 19 with the totals


def test_hebbian_imprint_scales_the_block(tmp_path):
    # Fig. S6 imprint: before trial 2, W_EE among E units 1-10 (90 off-diagonal synapses of 0.1) x3;
    # alpha = 0, so the class mean (6320 synapses) rises by exactly 90·0.1·2/6320.
    out = tmp_path / "s6"
    run_quick("p001_figS6", out, "protocol.trials=2", "protocol.imprint_trial=2", "protocol.imprint_factor=3",
              "plasticity.alpha=0", "weights.EE=0.1", "weights.EI=0.1", "weights.IE=0.1", "weights.II=0.1")
    w = arrays(out, "weights")[0][:, 0, :]
    assert w[2, 0] - w[1, 0] == pytest.approx(90 * 0.1 * 2 / 6320, rel=1e-9)
    assert w[2, 1:] == pytest.approx(w[1, 1:], rel=1e-12)


def demo_realisations(experiment, out):
    """16 realisations of a demo at its paper length; returns (trial-1 mean E rate, final low-passed
    E and I means, per-unit final rates E and I) per realisation."""
    run_long(experiment, out, "run.batch=16", "model.precision=float32")
    first_E = arrays(out, "trial_rates_E")[0][0]
    lpE, lpI = arrays(out, "lowpass_E")[0][-1], arrays(out, "lowpass_I")[0][-1]
    uE, uI = arrays(out, "final_unit_rates_E")[0], arrays(out, "final_unit_rates_I")[0]
    return first_E, lpE, lpI, uE, uI


@pytest.mark.slow
def test_fig5_demo_reaches_the_set_points_in_250_trials_unless_trial_1_saturates(tmp_path):
    # Spec §7.12 (250 trials: population means -> (5.02, 13.8), units spread). In the authors' recipe
    # a fraction of the N(0.1, 0.04) realisations run into saturation in trial 1 (also in the
    # independent NumPy re-implementation scripts/p001_multi_unit_reference.py) and then need far
    # longer; the claim holds for the others (mean E rate of trial 1 below r_max/2 = 50 Hz).
    first_E, lpE, lpI, uE, uI = demo_realisations("p001_fig5", tmp_path / "fig5")
    ok = first_E < 50
    assert ok.sum() >= 4
    assert np.all(np.abs(lpE[ok] - 5) <= 0.5) and np.all(np.abs(lpI[ok] - 14) <= 1.4)
    assert np.all(uI[ok].std(axis=1) > 3)  # cross terms only: the units stay spread


@pytest.mark.slow
def test_fig6_demo_every_unit_near_its_set_point_in_200_trials_unless_trial_1_saturates(tmp_path):
    # The authors' Fig. 6 script (U[0, 0.16] per synapse, 200 trials); same condition as above.
    first_E, lpE, lpI, uE, uI = demo_realisations("p001_fig6", tmp_path / "fig6")
    ok = first_E < 50
    assert ok.sum() >= 3
    assert np.all(np.abs(uE[ok] - 5) <= 0.5) and np.all(np.abs(uI[ok] - 14) <= 1.4)
