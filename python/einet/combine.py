"""Join the run directories of one sweep that was run in chunks (`--set run.first_network=K`).

A long sweep (e.g. the 400 initialisations of paper 001 Figs. 5G/6G) can run as several chunks,
on one machine after another or on several at once: chunk k draws the weights, noise and kick of
networks first_network … first_network + batch − 1 of the whole sweep, so the chunks together are
the uninterrupted sweep. `concat_runs` checks that the chunks belong together and cover a
contiguous range of networks once each, and concatenates every array that has a per-run axis.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field

import numpy as np

from .load import Run, load

__all__ = ["Combined", "concat_runs", "axis_names"]


def axis_names(axes: str) -> list[str]:
    """'trial (0 = initial), run, class (EE, EI)' -> ['trial (0 = initial)', 'run', 'class (EE, EI)']."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(axes):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            names.append(axes[start:i].strip())
            start = i + 1
    names.append(axes[start:].strip())
    return names


@dataclass
class Combined:
    """The chunks in network order and their per-run arrays joined along the run axis."""
    runs: list[Run]
    first_network: int
    n_runs: int
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # arrays without a run axis (e.g. traces)


def _chunk_range(run: Run) -> tuple[int, int]:
    section = run.config.get("run", {})
    first = int(section.get("first_network", 0))
    return first, first + int(section.get("batch", 0))


def _identity(run: Run) -> dict:
    # Everything that must agree between chunks: the config without the chunk's own range.
    cfg = copy.deepcopy(run.config)
    for key in ("first_network", "batch"):
        cfg.get("run", {}).pop(key, None)
    return cfg


def concat_runs(run_dirs, axis: str = "run") -> Combined:
    """Join the chunks `run_dirs` (paths or Runs) of one sweep.

    ValueError, naming the run directory, when a chunk is incomplete, was configured differently
    (any key other than run.first_network / run.batch), or when the chunks overlap or leave a gap.
    """
    runs = [r if isinstance(r, Run) else load(os.fspath(r)) for r in run_dirs]
    if not runs:
        raise ValueError("concat_runs: no run directories given")
    for r in runs:
        if r.status != "complete":
            raise ValueError(f"concat_runs: {r.path} is not complete (status {r.status!r})")
    runs.sort(key=lambda r: _chunk_range(r)[0])
    reference = _identity(runs[0])
    for r in runs[1:]:
        if _identity(r) != reference:
            raise ValueError(f"concat_runs: {r.path} was configured differently from {runs[0].path} "
                             "(only run.first_network and run.batch may differ between chunks)")
    for before, after in zip(runs, runs[1:]):
        end, start = _chunk_range(before)[1], _chunk_range(after)[0]
        if start != end:
            kind = "overlap" if start < end else "gap"
            raise ValueError(f"concat_runs: {kind} between {before.path} (networks up to {end - 1}) "
                             f"and {after.path} (from network {start})")
    first, last = _chunk_range(runs[0])[0], _chunk_range(runs[-1])[1]
    combined = Combined(runs=runs, first_network=first, n_runs=last - first)
    for name, entry in runs[0].index.items():
        names = axis_names(str(entry.get("axes", "")))
        if axis not in names:
            combined.skipped.append(name)
            continue
        k = names.index(axis)
        parts = [r.array(name) for r in runs]
        for r, part in zip(runs, parts):
            lo, hi = _chunk_range(r)
            if part.shape[k] != hi - lo:
                raise ValueError(f"concat_runs: {r.path}: array '{name}' has {part.shape[k]} runs "
                                 f"along its '{axis}' axis, the chunk has {hi - lo}")
        combined.arrays[name] = np.concatenate(parts, axis=k)
    return combined
