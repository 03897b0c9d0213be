"""einet: excitatory–inhibitory network simulator.

    import einet
    r = einet.run("experiments/p001_fig4b.toml", out="runs/fig4b")   # needs the compiled _einet
    r = einet.load("runs/fig4")                                     # any run directory
    einet.plot.rates_across_trials(r)

`plot` and `report` are imported on first use, so `import einet` neither pulls in pyplot nor
switches an interactive session's matplotlib backend (report selects Agg).
"""
from __future__ import annotations

import importlib
import json
import math
import numbers
import os
import re

try:
    from . import _einet
except ImportError:  # pure-Python install: load/plot/report still work on existing run directories
    _einet = None
else:
    from ._einet import *  # noqa: F401,F403  (before our names, so these win on a clash)

from .combine import concat_runs
from .load import Run, load

__all__ = ["Run", "load", "concat_runs", "run", "to_toml", "plot", "report"]


def __getattr__(name: str):
    if name in ("plot", "report"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- dict -> TOML text (the C++ side parses it; Python has tomllib for reading only) ----

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k) -> str:
    if not isinstance(k, str):
        raise TypeError(f"TOML keys must be strings, got {k!r}")
    return k if _BARE_KEY.match(k) else _string(k)


def _string(s: str) -> str:
    # JSON escapes (\" \\ \n \t \uXXXX ...) are valid TOML basic-string escapes; DEL must be escaped too.
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)  # shortest round-trip form; always has '.' or 'e'
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):  # only reached inside lists: inline table
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} value {v!r} as TOML")


def to_toml(d: dict) -> str:
    """Serialise nested dicts of str/int/float/bool/lists to TOML text (tables for nested dicts)."""
    lines: list[str] = []

    def table(t: dict, path: list[str]) -> None:
        subtables = {k: v for k, v in t.items() if isinstance(v, dict)}
        scalars = [(k, v) for k, v in t.items() if not isinstance(v, dict)]
        # A header is needed for keys of its own, or to keep an empty table; else dotted headers below do.
        if path and (scalars or not subtables):
            lines.append(("\n" if lines else "") + "[" + ".".join(_key(p) for p in path) + "]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars)
        for k, v in subtables.items():
            table(v, path + [k])

    table(d, [])
    return "\n".join(lines) + "\n"


def _config_source(config_or_path) -> tuple[str, bool]:
    """(text or path, is_text) for run_experiment."""
    if isinstance(config_or_path, dict):
        return to_toml(config_or_path), True
    if isinstance(config_or_path, os.PathLike):
        return os.fspath(config_or_path), False
    if isinstance(config_or_path, str):
        s = config_or_path
        is_text = "\n" in s or ("=" in s and not os.path.isfile(s))
        return s, is_text
    raise TypeError(f"config must be a path, a dict or TOML text, got {type(config_or_path).__name__}")


def run(config_or_path, out=None, overrides=None, overwrite=False, threads=0) -> Run:
    """Run an experiment (TOML path, TOML text or dict), write its report, return the loaded Run.

    overrides: strings such as "run.seed=2", passed to the simulator unchanged; out=None lets
    the simulator choose the run directory."""
    if _einet is None:
        raise ImportError("einet._einet (the compiled simulator) is not available: build it with `make` "
                          "and put build/python on PYTHONPATH")
    source, is_text = _config_source(config_or_path)
    run_dir = _einet.run_experiment(source, is_text, "" if out is None else os.fspath(out),
                                    [str(o) for o in (overrides or [])], bool(overwrite), int(threads))
    from .report import write_report
    write_report(run_dir)
    return load(run_dir)
