#!/usr/bin/python3
"""Side-by-side timing of two builds of the spiking benchmarks (A/B on a shared machine).

    /usr/bin/python3 bench/spiking_ab.py --base BUILD_A --new BUILD_B [--repeats 7] [--threads 1]

Runs `BUILD/bench/bench_cuba 10 T 1` and `BUILD/bench/bench_p001 T 1` alternately from the two
build directories (so both see the same load), `--repeats` times each, and prints the medians of
the engine's run time (`run_s`, wall) over the repeats that kept the asked-for threads (a two-thread
run that fell back to one thread is counted, not timed), their lower quartile and minimum, and the
base/new ratio of the medians.
EINET_MIN_NEURONS_PER_THREAD=1, as in spiking_bench.py.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess


def timed(binary: str, args: list[str], env: dict) -> tuple[float, int]:
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True, env=env).stdout
    row = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    return row["run_s"], row.get("threads_used", 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    env = dict(os.environ, EINET_MIN_NEURONS_PER_THREAD="1")
    t = str(a.threads)
    for name, args in (("bench_cuba", ["10", t, "1"]), ("bench_p001", [t, "1"])):
        runs = {"base": [], "new": []}
        for _ in range(a.repeats):
            for tag in runs:
                runs[tag].append(timed(os.path.join(getattr(a, tag), "bench", name), args, env))
        kept = {k: sorted(r[0] for r in v if r[1] == a.threads) for k, v in runs.items()}
        if not all(kept.values()):
            print(f"{name} {' '.join(args)}: every repeat of one build fell back to fewer threads; kept {kept}")
            continue
        wall = {k: statistics.median(v) for k, v in kept.items()}
        spread = " ".join(f"{k} n={len(v)} q1 {v[len(v) // 4]:.4f} min {v[0]:.4f};" for k, v in kept.items())
        print(f"{name} {' '.join(args)}: run_s median base {wall['base']:.4f} new {wall['new']:.4f} "
              f"({wall['base'] / wall['new']:.2f}x); {spread} load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
