#!/usr/bin/python3
"""Vectorised NumPy reference of the two-population rate model with trial-based cross-homeostatic
plasticity (paper 001, spec 001 §1.1-1.4): the anchor that `bench/run_bench.py` times einet against.

B independent networks are simulated together; every state variable is an array over the batch.
The model and the work are the same as `build/bench/bench_rate_trials` (einet's engine + protocol):

  per step (dt = 0.1 ms), 20 000 steps per trial
    eta <- 0.9 eta + 0.1 xi,  xi ~ N(0, 1) per population            (OU, sigma = 10 s^-1/2)
    E   <- E + 0.01 (-E + max(W_EE E - W_EI I + kick + eta_E - 4.8, 0))  ; E <- min(E, 100)
    I   <- I + 0.05 (-I + 4 max(W_IE E - W_II I + eta_I - 25, 0))       ; I <- min(I, 250)   (new E)
    kick = 7 on steps 2499..2599 (0-based); E = I = 0 at each trial start, eta carries over
  per trial
    m = mean of E, I over steps 14999..19999 (5001 samples); r <- r + (m - r)/2; r~ = max(r, 1)
    dW_EE = +a E~(14 - I~), dW_EI = -a I~(14 - I~), dW_IE = -a E~(5 - E~), dW_II = +a I~(5 - E~)
    a = 5e-4; W <- max(W + dW, 0.1)

To make the anchor as fast as NumPy reasonably gets (it must be measured at its best):
  * every per-step operation is an in-place ufunc call with a preallocated `out=` (no temporaries);
  * the Euler update is folded algebraically (exact, not an approximation):
        E + 0.01(-E + max(d, 0)) = max(0.01 d + 0.99 E, 0.99 E)
    so with per-trial prescaled weight rows the E update is 5 ufunc calls (and I likewise):
        T = [0.01 W_EE + 0.99, -0.01 W_EI] * [E, I]           (one call on a (2, B) array)
        u = T[0] + T[1] + h_E[k]                              (two calls)
        E = clip(u, 0.99 E, 100)                              (two calls: 0.99 E, clip)
    (for B >= 256, maximum + minimum replace the clip: NumPy 1.24 has no fast clip loop for array
    bounds);
    where h_E[k] = 0.01 (eta_E + kick - 4.8) and h_I[k] = 0.2 (eta_I - 25) are computed for a
    whole block of steps at once;
  * the normals are drawn in blocks of steps (one `standard_normal(out=...)` call per block) and the
    OU recurrence of a block is evaluated before the step loop (see `_OU`), so the model's step loop
    only reads its drive offsets;
  * the window sum adds the (2, B) state in one call.

The remaining per-step cost is 10 ufunc calls (+1 in the measurement window) on arrays of B or 2B
doubles, whatever B is: at small B NumPy is dominated by call overhead, at large B by the normals.

Usage:  /usr/bin/python3 bench/numpy_rate_reference.py --batch 100 --trials 20 [--seed 1] [--sigma 10]
prints one JSON line: batch, trials, threads (= 1), seconds, trials_per_s (= batch*trials/seconds),
E_mean_last, ns_per_network_step.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

# Model constants (spec 001 §1.2-1.4); names follow the spec.
DT = 0.1                # ms
TAU_E, TAU_I = 10.0, 2.0
G_E, G_I = 1.0, 4.0
THETA_E, THETA_I = 4.8, 25.0
E_MAX, I_MAX = 100.0, 250.0
TAU_ETA = 1.0           # ms
STEPS = 20000           # 2 s trial
KICK_FROM, KICK_TO, KICK_AMP = 2499, 2600, 7.0   # steps [2499, 2600) 0-based, i.e. 2500..2600 1-based
WINDOW_FROM = STEPS - 5000 - 1                   # 14999: the last 5001 samples
WINDOW_COUNT = STEPS - WINDOW_FROM
LOWPASS_TRIALS = 2.0
RATE_FLOOR = 1.0
ALPHA = 5e-4
E_SET, I_SET = 5.0, 14.0
W_FLOOR = 0.1
# Initial weights U[low, high] per class (EE, EI, IE, II), as bench/bench_rate_trials.cpp.
W_RANGES = ((4.0, 7.0), (0.5, 2.0), (7.0, 13.0), (0.5, 2.0))
CLIP_BELOW = 256     # clip(u, v, r_max) below this batch size, maximum + minimum above
SCAN_BELOW = 256     # OU by a block-wide cumulative sum below this batch size, a row loop above
# NumPy bit generator of the normals. np.random.default_rng is PCG64; SFC64 is NumPy's fastest
# (standard_normal ~1.2-1.7x faster here), and the anchor is timed at its best.
BITGEN = "SFC64"


def _block_steps(batch: int) -> int:
    """Steps per noise block: the largest divisor of STEPS with a ~256 KiB (K, 2, B) block, at
    most 1000 steps (keeps the scan factors 0.9^-K of `_OU` below 1e46)."""
    target = max(10, min(1000, 16384 // max(batch, 1)))
    return max(k for k in range(1, min(target, STEPS) + 1) if STEPS % k == 0)


class _OU:
    """OU noise eta_k = d eta_{k-1} + amp xi_k of a (2, B) state for a whole block of K steps.

    Two exact evaluations; the faster one is chosen by the batch size:
    * "scan" (small B, where per-call overhead dominates): within a block
      eta_k = d^k (eta_0 + sum_{j<=k} d^-j amp xi_j) -- one scale, one cumulative sum and one rescale
      over the (K, 2, B) block replace 2K calls. With K <= 1000 and d = 0.9 the factors stay far
      from overflow, and the sum is dominated by its latest terms, so the rounding is of the order
      of the plain recurrence (checked to ~1e-16).
    * "loop" (large B, where np.cumsum along axis 0 costs ~3.5 ns per element): the recurrence,
      two in-place calls per step on (2, B) rows, still outside the step loop of the model.
    """

    def __init__(self, K: int, B: int, decay: float, amp: float, method: str):
        k = np.arange(1, K + 1, dtype=np.float64)
        self.up = (amp * decay ** -k).reshape(K, 1, 1)      # amp d^-j
        self.down = (decay ** k).reshape(K, 1, 1)           # d^k
        self.decay, self.amp, self.method = decay, amp, method
        self.tmp = np.empty((2, B))

    def block(self, X: np.ndarray, eta0: np.ndarray) -> None:
        """X holds xi for the block; on return X[k] = eta after step k of the block."""
        if self.method == "scan":
            np.multiply(X, self.up, out=X)
            np.cumsum(X, axis=0, out=X)
            np.add(X, eta0, out=X)
            np.multiply(X, self.down, out=X)
        else:
            mul, add, d, tmp = np.multiply, np.add, self.decay, self.tmp
            mul(X, self.amp, out=X)
            prev = eta0
            for row in X:
                mul(prev, d, out=tmp)
                add(row, tmp, out=row)
                prev = row


def run(batch: int, trials: int, seed: int = 1, sigma: float = 10.0, weights: np.ndarray | None = None,
        history: bool = False, bitgen: str = BITGEN) -> dict:
    """Simulate `trials` trials of `batch` networks; return timing (and histories if asked).

    weights: optional initial weights, shape (B, 4) (as einet's weights.npy[0]; taken as such when
    B = 4) or (4, B), classes (EE, EI, IE, II); default
    drawn U[4,7], U[0.5,2], U[7,13], U[0.5,2] per network from `seed`.
    history: also return lowpass_E, lowpass_I (trials, B) and weights (trials + 1, B, 4) as einet's
    arrays/lowpass_E.npy, lowpass_I.npy, weights.npy.
    """
    B = int(batch)
    rng = np.random.Generator(getattr(np.random, bitgen)(seed))
    if weights is None:
        W = np.stack([rng.uniform(lo, hi, B) for lo, hi in W_RANGES])
    else:
        W = np.asarray(weights, dtype=np.float64)
        W = (W.T if W.shape == (B, 4) else W).copy()
        assert W.shape == (4, B), W.shape
    W_EE, W_EI, W_IE, W_II = W            # views into W (rows)

    aE, aI = DT / TAU_E, DT / TAU_I       # 0.01, 0.05
    decay = 1.0 - DT / TAU_ETA            # 0.9 (Euler-Maruyama, as einet's default scheme)
    amp = sigma * np.sqrt(DT * 1e-3)      # 0.1 for sigma = 10 s^-1/2
    K = _block_steps(B)
    n_blocks = STEPS // K
    ou = _OU(K, B, decay, amp, "scan" if B < SCAN_BELOW else "loop")

    # State. S = [E; I] so that both rows are updated by one call where possible.
    S = np.zeros((2, B))
    E, I = S[0], S[1]
    eta = np.zeros((2, B))                # OU state, carries over between trials
    X = np.empty((K, 2, B))               # block of normals -> OU noise -> drive offsets h
    views = [(X[k, 0], X[k, 1]) for k in range(K)]   # row views made once, not per step
    h_scale = np.array([aE * G_E, aI * G_I]).reshape(2, 1)                 # 0.01, 0.2
    h_offset = np.array([-aE * G_E * THETA_E, -aI * G_I * THETA_I]).reshape(2, 1)
    kick_h = aE * G_E * KICK_AMP
    WE = np.empty((2, B))                 # [0.01 W_EE + 0.99, -0.01 W_EI]
    WI = np.empty((2, B))                 # [0.2 W_IE, 0.95 - 0.2 W_II]
    T = np.empty((2, B))
    T0, T1 = T[0], T[1]
    u = np.empty(B)
    v = np.empty(B)
    S_sum = np.empty((2, B))
    lowpass = np.zeros((2, B))
    keepE, keepI = 1.0 - aE, 1.0 - aI     # 0.99, 0.95
    mul, add, mx, mn, clip = np.multiply, np.add, np.maximum, np.minimum, np.core.umath.clip
    # clip(u, v, r_max) is one call but NumPy 1.24 has no SIMD loop for array bounds: faster below
    # ~250 networks (call overhead dominates), slower above, where maximum + minimum win.
    use_clip = B < CLIP_BELOW

    def steps(vs, with_sum: bool) -> None:
        if use_clip:
            for hE, hI in vs:
                # E <- min(max(0.01 d_E + 0.99 E, 0.99 E), 100)
                mul(WE, S, out=T); add(T0, T1, out=u); add(u, hE, out=u); mul(E, keepE, out=v)
                clip(u, v, E_MAX, out=E)
                # I (with the new E) <- min(max(0.2 d_I + 0.95 I, 0.95 I), 250)
                mul(WI, S, out=T); add(T0, T1, out=u); add(u, hI, out=u); mul(I, keepI, out=v)
                clip(u, v, I_MAX, out=I)
                if with_sum:
                    add(S_sum, S, out=S_sum)
        else:
            for hE, hI in vs:
                mul(WE, S, out=T); add(T0, T1, out=u); add(u, hE, out=u); mul(E, keepE, out=v)
                mx(u, v, out=E); mn(E, E_MAX, out=E)
                mul(WI, S, out=T); add(T0, T1, out=u); add(u, hI, out=u); mul(I, keepI, out=v)
                mx(u, v, out=I); mn(I, I_MAX, out=I)
                if with_sum:
                    add(S_sum, S, out=S_sum)

    hist_lp, hist_w = [], [W.T.copy()] if history else None

    t0 = time.perf_counter()
    for _trial in range(trials):
        S.fill(0.0)
        S_sum.fill(0.0)
        mul(W_EE, aE * G_E, out=WE[0]); WE[0] += keepE
        mul(W_EI, -aE * G_E, out=WE[1])
        mul(W_IE, aI * G_I, out=WI[0])
        mul(W_II, -aI * G_I, out=WI[1]); WI[1] += keepI
        for blk in range(n_blocks):
            k0 = blk * K
            # Drive offsets of the block: h = scale (eta + kick) + offset, shape (K, 2, B).
            if sigma != 0.0:
                rng.standard_normal(out=X)
                ou.block(X, eta)
                eta[...] = X[-1]
                mul(X, h_scale, out=X)
                add(X, h_offset, out=X)
            else:
                X[...] = h_offset
            if k0 < KICK_TO and k0 + K > KICK_FROM:
                X[max(KICK_FROM - k0, 0):min(KICK_TO - k0, K), 0] += kick_h
            split = min(max(WINDOW_FROM - k0, 0), K)   # steps of this block before the window
            if split > 0:
                steps(views[:split] if split < K else views, False)
            if split < K:
                steps(views[split:] if split > 0 else views, True)
        # Per-trial measure, low-pass, floor and the cross-homeostatic update (all (B,) arrays).
        m = S_sum / WINDOW_COUNT
        lowpass += (m - lowpass) / LOWPASS_TRIALS
        Et, It = np.maximum(lowpass, RATE_FLOOR)
        dEE = ALPHA * Et * (I_SET - It)
        dEI = -ALPHA * It * (I_SET - It)
        dIE = -ALPHA * Et * (E_SET - Et)
        dII = ALPHA * It * (E_SET - Et)
        W_EE += dEE; W_EI += dEI; W_IE += dIE; W_II += dII
        np.maximum(W, W_FLOOR, out=W)
        if history:
            hist_lp.append(lowpass.copy())
            hist_w.append(W.T.copy())
    seconds = time.perf_counter() - t0

    out = {"batch": B, "trials": int(trials), "threads": 1, "seconds": seconds,
           "trials_per_s": B * trials / seconds, "E_mean_last": float(lowpass[0, -1]),
           "ns_per_network_step": seconds / (B * trials * STEPS) * 1e9, "noise_block_steps": K,
           "bitgen": bitgen, "numpy": np.__version__}
    if history:
        lp = np.array(hist_lp)                 # (trials, 2, B)
        out["lowpass_E"] = lp[:, 0, :]
        out["lowpass_I"] = lp[:, 1, :]
        out["weights"] = np.array(hist_w)      # (trials + 1, B, 4)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sigma", type=float, default=10.0, help="OU intensity in s^-1/2 (0: deterministic)")
    ap.add_argument("--bitgen", default=BITGEN, choices=["SFC64", "PCG64", "PCG64DXSM", "Philox", "MT19937"],
                    help="NumPy bit generator (PCG64 = np.random.default_rng)")
    ap.add_argument("--repeats", type=int, default=1, help="print one JSON line per repeat")
    a = ap.parse_args(argv)
    for r in range(a.repeats):
        res = run(a.batch, a.trials, a.seed + r, a.sigma, bitgen=a.bitgen)
        print(json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in res.items()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
