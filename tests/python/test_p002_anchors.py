"""Paper 002 training module against independent implementations: PyTorch 1.13 autograd on the same
LIF network, weights and data (20 Adam steps, loss trajectory to 1e-5 relative), and cvxopt on the
convex program (optimal values to 1e-6)."""
import math

import numpy as np
import pytest

import einet

torch = pytest.importorskip("torch", reason="PyTorch (Debian python3-torch) is needed for the SG anchor")


def torch_lif_objective(params, shapes, x, labels, K, L, p_last, C, form, loss, path_beta, dtype=torch.float64):
    """The spec 002 §2.3 recurrence written directly with torch autograd (ATan surrogate, detached reset),
    in the arithmetic of `dtype`."""
    beta, theta = 0.99, 1.0
    reset = beta * theta if form == "canonical" else theta

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, u):
            ctx.save_for_backward(u)
            return ((u - theta) >= 0).to(dtype) if form == "canonical" else ((u - theta) > 0).to(dtype)

        @staticmethod
        def backward(ctx, g):
            (u,) = ctx.saved_tensors
            return g / (1 + (math.pi * (u - theta)) ** 2)  # ATan, alpha = 2

    T, B, _ = x.shape
    blocks, off = [], 0
    for (r, c) in shapes:
        blocks.append(params[off:off + r * c].view(r, c))
        off += r * c
    W_out = params[off:].view(p_last, C)
    layers = max(1, L - 1)
    feats, vs = [], []
    for k in range(K):
        inp = x
        v = torch.ones(x.shape[2], dtype=dtype)
        for l in range(layers):
            W = blocks[k * layers + l]
            I = inp @ W
            u = torch.zeros(B, W.shape[1], dtype=dtype)
            s = torch.zeros_like(u)
            out = []
            for t in range(T):
                u = (beta * u - reset * s.detach() if t else 0) + I[t]
                s = Spike.apply(u)
                out.append(s)
            inp = torch.stack(out)
            v = (W ** 2).t() @ v
        feats.append(inp[-1])
        vs.append(v)
    z = torch.cat(feats, 1) @ W_out
    y = torch.tensor(labels)
    if loss == "ce":
        data = torch.nn.functional.cross_entropy(z, y)
    else:  # binary hinge on one logit
        data = torch.clamp(1 - (2 * y.to(dtype) - 1) * z[:, 0], min=0).mean()
    vcat = torch.cat(vs)
    path = torch.sqrt(((W_out ** 2).sum(1) * vcat).sum() + 1e-12)
    return data + path_beta * path


@pytest.mark.parametrize("form,loss,C,K,L", [("reference", "ce", 3, 2, 3), ("canonical", "hinge", 1, 4, 4)])
def test_sg_loss_trajectory_matches_pytorch(form, loss, C, K, L):
    torch.set_num_threads(1)
    T, B, d, p_rec, p_last = 8, 32, 5, 16, 12
    params, shapes = einet.snn_init(d, K, L, p_rec, p_last, C, seed=3)
    params = params * 2.5  # active network (spikes in every layer)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(T, B, d))
    labels = list(rng.integers(0, max(C, 2), size=B))
    steps, lr, pb = 20, 1e-2, 0.05
    _, hist = einet.snn_train(params, d, K, L, p_rec, p_last, C, x, labels, loss=loss,
                              classes=max(C, 2), lr=lr, path_beta=pb, epochs=steps, patience=1000,
                              lif=form)
    p = torch.tensor(params, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr)
    ref = []
    xt = torch.tensor(x)
    for _ in range(steps):
        opt.zero_grad()
        obj = torch_lif_objective(p, shapes, xt, labels, K, L, p_last, C, form, loss, pb)
        ref.append(obj.item())
        obj.backward()
        opt.step()
    ours = np.array(hist["objective"])
    ref = np.array(ref)
    assert ref[-1] < ref[0]  # the anchor trains
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=0)


@pytest.mark.parametrize("form,loss,C,K,L", [("reference", "ce", 3, 2, 3), ("canonical", "hinge", 1, 4, 4)])
def test_sg_float32_path_matches_pytorch_float32_and_float64(form, loss, C, K, L):
    """The float32 SG path (network passes in single precision) against PyTorch float32 on the same
    network, weights and data, and against our float64 reference: 20 Adam steps agree to float tolerance."""
    torch.set_num_threads(1)
    T, B, d, p_rec, p_last = 8, 32, 5, 16, 12
    params, shapes = einet.snn_init(d, K, L, p_rec, p_last, C, seed=3)
    params = params * 2.5
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(T, B, d))
    labels = list(rng.integers(0, max(C, 2), size=B))
    steps, lr, pb = 20, 1e-2, 0.05
    kw = dict(loss=loss, classes=max(C, 2), lr=lr, path_beta=pb, epochs=steps, patience=1000, lif=form)
    _, h32 = einet.snn_train(params, d, K, L, p_rec, p_last, C, x, labels, dtype="float32", **kw)
    _, h64 = einet.snn_train(params, d, K, L, p_rec, p_last, C, x, labels, **kw)
    p = torch.tensor(params, dtype=torch.float32, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr)
    ref = []
    xt = torch.tensor(x, dtype=torch.float32)
    for _ in range(steps):
        opt.zero_grad()
        obj = torch_lif_objective(p, shapes, xt, labels, K, L, p_last, C, form, loss, pb, dtype=torch.float32)
        ref.append(obj.item())
        obj.backward()
        opt.step()
    ours32, ours64, ref = np.array(h32["objective"]), np.array(h64["objective"]), np.array(ref)
    assert ref[-1] < ref[0]
    np.testing.assert_allclose(ours32, ref, rtol=1e-4, atol=0)
    np.testing.assert_allclose(ours32, ours64, rtol=1e-4, atol=0)
    assert not np.array_equal(ours32, ours64)  # the float32 path really rounds differently
    with pytest.raises(Exception, match="dtype"):
        einet.snn_train(params, d, K, L, p_rec, p_last, C, x, labels, dtype="float16", **kw)


cvxopt = pytest.importorskip("cvxopt", reason="cvxopt (Debian python3-cvxopt) is the independent convex solver")


def _problem(n, p, seed):
    rng = np.random.default_rng(seed)
    D = (rng.random((n, p)) < 0.4).astype(float)
    score = D[:, 0] + D[:, 1] - D[:, 2] + 0.8 * (rng.random(n) - 0.5)
    return D, np.where(score > 0.5, 1.0, -1.0)


def _cvxopt_hinge(D, y, a, rho):
    n, p = D.shape
    # variables (w+, w-, xi) >= 0; y_i d_i(w+ - w-) + xi_i >= 1
    c = np.concatenate([rho * np.ones(2 * p), a])
    YD = y[:, None] * D
    G = np.vstack([np.hstack([-YD, YD, -np.eye(n)]), -np.eye(2 * p + n)])
    h = np.concatenate([-np.ones(n), np.zeros(2 * p + n)])
    cvxopt.solvers.options.update(show_progress=False, abstol=1e-10, reltol=1e-10, feastol=1e-10)
    sol = cvxopt.solvers.lp(cvxopt.matrix(c), cvxopt.matrix(G), cvxopt.matrix(h))
    return sol["primal objective"]


def _cvxopt_squared(D, y, rho):
    n, p = D.shape
    # w = w+ - w-: (1/n)||Dw - y||^2 + rho 1'(w+ + w-)
    M = np.hstack([D, -D])
    P = 2.0 / n * M.T @ M + 1e-12 * np.eye(2 * p)
    q = -2.0 / n * M.T @ y + rho
    cvxopt.solvers.options.update(show_progress=False, abstol=1e-12, reltol=1e-12, feastol=1e-12)
    sol = cvxopt.solvers.qp(cvxopt.matrix(P), cvxopt.matrix(q), cvxopt.matrix(-np.eye(2 * p)), cvxopt.matrix(np.zeros(2 * p)))
    return sol["primal objective"] + y @ y / n


def test_hinge_with_repeated_rows_matches_cvxopt():
    # 300 rows over 6 binary columns: 63 distinct (row, label) pairs, some rows with both labels. The
    # hinge LP merges identical rows (weights summed) and shares each merged dual value among the
    # copies; cvxopt solves the unmerged LP. The dual returned must be feasible for the full problem.
    rng = np.random.default_rng(5)
    D = (rng.random((300, 6)) < 0.5).astype(float)
    y = np.where(D[:, 0] + D[:, 1] - D[:, 2] + 0.8 * (rng.random(300) - 0.5) > 0.5, 1.0, -1.0)
    a = rng.random(300)
    a /= a.sum()
    assert len(np.unique(np.c_[D, y], axis=0)) < 100
    for rho in (0.05, 0.005):
        ours = einet.convex_solve(D, y[:, None], a, loss="hinge", rho=rho)
        assert ours["certified"] and abs(ours["gap"]) <= 1e-6 * max(1, abs(ours["primal"]))
        assert ours["primal"] == pytest.approx(_cvxopt_hinge(D, y, a, rho), abs=1e-6)
        u = ours["U"][:, 0]
        assert np.all(y * u >= -1e-12) and np.all(y * u <= a + 1e-12)  # 0 <= y_i u_i <= a_i, row by row
        assert np.max(np.abs(D.T @ u)) <= rho * (1 + 1e-8)
        assert ours["dual"] == pytest.approx(np.sum(y * u), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_convex_optima_match_cvxopt(seed):
    D, y = _problem(60, 40, seed)
    a = np.full(len(y), 1 / len(y))
    for rho in (0.05, 0.005):
        ours = einet.convex_solve(D, y[:, None], a, loss="hinge", rho=rho)
        assert ours["certified"] and abs(ours["gap"]) <= 1e-6 * max(1, abs(ours["primal"]))
        assert ours["primal"] == pytest.approx(_cvxopt_hinge(D, y, a, rho), abs=1e-6)
        ours = einet.convex_solve(D, y[:, None], a, loss="squared", rho=rho)
        assert ours["certified"]
        assert ours["primal"] == pytest.approx(_cvxopt_squared(D, y, rho), abs=1e-6)


def _cvxopt_softmax(D, Y, a, rho):
    """min Σ_i a_i [logsumexp(D_i W) − (D_i W)·Y_i] + ρ Σ|W| by cvxopt's nonlinear solver (cp), W = W⁺ − W⁻."""
    n, p = D.shape
    C = Y.shape[1]
    m = p * C

    def F(x=None, z=None):
        if x is None:
            return 0, cvxopt.matrix(0.1, (2 * m, 1))
        v = np.array(x).ravel()
        W = (v[:m] - v[m:]).reshape(p, C)
        Z = D @ W
        Zs = Z - Z.max(1, keepdims=True)
        pi = np.exp(Zs) / np.exp(Zs).sum(1, keepdims=True)
        f = a @ (np.log(np.exp(Zs).sum(1)) + Z.max(1) - (Z * Y).sum(1)) + rho * v.sum()
        g = (D.T @ (a[:, None] * (pi - Y))).ravel()
        Df = cvxopt.matrix(np.concatenate([g + rho, -g + rho]), (1, 2 * m))
        if z is None:
            return f, Df
        Hw = sum(a[i] * np.kron(np.outer(D[i], D[i]), np.diag(pi[i]) - np.outer(pi[i], pi[i])) for i in range(n))
        H = float(z[0]) * np.block([[Hw, -Hw], [-Hw, Hw]])
        return f, Df, cvxopt.matrix(H)

    cvxopt.solvers.options.update(show_progress=False, abstol=1e-11, reltol=1e-11, feastol=1e-11, maxiters=200)
    sol = cvxopt.solvers.cp(F, G=cvxopt.matrix(-np.eye(2 * m)), h=cvxopt.matrix(np.zeros(2 * m)))
    assert sol["status"] == "optimal"
    return F(sol["x"])[0]


def _cvxopt_logistic(D, y, a, rho):
    """min Σ_i a_i log(1 + exp(−y_i d_i w)) + ρ‖w‖₁ by cvxopt's cp, w = w⁺ − w⁻."""
    n, p = D.shape

    def F(x=None, z=None):
        if x is None:
            return 0, cvxopt.matrix(0.1, (2 * p, 1))
        v = np.array(x).ravel()
        m = -y * (D @ (v[:p] - v[p:]))
        sig = 1 / (1 + np.exp(-m))
        f = a @ np.logaddexp(0, m) + rho * v.sum()
        g = D.T @ (-a * y * sig)
        Df = cvxopt.matrix(np.concatenate([g + rho, -g + rho]), (1, 2 * p))
        if z is None:
            return f, Df
        Hw = D.T @ ((a * sig * (1 - sig))[:, None] * D)
        return f, Df, cvxopt.matrix(float(z[0]) * np.block([[Hw, -Hw], [-Hw, Hw]]))

    cvxopt.solvers.options.update(show_progress=False, abstol=1e-11, reltol=1e-11, feastol=1e-11, maxiters=200)
    sol = cvxopt.solvers.cp(F, G=cvxopt.matrix(-np.eye(2 * p)), h=cvxopt.matrix(np.zeros(2 * p)))
    assert sol["status"] == "optimal"
    return F(sol["x"])[0]


@pytest.mark.parametrize("rho", [0.01, 0.001])
def test_logistic_optima_match_cvxopt(rho):
    D, y = _problem(50, 12, 3)
    a = np.full(50, 1 / 50)
    ours = einet.convex_solve(D, y[:, None], a, loss="logistic", rho=rho)
    assert ours["certified"]
    assert ours["primal"] == pytest.approx(_cvxopt_logistic(D, y, a, rho), abs=1e-6)


@pytest.mark.parametrize("C,rho", [(2, 0.01), (4, 0.01), (4, 0.001)])
def test_softmax_ce_optima_match_cvxopt(C, rho):
    # the multi-class CE program (spec §5.4) against cvxopt's interior point on the same problem
    rng = np.random.default_rng(C)
    D = (rng.random((40, 8)) < 0.4).astype(float)
    labels = (D[:, 0] + 2 * D[:, 1] + rng.integers(0, 2, 40)).astype(int) % C
    Y = np.eye(C)[labels]
    a = np.full(40, 1 / 40)
    ours = einet.convex_solve(D, Y, a, loss="ce", rho=rho)
    assert ours["certified"] and abs(ours["gap"]) <= 1e-6 * max(1, abs(ours["primal"]))
    assert ours["primal"] == pytest.approx(_cvxopt_softmax(D, Y, a, rho), abs=1e-6)


def test_convex_solve_rejects_bad_input():
    D, y = _problem(10, 5, 0)
    a = np.full(10, 0.1)
    with pytest.raises(ValueError, match="rho"):
        einet.convex_solve(D, y[:, None], a, rho=-1.0)
    D[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        einet.convex_solve(D, y[:, None], a, rho=0.1)
