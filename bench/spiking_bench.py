#!/usr/bin/python3
"""einet's spiking engine against Brian2 2.5.1 `cpp_standalone` (one thread, compilation excluded)
on the same models, side by side in one job (issue 4's performance targets).

    /usr/bin/python3 bench/spiking_bench.py --build build [--repeats 3] [--models cuba,cuba_f32,p001]

Models: CUBA (Vogels–Abbott, 4000 neurons, p = 0.02, exponential currents, exact integration,
10 s at dt 0.1 ms), the same in float32 (cuba_f32: einet run.precision = "float32" against Brian2
with prefs.core.default_float_dtype = float32, `brian2_cuba_bench.py --float32`) and the paper-001 network (1600 E / 400 I adaptive LIF, 1 M synapses with
delays, biexponential currents, membrane noise, Euler–Maruyama, kick at 100 ms, 1.5 s).
Brian2: `bench/brian2_cuba_bench.py` (models of `bench/brian2_models.py`): the compiled binary
runs `--repeats` times, run_s is Brian2's own timing of the Network::run loop (CPU time, std::clock). einet:
`build/bench/bench_cuba` and `build/bench/bench_p001` (the same models built with einet's
builders; random connectivity of the same statistics, not the same draw), run_s the engine's
`run()` only (wall time; one-thread rows also report its CPU time, the like-for-like measure on a
busy machine), on 1 and 2 threads; repeats alternate between the tools. Medians are reported with
the ratios Brian2/einet(1 thread), Brian2/einet(2 threads) and einet(1t)/einet(2t), plus
neuron-updates/s and synaptic events/s.

Writes bench/results/spiking.json (the latest result; small, kept in git).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = "/usr/bin/python3"


def einet_runs(binary: Path, args: list[str], env: dict) -> list[dict]:
    out = subprocess.run([str(binary), *args], check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def brian2_run(model: str, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b2.json"
        cmd = [PY, str(HERE / "brian2_cuba_bench.py"), "--repeats", str(repeats), "--json", str(path)]
        cmd += ["--no-cuba", "--p001"] if model == "p001" else []
        cmd += ["--float32"] if model.endswith("_f32") else []
        model = model.removesuffix("_f32")
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows = json.loads(path.read_text())["results"]
    for row in rows:
        if row["model"].lower().startswith(model):
            return row
    raise RuntimeError(f"no Brian2 result for {model}: {rows}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="cuba,cuba_f32,p001")
    ap.add_argument("--json", default=str(HERE / "results" / "spiking.json"))
    a = ap.parse_args()
    build = Path(a.build)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    load_before = os.getloadavg()[0]
    # Two threads must really use two workers on these sizes (the engine's default keeps networks
    # below 8192 neurons per thread on one); results do not depend on it.
    env = dict(os.environ, EINET_MIN_NEURONS_PER_THREAD="1")
    results = []
    for model in a.models.split(","):
        b2 = brian2_run(model, a.repeats)
        runs = {1: [], 2: []}
        for _ in range(a.repeats):
            for threads in (1, 2):
                if model.startswith("cuba"):
                    precision = "float32" if model.endswith("_f32") else "float64"
                    runs[threads] += einet_runs(build / "bench" / "bench_cuba", ["10", str(threads), "1", "4000", precision], env)
                else:
                    runs[threads] += einet_runs(build / "bench" / "bench_p001", [str(threads), "1"], env)
        med = {t: statistics.median(r["run_s"] for r in runs[t]) for t in runs}
        # Brian2's run_s is CPU time (std::clock); einet's one-thread CPU time is the like-for-like
        # measure when other jobs take the cores (wall time then includes time spent descheduled).
        cpu_1t = statistics.median(r.get("run_cpu_s", r["run_s"]) for r in runs[1])
        steps = b2["steps"]
        n = b2["n_neurons"]
        row = {
            "model": model,
            "brian2_run_s": b2["run_s"], "brian2_run_s_all": b2["run_s_all"],
            "einet_1t_run_s": med[1], "einet_1t_run_s_all": [r["run_s"] for r in runs[1]],
            "einet_1t_run_cpu_s": cpu_1t, "einet_1t_run_cpu_s_all": [r.get("run_cpu_s") for r in runs[1]],
            "einet_2t_run_s": med[2], "einet_2t_run_s_all": [r["run_s"] for r in runs[2]],
            # 1 where the engine went on with one thread (its threads kept missing each other: a busy machine)
            "einet_2t_threads_used_all": [r.get("threads_used") for r in runs[2]],
            "speedup_vs_brian2_1t": b2["run_s"] / med[1],
            "speedup_vs_brian2_1t_cpu": b2["run_s"] / cpu_1t,
            "speedup_vs_brian2_2t": b2["run_s"] / med[2],
            "two_thread_speedup": med[1] / med[2],
            "neuron_updates_per_s_1t": n * steps / med[1],
            "brian2_neuron_updates_per_s": n * steps / b2["run_s"],
            "einet_spikes": runs[1][0]["n_spikes"], "brian2_spikes": b2.get("n_spikes"),
        }
        if "synaptic_events" in runs[1][0]:
            row["synaptic_events_per_s_1t"] = runs[1][0]["synaptic_events"] / med[1]
        results.append(row)
        print(f"{model}: Brian2 {b2['run_s']:.3f} s | einet 1t {med[1]:.3f} s ({row['speedup_vs_brian2_1t']:.2f}x; "
              f"CPU {cpu_1t:.3f} s, {row['speedup_vs_brian2_1t_cpu']:.2f}x) "
              f"| 2t {med[2]:.3f} s ({row['speedup_vs_brian2_2t']:.1f}x; 2t/1t {row['two_thread_speedup']:.2f}x; "
              f"threads used {row['einet_2t_threads_used_all']})")
    write_result(a.json, "spiking engine vs Brian2 cpp_standalone (1 thread, compile excluded)", "bench/spiking_bench.py",
                 started, load_before, results)
    return 0


def write_result(path: str, benchmark: str, script: str, started: str, load_before: float, results: list) -> None:
    """The benchmark's JSON record: what, the command, start/finish time, machine load, results."""
    doc = {"benchmark": benchmark, "command": " ".join([PY, script, *sys.argv[1:]]), "started_utc": started,
           "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]}, "results": results}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
