#!/usr/bin/python3
"""80/20 multi-unit rate model (paper 001 Figs. 5G/6G): einet's step kernel against a vectorised
NumPy implementation of the same batched model, and against the float32 FMA peak measured by
build/bench/bench_multi_unit in the same run. Same work for both: B networks x S steps, each step a
100x100 matrix-vector product with the network's own weights, OU noise, forward-Euler update,
sequential E-then-I order, saturation (spec 001 §1.3, §3).

    /usr/bin/python3 bench/multi_unit_bench.py --build build [--batch 8] [--steps 20000] [--repeats 3]
        [--numpy-threads 1,2] [--numpy-batches 8,64,400]

NumPy runs in a child process per OpenBLAS thread count (OPENBLAS_NUM_THREADS) and per batch size
(the same network-steps in all), and the fastest is the baseline ("NumPy at its best"); einet runs
on one thread, in three variants of its float32 kernel's storage: float32 weights, float16
weights (model.weight_storage = "float16": binary16 copy, one network's weights in L1), and
float64. Reports time per network-step (median and best of the repeats), GFLOP/s of the
recurrent sums (2*100*100 flops per network-step) and writes bench/results/multi_unit.json.
Times are CPU time (einet: the thread's, NumPy: the process's, so OpenBLAS with 2 threads is
charged both), and the peak and stream loops are timed the same way: on a machine shared with
other jobs the time a process waits for a core does not count; wall times are kept in the JSON.
The default 20000 steps are one trial of the sweeps (the kick at step 2500; before it every rate
is zero and einet skips the recurrent sums, NumPy does not), so the per-network-step times are
those of a trial and einet's GFLOP/s (2e4 flops per network-step throughout) an effective rate;
with --steps 2000 every step is silent and the figures mean nothing. The roofline lines: the time per network-step at the same-process FMA peak
(2e4 flops) and at the same-process L2 streaming bandwidth (the 41.6 KB float32 matrix of one
network read once per step), and the largest ratio to NumPy either bound allows.
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


def numpy_steps(batch: int, steps: int, dtype=np.float32, seed: int = 7) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for `steps` steps of `batch` networks (weights fixed, as within one trial)."""
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
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(steps):
        eta = 0.9 * eta + 0.1 * rng.standard_normal((batch, n))
        kick = 7.0 if 2499 <= s < 2600 else 0.0
        dE = np.matmul(WE, r[:, :, None])[:, :, 0] + eta[:, :ne] + kick
        rE = r[:, :ne] + a[:ne] * (gain[:ne] * np.maximum(dE - theta[:ne], 0) - r[:, :ne])
        r[:, :ne] = np.minimum(rE, rmax[:ne])
        dI = np.matmul(WI, r[:, :, None])[:, :, 0] + eta[:, ne:]
        rI = r[:, ne:] + a[ne:] * (gain[ne:] * np.maximum(dI - theta[ne:], 0) - r[:, ne:])
        r[:, ne:] = np.minimum(rI, rmax[ne:])
    return time.process_time() - c0, time.perf_counter() - t0


def numpy_child(batch: int, steps: int, repeats: int, threads: int) -> list[list[float]]:
    """(CPU, wall) seconds of `repeats` numpy_steps runs in a fresh interpreter with OpenBLAS limited to `threads`."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    code = (f"import sys, statistics; sys.path.insert(0, {str(HERE)!r}); import multi_unit_bench as m; "
            f"print([list(m.numpy_steps({batch}, {steps})) for _ in range({repeats})])")
    out = subprocess.run(["/usr/bin/python3", "-c", code], check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--numpy-threads", default="1,2", help="OpenBLAS thread counts to try for NumPy")
    ap.add_argument("--numpy-batches", default="8,64,400", help="networks per NumPy step (same total work)")
    ap.add_argument("--out", default=str(HERE / "results" / "multi_unit.json"))
    args = ap.parse_args()
    exe = Path(args.build) / "bench" / "bench_multi_unit"
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    rows = {}
    # Each row: seconds per network-step (median and best of the repeats; the best is the robust
    # estimate of the uncontended time on a shared machine).
    variants = (("float32", "unit_major", "float32"), ("float32", "unit_major", "float16"),
                ("float64", "unit_major", "float32"), ("float64", "batch_major", "float32"))
    for precision, kernel, storage in variants:
        out = subprocess.run([str(exe), str(args.batch), str(args.steps), precision, kernel, str(args.repeats), "on", storage],
                             check=True, capture_output=True, text=True, env=env).stdout
        lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        work = args.batch * args.steps
        name = f"einet {kernel} {precision}" + (" (float16 weights)" if storage == "float16" else "")
        rows[f"{name} (batch {args.batch})"] = {
            "median": statistics.median(x["cpu_seconds"] for x in lines) / work,
            "best": min(x["cpu_seconds"] for x in lines) / work,
            "wall_median": statistics.median(x["seconds"] for x in lines) / work,
            "peak_median": statistics.median(x["peak_fma_gflops"] for x in lines),
            "peak_best": max(x["peak_fma_gflops"] for x in lines),
            "l2_gbps_median": statistics.median(x["l2_stream_gbps"] for x in lines),
            "l2_gbps_best": max(x["l2_stream_gbps"] for x in lines),
            "l1_gbps_median": statistics.median(x["l1_stream_gbps"] for x in lines),
            "l1_gbps_best": max(x["l1_stream_gbps"] for x in lines)}
    for nb in (int(x) for x in args.numpy_batches.split(",")):
        steps = max(1, args.steps * args.batch // nb)  # the same network-steps for every batch
        for t in (int(x) for x in args.numpy_threads.split(",")):
            times = numpy_child(nb, steps, args.repeats, t)
            cpu = [c for c, _ in times]
            rows[f"numpy float32 (batch {nb}, openblas {t}t)"] = {
                "median": statistics.median(cpu) / (nb * steps), "best": min(cpu) / (nb * steps),
                "wall_median": statistics.median(w for _, w in times) / (nb * steps)}
    first = rows[f"einet unit_major float32 (batch {args.batch})"]
    peaks = {"median": first["peak_median"], "best": first["peak_best"]}
    l2 = {"median": first["l2_gbps_median"], "best": first["l2_gbps_best"]}
    l1 = {"median": first["l1_gbps_median"], "best": first["l1_gbps_best"]}
    matrix_bytes = 100 * (80 + 24) * 4  # the kernel's float32 matrix of one network (columns padded)
    print(f"{args.batch * args.steps} network-steps per run (CPU time), einet on 1 thread; NumPy at its best over batch "
          f"{args.numpy_batches} x OpenBLAS threads {args.numpy_threads}; float32 FMA peak (same process) "
          f"median {peaks['median']:.1f}, best {peaks['best']:.1f} GFLOP/s; load {os.getloadavg()[0]:.1f}")
    roofline = {}
    for stat in ("median", "best"):
        base = min(row[stat] for name, row in rows.items() if name.startswith("numpy"))
        print(f" {stat} of {args.repeats} (per network-step; % of the {stat} peak):")
        for name, row in rows.items():
            gflops = 2.0 * 100 * 100 / row[stat] * 1e-9
            row[f"gflops_{stat}"] = gflops
            row[f"fraction_of_fp32_peak_{stat}"] = gflops / peaks[stat]
            row[f"speedup_vs_numpy_{stat}"] = base / row[stat]
            print(f"  {name:58s} {row[stat] * 1e6:8.3f} us  {gflops:7.2f} GFLOP/s  "
                  f"{100 * gflops / peaks[stat]:5.1f} % of peak  x{base / row[stat]:.1f} vs NumPy")
        peak_us, l2_us = 2.0 * 100 * 100 / (peaks[stat] * 1e3), matrix_bytes / (l2[stat] * 1e3)
        bound = max(peak_us, l2_us)
        l1_us = matrix_bytes / 2 / (l1[stat] * 1e3)  # float16 weights: one network's 20.8 KB from L1
        roofline[stat] = {"peak_us": peak_us, "l2_us": l2_us, "l2_gbps": l2[stat], "l1_us_float16": l1_us,
                          "l1_gbps": l1[stat], "max_speedup_vs_numpy": base / (bound * 1e-6),
                          "max_speedup_vs_numpy_float16": base / (max(peak_us, l1_us) * 1e-6)}
        print(f"  roofline: {peak_us:.3f} us at the FMA peak, {l2_us:.3f} us at the L2 stream ({l2[stat]:.1f} GB/s) "
              f"-> at most x{base / (bound * 1e-6):.1f} vs NumPy; float16 weights: {l1_us:.3f} us at the L1 stream "
              f"({l1[stat]:.1f} GB/s) -> at most x{base / (max(peak_us, l1_us) * 1e-6):.1f} (the FMA peak bounds it)")
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps({"batch": args.batch, "steps": args.steps, "load": os.getloadavg()[0],
                                          "results": rows, "roofline": roofline}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
