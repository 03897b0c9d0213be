"""Paper 002 benchmarks, side by side in one process (medians of --repeats runs):
1. one SG training epoch of a LIF-SNN (T = 28, two hidden LIF layers of 128, batch 128, rows of a
   28×28 image per step, 10 classes, CE) — einet's hand-written BPTT (float32 and float64 passes)
   vs PyTorch autograd (float32 and float64) on 1 and 2 threads;
2. a convex solve on a 5000 × 4096 binary dictionary to a certified gap <= 1e-6: squared loss vs
   scikit-learn's Lasso (coordinate descent, run until its own objective matches ours to 1e-6
   relative), hinge with no anchor that finishes at that size; the hinge LP on 1000 × 800 against
   cvxopt and scipy's HiGHS (interior point and dual simplex).
Usage: PYTHONPATH=build/python python3 bench/p002_bench.py [--repeats 3] [--small]"""
import argparse
import math
import os
import statistics
import time

import numpy as np

import einet


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def torch_epoch(torch, x, y, params_np, shapes, batch, dtype):
    beta, theta = 0.99, 1.0

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, u):
            ctx.save_for_backward(u)
            return (u > theta).to(u.dtype)

        @staticmethod
        def backward(ctx, g):
            (u,) = ctx.saved_tensors
            return g / (1 + (math.pi * (u - theta)) ** 2)

    p = torch.tensor(params_np, dtype=dtype, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3)
    xt = torch.tensor(x, dtype=dtype)
    yt = torch.tensor(y)
    T, n, _ = x.shape
    for b0 in range(0, n, batch):
        xb, yb = xt[:, b0:b0 + batch], yt[b0:b0 + batch]
        off, inp = 0, xb
        for (r, c) in shapes:
            W = p[off:off + r * c].view(r, c)
            off += r * c
            I = inp @ W
            u = torch.zeros(xb.shape[1], c, dtype=dtype)
            s = torch.zeros_like(u)
            outs = []
            for t in range(T):
                u = beta * u + I[t] - theta * s.detach()
                s = Spike.apply(u)
                outs.append(s)
            inp = torch.stack(outs)
        z = inp[-1] @ p[off:].view(-1, 10)
        loss = torch.nn.functional.cross_entropy(z, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()


def interleaved(candidates, repeats):
    """Median wall time of each (name, setup, fn) candidate, the repeats interleaved (A B C A B C ...)
    so that load changes on a shared machine hit every candidate alike."""
    times = {name: [] for name, _, _ in candidates}
    for _ in range(repeats):
        for name, setup, fn in candidates:
            setup()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return [(name, statistics.median(times[name])) for name, _, _ in candidates]


def bench_sg(repeats, n):
    import torch
    T, d, hidden, batch = 28, 28, 128, 128
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(T, n, d))
    y = rng.integers(0, 10, size=n)
    params, shapes = einet.snn_init(d, 1, 3, hidden, hidden, 10, seed=0)
    params = params * 4.0  # keep both layers spiking

    def ours(dtype):
        return lambda: einet.snn_train(params, d, 1, 3, hidden, hidden, 10, x, list(y), loss="ce", classes=10,
                                       lr=1e-3, epochs=1, batch=batch, lif="reference", dtype=dtype)

    def theirs(dtype):
        return lambda: torch_epoch(torch, x, y, params, shapes, batch, dtype)

    def threads(k):
        return lambda: torch.set_num_threads(k)

    none = lambda: None
    cands = [("einet float32, 1 thread", none, ours("float32")), ("einet float64, 1 thread", none, ours("float64"))]
    for k in (1, 2):
        for dtype, name in ((torch.float32, "float32"), (torch.float64, "float64")):
            cands.append((f"PyTorch {torch.__version__} {name}, {k} thread(s)", threads(k), theirs(dtype)))
    rows = interleaved(cands, repeats)
    ref = rows[0][1]
    print(f"\nSG epoch: T={T}, 2 LIF layers x {hidden}, batch {batch}, n={n} ({n // batch} Adam steps), "
          f"medians of {repeats} interleaved runs")
    for name, t in rows:
        print(f"  {name:42s} {t * 1e3:9.1f} ms   ratio to einet float32 {t / ref:5.2f}")


def our_squared_objective(D, y, w, rho):
    r = D @ w - y
    return r @ r / len(y) + rho * np.abs(w).sum()


def bench_convex(repeats, n, p):
    from sklearn.linear_model import Lasso
    rng = np.random.default_rng(1)
    D = np.asfortranarray((rng.random((n, p)) < 0.3).astype(float))  # column-major for both solvers
    w_true = np.zeros(p)
    w_true[rng.choice(p, 40, replace=False)] = rng.normal(size=40)
    y = D @ w_true + 0.5 * rng.normal(size=n)
    a = np.full(n, 1.0 / n)
    rho = 0.05 * np.abs(D.T @ y).max() * 2 / n
    t_ours, sol = timed(lambda: einet.convex_solve(D, y[:, None], a, loss="squared", rho=rho), repeats)
    assert sol["certified"]
    target = sol["primal"]
    # sklearn minimises (1/2n)||Dw - y||^2 + alpha||w||_1 = our objective / 2 with alpha = rho/2;
    # lower tol until its objective is within 1e-6·max(1, p) of our certified optimum.
    tol = 1e-4
    while True:
        model = Lasso(alpha=rho / 2, tol=tol, max_iter=100000, fit_intercept=False, selection="cyclic")
        t_sk, _ = timed(lambda: model.fit(D, y), repeats)
        obj = our_squared_objective(D, y, model.coef_, rho)
        if obj - target <= 1e-6 * max(1.0, abs(target)) or tol < 1e-14:
            break
        tol /= 10
    print(f"\nconvex, squared loss, {n} x {p} binary dictionary, rho = {rho:.3g}, {sol['nonzeros']} nonzeros")
    print(f"  einet (gap {sol['gap']:.1e}, certified)             {t_ours * 1e3:9.1f} ms")
    print(f"  scikit-learn Lasso (tol {tol:.0e}, obj - ours {obj - target:.1e}) {t_sk * 1e3:9.1f} ms   ratio {t_sk / t_ours:5.2f}")
    yb = np.where(D[:, 0] + D[:, 1] - D[:, 2] + 0.5 * rng.normal(size=n) > 0.5, 1.0, -1.0)
    t_h, sh = timed(lambda: einet.convex_solve(D, yb[:, None], a, loss="hinge", rho=1e-3), 1)
    print(f"  hinge: einet (gap {sh['gap']:.1e}, {sh['nonzeros']} nonzeros)        {t_h * 1e3:9.1f} ms "
          "(anchors at 1000 x 800 below; scaling probe: bench/p002_hinge_scaling.py)")


def bench_cvxopt(n=1000, p=800):
    import cvxopt
    rng = np.random.default_rng(2)
    D = (rng.random((n, p)) < 0.3).astype(float)
    y = np.where(D[:, 0] + D[:, 1] - D[:, 2] + 0.5 * rng.normal(size=n) > 0.5, 1.0, -1.0)
    a = np.full(n, 1.0 / n)
    rho = 1e-3
    t_ours, sol = timed(lambda: einet.convex_solve(D, y[:, None], a, loss="hinge", rho=rho), 1)
    c = np.concatenate([rho * np.ones(2 * p), a])
    YD = y[:, None] * D
    G = np.vstack([np.hstack([-YD, YD, -np.eye(n)]), -np.eye(2 * p + n)])
    h = np.concatenate([-np.ones(n), np.zeros(2 * p + n)])
    cvxopt.solvers.options.update(show_progress=False, abstol=1e-9, reltol=1e-9, feastol=1e-9)
    t0 = time.perf_counter()
    ref = cvxopt.solvers.lp(cvxopt.matrix(c), cvxopt.matrix(G), cvxopt.matrix(h))
    t_cv = time.perf_counter() - t0
    print(f"\nconvex, hinge LP, {n} x {p}: einet {t_ours * 1e3:.1f} ms (primal {sol['primal']:.8f}, gap {sol['gap']:.1e}), "
          f"cvxopt {t_cv * 1e3:.1f} ms (primal {ref['primal objective']:.8f}), ratio {t_cv / t_ours:.2f}")
    from scipy import sparse
    from scipy.optimize import linprog
    A = sparse.hstack([sparse.csr_matrix(-YD), sparse.csr_matrix(YD), -sparse.eye(n)]).tocsc()
    for method in ("highs-ipm", "highs-ds"):  # HiGHS interior point (with crossover) and dual simplex
        t0 = time.perf_counter()
        r = linprog(c, A_ub=A, b_ub=-np.ones(n), bounds=(0, None), method=method)
        t_hi = time.perf_counter() - t0
        print(f"  scipy {method} (HiGHS) {t_hi * 1e3:.1f} ms (primal {r.fun:.8f}), ratio {t_hi / t_ours:.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--small", action="store_true", help="smaller sizes (a quick look)")
    ap.add_argument("--only", choices=("sg", "convex", "cvxopt"), help="run one part")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.only in (None, "sg"):
        bench_sg(args.repeats, 256 if args.small else 1024)
    if args.only in (None, "convex"):
        bench_convex(args.repeats, *((1000, 800) if args.small else (5000, 4096)))
    if args.only in (None, "cvxopt"):
        bench_cvxopt()
