#!/usr/bin/python3
"""Runs the shipped paper-001 rate experiments and prints the reproduction table of
docs/reproduction.md (paper number, einet number, tolerance, verdict).

Usage: /usr/bin/python3 scripts/reproduce_p001.py [--build build] [--quick]
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
UNIFORM_2D = ['weights.EE={dist="uniform", low=4, high=7}', 'weights.EI={dist="uniform", low=0.5, high=2}',
              'weights.IE={dist="uniform", low=7, high=13}', 'weights.II={dist="uniform", low=0.5, high=2}']


def run(build, name, sets=(), tmp=None):
    out = Path(tmp) / (name + "-" + str(abs(hash(tuple(sets)))))
    cmd = [str(Path(build) / "einet"), "run", str(ROOT / "experiments" / f"{name}.toml"), "--out", str(out),
           "--quiet", "--no-report", "--overwrite"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads((out / "summary.json").read_text())
    arrays = {p.stem: np.load(p) for p in (out / "arrays").glob("*.npy")}
    return summary, arrays


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--quick", action="store_true", help="skip the 100-start sweeps")
    a = ap.parse_args()
    rows = []

    def row(fig, what, paper, ours, tol, ok):
        rows.append((fig, what, paper, ours, tol, "yes" if ok else "**no**"))

    with tempfile.TemporaryDirectory() as tmp:
        s, _ = run(a.build, "p001_fig1b", tmp=tmp)
        row("1B", "I rate before → after I_ext = 7 into I (Hz)", "10 → 4.615", f"{s['I_before_hz']:.3f} → {s['I_after_hz']:.3f}",
            "±2 %", abs(s["I_after_hz"] / 4.615 - 1) < 0.02)
        row("1B", "E rate after (Hz)", "2.954", f"{s['E_after_hz']:.3f}", "±2 %", abs(s["E_after_hz"] / 2.954 - 1) < 0.02)
        s, _ = run(a.build, "p001_fig1c", tmp=tmp)
        row("1C/3B", "I rate after W_IE 10 → 12 (Hz)", "5.146", f"{s['I_after_hz']:.3f}", "±2 %", abs(s["I_after_hz"] / 5.146 - 1) < 0.02)
        s, _ = run(a.build, "p001_fig3", tmp=tmp)
        row("3C", "I rate after W_IE 10 → 8 (Hz)", "28.52", f"{s['I_after_hz']:.2f}", "±2 %", abs(s["I_after_hz"] / 28.52 - 1) < 0.02)

        s, arr = run(a.build, "p001_fig4b", tmp=tmp)
        row("4B", "first self-sustained trial", "~20 (5–20 in spec §7)", str(s["first_self_sustained_trial"]), "≤ 25",
            s["first_self_sustained_trial"] <= 25)
        row("4B", "E, I at trial 500 (mean of last 10 trials, Hz)", "5, 14 (Ē ±0.3, Ī ±0.1)",
            f"{s['E_final_hz']:.2f}, {s['I_final_hz']:.2f}", "±0.5, ±1 (issue)",
            abs(s["E_final_hz"] - 5) < 0.5 and abs(s["I_final_hz"] - 14) < 1)
        E_over = arr["lowpass_E"][:, 0].max()
        row("4B", "E overshoot (max low-passed E, Hz)", "≈ 8.6 (W_II = 1.5)", f"{E_over:.2f} (W_II = 2)", "qualitative", E_over > 6)
        s, _ = run(a.build, "p001_fig4b", ["protocol.trials=3000"], tmp=tmp)
        w = s["W_final"]
        row("4B", "final weights after 3000 trials", "≈ (4.54, 0.92, 5.98, 0.10)",
            f"({w['EE']:.2f}, {w['EI']:.2f}, {w['IE']:.2f}, {w['II']:.2f})", "on the plane ±1 %",
            abs(s["setpoint_plane_residual"]["EI"]) < 0.01 and abs(s["setpoint_plane_residual"]["II"]) < 0.01)
        row("4B", "E, I after 3000 trials (Hz)", "abs(Ē−5) < 0.02, abs(Ī−14) < 0.05", f"{s['E_final_hz']:.3f}, {s['I_final_hz']:.3f}",
            "±0.05, ±0.1", abs(s["E_final_hz"] - 5) < 0.05 and abs(s["I_final_hz"] - 14) < 0.1)

        s, arr = run(a.build, "p001_fig2b", tmp=tmp)
        up = arr["trial_rates_E"][300:400, 0] > 1
        row("2B", "Up-state fraction in trials 301–400; E, I inside (Hz)", "> 90 %; E ≈ 4.6, I ≈ 0.25",
            f"{100 * up.mean():.0f} %; {arr['trial_rates_E'][300:400, 0][up].mean():.2f}, {arr['trial_rates_I'][300:400, 0][up].mean():.2f}",
            "qualitative", up.mean() > 0.8)
        row("2B", "settles at the set points?", "no", f"E {s['E_final_hz']:.2f}, I {s['I_final_hz']:.2f} at trial 500",
            "abs(I−14) > 1", abs(s["I_final_hz"] - 14) > 1)
        s, _ = run(a.build, "p001_fig2e", tmp=tmp)
        row("2E", "E, I at trial 500 from the set-point plane (Hz)", "≈ 4.5, 11.6–11.7", f"{s['E_final_hz']:.2f}, {s['I_final_hz']:.2f}",
            "±0.15, ±0.35", abs(s["E_final_hz"] - 4.5) < 0.15 and abs(s["I_final_hz"] - 11.65) < 0.35)
        s, _ = run(a.build, "p001_figS1a", tmp=tmp)
        row("S1A", "homeostatic from (5, 6.5): leaves the set points", "yes (diverges, Down state)",
            f"E {s['E_final_hz']:.2f}, I {s['I_final_hz']:.2f} at trial 1000", "abs(I−14) > 1", abs(s["I_final_hz"] - 14) > 1)
        s, _ = run(a.build, "p001_figS1b", tmp=tmp)
        row("S1B", "homeostatic from (6, 20): stays", "yes", f"E {s['E_final_hz']:.2f}, I {s['I_final_hz']:.2f} at trial 1000",
            "±0.5, ±1", abs(s["E_final_hz"] - 5) < 0.5 and abs(s["I_final_hz"] - 14) < 1)
        s, _ = run(a.build, "p001_figS2", tmp=tmp)
        row("S2C", "HAAA from the silent start settles?", "no (transient Up state, lost)",
            f"E {s['E_final_hz']:.2f}, I {s['I_final_hz']:.2f}; first Up trial {s['first_self_sustained_trial']}",
            "abs(E−5) > 1", abs(s["E_final_hz"] - 5) > 1)
        s, _ = run(a.build, "p001_figS4", tmp=tmp)
        row("S4", "sensors c_E, c_I after 100 s (Hz)", "≈ 5.05–5.1, 14.0", f"{s['E_sensor_final_hz']:.3f}, {s['I_sensor_final_hz']:.3f}",
            "[5.0, 5.2], ±0.1", 5.0 <= s["E_sensor_final_hz"] <= 5.2 and abs(s["I_sensor_final_hz"] - 14) < 0.1)

        if not a.quick:
            sets = ["run.batch=100", "protocol.trials=3000", "record.trace_trials=[]"] + UNIFORM_2D
            s, arr = run(a.build, "p001_fig4b", sets, tmp=tmp)
            E = arr["trial_rates_E"][-10:].mean(0)
            I = arr["trial_rates_I"][-10:].mean(0)
            row("4D–E", "100 random starts, 3000 trials: final E, I (mean ± SEM, Hz)", "5, 14 (all runs)",
                f"{E.mean():.4f} ± {E.std(ddof=1) / 10:.4f}, {I.mean():.3f} ± {I.std(ddof=1) / 10:.3f}; worst abs(E−5) {abs(E - 5).max():.3f}",
                "every run ±0.02, ±0.06", abs(E - 5).max() < 0.02 and abs(I - 14).max() < 0.06)
            s, arr = run(a.build, "p001_fig2b", sets, tmp=tmp)
            E = arr["trial_rates_E"][-10:].mean(0)
            I = arr["trial_rates_I"][-10:].mean(0)
            near = (abs(E - 5) < 0.25) & (abs(I - 14) < 0.5)
            row("2D", "homeostatic, 100 random starts: runs at the set points", "none (mean E 1.8, I 0.8 in spec re-run)",
                f"{near.sum()} (mean E {E.mean():.2f}, I {I.mean():.2f})", "0 runs", near.sum() == 0)

    print("| figure | quantity | paper / spec | einet | tolerance | within |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0 if all(r[-1] == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
