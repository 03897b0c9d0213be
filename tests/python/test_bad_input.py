"""Bad input is refused before anything is written (exit 2, `FILE:LINE:COL: key.path: expected ...`),
occupied output directories are refused (exit 4), and a run that diverges stops with exit 3 and
leaves a run directory marked failed with everything recorded until then."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import EXPERIMENTS

HEAD = '[experiment]\nstudy = "trial_plasticity"\n\n'

# id -> (body after HEAD, key path named in the error, text of the offending line)
BAD_FILES = {
    "negative_tau_E": ('[model.E]\ntau = "-10 ms"\n', "model.E.tau", 'tau = "-10 ms"'),
    "negative_tau_I": ('[model.I]\ngain = 4\ntau = "-2 ms"\n', "model.I.tau", 'tau = "-2 ms"'),
    "zero_noise_tau": ('[noise]\ntau = "0 ms"\n', "noise.tau", 'tau = "0 ms"'),
    "unknown_rule": ('[plasticity]\nalpha = 1e-4\nrule = "nope"\n', "plasticity.rule", 'rule = "nope"'),
    "dt_too_large_for_tau": ('[run]\nseed = 3\ndt = "1.5 ms"\n', "run.dt", 'dt = "1.5 ms"'),
    "nan_weight": ("[weights]\nEI = 3.0\nEE = nan\n", "weights.EE", "EE = nan"),
    "negative_weight": ("[weights]\nEI = -1.0\n", "weights.EI", "EI = -1.0"),
    "wrong_unit_time": ('[model.E]\ntau = "10 mV"\n', "model.E.tau", 'tau = "10 mV"'),
    "wrong_unit_rate": ('[plasticity]\nE_set = "5 ms"\n', "plasticity.E_set", 'E_set = "5 ms"'),
    "unknown_unit": ('[model.E]\ntau = "10 parsec"\n', "model.E.tau", 'tau = "10 parsec"'),
    "bare_number_time": ("[model.E]\ntau = 10\n", "model.E.tau", "tau = 10"),
    "bare_number_rate": ("[plasticity]\nI_set = 14\n", "plasticity.I_set", "I_set = 14"),
    "trials_out_of_range": ("[protocol]\ntrials = 0\n", "protocol.trials", "trials = 0"),
    "batch_out_of_range": ("[run]\nbatch = 0\n", "run.batch", "batch = 0"),
    "negative_seed": ("[run]\nseed = -1\n", "run.seed", "seed = -1"),
    "negative_floor": ("[plasticity]\nweight_floor = -0.1\n", "plasticity.weight_floor", "weight_floor = -0.1"),
    "lowpass_below_one": ("[protocol]\nlowpass_trials = 0.5\n", "protocol.lowpass_trials", "lowpass_trials = 0.5"),
    "negative_rate": ('[kick]\nrate = "-1 Hz"\n', "kick.rate", 'rate = "-1 Hz"'),
    "wrong_type": ('[protocol]\ntrials = "many"\n', "protocol.trials", 'trials = "many"'),
    "bad_distribution": ('[weights]\nEE = {dist = "uniform", low = 3, high = 1}\n', "weights.EE", "EE = {"),
    "bad_choice": ('[model]\nupdate_order = "random"\n', "model.update_order", 'update_order = "random"'),
    "section_of_another_study": ('[online]\nduration = "1 s"\n', "online", "[online]"),
    "unknown_key": ("[weights]\nEE = 2.0\nXX = 3.0\n", "weights.XX", "XX = 3.0"),
    "unknown_section": ("[bogus]\nx = 1\n", "bogus", "[bogus]"),
}

# Refused with exit 2 at the right line, but the message lacks the key path and "expected".
BAD_FILES_WEAK_MESSAGE = {
    "toml_syntax_error": ("[weights]\nEE = = 2\n", "weights.EE", "EE = = 2"),
    "toml_duplicate_key": ("[weights]\nEE = 1.0\nEE = 2.0\n", "weights.EE", "EE = 2.0"),
}

# --set key=value -> key path
BAD_SETS = {
    "negative_tau": ("model.E.tau=-1 ms", "model.E.tau"),
    "unknown_rule": ("plasticity.rule=nope", "plasticity.rule"),
    "dt_too_large": ("run.dt=5 ms", "run.dt"),
    "nan_weight": ("weights.EE=nan", "weights.EE"),
    "wrong_unit": ("model.E.tau=10 mV", "model.E.tau"),
    "bare_number": ("model.E.tau=10", "model.E.tau"),
    "bare_number_rate": ("plasticity.E_set=4", "plasticity.E_set"),
    "out_of_range": ("protocol.trials=0", "protocol.trials"),
    "wrong_type": ("protocol.trials=abc", "protocol.trials"),
    "bad_value_syntax": ("weights.EE=[1,", "weights.EE"),
    "negative_rate": ("kick.rate=-1Hz", "kick.rate"),
}


def write_case(tmp_path: Path, name: str, body: str, marker: str) -> tuple[Path, int]:
    text = HEAD + body
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith(marker))
    return path, line


def assert_refused(proc, out: Path):
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert not out.exists(), "a refused run must not create its --out directory"


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_is_refused_with_location(run_einet, tmp_path, case):
    body, key, marker = BAD_FILES[case]
    path, line = write_case(tmp_path, case, body, marker)
    out = tmp_path / "out"
    proc = run_einet(["run", path, "--out", out, "--quiet", "--no-report"])
    assert_refused(proc, out)
    err = proc.stderr
    assert re.search(rf"{re.escape(path.name)}:{line}:\d+:", err), f"expected {path.name}:{line}: in\n{err}"
    assert key in err and "expected" in err
    # check gives the same verdict and writes nothing either.
    chk = run_einet(["check", path])
    assert chk.returncode == 2 and chk.stdout == "" and f"{path.name}:{line}:" in chk.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("case", BAD_FILES_WEAK_MESSAGE, ids=list(BAD_FILES_WEAK_MESSAGE))
def test_toml_syntax_errors_are_refused_at_their_line(run_einet, tmp_path, case):
    body, key, marker = BAD_FILES_WEAK_MESSAGE[case]
    path, line = write_case(tmp_path, case, body, marker)
    out = tmp_path / "out"
    proc = run_einet(["run", path, "--out", out, "--quiet", "--no-report"])
    assert_refused(proc, out)
    assert re.search(rf"{re.escape(path.name)}:{line}:\d+:", proc.stderr), proc.stderr


def test_unknown_key_suggests_the_nearest(run_einet, tmp_path):
    path, _ = write_case(tmp_path, "k", "[weights]\nEE = 2.0\nEJ = 3.0\n", "EJ")
    proc = run_einet(["check", path])
    assert proc.returncode == 2 and "weights.EJ" in proc.stderr
    assert re.search(r"did you mean weights\.E[EI]\?", proc.stderr)


@pytest.mark.parametrize("case", BAD_FILES_WEAK_MESSAGE, ids=list(BAD_FILES_WEAK_MESSAGE))
def test_toml_syntax_errors_name_key_and_expected(run_einet, tmp_path, case):
    body, key, marker = BAD_FILES_WEAK_MESSAGE[case]
    path, _ = write_case(tmp_path, case, body, marker)
    proc = run_einet(["check", path])
    assert proc.returncode == 2
    assert key in proc.stderr and "expected" in proc.stderr


@pytest.mark.parametrize("case", BAD_SETS, ids=list(BAD_SETS))
def test_bad_set_is_refused_naming_the_option(run_einet, tmp_path, case):
    setting, key = BAD_SETS[case]
    out = tmp_path / "out"
    proc = run_einet(["run", EXPERIMENTS / "p001_fig4b_fast.toml", "--out", out, "--quiet", "--no-report",
                      "--set", setting])
    assert_refused(proc, out)
    assert f"--set {key}" in proc.stderr and "expected" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_set_without_equals_and_unknown_keys(run_einet, tmp_path):
    fig = EXPERIMENTS / "p001_fig4b_fast.toml"
    proc = run_einet(["run", fig, "--out", "o", "--quiet", "--set", "noequals"])
    assert proc.returncode == 2 and "--set" in proc.stderr and "key.path=value" in proc.stderr
    proc = run_einet(["run", fig, "--out", "o", "--quiet", "--set", "weights.XX=1"])
    assert proc.returncode == 2 and "--set weights.XX" in proc.stderr
    proc = run_einet(["run", fig, "--out", "o", "--quiet", "--set", "bogus.x=1"])
    assert proc.returncode == 2 and "--set bogus.x" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_all_errors_of_a_check_are_reported_together_when_from_the_same_check(run_einet, tmp_path):
    """dt too large for both tau_I and the noise tau: both reported in one go."""
    path, _ = write_case(tmp_path, "two", '[run]\ndt = "5 ms"\n', "dt")
    proc = run_einet(["check", path])
    assert proc.returncode == 2
    assert "model.I.tau" in proc.stderr and "noise.tau" in proc.stderr


def test_independent_errors_are_reported_together(run_einet, tmp_path):
    path, _ = write_case(tmp_path, "two", '[model.E]\ntau = "-10 ms"\n\n[plasticity]\nrule = "nope"\n', "tau")
    proc = run_einet(["check", path])
    assert proc.returncode == 2
    assert "model.E.tau" in proc.stderr and "plasticity.rule" in proc.stderr


def test_infinite_weight_is_a_config_error(run_einet, tmp_path):
    path, line = write_case(tmp_path, "inf", "[weights]\nEE = inf\n", "EE")
    out = tmp_path / "out"
    proc = run_einet(["run", path, "--out", out, "--quiet", "--no-report"])
    assert proc.returncode == 2 and f"inf.toml:{line}:" in proc.stderr and "weights.EE" in proc.stderr
    assert not out.exists()


def test_ceiling_below_floor_is_a_config_error(run_einet, tmp_path):
    path, _ = write_case(tmp_path, "ceil", "[plasticity]\nweight_ceiling = 0.05\n", "weight_ceiling")
    out = tmp_path / "out"
    proc = run_einet(["run", path, "--out", out, "--quiet", "--no-report", "--set", "protocol.trials=10"])
    if proc.returncode == 0:  # if accepted, the documented floor must at least hold
        w = np.load(out / "arrays" / "weights.npy")[1:]
        assert np.all(w >= 0.1), "weights below plasticity.weight_floor"
    else:
        assert proc.returncode == 2 and "weight_ceiling" in proc.stderr and not out.exists()


@pytest.mark.parametrize("via_set", [False, True])
def test_few_trials_with_default_final_trials(run_einet, tmp_path, via_set):
    if via_set:
        path, line = EXPERIMENTS / "p001_fig4b.toml", None
        args = ["check", path, "--set", "protocol.trials=5"]
    else:
        path, line = write_case(tmp_path, "few", "[protocol]\ntrials = 5\n", "trials")
        args = ["check", path]
    proc = run_einet(args)
    if proc.returncode != 0:
        assert proc.returncode == 2
        where = "--set protocol.trials" if via_set else f"{path.name}:{line}:"
        assert where in proc.stderr, proc.stderr


def test_missing_study_names_the_key(run_einet, tmp_path):
    path = tmp_path / "nostudy.toml"
    path.write_text('[experiment]\nname = "x"\n')
    proc = run_einet(["run", path, "--out", tmp_path / "out", "--quiet"])
    assert proc.returncode == 2 and "nostudy.toml" in proc.stderr and "experiment.study" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_missing_experiment_file(run_einet, tmp_path):
    proc = run_einet(["run", tmp_path / "absent.toml", "--out", tmp_path / "out", "--quiet"])
    assert proc.returncode in (2, 4) and "absent.toml" in proc.stderr
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- occupied --out


def test_non_empty_out_is_refused_and_left_untouched(run_einet, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    (out / "summary.json").write_text('{"mine": 1}')
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    proc = run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--out", out, "--quiet", "--no-report"])
    assert proc.returncode == 4
    assert "not empty" in proc.stderr and "--overwrite" in proc.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == before


def test_out_that_is_a_file_is_refused(run_einet, tmp_path):
    out = tmp_path / "file"
    out.write_text("x")
    proc = run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--out", out, "--quiet", "--no-report"])
    assert proc.returncode == 4 and out.read_text() == "x"


def test_empty_out_directory_is_used(run_einet, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--out", out, "--quiet", "--no-report"], check=True)
    assert (out / "summary.json").is_file()


# ---------------------------------------------------------------- divergence


def failed_run(run_einet, tmp_path, experiment, alpha):
    out = tmp_path / "div"
    proc = run_einet(["run", EXPERIMENTS / f"{experiment}.toml", "--out", out, "--quiet", "--no-report",
                      "--set", f"plasticity.alpha={alpha}"])
    return out, proc


def test_divergence_exits_3_and_keeps_the_partial_run(run_einet, tmp_path):
    # alpha = 1e8: |W_EI| passes the 1e12 guard in the update after trial 3.
    out, proc = failed_run(run_einet, tmp_path, "p001_fig4b_fast", "1e8")
    assert proc.returncode == 3, proc.stderr
    assert "trial 3" in proc.stderr and "class EI" in proc.stderr
    assert str(out.name) in proc.stderr  # says where the partial results are
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "trial 3" in manifest["reason"] and "EI" in manifest["reason"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["trials_completed"] == 3
    assert "EI" in summary["failure"]
    cfg = tomllib.loads((out / "config.toml").read_text())
    assert cfg["plasticity"]["alpha"] == pytest.approx(1e8)
    # Arrays hold exactly the completed trials.
    index = json.loads((out / "arrays" / "index.json").read_text())
    for name, entry in index.items():
        assert list(np.load(out / "arrays" / f"{name}.npy").shape) == entry["shape"], name
    assert np.load(out / "arrays" / "trial_rates_E.npy").shape == (3, 1)
    assert np.load(out / "arrays" / "lowpass_I.npy").shape == (3, 1)
    w = np.load(out / "arrays" / "weights.npy")
    assert w.shape == (4, 1, 4)
    assert abs(w[3, 0, 1]) > 1e12 and np.all(np.abs(w[:3]) < 1e12)  # EI (column 1) crossed first
    assert summary["W_final"]["EI"] == w[3, 0, 1]
    np.testing.assert_array_equal(np.load(out / "arrays" / "trace_trials.npy"), [1])  # only traced trials run


def test_divergence_in_the_first_update(run_einet, tmp_path):
    out, proc = failed_run(run_einet, tmp_path, "p001_fig4b_fast", "1e300")
    assert proc.returncode == 3
    assert "trial 1" in proc.stderr and "class EE" in proc.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"
    assert json.loads((out / "summary.json").read_text())["trials_completed"] == 1
    assert np.load(out / "arrays" / "weights.npy").shape == (2, 1, 4)


def test_online_divergence(run_einet, tmp_path):
    out, proc = failed_run(run_einet, tmp_path, "p001_figS4", "1e300")
    assert proc.returncode == 3
    assert re.search(r"t = [\d.]+ s", proc.stderr) and "class E" in proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert manifest["status"] == "failed" and manifest["reason"] == summary["failure"]
    assert summary["simulated_s"] < 100
    t = np.load(out / "arrays" / "online_time_s.npy")
    assert len(t) > 0 and t[-1] <= summary["simulated_s"] + 1e-9
    assert np.load(out / "arrays" / "online_weights.npy").shape == (len(t), 4)


def test_failed_run_loads_in_python(run_einet, tmp_path):
    import einet
    out, proc = failed_run(run_einet, tmp_path, "p001_fig4b_fast", "1e8")
    r = einet.load(out)
    assert r.status == "failed" and r.summary["trials_completed"] == 3
    assert r.array("weights").shape == (4, 1, 4)
