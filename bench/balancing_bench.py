#!/usr/bin/python3
"""Paper 004 performance targets, side by side in one process (issue 5):

(a) synaptic balancing of a dense N × N cost matrix (J ~ N(0, 1/N), c = J², p = 2) until
    ‖g‖ <= 1e-10·C: einet's flow (Dormand–Prince 8(5,3) and 5(4), and the L-stable Rosenbrock
    RODAS4 with the exact Jacobian −p L(h) and CG stage solves; C++) against SciPy's RK45 (the
    issue's anchor) and DOP853, and SciPy's stiff Radau and BDF given the same exact Jacobian (dense
    −p L(h)), all on the same equations and tolerances (rtol 1e-10, atol 1e-12; g with two NumPy
    mat-vecs on OpenBLAS), and einet's matrix-free Newton–CG against the same Newton–CG written in
    NumPy, for N = 256 and 2048; and the same solvers on a stiff cost graph (N = 256, two dense
    halves coupled at 1e-4: the case for the L-stable RODAS4); all must agree on C* to 1e-12;
(b) one CDI training iteration (BPTT through 500 Euler sub-steps, N = 256, batch 8, forward +
    backward) against PyTorch 1.13 CPU autograd on the same network and data, 1 and 2 threads.

    /usr/bin/python3 bench/balancing_bench.py --build build [--repeats 3] [--sizes 256,2048] [--parts balancing,bptt] [--no-stiff]

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


class CachedFlow:
    """g(h) = a ⊙ (C⁰b) − b ⊙ (C⁰ᵀa) with two NumPy mat-vecs (OpenBLAS); keeps the last g and C so
    the terminal event, evaluated at the step's new point where the FSAL stage already called g,
    costs nothing extra (a strengthened anchor)."""

    def __init__(self, c0, p):
        self.c0, self.p, self.last_h, self.last = c0, p, None, None

    def parts(self, h):
        s = h - h.mean()
        return np.exp(-self.p * s), np.exp(self.p * s)

    def g_and_cost(self, h):
        if self.last_h is not None and np.array_equal(h, self.last_h):
            return self.last
        a, b = self.parts(h)
        cb = self.c0 @ b
        out = (a * cb - b * (self.c0.T @ a), float(a @ cb))  # Eq. 17 with c_ij = c⁰_ij e^{p(h_j − h_i)}
        self.last_h, self.last = h.copy(), out
        return out


    def jacobian(self, h):
        """∂g/∂h = −p L(h), L the Laplacian of c(h) + c(h)ᵀ (004 Eqs. 34–36), dense."""
        a, b = self.parts(h)
        c = (a[:, None] * self.c0) * b[None, :]
        lap = -(c + c.T)
        lap[np.diag_indices_from(lap)] += c.sum(axis=1) + c.sum(axis=0)
        return -self.p * lap


def scipy_balance(c0, p, tol, method):
    from scipy.integrate import solve_ivp
    flow = CachedFlow(c0, p)
    extra = {"jac": lambda _, h: flow.jacobian(h)} if method in ("Radau", "BDF") else {}

    def g(_, h):
        return flow.g_and_cost(h)[0]

    def balanced(_, h):
        gh, cost = flow.g_and_cost(h)
        return np.linalg.norm(gh) - tol * cost
    balanced.terminal = True
    sol = solve_ivp(g, (0, 1e6), np.zeros(len(c0)), method=method, rtol=1e-10, atol=1e-12, events=balanced, **extra)
    return {"t": float(sol.t[-1]), "cost": flow.g_and_cost(sol.y[:, -1])[1], "steps": int(sol.t.size - 1),
            "evaluations": int(sol.nfev), "factorisations": int(sol.nlu)}


def numpy_newton_cg(c0, p, tol):
    """einet's matrix-free Newton–CG (Jacobi-preconditioned CG on L s = g/p, Armijo backtracking on C)
    written with NumPy: each Laplacian product is two OpenBLAS mat-vecs over C⁰."""
    n = len(c0)
    self_cost = 2.0 * np.diag(c0)

    def view(h):
        s = h - h.mean()
        a, b = np.exp(-p * s), np.exp(p * s)
        inc, out = a * (c0 @ b), b * (c0.T @ a)
        return a, b, inc, out, inc.sum()

    h = np.zeros(n)
    a, b, inc, out, cost = view(h)
    g = inc - out
    g0, products = np.linalg.norm(g), 0
    for _ in range(200):
        gn = np.linalg.norm(g)
        if gn <= tol * cost:
            break
        deg, diag = inc + out, np.maximum(inc + out - self_cost, 1e-300)
        rhs = g / p
        x, r = np.zeros(n), rhs.copy()
        z = r / diag
        q, rz, target = z.copy(), r @ z, min(0.1, gn / g0) * np.linalg.norm(rhs)
        for _ in range(n + 10):
            if np.linalg.norm(r) <= target:
                break
            Lq = deg * q - a * (c0 @ (b * q)) - b * (c0.T @ (a * q))
            products += 1
            curv = q @ Lq
            if not curv > 0:
                break
            al = rz / curv
            x += al * q
            r -= al * Lq
            z = r / diag
            rz_new = r @ z
            q = z + rz_new / rz * q
            rz = rz_new
        step = x - x.mean()
        slope, s, accepted = -p * (g @ step), 1.0, False
        while s > 1e-18 and not accepted:
            ta, tb, tinc, tout, tcost = view(h + s * step)
            tg = tinc - tout
            if tcost <= cost + 1e-4 * s * slope or (tcost <= cost * (1 + 1e-12) and np.linalg.norm(tg) < gn):
                h, a, b, inc, out, cost, g, accepted = h + s * step, ta, tb, tinc, tout, tcost, tg, True
            s *= 0.5
        if not accepted:
            break
    return {"cost": float(cost), "products": products, "h": h}


def dense_costs(n):
    """c = J², J ~ N(0, 1/N): the issue's dense case. Column-major for both sides: einet views it
    without a copy, and NumPy's mat-vecs run as fast."""
    rng = np.random.default_rng(n)
    return np.asfortranarray(rng.normal(0, 1 / np.sqrt(n), (n, n)) ** 2)


def modular_costs(n, coupling=1e-4):
    """A stiff cost graph: two dense halves joined by links scaled by `coupling`. The slowest rate
    of the flow (the Fiedler value of p L) is ~coupling times the fastest."""
    c0 = np.array(dense_costs(n))
    m = n // 2
    c0[:m, m:] *= coupling
    c0[m:, :m] *= coupling
    return np.asfortranarray(c0)


def bench_balancing(einet, sizes, repeats, stiff=True):
    rows = []
    cases = [(n, "dense", dense_costs(n)) for n in sizes] + ([(256, "modular_1e-4", modular_costs(256))] if stiff else [])
    for n, kind, c0 in cases:
        row = {"N": n, "costs": kind}
        ours = {}
        slow_repeats = max(1, repeats if n <= 512 and kind == "dense" else 1)  # runs of many seconds
        for name, kw in (("flow_dop853", dict(method="flow", integrator="dop853")),
                         ("flow_dopri5", dict(method="flow", integrator="dopri5")),
                         ("flow_rodas4", dict(method="flow", integrator="rodas4")),
                         ("newton", dict(method="newton"))):
            reps = slow_repeats if name == "flow_rodas4" else repeats
            # the anchor's tolerances exactly (einet.balance's own default atol is 1e-3·rtol = 1e-13)
            t1, r1 = timed(lambda: einet.balance(c0, p=2.0, tolerance=1e-10, rtol=1e-10, atol=1e-12, **kw), reps)
            t2, r2 = timed(lambda: einet.balance(c0, p=2.0, tolerance=1e-10, rtol=1e-10, atol=1e-12, threads=2, **kw), reps)
            assert np.array_equal(r1["h"], r2["h"]), f"{name}: result depends on the thread count"
            ours[name] = r1
            row |= {f"einet_{name}_1thread_s": t1, f"einet_{name}_2threads_s": t2, f"einet_{name}_s": min(t1, t2),
                    f"einet_{name}_steps": r1["steps"], f"cost_einet_{name}": r1["cost"]}
            if name != "newton":
                row[f"einet_{name}_evaluations"] = r1["evaluations"]
            if name == "flow_rodas4":
                row[f"einet_{name}_cg_products"] = r1["products"]
        for method in ("RK45", "DOP853", "Radau", "BDF"):
            reps = slow_repeats if method in ("Radau", "BDF") or n > 512 or kind != "dense" else repeats
            t, ref = timed(lambda: scipy_balance(c0, 2.0, 1e-10, method), reps)
            key = method.lower()
            row |= {f"scipy_{key}_s": t, f"scipy_{key}_steps": ref["steps"], f"scipy_{key}_evaluations": ref["evaluations"],
                    f"cost_scipy_{key}": ref["cost"]}
            if method in ("Radau", "BDF"):
                row[f"scipy_{key}_factorisations"] = ref["factorisations"]
        t, ref = timed(lambda: numpy_newton_cg(c0, 2.0, 1e-10), repeats)
        row |= {"numpy_newton_cg_s": t, "numpy_newton_cg_products": ref["products"], "cost_numpy_newton_cg": ref["cost"]}
        scipy_best = min(row["scipy_rk45_s"], row["scipy_dop853_s"])
        row |= {"speedup_flow_vs_scipy_rk45": row["scipy_rk45_s"] / row["einet_flow_dop853_s"],
                "speedup_flow_vs_best_scipy_flow": scipy_best / min(row["einet_flow_dop853_s"], row["einet_flow_dopri5_s"]),
                "speedup_dop853_vs_scipy_dop853": row["scipy_dop853_s"] / row["einet_flow_dop853_s"],
                "speedup_rodas4_vs_scipy_rk45": row["scipy_rk45_s"] / row["einet_flow_rodas4_s"],
                "speedup_rodas4_vs_scipy_radau": row["scipy_radau_s"] / row["einet_flow_rodas4_s"],
                "speedup_rodas4_vs_scipy_bdf": row["scipy_bdf_s"] / row["einet_flow_rodas4_s"],
                "speedup_rodas4_vs_best_scipy_stiff": min(row["scipy_radau_s"], row["scipy_bdf_s"]) / row["einet_flow_rodas4_s"],
                "speedup_newton_vs_scipy_rk45": row["scipy_rk45_s"] / row["einet_newton_s"],
                "speedup_newton_vs_best_scipy_flow": scipy_best / row["einet_newton_s"],
                "speedup_newton_vs_numpy_newton_cg": row["numpy_newton_cg_s"] / row["einet_newton_s"]}
        costs = [v for k, v in row.items() if k.startswith("cost_")]
        assert max(costs) - min(costs) <= 1e-12 * max(costs), f"N = {n} ({kind}): the solvers disagree on C*"
        rows.append(row)
        print(json.dumps(row), flush=True)
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
    ap.add_argument("--parts", default="balancing,bptt", help="comma-separated subset of balancing,bptt")
    ap.add_argument("--no-stiff", action="store_true", help="skip the stiff (modular) N = 256 balancing case")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.build).resolve() / "python"))
    import einet
    result = {"date": _dt.datetime.utcnow().isoformat(timespec="seconds") + "Z", "load": os.getloadavg(),
              "balancing": bench_balancing(einet, [int(s) for s in args.sizes.split(",")], args.repeats, not args.no_stiff)
              if "balancing" in args.parts else [],
              "bptt": bench_bptt(einet, args.repeats) if "bptt" in args.parts else []}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "balancing.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
