#!/usr/bin/python3
"""Time Brian2 2.5.1 `cpp_standalone`, single-threaded, on CUBA (and optionally the paper-001
network): the anchor einet's spiking engine is compared against (issue 4, CONVENTIONS §12).

Compilation is excluded from the run time. Per model:
  1. set_device('cpp_standalone', directory=<fresh temp dir>, build_on_run=False),
     prefs.devices.cpp_standalone.openmp_threads = 0 (no OpenMP: one thread);
  2. build the model, `run(T)` (only recorded), then `device.build(compile=True, run=False)`:
     timed as compile_s (code generation + `make -j`, the make part alone as make_s);
  3. the compiled `main` is executed `--repeats` times with `device.run(...)`; run_s of each is
     Brian2's own `_last_run_time` (results/last_run_info.txt: the Network::run loop only, measured
     with std::clock, i.e. CPU time of the single thread); binary_wall_s is the whole process
     (array set-up, synapse creation, writing results). The table reports the median run_s.
Derived: neuron-updates/s = n_neurons·steps / run_s; synaptic events/s = Σ_spikes out-degree / run_s.

CUBA is Brian2's examples/CUBA.py as in `brian2_models.cuba` (Brian2's own random `connect`, seed
--seed; `--cuba-connectivity numpy` uses `cuba_connectivity(seed)` arrays instead, the same network
einet can load). The paper-001 model (`--p001`) is `brian2_models.p001_network`: 1600 E / 400 I
adaptive LIF, forward Euler-Maruyama, 1 M synapses with delays, kick at 100 ms, 1.5 s.

Usage:  /usr/bin/python3 bench/brian2_cuba_bench.py [--t-stop-ms 10000] [--repeats 5] [--p001]
                                                    [--float32] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import brian2_models as bm  # noqa: E402


def _row(name: str, res: dict, n_neurons: int, t_stop_ms: float, dt_ms: float) -> dict:
    tm = res["timings"]
    steps = int(round(t_stop_ms / dt_ms))
    run_s = tm["run_s"]
    row = {
        "model": name, "n_neurons": n_neurons, "n_synapses": res["n_synapses"],
        "simulated_s": t_stop_ms * 1e-3, "dt_ms": dt_ms, "steps": steps,
        "compile_s": tm["build_s"], "make_s": tm["compile_make_s"], "codegen_s": tm["codegen_s"],
        "run_s": run_s, "run_s_all": tm["run_s_all"],
        "binary_wall_s": tm["binary_wall_s"], "binary_wall_s_all": tm["binary_wall_s_all"],
        "realtime_factor": run_s / (t_stop_ms * 1e-3),
        "n_spikes": res["n_spikes"], "synaptic_events": res["synaptic_events"],
        "neuron_updates_per_s": n_neurons * steps / run_s,
        "synaptic_events_per_s": res["synaptic_events"] / run_s,
    }
    for k in ("rate_hz", "cv_isi_mean", "rate_E_hz", "rate_I_hz", "rate_E_trial_hz",
              "rate_I_trial_hz", "rate_E_up_hz", "rate_I_up_hz",
              "upstate_duration_s", "cv_isi_mean_E"):
        if k in res:
            row[k] = float(res[k])
    return row


def _table(rows: list[dict]) -> str:
    cols = [("model", "{}"), ("n_neurons", "{:d}"), ("n_synapses", "{:d}"), ("simulated_s", "{:.2f}"),
            ("compile_s", "{:.1f}"), ("run_s", "{:.3f}"), ("run_s_all", None),
            ("rate_hz", None), ("n_spikes", "{:d}"), ("neuron_updates_per_s", "{:.3g}"),
            ("synaptic_events_per_s", "{:.3g}")]
    head = [c for c, _ in cols]
    lines = []
    for r in rows:
        cells = []
        for c, f in cols:
            if c == "run_s_all":
                cells.append("/".join(f"{x:.3f}" for x in r["run_s_all"]))
            elif c == "rate_hz":
                cells.append(f"{r['rate_hz']:.2f}" if "rate_hz" in r
                             else f"E {r['rate_E_hz']:.2f} I {r['rate_I_hz']:.2f}")
            else:
                cells.append(f.format(r[c]))
        lines.append(cells)
    widths = [max(len(h), *(len(l[k]) for l in lines)) for k, h in enumerate(head)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    out += ["  ".join(c.ljust(w) for c, w in zip(l, widths)) for l in lines]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--t-stop-ms", type=float, default=10000.0, help="CUBA simulated time (ms)")
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--n", type=int, default=4000, help="CUBA neurons")
    ap.add_argument("--repeats", type=int, default=5, help="runs of the compiled binary (>= 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cuba-connectivity", choices=("brian2", "numpy"), default="brian2")
    ap.add_argument("--p001", action="store_true", help="also the paper-001 network (1.5 s)")
    ap.add_argument("--p001-t-stop-ms", type=float, default=1500.0)
    ap.add_argument("--no-cuba", action="store_true")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--float32", action="store_true",
                    help="Brian2 state in float32 (prefs.core.default_float_dtype): the anchor for a float32 engine")
    args = ap.parse_args(argv)
    if args.repeats < 3:
        ap.error("--repeats: at least 3 runs of the compiled binary")
    warnings.filterwarnings("ignore")
    import brian2  # noqa: PLC0415

    brian2.prefs.logging.console_log_level = "ERROR"
    if args.float32:
        brian2.prefs.core.default_float_dtype = np.float32
    rows = []
    if not args.no_cuba:
        conn = (bm.cuba_connectivity(args.n, seed=args.seed)
                if args.cuba_connectivity == "numpy" else None)
        res = bm.cuba(n=args.n, t_stop_ms=args.t_stop_ms, dt_ms=args.dt_ms, seed=args.seed,
                      device="cpp_standalone", threads=1, connectivity=conn,
                      repeats=args.repeats)
        rows.append(_row("CUBA", res, args.n, args.t_stop_ms, args.dt_ms))
        rows[-1]["connectivity"] = args.cuba_connectivity
        print(f"CUBA done: run {rows[-1]['run_s']:.3f} s", file=sys.stderr)
    if args.p001:
        conn = bm.p001_connectivity(seed=args.seed, dt_ms=args.dt_ms)
        res = bm.p001_network(conn, t_stop_ms=args.p001_t_stop_ms, dt_ms=args.dt_ms,
                              seed=args.seed, device="cpp_standalone", threads=1,
                              repeats=args.repeats)
        rows.append(_row("p001", res, conn["n_exc"] + conn["n_inh"], args.p001_t_stop_ms,
                         args.dt_ms))
        print(f"p001 done: run {rows[-1]['run_s']:.3f} s", file=sys.stderr)
    print(_table(rows))
    if args.json:
        meta = {"brian2": brian2.__version__, "numpy": np.__version__,
                "float_dtype": "float32" if args.float32 else "float64",
                "device": "cpp_standalone", "openmp_threads": 0,
                "compile_args": list(brian2.prefs.codegen.cpp.extra_compile_args_gcc),
                "machine": platform.machine(), "cpus": os.cpu_count(),
                "loadavg_1_5_15": list(os.getloadavg()),
                "processor": platform.processor() or platform.uname().processor,
                "run_s_definition": "median of Brian2's _last_run_time (Network::run loop, "
                                    "std::clock) over repeats; compile excluded"}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
