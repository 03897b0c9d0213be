"""einet.load / einet.plot / einet.report / einet.to_toml / einet.run on synthetic run directories."""
import json
import math
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless test machines; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import einet  # noqa: E402
from einet import plot, report  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PYTHONPATH = str(Path(einet.__file__).resolve().parent.parent)
T, NT = 12, 50  # trials, samples per trace


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def write_run(path: Path, study: str, arrays: dict, summary: dict, batch: int = 1,
              status: str = "complete", reason: str = "") -> Path:
    """A run directory as the CLI writes it; arrays maps name -> (ndarray, unit)."""
    (path / "arrays").mkdir(parents=True)
    (path / "config.toml").write_text(
        "[experiment]\n"
        f'name = "{study}_demo"\npaper = "001"\nfigure = "Fig. 4B-C"\nstudy = "{study}"\n'
        'description = "synthetic <run> & friends"\n\n'
        f"[run]\nseed = 7\ndt = 0.1\nbatch = {batch}\n")
    (path / "summary.json").write_text(json.dumps(summary))
    manifest = {"status": status, "seed": 7, "files": ["config.toml"]}
    if reason:
        manifest["reason"] = reason
    (path / "manifest.json").write_text(json.dumps(manifest))
    index = {}
    for name, (a, unit) in arrays.items():
        a = np.asarray(a, dtype=np.float64)
        np.save(path / "arrays" / f"{name}.npy", a)
        index[name] = {"shape": list(a.shape), "axes": "", "dtype": "float64", "unit": unit,
                       "description": name}
    (path / "arrays" / "index.json").write_text(json.dumps(index))
    return path


def trial_arrays(batch: int) -> dict:
    trials = np.arange(1, T + 1)[:, None]
    b = np.arange(batch)[None, :]
    weights = 1.0 + 0.1 * np.arange(T + 1)[:, None, None] + 0.01 * b[..., None] + np.arange(4)
    t = np.linspace(0, 2000, NT)
    traces = np.stack([np.stack([np.sin(t / 100 + k), np.cos(t / 100 + k) + 10], axis=1) for k in range(3)])
    return {
        "trial_rates_E": (5 + 1 / trials + b, "Hz"),
        "trial_rates_I": (14 + 2 / trials + b, "Hz"),
        "lowpass_E": (5 - 3 / trials + 0.5 * b, "Hz"),
        "lowpass_I": (14 - 6 / trials + 0.5 * b, "Hz"),
        "weights": (weights, ""),
        "first_self_sustained_trial": (np.where(np.arange(batch) == 0, 3, np.nan), "trial"),
        "traces": (traces, "Hz"),
        "trace_time_ms": (t, "ms"),
        "trace_trials": ([1, 5, 12], "trial"),
    }


TRIAL_SUMMARY = {"E_set_hz": 5.0, "I_set_hz": 14.0, "E_final_hz": 4.98765432,
                 "W_final": {"EE": 1.23456789, "EI": 2.0, "IE": 3.5, "II": None},
                 "first_self_sustained_trial": None, "converged": True}


@pytest.fixture
def trial_run(tmp_path):
    return write_run(tmp_path / "trial", "trial_plasticity", trial_arrays(1), TRIAL_SUMMARY)


@pytest.fixture
def sweep_run(tmp_path):
    return write_run(tmp_path / "sweep", "trial_plasticity", trial_arrays(3), TRIAL_SUMMARY, batch=3)


@pytest.fixture
def online_run(tmp_path):
    t = np.linspace(0, 100, 200)
    rates = np.stack([5 + np.sin(t), 14 + np.cos(t)], axis=1)
    return write_run(tmp_path / "online", "online_plasticity", {
        "online_time_s": (t, "s"), "online_rates": (rates, "Hz"), "online_sensors": (rates * 0.9, "Hz"),
        "online_weights": (np.outer(1 + t / 100, [1, 2, 3, 4]), "")}, {"E_set_hz": 5.0, "I_set_hz": 14.0})


@pytest.fixture
def fixed_run(tmp_path):
    t = np.arange(0, 3000, 10.0)
    rates = np.stack([np.where(t < 1500, 5.0, 3.0), np.where(t < 1500, 14.0, 11.0)], axis=1)
    return write_run(tmp_path / "fixed", "fixed_weights",
                     {"trace_time_ms": (t, "ms"), "trace_rates": (rates, "Hz")},
                     {"perturbation_at_ms": 1500.0, "E_before_hz": 5.0, "I_before_hz": 14.0,
                      "E_after_hz": 3.0, "I_after_hz": 11.0})


# ---- load ----

def test_load_round_trips_config_summary_and_arrays(sweep_run):
    run = einet.load(sweep_run)
    assert run.path == sweep_run
    assert run.study == "trial_plasticity"
    assert run.config["run"] == {"seed": 7, "dt": 0.1, "batch": 3}
    assert run.summary == TRIAL_SUMMARY
    assert run.manifest["status"] == "complete"
    expected = trial_arrays(3)
    assert list(run.arrays) == list(expected)  # index.json order
    assert len(run.arrays) == len(expected) and "weights" in run.arrays and "nope" not in run.arrays
    for name, (a, unit) in expected.items():
        np.testing.assert_array_equal(run.arrays[name], np.asarray(a, dtype=float))
        assert run.units[name] == unit
    assert run.index["weights"]["shape"] == [T + 1, 3, 4]
    assert run.array("lowpass_E") is run.arrays["lowpass_E"]  # cached after first read
    assert "trial_plasticity" in repr(run) and "complete" in repr(run)


def test_arrays_are_read_lazily(trial_run):
    (trial_run / "arrays" / "traces.npy").write_bytes(b"not an npy file")
    run = einet.load(trial_run)  # must not touch traces.npy yet
    assert run.arrays["lowpass_E"].shape == (T, 1)
    with pytest.raises(ValueError):
        run.arrays["traces"]


def test_load_missing_directory_or_config(tmp_path):
    with pytest.raises(FileNotFoundError, match="run directory not found"):
        einet.load(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="config.toml"):
        einet.load(tmp_path / "empty")


def test_missing_array_is_a_value_error_naming_it(tmp_path):
    arrays = trial_arrays(1)
    del arrays["lowpass_I"]
    run = einet.load(write_run(tmp_path / "r", "trial_plasticity", arrays, TRIAL_SUMMARY))
    with pytest.raises(KeyError):
        run.arrays["lowpass_I"]
    with pytest.raises(ValueError, match="'lowpass_I'"):
        plot.rates_across_trials(run)


# ---- plot ----

def test_rates_across_trials(sweep_run):
    run = einet.load(sweep_run)
    ax = plot.rates_across_trials(run, network=1)
    e, i, e_set, i_set = ax.lines  # two series, then the two set-point lines
    np.testing.assert_array_equal(e.get_xdata(), np.arange(1, T + 1))
    np.testing.assert_array_equal(e.get_ydata(), run.arrays["lowpass_E"][:, 1])
    np.testing.assert_array_equal(i.get_ydata(), run.arrays["lowpass_I"][:, 1])
    assert e.get_color() == plot.E_COLOR and i.get_color() == plot.I_COLOR
    assert list(e_set.get_ydata()) == [5.0, 5.0] and list(i_set.get_ydata()) == [14.0, 14.0]
    assert e_set.get_linestyle() == "--"
    assert "Hz" in ax.get_ylabel() and ax.get_xlabel() == "trial"
    with pytest.raises(ValueError, match="network 3 out of range"):
        plot.rates_across_trials(run, network=3)


def test_weights_across_trials_draws_four_classes_into_given_axes(sweep_run):
    run = einet.load(sweep_run)
    _, ax_in = plt.subplots()
    ax = plot.weights_across_trials(run, ax=ax_in, network=2)
    assert ax is ax_in and len(ax.lines) == 4
    for k, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(T + 1))
        np.testing.assert_array_equal(line.get_ydata(), run.arrays["weights"][:, 2, k])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"$W_{{{c}}}$" for c in plot.CLASSES]


def test_trial_traces_one_panel_per_recorded_trial(trial_run):
    fig = plot.trial_traces(einet.load(trial_run))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["trial 1", "trial 5", "trial 12"]
    for ax in fig.axes:
        assert [line.get_color() for line in ax.lines] == [plot.E_COLOR, plot.I_COLOR]
        assert "ms" in ax.get_xlabel()
    np.testing.assert_array_equal(fig.axes[2].lines[1].get_ydata(), trial_arrays(1)["traces"][0][2, :, 1])
    wrapped = plot.trial_traces(einet.load(trial_run), max_cols=2)  # 2x2 grid, the spare panel removed
    assert len(wrapped.axes) == 3


def test_sweep_final_rates(sweep_run):
    run = einet.load(sweep_run)
    ax = plot.sweep_final_rates(run)
    e_pts, i_pts = ax.collections
    np.testing.assert_array_equal(e_pts.get_offsets()[:, 1], run.arrays["lowpass_E"][-1])
    np.testing.assert_array_equal(i_pts.get_offsets()[:, 1], run.arrays["lowpass_I"][-1])
    assert [line.get_ydata()[0] for line in ax.lines] == [5.0, 14.0]
    assert ax.get_title() == "3 networks"


def test_online_two_panels(online_run):
    fig = plot.online(einet.load(online_run))
    top, bottom = fig.axes
    assert len(top.lines) == 6  # E, I, E sensor, I sensor, two set points
    assert len(bottom.lines) == 4
    assert top.get_ylabel() == "rate (Hz)" and bottom.get_xlabel() == "time (s)"


def test_paradoxical_marks_the_perturbation(fixed_run):
    ax = plot.paradoxical(einet.load(fixed_run))
    e, i, mark = ax.lines
    assert e.get_color() == plot.E_COLOR and i.get_color() == plot.I_COLOR
    assert list(mark.get_xdata()) == [1500.0, 1500.0]
    assert ax.get_xlabel() == "time (ms)"


def test_figures_for_each_study(trial_run, sweep_run, online_run, fixed_run, tmp_path):
    def names(d):
        return [n for n, _ in plot.figures_for(einet.load(d))]
    assert names(trial_run) == ["rates_across_trials", "weights_across_trials", "trial_traces"]
    assert names(sweep_run) == names(trial_run) + ["sweep_final_rates"]
    assert names(online_run) == ["online"]
    assert names(fixed_run) == ["paradoxical"]
    assert names(write_run(tmp_path / "x", "something_else", {}, {})) == []


# ---- report ----

def _imgs(html_text):
    return sorted(part.split('"')[0] for part in html_text.split('<img src="')[1:])


@pytest.mark.parametrize("fixture, figures", [
    ("sweep_run", ["rates_across_trials", "sweep_final_rates", "trial_traces", "weights_across_trials"]),
    ("online_run", ["online"]),
    ("fixed_run", ["paradoxical"]),
])
def test_write_report(request, fixture, figures):
    run_dir = request.getfixturevalue(fixture)
    out = report.write_report(run_dir)
    assert out == run_dir / "report.html"
    page = out.read_text(encoding="utf-8")
    assert _imgs(page) == [f"figures/{n}.png" for n in figures]
    for n in figures:
        assert (run_dir / "figures" / f"{n}.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(run_dir.rglob("*.tmp"))
    assert f"<title>{einet.load(run_dir).study}_demo — paper 001, Fig. 4B-C</title>" in page
    assert 'class="status status-complete"' in page
    # the resolved config, escaped, in a <pre>
    assert "<pre>[experiment]" in page and "synthetic &lt;run&gt; &amp; friends" in page


def test_report_summary_table(trial_run):
    page = report.write_report(trial_run).read_text(encoding="utf-8")
    assert "<th>W_final.EE</th><td class=\"num\">1.23457</td>" in page  # 6 significant digits
    assert "<th>W_final.II</th><td>—</td>" in page  # null
    assert "<th>E_final_hz</th><td class=\"num\">4.98765</td>" in page
    assert "<th>converged</th><td>true</td>" in page


def test_report_of_failed_run_shows_reason_and_skips_figures(tmp_path):
    arrays = {k: v for k, v in trial_arrays(1).items() if k in ("lowpass_E", "lowpass_I")}
    run_dir = write_run(tmp_path / "failed", "trial_plasticity", arrays, {"E_set_hz": 5.0, "W_final": None},
                        status="failed", reason="rates diverged at trial 3")
    (run_dir / "figures").mkdir()
    (run_dir / "figures" / "trial_traces.png").write_bytes(PNG_MAGIC)  # stale, from an earlier report
    page = report.write_report(run_dir).read_text(encoding="utf-8")
    assert 'class="status status-failed"' in page and "rates diverged at trial 3" in page
    assert _imgs(page) == ["figures/rates_across_trials.png"]
    assert "<b>weights_across_trials</b>: ValueError" in page and "'weights'" in page
    assert "'traces'" in page
    assert not (run_dir / "figures" / "trial_traces.png").exists()


def test_report_cli(trial_run, tmp_path):
    env = {**os.environ, "PYTHONPATH": PYTHONPATH}
    ok = subprocess.run([sys.executable, "-m", "einet.report", str(trial_run)], env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == str(trial_run / "report.html") and (trial_run / "report.html").is_file()
    bad = subprocess.run([sys.executable, "-m", "einet.report", str(tmp_path / "absent")], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 4 and "run directory not found" in bad.stderr


# ---- package: TOML writer, run(), lazy imports ----

def test_to_toml_round_trips_through_tomllib():
    config = {
        "title": 'quote " backslash \\ tab \t newline \n del \x7f unicode é ✓ 😀',
        "n": -3, "big": 2**62, "flag": False, "x": 1e-5, "y": -2.5e300, "z": 0.1,
        "inf": float("inf"), "ninf": float("-inf"), "np_float": np.float64(0.25), "np_int": np.int64(9),
        "list": [1, 2.5, "a", True, [1, 2]], "empty_list": [],
        "experiment": {"name": "demo", "study": "trial_plasticity"},
        "weights": {"EE": {"dist": "uniform", "low": 1.0, "high": 2.0}, "EI": 3.0},
        "a b": {"x.y": 1, "only": {"deep": {}}},
        "record": {"trace_trials": [1, 20, 100]},
    }
    text = einet.to_toml(config)
    back = tomllib.loads(text)
    expected = {**config, "np_float": 0.25, "np_int": 9}
    assert back == expected
    assert math.isnan(tomllib.loads(einet.to_toml({"v": float("nan")}))["v"])
    with pytest.raises(TypeError):
        einet.to_toml({"v": None})


def test_run_without_extension_asks_for_make(monkeypatch):
    monkeypatch.setattr(einet, "_einet", None)
    with pytest.raises(ImportError, match="make"):
        einet.run({"experiment": {"study": "fixed_weights"}})


def test_run_calls_the_extension_and_writes_the_report(monkeypatch, tmp_path, fixed_run):
    calls = []

    class FakeExtension:
        @staticmethod
        def run_experiment(source, is_text, out, overrides, overwrite, threads):
            calls.append((source, is_text, out, overrides, overwrite, threads))
            return str(fixed_run)

    monkeypatch.setattr(einet, "_einet", FakeExtension)
    toml_file = tmp_path / "exp.toml"
    toml_file.write_text("[run]\nseed = 1\n")

    r = einet.run({"run": {"seed": 3}}, out=tmp_path / "o", overrides=["run.seed=4"], overwrite=True, threads=2)
    assert isinstance(r, einet.Run) and r.path == fixed_run
    assert (fixed_run / "report.html").is_file()
    source, is_text, out, overrides, overwrite, threads = calls[0]
    assert is_text and tomllib.loads(source) == {"run": {"seed": 3}}
    assert (out, overrides, overwrite, threads) == (str(tmp_path / "o"), ["run.seed=4"], True, 2)

    einet.run(toml_file)
    einet.run(str(toml_file))
    einet.run("[run]\nseed = 5\n")
    assert [c[:2] for c in calls[1:]] == [(str(toml_file), False), (str(toml_file), False),
                                          ("[run]\nseed = 5\n", True)]
    assert calls[1][2:] == ("", [], False, 0)


def test_import_einet_does_not_load_pyplot():
    code = ("import sys, einet; assert 'matplotlib.pyplot' not in sys.modules; "
            "assert einet.plot.__name__ == 'einet.plot'; print(einet.load.__module__)")
    res = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": PYTHONPATH},
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "einet.load"
