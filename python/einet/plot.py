"""Figures of a run (paper 001 style). Every function returns matplotlib objects and never shows them;
the first line of each docstring doubles as the figure caption in the report.

The backend is left alone here so interactive users keep theirs; report.py selects Agg."""
from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np

from .load import Run

__all__ = ["E_COLOR", "I_COLOR", "rates_across_trials", "weights_across_trials", "trial_traces",
           "sweep_final_rates", "online", "paradoxical", "spiking_activity", "figures_for"]

E_COLOR = "#c0392b"
I_COLOR = "#2e6fba"
CLASSES = ("EE", "EI", "IE", "II")  # W_XY: onto X from Y, the column order of every weights array
CLASS_COLORS = {"EE": E_COLOR, "EI": "#8e44ad", "IE": "#e67e22", "II": I_COLOR}


def _axes(ax, figsize=(5.5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _unit(run: Run, name: str, default: str) -> str:
    return run.units.get(name) or default


def _plot_ei(ax, x, e, i, suffix: str = "", **style):
    """E and I series in their colours; the one place the E/I pair is drawn."""
    ax.plot(x, e, color=E_COLOR, label=f"E{suffix}", **style)
    ax.plot(x, i, color=I_COLOR, label=f"I{suffix}", **style)


def _set_points(ax, run: Run):
    """Dashed lines at the E and I set points, when the summary has them."""
    for key, color in (("E_set_hz", E_COLOR), ("I_set_hz", I_COLOR)):
        value = run.summary.get(key)
        if value is not None:
            ax.axhline(value, color=color, linestyle="--", linewidth=1, alpha=0.7)


def _plot_weights(ax, x, w, xlabel: str, unit: str):
    for k, cls in enumerate(CLASSES):
        ax.plot(x, w[:, k], color=CLASS_COLORS[cls], label=f"$W_{{{cls}}}$")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"weight ({unit})" if unit else "weight")
    ax.legend(fontsize="small", ncol=2)


def _column(a: np.ndarray, name: str, network: int) -> np.ndarray:
    if not 0 <= network < a.shape[1]:
        raise ValueError(f"network {network} out of range: '{name}' holds {a.shape[1]} networks")
    return a[:, network]


def rates_across_trials(run: Run, ax=None, network: int = 0):
    """Low-passed E and I rates across trials, dashed lines at the set points (001 Figs. 2B, 4B top)."""
    e, i = run.array("lowpass_E"), run.array("lowpass_I")
    ax = _axes(ax)
    trials = np.arange(1, e.shape[0] + 1)
    _plot_ei(ax, trials, _column(e, "lowpass_E", network), _column(i, "lowpass_I", network))
    _set_points(ax, run)
    ax.set_xlabel("trial")
    ax.set_ylabel(f"low-passed rate ({_unit(run, 'lowpass_E', 'Hz')})")
    ax.set_title(f"rates across trials (network {network})")
    ax.legend(fontsize="small")
    return ax


def weights_across_trials(run: Run, ax=None, network: int = 0):
    """The four weight classes across trials; trial 0 is the initial weights (001 Fig. 4B bottom)."""
    w = run.array("weights")
    if w.ndim != 3 or w.shape[2] != 4:
        raise ValueError(f"'weights' must be [trials+1, batch, 4], got shape {w.shape}")
    if not 0 <= network < w.shape[1]:
        raise ValueError(f"network {network} out of range: 'weights' holds {w.shape[1]} networks")
    ax = _axes(ax)
    _plot_weights(ax, np.arange(w.shape[0]), w[:, network, :], "trial", _unit(run, "weights", ""))
    ax.set_title(f"weights across trials (network {network})")
    return ax


def trial_traces(run: Run, fig=None, max_cols: int = 5):
    """E and I rates within the recorded trials, one panel per trial (001 Fig. 4C)."""
    traces, t = run.array("traces"), run.array("trace_time_ms")
    trials = run.array("trace_trials")
    if traces.ndim != 3 or traces.shape[0] != len(trials) or traces.shape[1] != len(t):
        raise ValueError(f"'traces' shape {traces.shape} does not match trace_trials ({len(trials)}) "
                         f"and trace_time_ms ({len(t)})")
    n = len(trials)
    ncols, nrows = min(n, max_cols), -(-n // max_cols)
    if fig is None:
        fig = plt.figure(figsize=(2.6 * ncols + 0.6, 2.4 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    for ax, trial, trace in zip(axes, trials, traces):
        _plot_ei(ax, t, trace[:, 0], trace[:, 1])
        ax.set_title(f"trial {int(trial)}")
        ax.set_xlabel(f"time ({_unit(run, 'trace_time_ms', 'ms')})")
    axes[0].set_ylabel(f"rate ({_unit(run, 'traces', 'Hz')})")
    axes[0].legend(fontsize="small")
    return fig


def sweep_final_rates(run: Run, ax=None):
    """Final low-passed E and I rate of every network of the batch, with the set points (001 Fig. 4D)."""
    finals = [run.array("lowpass_E")[-1], run.array("lowpass_I")[-1]]
    ax = _axes(ax, figsize=(4, 3.5))
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, size=finals[0].shape)  # fixed: stable images
    for x, (final, color) in enumerate(zip(finals, (E_COLOR, I_COLOR))):
        ax.scatter(x + jitter, final, s=10, color=color, alpha=0.6)
    for x, key in enumerate(("E_set_hz", "I_set_hz")):
        if run.summary.get(key) is not None:
            ax.plot([x - 0.3, x + 0.3], [run.summary[key]] * 2, "k--", linewidth=1)
    ax.set_xticks([0, 1], ["E", "I"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylabel(f"final low-passed rate ({_unit(run, 'lowpass_E', 'Hz')})")
    diverged = int(np.sum(~np.isfinite(finals[0]) | ~np.isfinite(finals[1])))
    ax.set_title(f"{finals[0].size} networks" + (f", {diverged} not finite" if diverged else ""))
    return ax


def online(run: Run, fig=None):
    """Online plasticity: rates and calcium-like sensors (top) and weights (bottom) vs time (001 Fig. S4)."""
    t = run.array("online_time_s")
    rates, sensors, w = run.array("online_rates"), run.array("online_sensors"), run.array("online_weights")
    if fig is None:
        fig = plt.figure(figsize=(7, 5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    _plot_ei(top, t, rates[:, 0], rates[:, 1], linewidth=0.8, alpha=0.6)
    _plot_ei(top, t, sensors[:, 0], sensors[:, 1], suffix=" sensor", linewidth=1.5, linestyle="-.")
    _set_points(top, run)
    top.set_ylabel(f"rate ({_unit(run, 'online_rates', 'Hz')})")
    top.legend(fontsize="small", ncol=2)
    _plot_weights(bottom, t, w, f"time ({_unit(run, 'online_time_s', 's')})", _unit(run, "online_weights", ""))
    return fig


def paradoxical(run: Run, ax=None):
    """E and I rates with fixed weights; the vertical line marks the perturbation (001 Figs. 1B–C)."""
    t, r = run.array("trace_time_ms"), run.array("trace_rates")
    ax = _axes(ax)
    _plot_ei(ax, t, r[:, 0], r[:, 1])
    at = run.summary.get("perturbation_at_ms")
    if at is not None:
        ax.axvline(at, color="k", linestyle=":", linewidth=1)
    ax.set_xlabel(f"time ({_unit(run, 'trace_time_ms', 'ms')})")
    ax.set_ylabel(f"rate ({_unit(run, 'trace_rates', 'Hz')})")
    ax.legend(fontsize="small")
    return ax


def _population_names(run: Run) -> list[str]:
    return [name[len("spike_times_"):] for name in run.arrays if name.startswith("spike_times_")]


def _population_color(name: str, k: int) -> str:
    return {"E": E_COLOR, "I": I_COLOR}.get(name, f"C{k}")


def spiking_activity(run: Run, fig=None, max_neurons: int = 200):
    """Spike raster (at most `max_neurons` neurons per population) and binned population rates."""
    pops = _population_names(run)
    if fig is None:
        fig = plt.figure(figsize=(7.0, 5.0), layout="constrained")
    raster, rates = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    offset = 0
    bin_ms = float(str(run.config.get("record", {}).get("rate_bin", "10 ms")).split()[0])
    for k, pop in enumerate(pops):
        t, ids = run.arrays[f"spike_times_{pop}"], run.arrays[f"spike_ids_{pop}"]
        keep = ids < max_neurons
        color = _population_color(pop, k)
        raster.scatter(t[keep], ids[keep] + offset, s=1.0, color=color, linewidths=0, label=pop)
        offset += int(min(max_neurons, run.config["populations"][pop]["size"]))
        if f"rate_{pop}" in run.arrays:
            r = run.arrays[f"rate_{pop}"]
            rates.plot((np.arange(r.size) + 0.5) * bin_ms, r, color=color, label=pop)
    raster.set_ylabel("neuron")
    raster.legend(loc="upper right", markerscale=6, fontsize="small")
    rates.set_xlabel("time (ms)")
    rates.set_ylabel("rate (Hz)")
    return fig


def _batch(run: Run) -> int:
    if "lowpass_E" in run.arrays:
        return run.arrays["lowpass_E"].shape[1]
    return int(run.config.get("run", {}).get("batch", 1))


def figures_for(run: Run) -> list[tuple[str, Callable]]:
    """(name, function) of every figure that applies to the run's study; each function takes the run."""
    if run.study == "trial_plasticity":
        figs = [rates_across_trials, weights_across_trials, trial_traces]
        if _batch(run) > 1:
            figs.append(sweep_final_rates)
        if "final_unit_rates_E" in run.arrays and run.arrays["final_unit_rates_E"].shape[1] > 1:
            from .plot_analysis import final_unit_rates, unit_input_weights
            figs.append(final_unit_rates)
            if "final_unit_input_weights_E" in run.arrays and "final_unit_input_weights_I" in run.arrays:
                figs.append(unit_input_weights)
    elif run.study == "online_plasticity":
        figs = [online]
    elif run.study == "fixed_weights":
        figs = [paradoxical]
    elif run.study == "spiking":
        figs = [spiking_activity]
    elif run.study == "convergence":
        from .plot_numerics import convergence_errors, lyapunov_by_length, spike_time_error_vs_crossing_speed
        figs = [convergence_errors, spike_time_error_vs_crossing_speed]
        if "lyapunov_by_length" in run.arrays:
            figs.append(lyapunov_by_length)
    elif run.study == "stability_map":
        from .plot_analysis import stability_maps
        figs = [stability_maps]
    elif run.study == "up_state_scan":
        from .plot_analysis import up_state_scan
        figs = [up_state_scan]
    elif run.study in ("synaptic_balancing", "rnn_training"):  # paper 004
        from .plot_balancing import figures
        figs = figures(run)
    elif run.study == "lowrank":
        from . import plot_lowrank

        figs = plot_lowrank.figures(run)
    elif run.study == "spiking_training":
        from .plot_training import training_figures
        figs = training_figures(run)
    else:
        figs = []
    return [(f.__name__, f) for f in figs]
