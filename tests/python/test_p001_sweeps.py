"""Paper 001 sweeps over random initialisations (trial protocol, batch dimension of the engine):
summary statistics of the sweep, checkpointed resume bit-identical to an uninterrupted run, and
(slow) the 100-initialisation cross-homeostatic sweep of Fig. 4D within 5 % of the set points."""
from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

from conftest import EINET_BIN, EXPERIMENTS, run_quick

SHORT = ("run.batch=16", "protocol.trials=30")


def test_sweep_summary_keys_match_arrays(tmp_path):
    out = tmp_path / "sweep"
    s = run_quick("p001_fig4d", out, *SHORT)
    final = np.load(out / "arrays" / "final_rates.npy")
    assert final.shape == (16, 2) and s["n_runs"] == 16
    assert s["E_final_mean_hz"] == pytest.approx(final[:, 0].mean(), rel=1e-12)
    assert s["I_final_sem_hz"] == pytest.approx(final[:, 1].std(ddof=1) / 4.0, rel=1e-9)
    ok = (np.abs(final[:, 0] - 5) <= 0.25) & (np.abs(final[:, 1] - 14) <= 0.7)
    assert s["n_converged"] == int(ok.sum())


@pytest.mark.parametrize("experiment, sets, arrays", [
    ("p001_fig4d", (*SHORT, "protocol.checkpoint_every=10"),
     ("trial_rates_E", "lowpass_I", "weights", "final_rates", "final_unit_rates_E", "traces")),
    # The multi-unit sweeps (Figs. 5G/6G) in float32, as they are run: unit-major kernel, 2 threads.
    ("p001_fig6g", ("run.batch=19", "protocol.trials=4", "protocol.checkpoint_every=1", "model.precision=float32"),
     ("trial_rates_E", "lowpass_I", "weights", "final_unit_rates_E", "final_unit_rates_I", "traces")),
])
def test_killed_sweep_resumes_bit_identically(tmp_path, experiment, sets, arrays):
    whole = tmp_path / "whole"
    run_quick(experiment, whole, *sets, extra=["--threads", "1"])  # and the killed run on 2 threads
    cut = tmp_path / "cut"
    args = [str(EINET_BIN), "run", str(EXPERIMENTS / f"{experiment}.toml"), "--out", str(cut), "--quiet", "--no-report",
            "--threads", "2"]
    for s in sets:
        args += ["--set", s]
    env = dict(os.environ, EINET_TEST_INTERRUPT_AFTER_CHECKPOINT="2")  # SIGKILL after the 2nd checkpoint
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and (cut / "checkpoint" / "header.json").is_file()
    subprocess.run([*args, "--resume"], check=True, capture_output=True, text=True, timeout=300)
    assert not (cut / "checkpoint").exists()
    for name in arrays:
        a, b = np.load(whole / "arrays" / f"{name}.npy"), np.load(cut / "arrays" / f"{name}.npy")
        assert a.tobytes() == b.tobytes(), name


@pytest.mark.slow
def test_fig4d_100_initialisations_reach_the_set_points(tmp_path):
    # Issue 10 / spec §7 claim 8: every run ends at the set points; mean within 5 %.
    s = run_quick("p001_fig4d", tmp_path / "fig4d")
    assert s["n_runs"] == 100
    assert abs(s["E_final_mean_hz"] - 5) <= 0.05 * 5 and abs(s["I_final_mean_hz"] - 14) <= 0.05 * 14
    assert s["n_converged"] == 100
