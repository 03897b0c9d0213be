#!/usr/bin/env python3
"""Up-state length, Eq. 18 count-noise floor and E adaptation of Fig. 7L training runs (paper 001,
spec 001 §5.1, §5.5, §5.10) — the analysis behind docs/reproduction.md, Fig. 7L items 11–13.

For one or more `spiking_training` run directories (concatenated in the order given, e.g. a run and
its continuation from `trained_network.toml`) it prints, per window of trials: the median Up-state
length, the fraction of full-length Up states, the mean SI Eq. 18 MSE and the mean count-noise floor
of those Up-state lengths; and, for every stored trial (`training.record_trials`), the Up-state
interval and the population-mean E adaptation current at its end, rebuilt from the E spikes
(spec §5.1: I_adapt += β/τ_adapt per spike, decays with τ_adapt). A run still in progress is read
from its checkpoint.

    /usr/bin/python3 tools/fig7l_up_states.py RUN [RUN ...] [--window 250] [--beta 3] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from brian2_models import upstate_intervals  # noqa: E402  (spec §5.5 reference detector, NumPy only)

FULL_LENGTH_MS = 1300.0  # (1.5-s training trials) an Up state from the kick (≈ 140 ms) to the trial end (1.5 s) lasts 1360–1370 ms
CHECKPOINT_NAMES = {"mse": "trainer%2Fmse.npy", "up": "trainer%2Fup_duration_ms.npy"}


def count_noise_floor_hz2(up_ms, populations=((1600, 5.0), (400, 14.0))):
    """SI Eq. 18 of units whose expected rates equal their set points exactly, firing as Poisson
    counts over an Up state of length T: E[(r̂ − r)²] = r / T, averaged over all units
    (spec §5.10: E and I units weighted by their number). Silent trials (T = 0) give NaN."""
    t_s = np.asarray(up_ms, dtype=float) * 1e-3
    n = sum(k for k, _ in populations)
    mean_rate = sum(k * r for k, r in populations) / n
    with np.errstate(divide="ignore"):
        return np.where(t_s > 0, mean_rate / np.where(t_s > 0, t_s, 1.0), np.nan)


def adaptation_current_pA(t_ms, spike_times_ms, n_units, beta_nA_ms=3.0, tau_ms=500.0):
    """Population-mean adaptation current (pA) at time(s) t_ms from the spikes of n_units adaptive
    units that started at 0 (spec §5.1: I_adapt += β/τ_adapt at each spike, dI/dt = −I/τ_adapt;
    β = 3 nA·ms, τ = 500 ms → 6 pA per spike)."""
    jump_pA = beta_nA_ms * 1e3 / tau_ms
    s = np.asarray(spike_times_ms, dtype=float)
    t = np.atleast_1d(np.asarray(t_ms, dtype=float))
    out = np.array([np.exp(-(ti - s[s <= ti]) / tau_ms).sum() for ti in t]) * jump_pA / n_units
    return out if np.ndim(t_ms) else float(out[0])


def load_trials(run_dir):
    """(mse, up_ms) per trial of one run: the final arrays, or the checkpoint of a running one."""
    run = Path(run_dir)
    arrays = run / "arrays"
    if (arrays / "training_mse.npy").is_file():
        return np.load(arrays / "training_mse.npy"), np.load(arrays / "training_up_duration_ms.npy")
    ck = run / "checkpoint" / "arrays"
    if (ck / CHECKPOINT_NAMES["mse"]).is_file():
        return np.load(ck / CHECKPOINT_NAMES["mse"]), np.load(ck / CHECKPOINT_NAMES["up"])
    raise FileNotFoundError(f"{run}: neither arrays/training_mse.npy nor a checkpoint (is it a spiking_training run?)")


def window_table(mse, up_ms, window):
    """Rows (first, last trial (1-based), median Up ms, fraction full-length, mean MSE, mean floor)
    over consecutive windows of trials; the floor is averaged over the trials with an Up state."""
    rows = []
    for a in range(0, len(mse), window):
        m, u = mse[a:a + window], up_ms[a:a + window]
        floor = count_noise_floor_hz2(u)
        rows.append({"first": a + 1, "last": a + len(m), "up_median_ms": float(np.median(u)),
                     "full_fraction": float(np.mean(u >= FULL_LENGTH_MS)), "mse_mean": float(np.mean(m)),
                     "floor_mean": float(np.nanmean(floor)) if np.any(u > 0) else float("nan")})
    return rows


def trial_length_ms(run_dir):
    """run.duration of the run's resolved config.toml (one trial), in ms."""
    with open(Path(run_dir) / "config.toml", "rb") as f:
        value, unit = tomllib.load(f)["run"]["duration"].split()
    return float(value) * {"s": 1e3, "ms": 1.0}[unit]


def stored_trial_ends(run_dir, beta_nA_ms, tau_ms=500.0, n_exc=1600, n_inh=400):
    """For each stored trial k of the run: Up-state intervals and the mean E adaptation current at
    the end of the last one (NaN without an Up state)."""
    arrays = Path(run_dir) / "arrays"
    t_stop_ms = trial_length_ms(run_dir)
    rows = []
    for f in sorted(arrays.glob("trial*_spike_times_I.npy"), key=lambda p: int(p.name[5:].split("_")[0])):
        k = int(f.name[5:].split("_")[0])
        ups = upstate_intervals(np.load(f), n_inh, t_stop_ms)
        t_e = np.load(arrays / f"trial{k}_spike_times_E.npy")
        end = ups[-1][1] if ups else float("nan")
        a = adaptation_current_pA(end, t_e, n_exc, beta_nA_ms, tau_ms) if ups else float("nan")
        rows.append({"trial": k, "up_states_ms": ups, "adaptation_at_end_pA": a})
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", help="spiking_training run directories, in trial order")
    p.add_argument("--window", type=int, default=250, help="trials per row (default 250)")
    p.add_argument("--beta", type=float, default=3.0, help="E adaptation strength of the runs, nA·ms (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = p.parse_args(argv)
    parts = [load_trials(r) for r in args.runs]
    mse = np.concatenate([m for m, _ in parts])
    up = np.concatenate([u for _, u in parts])
    table = window_table(mse, up, args.window)
    ends = [dict(run=str(r), **row) for r in args.runs for row in stored_trial_ends(r, args.beta)]
    if args.json:
        print(json.dumps({"trials": len(mse), "mse_first": float(mse[0]), "mse_last": float(mse[-1]),
                          "windows": table, "stored_trials": ends}, indent=1))
        return 0
    print(f"{len(mse)} trials; MSE first {mse[0]:.2f}, last {mse[-1]:.2f} Hz² (÷ {mse[0] / mse[-1]:.2f})")
    print("trials        Up median ms  full  MSE mean  floor mean")
    for r in table:
        print(f"{r['first']:5d}–{r['last']:<6d}  {r['up_median_ms']:12.0f}  {r['full_fraction']:4.2f}"
              f"  {r['mse_mean']:8.2f}  {r['floor_mean']:10.2f}")
    for e in ends:
        ups = ", ".join(f"{a:.0f}–{b:.0f}" for a, b in e["up_states_ms"]) or "none"
        print(f"{e['run']} trial {e['trial']}: Up {ups} ms, adaptation at end {e['adaptation_at_end_pA']:.1f} pA")
    return 0


if __name__ == "__main__":
    sys.exit(main())
