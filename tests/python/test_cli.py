"""The einet command line: list, describe, check, run, demo and --set overrides."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import EXPERIMENTS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SHIPPED = sorted(EXPERIMENTS.glob("*.toml"))


def tree(path: Path) -> dict:
    """Every file below path -> (size, mtime_ns), to prove a command wrote nothing."""
    return {str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(path.rglob("*"))}


# ---------------------------------------------------------------- list / describe


def test_list_shows_shipped_experiments_with_their_figures(run_einet):
    proc = run_einet(["list"], check=True)
    out = proc.stdout
    for name, figure in [("p001_fig4b", "Fig. 4B-C"), ("p001_fig2b", "Fig. 2B-C"), ("p001_figS4", "Fig. S4")]:
        assert (EXPERIMENTS / f"{name}.toml").is_file()
        line = next((l for l in out.splitlines() if re.search(rf"\b{name}\b", l)), None)
        assert line is not None, f"{name} missing from einet list:\n{out}"
        assert figure in line
    # Every shipped file is listed with the figure and description it declares.
    for path in SHIPPED:
        exp = tomllib.loads(path.read_text())["experiment"]
        line = next((l for l in out.splitlines() if l.split() and l.split()[0] == path.stem), None)
        assert line is not None, path.stem
        assert exp["figure"] in line and exp["description"] in line
    for word in ("trial_plasticity", "online_plasticity", "fixed_weights", "cross_homeostatic", "HAAA"):
        assert word in out


def test_describe_plasticity_shows_keys_units_and_defaults(run_einet):
    out = run_einet(["describe", "plasticity"], check=True).stdout
    for key in ("plasticity.rule", "plasticity.alpha", "plasticity.E_set", "plasticity.I_set",
                "plasticity.weight_floor"):
        assert key in out
    assert re.search(r'plasticity\.E_set\s+\(quantity \[Hz\]\)\s+default "5 Hz"', out)
    assert re.search(r'plasticity\.I_set\s+\(quantity \[Hz\]\)\s+default "14 Hz"', out)
    assert re.search(r"plasticity\.alpha\s+\(number\)\s+default 5e-4", out)
    assert re.search(r"plasticity\.weight_floor\s+\(number\)\s+default 0\.1", out)
    assert 'default "cross_homeostatic"' in out


def test_describe_single_key(run_einet):
    out = run_einet(["describe", "model.E.tau"], check=True).stdout
    assert "model.E.tau" in out and "[ms]" in out and '"10 ms"' in out
    assert "model.I.tau" not in out


@pytest.mark.parametrize("key", ["nope", "plasticity.nope"])
def test_describe_unknown_exits_2(run_einet, key):
    proc = run_einet(["describe", key])
    assert proc.returncode == 2
    assert key in proc.stderr


def test_usage_errors_exit_2(run_einet):
    assert run_einet(["bogus"]).returncode == 2
    assert run_einet(["run"]).returncode == 2
    assert run_einet(["describe"]).returncode == 2
    help_ = run_einet(["--help"])
    assert help_.returncode == 0
    for cmd in ("run", "check", "demo", "list", "describe"):
        assert cmd in help_.stdout


# ---------------------------------------------------------------- check


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_check_shipped_experiment_round_trips_and_writes_nothing(run_einet, tmp_path, path):
    before_exp = tree(EXPERIMENTS)
    proc = run_einet(["check", path], check=True)
    assert list(tmp_path.iterdir()) == []  # nothing in the working directory
    assert tree(EXPERIMENTS) == before_exp
    resolved = tomllib.loads(proc.stdout)
    declared = tomllib.loads(path.read_text())
    assert resolved["experiment"]["name"] == path.stem
    assert resolved["experiment"]["study"] == declared["experiment"]["study"]
    # Every default is filled in.
    if declared["experiment"]["study"] in ("spiking", "spiking_training", "convergence"):
        for pop in resolved["populations"].values():
            assert "t_ref" in pop and "threshold" in pop and "kinetics" in pop["synapse"]
        assert all("connectivity" in p and "delay" in p for p in resolved.get("projections", []))
    elif declared["experiment"]["study"] in ("synaptic_balancing", "rnn_training"):  # paper 004
        assert resolved["balancing"]["p"] == 2.0 and "tolerance" in resolved["balancing"]
    elif declared["experiment"]["study"] == "lowrank":
        assert "rule" in resolved["lowrank"] and "synapses" in resolved["lowrank"]
        assert all("mu" in n and "sigma_V" in n for n in resolved["neurons"].values())
    elif declared["experiment"]["study"] == "snn_convex":
        assert resolved["snn"]["beta_leak"] == 0.99 and resolved["convex"]["gap_tol"] == 1e-6
        assert "patience" in resolved["sg"] and "n_val" in resolved["task"]
    else:
        assert resolved["model"]["E"]["tau"] == "10 ms" and resolved["model"]["I"]["tau"] == "2 ms"
        assert resolved["run"]["dt"] == "0.1 ms"
    for cls, value in declared.get("weights", {}).items():
        assert resolved["weights"][cls] == pytest.approx(value, rel=1e-15)
    # The resolved config loads again and resolves to itself.
    again = tmp_path / "resolved.toml"
    again.write_text(proc.stdout)
    proc2 = run_einet(["check", again], check=True)
    assert tomllib.loads(proc2.stdout) == resolved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resolved.toml"]


def test_check_applies_set(run_einet):
    proc = run_einet(["check", EXPERIMENTS / "p001_fig4b.toml", "--set", "protocol.trials=77",
                      "--set", "plasticity.E_set=6 Hz"], check=True)
    resolved = tomllib.loads(proc.stdout)
    assert resolved["protocol"]["trials"] == 77
    assert resolved["plasticity"]["E_set"] == "6 Hz"


# ---------------------------------------------------------------- run


@pytest.fixture(scope="module")
def reported_run(tmp_path_factory):
    """One full run with figures and report (the fast Fig. 4B variant, 40 trials)."""
    from conftest import run_cli
    base = tmp_path_factory.mktemp("cli_run")
    out = base / "fig4b"
    proc = run_cli(["run", EXPERIMENTS / "p001_fig4b_fast.toml", "--out", out, "--quiet",
                    "--set", "protocol.trials=40"], base, check=True)
    return out, proc


def test_run_writes_a_complete_run_directory(reported_run):
    out, proc = reported_run
    assert proc.stdout.strip().endswith(out.name)
    for name in ("config.toml", "summary.json", "manifest.json", "report.html", "arrays/index.json"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 42
    for f in manifest["files"]:
        assert (out / f).is_file(), f
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["trials_completed"] == 40
    index = json.loads((out / "arrays" / "index.json").read_text())
    assert {"trial_rates_E", "trial_rates_I", "lowpass_E", "lowpass_I", "weights"} <= set(index)
    for name, entry in index.items():
        a = np.load(out / "arrays" / f"{name}.npy")
        assert list(a.shape) == entry["shape"] and str(a.dtype) == entry["dtype"]
    assert np.load(out / "arrays" / "weights.npy").shape == (41, 1, 4)


def test_run_config_has_every_default_filled(reported_run):
    out, _ = reported_run
    cfg = tomllib.loads((out / "config.toml").read_text())
    assert cfg["model"]["E"]["tau"] == "10 ms" and cfg["model"]["I"]["tau"] == "2 ms"
    assert cfg["model"]["E"]["threshold"] == pytest.approx(4.8) and cfg["model"]["I"]["gain"] == 4
    assert cfg["noise"]["sigma"] == "10 s^-1/2" and cfg["noise"]["tau"] == "1 ms"
    assert cfg["plasticity"]["weight_floor"] == pytest.approx(0.1)
    assert cfg["plasticity"]["alpha_II"] == pytest.approx(5e-4)
    assert cfg["protocol"]["trials"] == 40  # the --set override
    assert cfg["protocol"]["trial_duration"] == "2 s" and cfg["kick"]["amplitude"] == 7
    assert cfg["run"]["seed"] == 42 and cfg["run"]["batch"] == 1
    assert cfg["experiment"]["name"] == "p001_fig4b_fast"


def test_run_writes_png_figures_referenced_by_the_report(reported_run):
    out, _ = reported_run
    pngs = sorted((out / "figures").glob("*.png"))
    assert {p.stem for p in pngs} >= {"rates_across_trials", "weights_across_trials", "trial_traces"}
    html = (out / "report.html").read_text()
    for p in pngs:
        assert p.read_bytes()[:8] == PNG_MAGIC and p.stat().st_size > 1000
        assert f"figures/{p.name}" in html
    assert "p001_fig4b_fast" in html


def test_no_report_skips_figures(run_einet, tmp_path):
    out = tmp_path / "r"
    run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--out", out, "--quiet", "--no-report"], check=True)
    assert not (out / "figures").exists() or not list((out / "figures").glob("*.png"))
    assert (out / "summary.json").is_file()


def test_quiet_run_prints_only_the_run_directory(run_einet, tmp_path):
    proc = run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--out", "q", "--quiet", "--no-report"], check=True)
    assert proc.stdout.strip() == "q"
    assert proc.stderr == ""


def test_default_out_is_runs_name_utc(run_einet, tmp_path):
    run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--quiet", "--no-report"], check=True)
    dirs = list((tmp_path / "runs").iterdir())
    assert len(dirs) == 1 and re.fullmatch(r"p001_fig1b-\d{8}T\d{6}Z?", dirs[0].name)
    assert (dirs[0] / "summary.json").is_file()


def test_set_overrides_are_applied_and_recorded(run_einet, tmp_path):
    out = tmp_path / "o"
    run_einet(["run", EXPERIMENTS / "p001_fig4b_fast.toml", "--out", out, "--quiet", "--no-report",
               "--set", "protocol.trials=13", "--set", "run.seed=7", "--set", "plasticity.alpha=1e-3",
               "--set", "weights.II=1.5"], check=True)
    cfg = tomllib.loads((out / "config.toml").read_text())
    assert cfg["protocol"]["trials"] == 13 and cfg["run"]["seed"] == 7
    assert cfg["plasticity"]["alpha"] == pytest.approx(1e-3)
    assert cfg["plasticity"]["alpha_EE"] == pytest.approx(1e-3)  # derived defaults follow
    assert cfg["weights"]["II"] == pytest.approx(1.5)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials_completed"] == 13
    assert json.loads((out / "manifest.json").read_text())["seed"] == 7
    w = np.load(out / "arrays" / "weights.npy")
    assert w.shape == (14, 1, 4) and w[0, 0, 3] == 1.5
    assert np.load(out / "arrays" / "trial_rates_E.npy").shape == (13, 1)


def test_overwrite_replaces_a_previous_run(run_einet, tmp_path):
    out = tmp_path / "o"
    run_einet(["run", EXPERIMENTS / "p001_fig4b_fast.toml", "--out", out, "--quiet", "--no-report",
               "--set", "protocol.trials=10"], check=True)
    assert (out / "arrays" / "weights.npy").is_file()
    run_einet(["run", EXPERIMENTS / "p001_fig1b.toml", "--out", out, "--quiet", "--no-report", "--overwrite"],
              check=True)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["experiment"] == "p001_fig1b"
    # Arrays of the previous (trial) run are gone; only the fixed-weight arrays remain.
    index = json.loads((out / "arrays" / "index.json").read_text())
    assert {p.stem for p in (out / "arrays").glob("*.npy")} == set(index)
    assert "weights" not in index


def test_demo(run_einet, tmp_path):
    out = tmp_path / "demo"
    proc = run_einet(["demo", "--out", out, "--quiet"], check=True)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["figure"] == "Fig. 4B-C" and summary["trials_completed"] == 500
    assert abs(summary["E_final_hz"] - 5) <= 0.5 and abs(summary["I_final_hz"] - 14) <= 1
    assert summary["first_self_sustained_trial"] <= 25
    assert (out / "report.html").is_file()
    assert all(p.read_bytes()[:8] == PNG_MAGIC for p in (out / "figures").glob("*.png"))
    assert len(list((out / "figures").glob("*.png"))) >= 3
    assert str(out.name) in proc.stdout
