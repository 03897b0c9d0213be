#!/usr/bin/env python3
"""Low-rank E-I network cost per step (paper 000): einet low-rank projections for N = 1e4 … 1e6,
the same network as einet dense synapse tables and as a NumPy dense reference (spec 000 §2 Mode C,
W as an N×N matrix) on small N. Reports time per step, neuron updates per second, the scaling
exponent of time vs N (log-log fit) and the machine's double-precision FMA peak for scale.

    /usr/bin/python3 bench/lowrank_bench.py --build build [--repeats 3] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def einet_run(binary: Path, n: int, steps: int, dense: bool) -> dict:
    args = [str(binary), "--n", str(n), "--steps", str(steps), "--threads", "1"] + (["--dense"] if dense else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def numpy_dense(n: int, steps: int, seed: int = 1) -> dict:
    """The bench network (bench_lowrank.cpp: paper-000 Fig 8 scaled, exponential synapses) with W dense."""
    rng = np.random.default_rng(seed)
    nE = n // 2
    nI = n - nE
    h, dt, lam = 0.05 / 10.0, 0.05, 1.0 / 2.0  # dt/τ, dt (ms), 1/τ_s (1/ms)
    DE, DI = 0.075 * 50 / nE, -0.15 * 50 / nI
    E = np.r_[np.full(nE, 1.25), np.full(nI, 2.0)]   # encoder onto y^E
    C = np.r_[np.full(nE, 1.0), np.full(nI, 1.0)]    # encoder onto y^I
    D = np.r_[np.full(nE, DE), np.full(nI, DI)]
    W = np.where(np.arange(n)[None, :] < nE, E[:, None], C[:, None]) * D[None, :]
    np.fill_diagonal(W[nE:, nE:], 0.0)
    tau_scale = 10.0 / 2.0                            # τ/τ_s: one spike moves V by W in total
    b = 1.0 - np.r_[np.zeros(nE), np.full(nI, 1.5)]
    self_w = np.r_[np.full(nE, -0.5), 1.0 * DI - 0.5 + np.zeros(nI)]
    V = np.zeros(n)
    G = np.zeros(n)
    s = np.zeros(n)
    sigma = 0.15 * np.sqrt(2 * h)
    t0 = time.perf_counter()
    spikes = 0
    for _ in range(steps):
        V = V + h * (-V + 1.0 + b) + h * tau_scale * (W @ G) + self_w * s + sigma * rng.standard_normal(n)
        s = (V >= 1.0).astype(float)
        G = G * (1 - lam * dt) + s
        spikes += int(s.sum())
    return {"impl": "numpy_dense", "n": n, "steps": steps, "run_s": time.perf_counter() - t0, "spikes": spikes}


def fma_peak_gflops() -> tuple[float, str]:
    """Cores × clock × FMA units × SIMD doubles × 2 (assumes 2 FMA ports)."""
    info = Path("/proc/cpuinfo").read_text()
    flags = next((l for l in info.splitlines() if l.startswith("flags")), "")
    mhz = [float(l.split(":")[1]) for l in info.splitlines() if l.startswith("cpu MHz")]
    lanes = 8 if "avx512f" in flags else 4 if "avx2" in flags else 2
    cores = os.cpu_count() or 1
    ghz = (max(mhz) if mhz else 2000.0) / 1000.0
    return cores * ghz * 2 * lanes * 2, f"{cores} cores x {ghz:.2f} GHz x 2 FMA x {lanes} doubles x 2"


def median_run(fn, repeats: int) -> dict:
    runs = [fn() for _ in range(repeats)]
    best = dict(runs[0])
    best["run_s"] = statistics.median(r["run_s"] for r in runs)
    best["runs_s"] = [r["run_s"] for r in runs]
    best["per_step_us"] = best["run_s"] / best["steps"] * 1e6
    best["neuron_updates_per_s"] = best["n"] * best["steps"] / best["run_s"]
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="N up to 1e5 only")
    ap.add_argument("--json", default=str(HERE / "results" / "lowrank.json"))
    a = ap.parse_args()
    binary = Path(a.build) / "bench" / "bench_lowrank"
    sizes = [10_000, 30_000, 100_000] + ([] if a.quick else [300_000, 1_000_000])
    rows = []
    for n in sizes:
        steps = max(200, int(2e7 // n))
        rows.append(median_run(lambda: einet_run(binary, n, steps, False), a.repeats))
    # Dense comparison up to N = 1e4 (1e8 synapses: 1 GB of einet tables, 0.8 GB for NumPy's W);
    # beyond that a dense network does not fit this machine's memory.
    for n in [1000, 2000, 4000, 10_000]:
        steps = 400
        rows.append(median_run(lambda: einet_run(binary, n, steps, False), a.repeats))
        rows.append(median_run(lambda: einet_run(binary, n, steps, True), a.repeats))
        rows.append(median_run(lambda: numpy_dense(n, steps), a.repeats))
    low = rows[: len(sizes)]  # the low-rank scaling runs (the dense comparison follows them)
    slope = float(np.polyfit(np.log([r["n"] for r in low]), np.log([r["per_step_us"] for r in low]), 1)[0])
    peak, how = fma_peak_gflops()
    print(f"{'impl':15s} {'N':>9s} {'steps':>6s} {'us/step':>10s} {'updates/s':>11s} {'spikes':>8s}")
    for r in rows:
        print(f"{r['impl']:15s} {r['n']:9d} {r['steps']:6d} {r['per_step_us']:10.1f} {r['neuron_updates_per_s']:11.3g} {r['spikes']:8d}")
    best = max(r["neuron_updates_per_s"] for r in low)
    print(f"scaling exponent of time per step vs N (low-rank, N >= 1e4): {slope:.3f}")
    print(f"FMA peak {peak:.0f} GFLOP/s ({how}); best {best:.3g} neuron updates/s = "
          f"{peak * 1e9 / best:.0f} peak flops per neuron update")
    out = {"rows": rows, "scaling_exponent": slope, "fma_peak_gflops": peak, "peak_formula": how,
           "load_average": os.getloadavg(), "machine": platform.processor() or platform.machine()}
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
