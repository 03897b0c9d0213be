"""Probe for paper 002 Table 6 (docs/reproduction.md): the direct addition variant (base 2, 8 digits,
inputs (a_t, b_t) only, initial carry 0) read out by one shared convex head, as einet's study does,
and by one head per timestep over that timestep's dictionary rows, as the paper's older code did
(spec 002 §7.4). Gaussian witness K = 2, L = 3, P_rec 128, P_last 256, spike dictionary, OVR hinge
per head (sum, carry), β chosen on a validation set; token-wise = (sequence, t) with sum and carry
both right, sequence = every t right.
Usage: PYTHONPATH=build/python /usr/bin/python3 scripts/p002_per_timestep_heads.py N_TRAIN SEED"""
import sys, time
import numpy as np
import einet

n_train, seed = int(sys.argv[1]), int(sys.argv[2])
beta_grid = [1e-4, 1e-3, 0.01, 0.1]
d, K, L, PR, PL = 2, 2, 3, 128, 256
C = 4  # sum (2, OVR) + carry (2, OVR)
def data(n, s):
    return einet.addition_data(n, s, base=2, digits=8, random_initial_carry=False, carry_input=False)
tr, te = data(n_train, 1000 + seed), data(1024, 2000 + seed)
params, shapes = einet.snn_init(d, K, L, PR, PL, C, seed=seed, init="gaussian")
def dic(x):
    r = einet.spike_dictionary(params, d, K, L, PR, PL, C, x, supervision="per_timestep", readout="spike")
    return r
t0 = time.time()
Dtr = dic(tr["x"]); Dte = dic(te["x"])
va = data(512, 3000 + seed)
Dva = dic(va["x"])
T = tr["x"].shape[0]
def Y_ovr(lab, classes=2):
    Y = -np.ones((lab.size, classes))
    Y[np.arange(lab.size), lab.astype(int)] = 1.0
    return Y
def labels(ds):  # rows (t, sample), t-major
    return ds["sum"].reshape(-1), ds["carry"].reshape(-1)
def fit(D, ys, rho, warm=None):
    D = np.asfortranarray(D)
    a = np.full(D.shape[0], 1.0 / D.shape[0])
    out = []
    for h, y in enumerate(ys):
        try:
            s = einet.convex_solve(D, Y_ovr(y), a, loss="hinge_ovr", rho=rho, warm=None if warm is None else warm[h])
        except einet.NumericalError as e:
            print("  uncertified", D.shape, rho, str(e)[:80]); return None
        out.append(s["W"])
    return out
def token_acc(D, ds, Ws):
    s, c = labels(ds)
    ps = np.argmax(D @ Ws[0], 1); pc = np.argmax(D @ Ws[1], 1)
    ok = (ps == s) & (pc == c)
    return ok.mean(), (ps == s).mean(), (pc == c).mean(), ok.reshape(T, -1).all(0).mean()
def rows(D, n, t):
    return D[t * n:(t + 1) * n]
ntr, nva, nte = tr["x"].shape[1], va["x"].shape[1], te["x"].shape[1]
Dtr_, Dva_, Dte_ = Dtr["D"], Dva["D"], Dte["D"]
str_, ctr_ = labels(tr)
# shared head
best = None
for b in sorted(beta_grid, reverse=True):
    Ws = fit(Dtr_, (str_, ctr_), b)
    if Ws is None: continue
    v = token_acc(Dva_, va, Ws)[0]
    if best is None or v > best[0]: best = (v, b, Ws)
print("shared  beta %g val %.3f test token/sum/carry/seq %s" % (best[1], best[0], np.round(token_acc(Dte_, te, best[2]), 3)))
# per-timestep heads
Wt = []
for t in range(T):
    Dt = rows(Dtr_, ntr, t); st, ct = str_[t * ntr:(t + 1) * ntr], ctr_[t * ntr:(t + 1) * ntr]
    bt = None
    for b in sorted(beta_grid, reverse=True):
        Ws = fit(Dt, (st, ct), b)
        if Ws is None: continue
        Dv = rows(Dva_, nva, t)
        sv, cv = va["sum"][t], va["carry"][t]
        v = ((np.argmax(Dv @ Ws[0], 1) == sv) & (np.argmax(Dv @ Ws[1], 1) == cv)).mean()
        if bt is None or v > bt[0]: bt = (v, b, Ws)
    Wt.append(bt[2])
ok = []
for t in range(T):
    Dv = rows(Dte_, nte, t)
    ok.append((np.argmax(Dv @ Wt[t][0], 1) == te["sum"][t]) & (np.argmax(Dv @ Wt[t][1], 1) == te["carry"][t]))
ok = np.array(ok)
print("per-t   test token %.3f seq %.3f" % (ok.mean(), ok.all(0).mean()), "per t", np.round(ok.mean(1), 3))
