"""Figures of study "lowrank" (paper 000): latent trajectories against their boundary or target,
the trajectory in the latent plane with the E and I boundary lines, and spike rasters."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .load import Run

E_COLOR, I_COLOR = "#c0392b", "#2c7fb8"


def _pops(run: Run) -> list[str]:
    return [n[2:] for n in run.arrays if n.startswith("y_")]


def _window(run: Run) -> np.ndarray:
    t = run.arrays["t"]
    start = float(str(run.config["lowrank"].get("measure_from", "0 ms")).split()[0])
    return t >= start


def latent_vs_input(run: Run, fig=None):
    """Latent readouts against the input x, with the target (crossing point or designed boundary)."""
    fig = fig or plt.figure(figsize=(6.5, 4.0), layout="constrained")
    ax = fig.subplots()
    x, keep = run.arrays["x"], _window(run)
    ramp = np.ptp(x[keep]) > 0
    t = run.arrays["t"]
    axis = x if ramp else t
    for name in _pops(run):
        y = run.arrays[f"y_{name}"]
        color = E_COLOR if name == "E" else I_COLOR
        sign = -1.0 if np.nanmean(y) < 0 and len(_pops(run)) == 2 else 1.0
        ax.plot(axis[keep], sign * y[keep], color=color, lw=0.8, label=f"{'|y^' + name + '|' if sign < 0 else 'y^' + name}")
    target = run.arrays["target"]
    ax.plot(axis[keep], target[keep], "k--", lw=1.0, label="target")
    if "target_yI" in run.arrays:
        ax.plot(axis[keep], run.arrays["target_yI"][keep], "k:", lw=1.0, label="|y^I| at crossing")
    ax.set_xlabel("input x" if ramp else "time (ms)")
    ax.set_ylabel("latent")
    ax.legend(fontsize="small")
    return fig


def latent_plane(run: Run, fig=None):
    """Trajectory in the (y^E, |y^I|) plane with both boundary lines at the final input (rank 2)."""
    if len(_pops(run)) != 2:
        raise ValueError("a rank-2 network only")
    fig = fig or plt.figure(figsize=(4.5, 4.0), layout="constrained")
    ax = fig.subplots()
    keep = _window(run)
    yE, yI = run.arrays["y_E"][keep], -run.arrays["y_I"][keep]
    ax.plot(yE, yI, color="0.3", lw=0.7)
    x = float(run.arrays["x"][-1])
    g = np.linspace(0, max(1.0, yE.max() * 1.3), 200)
    for name, color in (("E", E_COLOR), ("I", I_COLOR)):
        n = run.config["neurons"][name]
        size = int(n["size"])
        arr = lambda k: np.broadcast_to(np.asarray(n[k], dtype=float), (size,))  # noqa: E731
        a, c = (arr("E_self"), arr("E_cross")) if name == "E" else (arr("E_cross"), arr("E_self"))
        lines = (arr("F")[:, None] * x + a[:, None] * g[None, :] - arr("T")[:, None]) / c[:, None]
        ax.plot(g, lines.max(axis=0), color=color, label=f"{name} boundary")
    s = run.summary
    if "nullcline_yE" in run.arrays:  # rate networks (Fig 11): the nullclines of the latent model S16
        g = run.arrays["nullcline_yE"]
        ax.plot(g, run.arrays["nullcline_E"], color=E_COLOR, ls="--", label="E nullcline")
        ax.plot(g, run.arrays["nullcline_I"], color=I_COLOR, ls="--", label="I nullcline")
    if "crossing_yE" in s:
        ax.plot(np.ravel(s["crossing_yE"])[:1], np.ravel(s["crossing_yI"])[:1], "ko", label="crossing")  # (first sweep point)
    ax.set_xlabel("y^E")
    ax.set_ylabel("|y^I|")
    ax.legend(fontsize="small")
    return fig


def raster(run: Run, fig=None):
    """Spike raster per population (E above I)."""
    fig = fig or plt.figure(figsize=(6.5, 3.0), layout="constrained")
    ax = fig.subplots()
    offset = 0
    for name in _pops(run)[::-1]:
        t, ids = run.arrays[f"spike_times_{name}"], run.arrays[f"spike_ids_{name}"]
        ax.scatter(t, ids + offset, s=3, color=E_COLOR if name == "E" else I_COLOR, linewidths=0, label=name)
        offset += int(run.config["neurons"][name]["size"])
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.legend(fontsize="small", markerscale=3)
    return fig


def dc_decomposition(run: Run, fig=None):
    """The target f = q - p and its convex parts q (E boundary) and p (I boundary), spec A2 (Fig 14)."""
    fig = fig or plt.figure(figsize=(6.5, 3.5), layout="constrained")
    ax = fig.subplots()
    x = run.arrays["x"]
    order = np.argsort(x, kind="stable")
    for key, color, label in (("dc_f", "k", "f = q - p"), ("dc_q", E_COLOR, "q (E)"), ("dc_p", I_COLOR, "p (I)")):
        ax.plot(x[order], run.arrays[key][order], color=color, lw=1.0, label=label)
    ax.set_xlabel("input x")
    ax.legend(fontsize="small")
    return fig


def smooth_dc(run: Run, fig=None):
    """Fig 14a-d: the smooth target f (GP sample), q = f + lambda (x - c)^2/2 and p = lambda (x - c)^2/2,
    and their second differences (q'' and p'' >= 0: convex), with the piecewise-linear version's knots."""
    fig = fig or plt.figure(figsize=(7.5, 3.2), layout="constrained")
    a, b = fig.subplots(1, 2)
    x, f, q, p = (run.arrays[k] for k in ("gp_x", "gp_f", "gp_q", "gp_p"))
    a.plot(x, f, "k", lw=1.0, label="f")
    a.plot(run.arrays["dc_knots"], run.arrays["dc_values"], "k.--", lw=0.7, label="f (knots at extrema)")
    a.plot(x, q, color=E_COLOR, lw=1.0, label="q")
    a.plot(x, p, color=I_COLOR, lw=1.0, label="p")
    a.set_xlabel("x")
    a.legend(fontsize="small")
    d2 = lambda g: np.diff(g, 2) / (x[1] - x[0]) ** 2  # noqa: E731
    for g, color, label in ((f, "k", "f''"), (q, E_COLOR, "q''"), (p, I_COLOR, "p''")):
        b.plot(x[1:-1], d2(g), color=color, lw=1.0, label=label)
    b.axhline(0, color="0.6", lw=0.5)
    b.set_xlabel("x")
    b.legend(fontsize="small")
    return fig


def soft_boundary(run: Run, fig=None):
    """Fig 9e: binned trial-averaged tau dy/dt against y (the soft boundary) with the closed forms
    -y (below the boundary) and -y + (tau/tau_s) D (pulse on), from the run's pooled samples."""
    fig = fig or plt.figure(figsize=(4.5, 3.5), layout="constrained")
    ax = fig.subplots()
    s = run.summary
    ys, dys = run.arrays["velocity_samples_y"], run.arrays["velocity_samples_dy"]
    ax.scatter(ys, dys, s=1, color="0.8", linewidths=0, label="samples")
    y = np.asarray(s["velocity_y"], dtype=float)
    ax.plot(y, np.asarray(s["velocity_mean"], dtype=float), color=I_COLOR, lw=1.5, label="trial average")
    ax.plot(y, -y, "k--", lw=0.8, label="-y")
    pops = run.config["neurons"]
    first = pops[_pops(run)[0]]
    if "tau_s" in first:  # the closed form while a pulse is on: -y + (tau/tau_s) D
        tau = float(str(run.config["lowrank"].get("tau", "10 ms")).split()[0])
        push = tau / float(str(first["tau_s"]).split()[0]) * float(np.ravel(first["D"])[0])
        ax.plot(y, -y + push, "k:", lw=0.8, label="-y + (tau/tau_s) D")
    if "soft_boundary_midpoint" in s:
        ax.axvline(s["soft_boundary_midpoint"], color="0.5", lw=0.5)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("y")
    ax.set_ylabel("tau dy/dt")
    ax.legend(fontsize="small")
    return fig


def unit_rates(run: Run, fig=None):
    """Fig 10e, f: per-neuron rates against the input (rho of a rate network, or the trial-averaged
    smoothed spike probabilities of a spiking network in the same units)."""
    fig = fig or plt.figure(figsize=(6.5, 3.5), layout="constrained")
    ax = fig.subplots()
    x, keep = run.arrays["x"], _window(run)
    for name in _pops(run):
        u = run.arrays[f"unit_rates_{name}"]
        cmap = plt.get_cmap("Reds" if name == "E" else "Blues")
        for i in range(u.shape[1]):
            ax.plot(x[keep], u[keep, i], color=cmap(0.3 + 0.7 * i / max(1, u.shape[1] - 1)), lw=0.6)
    ax.set_xlabel("input x")
    ax.set_ylabel("rate (rho units)")
    return fig


def has_spikes(run: Run) -> bool:
    return run.config["lowrank"].get("network", "spiking") != "rate"


FIGURES = [latent_vs_input, latent_plane, raster, dc_decomposition, smooth_dc, soft_boundary, unit_rates]


def figures(run: Run) -> list:
    """The figures that apply to a run (a swept initial-latent run shows its soft boundary only)."""
    needs = {latent_plane: "y_E" in run.arrays and "y_I" in run.arrays, dc_decomposition: "dc_f" in run.arrays,
             raster: has_spikes(run), smooth_dc: "gp_f" in run.arrays, soft_boundary: "velocity_samples_y" in run.arrays,
             unit_rates: any(k.startswith("unit_rates_") for k in run.arrays)}
    return [f for f in FIGURES if needs.get(f, True)]
