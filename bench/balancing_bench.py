#!/usr/bin/python3
"""Paper 004 performance targets, side by side in one process (issue 5):

(a) synaptic balancing of a dense N × N cost matrix (J ~ N(0, 1/N), c = J², p = 2) until
    ‖g‖ <= 1e-10·C: einet's flow (Dormand–Prince 5(4), C++) against SciPy's RK45 on the same
    equations and tolerances (rtol 1e-10, atol 1e-12; g computed with the same two mat-vecs,
    NumPy on OpenBLAS), plus einet's Newton solver, for N = 256 and 2048;
(b) one CDI training iteration (BPTT through 500 Euler sub-steps, N = 256, batch 8, forward +
    backward) against PyTorch 1.13 CPU autograd on the same network and data, 1 and 2 threads.

    /usr/bin/python3 bench/balancing_bench.py --build build [--repeats 3] [--sizes 256,2048]

Medians of `--repeats` runs; writes bench/results/balancing.json.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def timed(f, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def scipy_balance(c0, p, tol):
    from scipy.integrate import solve_ivp

    def parts(h):
        s = h - h.mean()
        return np.exp(-p * s), np.exp(p * s)

    def g(_, h):
        a, b = parts(h)
        return a * (c0 @ b) - b * (c0.T @ a)  # Eq. 17 with c_ij = c⁰_ij e^{p(h_j − h_i)}

    def balanced(_, h):
        a, b = parts(h)
        return np.linalg.norm(g(0, h)) - tol * (a @ (c0 @ b))
    balanced.terminal = True
    sol = solve_ivp(g, (0, 1e6), np.zeros(len(c0)), method="RK45", rtol=1e-10, atol=1e-12, events=balanced)
    a, b = parts(sol.y[:, -1])
    return {"t": float(sol.t[-1]), "cost": float(a @ (c0 @ b)), "steps": int(sol.t.size - 1)}


def bench_balancing(einet, sizes, repeats):
    rows = []
    for n in sizes:
        rng = np.random.default_rng(n)
        c0 = rng.normal(0, 1 / np.sqrt(n), (n, n)) ** 2
        t_ours1, ours = timed(lambda: einet.balance(c0, p=2.0, method="flow", tolerance=1e-10, rtol=1e-10), repeats)
        t_ours2, ours2 = timed(lambda: einet.balance(c0, p=2.0, method="flow", tolerance=1e-10, rtol=1e-10, threads=2), repeats)
        assert np.array_equal(ours["h"], ours2["h"]), "flow result depends on the thread count"
        t_ours = min(t_ours1, t_ours2)
        t_newton, newton = timed(lambda: einet.balance(c0, p=2.0, method="newton", tolerance=1e-10), repeats)
        t_scipy, ref = timed(lambda: scipy_balance(c0, 2.0, 1e-10), max(1, repeats if n <= 512 else 1))
        rows.append({"N": n, "einet_flow_s": t_ours, "einet_flow_1thread_s": t_ours1, "einet_flow_2threads_s": t_ours2, "einet_newton_s": t_newton, "scipy_rk45_s": t_scipy,
                     "speedup_flow_vs_scipy": t_scipy / t_ours, "einet_steps": ours["steps"], "scipy_steps": ref["steps"],
                     "cost_einet": ours["cost"], "cost_newton": newton["cost"], "cost_scipy": ref["cost"],
                     "t_einet": ours["t"], "t_scipy": ref["t"]})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def bench_bptt(einet, repeats):
    import torch
    n, steps = 256, 50
    rng = np.random.default_rng(0)
    J, W_in, W_out = (rng.normal(0, 1 / 16, s) for s in ((n, n), (n, 6), (2, n)))
    b = np.zeros(n)
    u, z = einet.cdi_batch(seed=1, batch=0, steps=steps)
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        t_ours, _ = timed(lambda: einet.bptt_gradient(J, W_in, W_out, b, u, z, l2_penalty=0.3, threads=threads), repeats)

        def torch_iteration():
            tJ, tWi, tWo, tb = (torch.tensor(a, requires_grad=True) for a in (J, W_in, W_out, b))
            uu, zz = torch.tensor(u), torch.tensor(z)
            x = torch.zeros(n, 8, dtype=torch.float64)
            ys = []
            for k in range(steps):
                d = tWi @ uu[k] + tb[:, None]
                for _ in range(10):
                    x = x + 0.1 * (-x + tJ @ torch.relu(x) + d)
                ys.append(tWo @ x)
            loss = torch.sqrt(torch.mean((torch.stack(ys) - zz) ** 2)) + 0.3 * (tJ ** 2).sum()
            loss.backward()
            return loss.item()
        t_torch, _ = timed(torch_iteration, repeats)
        rows.append({"threads": threads, "einet_s": t_ours, "pytorch_s": t_torch, "speedup": t_torch / t_ours})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", default="256,2048")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.build).resolve() / "python"))
    import einet
    result = {"date": _dt.datetime.utcnow().isoformat(timespec="seconds") + "Z", "load": os.getloadavg(),
              "balancing": bench_balancing(einet, [int(s) for s in args.sizes.split(",")], args.repeats),
              "bptt": bench_bptt(einet, args.repeats)}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "balancing.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
