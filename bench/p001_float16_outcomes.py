#!/usr/bin/python3
"""Outcome statistics of a paper-001 multi-unit sweep run with model.weight_storage = "float16"
against the same networks of the float32 sweep (same seeds: same initial weights, noise and kicks).

    PYTHONPATH=build/python /usr/bin/python3 bench/p001_float16_outcomes.py [--label TEXT] F16_RUN F32_RUN [F32_RUN ...]

Also used for any other run of the same networks against the float32 chunks, e.g. a float32 run
of a build with another noise stream (session 9: `--label "new vs old float32 noise stream"`).

The float32 run directories are chunks of one sweep, joined with einet.concat_runs; the float16
run must cover networks inside them. Prints, for the common networks: runs converged (final
population rates within the summary's tolerance of both set points), mean ± SEM of the final E and
I rates, the largest per-network difference of the final rates and of the final class-mean weights,
the within-run unit spread (mean unit SD, largest unit deviation from the set point), and the
first self-sustained trial.
"""
from __future__ import annotations

import sys

import numpy as np

import einet


def outcomes(arrays: dict, summary: dict) -> dict:
    final = arrays["final_rates"]  # [run, population]
    sets = np.array([summary["E_set_hz"], summary["I_set_hz"]])
    tol = summary["converged_tolerance"]
    units = [arrays["final_unit_rates_E"], arrays["final_unit_rates_I"]]
    return {
        "converged": int(np.all(np.abs(final / sets - 1) <= tol, axis=1).sum()),
        "mean": final.mean(axis=0), "sem": final.std(axis=0, ddof=1) / np.sqrt(len(final)),
        "unit_sd": [u.std(axis=1).mean() for u in units],
        "max_unit_rel_error": [np.abs(u / s - 1).max() for u, s in zip(units, sets)],
    }


def main() -> int:
    args = sys.argv[1:]
    label = "float16 vs float32 weight storage"
    if args[:1] == ["--label"]:
        label, args = args[1], args[2:]
    f16 = einet.load(args[0])
    f32 = einet.concat_runs(args[1:])
    first = int(f16.config["run"].get("first_network", 0))
    first32 = min(int(einet.load(d).config["run"].get("first_network", 0)) for d in args[1:])
    n = f16.array("final_rates").shape[0]
    sel = slice(first - first32, first - first32 + n)
    names = ("final_rates", "final_unit_rates_E", "final_unit_rates_I", "weights", "first_self_sustained_trial")
    a16 = {k: f16.array(k) for k in names}
    a32 = {k: (f32.arrays[k][:, sel] if k == "weights" else f32.arrays[k][sel]) for k in names}
    o16, o32 = outcomes(a16, f16.summary), outcomes(a32, f16.summary)
    print(f"networks {first}-{first + n - 1} ({n}), {label}")
    print(f"  converged: {o16['converged']} vs {o32['converged']} of {n}")
    for p, pop in enumerate("EI"):
        print(f"  final {pop}: {o16['mean'][p]:.6f} ± {o16['sem'][p]:.6f} vs {o32['mean'][p]:.6f} ± {o32['sem'][p]:.6f} Hz;"
              f" unit SD {o16['unit_sd'][p]:.3f} vs {o32['unit_sd'][p]:.3f} Hz;"
              f" max unit rel. error {o16['max_unit_rel_error'][p]:.3f} vs {o32['max_unit_rel_error'][p]:.3f}")
    d = np.abs(a16["final_rates"] - a32["final_rates"])
    print(f"  per network |Δ final rate|: E max {d[:, 0].max():.3g} Hz, I max {d[:, 1].max():.3g} Hz")
    for pop in "EI":
        u = np.abs(a16[f"final_unit_rates_{pop}"] - a32[f"final_unit_rates_{pop}"])
        print(f"  per unit |Δ final rate| {pop}: max {u.max():.3g} Hz, median {np.median(u):.3g} Hz")
    w = np.abs(a16["weights"][-1] / a32["weights"][-1] - 1)
    print(f"  final class-mean weights: max relative difference {w.max():.3g} (median {np.median(w):.3g})")
    same = np.array_equal(a16["first_self_sustained_trial"], a32["first_self_sustained_trial"])
    print(f"  first self-sustained trial identical in every network: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
