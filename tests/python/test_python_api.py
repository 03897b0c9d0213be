"""The Python module: einet.run / einet.load against the CLI, plots on real runs, closed forms,
the rule family, and the exception types."""
from __future__ import annotations

import json
import tomllib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import einet  # noqa: E402
from conftest import EXPERIMENTS, run_cli  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = EXPERIMENTS / "p001_fig4b_fast.toml"
OVERRIDES = ["protocol.trials=30", "run.seed=5"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same config and seed through einet.run and through the CLI."""
    base = tmp_path_factory.mktemp("api")
    py_run = einet.run(FAST, out=base / "py", overrides=OVERRIDES)
    cli_out = base / "cli"
    args = ["run", FAST, "--out", cli_out, "--quiet", "--no-report"]
    for o in OVERRIDES:
        args += ["--set", o]
    run_cli(args, base, check=True)
    return py_run, einet.load(cli_out)


@pytest.fixture(scope="module")
def online_run(tmp_path_factory):
    return einet.run(EXPERIMENTS / "p001_figS4.toml", out=tmp_path_factory.mktemp("api_online") / "r",
                     overrides=["online.duration=10 s", "online.final_window=1 s"])


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    return einet.run(EXPERIMENTS / "p001_fig1b.toml", out=tmp_path_factory.mktemp("api_fixed") / "r")


def test_import_exposes_the_api():
    for name in ("run", "load", "Run", "up_state", "two_population_params", "weights4", "named_rules",
                 "rule_terms", "ConfigError", "NumericalError", "check", "describe"):
        assert hasattr(einet, name), name
    assert issubclass(einet.ConfigError, ValueError)
    assert issubclass(einet.NumericalError, ArithmeticError)
    assert issubclass(einet.IOError, OSError)


def test_run_returns_a_run_matching_the_cli(pair):
    py_run, cli_run = pair
    assert isinstance(py_run, einet.Run)
    assert py_run.status == "complete" and cli_run.status == "complete"
    assert py_run.study == "trial_plasticity" and py_run.name == "p001_fig4b_fast"
    assert py_run.summary["trials_completed"] == 30
    assert py_run.config["run"]["seed"] == 5 and py_run.config["protocol"]["trials"] == 30
    assert list(py_run.arrays) == list(cli_run.arrays) and len(py_run.arrays) >= 8
    for name in py_run.arrays:
        a, b = py_run.arrays[name], cli_run.arrays[name]
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), f"{name} differs between einet.run and the CLI"
    assert py_run.summary == cli_run.summary
    assert py_run.config == cli_run.config
    assert py_run.units["trial_rates_E"] == "Hz"


def test_run_writes_the_report(pair):
    py_run, _ = pair
    pngs = sorted((py_run.path / "figures").glob("*.png"))
    assert len(pngs) >= 3 and all(p.read_bytes()[:8] == PNG_MAGIC for p in pngs)
    html = (py_run.path / "report.html").read_text()
    assert all(f"figures/{p.name}" in html for p in pngs)


def test_run_accepts_dicts_and_toml_text(tmp_path):
    cfg = {"experiment": {"name": "para", "study": "fixed_weights"},
           "weights": {"EE": 5.0, "EI": 1.52, "IE": 10.0, "II": 2.25},
           "perturbation": {"kind": "weight", "target": "IE", "value": 12.0}}
    r = einet.run(cfg, out=tmp_path / "d")
    assert r.summary["I_after_hz"] == pytest.approx(5.146, rel=0.02)
    text = einet.to_toml(cfg)
    r2 = einet.run(text, out=tmp_path / "t")
    for name in r.arrays:
        np.testing.assert_array_equal(r.arrays[name], r2.arrays[name])


def test_threads_argument_does_not_change_results(tmp_path):
    a = einet.run(FAST, out=tmp_path / "a", overrides=["protocol.trials=12", "run.batch=6",
                  'weights.EE={dist="uniform", low=2, high=6}'], threads=1)
    b = einet.run(FAST, out=tmp_path / "b", overrides=["protocol.trials=12", "run.batch=6",
                  'weights.EE={dist="uniform", low=2, high=6}'], threads=2)
    for name in a.arrays:
        assert a.arrays[name].tobytes() == b.arrays[name].tobytes(), name


def test_load_reads_the_cli_directory(pair):
    _, cli_run = pair
    again = einet.load(cli_run.path)
    assert again.summary == cli_run.summary
    w = again.array("weights")
    assert w.shape == (31, 1, 4)
    assert again.summary["W_final"]["EE"] == w[-1, 0, 0]
    with pytest.raises(ValueError, match="no array"):
        again.array("nope")


def test_plots_on_a_trial_run(pair):
    run, _ = pair
    ax = einet.plot.rates_across_trials(run)
    ydata = [l.get_ydata() for l in ax.get_lines()]
    assert any(np.array_equal(y, run.arrays["lowpass_E"][:, 0]) for y in ydata)
    assert any(np.array_equal(y, run.arrays["lowpass_I"][:, 0]) for y in ydata)
    fig, ax2 = plt.subplots()
    assert einet.plot.weights_across_trials(run, ax=ax2) is ax2
    w = run.arrays["weights"][:, 0, :]
    lines = [l.get_ydata() for l in ax2.get_lines()]
    for k in range(4):
        assert any(np.array_equal(y, w[:, k]) for y in lines)
    fig = einet.plot.trial_traces(run)
    assert len([a for a in fig.axes if a.has_data()]) == len(run.arrays["trace_trials"])
    names = [n for n, _ in einet.plot.figures_for(run)]
    assert names == ["rates_across_trials", "weights_across_trials", "trial_traces"]


def test_plots_on_online_and_fixed_runs(online_run, fixed_run):
    assert online_run.summary["simulated_s"] == pytest.approx(10)
    fig = einet.plot.online(online_run)
    assert len(fig.axes) == 2 and all(a.has_data() for a in fig.axes)
    ax = einet.plot.paradoxical(fixed_run)
    xs = [l.get_xdata() for l in ax.get_lines()]
    assert any(np.allclose(x, fixed_run.summary["perturbation_at_ms"]) for x in xs)  # the marker line
    assert [n for n, _ in einet.plot.figures_for(fixed_run)] == ["paradoxical"]


def test_up_state_closed_form():
    fp = einet.up_state(einet.two_population_params(), einet.weights4(5, 1.52, 10, 2.25))
    assert fp.E == pytest.approx(5.0, abs=1e-9) and fp.I == pytest.approx(10.0, abs=1e-9)
    assert fp.C == pytest.approx(1.52 * 10 * 4 - (2.25 * 4 + 1) * (5 - 1), rel=1e-12)
    assert fp.stable and fp.paradoxical and fp.above_threshold
    # W_EE < 1/g_E: not paradoxical; this one has no positive Up state.
    fp = einet.up_state(einet.two_population_params(), einet.weights4(0.5, 1, 1, 1))
    assert not fp.paradoxical and not fp.above_threshold
    # Trace condition (spec §4.2): (W_II g_I + 1) tau_E > (W_EE g_E - 1) tau_I fails for a huge W_EE
    # with a positive determinant.
    fp = einet.up_state(einet.two_population_params(), einet.weights4(60, 20, 10, 0.1))
    assert fp.C > 0 and not fp.stable


def test_weights4_and_params_are_mutable_records():
    w = einet.weights4(1, 2, 3, 4)
    assert (w.EE, w.EI, w.IE, w.II) == (1, 2, 3, 4)
    p = einet.two_population_params()
    p.theta_I = 20
    assert einet.two_population_params().theta_I == 25  # defaults are fresh each time


def test_named_rules_contain_the_family():
    rules = einet.named_rules()
    for r in ("homeostatic", "cross_homeostatic", "two_term", "synaptic_scaling", "forced_balance"):
        assert r in rules
    variants = {a + b + c + d for a in "HA" for b in "HA" for c in "HA" for d in "HA"}
    assert variants <= set(rules) and len(variants) == 16


def test_rule_terms_follow_methods_eq_7():
    t = einet.rule_terms("cross_homeostatic")
    assert t == {"EE": ["+alpha*pre*cross"], "EI": ["-alpha*pre*cross"],
                 "IE": ["-alpha*pre*cross"], "II": ["+alpha*pre*cross"]}
    assert einet.rule_terms("HHHH") == einet.rule_terms("homeostatic")
    assert einet.rule_terms("homeostatic") == {"EE": ["+alpha*pre*post"], "EI": ["-alpha*pre*post"],
                                               "IE": ["+alpha*pre*post"], "II": ["-alpha*pre*post"]}
    two = einet.rule_terms("two_term")
    assert all(len(v) == 2 for v in two.values())


def test_check_returns_the_resolved_config():
    text = einet.check(str(EXPERIMENTS / "p001_fig4b.toml"), ["protocol.trials=12"])
    cfg = tomllib.loads(text)
    assert cfg["protocol"]["trials"] == 12 and cfg["model"]["E"]["tau"] == "10 ms"
    assert "plasticity.alpha" in einet.describe("plasticity")


def bad_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[experiment]\nstudy = "trial_plasticity"\n\n[model.E]\ntau = "10 mV"\n')
    return path


def test_config_error_message_has_file_line_key_and_expected(tmp_path):
    path = bad_file(tmp_path)
    with pytest.raises(Exception) as info:
        einet.run(path, out=tmp_path / "out")
    msg = str(info.value)
    assert "bad.toml:5:" in msg and "model.E.tau" in msg and "expected" in msg
    assert not (tmp_path / "out").exists()
    with pytest.raises(Exception) as info:
        einet.run(FAST, out=tmp_path / "out2", overrides=["weights.EE=nan"])
    assert "--set weights.EE" in str(info.value)
    assert not (tmp_path / "out2").exists()


def test_config_errors_raise_config_error(tmp_path):
    with pytest.raises(einet.ConfigError, match=r"bad\.toml:5:\d+: model\.E\.tau: expected"):
        einet.run(bad_file(tmp_path), out=tmp_path / "out")


def test_override_errors_raise_config_error(tmp_path):
    with pytest.raises(einet.ConfigError, match="--set weights.EE"):
        einet.run(FAST, out=tmp_path / "out", overrides=["weights.EE=nan"])


def test_check_and_rule_terms_raise_config_error(tmp_path):
    with pytest.raises(einet.ConfigError):
        einet.check(str(bad_file(tmp_path)))
    with pytest.raises(einet.ConfigError):
        einet.rule_terms("nope")


def test_divergence_raises_numerical_error(tmp_path):
    with pytest.raises(einet.NumericalError, match="trial 1"):
        einet.run(FAST, out=tmp_path / "out", overrides=["plasticity.alpha=1e300"])


def test_divergence_raises_and_leaves_failed_run(tmp_path):
    with pytest.raises(Exception, match="diverged"):
        einet.run(FAST, out=tmp_path / "out", overrides=["plasticity.alpha=1e300"])
    r = einet.load(tmp_path / "out")
    assert r.status == "failed" and "EE" in r.manifest["reason"]


def test_occupied_out_raises_io_error(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("x")
    with pytest.raises(einet.IOError):
        einet.run(FAST, out=tmp_path / "out")


def test_describe_unknown_raises():
    with pytest.raises(ValueError):
        einet.describe("nope")
