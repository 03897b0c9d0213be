"""model.weight_storage = "float16" on the 80/20 multi-unit sweeps (paper 001 Figs. 5G/6G): the
plasticity trajectories stay at the binary16 rounding level (2^-11 relative per weight) of the
float32 ones, same seed -> bit-identical for any thread count, and the key refuses the runs whose
kernel keeps no binary16 copy. The rounding bounds of single steps and of one trial are in
tests/unit/test_weight_storage.cpp."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import EXPERIMENTS, run_cli, run_quick

F16 = ("model.precision=float32", "model.weight_storage=float16")


def arrays(out, name):
    return np.load(out / "arrays" / f"{name}.npy")


def test_plasticity_trajectories_stay_at_the_rounding_level_of_float32(tmp_path):
    # Two-term rule, 10 trials, 3 networks: the master weights are the same doubles in both runs
    # and receive the rule's increments; only the recurrent sums see binary16 weights. The trial
    # rates and the weights must stay within 2^-11 (relative) of the float32 run in every trial,
    # i.e. the per-weight rounding does not accumulate over the trials.
    sets = ("run.batch=3", "protocol.trials=10", "protocol.checkpoint_every=1")
    a, b = tmp_path / "f32", tmp_path / "f16"
    run_quick("p001_fig6g", a, *sets, "model.precision=float32")
    run_quick("p001_fig6g", b, *sets, *F16)
    w32, w16 = arrays(a, "weights"), arrays(b, "weights")  # [trial, run, class]
    assert np.array_equal(w32[0], w16[0])
    assert np.abs(w16 / w32 - 1).max() <= 2.0 ** -11
    assert not np.array_equal(w32, w16)  # the copy is used
    for pop in ("E", "I"):
        x, y = arrays(a, f"trial_rates_{pop}"), arrays(b, f"trial_rates_{pop}")
        assert np.all(x > 1), pop  # Up states, where relative differences mean something
        assert np.abs(y / x - 1).max() <= 2.0 ** -11, pop


def test_float16_storage_is_bit_identical_for_any_thread_count(tmp_path):
    # 19 networks: two workers split at 16, groups of 8 and a partial group of 3.
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}"
        run_quick("p001_fig6g", out, "run.batch=19", "protocol.trials=2", *F16, extra=["--threads", str(threads)])
        outs.append(out)
    for name in ("trial_rates_E", "trial_rates_I", "weights", "final_unit_rates_E", "final_unit_rates_I"):
        assert arrays(outs[0], name).tobytes() == arrays(outs[1], name).tobytes(), name


@pytest.mark.parametrize("experiment, sets, expected", [
    ("p001_fig6g", ("model.weight_storage=float16",), 'model.precision = "float32"'),
    ("p001_fig6g", (*F16, "model.kernel=batch_major"), "unit-major kernel"),
    ("p001_figS4", F16, "online_plasticity"),
    ("p001_fig4d", F16, "multi-unit populations"),
    ("p001_fig6g", ("model.weight_storage=float8",), "weight_storage"),
])
def test_float16_storage_refuses_runs_without_the_unit_major_float32_kernel(tmp_path, experiment, sets, expected):
    args = ["run", EXPERIMENTS / f"{experiment}.toml", "--out", tmp_path / "x", "--quiet", "--no-report"]
    for s in sets:
        args += ["--set", s]
    proc = run_cli(args, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "model.weight_storage" in proc.stderr and expected in proc.stderr, proc.stderr
