#!/usr/bin/python3
"""Spiking training (issue 7, paper 001 Fig. 7) per trial: einet's spiking_training study against
Brian2 2.5.1 `cpp_standalone` (compilation excluded) on the same 1600 E / 400 I network, one
silent trial (the Fig. 7 initial weights 80/100/350/225 pA) and one self-sustained trial (the
p001_network weights 240/175/350/225 pA, α = 0 so every trial has its Up state), side by side.

    /usr/bin/python3 bench/training_bench.py --build build [--repeats 3] [--trials 10]

einet: `einet run experiments/p001_fig7.toml --set training.trials=N` with one thread; its per-trial
CPU time is (CPU(2N trials) − CPU(N trials))/N of the child process, so network construction is
excluded and a loaded machine does not inflate it (Brian2's run_s is also CPU time: std::clock of
Network::run). einet's trial includes what Brian2's does not: Up-state detection, per-unit rates,
sensors and the weight update of 1 M synapses. Also trials/s (wall, from the study's own timer) on
1 and 2 threads. Brian2: `brian2_models.p001_network(device="cpp_standalone")`, the binary run
`--repeats` times, median of Brian2's run_s. Writes bench/results/training.json.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from spiking_bench import write_result  # noqa: E402

SILENT = {"EE": 80.0, "IE": 100.0, "EI": 350.0, "II": 225.0}
ACTIVE = {"EE": 240.0, "IE": 175.0, "EI": 350.0, "II": 225.0}
ORDER = ("EE", "IE", "EI", "II")  # projections of experiments/p001_fig7.toml


def einet_trials(binary: Path, weights: dict, trials: int, threads: int) -> tuple[float, float]:
    """(child CPU seconds, study wall seconds of the training loop) of one CLI run."""
    sets = [f"training.trials={trials}", "training.record_trials=[1]", "training.checkpoint_every=0"]
    sets += [f"projections[{k}].weight.mean={weights[c]} pA" for k, c in enumerate(ORDER)]
    if weights is ACTIVE:
        sets += ["training.alpha=0", "training.weight_floor=0 pA"]
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(binary), "run", str(ROOT / "experiments" / "p001_fig7.toml"), "--out", f"{tmp}/r", "--quiet",
                "--no-report", "--threads", str(threads)]
        for s in sets:
            args += ["--set", s]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, check=True, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = json.loads(Path(f"{tmp}/r/summary.json").read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, summary["train_wall_s"]


def brian2_trial(weights: dict, repeats: int) -> dict:
    import brian2_models as bm
    r = bm.p001_network(weights_pA=weights, device="cpp_standalone", repeats=repeats)
    return {"run_s": r["timings"]["run_s"], "run_s_all": r["timings"]["run_s_all"], "rate_E_hz": r["rate_E_hz"],
            "rate_I_hz": r["rate_I_hz"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--json", default=str(HERE / "results" / "training.json"))
    a = ap.parse_args()
    binary = Path(a.build) / "einet"
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    rows = []
    for label, weights in (("silent", SILENT), ("self_sustained", ACTIVE)):
        b2 = brian2_trial(weights, a.repeats)
        per_trial, tps = [], {1: [], 2: []}
        for _ in range(a.repeats):
            c1, w1 = einet_trials(binary, weights, a.trials, 1)
            c2, w2 = einet_trials(binary, weights, 2 * a.trials, 1)
            per_trial.append((c2 - c1) / a.trials)
            tps[1] += [a.trials / w1, 2 * a.trials / w2]
            _, w = einet_trials(binary, weights, a.trials, 2)
            tps[2].append(a.trials / w)
        med = statistics.median(per_trial)
        row = {"trial": label, "weights_pA": weights, "brian2_run_s": b2["run_s"], "brian2_run_s_all": b2["run_s_all"],
               "brian2_rate_E_hz": b2["rate_E_hz"], "brian2_rate_I_hz": b2["rate_I_hz"],
               "einet_trial_cpu_s": med, "einet_trial_cpu_s_all": per_trial,
               "speedup_vs_brian2_1t": b2["run_s"] / med,
               "einet_trials_per_s_1t": statistics.median(tps[1]), "einet_trials_per_s_2t": statistics.median(tps[2]),
               "einet_trials_per_s_1t_all": tps[1], "einet_trials_per_s_2t_all": tps[2]}
        rows.append(row)
        print(f"{label}: Brian2 {b2['run_s']:.3f} s/trial | einet {med:.3f} s/trial CPU ({row['speedup_vs_brian2_1t']:.1f}x) "
              f"| trials/s wall 1t {row['einet_trials_per_s_1t']:.2f}, 2t {row['einet_trials_per_s_2t']:.2f}")
    write_result(a.json, "spiking training trial vs Brian2 cpp_standalone (one thread, compile excluded)",
                 "bench/training_bench.py", started, load_before, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
