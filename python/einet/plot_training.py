"""Figures of a spiking training run (study "spiking_training", paper 001 Fig. 7 B-L). Every
function takes a Run, returns a matplotlib Figure and never shows it; the first docstring line is
the caption in the report."""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from .load import Run

__all__ = ["training_trials", "training_rates", "training_weights", "weight_matrix", "summed_weights",
           "rate_histograms", "cv_isi_distribution", "paradoxical_psth", "sweep_mse", "training_figures"]

E_COLOR = "#c0392b"
I_COLOR = "#2e6fba"
CLASS_COLORS = {"EE": E_COLOR, "EI": "#8e44ad", "IE": "#e67e22", "II": I_COLOR}


def _set_points(run: Run) -> tuple[float, float]:
    t = run.config.get("training", {})
    return (float(str(t.get("E_set", "5 Hz")).split()[0]), float(str(t.get("I_set", "14 Hz")).split()[0]))


def _classes(run: Run) -> list[str]:
    axes = run.index.get("training_weight_mean", {}).get("axes", "")
    m = re.search(r"\[([^\]]*)\]", axes)
    return m.group(1).split(",") if m else ["EE", "IE", "EI", "II"]


def _moving(x: np.ndarray, n: int = 5) -> np.ndarray:
    """Trailing moving average over `n` trials (Fig. 7C), shorter at the start."""
    c = np.cumsum(np.insert(x, 0, 0.0))
    k = np.arange(1, x.size + 1)
    lo = np.maximum(k - n, 0)
    return (c[k] - c[lo]) / (k - lo)


def _stored_trials(run: Run) -> list[int]:
    return sorted({int(m.group(1)) for name in run.arrays if (m := re.match(r"trial(\d+)_spike_times_E$", name))})


def training_trials(run: Run, fig=None, max_neurons: int = 200):
    """Rasters (first neurons of E and I), 10-ms PSTHs and V of one E and one I unit of the stored trials (Fig. 7B)."""
    trials = _stored_trials(run)
    if fig is None:
        fig = plt.figure(figsize=(2.6 * max(1, len(trials)), 5.6), layout="constrained")
    with_v = any(f"trial{t}_V_E" in run.arrays for t in trials)
    axes = fig.subplots(3 if with_v else 2, max(1, len(trials)), sharex=True, squeeze=False)
    T = float(str(run.config.get("run", {}).get("duration", "1.5 s")).split()[0]) * 1e3
    for c, t in enumerate(trials):
        for k, (pop, color) in enumerate((("E", E_COLOR), ("I", I_COLOR))):
            times, ids = run.arrays[f"trial{t}_spike_times_{pop}"], run.arrays[f"trial{t}_spike_ids_{pop}"]
            keep = ids < max_neurons
            axes[0, c].scatter(times[keep], ids[keep] + k * max_neurons, s=0.5, color=color, linewidths=0)
            n = int(run.config["populations"][pop]["size"])
            h, edges = np.histogram(times, bins=np.arange(0.0, T + 10.0, 10.0))
            axes[1, c].plot(edges[:-1], h / (0.01 * n), color=color, label=pop)
            if f"trial{t}_V_{pop}" in run.arrays:
                v = run.arrays[f"trial{t}_V_{pop}"]
                axes[2, c].plot(np.arange(1, v.shape[0] + 1), v[:, 0], color=color, linewidth=0.6)
        axes[0, c].set_title(f"trial {t}", fontsize="small")
        axes[-1, c].set_xlabel("time (ms)")
    axes[0, 0].set_ylabel("neuron (E, then I)")
    axes[1, 0].set_ylabel("rate (Hz)")
    axes[1, 0].legend(fontsize="small")
    if with_v:
        axes[2, 0].set_ylabel("V (mV)")
    return fig


def training_rates(run: Run, fig=None):
    """Population mean rates per trial (5-trial moving average) with the set points (Fig. 7C)."""
    fig = fig or plt.figure(figsize=(5.5, 3.5), layout="constrained")
    ax = fig.subplots()
    E, I = run.arrays["training_rate_E"], run.arrays["training_rate_I"]
    x = np.arange(1, E.size + 1)
    ax.plot(x, _moving(E), color=E_COLOR, label="E")
    ax.plot(x, _moving(I), color=I_COLOR, label="I")
    for v, c in zip(_set_points(run), (E_COLOR, I_COLOR)):
        ax.axhline(v, color=c, linestyle="--", linewidth=1, alpha=0.7)
    ax.set_xlabel("trial")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize="small")
    return fig


def training_weights(run: Run, fig=None):
    """Mean weight of every class per trial (Fig. 7D)."""
    fig = fig or plt.figure(figsize=(5.5, 3.5), layout="constrained")
    ax = fig.subplots()
    w = run.arrays["training_weight_mean"]
    for k, cls in enumerate(_classes(run)):
        ax.plot(np.arange(w.shape[0]), w[:, k], color=CLASS_COLORS.get(cls, f"C{k}"), label=f"$W_{{{cls}}}$")
    ax.set_xlabel("trial")
    ax.set_ylabel("mean weight (pA)")
    ax.legend(fontsize="small", ncol=2)
    return fig


def weight_matrix(run: Run, fig=None):
    """Final signed weights among the first 10 % of E and I units (Fig. 7E; inhibition negative)."""
    fig = fig or plt.figure(figsize=(4.5, 4.0), layout="constrained")
    ax = fig.subplots()
    m = run.arrays["weight_matrix_subset"]
    lim = float(np.max(np.abs(m))) or 1.0
    im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    fig.colorbar(im, ax=ax, label="weight (pA)")
    ax.set_xlabel("presynaptic unit")
    ax.set_ylabel("postsynaptic unit")
    return fig


def summed_weights(run: Run, fig=None):
    """Per-unit summed incoming E vs I weights before and after training (Fig. 7F-G, J-K)."""
    fig = fig or plt.figure(figsize=(7.0, 3.3), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, (exc, inh, post) in zip(axes, (("EE", "EI", "E"), ("IE", "II", "I"))):
        for when, color in (("initial", "0.6"), ("final", E_COLOR if post == "E" else I_COLOR)):
            names = (f"summed_weights_{exc}_{when}", f"summed_weights_{inh}_{when}")
            if not all(n in run.arrays for n in names):
                continue
            x, y = (run.arrays[n] for n in names)
            ax.scatter(x / 1e3, y / 1e3, s=2, color=color, label=when, linewidths=0)
        ax.set_xlabel(f"$\\Sigma W_{{{exc}}}$ (nA)")
        ax.set_ylabel(f"$\\Sigma W_{{{inh}}}$ (nA)")
        ax.set_title(f"onto {post} units", fontsize="small")
        ax.legend(fontsize="small", markerscale=4)
    return fig


def rate_histograms(run: Run, fig=None):
    """Unit rates of the last trial against the set points (Fig. 7H)."""
    fig = fig or plt.figure(figsize=(5.5, 3.3), layout="constrained")
    ax = fig.subplots()
    bins = np.linspace(0, 30, 61)
    for pop, color, sp in (("E", E_COLOR, _set_points(run)[0]), ("I", I_COLOR, _set_points(run)[1])):
        r = run.arrays[f"final_rates_{pop}"]
        ax.hist(np.clip(r, 0, 30), bins=bins, color=color, alpha=0.6, label=pop, density=True)
        ax.axvline(sp, color=color, linestyle="--", linewidth=1)
    ax.set_xlabel("rate (Hz)")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return fig


def cv_isi_distribution(run: Run, fig=None):
    """CV of inter-spike intervals of the units in the Up states of the last trial (≈ 1: irregular)."""
    fig = fig or plt.figure(figsize=(5.0, 3.3), layout="constrained")
    ax = fig.subplots()
    for pop, color in (("E", E_COLOR), ("I", I_COLOR)):
        cv = run.arrays[f"cv_isi_{pop}"]
        cv = cv[np.isfinite(cv)]
        if cv.size:
            ax.hist(cv, bins=np.linspace(0, 2.5, 51), color=color, alpha=0.6, label=f"{pop} (median {np.median(cv):.2f})")
    ax.axvline(1.0, color="k", linestyle=":", linewidth=1)
    ax.set_xlabel("CV of ISI")
    ax.set_ylabel("units")
    ax.legend(fontsize="small")
    return fig


def paradoxical_psth(run: Run, fig=None):
    """PSTHs of the paradoxical test per injected current into I (kept trials; Fig. 7I)."""
    fig = fig or plt.figure(figsize=(7.0, 3.3), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    amps = run.arrays["paradox_amplitudes"]
    cmap = plt.get_cmap("viridis")
    for ax, pop in zip(axes, ("E", "I")):
        h = run.arrays[f"paradox_psth_{pop}"]
        for k, a in enumerate(amps):
            ax.plot((np.arange(h.shape[1]) + 0.5) * 10.0, h[k], color=cmap(k / max(1, len(amps) - 1)), label=f"{a:g} pA")
        p = run.config.get("paradoxical", {})
        for key in ("start", "stop"):
            ax.axvline(float(str(p.get(key, "0 ms")).split()[0]) * (1e3 if "s" == str(p.get(key, "")).split()[-1] else 1.0),
                       color="k", linestyle=":", linewidth=1)
        ax.set_title(f"{pop} units", fontsize="small")
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("rate (Hz)")
    axes[1].legend(fontsize="small")
    return fig


def sweep_mse(run: Run, fig=None):
    """MSE of the unit rates to their set points (SI Eq. 18) per trial for every network (Fig. 7L)."""
    fig = fig or plt.figure(figsize=(5.5, 3.5), layout="constrained")
    ax = fig.subplots()
    m = run.arrays["sweep_mse"]
    for k in range(m.shape[0]):
        ax.plot(np.arange(1, m.shape[1] + 1), _moving(m[k]), label=f"network {k + 1}")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("MSE (Hz$^2$)")
    ax.legend(fontsize="x-small", ncol=3)
    return fig


def training_figures(run: Run) -> list:
    """The figures whose arrays the run holds."""
    figs = [training_trials, training_rates, training_weights]
    need = {weight_matrix: "weight_matrix_subset", summed_weights: "summed_weights_EE_final",
            rate_histograms: "final_rates_E", cv_isi_distribution: "cv_isi_E", paradoxical_psth: "paradox_psth_I",
            sweep_mse: "sweep_mse"}
    figs += [f for f, name in need.items() if name in run.arrays]
    return figs
