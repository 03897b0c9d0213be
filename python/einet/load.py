"""Read a run directory written by the einet CLI (config.toml, summary.json, manifest.json, arrays/)."""
from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

__all__ = ["Run", "load"]


def _read_json(path: Path) -> dict:
    # summary/manifest/index may be absent in a run that failed early; treat that as empty.
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Arrays(Mapping):
    """name -> np.ndarray, each .npy read on first access and then cached."""

    def __init__(self, directory: Path, index: dict):
        self._dir = directory
        self.index = index
        on_disk = {p.stem for p in directory.glob("*.npy")} if directory.is_dir() else set()
        # index.json order first (the CLI's order), then any .npy it does not list.
        self._names = [n for n in index if n in on_disk] + sorted(on_disk - set(index))
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name not in self._names:
                raise KeyError(name)
            self._cache[name] = np.load(self._dir / f"{name}.npy", allow_pickle=False)
        return self._cache[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"Arrays({self._names})"


class Run:
    """One run directory: config, summary, manifest and lazily loaded arrays."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"run directory not found: {self.path}")
        config_path = self.path / "config.toml"
        if not config_path.is_file():
            raise FileNotFoundError(f"{self.path} is not an einet run directory: no config.toml")
        self.config_text = config_path.read_text(encoding="utf-8")
        self.config: dict = tomllib.loads(self.config_text)
        self.summary: dict = _read_json(self.path / "summary.json")
        self.manifest: dict = _read_json(self.path / "manifest.json")
        self.arrays = Arrays(self.path / "arrays", _read_json(self.path / "arrays" / "index.json"))

    @property
    def index(self) -> dict:
        return self.arrays.index

    @property
    def study(self) -> str:
        return str(self.config.get("experiment", {}).get("study", ""))

    @property
    def name(self) -> str:
        return str(self.config.get("experiment", {}).get("name", "")) or self.path.name

    @property
    def status(self) -> str:
        return str(self.manifest.get("status", "unknown"))

    @property
    def units(self) -> dict[str, str]:
        return {name: entry.get("unit", "") for name, entry in self.index.items()}

    def array(self, name: str) -> np.ndarray:
        """The array `name`; ValueError (naming it) when the run has none, e.g. it failed early."""
        if name not in self.arrays:
            have = ", ".join(self.arrays) or "none"
            raise ValueError(f"run {self.path} has no array '{name}' (study {self.study!r}; arrays: {have})")
        return self.arrays[name]

    def __repr__(self) -> str:
        return (f"Run({str(self.path)!r}, name={self.name!r}, study={self.study!r}, "
                f"status={self.status!r}, arrays={len(self.arrays)})")


def load(run_dir: str | os.PathLike) -> Run:
    """Open the run directory `run_dir` (arrays are read on first use)."""
    return Run(run_dir)
