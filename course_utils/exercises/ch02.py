"""Chapter 02 checkers: the backward step, backpropagation through time, gradient clipping."""

import numpy as np

from course_utils.exercises.engine import Case, Mistake, check_function, check_gradient_dict
from course_utils.layers import rnn
from course_utils.layers.gradients import clip_by_norm, global_norm

# ---------------------------------------------------------------- chapter 02: the backward step


def _backward_step_cases():
    cases = []
    # The first case is square (D = H) so that a forgotten transpose gives a wrong value, not a crash.
    for seed, (N, D, H) in enumerate([(4, 3, 3), (1, 1, 1), (5, 2, 4), (3, 6, 2)]):
        rng = np.random.default_rng(500 + seed)
        x, h_prev = rng.normal(size=(N, D)), np.tanh(rng.normal(size=(N, H)))
        W_xh, W_hh, b_h = rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H)
        h = np.tanh(x @ W_xh + h_prev @ W_hh + b_h)
        dh = rng.normal(size=(N, H))
        cases.append(Case(f"N={N}, D={D}, H={H}", (dh, x, h_prev, h, W_xh, W_hh)))
    return cases


def _backward_step_reference(dh, x, h_prev, h, W_xh, W_hh):
    cache = rnn.RNNStepCache(x, h_prev, h, "tanh", {"W_xh": W_xh, "W_hh": W_hh, "b_h": np.zeros(W_hh.shape[0])})
    grads = rnn.rnn_step_backward(dh, cache)
    return {k: grads[k] for k in ("b_h", "W_xh", "W_hh", "x", "h_prev")}  # simplest first


def _step_grads_from(da, x, h_prev, W_xh, W_hh):
    """Every gradient of a step, computed correctly from a (possibly wrong) da."""
    return {"b_h": da.sum(axis=0), "W_xh": x.T @ da, "W_hh": h_prev.T @ da, "x": da @ W_xh.T, "h_prev": da @ W_hh.T}


def _da(dh, h):
    return dh * (1 - h**2)


BACKWARD_STEP_MISTAKES = (
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: _step_grads_from(dh, x, hp, Wx, Wh),
        "go through tanh first: da = dh * (1 - h**2), then use da (not dh) in every gradient.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: _step_grads_from(dh * (1 - h), x, hp, Wx, Wh),
        "the derivative of tanh is 1 - tanh(a)**2 = 1 - h**2 (squared), not 1 - h.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: _step_grads_from(dh * (1 - hp**2), x, hp, Wx, Wh),
        "tanh' belongs to THIS step: use 1 - h**2 with the step's output h, not h_prev.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"b_h": _da(dh, h).mean(axis=0)},
        "b_h is added to every row of the batch, so its gradient is the SUM of da over the batch, not the mean.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"W_xh": _da(dh, h).T @ x},
        "dW_xh = x.T @ da, shape (D, H) like W_xh; you computed its transpose, da.T @ x.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"W_hh": _da(dh, h).T @ hp},
        "dW_hh = h_prev.T @ da; you computed its transpose, da.T @ h_prev "
        "(W_hh[i, j] connects old unit i to new unit j).",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"W_hh": h.T @ _da(dh, h)},
        "W_hh multiplies the PREVIOUS state: dW_hh = h_prev.T @ da, not h.T @ da.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"x": _da(dh, h) @ Wx},
        "going backwards through x @ W_xh multiplies by the transpose: dx = da @ W_xh.T.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"h_prev": _da(dh, h) @ Wh},
        "going backwards through h_prev @ W_hh multiplies by the transpose: dh_prev = da @ W_hh.T.",
    ),
    Mistake(
        lambda dh, x, hp, h, Wx, Wh: {"h_prev": dh @ Wh.T},
        "dh_prev must also pass through tanh: dh_prev = da @ W_hh.T with da = dh * (1 - h**2).",
    ),
)

BACKWARD_STEP_SHAPES = {
    "b_h": "b_h is shared by every row of the batch: sum da over the batch axis (axis=0) to get shape (H,).",
    "W_xh": "dW_xh has the shape of W_xh, (D, H): x.T @ da.",
    "W_hh": "dW_hh has the shape of W_hh, (H, H): h_prev.T @ da.",
    "x": "dx has the shape of x, (N, D): da @ W_xh.T.",
    "h_prev": "dh_prev has the shape of h_prev, (N, H): da @ W_hh.T.",
}


def check_rnn_step_backward(student_fn):
    """Exercise: `rnn_step_backward(dh, x, h_prev, h, W_xh, W_hh) -> dict` for a tanh step.

    Returns the gradients {"x", "h_prev", "W_xh", "W_hh", "b_h"} of h = tanh(x @ W_xh + h_prev @ W_hh + b_h),
    given dh = dL/dh (N, H).
    """
    return check_gradient_dict(
        "rnn_step_backward", student_fn, _backward_step_reference, _backward_step_cases(),
        BACKWARD_STEP_MISTAKES, shape_hints=BACKWARD_STEP_SHAPES,
    )


# ---------------------------------------------------------------- chapter 02: backpropagation through time


def _bptt_cases():
    cases = []
    for seed, (N, T, D, H) in enumerate([(2, 5, 3, 3), (1, 1, 2, 2), (3, 8, 2, 4)]):
        rng = np.random.default_rng(600 + seed)
        params = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) / 2, "b_h": rng.normal(size=H)}
        X, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
        H_all, _ = rnn.rnn_forward(X, params, h0=h0)
        dout = rng.normal(size=(N, T, H))
        cases.append(Case(f"N={N}, T={T}, D={D}, H={H}", (dout, X, H_all, h0, params["W_xh"], params["W_hh"])))
    return cases


def _bptt_reference(dout, X, H_all, h0, W_xh, W_hh, *, truncate=None):
    params = {"W_xh": W_xh, "W_hh": W_hh, "b_h": np.zeros(W_hh.shape[0])}
    grads = rnn.rnn_backward(dout, rnn.RNNCache(X, h0, H_all, params, "tanh"), truncate=truncate)
    return {k: grads[k] for k in ("b_h", "W_xh", "W_hh", "X", "h0")}


def _bptt_step_shares(dout, X, H_all, h0, W_xh, W_hh):
    """Per-step weight gradients of full BPTT: [(db_h, dW_xh, dW_hh) for t = 0 .. T-1]."""
    T = X.shape[1]
    dA = np.empty_like(H_all)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        dA[:, t] = _da(dout[:, t] + dh_next, H_all[:, t])
        dh_next = dA[:, t] @ W_hh.T
    H_prev = np.concatenate([h0[:, None], H_all[:, :-1]], axis=1)
    return [(dA[:, t].sum(axis=0), X[:, t].T @ dA[:, t], H_prev[:, t].T @ dA[:, t]) for t in range(T)], dA


def _only_one_step(which):
    def wrong(*args):
        shares, _ = _bptt_step_shares(*args)
        db, dWx, dWh = shares[which]
        return {"b_h": db, "W_xh": dWx, "W_hh": dWh}

    return wrong


def _h_prev_off_by_one(dout, X, H_all, h0, W_xh, W_hh):
    _, dA = _bptt_step_shares(dout, X, H_all, h0, W_xh, W_hh)
    return {"W_hh": np.einsum("nti,ntj->ij", H_all, dA)}


BPTT_MISTAKES = (
    Mistake(
        lambda *args: {k: v for k, v in _bptt_reference(*args, truncate=0).items() if k != "h0"},
        "no gradient flows back in time. At step t the state's gradient has two parts: dout[:, t] from its own loss "
        "PLUS the gradient coming back from step t+1 (the 'h_prev' gradient of the step after it).",
    ),
    Mistake(
        _only_one_step(0),
        "the weights are shared by every step, so their gradients must ADD UP over time (dW_hh += ...); "
        "you kept only the first step's share (overwritten at each step).",
    ),
    Mistake(
        _only_one_step(-1),
        "the weights are shared by every step, so their gradients must ADD UP over time (dW_hh += ...); "
        "you kept only the last step's share.",
    ),
    Mistake(
        _h_prev_off_by_one,
        "step t reads the state BEFORE it: h_prev is H_all[:, t-1] (and h0 when t = 0), not H_all[:, t].",
    ),
    Mistake(
        lambda dout, X, H_all, h0, W_xh, W_hh: {k: np.zeros_like(v) for k, v in
                                               _bptt_reference(dout, X, H_all, h0, W_xh, W_hh).items()},
        "everything is zero: the gradient entering step t starts from dout[:, t], the loss's gradient at that step.",
    ),
    Mistake(
        lambda dout, X, H_all, h0, W_xh, W_hh: {"h0": np.zeros_like(h0)},
        "h0 gets a gradient too: it is the 'h_prev' gradient that comes out of the first step (t = 0).",
    ),
)

BPTT_SHAPES = {
    "X": "dX has the shape of X, (N, T, D): put each step's dx into dX[:, t].",
    "h0": "dh0 has the shape of h0, (N, H).",
    "b_h": "db_h has shape (H,): the step gradients, summed over time.",
    "W_xh": "dW_xh has the shape of W_xh, (D, H): the step gradients, summed over time (not stacked).",
    "W_hh": "dW_hh has the shape of W_hh, (H, H): the step gradients, summed over time (not stacked).",
}


def check_bptt(student_fn):
    """Exercise: `bptt(dout, X, H_all, h0, W_xh, W_hh) -> dict`, full BPTT through a tanh layer.

    dout (N, T, H) is dL/dH_all; returns {"X", "h0", "W_xh", "W_hh", "b_h"} like rnn.rnn_backward.
    """
    return check_gradient_dict("bptt", student_fn, _bptt_reference, _bptt_cases(), BPTT_MISTAKES,
                               shape_hints=BPTT_SHAPES)


# ---------------------------------------------------------------- chapter 02: gradient clipping


def _clip_reference(grads, max_norm):
    return clip_by_norm(grads, max_norm)[0]


def _clip_cases():
    rng = np.random.default_rng(700)
    big = {"W_xh": 3 * rng.normal(size=(2, 3)), "W_hh": 3 * rng.normal(size=(3, 3)), "b_h": 3 * rng.normal(size=3)}
    small = {k: v / 100 for k, v in big.items()}  # global norm well below 1
    lopsided = {"W_xh": np.full((2, 2), 0.01), "W_hh": 50 * rng.normal(size=(2, 2)), "b_h": np.array([0.2, -0.1])}
    return [
        Case("norm above the threshold", (big, 1.0)),
        Case("norm below the threshold: leave it alone", (small, 1.0)),
        Case("one huge array among small ones", (lopsided, 5.0)),
        Case("a single array", ({"W_hh": rng.normal(size=(4, 4))}, 0.5)),
    ]


CLIP_MISTAKES = (
    Mistake(
        lambda g, m: {k: v * m / global_norm(g) for k, v in g.items()},
        "you rescale even when the norm is already below max_norm. Clipping only ever shrinks: "
        "scale = min(1, max_norm / norm).",
    ),
    Mistake(
        lambda g, m: {k: v * min(1.0, m / np.linalg.norm(v)) for k, v in g.items()},
        "each array was clipped by its own norm, which changes the direction of the whole gradient. "
        "Compute ONE global norm over all arrays together and scale every array by the same factor.",
    ),
    Mistake(
        lambda g, m: {k: np.clip(v, -m, m) for k, v in g.items()},
        "np.clip caps each entry separately and changes the gradient's direction. "
        "Scale all arrays by one factor, min(1, max_norm / global_norm).",
    ),
    Mistake(
        lambda g, m: {k: v * min(1.0, m / sum(np.linalg.norm(u) for u in g.values())) for k, v in g.items()},
        "the global norm is sqrt(sum of squares of ALL entries), not the sum of the arrays' norms.",
    ),
    Mistake(
        lambda g, m: {k: v * min(1.0, m / global_norm(g) ** 2) for k, v in g.items()},
        "divide by the norm itself, not by its square: scale = min(1, max_norm / norm).",
    ),
)


def check_clip_by_norm(student_fn):
    """Exercise: `clip_by_norm(grads, max_norm) -> dict`: scale every array by min(1, max_norm / global norm)."""
    return check_gradient_dict("clip_by_norm", student_fn, _clip_reference, _clip_cases(), CLIP_MISTAKES)


# ---------------------------------------------------------------- chapter 02: a centred finite difference


class _Smooth:
    """A scalar test function with its exact gradient: f(x) = sum(w * sin(x)) + (a . x)**2 + x . A x / 2.

    The squared and quadratic terms couple the entries, so an entry perturbed and never restored shows up
    in the next entries' differences; `grad` is the analytic gradient (the checker's reference).
    """

    def __init__(self, shape, seed):
        rng = np.random.default_rng(seed)
        self.w, self.a = rng.normal(size=shape), rng.normal(size=shape) / 2
        B = rng.normal(size=(int(np.prod(shape)),) * 2)
        self.A = B + B.T

    def __deepcopy__(self, memo):
        return self  # never changed: the checker's copy of a case may share it (and compare it by identity)

    def __call__(self, x):
        """f(x) for x of the test shape; a float."""
        v = x.reshape(-1)
        return float(np.sum(self.w * np.sin(x)) + np.sum(self.a * x) ** 2 + v @ self.A @ v / 2)

    def grad(self, x):
        """The exact gradient at x, shape of x."""
        return self.w * np.cos(x) + 2 * np.sum(self.a * x) * self.a + (self.A @ x.reshape(-1)).reshape(x.shape)


def _fd_cases():
    cases = []
    for seed, (shape, eps) in enumerate([((3,), 1e-3), ((2, 3), 1e-3), ((1,), 1e-4), ((4,), 1e-6)]):
        f = _Smooth(shape, 800 + seed)
        x = np.random.default_rng(810 + seed).normal(size=shape)
        label = f"x of shape {shape}, eps = {eps:g}" + (" (the default)" if eps == 1e-6 else "")
        cases.append(Case(label, (f, x, eps)))
    return cases


def _fd_reference(f, x, eps):
    return f.grad(x)


def _each_entry(x, eps, difference):
    """grad[i] = difference(x_plus, x_minus) for each entry i, with x_plus/x_minus fresh copies of x."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = difference(up, down)
    return grad


def _never_restored(f, x, eps):
    """The loop that perturbs one shared copy of x and never puts the entry back (each ends at x[i] - eps)."""
    x, grad = x.copy(), np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        grad[i] = (up - f(x)) / (2 * eps)
    return grad


FD_MISTAKES = (
    Mistake(lambda f, x, eps: _each_entry(x, eps, lambda up, down: (f(up) - f(x)) / eps),
            "that is a one-sided difference (f(x + eps) - f(x)) / eps: its error shrinks only like eps. "
            "Step both ways, f(x + eps) and f(x - eps): the error of the centred difference shrinks like eps**2."),
    Mistake(lambda f, x, eps: _each_entry(x, eps, lambda up, down: (f(x) - f(down)) / eps),
            "that is a one-sided (backward) difference (f(x) - f(x - eps)) / eps: its error shrinks only like eps. "
            "Use both f(x + eps) and f(x - eps)."),
    Mistake(lambda f, x, eps: _each_entry(x, eps, lambda up, down: (f(up) - f(down)) / eps),
            "your values are twice the gradient: x + eps and x - eps are 2 * eps apart, so divide by 2 * eps."),
    Mistake(_never_restored,
            "each entry you perturb must be put back before the next one: the later entries were measured at a "
            "point shifted by -eps. Save the old value and restore it (or perturb a fresh copy each time)."),
)

FD_IN_PLACE = ("the caller's x must come back exactly as it was. Perturb a copy of x, or save the old entry and "
               "put it back with `=` (adding and subtracting eps does not always give back the same float).")


def check_numerical_gradient(student_fn):
    """Exercise: `numerical_gradient(f, x, eps=1e-6) -> grad` of x's shape, the centred finite difference.

    grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every index i of x (any shape); checked against
    the exact gradient of smooth test functions, so a one-sided difference fails where eps is large.
    """
    return check_function(
        "numerical_gradient", student_fn, _fd_reference, _fd_cases(), FD_MISTAKES, atol=1e-5, in_place=FD_IN_PLACE,
        shape_hint="Return one number per entry of x: an array of x's shape (np.zeros_like(x) to start).",
        advice="Perturb ONE entry at a time (np.ndindex(x.shape) visits every index of an array of any shape), "
               "evaluate f on both sides, and divide the difference by 2 * eps.",
    )
