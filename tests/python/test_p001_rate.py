"""Paper 001 (cross-homeostatic plasticity), two-population rate model: the shipped experiments
reproduce the published numbers (spec 001 §1.4, §1.6, §4.3, §7 claims 7-11) and the recorded
arrays obey the trial protocol exactly.

Tolerances are stated next to each assertion; the reference values come from the spec."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import einet
from conftest import run_quick

E_SET, I_SET = 5.0, 14.0
FLOOR = 0.1


def plane_EI(w_ee, e_set=E_SET, i_set=I_SET):
    """Set-point plane, spec §4.3 with Table 1 values (theta_E = 4.8, g_E = 1)."""
    return (e_set * w_ee - 4.8 - e_set) / i_set


def plane_II(w_ie, e_set=E_SET, i_set=I_SET):
    """Set-point plane, spec §4.3 (theta_I = 25, g_I = 4): (E_set W_IE g_I - theta_I g_I - I_set)/(I_set g_I)."""
    return (e_set * w_ie * 4 - 25 * 4 - i_set) / (i_set * 4)


def arrays(run_dir: Path) -> dict:
    index = json.loads((run_dir / "arrays" / "index.json").read_text())
    out = {name: np.load(run_dir / "arrays" / f"{name}.npy") for name in index}
    for name, entry in index.items():
        assert list(out[name].shape) == entry["shape"], name
    return out


class Result:
    def __init__(self, path: Path, summary: dict):
        self.path, self.summary = path, summary
        self._arrays = None

    @property
    def a(self) -> dict:
        if self._arrays is None:
            self._arrays = arrays(self.path)
        return self._arrays


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Lazily run an experiment once per module: runs(name, *sets) -> Result."""
    cache = {}
    base = tmp_path_factory.mktemp("p001")

    def get(name, *sets):
        key = (name, sets)
        if key not in cache:
            out = base / f"{name}-{len(cache)}"
            cache[key] = Result(out, run_quick(name, out, *sets))
        return cache[key]

    return get


def test_closed_forms_of_the_spec():
    """Spec §4.3 examples and §1.6 numbers straight from the library's closed forms."""
    p = einet.two_population_params()
    assert (p.tau_E, p.tau_I, p.theta_E, p.theta_I, p.g_E, p.g_I) == (10, 2, 4.8, 25, 1, 4)
    assert einet.setpoint_W_EI(p, 5, E_SET, I_SET) == pytest.approx(1.0857142857, abs=1e-9)
    assert einet.setpoint_W_II(p, 10, E_SET, I_SET) == pytest.approx(1.5357142857, abs=1e-9)
    for w_ee in (2.0, 4.5, 7.3):
        assert einet.setpoint_W_EI(p, w_ee, E_SET, I_SET) == pytest.approx(plane_EI(w_ee), rel=1e-12)
    for w_ie in (5.98, 10.0, 17.0):
        assert einet.setpoint_W_II(p, w_ie, E_SET, I_SET) == pytest.approx(plane_II(w_ie), rel=1e-12)
    # On the plane the Up state sits exactly at the set points (claim 1).
    fp = einet.up_state(p, einet.weights4(5, plane_EI(5), 10, plane_II(10)))
    assert (fp.E, fp.I) == (pytest.approx(5, abs=1e-9), pytest.approx(14, abs=1e-9))
    assert fp.stable and fp.paradoxical and fp.above_threshold
    # Fig. 1B weights: E 5, I 10 (claim 2).
    fp = einet.up_state(p, einet.weights4(5, 1.52, 10, 2.25))
    assert (fp.E, fp.I) == (pytest.approx(5, abs=1e-9), pytest.approx(10, abs=1e-9))
    assert fp.stable and fp.paradoxical


# ---------------------------------------------------------------- Fig. 4B: cross-homeostatic


def test_fig4b_becomes_self_sustained_early(runs):
    r = runs("p001_fig4b")
    s = r.summary
    assert s["status"] == "complete" and s["trials_completed"] == 500
    first = s["first_self_sustained_trial"]
    assert first is not None and 1 <= first <= 25  # spec claim 7: within the first ~5-20 trials
    # Definition: first 1-based trial whose measured E rate reaches protocol.sustained_rate = 1 Hz.
    e = r.a["trial_rates_E"][:, 0]
    assert e[first - 1] >= 1.0 and np.all(e[: first - 1] < 1.0)
    assert r.a["first_self_sustained_trial"][0] == first


def test_fig4b_rates_at_set_points_by_trial_500(runs):
    r = runs("p001_fig4b")
    s = r.summary
    # The tolerance on the summary (mean rate of the last 10 trials) ...
    assert abs(s["E_final_hz"] - E_SET) <= 0.5
    assert abs(s["I_final_hz"] - I_SET) <= 1.0
    # ... and the spec's tighter one (claim 7) on the low-passed rates at trial 500.
    assert abs(r.a["lowpass_E"][-1, 0] - E_SET) <= 0.3
    assert abs(r.a["lowpass_I"][-1, 0] - I_SET) <= 0.1
    assert s["E_set_hz"] == E_SET and s["I_set_hz"] == I_SET
    # The closed-form Up state of the final weights is stable, paradoxical and near the set points.
    w = s["W_final"]
    fp = einet.up_state(einet.two_population_params(), einet.weights4(w["EE"], w["EI"], w["IE"], w["II"]))
    assert fp.stable and fp.paradoxical
    assert fp.E == pytest.approx(s["up_state_of_final_weights"]["E_hz"], rel=1e-9)
    assert fp.I == pytest.approx(s["up_state_of_final_weights"]["I_hz"], rel=1e-9)
    assert abs(fp.E - E_SET) <= 0.5 and abs(fp.I - I_SET) <= 1.0


def test_fig4b_arrays_follow_the_trial_protocol_exactly(runs):
    """Low-pass (tau = 2 trials, from 0), 1-Hz rectification, cross rule (Methods Eq. 7), floor 0.1
    (spec §1.4, §2.2): the recorded weights are reproduced from the recorded rates to rounding."""
    r = runs("p001_fig4b")
    m_e, m_i = r.a["trial_rates_E"][:, 0], r.a["trial_rates_I"][:, 0]
    lp_e, lp_i, w = r.a["lowpass_E"][:, 0], r.a["lowpass_I"][:, 0], r.a["weights"][:, 0, :]
    assert w.shape == (501, 4)
    np.testing.assert_array_equal(w[0], [2.1, 3.0, 4.0, 2.0])
    le = li = 0.0
    alpha = 5e-4
    W = w[0].copy()
    for t in range(500):
        le += (m_e[t] - le) / 2
        li += (m_i[t] - li) / 2
        assert lp_e[t] == pytest.approx(le, rel=1e-12, abs=1e-12)
        assert lp_i[t] == pytest.approx(li, rel=1e-12, abs=1e-12)
        e, i = max(1.0, lp_e[t]), max(1.0, lp_i[t])
        dW = np.array([alpha * e * (I_SET - i), -alpha * i * (I_SET - i),
                       -alpha * e * (E_SET - e), alpha * i * (E_SET - e)])
        W = np.maximum(W + dW, FLOOR)
        np.testing.assert_allclose(w[t + 1], W, rtol=1e-10, atol=1e-12)
    assert np.all(w >= FLOOR)
    assert r.summary["W_final"] == {k: pytest.approx(v, rel=1e-12) for k, v in zip(("EE", "EI", "IE", "II"), w[-1])}
    # E_final_hz / I_final_hz: mean measured rate over the last protocol.final_trials = 10 trials.
    assert r.summary["E_final_hz"] == pytest.approx(m_e[-10:].mean(), rel=1e-12)
    assert r.summary["I_final_hz"] == pytest.approx(m_i[-10:].mean(), rel=1e-12)


def test_fig4b_traces_agree_with_trial_rates(runs):
    """The stored traces (1 ms samples) of the traced trials average, over the last 0.5 s, to the
    per-trial measured rate (0.1 ms samples): equal within 0.05 Hz + 1 %."""
    r = runs("p001_fig4b")
    traced = r.a["trace_trials"].astype(int)
    np.testing.assert_array_equal(traced, [1, 20, 100, 500])
    t = r.a["trace_time_ms"]
    assert r.a["traces"].shape == (4, len(t), 2) and t[-1] == pytest.approx(2000)
    window = t > 1500
    for k, trial in enumerate(traced):
        for pop, name in ((0, "trial_rates_E"), (1, "trial_rates_I")):
            measured = r.a[name][trial - 1, 0]
            assert r.a["traces"][k, window, pop].mean() == pytest.approx(measured, rel=0.01, abs=0.05)
    # Trial 1 starts silent: the kick alone does not ignite it (first Up state comes later).
    assert r.a["traces"][0, window, 0].max() < 1.0


def test_fig4b_reaches_the_set_point_plane_after_3000_trials(runs):
    r = runs("p001_fig4b", "protocol.trials=3000")
    s = r.summary
    assert s["trials_completed"] == 3000
    w = s["W_final"]
    # Spec claim 7: |E - 5| < 0.02, |I - 14| < 0.05 after 3000 trials (low-passed rates).
    assert abs(r.a["lowpass_E"][-1, 0] - E_SET) < 0.02
    assert abs(r.a["lowpass_I"][-1, 0] - I_SET) < 0.05
    assert abs(s["E_final_hz"] - E_SET) < 0.05 and abs(s["I_final_hz"] - I_SET) < 0.1
    # Final weights on the set-point plane within 1 % (Methods Eqs. 4-5).
    assert w["EI"] == pytest.approx(plane_EI(w["EE"]), rel=0.01)
    assert w["II"] == pytest.approx(plane_II(w["IE"]), rel=0.01)
    # The summary's relative residuals say the same.
    res = s["setpoint_plane_residual"]
    assert res["EI"] == pytest.approx((w["EI"] - plane_EI(w["EE"])) / plane_EI(w["EE"]), abs=1e-9)
    assert res["II"] == pytest.approx((w["II"] - plane_II(w["IE"])) / plane_II(w["IE"]), abs=1e-9)
    assert abs(res["EI"]) < 0.01 and abs(res["II"]) < 0.01
    # Spec claim 7 final weights ~ (4.54, 0.92, 5.98, 0.10): W_II on its floor, W_IE at the value
    # the floor implies through the plane, (0.1*56 + 114)/20 = 5.98.
    assert w["II"] == FLOOR
    assert w["IE"] == pytest.approx(5.98, abs=0.01)
    assert w["EE"] == pytest.approx(4.54, abs=0.15)
    assert w["EI"] == pytest.approx(0.92, abs=0.05)


def test_fig4b_500_is_not_yet_on_the_plane_because_w_ii_sits_on_its_floor(runs):
    """At trial 500 W_II is already at its floor while W_IE (5.77) is still below 5.98: the II plane
    residual is large, the EI one small (why the 1 % check needs 3000 trials)."""
    s = runs("p001_fig4b").summary
    assert s["W_final"]["II"] == FLOOR
    assert 5.5 < s["W_final"]["IE"] < 5.98
    assert abs(s["setpoint_plane_residual"]["EI"]) < 0.1
    assert s["setpoint_plane_residual"]["II"] > 0.5


# ---------------------------------------------------------------- other set points


def _check_setpoint_run(r, e_set, i_set):
    s = r.summary
    assert s["E_set_hz"] == e_set and s["I_set_hz"] == i_set
    w = s["W_final"]
    p = einet.two_population_params()
    wei = einet.setpoint_W_EI(p, w["EE"], e_set, i_set)
    wii = einet.setpoint_W_II(p, w["IE"], e_set, i_set)
    # Closed forms: where the run ends, the set-point plane has positive weights (W_II above its
    # floor, so the floor does not pin it) and its Up state is stable at (e_set, i_set).
    assert wei > FLOOR and wii > FLOOR
    fp = einet.up_state(p, einet.weights4(w["EE"], wei, w["IE"], wii))
    assert fp.stable and fp.above_threshold
    assert (fp.E, fp.I) == (pytest.approx(e_set, rel=1e-9), pytest.approx(i_set, rel=1e-9))
    # The simulation converged there: measured rates within 1 % and weights on the plane within 1 %.
    assert s["E_final_hz"] == pytest.approx(e_set, rel=0.01)
    assert s["I_final_hz"] == pytest.approx(i_set, rel=0.01)
    assert w["EI"] == pytest.approx(wei, rel=0.01)
    assert w["II"] == pytest.approx(wii, rel=0.01)


@pytest.mark.parametrize("e_set,i_set", [(6, 16), (7, 14), (5, 10)])
def test_other_set_points_are_reached(runs, e_set, i_set):
    r = runs("p001_fig4b", "protocol.trials=1500", f"plasticity.E_set={e_set} Hz", f"plasticity.I_set={i_set} Hz")
    _check_setpoint_run(r, e_set, i_set)
    cfg = (r.path / "config.toml").read_text()
    assert f"E_set = '{e_set} Hz'" in cfg and f"I_set = '{i_set} Hz'" in cfg


@pytest.mark.slow
@pytest.mark.parametrize("e_set,i_set,trials", [(5, 20, 3000), (4, 12, 6000)])
def test_set_points_near_the_floor_are_reached_slowly(runs, e_set, i_set, trials):
    """(5, 20) and (4, 12): the path runs along the W_II floor, so convergence takes longer."""
    r = runs("p001_fig4b", f"protocol.trials={trials}", f"plasticity.E_set={e_set} Hz", f"plasticity.I_set={i_set} Hz")
    s = r.summary
    assert s["E_final_hz"] == pytest.approx(e_set, rel=0.02)
    assert s["I_final_hz"] == pytest.approx(i_set, rel=0.01)
    w = s["W_final"]
    p = einet.two_population_params()
    assert w["EI"] == pytest.approx(einet.setpoint_W_EI(p, w["EE"], e_set, i_set), rel=0.02)
    fp = einet.up_state(p, einet.weights4(w["EE"], w["EI"], w["IE"], w["II"]))
    assert fp.stable and fp.E == pytest.approx(e_set, rel=0.02) and fp.I == pytest.approx(i_set, rel=0.01)


# ---------------------------------------------------------------- Fig. 2: standard homeostatic


def test_fig2b_homeostatic_rule_never_settles_at_the_set_points(runs):
    r = runs("p001_fig2b")
    s = r.summary
    assert s["trials_completed"] == 500
    # Final rates far from the set points (spec claim 9: E > I, I far below I_set).
    assert abs(s["I_final_hz"] - I_SET) > 5
    assert abs(s["E_final_hz"] - E_SET) > 1 or abs(s["I_final_hz"] - I_SET) > 5
    e, i = r.a["trial_rates_E"][:, 0], r.a["trial_rates_I"][:, 0]
    # Not one trial comes near both set points.
    assert not np.any((np.abs(e - E_SET) < 0.5) & (np.abs(i - I_SET) < 1.0))
    # Intermittent Up states (claim 9): > 90 % of trials 301-400 (we allow >= 80 %), E ~ 4.6 Hz
    # inside them but I ~ 0.25 Hz; fewer in 401-500 (~ 60 %).
    up = e >= 1.0
    assert up[300:400].mean() >= 0.8
    assert up[400:500].mean() < up[300:400].mean()
    assert e[300:400][up[300:400]].mean() == pytest.approx(4.6, abs=0.6)
    assert i[300:400][up[300:400]].mean() < 1.0
    assert np.all(e[up] > i[up] - 1e-9) or np.mean(e[up] > i[up]) > 0.95


def replay_rule(r, signs, alpha):
    """Replay Methods Eq. 6 with per-class signs (H = as Eq. 6, A = flipped, Fig. S2) on the
    recorded low-passed rates (rectified at 1 Hz), floor 0.1; compare with the recorded weights."""
    lp_e, lp_i, w = r.a["lowpass_E"][:, 0], r.a["lowpass_I"][:, 0], r.a["weights"][:, 0, :]
    sign = np.array([1 if c == "H" else -1 for c in signs])
    W = w[0].copy()
    for t in range(len(lp_e)):
        e, i = max(1.0, lp_e[t]), max(1.0, lp_i[t])
        dW = np.array([alpha * e * (E_SET - e), -alpha * i * (E_SET - e),
                       alpha * e * (I_SET - i), -alpha * i * (I_SET - i)])
        W = np.maximum(W + sign * dW, FLOOR)
        np.testing.assert_allclose(w[t + 1], W, rtol=1e-10, atol=1e-12, err_msg=f"trial {t + 1}")


def test_fig2b_weights_follow_the_homeostatic_rule(runs):
    """Methods Eq. 6 with alpha = 1e-4, applied to the rectified low-passed rates, floor 0.1."""
    replay_rule(runs("p001_fig2b"), "HHHH", 1e-4)


def test_fig2e_homeostatic_rule_leaves_the_set_points(runs):
    r = runs("p001_fig2e")
    s = r.summary
    w0 = r.a["weights"][0, 0]
    assert w0[1] == pytest.approx(plane_EI(w0[0]), rel=1e-12) and w0[3] == pytest.approx(plane_II(w0[2]), rel=1e-12)
    assert abs(s["I_final_hz"] - I_SET) > 1.0
    # Spec claim 10: at trial 500 I ~ 11.6-11.7 Hz, E ~ 4.5 Hz (seed-insensitive). Tolerance:
    # seeds 1-100 give I 11.68-11.74 and E 4.49-4.53 (mean of the last 10 measured trials, which
    # reads ~0.08 Hz above the closed form of the final weights); we allow 0.35 Hz on I (15 % of
    # its 2.3 Hz excursion) and 0.15 Hz on E around the spec's values.
    assert s["I_final_hz"] == pytest.approx(11.65, abs=0.35)
    assert s["E_final_hz"] == pytest.approx(4.5, abs=0.15)
    uf = s["up_state_of_final_weights"]
    assert uf["I_hz"] == pytest.approx(11.65, abs=0.35) and uf["E_hz"] == pytest.approx(4.5, abs=0.15)
    # A growing oscillation: the excursion of I in trials 401-500 is many times that of 1-100.
    dev = np.abs(r.a["trial_rates_I"][:, 0] - I_SET)
    assert dev[400:].max() > 3 * dev[:100].max()


@pytest.mark.slow
def test_fig2b_up_states_die_out_by_trial_800(runs):
    """Claim 9: ~30 % of trials 501-600 sustained, none after ~700-800."""
    r = runs("p001_fig2b", "protocol.trials=1000")
    up = r.a["trial_rates_E"][:, 0] >= 1.0
    assert 0.1 <= up[500:600].mean() <= 0.5
    assert up[800:].mean() <= 0.02


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fig2e_is_seed_insensitive(runs, seed):
    s = runs("p001_fig2e", f"run.seed={seed}").summary
    assert s["I_final_hz"] == pytest.approx(11.65, abs=0.35)
    assert s["E_final_hz"] == pytest.approx(4.5, abs=0.15)


# ---------------------------------------------------------------- Figs. 1B-C, 3: paradoxical effect


@pytest.mark.parametrize("name,i_after,e_after,paradoxical", [
    ("p001_fig1b", 4.615, 2.954, True),    # I_ext = 7 into I
    ("p001_fig1c", 5.146, 3.155, True),    # W_IE 10 -> 12
    ("p001_fig3", 28.52, 12.04, True),     # W_IE 10 -> 8: I rises (the mirror image)
])
def test_paradoxical_effect(runs, name, i_after, e_after, paradoxical):
    s = runs(name).summary
    an = s["analytic"]
    # Closed forms (spec §1.6, claim 2) to the printed precision.
    assert an["I_before_hz"] == pytest.approx(10.0, abs=1e-9) and an["E_before_hz"] == pytest.approx(5.0, abs=1e-9)
    assert an["I_after_hz"] == pytest.approx(i_after, abs=0.005)
    assert an["E_after_hz"] == pytest.approx(e_after, abs=0.005)
    assert an["paradoxical_regime"] is True
    # Simulation (with noise) within 2 % of the closed forms.
    assert s["I_before_hz"] == pytest.approx(10.0, rel=0.02) and s["E_before_hz"] == pytest.approx(5.0, rel=0.02)
    assert s["I_after_hz"] == pytest.approx(i_after, rel=0.02)
    assert s["E_after_hz"] == pytest.approx(e_after, rel=0.02)
    # Paradoxical: I moves against the direct effect of the change (W_IE up or I drive up -> I falls;
    # W_IE down -> I rises).
    direct = +1 if name != "p001_fig3" else -1
    assert ((s["I_after_hz"] - s["I_before_hz"]) * direct < 0) is paradoxical
    assert s["paradoxical_effect"] is paradoxical
    assert s["I_change_hz"] == pytest.approx(s["I_after_hz"] - s["I_before_hz"], rel=1e-12)


def test_paradoxical_closed_form_matches_the_library():
    """Fig. 1B via the Python closed form: a tonic input to I lowers I (10 -> 4.615)."""
    p = einet.two_population_params()
    p.input_I = 7.0
    fp = einet.up_state(p, einet.weights4(5, 1.52, 10, 2.25))
    assert fp.I == pytest.approx(60 / 13, rel=1e-12)  # 4.6154
    assert fp.E == pytest.approx(2.953846153846154, rel=1e-12)


def test_fig1b_trace_shows_the_drop(runs):
    r = runs("p001_fig1b")
    t, rates = r.a["trace_time_ms"], r.a["trace_rates"]
    s = r.summary
    assert s["perturbation_at_ms"] == 1500 and t[-1] == pytest.approx(3000)
    before = (t > 1000) & (t <= 1500)
    after = t > 2500
    assert rates[before, 1].mean() == pytest.approx(s["I_before_hz"], abs=0.1)
    assert rates[after, 1].mean() == pytest.approx(s["I_after_hz"], abs=0.1)


# ---------------------------------------------------------------- Fig. S4: online rule


def test_figS4_online_sensors_end_at_the_set_points(runs):
    r = runs("p001_figS4")
    s = r.summary
    assert s["status"] == "complete" and s["simulated_s"] == pytest.approx(100)
    # Spec claim 11: c_E ~ 5.05-5.1, c_I ~ 14.0 after 100 s. Across seeds 1-5 c_E spans 5.05-5.19
    # (the last kick's timing matters), so c_E in [5.0, 5.2] and c_I within 0.1 Hz of 14.
    assert 5.0 <= s["E_sensor_final_hz"] <= 5.2
    assert s["I_sensor_final_hz"] == pytest.approx(14.0, abs=0.1)
    sensors, tt = r.a["online_sensors"], r.a["online_time_s"]
    assert tt[-1] == pytest.approx(100) and sensors.shape == (len(tt), 2)
    np.testing.assert_allclose(sensors[-1], [s["E_sensor_final_hz"], s["I_sensor_final_hz"]], rtol=1e-12)
    # Sensors start at 0 and the weights at the Fig. 4B start.
    assert np.all(sensors[0] < 1.0)
    np.testing.assert_allclose(r.a["online_weights"][0], [2.1, 3.0, 4.0, 2.0], atol=1e-3)
    assert np.all(r.a["online_weights"] >= FLOOR)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_figS4_other_seeds(runs, seed):
    s = runs("p001_figS4", f"run.seed={seed}").summary
    assert 4.95 <= s["E_sensor_final_hz"] <= 5.25
    assert s["I_sensor_final_hz"] == pytest.approx(14.0, abs=0.1)


# ---------------------------------------------------------------- Fig. S2: HAAA variant


def test_figS2_haaa_does_not_settle_at_the_set_points(runs):
    r = runs("p001_figS2")
    s = r.summary
    assert abs(s["E_final_hz"] - E_SET) > 1 or abs(s["I_final_hz"] - I_SET) > 1
    assert abs(s["I_final_hz"] - I_SET) > 5
    e, i = r.a["trial_rates_E"][:, 0], r.a["trial_rates_I"][:, 0]
    assert not np.any((np.abs(e - E_SET) < 0.5) & (np.abs(i - I_SET) < 1.0))
    # The HAAA signs (Fig. S2): EE homeostatic, EI/IE/II anti-homeostatic.
    assert einet.rule_terms("HAAA") == {
        "EE": einet.rule_terms("homeostatic")["EE"],
        **{k: [t.replace("-", "#").replace("+", "-").replace("#", "+") for t in einet.rule_terms("homeostatic")[k]]
           for k in ("EI", "IE", "II")}}
    replay_rule(r, "HAAA", 1e-4)
    # A transient Up state that is lost: sustained trials become common (>= 30 % of some 50-trial
    # window) and then rare again (the last 50 trials at most half as often).
    up = e >= 1.0
    assert s["first_self_sustained_trial"] is not None
    windows = up.reshape(-1, 50).mean(axis=1)
    assert windows.max() >= 0.3
    assert windows[-1] <= 0.5 * windows.max()


# ---------------------------------------------------------------- Figs. 2D / 4D: 100 random starts

RANDOM_STARTS = ('weights.EE={dist="uniform", low=4, high=7}', 'weights.EI={dist="uniform", low=0.5, high=2}',
                 'weights.IE={dist="uniform", low=7, high=13}', 'weights.II={dist="uniform", low=0.5, high=2}')


@pytest.mark.slow
def test_fig4d_every_random_start_converges(runs):
    """Spec claim 8: 100 starts (Fig. 2D ranges), 3000 trials: every run ends within 0.02 Hz of E_set
    and 0.06 Hz of I_set (here: mean of its last 10 measured trials) with weights on the plane
    (claim: within 0.001; we allow 0.002 absolute for another noise realisation)."""
    r = runs("p001_fig4b", "run.batch=100", "protocol.trials=3000", *RANDOM_STARTS)
    w0 = r.a["weights"][0]
    assert w0.shape == (100, 4) and np.all((w0[:, 0] >= 4) & (w0[:, 0] <= 7)) and np.all((w0[:, 2] >= 7) & (w0[:, 2] <= 13))
    e = r.a["trial_rates_E"][-10:].mean(axis=0)
    i = r.a["trial_rates_I"][-10:].mean(axis=0)
    assert np.all(np.abs(e - E_SET) < 0.02) and np.all(np.abs(i - I_SET) < 0.06)
    w = r.a["weights"][-1]
    np.testing.assert_allclose(w[:, 1], plane_EI(w[:, 0]), atol=0.002)
    np.testing.assert_allclose(w[:, 3], plane_II(w[:, 2]), atol=0.002)
    s = r.summary
    assert s["E_final_hz"] == pytest.approx(e.mean(), rel=1e-9) and s["I_final_hz"] == pytest.approx(i.mean(), rel=1e-9)
    assert s["fraction_self_sustained"] == 1


@pytest.mark.slow
def test_fig2d_homeostatic_random_starts_never_reach_the_set_points(runs):
    """Spec claim 9: from the Fig. 2D starts no run ends within 0.25 Hz / 0.5 Hz of the set points;
    re-run of 31 starts: mean final E = 1.8, I = 0.8 Hz."""
    r = runs("p001_fig2b", "run.batch=100", "protocol.trials=3000", *RANDOM_STARTS)
    le, li = r.a["lowpass_E"][-1], r.a["lowpass_I"][-1]
    assert not np.any((np.abs(le - E_SET) < 0.25) & (np.abs(li - I_SET) < 0.5))
    assert le.mean() == pytest.approx(1.8, abs=0.4) and li.mean() == pytest.approx(0.8, abs=0.4)
