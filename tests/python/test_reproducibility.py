"""Same seed + same config => identical bytes, whatever the thread count (CONVENTIONS §2);
different seeds differ; each network of a batch is keyed by its index, not by the batch size."""
from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest

from conftest import EXPERIMENTS, run_cli

SWEEP = ["--set", "run.batch=96", "--set", "protocol.trials=20",
         "--set", 'weights.EE={dist="uniform", low=1, high=6}',
         "--set", 'weights.IE={dist="normal", mean=6, std=1}']


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    base = tmp_path_factory.mktemp("repro")
    cache = {}

    def get(threads=1, seed=42, batch=96, experiment="p001_fig4b"):
        key = (threads, seed, batch, experiment)
        if key not in cache:
            out = base / f"{experiment}-t{threads}-s{seed}-b{batch}"
            args = ["run", EXPERIMENTS / f"{experiment}.toml", "--out", out, "--quiet", "--no-report",
                    "--threads", str(threads), "--set", f"run.seed={seed}"]
            if experiment == "p001_fig4b":
                args += [a.replace("run.batch=96", f"run.batch={batch}") for a in SWEEP]
            run_cli(args, base, check=True)
            cache[key] = out
        return cache[key]

    return get


def npy_bytes(run_dir):
    return {p.name: p.read_bytes() for p in sorted((run_dir / "arrays").glob("*.npy"))}


def test_batch_sweep_draws_distinct_weights_per_network(sweeps):
    out = sweeps(threads=1)
    w0 = np.load(out / "arrays" / "weights.npy")[0]
    assert w0.shape == (96, 4)
    ee, ie = w0[:, 0], w0[:, 2]
    assert len(np.unique(ee)) == 96 and np.all((ee >= 1) & (ee <= 6))
    assert ee.mean() == pytest.approx(3.5, abs=0.5)
    assert ie.mean() == pytest.approx(6, abs=0.4) and ie.std() == pytest.approx(1, abs=0.3)
    np.testing.assert_array_equal(w0[:, 1], 3.0)
    np.testing.assert_array_equal(w0[:, 3], 2.0)
    # Networks actually evolve differently.
    assert len(np.unique(np.load(out / "arrays" / "lowpass_E.npy")[-1])) > 10


def test_threads_do_not_change_a_single_byte(sweeps):
    one, two = npy_bytes(sweeps(threads=1)), npy_bytes(sweeps(threads=2))
    assert one.keys() == two.keys() and len(one) >= 8
    for name in one:
        assert one[name] == two[name], f"{name} differs between --threads 1 and --threads 2"
    s1 = json.loads((sweeps(threads=1) / "summary.json").read_text())
    s2 = json.loads((sweeps(threads=2) / "summary.json").read_text())
    assert s1 == s2
    m1 = json.loads((sweeps(threads=1) / "manifest.json").read_text())
    m2 = json.loads((sweeps(threads=2) / "manifest.json").read_text())
    assert (m1["threads"], m2["threads"]) == (1, 2)


def test_same_seed_same_bytes_across_invocations(sweeps, tmp_path):
    again = tmp_path / "again"
    run_cli(["run", EXPERIMENTS / "p001_fig4b.toml", "--out", again, "--quiet", "--no-report", "--threads", "2",
             "--set", "run.seed=42", *SWEEP], tmp_path, check=True)
    assert npy_bytes(again) == npy_bytes(sweeps(threads=1))


def test_different_seeds_differ(sweeps):
    a, b = npy_bytes(sweeps(seed=42)), npy_bytes(sweeps(seed=43))
    for name in ("weights.npy", "trial_rates_E.npy", "lowpass_I.npy", "traces.npy"):
        assert a[name] != b[name], name
    wa = np.load(sweeps(seed=42) / "arrays" / "weights.npy")[0]
    wb = np.load(sweeps(seed=43) / "arrays" / "weights.npy")[0]
    assert not np.any(wa[:, 0] == wb[:, 0])  # the drawn initial weights differ network by network
    cfg = tomllib.loads((sweeps(seed=43) / "config.toml").read_text())
    assert cfg["run"]["seed"] == 43


def test_network_results_do_not_depend_on_batch_size(sweeps):
    """Draws are keyed by (seed, purpose, network index): the first 8 networks of a 96-network
    batch are the 8 networks of a batch of 8."""
    big, small = sweeps(batch=96), sweeps(batch=8, threads=2)
    for name in ("weights", "trial_rates_E", "trial_rates_I", "lowpass_E", "lowpass_I", "first_self_sustained_trial"):
        a, b = np.load(big / "arrays" / f"{name}.npy"), np.load(small / "arrays" / f"{name}.npy")
        a8 = a[:, :8] if a.ndim >= 2 else a[:8]
        np.testing.assert_array_equal(a8, b, err_msg=name)
    np.testing.assert_array_equal(np.load(big / "arrays" / "traces.npy"), np.load(small / "arrays" / "traces.npy"))


@pytest.mark.parametrize("experiment", ["p001_figS4", "p001_fig1b"])
def test_other_studies_are_thread_invariant(sweeps, experiment):
    assert npy_bytes(sweeps(threads=1, experiment=experiment)) == npy_bytes(sweeps(threads=2, experiment=experiment))


def test_noise_seed_changes_single_runs(sweeps):
    a = np.load(sweeps(experiment="p001_figS4", seed=1) / "arrays" / "online_rates.npy")
    b = np.load(sweeps(experiment="p001_figS4", seed=2) / "arrays" / "online_rates.npy")
    assert a.shape == b.shape and not np.array_equal(a, b)
