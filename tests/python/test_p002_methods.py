"""Paper 002 methods layer from Python (addition data and scoring, SG grid search, convex readout,
spike dictionaries, the §4.4 complete dictionary): the bindings agree with the network they
return and with each other."""
import numpy as np
import pytest

import einet

SHAPE = dict(d=3, K=2, L=3, p_rec=16, p_last=32)


def test_addition_data_encodes_the_sums_least_significant_first():
    add = einet.addition_data(n=50, seed=4, base=3, digits=5)
    x, s, c = add["x"], add["sum"], add["carry"]
    assert x.shape == (6, 50, 3) and s.shape == c.shape == (6, 50)
    digits = np.rint(x * 2).astype(int)  # inputs are digits / (base − 1)
    a = sum(digits[t, :, 0] * 3**t for t in range(5))
    b = sum(digits[t, :, 1] * 3**t for t in range(5))
    total = a + b + digits[0, :, 2]  # the initial carry is part of the sum
    assert np.array_equal(sum(s[t] * 3**t for t in range(6)), total)
    for t in range(5):  # teacher-forced carry input of step t+1 = carry out of step t
        assert np.array_equal(digits[t + 1, :, 2], c[t])
    with pytest.raises(Exception, match="base"):
        einet.addition_data(n=5, seed=0, base=1)


def test_two_head_convex_readout_is_certified_and_its_network_scores_like_the_study():
    tr, va, te = (einet.addition_data(n=n, seed=s, base=3) for n, s in ((200, 11), (64, 29), (128, 47)))
    C = 4  # three sum logits + one carry logit
    w, _ = einet.snn_init(**SHAPE, C=C, seed=0, init="gaussian")
    fit = einet.convex_readout(w, **SHAPE, C=C, x=tr["x"], labels=tr["sum"], carry=tr["carry"], val_x=va["x"],
                               val_labels=va["sum"], val_carry=va["carry"], addition_base=3, lambda_carry=8.0,
                               betas=[0.1, 1.0], rho_rule="head_weight")
    assert fit["max_rel_gap"] <= 1e-6 and all(h["certified"] for h in fit["heads"]) and len(fit["heads"]) == 2
    assert fit["beta"] in (0.1, 1.0) and fit["uncertified_betas"] == 0
    # the hidden weights are the witness's; the readout is the two heads' solutions side by side
    p = fit["params"]
    assert np.array_equal(p[:-32 * C], w[:-32 * C])
    W = np.hstack([h["W"] for h in fit["heads"]])
    assert np.array_equal(p[-32 * C:].reshape(32, C), W)
    # reconstruction (spec §5.9): network logits on the training data = D W, D from spike_dictionary
    D = einet.spike_dictionary(w, **SHAPE, C=C, x=tr["x"], supervision="per_timestep")["D"]
    logits = einet.snn_forward(p, **SHAPE, C=C, x=tr["x"])["logits"]
    assert np.abs(logits.reshape(-1, C) - D @ W).max() < 1e-12
    tf = einet.addition_score(p, **SHAPE, C=C, x=te["x"], sum=te["sum"], carry=te["carry"], autoregressive=False)
    ar = einet.addition_score(p, **SHAPE, C=C, x=te["x"], sum=te["sum"], carry=te["carry"])
    assert 0.0 <= ar["joint_token"] <= 1.0 and ar["joint_token"] <= ar["sum_token"] + 1e-12
    pred = logits  # teacher-forced joint token accuracy recomputed from the logits on the test set
    lt = einet.snn_forward(p, **SHAPE, C=C, x=te["x"])["logits"]
    joint = (lt[..., :3].argmax(-1) == te["sum"]) & ((lt[..., 3] >= 0) == (te["carry"] == 1))
    assert abs(tf["joint_token"] - joint.mean()) < 1e-12
    del pred


def test_sg_grid_search_selects_by_the_final_validation_objective():
    tr, va = einet.addition_data(n=64, seed=1, base=2), einet.addition_data(n=32, seed=2, base=2)
    C = 2  # base 2: one sum logit (hinge) + one carry logit
    init, _ = einet.snn_init(**SHAPE, C=C, seed=3)
    p, sel = einet.sg_grid_search(init, **SHAPE, C=C, x=tr["x"], labels=tr["sum"], carry=tr["carry"],
                                  val_x=va["x"], val_labels=va["sum"], val_carry=va["carry"], addition_base=2,
                                  lrs=[1e-2, 1e-3], path_betas=[0.01], epochs=3, selection="final_val",
                                  lif="reference")
    assert sel["lr"] in (1e-2, 1e-3) and sel["path_beta"] == 0.01 and np.isfinite(sel["score"])
    assert p.shape == init.shape and not np.array_equal(p, init)
    with pytest.raises(Exception, match="selection"):
        einet.sg_grid_search(init, **SHAPE, C=C, x=tr["x"], labels=tr["sum"], carry=tr["carry"], addition_base=2,
                             selection="best")


def test_complete_dictionary_contains_every_sampled_column():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 2))
    cd = einet.complete_dictionary(2, 1, 2, 1, 1, x)
    full = {tuple(c) for c in cd["D"].T}
    assert len(full) == cd["D"].shape[1] == len(cd["witnesses"])
    for k in range(30):
        w, _ = einet.snn_init(2, 1, 2, 1, 40, 1, seed=k, init="gaussian")
        w[:-40] *= 10.0 ** (k % 5 - 2)
        D = einet.spike_dictionary(w, 2, 1, 2, 1, 40, 1, x)["D"]
        assert {tuple(c) for c in D.T} <= full
    j = 0  # every witness reproduces its column
    f = einet.snn_forward(cd["witnesses"][j], 2, 1, 2, 1, 1, 1, x)["features"]
    assert np.array_equal(f[-1, :, 0], cd["D"][:, j])
