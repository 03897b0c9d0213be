"""Figures of the analysis studies of paper 001 (stability maps, Figs. 2F–H, 4H, S8–S12; Up-state scan, Fig. S13).
Same conventions as plot.py: functions take a Run, return matplotlib objects and never show them."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D

from .load import Run

__all__ = ["stability_maps", "up_state_scan", "final_unit_rates", "unit_input_weights"]

# Zero lines of the margins of map_margins, in its order (SI Eqs. 22, 23, 25, 26, 27).
BOUNDARIES = (("det (SI Eq. 22)", "k", "-"), ("trace (SI Eq. 23)", "k", "--"),
              ("W_EI > 0 (SI Eq. 25)", "#7f8c8d", ":"), ("W_II > 0 (SI Eq. 26)", "#7f8c8d", "-."),
              ("paradoxical W_EE g_E = 1 (SI Eq. 27)", "#27ae60", "-"))
CLASSES = ("EE", "EI", "IE", "II")


def stability_maps(run: Run, fig=None):
    """Rule stability on the set-point plane per panel: numerical route (fill), closed form (red contour), boundaries."""
    x, y = run.array("map_W_EE"), run.array("map_W_IE")
    numeric, closed = run.array("map_numeric_stable"), run.array("map_closed_form_stable")
    margins = run.array("map_margins")
    panels = run.summary.get("panels", [])
    n = numeric.shape[0]
    ncols = min(n, 4)
    nrows = -(-n // ncols)
    if fig is None:
        fig = plt.figure(figsize=(3.4 * ncols + 2.6, 3.3 * nrows + 0.3), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    axes = axes[:n]
    neural = (margins[0] > 0) & (margins[1] > 0)
    extent = (x[0], x[-1], y[0], y[-1])
    for k, ax in enumerate(axes):
        # 0: neither, 1: neural only, 2: rule only, 3: both (the overlap the paper shades).
        code = neural.astype(int) + 2 * (numeric[k] > 0.5)
        ax.imshow(code, origin="lower", extent=extent, aspect="auto", vmin=0, vmax=3, interpolation="nearest",
                  cmap=ListedColormap(["white", "#d6eaf8", "#fadbd8", "#a569bd"]))
        if np.isfinite(closed[k]).any():
            ax.contour(x, y, closed[k], levels=[0.5], colors="#c0392b", linewidths=1.2)
        for (label, color, style), m in zip(BOUNDARIES, margins):
            if m.min() < 0 < m.max():
                ax.contour(x, y, m, levels=[0.0], colors=color, linestyles=style, linewidths=1.0)
        info = panels[k] if k < len(panels) else {}
        agree = info.get("agreement_fraction")
        ax.set_title(f"{info.get('name', k)}" + (f"\nagreement {agree:.4f}" if agree is not None else ""), fontsize="small")
        ax.set_xlabel("$W_{EE}$")
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(y[0], y[-1])
    for ax in axes[::ncols]:
        ax.set_ylabel("$W_{IE}$")
    handles = [Line2D([], [], color=c, linestyle=s, label=l) for l, c, s in BOUNDARIES]
    handles += [Line2D([], [], color="#c0392b", label="closed-form rule boundary"),
                plt.Rectangle((0, 0), 1, 1, color="#d6eaf8", label="neural stable only"),
                plt.Rectangle((0, 0), 1, 1, color="#fadbd8", label="rule stable only (numerical)"),
                plt.Rectangle((0, 0), 1, 1, color="#a569bd", label="both")]
    axes[-1].legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="x-small")
    return fig


def up_state_scan(run: Run, fig=None):
    """E_up and I_up against each weight, the others at their base values (001 Fig. S13, SI Eqs. 18–19)."""
    v, e, i, valid = (run.array(k) for k in ("scan_values", "scan_E_up", "scan_I_up", "scan_valid"))
    if fig is None:
        fig = plt.figure(figsize=(11, 3.0), layout="constrained")
    axes = fig.subplots(1, 4)
    for c, ax in enumerate(axes):
        ok = valid[c] > 0.5
        ax.plot(v, np.where(ok, e[c], np.nan), color="#c0392b", label="$E_{up}$")
        ax.plot(v, np.where(ok, i[c], np.nan), color="#2e6fba", label="$I_{up}$")
        ax.set_xlabel(f"$W_{{{CLASSES[c]}}}$")
        ax.set_ylim(0, 50)  # the Up state diverges where C -> 0; the paper's panels show the finite range
    axes[0].set_ylabel("rate (Hz)")
    axes[0].legend(fontsize="small")
    return fig


def final_unit_rates(run: Run, fig=None):
    """Final low-passed rate of every unit (all runs pooled), set points dashed (001 Figs. 5-6 C, G)."""
    if fig is None:
        fig = plt.figure(figsize=(7, 3.0), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, pop, color, key in zip(axes, ("E", "I"), ("#c0392b", "#2e6fba"), ("E_set_hz", "I_set_hz")):
        rates = run.array(f"final_unit_rates_{pop}").ravel()
        ax.hist(rates[np.isfinite(rates)], bins=40, color=color, alpha=0.8)
        if run.summary.get(key) is not None:
            ax.axvline(run.summary[key], color="k", linestyle="--", linewidth=1)
        ax.set_xlabel(f"final rate of {pop} units (Hz)")
        err = run.summary.get(f"max_unit_rel_error_{pop}")
        ax.set_title(f"{pop}: max relative error {err:.3f}" if err is not None else pop, fontsize="small")
    axes[0].set_ylabel("units")
    return fig


def unit_input_weights(run: Run, fig=None, network: int = 0):
    """Each unit's total input weight from E against that from I after the last trial, one panel per
    population, with the population's set-point line (SI Eq. 24 per unit, slope E_set/I_set; 001
    Figs. 5D-E, 6D-E): units that fire at their set point lie on it."""
    if fig is None:
        fig = plt.figure(figsize=(7, 3.2), layout="constrained")
    axes = fig.subplots(1, 2)
    e_set, i_set = run.summary.get("E_set_hz"), run.summary.get("I_set_hz")
    model = run.config.get("model", {})
    for ax, pop, color in zip(axes, ("E", "I"), ("#c0392b", "#2e6fba")):
        t = run.array(f"final_unit_input_weights_{pop}")[network]  # [unit, presynaptic population]
        ax.scatter(t[:, 0], t[:, 1], s=10, color=color, label=f"{pop} units")
        params = model.get(pop, {})
        x_set = e_set if pop == "E" else i_set
        if None not in (e_set, i_set, x_set) and "gain" in params and "threshold" in params:
            x = np.linspace(t[:, 0].min(), t[:, 0].max(), 2)
            line = (x * e_set - params["threshold"] - x_set / params["gain"]) / i_set
            ax.plot(x, line, "k--", linewidth=1, label=f"set-point line (slope {e_set / i_set:.3f})")
        ax.set_xlabel(f"total weight onto a {pop} unit from E")
        ax.set_ylabel(f"total weight onto a {pop} unit from I")
        ax.legend(fontsize="x-small")
    return fig
