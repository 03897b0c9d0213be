#!/usr/bin/env python3
"""Re-run the paper-004 Fig. 4b noise test on a network saved by `einet run experiments/p004_fig4b.toml`
with protocol variants, and take the loss apart (docs/reproduction.md, paper 004, session 7).

    PYTHONPATH=build/python python3 scripts/p004_noise_probe.py runs/fig4b --batches 300
    ... --independent-noise          # different noise for the original and the balanced network
    ... --noise-increment dt         # the authors' rnnops code: x += dt·(f + ε·ξ) instead of sqrt(dt)·ε·ξ
    ... --zero-gain-h0               # keep the zero-gain units at h = 0 (still task-preserving)
    ... --eval-seed 11               # another evaluation set and noise (Monte-Carlo spread)
    ... --index 2                    # λ number 2 of a Fig. 4a run: gains and h computed here (spec §3.1 steps 2-3)
"""
from __future__ import annotations

import argparse

import numpy as np

from einet import noise_test as nt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir")
    ap.add_argument("--batches", type=int, default=300, help="evaluation batches (8 runs each)")
    ap.add_argument("--steps", type=int, default=50, help="task steps (task.steps of the run)")
    ap.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.03, 0.09, 0.15, 0.21, 0.27])
    ap.add_argument("--eval-seed", type=int, default=1, help="run seed the evaluation set and noise derive from")
    ap.add_argument("--independent-noise", action="store_true")
    ap.add_argument("--noise-increment", choices=("sqrt_dt", "dt"), default="sqrt_dt")
    ap.add_argument("--zero-gain-h0", action="store_true")
    ap.add_argument("--index", type=int, default=0, help="λ number; without h_balanced in the run, balance here")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    trained = nt.load_trained(a.run_dir, a.index)
    if a.index != 0 or "h_balanced" not in trained:
        bal = nt.robustness_balance(trained, a.eval_seed, a.batches, steps=a.steps, threads=a.threads)
        trained["gains"], trained["h_balanced"] = bal["gains"], bal["h"]
        print(f"balanced here: C {bal['balance']['cost_initial']:.4f} -> {bal['balance']['cost']:.4f}")
    h = trained["h_balanced"].copy()
    zero = np.flatnonzero(trained["gains"] == 0.0)
    print(f"N = {h.size}, zero-gain units {zero.tolist()} (h there {np.round(h[zero], 3).tolist()}), h in [{h.min():.3f}, {h.max():.3f}]")
    if a.zero_gain_h0:
        h[zero] = 0.0
    u, z = nt.evaluation_set(a.eval_seed, a.batches, steps=a.steps)
    r = nt.noise_test(trained, u, z, a.levels, run_seed=a.eval_seed, h=h, threads=a.threads,
                      independent_noise=a.independent_noise, noise_increment=a.noise_increment)
    print("   eps   loss_orig   loss_bal   ratio   | orig: 2<e0 d>  <d^2> | bal: 2<e0 d>  <d^2>")
    for e, eps in enumerate(a.levels):
        (co, cb), (so, sb) = r["cross"][e], r["shift_sq"][e]
        print(f"  {eps:4.2f}  {r['loss_original'][e]:9.3f}  {r['loss_balanced'][e]:9.3f}  {r['loss_ratio'][e]:.4f}"
              f"  | {co:8.3f} {so:7.3f} | {cb:8.3f} {sb:7.3f}")


if __name__ == "__main__":
    main()
