#!/usr/bin/python3
"""80/20 multi-unit rate model (paper 001 Figs. 5G/6G): einet's step kernel against a vectorised
NumPy implementation of the same batched model, and against the float32 FMA peak measured by
build/bench/bench_multi_unit in the same run. Same work for both: B networks x S steps, each step a
100x100 matrix-vector product with the network's own weights, OU noise, forward-Euler update,
sequential E-then-I order, saturation (spec 001 §1.3, §3).

    /usr/bin/python3 bench/multi_unit_bench.py --build build [--batch 8] [--steps 2000] [--repeats 3] [--threads 1]

Reports medians (seconds, GFLOP/s of the recurrent sums = 2*100*100 flops per network-step) and
writes bench/results/multi_unit.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def numpy_steps(batch: int, steps: int, dtype=np.float32, seed: int = 7) -> float:
    """Seconds for `steps` steps of `batch` networks (weights fixed, as within one trial)."""
    rng = np.random.default_rng(seed)
    ne, ni = 80, 20
    n = ne + ni
    totals = np.stack([rng.uniform(1, 6, batch) / 79, rng.uniform(0.5, 2, batch) / 20,
                       rng.uniform(5, 7, batch) / 80, rng.uniform(0.5, 2, batch) / 19], axis=1)
    W = np.empty((batch, n, n), dtype=dtype)  # [network, post, pre], inhibitory sign folded in
    W[:, :ne, :ne] = totals[:, 0, None, None] * (1 + 0.1 * rng.standard_normal((batch, ne, ne)))
    W[:, :ne, ne:] = -totals[:, 1, None, None] * (1 + 0.1 * rng.standard_normal((batch, ne, ni)))
    W[:, ne:, :ne] = totals[:, 2, None, None] * (1 + 0.1 * rng.standard_normal((batch, ni, ne)))
    W[:, ne:, ne:] = -totals[:, 3, None, None] * (1 + 0.1 * rng.standard_normal((batch, ni, ni)))
    idx = np.arange(ne)
    W[:, idx, idx] = 0
    idx = np.arange(ne, n)
    W[:, idx, idx] = 0
    WE, WI = np.ascontiguousarray(W[:, :ne, :]), np.ascontiguousarray(W[:, ne:, :])
    r = np.zeros((batch, n), dtype=dtype)
    eta = np.zeros((batch, n))
    theta = np.r_[np.full(ne, 4.8), np.full(ni, 25.0)]
    gain = np.r_[np.full(ne, 1.0), np.full(ni, 4.0)]
    a = np.r_[np.full(ne, 0.01), np.full(ni, 0.05)]
    rmax = np.r_[np.full(ne, 100.0), np.full(ni, 250.0)]
    t0 = time.perf_counter()
    for s in range(steps):
        eta = 0.9 * eta + 0.1 * rng.standard_normal((batch, n))
        kick = 7.0 if 2499 <= s < 2600 else 0.0
        dE = np.matmul(WE, r[:, :, None])[:, :, 0] + eta[:, :ne] + kick
        rE = r[:, :ne] + a[:ne] * (gain[:ne] * np.maximum(dE - theta[:ne], 0) - r[:, :ne])
        r[:, :ne] = np.minimum(rE, rmax[:ne])
        dI = np.matmul(WI, r[:, :, None])[:, :, 0] + eta[:, ne:]
        rI = r[:, ne:] + a[ne:] * (gain[ne:] * np.maximum(dI - theta[ne:], 0) - r[:, ne:])
        r[:, ne:] = np.minimum(rI, rmax[ne:])
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "results" / "multi_unit.json"))
    args = ap.parse_args()
    exe = Path(args.build) / "bench" / "bench_multi_unit"
    flops = 2.0 * 100 * 100 * args.batch * args.steps
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    rows = {}
    for precision, kernel in (("float32", "unit_major"), ("float64", "unit_major"), ("float64", "batch_major")):
        out = subprocess.run([str(exe), str(args.batch), str(args.steps), precision, kernel, str(args.repeats)],
                             check=True, capture_output=True, text=True, env=env).stdout
        lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        rows[f"einet {kernel} {precision}"] = {
            "seconds": statistics.median(x["seconds"] for x in lines),
            "peak_fma_gflops": statistics.median(x["peak_fma_gflops"] for x in lines)}
    rows["numpy float32"] = {"seconds": statistics.median(numpy_steps(args.batch, args.steps) for _ in range(args.repeats))}
    peak = rows["einet unit_major float32"]["peak_fma_gflops"]
    base = rows["numpy float32"]["seconds"]
    print(f"batch {args.batch} x {args.steps} steps, 1 thread; float32 FMA peak {peak:.1f} GFLOP/s (measured); "
          f"load {os.getloadavg()[0]:.1f}")
    for name, row in rows.items():
        row["gflops"] = flops / row["seconds"] * 1e-9
        row["fraction_of_fp32_peak"] = row["gflops"] / peak
        row["speedup_vs_numpy"] = base / row["seconds"]
        print(f"  {name:28s} {row['seconds']:8.4f} s  {row['gflops']:7.2f} GFLOP/s  "
              f"{100 * row['fraction_of_fp32_peak']:5.1f} % of peak  x{row['speedup_vs_numpy']:.1f} vs NumPy")
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps({"batch": args.batch, "steps": args.steps, "load": os.getloadavg()[0],
                                          "results": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
