#!/usr/bin/python3
"""Independent NumPy re-implementation of the authors' multi-unit demo (paper 001 Figs. 5/6,
spec 001 §2.8, §3), written from the published MATLAB script's recipe (not from einet):

  weights N(0.1, 0.04) (Fig. 5 script) or U[0, 0.16] (Fig. 6 script) per synapse, no self-connections; per step OU noise
  eta += 0.1 (0 - eta) + 0.1 xi; E += (-E + F_E(W_EE E - W_EI I + kick + eta_E)) / 100;
  I += (-I + F_I(W_IE E - W_II I + eta_I)) / 20 with the new E; clip 100 / 250; kick 7 on steps
  2500..2600 (1-based); per-unit trial measure = mean of the last 5001 samples; low-pass tau 2
  trials from 0; rectified at 1 Hz; cross rule (SI Eq. 10, alpha 2e-5) or two-term (Eq. 11,
  alpha 1e-5); floors 0.1/79, 0.1/20, 0.1/80, 0.1/19; diagonals reset.

Many seeds run side by side (batched matmul). Prints, per seed, the first trial with a sustained Up
state and the population means / unit ranges at the requested trials, so einet's demo outcome can be
compared with what the authors' recipe gives for other random realisations.

    /usr/bin/python3 scripts/p001_multi_unit_reference.py --rule cross --seeds 8 --trials 250
"""
from __future__ import annotations

import argparse
import json

import numpy as np

NE, NI = 80, 20


def run(rule: str, seeds: list[int], trials: int, report: list[int], init: str = "normal") -> list[dict]:
    B, n = len(seeds), NE + NI
    Wm = np.empty((B, n, n))  # [seed, post, pre] magnitudes; negative draws stay until the first clamp
    for b, s in enumerate(seeds):
        rng = np.random.default_rng(s)
        # Fig. 5 script: randn*0.04 + 0.1; Fig. 6 script: rand*0.16
        Wm[b] = 0.1 + 0.04 * rng.standard_normal((n, n)) if init == "normal" else 0.16 * rng.random((n, n))
    idx = np.arange(n)
    Wm[:, idx, idx] = 0.0
    sign = np.r_[np.ones(NE), -np.ones(NI)]
    rng = np.random.default_rng([1000 + s for s in seeds])
    eta = np.zeros((B, n))
    avg = np.zeros((B, n))
    a = np.r_[np.full(NE, 0.01), np.full(NI, 0.05)]
    gain = np.r_[np.full(NE, 1.0), np.full(NI, 4.0)]
    theta = np.r_[np.full(NE, 4.8), np.full(NI, 25.0)]
    rmax = np.r_[np.full(NE, 100.0), np.full(NI, 250.0)]
    setp = np.r_[np.full(NE, 5.0), np.full(NI, 14.0)]
    floors = {"EE": 0.1 / (NE - 1), "EI": 0.1 / NI, "IE": 0.1 / NE, "II": 0.1 / (NI - 1)}
    alpha = 2e-5 if rule == "cross" else 1e-5
    first_up = [None] * B
    out = [dict(seed=s, trials={}) for s in seeds]
    for trial in range(1, trials + 1):
        W = Wm * sign
        WE, WI = np.ascontiguousarray(W[:, :NE]), np.ascontiguousarray(W[:, NE:])
        r = np.zeros((B, n))
        acc = np.zeros((B, n))
        for t in range(1, 20001):
            eta += 0.1 * (0 - eta) + 0.1 * rng.standard_normal((B, n))
            kick = 7.0 if 2500 <= t <= 2600 else 0.0
            dE = np.matmul(WE, r[:, :, None])[:, :, 0] + eta[:, :NE] + kick
            r[:, :NE] = np.minimum(r[:, :NE] + a[:NE] * (gain[:NE] * np.maximum(dE - theta[:NE], 0) - r[:, :NE]), 100)
            dI = np.matmul(WI, r[:, :, None])[:, :, 0] + eta[:, NE:]
            r[:, NE:] = np.minimum(r[:, NE:] + a[NE:] * (gain[NE:] * np.maximum(dI - theta[NE:], 0) - r[:, NE:]), 250)
            if t >= 15000:
                acc += r
        m = acc / 5001
        avg += (m - avg) / 2
        for b in range(B):
            if first_up[b] is None and m[b, :NE].mean() > 1.0 and m[b, :NE].max() < 99:
                first_up[b] = trial
        rect = np.maximum(avg, 1.0)
        eE, eI = rect[:, :NE], rect[:, NE:]
        errE_mean = (5.0 - eE).mean(axis=1)[:, None, None]
        errI_mean = (14.0 - eI).mean(axis=1)[:, None, None]
        Wp = Wm
        dW = np.zeros_like(W)
        # cross terms (Eq. 10): same increment for every postsynaptic unit
        dW[:, :NE, :NE] = alpha * eE[:, None, :] * errI_mean
        dW[:, :NE, NE:] = -alpha * eI[:, None, :] * errI_mean
        dW[:, NE:, :NE] = -alpha * eE[:, None, :] * errE_mean
        dW[:, NE:, NE:] = alpha * eI[:, None, :] * errE_mean
        if rule == "two_term":  # Eq. 11: + postsynaptic homeostatic term
            post = (setp - rect)[:, :, None]
            dW[:, :NE, :NE] += alpha * eE[:, None, :] * post[:, :NE]
            dW[:, :NE, NE:] += -alpha * eI[:, None, :] * post[:, :NE]
            dW[:, NE:, :NE] += alpha * eE[:, None, :] * post[:, NE:]
            dW[:, NE:, NE:] += -alpha * eI[:, None, :] * post[:, NE:]
        Wp += dW
        Wp[:, :NE, :NE] = np.maximum(Wp[:, :NE, :NE], floors["EE"])
        Wp[:, :NE, NE:] = np.maximum(Wp[:, :NE, NE:], floors["EI"])
        Wp[:, NE:, :NE] = np.maximum(Wp[:, NE:, :NE], floors["IE"])
        Wp[:, NE:, NE:] = np.maximum(Wp[:, NE:, NE:], floors["II"])
        Wp[:, idx, idx] = 0.0
        if trial in report:
            for b in range(B):
                out[b]["trials"][trial] = dict(
                    E_mean=float(avg[b, :NE].mean()), I_mean=float(avg[b, NE:].mean()),
                    E_range=[float(avg[b, :NE].min()), float(avg[b, :NE].max())],
                    I_range=[float(avg[b, NE:].min()), float(avg[b, NE:].max())])
            print(json.dumps({"trial": trial, "first_up": first_up,
                              "E_mean": [round(o["trials"][trial]["E_mean"], 3) for o in out],
                              "I_mean": [round(o["trials"][trial]["I_mean"], 3) for o in out]}), flush=True)
    for b in range(B):
        out[b]["first_up"] = first_up[b]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", choices=["cross", "two_term"], default="cross")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--seed0", type=int, default=44)
    ap.add_argument("--trials", type=int, default=250)
    ap.add_argument("--init", choices=["normal", "uniform"], default="normal",
                    help="normal: N(0.1, 0.04) (authors' Fig. 5 script); uniform: U[0, 0.16] (Fig. 6 script)")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    report = sorted({1, 2, 5, 10, 25, 50, 100, 150, 200, 250, 300, 400, 500, args.trials} & set(range(1, args.trials + 1)))
    res = run(args.rule, list(range(args.seed0, args.seed0 + args.seeds)), args.trials, report, args.init)
    text = json.dumps({"rule": args.rule, "runs": res}, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(json.dumps([{"seed": r["seed"], "first_up": r["first_up"]} for r in res]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
