#!/usr/bin/env python3
"""Copy a trained network (a run's `trained_network.toml` and its `arrays/trained_projection*.npy`,
docs/user-guide/spiking-training.md) with the weights of one projection multiplied by a factor — the
perturbation experiments of docs/reproduction.md, Fig. 7L item 12 (e.g. E→E × 1.02 of network 1).

    /usr/bin/python3 tools/scale_trained_projection.py RUN OUT PROJECTION FACTOR
    einet run OUT/trained_network.toml --out ... (frozen weights: see reproduction.md)
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

PARTS = ("sources", "targets", "delays", "weights")


def scale_trained_projection(run_dir, out_dir, projection: int, factor: float) -> Path:
    """Write out_dir/trained_network.toml and the projection arrays of run_dir, projection
    `projection`'s weights × factor (the others unchanged); returns the new network file."""
    run, out = Path(run_dir), Path(out_dir)
    net = run / "trained_network.toml"
    if not net.is_file():
        raise FileNotFoundError(f"{net}: no trained network (run with training.save_network = true)")
    files = sorted((run / "arrays").glob("trained_projection*_weights.npy"))
    if not 0 <= projection < len(files):
        raise ValueError(f"projection {projection}: {run} has projections 0..{len(files) - 1}")
    (out / "arrays").mkdir(parents=True, exist_ok=True)
    shutil.copy(net, out / "trained_network.toml")
    for q in range(len(files)):
        for part in PARTS:
            name = f"trained_projection{q}_{part}.npy"
            a = np.load(run / "arrays" / name)
            np.save(out / "arrays" / name, a * factor if (q == projection and part == "weights") else a)
    return out / "trained_network.toml"


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    print(scale_trained_projection(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
