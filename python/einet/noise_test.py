"""Paper 004 Fig. 4b noise test in NumPy/SciPy, on a network saved by the `rnn_training` study.

An independent implementation of spec 004 §3.1 steps 1, 4 and 5 (smoothing with SciPy's
`gaussian_filter1d`, trial averages and the loss in NumPy; only the Euler–Maruyama integrator is
einet's `run_rnn`), used to cross-check the study and to take its loss apart:

    trained = load_trained("runs/fig4b")            # J, W_in, W_out, b of the largest λ, h_balanced
    u, z = evaluation_set(run_seed=1, batches=300)   # the study's evaluation runs
    r = noise_test(trained, u, z, [0.0, 0.27])       # losses, ratios, decomposition per ε

Decomposition (per ε, both networks): with ȳ the per-condition trial average, e₀ = ȳ(ε=0) − z̄
and d = ȳ(ε) − ȳ(0), loss(ε) = loss(0) + 2⟨e₀·d⟩ + ⟨d²⟩ exactly; ⟨d²⟩ contains the residual
trial-to-trial variance / repeats.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import _einet

# The study's derived dataset seeds (src/config/rnn_training_study.cpp): evaluation runs use the
# task seed run_seed ^ EVAL_STREAM, noise level number e uses the noise seed run_seed + 1 + e.
EVAL_STREAM = 0x6576616C
GAIN_STREAM = 0x6761696E


def load_trained(run_dir, index: int = 0) -> dict:
    """J, W_in, W_out, b of λ number `index` and (if present) h_balanced and gains of a run directory."""
    arrays = Path(run_dir) / "arrays"
    net = {k: np.load(arrays / f"{k}_lambda_{index}.npy") for k in ("J", "W_in", "W_out", "b")}
    for k in ("h_balanced", "gains"):
        if (arrays / f"{k}.npy").is_file():
            net[k] = np.load(arrays / f"{k}.npy")
    return net


def evaluation_set(run_seed: int, batches: int, steps: int = 50, substeps: int = 10, sigma: float = 5.0,
                   stream: int = EVAL_STREAM):
    """Spec §3.1 step 1: CDI batches, each task step repeated `substeps` times and smoothed along
    time by a Gaussian of `sigma` samples (SciPy defaults: truncate 4σ, 'reflect'); inputs and
    targets (time, channels, 8·batches), column 8·k + condition."""
    from scipy.ndimage import gaussian_filter1d
    ins, tgs = [], []
    for k in range(batches):
        u, z = _einet.cdi_batch(run_seed ^ stream, k, steps)
        for src, dst in ((u, ins), (z, tgs)):
            up = np.repeat(src, substeps, axis=0)
            dst.append(gaussian_filter1d(up, sigma, axis=0) if sigma > 0 else up)
    return np.concatenate(ins, axis=2), np.concatenate(tgs, axis=2)


def robustness_balance(trained: dict, run_seed: int, batches: int, steps: int = 50, chunk: int = 25,
                       threads: int = 1, substeps: int = 10, **balance_options) -> dict:
    """Spec §3.1 steps 2–3: gains μ_j = fraction of samples n = 0..N_s−2 with x_j > 0 on the noise-free
    gain runs (hidden states read through W_out = I), robustness costs c_ij = μ_j J_ij² (Eq. 13),
    balanced by einet's flow to t = 3000 (`balance_options` go to einet.balance). Returns gains, h
    and the balance result."""
    J = trained["J"]
    n = J.shape[0]
    u, _ = evaluation_set(run_seed, batches, steps, substeps=substeps, stream=GAIN_STREAM)
    active, samples = np.zeros(n), 0
    for k in range(0, batches, chunk):
        cols = slice(8 * k, 8 * min(batches, k + chunk))
        x = _einet.run_rnn(J, trained["W_in"], np.eye(n), trained["b"], u[:, :, cols],
                           integrator="euler_maruyama", dt=1.0 / substeps, threads=threads)
        active += (x[:-1] > 0).sum(axis=(0, 2))
        samples += (x.shape[0] - 1) * x.shape[2]
    mu = active / samples
    costs = np.asfortranarray(mu[None, :] * J**2)
    opts = dict(p=2.0, method="flow", t_max=3000.0, threads=threads)
    opts.update(balance_options)
    r = _einet.balance(costs, **opts)
    return {"gains": mu, "h": np.asarray(r["h"]), "balance": r}


def trial_average(y: np.ndarray) -> np.ndarray:
    """Per-condition mean over the repeats (columns 8·k + condition)."""
    return y.reshape(y.shape[0], y.shape[1], -1, 8).mean(axis=2)


def trial_averaged_loss(y: np.ndarray, z: np.ndarray) -> float:
    """Spec §3.1 step 5 (Ambiguity 4): MSE of the trial-averaged output against the trial-averaged target."""
    return float(np.mean((trial_average(y) - trial_average(z)) ** 2))


def _run(net: dict, u, noise: float, seed: int, threads: int, noise_increment: str, substeps: int):
    # spec §1.2(b): increment sqrt(dt)·ε·ξ; the authors' rnnops code adds dt·ε·ξ ("dt"), i.e. sqrt(dt)·ε at our scale
    dt = 1.0 / substeps  # the inputs repeat each task step `substeps` times (evaluation_set)
    eps = noise * (np.sqrt(dt) if noise_increment == "dt" else 1.0)
    return _einet.run_rnn(net["J"], net["W_in"], net["W_out"], net["b"], u, integrator="euler_maruyama",
                          dt=dt, noise=eps, seed=seed, threads=threads)


def noise_test(trained: dict, u, z, levels, run_seed: int = 1, h=None, threads: int = 1,
               independent_noise: bool = False, noise_increment: str = "sqrt_dt", substeps: int = 10) -> dict:
    """Original vs balanced (π_h with h = trained['h_balanced'] unless given) under hidden noise ε.
    Same noise for both networks (as the study) unless `independent_noise`. `substeps` must be the
    one `u` was built with (evaluation_set): the integrator step is 1/substeps."""
    if noise_increment not in ("sqrt_dt", "dt"):
        raise ValueError(f"noise_increment: expected 'sqrt_dt' or 'dt', got {noise_increment!r}")
    h = trained["h_balanced"] if h is None else h
    bal = _einet.task_preserving_transform(trained["J"], trained["W_in"], trained["W_out"], trained["b"], h)
    nets = (trained, bal)
    clean = [_run(n, u, 0.0, run_seed + 1, threads, noise_increment, substeps) for n in nets]
    zbar = trial_average(z)
    out = {k: [] for k in ("loss_original", "loss_balanced", "loss_ratio", "cross", "shift_sq")}
    for e, eps in enumerate(levels):
        seeds = (run_seed + 1 + e, run_seed + 1 + e + (10**6 if independent_noise else 0))
        losses, parts = [], []
        for n, y0, s in zip(nets, clean, seeds):
            y = _run(n, u, eps, s, threads, noise_increment, substeps)
            d = trial_average(y) - trial_average(y0)
            e0 = trial_average(y0) - zbar
            losses.append(trial_averaged_loss(y, z))
            parts.append((2 * float(np.mean(e0 * d)), float(np.mean(d * d))))
        out["loss_original"].append(losses[0])
        out["loss_balanced"].append(losses[1])
        out["loss_ratio"].append(losses[1] / losses[0])
        out["cross"].append([p[0] for p in parts])
        out["shift_sq"].append([p[1] for p in parts])
    return out
