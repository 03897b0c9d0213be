"""Shared fixtures for the einet Python/CLI tests.

- `repo_root`, `experiments_dir`, `einet_bin`: paths (the CLI is the `einet` next to the
  `python/` folder the imported einet package comes from, i.e. build/einet; EINET_BUILD overrides).
- `run_einet(args, cwd=None, check=False, timeout=...)`: run the CLI, return the CompletedProcess
  (text mode, stdout and stderr captured). cwd defaults to the test's tmp_path.
- `@pytest.mark.slow`: long checks, skipped unless EINET_SLOW=1 (`make check-slow`).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = REPO_ROOT / "experiments"


def _build_dir() -> Path:
    if os.environ.get("EINET_BUILD"):
        return Path(os.environ["EINET_BUILD"]).resolve()
    try:
        import einet  # the package on PYTHONPATH, normally build/python/einet

        candidate = Path(einet.__file__).resolve().parent.parent.parent
        if (candidate / "einet").is_file():
            return candidate
    except ImportError:
        pass
    return REPO_ROOT / "build"


BUILD = _build_dir()
EINET_BIN = BUILD / "einet"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running check; runs only with EINET_SLOW=1")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("EINET_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set EINET_SLOW=1 (make check-slow) to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def run_cli(args, cwd, timeout: float = 300, check: bool = False) -> subprocess.CompletedProcess:
    """Run build/einet with `args` (strings or paths) in `cwd`."""
    if not EINET_BIN.is_file():
        pytest.skip(f"einet CLI not built: {EINET_BIN}")
    proc = subprocess.run([str(EINET_BIN), *map(str, args)], cwd=str(cwd), capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"einet {' '.join(map(str, args))} exited {proc.returncode}\n"
                             f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def run_quick(experiment: str, out: Path, *sets: str, cwd=None, extra=(), timeout: float | None = 300) -> dict:
    """`einet run experiments/<experiment>.toml --out out --quiet --no-report --set ...`; returns
    summary.json (asserting exit 0). `timeout` in seconds (None: no limit, for the slow full-size runs)."""
    args = ["run", EXPERIMENTS / f"{experiment}.toml", "--out", out, "--quiet", "--no-report", *extra]
    for s in sets:
        args += ["--set", s]
    run_cli(args, cwd or out.parent, timeout=timeout, check=True)
    return json.loads((out / "summary.json").read_text())


def run_experiment(run_einet, tmp_path, name: str, *sets: str, tag: str = ""):
    """`einet run experiments/<name>.toml --out tmp_path/<name><tag> --threads 1 --set ...` with the
    full report; returns (run directory, summary)."""
    out = tmp_path / (name + tag)
    args = ["run", EXPERIMENTS / f"{name}.toml", "--out", out, "--threads", "1"]
    for s in sets:
        args += ["--set", s]
    proc = run_einet(args, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def experiments_dir() -> Path:
    return EXPERIMENTS


@pytest.fixture(scope="session")
def einet_bin() -> Path:
    if not EINET_BIN.is_file():
        pytest.skip(f"einet CLI not built: {EINET_BIN}")
    return EINET_BIN


@pytest.fixture
def run_einet(tmp_path):
    def _run(args, cwd=None, check=False, timeout=300):
        return run_cli(args, cwd if cwd is not None else tmp_path, timeout=timeout, check=check)

    return _run
