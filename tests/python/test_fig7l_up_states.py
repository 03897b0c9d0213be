"""tools/fig7l_up_states.py (the Fig. 7L Up-state / adaptation analysis of docs/reproduction.md):
the count-noise floor of SI Eq. 18 against a Monte-Carlo of Poisson units at their set points, the
adaptation current of spec §5.1 against closed forms, and the run readers on a real two-trial run
(final arrays and an interrupted run's checkpoint) against the run's own Up-state lengths."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from conftest import EINET_BIN, EXPERIMENTS, REPO_ROOT, run_quick

sys.path.insert(0, str(REPO_ROOT / "tools"))
import fig7l_up_states as f7l  # noqa: E402

ACTIVE = ("projections[0].weight.mean=240 pA", "projections[1].weight.mean=175 pA")  # Up state every trial


def test_count_noise_floor_is_eq18_of_poisson_units_at_their_set_points():
    # (1600·5 + 400·14)/2000 = 6.8 Hz; over T seconds the floor is 6.8/T Hz²; no Up state → NaN.
    np.testing.assert_allclose(f7l.count_noise_floor_hz2([1400.0, 270.0]), [6.8 / 1.4, 6.8 / 0.27])
    assert np.isnan(f7l.count_noise_floor_hz2([0.0]))[0]
    rng = np.random.default_rng(7)
    t = 0.5
    mse = []
    for _ in range(400):  # SI Eq. 18 of Poisson counts whose expected rates are exactly the set points
        e = rng.poisson(5.0 * t, 1600) / t
        i = rng.poisson(14.0 * t, 400) / t
        mse.append((((e - 5.0) ** 2).sum() + ((i - 14.0) ** 2).sum()) / 2000)
    assert np.mean(mse) == pytest.approx(float(f7l.count_noise_floor_hz2(500.0)), rel=0.01)


def test_adaptation_current_follows_spec_5_1():
    # One spike of one unit: β/τ = 3 nA·ms / 500 ms = 6 pA, decaying with τ = 500 ms; the spike counts from its own time on.
    assert f7l.adaptation_current_pA(0.0, [0.0], 1) == pytest.approx(6.0)
    assert f7l.adaptation_current_pA(-1.0, [0.0], 1) == 0.0
    assert f7l.adaptation_current_pA(500.0, [0.0], 1) == pytest.approx(6.0 / np.e)
    # A regular train of period P: just after spike k the current is 6·(1 − q^k)/(1 − q), q = e^(−P/τ);
    # its time average tends to β·r (15 pA at 5 Hz); population mean = sum over units / n.
    period, k = 200.0, 40
    q = np.exp(-period / 500.0)
    spikes = np.arange(k) * period
    assert f7l.adaptation_current_pA(spikes[-1], spikes, 1) == pytest.approx(6.0 * (1 - q ** k) / (1 - q))
    grid = np.linspace(spikes[-6], spikes[-1], 2001)[:-1]
    assert f7l.adaptation_current_pA(grid, spikes, 1).mean() == pytest.approx(15.0, rel=2e-3)
    assert f7l.adaptation_current_pA(grid, spikes, 4).mean() == pytest.approx(15.0 / 4, rel=2e-3)
    assert f7l.adaptation_current_pA(0.0, [0.0], 1, beta_nA_ms=1.5) == pytest.approx(3.0)


def test_window_table_averages_floor_over_active_trials():
    mse = np.array([58.0, 20.0, 6.0, 5.0])
    up = np.array([0.0, 340.0, 1360.0, 1370.0])
    rows = f7l.window_table(mse, up, 2)
    assert [(r["first"], r["last"]) for r in rows] == [(1, 2), (3, 4)]
    assert rows[0]["floor_mean"] == pytest.approx(6.8 / 0.34) and rows[0]["full_fraction"] == 0.0
    assert rows[1]["up_median_ms"] == 1365.0 and rows[1]["mse_mean"] == 5.5 and rows[1]["full_fraction"] == 1.0


def test_readers_on_a_finished_and_an_interrupted_run(tmp_path):
    common = ("training.trials=3", "training.record_trials=[1, 2]", "training.preset=stored_run", *ACTIVE)
    run_quick("p001_fig7", tmp_path / "done", *common)
    mse, up = f7l.load_trials(tmp_path / "done")
    assert len(mse) == len(up) == 3 and up.min() > 0
    ends = f7l.stored_trial_ends(tmp_path / "done", 3.0)
    assert [e["trial"] for e in ends] == [1, 2, 3]  # the last trial is always stored
    for e in ends:  # the reference detector on the stored spikes gives the run's own Up-state length
        assert sum(b - a for a, b in e["up_states_ms"]) == pytest.approx(up[e["trial"] - 1])
        assert 0.0 < e["adaptation_at_end_pA"] < 6.0 * 50  # < 50 spikes per E unit in a 1.5-s trial
    # A killed run is read from its checkpoint (the trials done so far).
    env = dict(os.environ, EINET_TEST_INTERRUPT_AFTER_CHECKPOINT="2")
    args = [str(EINET_BIN), "run", str(EXPERIMENTS / "p001_fig7.toml"), "--out", str(tmp_path / "cut"), "--quiet",
            "--no-report", "--threads", "1", *(x for s in (*common, "training.checkpoint_every=1") for x in ("--set", s))]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    m2, u2 = f7l.load_trials(tmp_path / "cut")
    np.testing.assert_array_equal(m2, mse[:2])
    np.testing.assert_array_equal(u2, up[:2])
    with pytest.raises(FileNotFoundError, match="neither arrays/training_mse.npy nor a checkpoint"):
        f7l.load_trials(tmp_path)
    assert f7l.main([str(tmp_path / "done"), "--window", "2", "--json"]) == 0


def test_scaled_copy_of_a_trained_network_runs_with_one_class_scaled(tmp_path):
    # tools/scale_trained_projection.py: E→E × 1.5, every other array byte-identical; einet reads the
    # copy and, with every term list empty (frozen weights), trains nothing: class means = trained × (1.5, 1, 1, 1).
    import scale_trained_projection as stp
    run_quick("p001_fig7", tmp_path / "t", *ACTIVE, "training.trials=1", "training.record_trials=[1]",
              "training.preset=stored_run", "training.save_network=true")
    net = stp.scale_trained_projection(tmp_path / "t", tmp_path / "s", 0, 1.5)
    a, b = tmp_path / "t" / "arrays", tmp_path / "s" / "arrays"
    np.testing.assert_array_equal(np.load(b / "trained_projection0_weights.npy"),
                                  1.5 * np.load(a / "trained_projection0_weights.npy"))
    for f in sorted(b.glob("*.npy")):
        if f.name != "trained_projection0_weights.npy":
            np.testing.assert_array_equal(np.load(f), np.load(a / f.name), err_msg=f.name)
    frozen = ["training.trials=1", "training.rule=custom", *(f"training.terms.{c}=[]" for c in ("EE", "EI", "IE", "II"))]
    args = ["run", net, "--out", tmp_path / "f", "--quiet", "--no-report"]
    for s in frozen:
        args += ["--set", s]
    subprocess.run([str(EINET_BIN), *map(str, args)], check=True, capture_output=True, timeout=300)
    w = np.load(tmp_path / "f" / "arrays" / "training_weight_mean.npy")
    trained = np.load(a / "trained_projection0_weights.npy").mean()
    np.testing.assert_allclose(w[0, 0], 1.5 * trained, rtol=1e-6)
    np.testing.assert_array_equal(w[0], w[-1])  # frozen
    with pytest.raises(ValueError, match="projections 0..3"):
        stp.scale_trained_projection(tmp_path / "t", tmp_path / "x", 4, 2.0)
    with pytest.raises(FileNotFoundError, match="training.save_network"):
        stp.scale_trained_projection(tmp_path / "f", tmp_path / "y", 0, 2.0)
