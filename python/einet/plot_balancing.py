"""Figures of the paper-004 studies (synaptic_balancing, rnn_training). Every function takes a Run
and returns a matplotlib Figure; the first docstring line is the report caption."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .load import Run

SYNAPSES = "ABCDEFGH"


def ring_relaxation(run: Run):
    """Fig. 5: costs of synapses A–H, ‖g‖ and h(t) against the heat-equation approximation (Eq. 39)."""
    a = run.arrays
    fig, (c, g, h) = plt.subplots(1, 3, figsize=(13, 3.6))
    for k, name in enumerate(SYNAPSES):
        c.plot(a["t"], a["synapse_costs"][:, k], label=name)
    c.set(xlabel="time (τ_w)", ylabel="synaptic cost")
    c.legend(ncol=2, fontsize="small")
    g.semilogy(a["t"], a["grad_norm"])
    g.set(xlabel="time", ylabel="‖g‖")
    modes = a["laplacian_modes"]
    for m in (2, 4, 6):  # v3, v5, v7 (1-based as in the paper)
        line, = h.plot(a["t"], a["h"] @ modes[:, m], label=f"v{m + 1}")
        h.plot(a["t"], a["h_heat"] @ modes[:, m], "--", color=line.get_color())
    h.set(xlabel="time", ylabel="projection of h (dashed: Eq. 39)")
    h.legend(fontsize="small")
    fig.tight_layout()
    return fig


def two_neuron_costs(run: Run):
    """Fig. 3c–d: costs along the flow (solid) and the closed forms of Eqs. 29 and 31 (dashed)."""
    a = run.arrays
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, name, title in zip(axes, ("single", "pair"), ("single synapse (Eq. 31)", "reciprocal pair (Eq. 29)")):
        for k, lab in enumerate(("c12", "c21")):
            line, = ax.plot(a[f"t_{name}"], a[f"costs_{name}"][:, k], label=lab)
            ax.plot(a[f"t_{name}"], a[f"costs_exact_{name}"][:, k], "--", color="k", lw=0.8)
        ax.set(xlabel="time", ylabel="cost", title=title)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def two_unit_task(run: Run):
    """Fig. 1: hidden traces of network a and its balanced image b; noisy outputs of both."""
    a = run.arrays
    t = np.arange(len(a["u"])) * float(run.config["balancing"]["dt"])
    fig, (x, y) = plt.subplots(1, 2, figsize=(10, 3.6))
    for k in range(2):
        x.plot(t, a["x_original"][:, k], label=f"a: x{k + 1}")
        x.plot(t, a["x_balanced"][:, k], "--", label=f"b: x{k + 1}")
    x.set(xlabel="time (τ)", ylabel="hidden state")
    x.legend(fontsize="small")
    y.plot(t, a["y_noisy_original"], color="#c0392b", alpha=0.15, lw=0.6)
    y.plot(t, a["y_noisy_balanced"], color="#2e6fba", alpha=0.15, lw=0.6)
    y.set(xlabel="time (τ)", ylabel="output (red: a, blue: b)")
    fig.tight_layout()
    return fig


def rank_reduction(run: Run):
    """S1 appendix: relative cost reduction (C⁰ − C*)/C⁰ against the rank of J."""
    a = run.arrays
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    red = a["relative_reduction"]
    ax.errorbar(a["ranks"], red.mean(axis=1), yerr=red.std(axis=1), marker="o")
    ax.set(xscale="log", xlabel="rank of J", ylabel="(C⁰ − C*)/C⁰")
    fig.tight_layout()
    return fig


def training_balance(run: Run):
    """Fig. 4a: ℓ2 neural gradient norm ‖g‖ and training RMSE across iterations, per λ."""
    a = run.arrays
    fig, (g, r) = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, lam in enumerate(a["lambdas"]):
        g.plot(a["grad_norm"][k], label=f"λ = {lam:g}")
        r.semilogy(a["rmse"][k], label=f"λ = {lam:g}")
    g.set(xlabel="iteration", ylabel="‖g‖ (c = J²)")
    r.set(xlabel="iteration", ylabel="RMSE")
    g.legend(fontsize="small")
    fig.tight_layout()
    return fig


def noise_test(run: Run):
    """Fig. 4b: trial-averaged loss of the balanced network over the original one, against noise ε."""
    a = run.arrays
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    ax.plot(a["noise_levels"], a["loss_ratio"], marker="o")
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.set(xlabel="noise level ε", ylabel="loss balanced / original")
    fig.tight_layout()
    return fig


def figures(run: Run) -> list:
    if run.study == "rnn_training":
        return [training_balance] + ([noise_test] if "loss_ratio" in run.arrays else [])
    scenario = run.config.get("balancing", {}).get("scenario", "ring")
    return [{"ring": ring_relaxation, "two_neuron": two_neuron_costs, "two_unit_task": two_unit_task,
             "rank": rank_reduction}[scenario]]
