"""Cross-validation of einet's spiking engine against Brian2 2.5.1 on identical deterministic models
(issue 4: same spike times and traces to 1e-9 relative with the same integration scheme).

Conventions (bench/brian2_models.py module notes): Brian2 stamps a spike at the start of the step
in which v crossed; einet at the grid time at which it found v above threshold, one dt later. Brian2
records v at the start of each step; einet after each step. Both are compared on the same grid.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

einet = pytest.importorskip("einet")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
brian2_models = pytest.importorskip("brian2_models", reason="Brian2 (python3-brian) is not installed")
pytest.importorskip("brian2", reason="Brian2 (python3-brian) is not installed")

DT = 0.1


def einet_single(I_mV, t_ref, steps, method):
    pop = dict(name="A", n=1, tau_m=20.0, E_L=0.0, V_th=20.0, V_reset=10.0, t_ref=t_ref, I_e=I_mV)
    return einet.run_spiking([pop], [], dt=DT, method=method, steps=steps, threads=1)


@pytest.mark.parametrize("method,einet_method", [("exact", "exact"), ("euler", "euler_maruyama")])
@pytest.mark.parametrize("I_mV", [25.0, 40.0])
def test_single_lif_matches_brian2(method, einet_method, I_mV):
    t_stop = 200.0
    steps = int(round(t_stop / DT))
    b = brian2_models.single_lif(I_mV, t_stop_ms=t_stop, dt_ms=DT, method=method, t_ref_ms=2.0)
    e = einet_single(I_mV, 2.0, steps, einet_method)
    t_e, _ = e["spikes"][0]
    assert len(t_e) > 3
    np.testing.assert_allclose(t_e - DT, b["spike_t_ms"], rtol=0, atol=1e-9)  # same steps
    # Brian2's v at the start of step m equals einet's V after step m - 1.
    v_b = b["v_mV"].ravel()[1:]
    v_e = e["V"][0][:-1, 0]
    np.testing.assert_allclose(v_e, v_b, rtol=1e-9, atol=1e-9)


def test_exponential_psp_matches_brian2():
    w, t_spike = 2.0, 10.0
    b = brian2_models.lif_exp_synapse_psp(w, tau_m_ms=20.0, tau_s_ms=5.0, t_spike_ms=t_spike, delay_ms=0.0,
                                          t_stop_ms=60.0, dt_ms=DT, method="exact", synapse="exp")
    # einet: a source neuron above threshold from V0 fires at the end of step k; Brian2's generator
    # spike at t_spike acts like an einet spike found at t_spike + dt.
    # A source on a slow ramp, V_m = I_e (1 − e^{−m·dt/τ}), whose threshold sits half a step past
    # step k + 1: its first spike is found at t = (k + 1)·dt = t_spike + dt.
    k, tau = int(round(t_spike / DT)), 1e6
    I_e = 1.0 / (1.0 - np.exp(-(k + 0.5) * DT / tau))
    src = dict(name="S", n=1, tau_m=tau, E_L=0.0, V_th=1.0, V_reset=-1e9, t_ref=1e9, I_e=I_e)
    dst = dict(name="T", n=1, tau_m=20.0, E_L=0.0, V_th=1e9, V_reset=0.0, t_ref=0.0,
               receptors=[dict(name="E", kind="exponential", tau=5.0)])
    proj = dict(pre=0, post=1, receptor=0, sources=[0], targets=[0], weights=[w], delays=[0])
    steps = int(round(60.0 / DT))
    e = einet.run_spiking([src, dst], [proj], dt=DT, method="exact", steps=steps, threads=1)
    t_src, _ = e["spikes"][0]
    assert t_src[0] == pytest.approx(t_spike + DT, abs=1e-9)
    v_b = b["v_mV"].ravel()[1:]
    v_e = e["V"][1][:-1, 0]
    np.testing.assert_allclose(v_e, v_b, rtol=1e-9, atol=1e-9)


def small_network_both(method, einet_method, precision="float64"):
    """The deterministic 30-neuron network in Brian2 and einet: (einet times, ids, V; Brian2's result)."""
    n, n_exc = 30, 24
    conn = brian2_models.small_network_connectivity(n=n, n_exc=n_exc, seed=3)
    src, tgt = np.asarray(conn["source"]), np.asarray(conn["target"])
    # einet stores weights as float32 (10 bytes per synapse): give both simulators the same values.
    w = np.asarray(conn["weight_mV"]).astype(np.float32).astype(np.float64)
    d = np.asarray(conn["delay_steps"])
    bias = np.asarray(conn["bias_mV"])
    t_stop = 200.0
    b = brian2_models.small_network(src, tgt, w, d, bias, n_exc, t_stop_ms=t_stop, dt_ms=DT, method=method)
    # The single Brian2 group becomes two einet populations, E = [0, n_exc) and I = [n_exc, n).
    pops = []
    for name, lo, hi, exc in (("E", 0, n_exc, True), ("I", n_exc, n, False)):
        pops.append(dict(name=name, n=hi - lo, excitatory=exc, tau_m=20.0, E_L=0.0, V_th=20.0, V_reset=10.0,
                         t_ref=2.0, I_e=bias[lo:hi].tolist(),
                         receptors=[dict(name="E", tau=5.0), dict(name="I", tau=10.0)]))
    projs = []
    for pre, (plo, phi) in enumerate(((0, n_exc), (n_exc, n))):
        for post, (qlo, qhi) in enumerate(((0, n_exc), (n_exc, n))):
            sel = (src >= plo) & (src < phi) & (tgt >= qlo) & (tgt < qhi)
            projs.append(dict(pre=pre, post=post, receptor=pre, sources=(src[sel] - plo).tolist(),
                              targets=(tgt[sel] - qlo).tolist(), weights=np.abs(w[sel]).tolist(),
                              delays=d[sel].tolist()))
    e = einet.run_spiking(pops, projs, dt=DT, method=einet_method, steps=int(round(t_stop / DT)), threads=2,
                          precision=precision)
    t_e = np.concatenate([e["spikes"][0][0], e["spikes"][1][0]]) - DT
    i_e = np.concatenate([e["spikes"][0][1], e["spikes"][1][1] + n_exc])
    order_e = np.lexsort((i_e, t_e))
    v_e = np.concatenate([e["V"][0], e["V"][1]], axis=1)[:-1]
    return t_e[order_e], i_e[order_e], v_e, b


@pytest.mark.parametrize("method,einet_method", [("exact", "exact"), ("euler", "euler_maruyama")])
def test_small_recurrent_network_matches_brian2(method, einet_method):
    t_e, i_e, v_e, b = small_network_both(method, einet_method)
    order_b = np.lexsort((b["spike_i"], b["spike_t_ms"]))
    assert b["n_spikes"] > 50
    np.testing.assert_array_equal(i_e, b["spike_i"][order_b])
    np.testing.assert_allclose(t_e, b["spike_t_ms"][order_b], atol=1e-9, rtol=0)
    np.testing.assert_allclose(v_e, b["v_mV"][1:], rtol=1e-9, atol=1e-9)


def test_small_recurrent_network_in_float32_matches_brian2_in_float32():
    # Both hold the state in float32 (Brian2: prefs.core.default_float_dtype), but round different
    # operation sequences (einet computes the step in float; Brian2's numpy code mixes float64
    # coefficients in), so they differ by float rounding: ~1e-5 mV typically. A crossing within
    # that of the threshold can land one step apart and then moves that neuron's later spikes and
    # its targets' V by a synaptic kick, so the test asks: equal spike counts within 1 %, at least
    # 95 % of the (neuron, time) spikes shared, and the median |ΔV| at float rounding (< 1e-4 mV).
    brian2 = pytest.importorskip("brian2")
    before = brian2.prefs.core.default_float_dtype
    brian2.prefs.core.default_float_dtype = np.float32
    try:
        t_e, i_e, v_e, b = small_network_both("exact", "exact", precision="float32")
    finally:
        brian2.prefs.core.default_float_dtype = before
    assert b["n_spikes"] > 50
    assert abs(len(t_e) - b["n_spikes"]) <= 0.01 * b["n_spikes"]
    ours = {(int(i), int(round(t / DT))) for i, t in zip(i_e, t_e)}
    theirs = {(int(i), int(round(t / DT))) for i, t in zip(b["spike_i"], b["spike_t_ms"])}
    assert len(ours & theirs) >= 0.95 * len(theirs)
    assert np.median(np.abs(v_e - b["v_mV"][1:])) < 1e-4
