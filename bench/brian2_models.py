#!/usr/bin/python3
"""Brian2 reference models that einet's spiking engine is cross-validated and benchmarked against.

Every builder runs one model in Brian2 (Debian's 2.5.1, `/usr/bin/python3`) and returns plain numpy
results in a dict: spike times in ms (float64) with int64 neuron indices, state traces in mV on the
dt grid (`t_ms` [T], traces time-major [T] or [T, n]), rates in Hz. Nothing here imports einet.

Brian2 semantics the einet side must reproduce to match these results to 1e-9 (verified by
`tests/python/test_brian2_anchor.py`; details in each docstring):

* Step order (Brian2 default schedule start → groups → thresholds → synapses → resets → end), at
  step k with t_k = k·dt:
    1. StateMonitor records v(t_k) (when='start'), i.e. after step k-1's reset;
    2. state update: every ODE is advanced from t_k to t_{k+1} (incl. `not_refractory`, below);
    3. threshold on the *updated* state; a spike is stamped t_k (the start of the step in which
       the crossing happened, so the stamp is ≤ the true crossing time); lastspike = t_k;
    4. synapses: spikes of this step with delay 0, and spikes of step k-D with delay D steps, run
       their on_pre code now (e.g. `ge += w`) on the already-updated post state, i.e. the jump lands
       in ge(t_{k+1}) and first moves v in the update of step k+1;
    5. reset (`v = V_reset`).
  Delays are rounded to steps, D = np.round(delay_s/dt_s) (half to even on the float quotient in
  seconds: 0.35 ms at dt 0.1 ms gives 3.5 -> 4; give delays as whole steps). An input spike from a
  SpikeGeneratorGroup at t_s is emitted in step round(t_s/dt), so its jump appears in the recorded
  trace at t_s + D·dt + dt.
* Refractoriness: `not_refractory = timestep(t - lastspike) >= timestep(t_ref)` is evaluated at the
  start of each state update. After a spike stamped t_n the variables flagged `(unless refractory)`
  are frozen in the updates of steps n+1 … n+R-1 (R = round(t_ref/dt)) and integrate again from
  step n+R: v sits at V_reset for the R recorded samples t_{n+1} … t_{n+R}. Thresholds are not
  tested while refractory. Synaptic writes to a frozen variable (`on_pre: v += w` with
  `(unless refractory)`) applied in steps n … n+R-1 (the spike's own step included: the threshold
  has already cleared not_refractory) are *dropped* (Brian2 "conditional write"); from step n+R
  they apply. Variables without the flag (ge, gi, adaptation) keep evolving while refractory.
  Spike detection is strict or not as written (CUBA `v > Vt`, paper 001 `v >= V_th`).
* `method='exact'` solves the linear ODE system symbolically (sympy) and applies the propagator
  matrix once per step with the inputs at the start of the step held as the state; for the CUBA
  neuron  v' = El + (v-El)·e^{-dt/τm} + ge·τe/(τe-τm)·(e^{-dt/τe} - e^{-dt/τm}) + (same for gi),
  ge' = ge·e^{-dt/τe}. The symbolic formula divides by (τs-τm): equal time constants give nan
  in Brian2 (checked: τs = τm = 20 ms -> v all nan), so choose distinct ones. `method='euler'`: x' = x + dt·f(x) with all right-hand
  sides evaluated on the old state (simultaneous update); stochastic `xi` terms get
  σ·sqrt(dt)·N(0,1) (Euler–Maruyama).
* Floating point: the numpy target evaluates in float64 without fast-math (the 1e-9 reference).
  The cython target and cpp_standalone are compiled with `-O3 -ffast-math -fno-finite-math-only
  -march=native` (prefs.codegen.cpp.extra_compile_args_gcc), which reassociates arithmetic: bits
  differ from numpy (v of the 30-neuron network after 1500 steps: 5e-13 mV), harmless except
  at threshold ties. Set that pref to drop -ffast-math if bit-level agreement is needed.
* Random numbers differ between devices and targets even with the same `seed`, so identical
  networks for einet come from the explicit arrays of `cuba_connectivity`,
  `small_network_connectivity` and `p001_connectivity` (or from `return_network=True`).
"""
from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
import time
from typing import Any

import numpy as np

__all__ = [
    "single_lif", "lif_period_analytic_ms", "lif_grid_spike_times_ms",
    "lif_exp_synapse_psp", "psp_exp_closed_form", "small_network_connectivity", "small_network",
    "cuba_connectivity", "cuba", "cv_isi_mean", "p001_connectivity", "p001_network",
    "adaptive_lif", "CUBA_PARAMS", "P001_PARAMS",
]


def _b2():
    import brian2  # noqa: PLC0415 (imported lazily so the module imports without Brian2)

    return brian2


def _use_runtime(target: str) -> Any:
    """Select the runtime device and a code-generation target ('numpy' or 'cython')."""
    b2 = _b2()
    from brian2.devices.device import RuntimeDevice, get_device  # noqa: PLC0415

    if not isinstance(get_device(), RuntimeDevice):
        b2.set_device("runtime")
    b2.prefs.codegen.target = target
    return b2


@contextlib.contextmanager
def _standalone(directory: str | None, threads: int, keep: bool):
    """cpp_standalone with build_on_run=False in `directory` (fresh temp dir by default); restores the
    runtime device afterwards so several standalone models can run in one process."""
    b2 = _b2()
    from brian2.devices.device import get_device  # noqa: PLC0415

    made = directory is None
    if made:
        directory = tempfile.mkdtemp(prefix="einet_brian2_")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads <= 1 else int(threads)
    dev = get_device()
    try:
        yield b2, dev, directory
    finally:
        dev.reinit()
        b2.set_device("runtime")
        if made and not keep:
            shutil.rmtree(directory, ignore_errors=True)


def _device(device: str, codegen_target: str, directory: str | None, threads: int, keep: bool):
    """Context yielding (brian2, standalone device or None, directory) for `device` 'runtime' (with
    `codegen_target`) or 'cpp_standalone'."""
    if device == "runtime":
        return contextlib.nullcontext((_use_runtime(codegen_target), None, None))
    if device == "cpp_standalone":
        return _standalone(directory, threads, keep)
    raise ValueError(f"device: expected 'runtime' or 'cpp_standalone', got {device!r}")


def _spikes(mon, ms) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(mon.t / ms, dtype=np.float64)
    i = np.asarray(mon.i[:], dtype=np.int64)
    return t, i


def _standalone_build_and_run(dev, directory: str, repeats: int) -> dict:
    """device.build(compile=True, run=False) timed, then the binary run `repeats` times.
    run_s: Brian2's own `_last_run_time` of each run (the Network::run loop only; std::clock CPU time
    without OpenMP, omp_get_wtime with it); binary_wall_s: the whole `main` incl. array set-up,
    synapse creation and writing results."""
    t0 = time.perf_counter()
    dev.build(directory=directory, compile=True, run=False, with_output=False)
    build_s = time.perf_counter() - t0
    make_s = float(dev.timers["compile"].get("make", float("nan")))
    run_s, wall_s = [], []
    for _ in range(max(1, int(repeats))):
        dev.run(directory, with_output=False, run_args=[])
        run_s.append(float(dev._last_run_time))
        wall_s.append(float(dev.timers["run_binary"]))
    return {"build_s": build_s, "compile_make_s": make_s, "codegen_s": build_s - make_s,
            "run_s_all": run_s, "run_s": float(np.median(run_s)),
            "binary_wall_s_all": wall_s, "binary_wall_s": float(np.median(wall_s))}


# --------------------------------------------------------------------------------------------
# Single LIF neuron with constant input
# --------------------------------------------------------------------------------------------

def single_lif(I_mV: float, tau_m_ms: float = 20.0, E_L: float = 0.0, V_th: float = 20.0,
               V_reset: float = 10.0, t_ref_ms: float = 2.0, t_stop_ms: float = 500.0,
               dt_ms: float = 0.1, method: str = "exact", v0_mV: float | None = None,
               codegen_target: str = "numpy") -> dict:
    """Deterministic current-based LIF with constant input, in Brian2.

        tau_m dv/dt = -(v - E_L) + I      : volt (unless refractory)
        threshold v > V_th; reset v = V_reset; refractory t_ref (v frozen, threshold not tested)

    Units: mV and ms (I is a voltage: the input current times the membrane resistance). v(0) = v0
    (default E_L). `method` is Brian2's 'exact' (propagator v' = v∞ + (v - v∞)e^{-dt/τ},
    v∞ = E_L + I) or 'euler' (v' = v + dt(-(v - E_L) + I)/τ). Brian2's grid semantics (see the
    module docstring and `lif_grid_spike_times_ms`): spike stamped at the start of the step whose
    update crossed threshold; v frozen for the updates of the next R-1 steps, R = round(t_ref/dt).

    Returns dict: spike_t_ms (float64), spike_i (int64, all 0), t_ms [T] (T = t_stop/dt),
    v_mV [T] (recorded at the start of each step), rate_hz, n_spikes, method, dt_ms.
    """
    b2 = _use_runtime(codegen_target)
    ms, mV = b2.ms, b2.mV
    b2.defaultclock.dt = dt_ms * ms
    ns = {"tau_m": tau_m_ms * ms, "E_L": E_L * mV, "I": I_mV * mV, "V_th": V_th * mV,
          "V_reset": V_reset * mV}
    G = b2.NeuronGroup(1, "dv/dt = (-(v - E_L) + I)/tau_m : volt (unless refractory)",
                       threshold="v > V_th", reset="v = V_reset", refractory=t_ref_ms * ms,
                       method=method, namespace=ns)
    G.v = (E_L if v0_mV is None else v0_mV) * mV
    sm = b2.SpikeMonitor(G)
    st = b2.StateMonitor(G, "v", record=0)
    net = b2.Network(G, sm, st)
    net.run(t_stop_ms * ms, namespace={})
    t, i = _spikes(sm, ms)
    return {"spike_t_ms": t, "spike_i": i, "t_ms": np.asarray(st.t / ms, dtype=np.float64),
            "v_mV": np.asarray(st.v[0] / mV, dtype=np.float64), "n_spikes": int(t.size),
            "rate_hz": t.size / (t_stop_ms * 1e-3), "method": method, "dt_ms": dt_ms}


def lif_period_analytic_ms(I_mV: float, tau_m_ms: float = 20.0, E_L: float = 0.0,
                           V_th: float = 20.0, V_reset: float = 10.0, t_ref_ms: float = 2.0) -> float:
    """Continuous-time interspike interval  t_ref + τ_m ln((v∞ - V_reset)/(v∞ - V_th)),  v∞ = E_L + I
    (inf if v∞ ≤ V_th)."""
    vinf = E_L + I_mV
    if vinf <= V_th:
        return math.inf
    return t_ref_ms + tau_m_ms * math.log((vinf - V_reset) / (vinf - V_th))


def lif_grid_spike_times_ms(I_mV: float, t_stop_ms: float, tau_m_ms: float = 20.0,
                            E_L: float = 0.0, V_th: float = 20.0, V_reset: float = 10.0,
                            t_ref_ms: float = 2.0, dt_ms: float = 0.1,
                            v0_mV: float | None = None) -> np.ndarray:
    """Spike times Brian2's `method='exact'` produces for `single_lif` (pure numpy, no Brian2).

    The exact propagator makes v(t_k) the true solution on the grid, so the only discretisation is
    where spikes and refractoriness sit on the grid:
      free time from v0 to threshold T0 = τ ln((v∞-v0)/(v∞-V_th)); first spike step
        k1 = ceil(T0/dt) - 1   (the update of step k1 brings v(t_{k1+1}) > V_th);
      after a spike at step n the updates of steps n+1 … n+R-1 are frozen (R = round(t_ref/dt)),
        so the period is  P = R - 1 + ceil(T_free/dt)  steps, T_free = τ ln((v∞-V_reset)/(v∞-V_th)).
    Hence P·dt ∈ (t_ref + T_free - dt, t_ref + T_free]: Brian2's period is the analytic one rounded
    *down* to the grid (by < 1 dt). When T/dt is an integer (to ~1e-12) v lands on V_th exactly and
    the strict test `v > V_th` is decided by rounding: avoid such inputs in exact comparisons.
    """
    vinf = E_L + I_mV
    v0 = E_L if v0_mV is None else v0_mV
    if vinf <= V_th:
        return np.zeros(0)
    T0 = tau_m_ms * math.log((vinf - v0) / (vinf - V_th)) if v0 < V_th else 0.0
    Tf = tau_m_ms * math.log((vinf - V_reset) / (vinf - V_th))
    R = int(round(t_ref_ms / dt_ms))
    k = int(math.ceil(T0 / dt_ms)) - 1
    P = R - 1 + int(math.ceil(Tf / dt_ms))
    n_steps = int(round(t_stop_ms / dt_ms))
    steps = np.arange(k, n_steps, P, dtype=np.int64)
    return steps * dt_ms


# --------------------------------------------------------------------------------------------
# PSP of one synapse
# --------------------------------------------------------------------------------------------

def lif_exp_synapse_psp(w_mV: float, tau_m_ms: float = 20.0, tau_s_ms: float = 5.0,
                        E_L: float = 0.0, t_spike_ms: float = 10.0, delay_ms: float = 0.0,
                        t_stop_ms: float = 100.0, dt_ms: float = 0.1, method: str = "exact",
                        synapse: str = "exp", codegen_target: str = "numpy") -> dict:
    """One LIF neuron (no threshold) receiving one input spike at `t_spike_ms` through one synapse.

      synapse='exp':   dv/dt = (-(v - E_L) + s)/tau_m : volt ;  ds/dt = -s/tau_s : volt
                       on_pre: s += w
      synapse='delta': dv/dt = -(v - E_L)/tau_m : volt ;  on_pre: v += w   (s stays 0)

    mV, ms; v(0) = E_L, s(0) = 0. The spike comes from a SpikeGeneratorGroup, emitted in step
    n = round(t_spike/dt); with the synaptic delay D = round(delay/dt) steps the jump is applied in
    the synapses slot of step n + D, after that step's state update, so the traces (recorded at the
    start of each step) jump at t0 = t_spike + D·dt + dt. For t ≥ t0 (t' = t - t0), exact method:
      s = w e^{-t'/τs},  v - E_L = w τs/(τs-τm) (e^{-t'/τs} - e^{-t'/τm});  delta: v - E_L = w e^{-t'/τm}
    (`psp_exp_closed_form`). tau_s must differ from tau_m for 'exact' (Brian2's symbolic solution
    divides by τs-τm). `method` 'exact' or 'euler'.

    Returns dict: t_ms [T], v_mV [T], s_mV [T], t_onset_ms (= t0), delay_steps, method, synapse.
    """
    b2 = _use_runtime(codegen_target)
    ms, mV = b2.ms, b2.mV
    b2.defaultclock.dt = dt_ms * ms
    ns = {"tau_m": tau_m_ms * ms, "tau_s": tau_s_ms * ms, "E_L": E_L * mV, "w": w_mV * mV}
    if synapse == "exp":
        eqs = "dv/dt = (-(v - E_L) + s)/tau_m : volt\nds/dt = -s/tau_s : volt"
        on_pre = "s_post += w"
    elif synapse == "delta":
        eqs = "dv/dt = -(v - E_L)/tau_m : volt\ns : volt"
        on_pre = "v_post += w"
    else:
        raise ValueError(f"synapse: expected 'exp' or 'delta', got {synapse!r}")
    G = b2.NeuronGroup(1, eqs, method=method, namespace=ns)
    G.v = E_L * mV
    src = b2.SpikeGeneratorGroup(1, np.array([0]), np.array([t_spike_ms]) * ms)
    S = b2.Synapses(src, G, on_pre=on_pre, namespace=ns)
    S.connect(i=0, j=0)
    S.delay = delay_ms * ms
    st = b2.StateMonitor(G, ["v", "s"], record=0)
    net = b2.Network(G, src, S, st)
    net.run(t_stop_ms * ms, namespace={})
    D = int(np.round((delay_ms * 1e-3) / (dt_ms * 1e-3)))  # as Brian2: np.round(delay/dt) in seconds
    return {"t_ms": np.asarray(st.t / ms, dtype=np.float64),
            "v_mV": np.asarray(st.v[0] / mV, dtype=np.float64),
            "s_mV": np.asarray(st.s[0] / mV, dtype=np.float64),
            "t_onset_ms": round(t_spike_ms / dt_ms) * dt_ms + D * dt_ms + dt_ms,
            "delay_steps": D, "method": method, "synapse": synapse, "dt_ms": dt_ms}


def psp_exp_closed_form(t_ms: np.ndarray, t0_ms: float, w_mV: float, tau_m_ms: float,
                        tau_s_ms: float | None, E_L: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form (v, s) of `lif_exp_synapse_psp` for onset t0 (tau_s None: delta synapse)."""
    tp = np.asarray(t_ms, dtype=np.float64) - t0_ms
    on = tp >= -1e-9
    tp = np.where(on, np.maximum(tp, 0.0), 0.0)
    if tau_s_ms is None:
        return np.where(on, E_L + w_mV * np.exp(-tp / tau_m_ms), E_L), np.zeros_like(tp)
    s = np.where(on, w_mV * np.exp(-tp / tau_s_ms), 0.0)
    v = np.where(on, w_mV * tau_s_ms / (tau_s_ms - tau_m_ms)
                 * (np.exp(-tp / tau_s_ms) - np.exp(-tp / tau_m_ms)), 0.0)
    return E_L + v, s


# --------------------------------------------------------------------------------------------
# Small deterministic recurrent network
# --------------------------------------------------------------------------------------------

def small_network_connectivity(n: int = 30, n_exc: int | None = None, p: float = 0.3,
                               w_exc_mV: float = 0.8, w_inh_mV: float = -2.0,
                               max_delay_steps: int = 20, seed: int = 1) -> dict:
    """Explicit connectivity for `small_network` (numpy only; identical arrays go to einet).

    n neurons, the first n_exc (default 4n/5) excitatory. Each ordered pair (i → j, i ≠ j) exists with
    probability p; weight w_exc·U[0.5, 1.5) for E sources, w_inh·U[0.5, 1.5) for I sources (mV:
    the jump of the synaptic variable); delay = k·dt with k uniform in {0, …, max_delay_steps}
    (returned in steps, so it is exact on any grid). bias_mV: constant input per neuron, uniform
    in [24, 32) mV (above the 20 mV threshold with E_L 0, so every neuron fires alone; with the
    default weights every neuron of n = 10, 30, 50, seeds 1-5, still fires >= 2 times in 200 ms).
    Returns dict: n, n_exc, source, target (int64), weight_mV (float64), delay_steps (int64),
    bias_mV [n].
    """
    rng = np.random.default_rng(seed)
    n_exc = int(round(0.8 * n)) if n_exc is None else int(n_exc)
    mask = rng.random((n, n)) < p
    np.fill_diagonal(mask, False)
    src, tgt = np.nonzero(mask)
    scale = rng.uniform(0.5, 1.5, size=src.size)
    w = np.where(src < n_exc, w_exc_mV, w_inh_mV) * scale
    d = rng.integers(0, max_delay_steps + 1, size=src.size)
    bias = rng.uniform(24.0, 32.0, size=n)
    return {"n": n, "n_exc": n_exc, "source": src.astype(np.int64), "target": tgt.astype(np.int64),
            "weight_mV": w.astype(np.float64), "delay_steps": d.astype(np.int64),
            "bias_mV": bias.astype(np.float64)}


def small_network(source, target, weight_mV, delay_steps, bias_mV, n_exc: int,
                  tau_m_ms: float = 20.0, tau_e_ms: float = 5.0, tau_i_ms: float = 10.0,
                  E_L: float = 0.0, V_th: float = 20.0, V_reset: float = 10.0,
                  t_ref_ms: float = 2.0, t_stop_ms: float = 200.0, dt_ms: float = 0.1,
                  method: str = "exact", v0_mV=None, codegen_target: str = "numpy") -> dict:
    """Deterministic recurrent current-based LIF network with exponential E and I currents.

        dv/dt  = (-(v - E_L) + I_b + ge + gi)/tau_m : volt (unless refractory)
        dge/dt = -ge/tau_e : volt ;   dgi/dt = -gi/tau_i : volt
        threshold v > V_th; reset v = V_reset; refractory t_ref (ge, gi keep decaying)
        synapse k (source < n_exc):  on_pre ge_post += weight_mV[k]  (delay delay_steps[k]·dt)
        synapse k (source ≥ n_exc):  on_pre gi_post += weight_mV[k]  (weights negative)

    mV, ms; n = len(bias_mV); v(0) = v0_mV (default E_L), ge = gi = 0. Explicit arrays (e.g. from
    `small_network_connectivity`), so einet runs the identical network. `method` 'exact'
    (symbolic propagator of the linear system, module docstring) or 'euler'.
    Returns dict: spike_t_ms, spike_i, t_ms [T], v_mV [T, n], ge_mV [T, n], gi_mV [T, n],
    rate_hz (mean over neurons), n_spikes.
    """
    b2 = _use_runtime(codegen_target)
    ms, mV = b2.ms, b2.mV
    b2.defaultclock.dt = dt_ms * ms
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    weight_mV = np.asarray(weight_mV, dtype=np.float64)
    delay_steps = np.asarray(delay_steps, dtype=np.int64)
    bias_mV = np.asarray(bias_mV, dtype=np.float64)
    n = bias_mV.size
    ns = {"tau_m": tau_m_ms * ms, "tau_e": tau_e_ms * ms, "tau_i": tau_i_ms * ms,
          "E_L": E_L * mV, "V_th": V_th * mV, "V_reset": V_reset * mV}
    eqs = """
    dv/dt = (-(v - E_L) + I_b + ge + gi)/tau_m : volt (unless refractory)
    dge/dt = -ge/tau_e : volt
    dgi/dt = -gi/tau_i : volt
    I_b : volt (constant)
    """
    G = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset",
                       refractory=t_ref_ms * ms, method=method, namespace=ns)
    G.I_b = bias_mV * mV
    G.v = (np.full(n, E_L) if v0_mV is None else np.asarray(v0_mV, dtype=np.float64)) * mV
    objs = [G]
    for is_exc, var in ((True, "ge"), (False, "gi")):
        sel = (source < n_exc) if is_exc else (source >= n_exc)
        if not np.any(sel):
            continue
        S = b2.Synapses(G, G, "w : volt (constant)", on_pre=f"{var}_post += w")
        S.connect(i=source[sel], j=target[sel])
        S.w = weight_mV[sel] * mV
        S.delay = delay_steps[sel] * dt_ms * ms
        objs.append(S)
    sm = b2.SpikeMonitor(G)
    st = b2.StateMonitor(G, ["v", "ge", "gi"], record=True)
    net = b2.Network(*objs, sm, st)
    net.run(t_stop_ms * ms, namespace={})
    t, i = _spikes(sm, ms)
    return {"spike_t_ms": t, "spike_i": i, "t_ms": np.asarray(st.t / ms, dtype=np.float64),
            "v_mV": np.asarray(st.v / mV, dtype=np.float64).T.copy(),
            "ge_mV": np.asarray(st.ge / mV, dtype=np.float64).T.copy(),
            "gi_mV": np.asarray(st.gi / mV, dtype=np.float64).T.copy(),
            "n_spikes": int(t.size), "rate_hz": t.size / (n * t_stop_ms * 1e-3),
            "method": method, "dt_ms": dt_ms}


# --------------------------------------------------------------------------------------------
# CUBA (Brette et al. 2007, benchmark 2; Brian2 examples/CUBA.py)
# --------------------------------------------------------------------------------------------

CUBA_PARAMS = {"tau_m_ms": 20.0, "tau_e_ms": 5.0, "tau_i_ms": 10.0, "V_t_mV": -50.0,
               "V_r_mV": -60.0, "E_l_mV": -49.0, "t_ref_ms": 5.0,
               "w_e_mV": 60 * 0.27 / 10, "w_i_mV": -20 * 4.5 / 10, "p": 0.02, "frac_exc": 0.8}


def cv_isi_mean(spike_t_ms: np.ndarray, spike_i: np.ndarray, n: int, min_spikes: int = 3) -> float:
    """Mean over neurons with ≥ min_spikes spikes of CV_ISI = std(ISI)/mean(ISI) (population std,
    ddof = 0, of that neuron's interspike intervals); nan if no neuron qualifies."""
    order = np.lexsort((spike_t_ms, spike_i))
    t, i = np.asarray(spike_t_ms)[order], np.asarray(spike_i)[order]
    counts = np.bincount(i, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)))
    cvs = []
    for k in np.nonzero(counts >= min_spikes)[0]:
        isi = np.diff(t[starts[k]:starts[k + 1]])
        m = isi.mean()
        if m > 0:
            cvs.append(isi.std() / m)
    return float(np.mean(cvs)) if cvs else float("nan")


def cuba_connectivity(n: int = 4000, p: float | None = None, seed: int = 1,
                      frac_exc: float = 0.8) -> dict:
    """Explicit CUBA connectivity like Brian2's `Ce.connect('i<n_e', p=p)`, `Ci.connect('i>=n_e', p=p)`:
    every ordered pair (autapses included, as in the example) independently with probability p
    (drawn per source as Binomial(n, p) distinct targets). p defaults to 0.02·4000/n (in-degree 80
    from each source class kept fixed when n ≠ 4000). Also v0_mV ~ U[V_r, V_t) = U[-60, -50) mV.
    Returns dict: n, n_exc, p, exc_pre, exc_post, inh_pre, inh_post (int64, sorted by source),
    v0_mV [n]."""
    rng = np.random.default_rng(seed)
    p = CUBA_PARAMS["p"] * 4000 / n if p is None else p
    n_exc = int(round(frac_exc * n))
    pre, post = [], []
    for i in range(n):
        k = rng.binomial(n, p)
        tg = np.sort(rng.choice(n, size=k, replace=False))
        pre.append(np.full(k, i, dtype=np.int64))
        post.append(tg.astype(np.int64))
    pre, post = np.concatenate(pre), np.concatenate(post)
    e = pre < n_exc
    v0 = CUBA_PARAMS["V_r_mV"] + rng.random(n) * (CUBA_PARAMS["V_t_mV"] - CUBA_PARAMS["V_r_mV"])
    return {"n": n, "n_exc": n_exc, "p": p, "exc_pre": pre[e], "exc_post": post[e],
            "inh_pre": pre[~e], "inh_post": post[~e], "v0_mV": v0}


def cuba(n: int = 4000, t_stop_ms: float = 10000.0, dt_ms: float = 0.1, seed: int = 1,
         device: str = "runtime", threads: int = 1, p: float | None = None,
         connectivity: dict | None = None, method: str = "exact", codegen_target: str = "numpy",
         repeats: int = 1, directory: str | None = None, keep_directory: bool = False,
         return_network: bool = False) -> dict:
    """The Vogels–Abbott CUBA benchmark exactly as Brian2's `examples/CUBA.py` (Brette et al. 2007,
    benchmark 2), run in Brian2.

        dv/dt  = (ge + gi - (v - El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        taum 20 ms, taue 5 ms, taui 10 ms, El -49 mV, Vt -50 mV, Vr -60 mV
        threshold 'v > Vt', reset 'v = Vr', refractory 5 ms, method 'exact' (the example's
        'linear' in older releases; the same LinearStateUpdater in 2.5.1)
        v0 = Vr + rand()·(Vt - Vr); ge = gi = 0; no external input
        Ce: on_pre 'ge += we', we = 60·0.27/10 mV = 1.62 mV, connect('i < 3200', p = 0.02)
        Ci: on_pre 'gi += wi', wi = -20·4.5/10 mV = -9 mV, connect('i >= 3200', p = 0.02)
        (autapses allowed, zero delay, scalar weights), SpikeMonitor on all neurons.

    n ≠ 4000 keeps the 80/20 split and p = 0.02·4000/n (same in-degree) unless `p` is given.
    `connectivity` (from `cuba_connectivity`: exc_pre/exc_post/inh_pre/inh_post/v0_mV) replaces the
    random connect() and v0, so einet can run the identical network; otherwise Brian2 draws them
    after `seed(seed)` (different numbers in runtime and standalone). dt default 0.1 ms (the example
    uses Brian2's default dt, 0.1 ms). The example runs 1 s; the benchmark convention is 10 s.

    device 'runtime' (codegen_target 'numpy' or 'cython'; timing = wall time of net.run incl. code
    generation) or 'cpp_standalone' (`set_device(..., build_on_run=False)`, openmp_threads = 0 for
    threads ≤ 1; build/compile timed separately, then the binary is run `repeats` times; run_s is
    the median of Brian2's own `_last_run_time`, see `_standalone_build_and_run`).

    Returns dict: spike_t_ms, spike_i, n, n_exc, n_synapses, n_spikes, rate_hz (spikes / (n·T)),
    cv_isi_mean (see `cv_isi_mean`: neurons with ≥ 3 spikes), synaptic_events (Σ over spikes of the
    out-degree of the spiking neuron), timings {...}, and with return_network the arrays
    exc_pre/exc_post/inh_pre/inh_post/v0_mV actually used.
    """
    P = CUBA_PARAMS
    n_exc = int(round(P["frac_exc"] * n))
    if p is None:
        p = P["p"] * 4000 / n
    if connectivity is not None and int(connectivity["n"]) != n:
        raise ValueError(f"connectivity is for n = {connectivity['n']}, got n = {n}")
    with _device(device, codegen_target, directory, threads, keep_directory) as (b2, dev, directory):
        ms, mV = b2.ms, b2.mV
        b2.defaultclock.dt = dt_ms * ms
        b2.seed(seed)
        ns = {"taum": P["tau_m_ms"] * ms, "taue": P["tau_e_ms"] * ms, "taui": P["tau_i_ms"] * ms,
              "Vt": P["V_t_mV"] * mV, "Vr": P["V_r_mV"] * mV, "El": P["E_l_mV"] * mV,
              "we": P["w_e_mV"] * mV, "wi": P["w_i_mV"] * mV}
        eqs = """
        dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        """
        G = b2.NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr",
                           refractory=P["t_ref_ms"] * ms, method=method, namespace=ns)
        if connectivity is None:
            G.v = "Vr + rand() * (Vt - Vr)"
        else:
            G.v = np.asarray(connectivity["v0_mV"], dtype=np.float64) * mV
        G.ge = 0 * mV
        G.gi = 0 * mV
        Ce = b2.Synapses(G, G, on_pre="ge += we", namespace=ns)
        Ci = b2.Synapses(G, G, on_pre="gi += wi", namespace=ns)
        if connectivity is None:
            Ce.connect(f"i<{n_exc}", p=p)
            Ci.connect(f"i>={n_exc}", p=p)
        else:
            Ce.connect(i=np.asarray(connectivity["exc_pre"]), j=np.asarray(connectivity["exc_post"]))
            Ci.connect(i=np.asarray(connectivity["inh_pre"]), j=np.asarray(connectivity["inh_post"]))
        sm = b2.SpikeMonitor(G)
        net = b2.Network(G, Ce, Ci, sm)
        timings: dict[str, Any] = {}
        if dev is None:
            t0 = time.perf_counter()
            net.run(t_stop_ms * ms, namespace={})
            timings["run_s"] = time.perf_counter() - t0
            timings["run_s_all"] = [timings["run_s"]]
        else:
            net.run(t_stop_ms * ms, namespace={})  # recorded, not executed (build_on_run=False)
            timings.update(_standalone_build_and_run(dev, directory, repeats))
        t, i = _spikes(sm, ms)
        exc_pre, exc_post = np.asarray(Ce.i[:], np.int64), np.asarray(Ce.j[:], np.int64)
        inh_pre, inh_post = np.asarray(Ci.i[:], np.int64), np.asarray(Ci.j[:], np.int64)
        v0 = (np.asarray(connectivity["v0_mV"], np.float64) if connectivity is not None else None)
    outdeg = np.bincount(np.concatenate((exc_pre, inh_pre)), minlength=n)
    counts = np.bincount(i, minlength=n)
    res = {"model": "CUBA (Brian2 examples/CUBA.py)", "device": device,
           "codegen_target": codegen_target if device == "runtime" else "cpp_standalone",
           "threads": threads, "seed": seed, "method": method, "n": n, "n_exc": n_exc, "p": p,
           "dt_ms": dt_ms, "t_stop_ms": t_stop_ms, "spike_t_ms": t, "spike_i": i,
           "n_synapses": int(exc_pre.size + inh_pre.size), "n_spikes": int(t.size),
           "rate_hz": t.size / (n * t_stop_ms * 1e-3), "cv_isi_mean": cv_isi_mean(t, i, n),
           "synaptic_events": int(np.dot(counts, outdeg)), "timings": timings}
    if return_network:
        res.update(exc_pre=exc_pre, exc_post=exc_post, inh_pre=inh_pre, inh_post=inh_post,
                   v0_mV=v0)
    return res


# --------------------------------------------------------------------------------------------
# Paper 001 spiking network (spec 001 §5.1-5.4)
# --------------------------------------------------------------------------------------------

P001_PARAMS = {
    # Table S1 (E, I)
    "E_L_mV": (7.6, 6.5), "V_reset_mV": (14.0, 14.0), "V_th_mV": (20.0, 20.0),
    "t_ref_ms": (5.0, 2.0), "C_m_pF": (200.0, 100.0), "g_L_nS": (10.0, 10.0),
    "beta_nA_ms": (3.0, 0.0), "tau_adapt_ms": 500.0, "sigma_mV": 2.5,
    # Table S2 (E-type, I-type kinetics: by presynaptic type)
    "tau_r_ms": (8.0, 1.0), "tau_d_ms": (23.0, 1.0), "delay_max_ms": (1.0, 0.5), "kappa_ms": 1.0,
    # §5.3-5.4
    "n_exc": 1600, "n_inh": 400, "p": 0.25, "weight_cv": 0.2,
    "kick_time_ms": 100.0, "kick_pA": 980.0, "n_kick": 100,
}


def p001_connectivity(weights_pA: dict | None = None, seed: int = 1, n_exc: int = 1600,
                      n_inh: int = 400, p: float = 0.25, cv: float = 0.2,
                      dt_ms: float = 0.1) -> dict:
    """Connectivity of the paper-001 network (spec 001 §5.2-5.3), numpy only.

    Classes XY = onto X from Y (spec notation): EE, EI (I→E), IE (E→I), II. Each class has exactly
    round(p·N_pre·N_post) synapses drawn uniformly without replacement among the allowed (pre, post)
    pairs (no autapses in EE and II). Weights i.i.d. N(mean, (cv·mean)²) per class, negative draws
    set to 0. Delays by presynaptic type: (floor(U·d_max/dt) + 1) steps, U ~ U[0, 1), d_max 1 ms (E)
    / 0.5 ms (I). Default means are the issue's self-sustained regime W_EE 240, W_IE 175,
    W_EI 350, W_II 225 pA.
    Global indices: E 0 … n_exc-1, I n_exc … n_exc+n_inh-1. Returns dict with, per presynaptic
    type X in ('exc', 'inh'): X_pre, X_post (int64, global), X_w_pA (float64), X_delay_steps (int64)
    — E-source synapses are EE then IE, I-source ones EI then II — plus n_exc, n_inh, weights_pA.
    """
    w = {"EE": 240.0, "IE": 175.0, "EI": 350.0, "II": 225.0}
    if weights_pA:
        w.update(weights_pA)
    rng = np.random.default_rng(seed)
    dmax = P001_PARAMS["delay_max_ms"]

    def pairs(npre, npost, pre0, post0, no_self):
        k = int(round(p * npre * npost))  # spec: EE 640 000 = 0.25·1600·1600 even without self-pairs
        if no_self:
            flat = rng.choice(npre * (npost - 1), size=k, replace=False)
            pre, r = flat // (npost - 1), flat % (npost - 1)
            post = r + (r >= pre)
        else:
            flat = rng.choice(npre * npost, size=k, replace=False)
            pre, post = flat // npost, flat % npost
        order = np.lexsort((post, pre))
        return (pre[order] + pre0).astype(np.int64), (post[order] + post0).astype(np.int64)

    out: dict[str, Any] = {"n_exc": n_exc, "n_inh": n_inh, "weights_pA": dict(w), "p": p}
    for typ, classes, src0, nsrc, dm in (("exc", ("EE", "IE"), 0, n_exc, dmax[0]),
                                          ("inh", ("EI", "II"), n_exc, n_inh, dmax[1])):
        pres, posts, ws, ds = [], [], [], []
        for cls in classes:
            tgt_is_e = cls[0] == "E"
            ntgt, tgt0 = (n_exc, 0) if tgt_is_e else (n_inh, n_exc)
            pre, post = pairs(nsrc, ntgt, src0, tgt0, no_self=(cls in ("EE", "II")))
            wm = w[cls]
            ww = np.maximum(rng.normal(wm, cv * wm, size=pre.size), 0.0)
            dd = np.floor(rng.random(pre.size) * dm / dt_ms + 1e-12).astype(np.int64) + 1
            pres.append(pre), posts.append(post), ws.append(ww), ds.append(dd)
        out[f"{typ}_pre"] = np.concatenate(pres)
        out[f"{typ}_post"] = np.concatenate(posts)
        out[f"{typ}_w_pA"] = np.concatenate(ws)
        out[f"{typ}_delay_steps"] = np.concatenate(ds)
    return out


def upstate_intervals(t_inh_ms, n_inh, t_stop_ms, bin_ms=10.0, thresh_hz=0.2, merge_bins=10, min_bins=10):
    """Spec 001 §5.5 steps 1–2 on the I spikes: 10-ms bins at >= 0.2 Hz are above; runs of above
    bins are Up states, gaps <= 10 bins merged, Up states <= 10 bins discarded; [(t0, t1)] in ms."""
    nb = int(round(t_stop_ms / bin_ms))
    h = np.bincount(np.minimum((np.asarray(t_inh_ms) / bin_ms).astype(int), nb - 1), minlength=nb)
    above = h / (bin_ms * 1e-3 * n_inh) >= thresh_hz
    ups, k = [], 0
    while k < nb:
        if above[k]:
            s = k
            while k < nb and above[k]:
                k += 1
            ups.append([s, k])
        else:
            k += 1
    merged = []
    for u in ups:
        if merged and u[0] - merged[-1][1] <= merge_bins:
            merged[-1][1] = u[1]
        else:
            merged.append(u)
    return [(s * bin_ms, e * bin_ms) for s, e in merged if e - s > min_bins]


def _upstate_rates(t_ms, i, n_exc, n_inh, t_stop_ms, bin_ms=10.0, thresh_hz=0.2, merge_bins=10,
                   min_bins=10):
    """Spec 001 §5.5: Up states on the I PSTH (upstate_intervals); population rates averaged over
    the Up states."""
    inh = i >= n_exc
    merged = upstate_intervals(t_ms[inh], n_inh, t_stop_ms, bin_ms, thresh_hz, merge_bins, min_bins)
    if not merged:
        return float("nan"), float("nan"), 0.0
    re, ri, dur = [], [], 0.0
    for t0, t1 in merged:
        w = (t_ms > t0) & (t_ms < t1)
        d = (t1 - t0) * 1e-3
        re.append(np.count_nonzero(w & ~inh) / (n_exc * d))
        ri.append(np.count_nonzero(w & inh) / (n_inh * d))
        dur += d
    return float(np.mean(re)), float(np.mean(ri)), dur


def p001_network(connectivity: dict | None = None, weights_pA: dict | None = None,
                 t_stop_ms: float = 1500.0, dt_ms: float = 0.1, sigma_mV: float = 2.5,
                 kick: bool = True, seed: int = 1, conn_seed: int = 1,
                 device: str = "runtime", codegen_target: str = "cython", threads: int = 1,
                 repeats: int = 1, directory: str | None = None, keep_directory: bool = False,
                 record_v: int = 0, method: str = "euler", tonic_pA: Any = None,
                 n_kick: int | None = None) -> dict:
    """Paper-001 spiking network (spec 001 §5.1-5.4), one trial, forward Euler(-Maruyama), in Brian2.

      dv/dt = (g_L (E_L - v) + sE - sI + s_ext - iA + I_e)/C_m + sigma tau_m^{-1/2} xi : volt (unless refractory)
      diA/dt = -iA/tau_adapt : amp
      duE/dt = -uE/tau_rE ;  dsE/dt = (-sE + uE)/tau_dE     (E-type kinetics, τr 8, τd 23 ms)
      duI/dt = -uI/tau_rI ;  dsI/dt = (-sI + uI)/tau_dI     (I-type kinetics, τr = τd = 1 ms)
      du_ext/dt = -u_ext/tau_rE ;  ds_ext/dt = (-s_ext + u_ext)/tau_dE   (the kick)
      threshold v >= V_th; reset v = V_reset, iA += beta/tau_adapt; refractory t_ref per population
      (v frozen incl. noise; iA, u, s keep evolving)
      E-source synapse: on_pre uE_post += w·κ/τ_rE ; I-source: uI_post += w·κ/τ_rI  (κ = 1 ms),
      per-synapse delays; kick: u_ext += 980 pA into E units 0…99, spike at t = 100 ms.

    Units pA, mV, ms, pF, nS (Table S1: E_L 7.6/6.5 mV, V_reset 14, V_th 20 mV, t_ref 5/2 ms,
    C_m 200/100 pF, g_L 10 nS, β 3/0 nA·ms, τ_adapt 500 ms, σ 2.5 mV). Initial state v = E_L, all
    else 0. Method 'euler' (Brian2 Euler–Maruyama: v += dt·f + σ·sqrt(dt/τ_m)·N(0,1)); 'exact'
    only with sigma_mV = 0 (the xi term is left out when σ = 0; with τ_r = τ_d the I kinetics are
    written with one time constant, so sympy solves the Jordan block instead of dividing by
    τ_d − τ_r). tonic_pA: constant current I_e added to every unit's dv/dt numerator (scalar or
    [n]; default 0). n_kick: units kicked (default 100 = P001_PARAMS["n_kick"]).
    `connectivity` from `p001_connectivity` (default: p001_connectivity(weights_pA, conn_seed)).
    device 'runtime' (codegen_target) or 'cpp_standalone' (timed as in `cuba`).

    Returns dict: spike_t_ms, spike_i, rate_E_hz / rate_I_hz (mean over [kick, t_stop]),
    rate_E_trial_hz / rate_I_trial_hz (mean over the whole trial [0, t_stop]),
    rate_E_up_hz / rate_I_up_hz / upstate_duration_s (spec §5.5 Up-state detection on the I PSTH),
    n_spikes, n_synapses, synaptic_events, cv_isi_mean_E, timings, and v_mV [T, record_v] of the
    first record_v E units (t_ms) when record_v > 0.
    """
    P = P001_PARAMS
    if connectivity is None:
        connectivity = p001_connectivity(weights_pA, seed=conn_seed, dt_ms=dt_ms)
    n_exc, n_inh = int(connectivity["n_exc"]), int(connectivity["n_inh"])
    n = n_exc + n_inh
    with _device(device, codegen_target, directory, threads, keep_directory) as (b2, dev, directory):
        ms, mV, pA, pF, nS = b2.ms, b2.mV, b2.pA, b2.pF, b2.nS
        b2.defaultclock.dt = dt_ms * ms
        b2.seed(seed)
        ns = {"tau_rE": P["tau_r_ms"][0] * ms, "tau_dE": P["tau_d_ms"][0] * ms,
              "tau_rI": P["tau_r_ms"][1] * ms, "tau_dI": P["tau_d_ms"][1] * ms,
              "tau_adapt": P["tau_adapt_ms"] * ms, "sigma": sigma_mV * mV,
              "kappa": P["kappa_ms"] * ms, "kick_amp": P["kick_pA"] * pA}
        noise = " + sigma*(C_m/g_L)**-0.5*xi" if sigma_mV != 0 else ""
        eqs = """
        dv/dt = (g_L*(E_L - v) + sE - sI + s_ext - iA + I_e)/C_m""" + noise + """ : volt (unless refractory)
        diA/dt = -iA/tau_adapt : amp
        duE/dt = -uE/tau_rE : amp
        dsE/dt = (-sE + uE)/tau_dE : amp
        duI/dt = -uI/tau_rI : amp
        dsI/dt = (-sI + uI)/tau_dI : amp
        du_ext/dt = -u_ext/tau_rE : amp
        ds_ext/dt = (-s_ext + u_ext)/tau_dE : amp
        E_L : volt (constant)
        V_reset : volt (constant)
        V_th : volt (constant)
        C_m : farad (constant)
        g_L : siemens (constant)
        beta : amp*second (constant)
        t_ref : second (constant)
        I_e : amp (constant)
        """
        if P["tau_r_ms"][1] == P["tau_d_ms"][1]:
            eqs = eqs.replace("(-sI + uI)/tau_dI", "(-sI + uI)/tau_rI")
        G = b2.NeuronGroup(n, eqs, threshold="v >= V_th",
                           reset="v = V_reset\niA += beta/tau_adapt", refractory="t_ref",
                           method=method, namespace=ns)
        G.I_e = (np.zeros(n) if tonic_pA is None else np.broadcast_to(
            np.asarray(tonic_pA, dtype=np.float64), (n,)).copy()) * pA
        for k, sl in enumerate((slice(0, n_exc), slice(n_exc, n))):
            G.E_L[sl] = P["E_L_mV"][k] * mV
            G.V_reset[sl] = P["V_reset_mV"][k] * mV
            G.V_th[sl] = P["V_th_mV"][k] * mV
            G.C_m[sl] = P["C_m_pF"][k] * pF
            G.g_L[sl] = P["g_L_nS"][k] * nS
            G.beta[sl] = P["beta_nA_ms"][k] * b2.nA * ms
            G.t_ref[sl] = P["t_ref_ms"][k] * ms
            G.v[sl] = P["E_L_mV"][k] * mV
        objs = [G]
        syn = {}
        for typ, var, tau in (("exc", "uE", "tau_rE"), ("inh", "uI", "tau_rI")):
            S = b2.Synapses(G, G, "w : amp (constant)", on_pre=f"{var}_post += w*kappa/{tau}",
                            namespace=ns)
            S.connect(i=np.asarray(connectivity[f"{typ}_pre"]),
                      j=np.asarray(connectivity[f"{typ}_post"]))
            S.w = np.asarray(connectivity[f"{typ}_w_pA"], dtype=np.float64) * pA
            S.delay = np.asarray(connectivity[f"{typ}_delay_steps"]) * dt_ms * ms
            objs.append(S)
            syn[typ] = S
        if kick:
            src = b2.SpikeGeneratorGroup(1, np.array([0]), np.array([P["kick_time_ms"]]) * ms)
            K = b2.Synapses(src, G, on_pre="u_ext_post += kick_amp", namespace=ns)
            K.connect(i=0, j=np.arange(P["n_kick"] if n_kick is None else int(n_kick)))
            objs += [src, K]
        sm = b2.SpikeMonitor(G)
        objs.append(sm)
        st = None
        if record_v > 0:
            st = b2.StateMonitor(G, "v", record=np.arange(record_v))
            objs.append(st)
        net = b2.Network(*objs)
        timings: dict[str, Any] = {}
        if dev is None:
            t0 = time.perf_counter()
            net.run(t_stop_ms * ms, namespace={})
            timings["run_s"] = time.perf_counter() - t0
            timings["run_s_all"] = [timings["run_s"]]
        else:
            net.run(t_stop_ms * ms, namespace={})
            timings.update(_standalone_build_and_run(dev, directory, repeats))
        t, i = _spikes(sm, ms)
        trace = None
        if st is not None:
            trace = (np.asarray(st.t / ms, np.float64), np.asarray(st.v / mV, np.float64).T.copy())
    t_from = P["kick_time_ms"] if kick else 0.0
    win = t >= t_from
    dur = (t_stop_ms - t_from) * 1e-3
    exc = i < n_exc
    rE_up, rI_up, up_s = _upstate_rates(t, i, n_exc, n_inh, t_stop_ms)
    outdeg = np.bincount(np.concatenate((connectivity["exc_pre"], connectivity["inh_pre"])),
                         minlength=n)
    res = {"model": "paper-001 adaptive LIF network (spec 001 §5.1-5.4)", "device": device,
           "seed": seed, "n_exc": n_exc, "n_inh": n_inh, "dt_ms": dt_ms, "t_stop_ms": t_stop_ms,
           "weights_pA": connectivity.get("weights_pA"), "spike_t_ms": t, "spike_i": i,
           "n_spikes": int(t.size),
           "n_synapses": int(connectivity["exc_pre"].size + connectivity["inh_pre"].size),
           "rate_E_hz": np.count_nonzero(win & exc) / (n_exc * dur),
           "rate_I_hz": np.count_nonzero(win & ~exc) / (n_inh * dur),
           "rate_E_trial_hz": np.count_nonzero(exc) / (n_exc * t_stop_ms * 1e-3),
           "rate_I_trial_hz": np.count_nonzero(~exc) / (n_inh * t_stop_ms * 1e-3),
           "rate_E_up_hz": rE_up, "rate_I_up_hz": rI_up, "upstate_duration_s": up_s,
           "synaptic_events": int(np.dot(np.bincount(i, minlength=n), outdeg)),
           "cv_isi_mean_E": cv_isi_mean(t[exc], i[exc], n_exc), "timings": timings}
    if trace is not None:
        res["t_ms"], res["v_mV"] = trace
    return res


# --------------------------------------------------------------------------------------------
# Single adaptive LIF unit of paper 001 driven by a step current
# --------------------------------------------------------------------------------------------

def adaptive_lif(I_step_pA: float, step_start_ms: float, step_stop_ms: float,
                 t_stop_ms: float = 1000.0, dt_ms: float = 0.1, method: str = "euler",
                 E_L_mV: float = 7.6, V_th_mV: float = 20.0, V_reset_mV: float = 14.0,
                 t_ref_ms: float = 5.0, C_m_pF: float = 200.0, g_L_nS: float = 10.0,
                 beta_nA_ms: float = 3.0, tau_adapt_ms: float = 500.0,
                 codegen_target: str = "numpy") -> dict:
    """One deterministic adaptive LIF unit (spec 001 §5.1, Table S1 E defaults), in Brian2.

      dv/dt = (g_L (E_L - v) + I_inj - iA)/C_m : volt (unless refractory)
      diA/dt = -iA/tau_adapt : amp
      threshold v >= V_th; reset v = V_reset, iA += beta/tau_adapt; refractory t_ref

    pA, mV, ms, pF, nS. v(0) = E_L, iA(0) = 0. I_inj is a parameter set between three runs:
    0 before step_start, I_step in [step_start, step_stop), 0 after — i.e. it is I_step in the
    updates of steps round(start/dt) … round(stop/dt) - 1 (einet's step-current window).
    `method` 'euler' or 'exact' (the linear system (v, iA); needs τ_a ≠ C_m/g_L).

    Returns dict: spike_t_ms, spike_i, t_ms [T], v_mV [T], iA_pA [T] (recorded at the start of each
    step), n_spikes, method, dt_ms.
    """
    b2 = _use_runtime(codegen_target)
    ms, mV, pA, pF, nS = b2.ms, b2.mV, b2.pA, b2.pF, b2.nS
    b2.defaultclock.dt = dt_ms * ms
    ns = {"g_L": g_L_nS * nS, "C_m": C_m_pF * pF, "E_L": E_L_mV * mV, "V_th": V_th_mV * mV,
          "V_reset": V_reset_mV * mV, "tau_adapt": tau_adapt_ms * ms,
          "beta": beta_nA_ms * b2.nA * ms}
    eqs = """
    dv/dt = (g_L*(E_L - v) + I_inj - iA)/C_m : volt (unless refractory)
    diA/dt = -iA/tau_adapt : amp
    I_inj : amp
    """
    G = b2.NeuronGroup(1, eqs, threshold="v >= V_th", reset="v = V_reset\niA += beta/tau_adapt",
                       refractory=t_ref_ms * ms, method=method, namespace=ns)
    G.v = E_L_mV * mV
    sm = b2.SpikeMonitor(G)
    st = b2.StateMonitor(G, ["v", "iA"], record=0)
    net = b2.Network(G, sm, st)
    for t0, t1, current in ((0.0, step_start_ms, 0.0), (step_start_ms, step_stop_ms, I_step_pA),
                            (step_stop_ms, t_stop_ms, 0.0)):
        G.I_inj = current * pA
        if t1 > t0:
            net.run((t1 - t0) * ms, namespace={})
    t, i = _spikes(sm, ms)
    return {"spike_t_ms": t, "spike_i": i, "t_ms": np.asarray(st.t / ms, dtype=np.float64),
            "v_mV": np.asarray(st.v[0] / mV, dtype=np.float64),
            "iA_pA": np.asarray(st.iA[0] / pA, dtype=np.float64), "n_spikes": int(t.size),
            "method": method, "dt_ms": dt_ms}
