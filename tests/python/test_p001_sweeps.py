"""Paper 001 sweeps over random initialisations (trial protocol, batch dimension of the engine):
summary statistics of the sweep, checkpointed resume bit-identical to an uninterrupted run (the
two-population and the float32 multi-unit sweeps), and (slow) the 100-initialisation
cross-homeostatic sweeps of Figs. 4D, 4F-G (two set-point pairs) and S3 within 5 % of the set points."""
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


@pytest.mark.parametrize("experiment, sets", [
    ("p001_fig4d", ("protocol.trials=3",)),  # two-population (scalar kernel)
    ("p001_fig6g", ("protocol.trials=2", "model.precision=float32")),  # multi-unit, unit-major float32
    ("p001_fig6g", ("protocol.trials=2", "model.kernel=batch_major")),
])
def test_a_sweep_run_in_chunks_gives_each_network_its_whole_sweep_result(tmp_path, experiment, sets):
    # run.first_network: networks 11-18 of a 19-network sweep, run alone, are bit-identical to
    # those networks in the whole sweep (weights, noise and kicks keyed by the sweep's network index).
    whole, chunk = tmp_path / "whole", tmp_path / "chunk"
    run_quick(experiment, whole, "run.batch=19", *sets)
    run_quick(experiment, chunk, "run.batch=8", "run.first_network=11", *sets)
    for name, axis in (("trial_rates_E", 1), ("trial_rates_I", 1), ("weights", 1), ("final_rates", 0),
                       ("final_unit_rates_E", 0), ("final_unit_rates_I", 0)):
        a, b = np.load(whole / "arrays" / f"{name}.npy"), np.load(chunk / "arrays" / f"{name}.npy")
        assert np.take(a, range(11, 19), axis=axis).tobytes() == b.tobytes(), name


def test_chunks_joined_by_concat_runs_equal_the_whole_sweep(tmp_path):
    # einet.concat_runs: chunks 0-6 and 7-18 of a 19-network multi-unit sweep, joined, are the
    # uninterrupted sweep's arrays bit for bit; an overlap, a gap or a changed key is refused.
    import einet
    sets = ("protocol.trials=2", "model.precision=float32")
    whole = tmp_path / "whole"
    run_quick("p001_fig6g", whole, "run.batch=19", *sets)
    parts = {name: tmp_path / name for name in ("a", "b", "c", "d")}
    run_quick("p001_fig6g", parts["b"], "run.batch=12", "run.first_network=7", *sets)
    run_quick("p001_fig6g", parts["a"], "run.batch=7", *sets)
    joined = einet.concat_runs([parts["b"], parts["a"]])  # any order
    assert (joined.first_network, joined.n_runs) == (0, 19)
    reference = einet.load(whole)
    for name, array in joined.arrays.items():
        assert array.tobytes() == reference.array(name).tobytes(), name
    assert {"trial_rates_E", "weights", "final_unit_rates_I"} <= set(joined.arrays)
    assert "traces" in joined.skipped
    run_quick("p001_fig6g", parts["c"], "run.batch=2", "run.first_network=8", *sets)
    with pytest.raises(ValueError, match="gap"):  # network 7 missing
        einet.concat_runs([parts["a"], parts["c"]])
    with pytest.raises(ValueError, match="overlap"):  # networks 8-9 twice
        einet.concat_runs([parts["c"], parts["b"]])
    run_quick("p001_fig6g", parts["d"], "run.batch=12", "run.first_network=7", "protocol.trials=3",
              "model.precision=float32")
    with pytest.raises(ValueError, match="configured differently"):
        einet.concat_runs([parts["a"], parts["d"]])


@pytest.mark.slow
@pytest.mark.parametrize("experiment, sets, E_set, I_set", [
    ("p001_fig4d", (), 5, 14),
    ("p001_fig4fg", (), 10, 14),  # Fig. 4F-G pair 3
    ("p001_fig4fg", ('plasticity.E_set="5 Hz"', 'plasticity.I_set="24 Hz"'), 5, 24),  # pair 2, spec A6 reading
    ("p001_figS3", (), 5, 14),  # broad U[0, 12] starts
])
def test_cross_homeostatic_100_initialisations_reach_the_set_points(tmp_path, experiment, sets, E_set, I_set):
    # Issue 10 / spec §7 claim 8 and Figs. 4F-G, S3: every run ends at its set points; mean within 5 %.
    out = tmp_path / "sweep"
    s = run_quick(experiment, out, *sets)
    assert s["n_runs"] == 100
    assert abs(s["E_final_mean_hz"] - E_set) <= 0.05 * E_set and abs(s["I_final_mean_hz"] - I_set) <= 0.05 * I_set
    assert s["n_converged"] == 100
    if experiment == "p001_figS3":  # "despite many initially exploding runs": trial 1 runs into saturation
        assert (np.load(out / "arrays" / "trial_rates_E.npy")[0] > 50).sum() >= 10
    elif experiment == "p001_fig4fg":  # weights on the set-point plane of the pair (001 Methods Eqs. 4-5)
        W_EE, W_EI, W_IE, W_II = np.load(out / "arrays" / "weights.npy")[-1].T
        assert np.all(np.abs(W_EI - (E_set * W_EE - 4.8 - E_set) / I_set) < 0.01)
        assert np.all(np.abs(W_II - (E_set * W_IE - 25 - I_set / 4) / I_set) < 0.01)
