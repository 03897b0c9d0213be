#!/usr/bin/python3
"""Issue 9's performance case: 10^4 paths of one noisy LIF neuron over 1 s at 6 step sizes (EM,
shared Brownian paths, reference 16× finer than the finest level; bench/p003_paths_bench.toml),
timed as `einet run` end to end (lowering, all runs, metrics with 1000 bootstrap resamples, no
report) on 1 and 2 threads. The target is under a minute on 2 cores.

    /usr/bin/python3 bench/convergence_bench.py --build build [--repeats 3] [--paths 10000]

Writes bench/results/convergence.json. Reports the median wall time, and the load average seen at
the start, since this machine is shared.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--paths", type=int, default=10000)
    args = ap.parse_args()
    einet = Path(args.build).resolve() / "einet"
    result = {"date": _dt.date.today().isoformat(), "paths": args.paths, "load_average": os.getloadavg()[0], "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (1, 2):
            times = []
            for r in range(args.repeats):
                start = time.perf_counter()
                subprocess.run([str(einet), "run", str(HERE / "p003_paths_bench.toml"), "--out", f"{tmp}/run", "--overwrite",
                                "--quiet", "--no-report", "--threads", str(threads), "--set", f"convergence.paths={args.paths}"],
                               check=True)
                times.append(time.perf_counter() - start)
            result["runs"][f"{threads}_threads"] = {"wall_s": times, "median_s": statistics.median(times)}
            print(f"convergence ({args.paths} paths x 6 levels, 1 s): {threads} thread(s) median {statistics.median(times):.1f} s "
                  f"over {args.repeats} runs (load average {result['load_average']:.1f})")
    out = HERE / "results" / "convergence.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
