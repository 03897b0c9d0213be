"""Study "spiking" through the CLI: a short CUBA run leaves a complete run directory (resolved
config with [populations.*] and [[projections]], summary keys, SONATA spikes.h5 sorted by time,
.npy arrays, report.html with the raster figure); bad input names the key before anything is
written; --set reaches named tables and array elements; the runaway guard keeps a failed run;
[record] currents/weights/traces write their arrays and the E/I balance; a run interrupted after a
checkpoint and resumed (--resume) ends bit-identical to an uninterrupted one."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import tomllib

import numpy as np
import pytest

from conftest import EINET_BIN, EXPERIMENTS

CUBA = EXPERIMENTS / "cuba.toml"


def test_short_cuba_run_directory(run_einet, tmp_path):
    out = tmp_path / "cuba"
    proc = run_einet(["run", CUBA, "--out", out, "--set", "run.duration=200 ms", "--threads", "2"])
    assert proc.returncode == 0, proc.stderr
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["populations"]["E"]["size"] == 3200 and config["populations"]["I"]["R"] == "1 GOhm"
    assert [p["pre"] + p["post"] for p in config["projections"]] == ["EE", "EI", "IE", "II"]
    assert config["projections"][0]["connectivity"] == "fixed_probability"  # default filled in
    summary = json.loads((out / "summary.json").read_text())
    for key in ("rate_hz_mean", "rate_E_hz", "rate_I_hz", "n_spikes", "cv_isi_mean", "n_synapses"):
        assert key in summary, key
    assert 2.0 < summary["rate_hz_mean"] < 15.0  # Brian2's CUBA: about 5-6 Hz
    assert abs(summary["n_synapses"] - 0.02 * 4000 ** 2) < 5 * 566  # binomial, 5 SD
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    h5py = pytest.importorskip("h5py")
    with h5py.File(out / "spikes.h5", "r") as f:
        n = 0
        for pop, size in (("E", 3200), ("I", 800)):
            t = f[f"/spikes/{pop}/timestamps"][:]
            ids = f[f"/spikes/{pop}/node_ids"][:]
            assert np.all(np.diff(t) >= 0) and ids.max() < size
            np.testing.assert_array_equal(t, np.load(out / "arrays" / f"spike_times_{pop}.npy"))
            n += t.size
        assert n == summary["n_spikes"]
    assert np.load(out / "arrays" / "rate_E.npy").shape == (20,)
    assert (out / "report.html").is_file()


@pytest.mark.parametrize("override, key", [
    ("populations.E.size=0", "populations.E.size"),
    ("projections[1].p=1.5", "projections[1].p"),
    ("projections[0].delay=0.05 ms", "projections[0].delay"),
    ("run.duration=100.05 ms", "run.duration"),
    ("populations.I.model=izhikevich", "populations.I.model"),
    ("populations.E.synapse.kinetics=alpha", "populations.E.synapse.kinetics"),
    ("projections[3].post=X", "projections[3].post"),
    ("projections[9].p=0.1", "projections[9].p"),
    ("run.precision=float16", "run.precision"),
])
def test_bad_input_names_the_key_and_writes_nothing(run_einet, tmp_path, override, key):
    out = tmp_path / "bad"
    proc = run_einet(["run", CUBA, "--out", out, "--set", override])
    assert proc.returncode == 2, proc.stderr
    assert f"{key}: expected" in proc.stderr
    assert not out.exists()


def test_bad_file_is_located(run_einet, tmp_path):
    text = CUBA.read_text().replace("p = 0.02\nweight = \"9 mV\"", "p = -0.1\nweight = \"9 mV\"", 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    line = text[: text.index("p = -0.1")].count("\n") + 1
    proc = run_einet(["check", bad])
    assert proc.returncode == 2
    assert f"bad.toml:{line}:5: projections[2].p: expected a number" in proc.stderr


def test_set_reaches_named_tables_and_arrays(run_einet):
    proc = run_einet(["check", CUBA, "--set", "populations.E.size=100", "--set", "projections[1].p=0.1"])
    assert proc.returncode == 0, proc.stderr
    config = tomllib.loads(proc.stdout[proc.stdout.index("[experiment]"):] if "[experiment]" in proc.stdout else proc.stdout)
    assert config["populations"]["E"]["size"] == 100
    assert config["projections"][1]["p"] == pytest.approx(0.1)


def test_describe_and_list(run_einet):
    proc = run_einet(["describe", "projections.p"])
    assert proc.returncode == 0 and "projections[i].p" in proc.stdout
    proc = run_einet(["describe", "populations"])
    assert "populations.<name>.tau_m" in proc.stdout
    listed = run_einet(["list"]).stdout
    for name in ("cuba", "p001_network", "p003_feedforward"):
        assert name in listed


def test_runaway_is_stopped_and_the_directory_kept(run_einet, tmp_path):
    out = tmp_path / "runaway"
    proc = run_einet(["run", CUBA, "--out", out, "--set", "run.duration=200 ms", "--set", "populations.E.I_e=100 mV",
                      "--set", "run.max_rate=50 Hz"])
    assert proc.returncode == 3, proc.stderr
    assert "runaway activity" in proc.stderr and "run.max_rate" in proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert (out / "spikes.h5").is_file() and (out / "arrays" / "spike_times_E.npy").is_file()


def test_record_currents_traces_and_weights(run_einet, tmp_path):
    out = tmp_path / "cuba"
    proc = run_einet(["run", CUBA, "--out", out, "--quiet", "--no-report", "--set", "run.duration=100 ms",
                      "--set", "record.currents=true", "--set", "record.weights=true", "--set", "record.trace_neurons=3"])
    assert proc.returncode == 0, proc.stderr
    arrays = out / "arrays"
    summary = json.loads((out / "summary.json").read_text())
    t = np.load(arrays / "current_t.npy")
    np.testing.assert_allclose(t, np.arange(100) * 1.0)  # bins of record.trace_every
    for pop in ("E", "I"):
        E, I = np.load(arrays / f"current_{pop}_E.npy"), np.load(arrays / f"current_{pop}_I.npy")
        assert E.shape == I.shape == t.shape and np.all(E >= 0) and np.all(I <= 0) and E[-1] > 0 > I[-1]
        assert summary[f"ei_ratio_{pop}"] > 0 and -1 <= summary[f"ei_correlation_{pop}"] <= 1
        assert np.load(arrays / f"trace_{pop}_V.npy").shape == (100, 3)
        np.testing.assert_array_equal(np.load(arrays / f"trace_{pop}_neurons.npy"), [0, 1, 2])
    n = 0
    for pre in ("E", "I"):
        for post in ("E", "I"):
            name = f"weights_{pre}_{post}_{pre}"
            sources, w = np.load(arrays / f"{name}_sources.npy"), np.load(arrays / f"{name}_weights.npy")
            assert sources.shape == w.shape and np.all(w == np.float32(1.62 if pre == "E" else 9.0))
            n += sources.size
    assert n == summary["n_synapses"]


# A small noisy E/I network touching every kind of state a checkpoint must carry: adaptation,
# membrane and current noise, delays, Poisson input, traces, currents, the rate guard.
NOISY = """
[experiment]
study = "spiking"
[run]
seed = 7
duration = "300 ms"
checkpoint_interval = "100 ms"
[populations.E]
size = 400
excitatory = true
model = "adaptive_lif"
tau_m = "20 ms"
E_L = "-60 mV"
V_th = "-50 mV"
V_reset = "-60 mV"
t_ref = "2 ms"
I_e = "11 mV"
sigma_V = "3 mV"
beta = "200 pA ms"
tau_adapt = "100 ms"
V0 = {dist = "uniform", low = "-60 mV", high = "-50 mV"}
[populations.I]
size = 100
excitatory = false
tau_m = "10 ms"
E_L = "-60 mV"
V_th = "-50 mV"
V_reset = "-60 mV"
I_e = "8 mV"
noise = {sigma = "2 mV/ms^1/2", tau = "5 ms"}
synapse = {kinetics = "exponential", tau = "10 ms"}
[[projections]]
pre = "E"
post = "E"
p = 0.05
weight = "0.5 mV"
delay = "0.5 ms"
[[projections]]
pre = "E"
post = "I"
p = 0.1
weight = "1 mV"
delay = {dist = "uniform_steps", low = "0.1 ms", high = "2 ms"}
[[projections]]
pre = "I"
post = "E"
p = 0.1
weight = "1 mV"
delay = "1 ms"
[[inputs]]
kind = "poisson"
population = "I"
rate = "20 Hz"
sources = 10
weight = "1 mV"
receptor = "E"
[record]
trace_neurons = 2
currents = true
"""

INTERRUPT = "EINET_TEST_INTERRUPT_AFTER_CHECKPOINT"


def _run(args, env_extra=None, cwd=None):
    """The CLI with extra environment variables (run_einet cannot pass them)."""
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([str(EINET_BIN), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def _recorded(out):
    """Every spike of spikes.h5 and every array, by name."""
    h5py = pytest.importorskip("h5py")
    data = {p.name: np.load(p) for p in (out / "arrays").glob("*.npy")}
    with h5py.File(out / "spikes.h5", "r") as f:
        for pop in f["spikes"]:
            for field in ("timestamps", "node_ids"):
                data[f"h5/{pop}/{field}"] = f[f"/spikes/{pop}/{field}"][:]
    return data


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_interrupted_run_resumes_bit_identically(tmp_path, precision):
    if not EINET_BIN.is_file():
        pytest.skip(f"einet CLI not built: {EINET_BIN}")
    experiment = tmp_path / "noisy.toml"
    experiment.write_text(NOISY.replace("[run]\n", f'[run]\nprecision = "{precision}"\n', 1))
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    proc = _run(["run", experiment, "--out", whole, "--quiet", "--no-report"])
    assert proc.returncode == 0, proc.stderr
    assert not (whole / "checkpoint").exists()  # a complete run drops its checkpoint

    # Killed after the checkpoint at 100 ms, resumed and killed after the one at 200 ms, resumed.
    proc = _run(["run", experiment, "--out", parts, "--quiet", "--no-report", "--threads", "1"], {INTERRUPT: "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert json.loads((parts / "manifest.json").read_text())["status"] == "running"
    assert (parts / "checkpoint" / "header.json").is_file()
    proc = _run(["run", experiment, "--out", parts, "--quiet", "--no-report", "--resume"], {INTERRUPT: "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    proc = _run(["run", experiment, "--out", parts, "--quiet", "--no-report", "--resume", "--threads", "2"])
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((parts / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["resumed_from_ms"] == pytest.approx(200.0)
    assert not (parts / "checkpoint").exists() and not list(parts.glob("*.tmp-*"))

    a, b = _recorded(whole), _recorded(parts)
    assert a.keys() == b.keys() and "h5/E/timestamps" in a and "trace_E_V.npy" in a and "current_I_E.npy" in a
    assert a["h5/E/timestamps"].size > 500 and a["h5/I/timestamps"].size > 500
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (whole, parts))
    for key in ("run_wall_s", "threads_used"):  # how the run went, not what it computed
        sa.pop(key), sb.pop(key)
    assert sa == sb


def test_resume_refuses_another_config_or_no_checkpoint(tmp_path):
    if not EINET_BIN.is_file():
        pytest.skip(f"einet CLI not built: {EINET_BIN}")
    experiment = tmp_path / "noisy.toml"
    experiment.write_text(NOISY.replace('duration = "300 ms"', 'duration = "200 ms"'))
    out = tmp_path / "run"
    assert _run(["run", experiment, "--out", out, "--quiet", "--no-report"], {INTERRUPT: "1"}).returncode == -signal.SIGKILL
    proc = _run(["run", experiment, "--out", out, "--quiet", "--no-report", "--resume", "--set", "run.seed=8"])
    assert proc.returncode == 2 and "configuration differs" in proc.stderr and "seed = 8" in proc.stderr, proc.stderr
    assert _run(["run", experiment, "--out", out, "--quiet", "--no-report", "--resume"]).returncode == 0
    proc = _run(["run", experiment, "--out", out, "--quiet", "--no-report", "--resume"])
    assert proc.returncode == 2 and "no checkpoint" in proc.stderr, proc.stderr
