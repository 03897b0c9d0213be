"""einet.run_spiking: every engine feature reachable from Python, traces returned by name, and bad
input refused with a ValueError naming the key (docs/python.md)."""
import numpy as np
import pytest

einet = pytest.importorskip("einet")

DT = 0.1


def unit(**kw):
    pop = dict(name="A", n=2, tau_m=20.0, E_L=0.0, V_th=1e9, V_reset=0.0, R=0.1)
    pop.update(kw)
    return pop


def test_traces_inputs_and_receptors_by_name():
    pop = unit(adapt_jump=[6.0, 0.5], tau_adapt=300.0, sigma_V=None,
               receptors=[dict(name="B", kind="biexponential", tau_rise=8.0, tau=23.0, kappa=1.0),
                          dict(name="P", kind="pulse", duration=0.5), dict(name="D", kind="delta")])
    inputs = dict(step_currents=[dict(population="A", neurons=[1], start=1.0, stop=3.0, amplitude=50.0)],
                  spike_inputs=[dict(population="A", receptor="B", neurons=[0], times=[1.0], weight=100.0),
                                dict(population=0, receptor="P", times=[2.0], weight=7.0)],
                  poisson_inputs=[dict(population="A", receptor="D", rate_hz=0.0, weight=1.0)])
    out = einet.run_spiking([pop], [], dt=DT, steps=100, threads=1, inputs=inputs, record=["V", "I_a", "B", "P"])
    tr = out["traces"][0]
    assert set(tr) == {"V", "I_a", "B", "P"} and all(a.shape == (100, 2) for a in tr.values())
    assert out["V"][0] is tr["V"] or np.array_equal(out["V"][0], tr["V"])
    # biexponential u += wκ/τ_r at t_11: s(t_12) = (w/8)·(1 − e^{-h/τ_r})... > 0; neuron 1 gets nothing
    assert tr["B"][10, 0] == 0.0 and tr["B"][11, 0] > 0.0 and np.all(tr["B"][:, 1] == 0.0)
    k = tr["B"][:, 0]
    t = (np.arange(1, 101) - 11) * DT
    expect = np.where(t >= 0, 100.0 / 15.0 * (np.exp(-t / 23.0) - np.exp(-t / 8.0)), 0.0)
    np.testing.assert_allclose(k, expect, rtol=0, atol=1e-12 * expect.max())
    # pulse: 7 pA on t_21 … t_25 in both neurons
    assert np.array_equal(tr["P"][:, 0], np.where((np.arange(1, 101) >= 21) & (np.arange(1, 101) < 26), 7.0, 0.0))
    # step current: only neuron 1, during steps [10, 30)
    v1 = tr["V"][:, 1]
    assert np.all(tr["V"][:9, 1] == 0.0) and v1[29] > 0 and v1[30] < v1[29]
    assert np.all(tr["I_a"] == 0.0)  # never fired


def test_step_current_without_stop_lasts_to_the_end():
    out = einet.run_spiking([unit(n=1)], [], dt=DT, steps=2000, threads=1,
                            inputs=dict(step_currents=[dict(population="A", start=1.0, amplitude=100.0)]))
    assert out["V"][0][-1, 0] == pytest.approx(10.0 * (1 - np.exp(-199.0 / 20.0)), abs=1e-9)


def test_adaptation_and_strict_threshold_from_python():
    base = dict(name="A", n=1, tau_m=20.0, E_L=20.0, V_th=20.0, V_reset=10.0, t_ref=2.0, V0=20.0)
    loose = einet.run_spiking([base], [], dt=DT, steps=10, threads=1)
    strict = einet.run_spiking([dict(base, strict_threshold=True)], [], dt=DT, steps=10, threads=1)
    assert len(loose["spikes"][0][0]) == 1 and len(strict["spikes"][0][0]) == 0
    out = einet.run_spiking([dict(base, adapt_jump=6.0, tau_adapt=500.0)], [], dt=DT, steps=10, threads=1,
                            record=["I_a"])
    np.testing.assert_allclose(out["traces"][0]["I_a"][:, 0], 6.0 * np.exp(-np.arange(10) * DT / 500.0), rtol=1e-12)
    assert out["V"][0].shape == (0, 1)  # V not asked for


def test_record_v_false_still_works():
    out = einet.run_spiking([unit()], [], steps=5, record_v=False)
    assert out["V"][0].shape == (0, 2) and out["traces"][0] == {}


@pytest.mark.parametrize("populations,projections,kwargs,key", [
    ([unit(tau_mm=3.0)], [], {}, "populations[0].tau_mm"),
    ([unit(receptors=[dict(name="E", kind="alpha")])], [], {}, "populations[0].receptors[0].kind"),
    ([unit(receptors=[dict(name="E", tau_r=3.0)])], [], {}, "populations[0].receptors[0].tau_r"),
    ([unit(tau_m=[1.0, 2.0, 3.0])], [], {}, "populations[0].tau_m"),
    ([unit(receptors=[dict(name="E", kind="biexponential", tau_rise=-1.0)])], [], {}, "tau_rise"),
    ([unit(sigma_V=-1.0)], [], {}, "sigma_V"),
    ([unit(receptors=[dict(name="E")])], [dict(pre="A", post="B", sources=[0], targets=[0], weights=[1.0])], {},
     "projections[0].post"),
    ([unit(receptors=[dict(name="E")])], [dict(pre=0, post=0, receptor="X", sources=[0], targets=[0], weights=[1.0])],
     {}, "projections[0].receptor"),
    ([unit(receptors=[dict(name="E")])], [dict(pre=0, post=0, sources=[0, 1], targets=[0], weights=[1.0])], {},
     "projections[0]"),
    ([unit()], [], dict(inputs=dict(step_current=[])), "inputs.step_current"),
    ([unit()], [], dict(inputs=dict(step_currents=[dict(population="A", amp=1.0)])), "inputs.step_currents[0].amp"),
    ([unit(receptors=[dict(name="E")])], [], dict(inputs=dict(poisson_inputs=[dict(population="A", weight=1.0)])),
     "inputs.poisson_inputs[0]"),
    ([unit(receptors=[dict(name="E")])], [], dict(inputs=dict(spike_inputs=[dict(population="A", receptor="E",
                                                                                  times=[1.0], weight=1.0,
                                                                                  neurons=[5])])),
     "neurons"),
    ([unit()], [], dict(record=["V", "I_a"]), "record.I_a"),
    ([unit(receptors=[dict(name="D", kind="delta")])], [], dict(record=["D"]), "record.D"),
    ([unit()], [], dict(method="rk4"), "method"),
])
def test_bad_input_names_the_key(populations, projections, kwargs, key):
    with pytest.raises(ValueError, match=key.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        einet.run_spiking(populations, projections, steps=2, **kwargs)


def test_float32_precision_follows_float64_to_float_rounding():
    # run.precision = "float32" through the binding: the state is held in float (every recorded value
    # is a float widened to double) and follows float64 to float rounding (~1e-6 relative here).
    pop = unit(n=3, V_th=1e9, I_e=[50.0, 100.0, 150.0],
               receptors=[dict(name="E", kind="exponential", tau=5.0)])
    inputs = dict(spike_inputs=[dict(population="A", receptor="E", times=[1.0, 4.0], weight=30.0)])
    out = {p: einet.run_spiking([pop], [], dt=DT, steps=200, threads=1, inputs=inputs, record=["V", "E"], precision=p)
           for p in ("float64", "float32")}
    for name in ("V", "E"):
        a, b = out["float64"]["traces"][0][name], out["float32"]["traces"][0][name]
        assert np.array_equal(b, b.astype(np.float32).astype(np.float64))
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
        assert not np.array_equal(a, b)  # really computed in float
    with pytest.raises(ValueError, match="precision"):
        einet.run_spiking([pop], [], dt=DT, steps=10, precision="float16")
    with pytest.raises(ValueError, match="precision"):
        einet.run_spiking([pop], [], dt=DT, steps=10, method="exact_interpolated", precision="float32")
