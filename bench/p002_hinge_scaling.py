"""Hinge-LP scaling probe for paper 002 (docs/performance.md): einet's certified solve, or scipy's
HiGHS on the same LP, on a density-0.3 binary dictionary with noisy labels, a = 1/n.
Usage: PYTHONPATH=build/python python3 bench/p002_hinge_scaling.py N P [RHO] [einet|highs|highs-ipm|highs-ds]"""
import sys
import time

import numpy as np

n, p = int(sys.argv[1]), int(sys.argv[2])
rho = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-3
solver = sys.argv[4] if len(sys.argv) > 4 else "einet"
rng = np.random.default_rng(1)
D = np.asfortranarray((rng.random((n, p)) < 0.3).astype(float))
rng.normal(size=40), rng.normal(size=n)
y = np.where(D[:, 0] + D[:, 1] - D[:, 2] + 0.5 * rng.normal(size=n) > 0.5, 1.0, -1.0)
a = np.full(n, 1.0 / n)
t0 = time.perf_counter()
if solver == "einet":
    import einet
    s = einet.convex_solve(D, y[:, None], a, loss="hinge", rho=rho)
    info = f"primal {s['primal']:.8f} gap {s['gap']:.1e} nonzeros {s['nonzeros']}"
else:
    from scipy import sparse
    from scipy.optimize import linprog
    YD = y[:, None] * D
    c = np.concatenate([rho * np.ones(2 * p), a])
    A = sparse.hstack([sparse.csr_matrix(-YD), sparse.csr_matrix(YD), -sparse.eye(n)]).tocsc()
    r = linprog(c, A_ub=A, b_ub=-np.ones(n), bounds=(0, None), method=solver)
    w = r.x[:p] - r.x[p:2 * p]
    info = f"status {r.status} primal {r.fun:.8f} nonzeros {int((np.abs(w) > 1e-9).sum())}"
print(f"{n} x {p}, rho {rho}, {solver}: {time.perf_counter() - t0:.2f} s, {info}")
