"""Paper 002 ten-class softmax-CE convex readouts at the sizes where the session-6 solver stalled
(spec §5.4, §5.7): certified by the duality gap, with the KKT conditions of the ℓ1 / group-ℓ1
program checked on the returned primal–dual pair. The group case did not certify in 5000 outer
iterations before the Newton-CG step (session 7); the Fashion-MNIST case took 191 s (now ~30 s)."""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import einet


def _planted_ten_class(n, p, seed=7):
    rng = np.random.default_rng(seed)
    D = np.asfortranarray((rng.random((n, p)) < 0.3).astype(float))
    score = D[:, :12] @ rng.normal(size=(12, 10)) + 0.7 * rng.normal(size=(n, 10))
    return D, np.eye(10)[score.argmax(1)], np.full(n, 1.0 / n)


def _rho_max(D, Y, a, penalty):
    G = D.T @ (a[:, None] * (Y.mean(1, keepdims=True) - Y))  # ∇ at W = 0: softmax is uniform
    return np.abs(G).max() if penalty == "elementwise" else np.linalg.norm(G, axis=1).max()


def _expect_certified_kkt(D, s, rho, penalty):
    assert s["certified"] and abs(s["gap"]) <= 1e-6 * max(1.0, abs(s["primal"]))
    W, DtU = s["W"], D.T @ s["U"]
    assert np.allclose(s["U"].sum(1), 0.0, atol=1e-12)  # softmax dual: rows of U sum to zero
    if penalty == "elementwise":
        assert np.abs(DtU).max() <= rho * (1 + 1e-8)
        on = np.abs(W) > 1e-4
        assert np.allclose(DtU[on], rho * np.sign(W[on]), atol=1e-3 * rho)
    else:
        assert np.linalg.norm(DtU, axis=1).max() <= rho * (1 + 1e-8)
        norms = np.linalg.norm(W, axis=1)
        on = norms > 1e-4
        assert np.allclose(DtU[on], rho * W[on] / norms[on, None], atol=1e-3 * rho)
    assert s["nonzeros"] > 100


@pytest.mark.parametrize("penalty", ["elementwise", "group"])
def test_ten_class_ce_is_certified_at_small_rho(penalty):
    D, Y, a = _planted_ten_class(1000, 150)
    rho = 0.003 * _rho_max(D, Y, a, penalty)
    s = einet.convex_solve(D, Y, a, loss="ce", rho=rho, penalty=penalty)
    _expect_certified_kkt(D, s, rho, penalty)
    # weak duality against a perturbed point
    W2 = s["W"].copy()
    W2[0, 0] += 0.01
    Z = D @ W2
    Z -= Z.max(1, keepdims=True)
    data = a @ (np.log(np.exp(Z).sum(1)) - (Z * Y).sum(1))
    pen = np.abs(W2).sum() if penalty == "elementwise" else np.linalg.norm(W2, axis=1).sum()
    assert data + rho * pen >= s["primal"] - 1e-6


@pytest.mark.slow
def test_fashion_mnist_ce_dictionary_is_certified():
    # bench/p002_ce_probe.py 3000 512: membrane-threshold dictionary of a Gaussian witness on
    # sequential Fashion-MNIST, rho = 0.01/sqrt(512)
    if not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
        pytest.skip("dataset-fashion-mnist is not installed (scripts/install-deps.sh)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from p002_ce_probe import fashion_problem

    D, Y, a = fashion_problem(3000, 512)
    rho = 0.01 / np.sqrt(512)
    s = einet.convex_solve(D, Y, a, loss="ce", rho=rho)
    _expect_certified_kkt(D, s, rho, "elementwise")
