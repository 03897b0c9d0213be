"""Study "spiking" through the CLI: a short CUBA run leaves a complete run directory (resolved
config with [populations.*] and [[projections]], summary keys, SONATA spikes.h5 sorted by time,
.npy arrays, report.html with the raster figure); bad input names the key before anything is
written; --set reaches named tables and array elements; the runaway guard keeps a failed run."""
from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest

from conftest import EXPERIMENTS

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
