#!/usr/bin/python3
"""Trials per second of the two-population rate model (paper 001) for a batch of initialisations:
einet on 1 and 2 threads against the vectorised NumPy reference, interleaved in one job.

    /usr/bin/python3 bench/run_bench.py --build build [--batches 100,1000] [--trials N[,N]] [--repeats 5]
    /usr/bin/python3 bench/run_bench.py --build build --verify     # correctness check only

For each batch size and each repeat, the three measurements run back to back in fresh processes
(the order rotates between repeats): `build/bench/bench_rate_trials B T 1 1`,
`build/bench/bench_rate_trials B T 2 1`, and `bench/numpy_rate_reference.py --batch B --trials T`.
All three do the same work (B networks x T trials x 20 000 steps, the same model and protocol) and
time only the simulation (no process start, no file output). Medians over the repeats are reported,
with einet(1t)/NumPy, einet(2t)/einet(1t) and einet's GFLOP/s against the machine's FP64 peak.

Before timing, a correctness check runs (alone with --verify) at batch 100 and 300 (the NumPy
reference's two code paths): with the noise off (sigma = 0) and the same initial weights,
`einet run` and the NumPy reference must agree on the low-passed rates and the weights after every
trial to `--tolerance` (default 1e-9); with the noise on, the population statistics are reported.

Also: `--scaling 8,16,...` times einet (1 thread) against the batch size instead.

Writes bench/results/rate_trials.json (the latest result; small, kept in git).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import numpy_rate_reference as ref  # noqa: E402

PY = "/usr/bin/python3"
STEPS = ref.STEPS

# Trials per batch size: einet ~0.5-1 s per measurement, NumPy a few seconds, the whole default
# `make bench` (2 sizes x 5 repeats) a few minutes on a 2-core machine.
DEFAULT_TRIALS = {100: 50, 1000: 8}

# Floating-point operations per network-step of einet's kernel (src/engine/rate_engine.cpp with
# include/einet/core/rng.hpp), counted from the source: FMA = 2, add/sub/mul/div/sqrt/min/max = 1;
# compares, selects, int<->double conversions, bit operations and the Philox4x32-10 integer rounds
# are not flops. See docs/performance.md for the derivation.
FLOPS = {
    # Box-Muller per pair of normals: uniform_open 2 + log_unit 33 + sqrt(-2 log) 2
    # + sincos_turn 38 + r*cos, r*sin 2 = 77; one normal per population per step -> one pair.
    "normals (Box-Muller, 2 per step)": 77.0,
    # eta = decay*eta + amp*xi: mul + FMA, per population.
    "OU update (2 populations)": 6.0,
    # per population (fused kernel step_scalar_populations): d = common + eta 1; + kick 1;
    # 2 projections x (sign*W 1 + FMA 2) 6; f = g*max(d - theta, 0) 3;
    # min(r + a*(f - r), r_max) 4  -> 15.
    "E and I updates": 30.0,
    # window sum of E and I over 5001 of the 20000 steps.
    "measurement window sum": 2.0 * 5001 / STEPS,
}
FLOPS_PER_NETWORK_STEP = sum(FLOPS.values())


# ----------------------------------------------------------------------------------------------
# Machine
# ----------------------------------------------------------------------------------------------
def lscpu() -> dict:
    out = {}
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return out
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def cpuinfo_mhz() -> float | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1])
    except OSError:
        pass
    return None


def machine() -> dict:
    """lscpu summary and the FP64 peak, with the assumptions that go into it."""
    info = lscpu()
    flags = set(info.get("Flags", "").split())
    cores = int(info.get("Core(s) per socket", "1")) * int(info.get("Socket(s)", "1"))
    family = int(info.get("CPU family", "0") or 0)
    vendor = info.get("Vendor ID", "")
    assumptions = []
    if "CPU max MHz" in info:
        ghz = float(info["CPU max MHz"]) / 1000.0
        assumptions.append(f"clock = lscpu 'CPU max MHz' = {ghz:.3f} GHz")
    else:
        mhz = cpuinfo_mhz() or 0.0
        ghz = mhz / 1000.0
        assumptions.append(f"lscpu reports no max MHz (virtual machine); clock = /proc/cpuinfo 'cpu MHz' = {ghz:.3f} GHz "
                           "(nominal; any turbo above it would raise the peak proportionally)")
    if "avx512f" in flags:
        width = 8
    elif "avx" in flags:
        width = 4
    else:
        width = 2
    fma_units = 2 if "fma" in flags else 1
    flop_per_fma = 2 if "fma" in flags else 1
    if vendor == "AuthenticAMD" and family == 25 and width == 8:
        # Zen 4 executes 512-bit FP ops as two 256-bit halves: 512-bit throughput = 256-bit.
        width = 4
        assumptions.append("AMD family 25 (Zen 4): 2 FMA pipes of 256 bits (AVX-512 is double-pumped)")
    elif vendor == "AuthenticAMD" and family == 26:
        assumptions.append("AMD family 26 (Zen 5, EPYC): 2 FMA pipes with a full 512-bit datapath")
    else:
        assumptions.append(f"{fma_units} FMA pipes of {width * 64} bits")
    per_cycle = fma_units * width * flop_per_fma
    return {
        "model": info.get("Model name", platform.processor()),
        "vendor": vendor,
        "family": family,
        "model_number": info.get("Model", ""),
        "cores": cores,
        "threads_per_core": int(info.get("Thread(s) per core", "1")),
        "hypervisor": info.get("Hypervisor vendor", ""),
        "l2": info.get("L2 cache", ""),
        "l3": info.get("L3 cache", ""),
        "simd": sorted(f for f in flags if f in {"avx", "avx2", "fma", "avx512f", "avx512dq", "avx512vl"}),
        "ghz": ghz,
        "fp64_flops_per_cycle_per_core": per_cycle,
        "peak_gflops_per_core": ghz * per_cycle,
        "peak_gflops_all_cores": cores * ghz * per_cycle,
        "peak_assumptions": assumptions + [f"peak = cores x GHz x {fma_units} FMA units x {width} doubles x {flop_per_fma}"],
    }


def build_info(build: Path) -> dict:
    out = {}
    cache = build / "CMakeCache.txt"
    if cache.exists():
        for line in cache.read_text().splitlines():
            m = re.match(r"(CMAKE_CXX_COMPILER|CMAKE_BUILD_TYPE|EINET_NATIVE):[A-Z]+=(.*)", line)
            if m:
                out[m.group(1)] = m.group(2)
    try:
        v = subprocess.run([out.get("CMAKE_CXX_COMPILER", "c++"), "--version"], capture_output=True, text=True)
        out["compiler"] = v.stdout.splitlines()[0] if v.stdout else ""
    except OSError:
        pass
    try:
        out["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                           text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "include", "bench/bench_rate_trials.cpp",
                                "CMakeLists.txt", "cmake"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        out["git_dirty_src"] = bool(dirty)
    except OSError:
        pass
    return out


# ----------------------------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------------------------
def _timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run one measurement process; return its last JSON line plus the child's CPU seconds."""
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    line = [x for x in p.stdout.splitlines() if x.startswith("{")][-1]
    res = json.loads(line)
    res["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    res["process_wall_s"] = wall
    return res


def measure_einet(bench: Path, batch: int, trials: int, threads: int) -> dict:
    return _timed([str(bench), str(batch), str(trials), str(threads), "1"])


def measure_numpy(batch: int, trials: int, seed: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return _timed([PY, str(HERE / "numpy_rate_reference.py"), "--batch", str(batch), "--trials", str(trials),
                   "--seed", str(seed)], env)


def _run_einet(build: Path, toml: str, tag: str, read):
    """Runs `build/einet run` on a TOML text in a temporary directory (one thread, no report) and
    returns read(run_directory)."""
    with tempfile.TemporaryDirectory(prefix=f"einet-{tag}-") as tmp:
        cfg = Path(tmp) / f"{tag}.toml"
        cfg.write_text(toml)
        out = Path(tmp) / "run"
        cmd = [str(build / "einet"), "run", str(cfg), "--out", str(out), "--overwrite", "--no-report", "--quiet",
               "--threads", "1"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
        return read(out)


def _bench_toml(batch: int, trials: int, sigma: str) -> str:
    """The benchmark's model as an einet experiment: weights drawn per network (seed 7), the
    cross-homeostatic rule with the reference's learning rate, no traces."""
    return f"""[experiment]
study = "trial_plasticity"
description = "bench/run_bench.py: the NumPy reference's model"
[run]
seed = 7
batch = {batch}
[weights]
EE = {{dist = "uniform", low = 4, high = 7}}
EI = {{dist = "uniform", low = 0.5, high = 2}}
IE = {{dist = "uniform", low = 7, high = 13}}
II = {{dist = "uniform", low = 0.5, high = 2}}
[noise]
sigma = "{sigma}"
[plasticity]
rule = "cross_homeostatic"
alpha = {ref.ALPHA}
[protocol]
trials = {trials}
final_trials = 1
[record]
trace_trials = []
"""


def _einet_run_arrays(build: Path, batch: int, trials: int, sigma: str) -> dict:
    """`einet run` of the bench's model; its low-passed rates and weights."""
    return _run_einet(build, _bench_toml(batch, trials, sigma), "verify",
                      lambda out: {k: np.load(out / "arrays" / f"{k}.npy") for k in ("lowpass_E", "lowpass_I", "weights")})


def verify(build: Path, batches: list[int], trials: int, tolerance: float) -> dict:
    """einet run vs the NumPy reference from the same initial weights.

    sigma = 0 (deterministic): low-passed rates and weights after every trial must agree to
    `tolerance`; run for each batch size (B < 256 and B >= 256 take different NumPy code paths).
    sigma = 10 (informational): the noise streams differ, so only statistics can agree: the mean
    over networks of the final low-passed E and I, and the mean |difference| per network.
    """
    det, noisy = [], []
    for batch in batches:
        e = _einet_run_arrays(build, batch, trials, "0 s^-1/2")
        r = ref.run(batch, trials, sigma=0.0, weights=e["weights"][0], history=True)
        diffs = {k: float(np.abs(r[k] - e[k]).max()) for k in ("lowpass_E", "lowpass_I", "weights")}
        det.append({"batch": batch, "trials": trials, "max_abs_diff": max(diffs.values()), "by_array": diffs,
                    "networks_up_fraction": float((e["lowpass_E"][-1] >= 1.0).mean())})
        e = _einet_run_arrays(build, batch, trials, "10 s^-1/2")
        r = ref.run(batch, trials, sigma=10.0, weights=e["weights"][0], history=True)
        stats = {}
        for k in ("lowpass_E", "lowpass_I"):
            d = r[k][-1] - e[k][-1]
            se = float(d.std(ddof=1) / np.sqrt(batch)) if batch > 1 else float("nan")
            stats[k] = {"einet_mean": float(e[k][-1].mean()), "numpy_mean": float(r[k][-1].mean()),
                        "mean_abs_diff_per_network": float(np.abs(d).mean()), "mean_diff_in_se": float(d.mean() / se)}
        noisy.append({"batch": batch, "trials": trials, "sigma": 10.0, "final": stats})
    md = max(x["max_abs_diff"] for x in det)
    return {"deterministic": det, "noisy": noisy, "max_abs_diff": md, "tolerance": tolerance,
            "passed": md <= tolerance}


def _einet_run_seconds(build: Path, batch: int, trials: int, sigma: str) -> float:
    """Simulation time (manifest run_s) of `einet run` on the bench's model with the given noise."""
    return _run_einet(build, _bench_toml(batch, trials, sigma), "breakdown",
                      lambda out: float(json.loads((out / "manifest.json").read_text())["run_s"]))


def breakdown(build: Path, batch: int, trials: int, repeats: int, log) -> dict:
    """Where the time goes, 1 thread: the same runs with the noise on (sigma = 10) and off (sigma = 0).
    With sigma = 0 einet skips normals and OU entirely and NumPy skips its RNG and OU block."""
    raw = {"einet_noise": [], "einet_no_noise": [], "numpy_no_noise": []}
    for r in range(repeats):
        raw["einet_noise"].append(_einet_run_seconds(build, batch, trials, "10 s^-1/2"))
        raw["einet_no_noise"].append(_einet_run_seconds(build, batch, trials, "0 s^-1/2"))
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        raw["numpy_no_noise"].append(_timed([PY, str(HERE / "numpy_rate_reference.py"), "--batch", str(batch),
                                             "--trials", str(trials), "--sigma", "0"], env)["seconds"])
    steps = batch * trials * STEPS
    ns = {k: median(v) / steps * 1e9 for k, v in raw.items()}
    log(f"  B={batch:<6d} breakdown (1 thread, medians of {repeats}): einet {ns['einet_noise']:.2f} ns/network-step "
        f"with noise, {ns['einet_no_noise']:.2f} without; NumPy {ns['numpy_no_noise']:.1f} without noise")
    return {"batch": batch, "trials": trials, "repeats": repeats, "ns_per_network_step": ns,
            "raw_seconds": {k: [round(x, 4) for x in v] for k, v in raw.items()}}


def idle_fraction(seconds: float = 1.0) -> float:
    """Fraction of all CPUs idle over `seconds` (from /proc/stat), 1.0 if unknown."""
    import time

    def snap():
        try:
            f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        except (OSError, ValueError):
            return None
        return f[3] + f[4], sum(f[:8])

    a = snap()
    time.sleep(seconds)
    b = snap()
    if not a or not b or b[1] == a[1]:
        return 1.0
    return (b[0] - a[0]) / (b[1] - a[1])


def wait_for_idle(max_wait: float, log, threshold: float = 0.9) -> float:
    """Wait up to max_wait seconds for the machine to be >= threshold idle; return the last sample."""
    import time

    t0 = time.monotonic()
    idle = idle_fraction()
    while idle < threshold and time.monotonic() - t0 < max_wait:
        log(f"  machine busy ({100 * (1 - idle):.0f} % of the CPUs in use by other processes); waiting ...")
        time.sleep(4.0)
        idle = idle_fraction()
    return idle


def scaling(bench: Path, batches: list[int], log) -> int:
    """einet (1 thread) cost per step against the batch size: fixed per-step costs and SIMD remainders."""
    log("| batch | trials | ns per network-step | ns per step (all networks) |")
    log("|---:|---:|---:|---:|")
    for b in batches:
        t = max(2, round(4000 / b))
        p = subprocess.run([str(bench), str(b), str(t), "1", "3"], capture_output=True, text=True, check=True)
        s = min(json.loads(x)["seconds"] for x in p.stdout.splitlines() if x.startswith("{"))
        log(f"| {b} | {t} | {s / (b * t * STEPS) * 1e9:.2f} | {s / (t * STEPS) * 1e9:.0f} |")
    return 0


def median(xs):
    return statistics.median(xs)


def run_batch(bench: Path, batch: int, trials: int, repeats: int, mach: dict, log, wait_idle: float) -> dict:
    kinds = ["einet_1t", "einet_2t", "numpy"]
    raw = {k: [] for k in kinds}
    idle = []
    for r in range(repeats):
        idle.append(round(wait_for_idle(wait_idle, log), 3))
        order = kinds[r % 3:] + kinds[:r % 3]  # rotate so that no kind always runs first
        for k in order:
            if k == "numpy":
                res = measure_numpy(batch, trials, seed=r + 1)
            else:
                res = measure_einet(bench, batch, trials, 1 if k == "einet_1t" else 2)
            raw[k].append({"seconds": res["seconds"], "trials_per_s": res["trials_per_s"], "cpu_s": round(res["cpu_s"], 3),
                           "process_wall_s": round(res["process_wall_s"], 3)})
            log(f"  B={batch:<6d} T={trials:<4d} repeat {r + 1}/{repeats}  {k:9s} {res['seconds']:8.3f} s  "
                f"{res['trials_per_s']:10.1f} trials/s")
    med = {k: median([x["trials_per_s"] for x in raw[k]]) for k in kinds}
    med_s = {k: median([x["seconds"] for x in raw[k]]) for k in kinds}
    steps = batch * trials * STEPS
    gflops = {k: FLOPS_PER_NETWORK_STEP * steps / med_s[k] / 1e9 for k in ("einet_1t", "einet_2t")}
    return {
        "batch": batch, "trials": trials, "repeats": repeats, "steps_per_trial": STEPS,
        "trials_per_s": med,
        "seconds": med_s,
        "ns_per_network_step": {k: med_s[k] / steps * 1e9 for k in kinds},
        "ratio_einet1t_over_numpy": med["einet_1t"] / med["numpy"],
        "ratio_einet2t_over_numpy": med["einet_2t"] / med["numpy"],
        "speedup_2t_over_1t": med["einet_2t"] / med["einet_1t"],
        "target_20x_1t_met": med["einet_1t"] / med["numpy"] >= 20.0,
        "gflops": gflops,
        "percent_of_peak": {"einet_1t": 100 * gflops["einet_1t"] / mach["peak_gflops_per_core"],
                            "einet_2t": 100 * gflops["einet_2t"] / (min(2, mach["cores"]) * mach["peak_gflops_per_core"])},
        # CPU seconds / wall seconds of each whole process: ~1 for one thread, ~2 when two threads really
        # ran on two CPUs (less means the CPUs were shared with other processes).
        "cpu_per_wall": {k: median([x["cpu_s"] / x["process_wall_s"] for x in raw[k]]) for k in kinds},
        "idle_before_repeat": idle,
        "raw": raw,
    }


def table(results: list[dict], mach: dict) -> str:
    head = ("| batch | trials | einet 1t trials/s | einet 2t trials/s | NumPy trials/s | 1t / NumPy | 2t / 1t "
            "| ns/network-step 1t / 2t / NumPy | GFLOP/s 1t (% of 1-core peak) | GFLOP/s 2t (% of 2-core peak) |")
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    for r in results:
        t, ns, g, pp = r["trials_per_s"], r["ns_per_network_step"], r["gflops"], r["percent_of_peak"]
        lines.append(
            f"| {r['batch']} | {r['trials']} | {t['einet_1t']:.0f} | {t['einet_2t']:.0f} | {t['numpy']:.0f} "
            f"| {r['ratio_einet1t_over_numpy']:.1f}x | {r['speedup_2t_over_1t']:.2f}x "
            f"| {ns['einet_1t']:.2f} / {ns['einet_2t']:.2f} / {ns['numpy']:.1f} "
            f"| {g['einet_1t']:.1f} ({pp['einet_1t']:.0f} %) | {g['einet_2t']:.1f} ({pp['einet_2t']:.0f} %) |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="einet vs NumPy: trials per second of the 001 rate model")
    ap.add_argument("--build", default="build", help="CMake build folder (holds einet and bench/bench_rate_trials)")
    ap.add_argument("--batches", default="100,1000", help="comma-separated batch sizes")
    ap.add_argument("--trials", default=None, help="trials per measurement: one number, or one per batch size")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of each measurement (>= 3; medians)")
    ap.add_argument("--verify", action="store_true", help="only the correctness check against einet run (sigma = 0 exact, sigma = 10 statistics)")
    ap.add_argument("--no-verify", action="store_true", help="skip the correctness check before timing")
    ap.add_argument("--wait-idle", type=float, default=120.0,
                    help="before each repeat, wait up to this many seconds for the CPUs to be >= 90%% idle")
    ap.add_argument("--scaling", default="",
                    help="instead: einet 1 thread for these batch sizes (e.g. 8,16,32,64,96,100,104,128,256,1000), "
                         "~4000 network-trials each, min of 3: ns per network-step and per step")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the noise on/off timing (where the time goes)")
    ap.add_argument("--verify-batches", default="100,300", help="batch sizes of the check (both NumPy code paths)")
    ap.add_argument("--verify-trials", type=int, default=5)
    ap.add_argument("--tolerance", type=float, default=1e-9)
    ap.add_argument("--out", default=str(HERE / "results" / "rate_trials.json"), help="result file ('' = none)")
    a = ap.parse_args(argv)
    build = Path(a.build).resolve()
    log = lambda s: print(s, flush=True)  # noqa: E731

    ver = None
    if not a.no_verify or a.verify:
        ver = verify(build, [int(x) for x in a.verify_batches.split(",") if x], a.verify_trials, a.tolerance)
        for v in ver["deterministic"]:
            log(f"verify sigma = 0,  B = {v['batch']}, {v['trials']} trials, einet run vs NumPy: "
                f"max |diff| = {v['max_abs_diff']:.1e} (lowpass_E {v['by_array']['lowpass_E']:.1e}, "
                f"lowpass_I {v['by_array']['lowpass_I']:.1e}, weights {v['by_array']['weights']:.1e})")
        for v in ver["noisy"]:
            f = v["final"]
            log(f"verify sigma = 10, B = {v['batch']}, {v['trials']} trials (statistics only): mean final E "
                f"{f['lowpass_E']['einet_mean']:.3f} vs {f['lowpass_E']['numpy_mean']:.3f} Hz, I "
                f"{f['lowpass_I']['einet_mean']:.3f} vs {f['lowpass_I']['numpy_mean']:.3f} Hz; per network "
                f"mean |diff| E {f['lowpass_E']['mean_abs_diff_per_network']:.3f}, "
                f"I {f['lowpass_I']['mean_abs_diff_per_network']:.3f} Hz")
        log(f"verify: max |diff| (sigma = 0) = {ver['max_abs_diff']:.2e} -> "
            f"{'PASS' if ver['passed'] else 'FAIL'} (tolerance {a.tolerance:g})")
        if a.verify:
            return 0 if ver["passed"] else 1
        if not ver["passed"]:
            log("verification failed: not timing an implementation that disagrees with einet")
            return 1

    binfo = build_info(build)
    bench = build / "bench" / "bench_rate_trials"
    if a.scaling:
        return scaling(bench, [int(x) for x in a.scaling.split(",") if x], log)
    if not bench.exists():
        log(f"{bench} not found: build it with `cmake --build {a.build} --target bench_rate_trials`")
        return 2
    if a.repeats < 3:
        log("--repeats must be at least 3")
        return 2
    batches = [int(x) for x in a.batches.split(",") if x]
    if a.trials is None:
        trials = [DEFAULT_TRIALS.get(b, max(2, round(5000 / b))) for b in batches]
    else:
        tt = [int(x) for x in a.trials.split(",")]
        trials = tt * len(batches) if len(tt) == 1 else tt
        if len(trials) != len(batches):
            log("--trials: give one number or one per batch size")
            return 2

    mach = machine()
    started = _dt.datetime.now(_dt.timezone.utc)
    load_before = os.getloadavg()
    log(f"machine: {mach['model']} (family {mach['family']}), {mach['cores']} cores, {mach['ghz']:.3f} GHz, "
        f"FP64 peak {mach['peak_gflops_per_core']:.1f} GFLOP/s per core, {mach['peak_gflops_all_cores']:.1f} all cores")
    log(f"einet kernel: {FLOPS_PER_NETWORK_STEP:.1f} flops per network-step; load average {load_before[0]:.2f}")
    results = [run_batch(bench, b, t, a.repeats, mach, log, a.wait_idle) for b, t in zip(batches, trials)]
    parts = [] if a.no_breakdown else [breakdown(build, b, t, 3, log) for b, t in zip(batches, trials)]
    for r, bd in zip(results, parts):
        ns = r["ns_per_network_step"]
        r["breakdown_1t"] = {
            "einet_ns_total": ns["einet_1t"],
            "einet_ns_without_noise (einet run, sigma = 0)": bd["ns_per_network_step"]["einet_no_noise"],
            "einet_ns_with_noise (einet run, sigma = 10)": bd["ns_per_network_step"]["einet_noise"],
            "einet_noise_share": 1 - bd["ns_per_network_step"]["einet_no_noise"] / bd["ns_per_network_step"]["einet_noise"],
            "numpy_ns_total": ns["numpy"],
            "numpy_ns_without_noise": bd["ns_per_network_step"]["numpy_no_noise"],
            "numpy_noise_share": 1 - bd["ns_per_network_step"]["numpy_no_noise"] / ns["numpy"],
            "raw_seconds": bd["raw_seconds"],
        }
    load_after = os.getloadavg()
    finished = _dt.datetime.now(_dt.timezone.utc)

    cmd = "/usr/bin/python3 bench/run_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    log("")
    log(f"medians of {a.repeats} repeats ({started:%Y-%m-%d %H:%M} UTC, {cmd.strip()}):")
    log(table(results, mach))
    for r in results:
        log(f"B={r['batch']}: einet(1t)/NumPy = {r['ratio_einet1t_over_numpy']:.1f}x "
            f"(target >= 20x: {'met' if r['target_20x_1t_met'] else 'NOT met'}), "
            f"einet(2t)/einet(1t) = {r['speedup_2t_over_1t']:.2f}x")
        if "breakdown_1t" in r:
            b = r["breakdown_1t"]
            log(f"      noise share of the time (1 thread): einet {100 * b['einet_noise_share']:.0f} %, "
                f"NumPy {100 * b['numpy_noise_share']:.0f} %")

    doc = {
        "benchmark": "two-population rate model (paper 001), trial-based cross-homeostatic plasticity, 20000 steps per trial",
        "command": cmd.strip(),
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": finished.isoformat(timespec="seconds"),
        "load_average_1min": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "machine": mach,
        "build": binfo,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_reference": {"bitgen": ref.BITGEN, "clip_below_batch": ref.CLIP_BELOW, "scan_below_batch": ref.SCAN_BELOW},
        "flops_per_network_step": FLOPS_PER_NETWORK_STEP,
        "flops_breakdown": FLOPS,
        "verify": ver,
        "results": results,
    }
    if a.out:
        out = Path(a.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=1) + "\n")
        log(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
