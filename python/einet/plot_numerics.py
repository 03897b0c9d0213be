"""Figures of a convergence run (paper 003): errors against the step size with the fitted orders,
spike-time error against crossing speed, and the Lyapunov estimates against the measured length."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .load import Run

__all__ = ["convergence_errors", "spike_time_error_vs_crossing_speed", "lyapunov_by_length"]

# (metric column, summary key of its order, panel title)
_PANELS = (("ste_rms", "strong_order_spike_time", "RMS spike-time error (ms)"),
           ("strong_v", "strong_order_v", "RMS error of v(T) (mV)"),
           ("weak_count", "weak_order", "|E[N_h - N_ref]| (spikes)"),
           ("p_mismatch", "mismatch_order", "P(spike-count mismatch)"))
_COLORS = {"euler_maruyama": "#c0392b", "exact": "#2e6fba", "exact_interpolated": "#27ae60"}


def _metric_columns(run: Run, name: str) -> list[str]:
    axes = run.index[name]["axes"]
    return [m.strip() for m in axes[axes.index("metric (") + len("metric ("):axes.rindex(")")].split(",")]


def convergence_errors(run: Run, fig=None):
    """Errors of each integrator against the reference on the same Brownian paths, log–log in h,
    with the fitted order and its 95 % bootstrap interval (spec 003 §6.2, §6.4)."""
    if fig is None:
        fig = plt.figure(figsize=(9.0, 6.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    h = run.array("h")
    for name in run.summary.get("integrators", []):
        errors = run.array(f"errors_{name}")
        columns = _metric_columns(run, f"errors_{name}")
        for ax, (metric, key, title) in zip(axes, _PANELS):
            e = np.abs(errors[:, columns.index(metric)])
            keep = np.isfinite(e) & (e > 0)
            order = run.summary.get(key, {}).get(name)
            ci = run.summary.get(f"{key}_ci", {}).get(name, [np.nan, np.nan])
            label = f"{name}: {order:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if order is not None and np.isfinite(order) else name
            ax.loglog(h[keep], e[keep], "o-", color=_COLORS.get(name), label=label)
            ax.set_title(title, fontsize="medium")
    for ax in axes:
        ax.set_xlabel("h (ms)")
        ax.legend(fontsize="x-small")
    return fig


def spike_time_error_vs_crossing_speed(run: Run, fig=None):
    """|spike-time error| against 1/A at the finest step (spec 003 Eq. 3.1: t_h − t* ≈ τ_m δv/A),
    with the paper's h^{1/2}/A line."""
    if fig is None:
        fig = plt.figure(figsize=(5.5, 4.0), layout="constrained")
    ax = fig.subplots()
    h = float(run.array("h")[-1])
    for name in run.summary.get("integrators", []):
        pairs = run.array(f"ste_vs_A_{name}")
        keep = (pairs[:, 1] > 0) & (pairs[:, 0] != 0)
        ax.loglog(1.0 / pairs[keep, 1], np.abs(pairs[keep, 0]), ".", ms=2, alpha=0.4, color=_COLORS.get(name), label=name)
    inv_a = np.logspace(-0.5, 2, 20)
    ax.loglog(inv_a, np.sqrt(h) * inv_a, "k--", lw=1, label=r"$h^{1/2}/A$")
    ax.set_xlabel("1/A (1/mV)")
    ax.set_ylabel("|t_h - t_ref| (ms)")
    ax.set_title(f"h = {h:g} ms", fontsize="medium")
    ax.legend(fontsize="x-small", markerscale=4)
    return fig


def lyapunov_by_length(run: Run, ax=None):
    """Largest Lyapunov exponent by saltation (tangent), trajectory divergence and the flux formula,
    against the measured length (spec 003 §4.4)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.5), layout="constrained")
    data = run.array("lyapunov_by_length")
    for col, label, style in ((1, "saltation (tangent)", "o-"), (2, "divergence", "s--"), (3, "flux formula", "k:")):
        ax.plot(data[:, 0], data[:, col], style, label=label)
    ax.set_xlabel("measured length T (ms)")
    ax.set_ylabel("largest exponent (1/ms)")
    ax.legend(fontsize="small")
    return ax.figure
