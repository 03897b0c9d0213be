"""Certified 10-class CE solve on a sequential Fashion-MNIST spike dictionary (docs/reproduction.md,
paper 002, sessions 6–7): images streamed in T = 4 chunks, a Gaussian witness (K = 2, L = 3,
P_rec = P_last/2), membrane-threshold dictionary, rho = beta/sqrt(P_last).
Usage: PYTHONPATH=build/python /usr/bin/python3 bench/p002_ce_probe.py [N_TRAIN [P_LAST [BETA [PENALTY]]]]
(PENALTY: elementwise (default) or group). tests/python/test_p002_ce_scale.py imports the builder."""
import gzip
import sys
import time

import numpy as np

import einet

ROOT = "/usr/share/datasets/fashion-mnist/"


def idx(path):
    b = gzip.open(path).read()
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(b[3])]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * b[3]).reshape(dims)


def fashion_problem(n, P):
    """(D [n × P] Fortran-ordered, one-hot Y [n × 10], row weights a) of the probe's dictionary."""
    X, y = idx(ROOT + "train-images-idx3-ubyte.gz"), idx(ROOT + "train-labels-idx1-ubyte.gz")
    pick = np.random.default_rng(0).choice(len(X), n, replace=False)
    x = (X[pick].reshape(n, 784) / 255.0).reshape(n, 4, 196).transpose(1, 0, 2).copy()
    w, _ = einet.snn_init(196, 2, 3, P // 2, P, 10, seed=0, init="gaussian")
    D = einet.spike_dictionary(w, 196, 2, 3, P // 2, P, 10, x, readout="membrane_threshold")["D"]
    return np.asfortranarray(D), np.eye(10)[y[pick]], np.full(n, 1.0 / n)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    P = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    beta = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
    penalty = sys.argv[4] if len(sys.argv) > 4 else "elementwise"
    D, Y, a = fashion_problem(n, P)
    rho = beta / np.sqrt(P)
    t = time.perf_counter()
    s = einet.convex_solve(D, Y, a, loss="ce", rho=rho, penalty=penalty)
    print(f"{n} x {P}, {penalty}, rho {rho:.3g}: {time.perf_counter() - t:.1f} s, primal {s['primal']:.11f} "
          f"gap {s['gap']:.1e} outer iterations {s['iterations']} nonzeros {s['nonzeros']}")
