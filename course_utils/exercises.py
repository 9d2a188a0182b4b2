"""Checkers for the notebooks' exercises.

Each checker calls the student's function on several seeded cases, compares the result with the
course's reference, and answers like a patient teaching assistant: which case failed, what was
expected, and -- when the wrong answer matches a classic mistake -- a hint naming that mistake.
A failure raises `ExerciseFailed`, which Jupyter shows as the message alone, without a traceback
into this module. A pass prints one line and returns True.
"""

import copy
from typing import Callable, NamedTuple

import numpy as np

from course_utils import rnn


class ExerciseFailed(Exception):
    """A checker's verdict. Jupyter shows only the message (IPython's `_render_traceback_` hook)."""

    def _render_traceback_(self):
        return [f"\u2717 {line}" if i == 0 else f"  {line}" for i, line in enumerate(str(self).splitlines())]


class Case(NamedTuple):
    label: str
    args: tuple


class Mistake(NamedTuple):
    """A classic wrong answer: if the student's output equals `wrong(*args)`, show `hint`."""

    wrong: Callable
    hint: str


def _describe(x):
    return f"array of shape {x.shape}" if isinstance(x, np.ndarray) else f"{type(x).__name__}"


def check_function(name, student_fn, reference, cases, mistakes=(), *, atol=1e-8):
    """Compare `student_fn(*case.args)` with `reference(*case.args)` on every case.

    Raises ExerciseFailed with a diagnosis at the first case that differs; returns True otherwise.
    """
    for number, case in enumerate(cases, start=1):
        where = f"{name}, case {number} of {len(cases)} ({case.label})"
        try:
            got = student_fn(*case.args)
        except NotImplementedError:
            raise ExerciseFailed(
                f"{name}: not implemented yet.\n"
                "Replace the `raise NotImplementedError(...)` line with your code, run that cell, then this one."
            ) from None
        except Exception as err:  # the student's code crashed: say where, not how deep
            raise ExerciseFailed(
                f"{where}: your function raised {type(err).__name__}: {err}\n"
                "Check the shapes of the arrays you combine (print(x.shape) helps)."
            ) from None
        expected = reference(*case.args)
        if not isinstance(got, (np.ndarray, float, int, np.floating)):
            raise ExerciseFailed(f"{where}: expected a numpy array, got {_describe(got)}.")
        got = np.asarray(got, dtype=np.float64)
        if got.shape != expected.shape:
            raise ExerciseFailed(
                f"{where}: wrong shape: expected {expected.shape}, got {got.shape}.\n"
                "Look at which axis is which: batch first, then time, then features."
            )
        if not np.all(np.isfinite(got)):
            raise ExerciseFailed(
                f"{where}: your result contains NaN or inf.\n"
                "Look for an uninitialised array (np.empty) or a division by zero."
            )
        if np.allclose(got, expected, rtol=0, atol=atol):
            continue
        for mistake in mistakes:
            wrong = np.asarray(mistake.wrong(*case.args), dtype=np.float64)
            if wrong.shape == got.shape and np.allclose(got, wrong, rtol=0, atol=atol):
                raise ExerciseFailed(f"{where}: not quite.\nHint: {mistake.hint}")
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        raise ExerciseFailed(
            f"{where}: values differ from the reference (largest gap at index {tuple(map(int, worst))}: "
            f"expected {expected[worst]:.6f}, got {got[worst]:.6f}).\n"
            "Compare your code with the equation line by line."
        )
    print(f"\u2713 {name}: all {len(cases)} cases match the reference. Well done!")
    return True


# ---------------------------------------------------------------- chapter 01: the recurrent step


def _step_cases():
    cases = []
    for seed, (N, D, H) in enumerate([(1, 1, 1), (4, 3, 5), (2, 6, 2), (8, 1, 3)]):
        rng = np.random.default_rng(100 + seed)
        args = (
            rng.normal(size=(N, D)),  # x_t
            rng.normal(size=(N, H)),  # h_prev
            rng.normal(size=(D, H)),  # W_xh
            rng.normal(size=(H, H)),  # W_hh, not symmetric, so a transpose shows
            rng.normal(size=H),  # b_h
        )
        cases.append(Case(f"N={N}, D={D}, H={H}", args))
    return cases


def _step_reference(x, h_prev, W_xh, W_hh, b_h):
    params = {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h}
    return rnn.rnn_step_forward(x, h_prev, params)[0]


STEP_MISTAKES = (
    Mistake(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "the bias b_h is missing."),
    Mistake(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "apply tanh to the weighted sum."),
    Mistake(
        lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b),
        "with row vectors the recurrent term is h_prev @ W_hh, not h_prev @ W_hh.T "
        "(W_hh[i, j] carries unit i's old state to unit j).",
    ),
    Mistake(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "the previous state h_prev is not used: add h_prev @ W_hh."),
    Mistake(lambda x, h, Wx, Wh, b: np.maximum(x @ Wx + h @ Wh + b, 0), "this exercise uses tanh, not relu."),
)


def check_rnn_step(student_fn):
    """Exercise: `rnn_step(x_t, h_prev, W_xh, W_hh, b_h) -> h_t`, with h_t = tanh(x_t W_xh + h_prev W_hh + b_h)."""
    return check_function("rnn_step", student_fn, _step_reference, _step_cases(), STEP_MISTAKES)


# ---------------------------------------------------------------- chapter 01: the layer over time


def _layer_cases():
    cases = []
    for seed, (N, T, D, H) in enumerate([(1, 1, 1, 2), (3, 5, 2, 4), (2, 9, 1, 3)]):
        rng = np.random.default_rng(200 + seed)
        params = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) / 2, "b_h": rng.normal(size=H)}
        cases.append(Case(f"N={N}, T={T}, D={D}, H={H}", (rng.normal(size=(N, T, D)), params)))
    return cases


def _layer_from_zero_each_step(X, params):
    """The classic bug: every step starts again from h = 0."""
    return np.tanh(X @ params["W_xh"] + params["b_h"])


def check_rnn_layer(student_fn):
    """Exercise: `rnn_layer(X, params) -> H_all`, every state of a tanh layer, (N, T, D) -> (N, T, H), h_0 = 0."""
    mistakes = (
        Mistake(_layer_from_zero_each_step, "each step must start from the previous step's state, not from zeros."),
    )
    return check_function("rnn_layer", student_fn, lambda X, p: rnn.rnn_forward(X, p)[0], _layer_cases(), mistakes)


# ---------------------------------------------------------------- chapter 01: forecasting baselines


def _naive_reference(X, ahead):
    return np.repeat(X[:, -1, :1], ahead, axis=1)  # (N, ahead)


def check_naive_forecast(student_fn):
    """Exercise: `naive_forecast(X, ahead) -> (N, ahead)`: repeat each series' last value `ahead` times."""
    rng = np.random.default_rng(300)
    cases = [
        Case("one step ahead", (rng.normal(size=(5, 7, 1)), 1)),
        Case("three steps ahead", (rng.normal(size=(4, 6, 1)), 3)),
        Case("a single series, ten steps", (rng.normal(size=(1, 20, 1)), 10)),
    ]
    mistakes = (
        Mistake(lambda X, k: np.repeat(X[:, 0, :1], k, axis=1), "the naive forecast uses the LAST value, X[:, -1], not the first."),
        Mistake(lambda X, k: np.repeat(X[:, -2, :1], k, axis=1), "X[:, -1] is the last observed value; you used X[:, -2]."),
        Mistake(lambda X, k: np.repeat(X.mean(axis=1), k, axis=1), "that is the series mean; the naive forecast is the last value."),
    )
    return check_function("naive_forecast", student_fn, _naive_reference, cases, mistakes)


def _linear_next(X):
    """A stand-in one-step model: a fixed mix of the last three values, (N, T, 1) -> (N, 1)."""
    return 0.6 * X[:, -1] + 0.3 * X[:, -2] - 0.2 * X[:, -3] + 0.05


def _iterative_reference(predict_next, X, ahead):
    X = np.asarray(X, dtype=np.float64)
    preds = []
    for _ in range(ahead):
        y = predict_next(X)  # (N, 1)
        preds.append(y)
        X = np.concatenate([X, y[:, None, :]], axis=1)  # feed the forecast back as an input
    return np.concatenate(preds, axis=1)  # (N, ahead)


def check_iterative_forecast(student_fn):
    """Exercise: `iterative_forecast(predict_next, X, ahead) -> (N, ahead)` with a one-step model fed its own forecasts."""
    rng = np.random.default_rng(400)
    cases = [
        Case("one step", (_linear_next, rng.normal(size=(3, 8, 1)), 1)),
        Case("ten steps", (_linear_next, rng.normal(size=(5, 8, 1)), 10)),
        Case("a single series, four steps", (_linear_next, rng.normal(size=(1, 5, 1)), 4)),
    ]
    mistakes = (
        Mistake(
            lambda f, X, k: np.repeat(f(X), k, axis=1),
            "every forecast is the same: append each prediction to the inputs before predicting the next step.",
        ),
    )
    return check_function("iterative_forecast", student_fn, _iterative_reference, cases, mistakes)


# ---------------------------------------------------------------- chapter 02: checkers for dicts of gradients


def _copy_args(args):
    """A copy of a case's arguments (arrays, dicts of arrays, numbers) that the student may not alter."""
    return copy.deepcopy(args)


def _same_args(a, b):
    flat = lambda args: [v for x in args for v in (x.values() if isinstance(x, dict) else [x])]  # noqa: E731
    return all(np.array_equal(u, v) for u, v in zip(flat(a), flat(b)))


def check_gradient_dict(name, student_fn, reference, cases, mistakes=(), *, shape_hints=None, atol=1e-8):
    """Like `check_function`, for functions that return a dict of gradient arrays.

    `reference(*args)` returns the expected dict; its keys, in order, are checked one by one, so the
    first key reported wrong is the most basic one (list them that way). A `Mistake` here returns a
    dict holding only the keys that the mistake changes: it matches when the student's values equal
    the mistake's for every one of those keys (and at least one of them is wrong), so a slip in one
    gradient is named even when the others are right. `shape_hints` maps a key to advice shown when
    its shape is wrong. The student's function gets copies of the arguments; changing them in place
    is reported.
    """
    shape_hints = shape_hints or {}
    for number, case in enumerate(cases, start=1):
        where = f"{name}, case {number} of {len(cases)} ({case.label})"
        expected = reference(*_copy_args(case.args))
        given = _copy_args(case.args)
        try:
            got = student_fn(*given)
        except NotImplementedError:
            raise ExerciseFailed(
                f"{name}: not implemented yet.\n"
                "Replace the `raise NotImplementedError(...)` line with your code, run that cell, then this one."
            ) from None
        except Exception as err:
            raise ExerciseFailed(
                f"{where}: your function raised {type(err).__name__}: {err}\n"
                "Check the shapes of the arrays you combine (print(x.shape) helps)."
            ) from None
        if not _same_args(given, case.args):
            raise ExerciseFailed(
                f"{where}: your function changed its input arrays in place.\n"
                "Build new arrays (g * scale) instead of editing the caller's (g *= scale)."
            )
        if not isinstance(got, dict):
            raise ExerciseFailed(f"{where}: expected a dict with keys {list(expected)}, got {_describe(got)}.")
        missing = [k for k in expected if k not in got]
        if missing:
            renamed = [k for k in missing if "d" + k in got]
            tip = (
                f"\nName each gradient after what it is the gradient of: {renamed[0]!r}, not {'d' + renamed[0]!r}."
                if renamed else ""
            )
            raise ExerciseFailed(f"{where}: your dict is missing the keys {missing} (it has {list(got)}).{tip}")
        for key, want in expected.items():
            value = np.asarray(got[key], dtype=np.float64)
            if value.shape != want.shape:
                hint = shape_hints.get(key, "a gradient always has the shape of what it is the gradient of.")
                raise ExerciseFailed(
                    f"{where}: {key!r} has the wrong shape: expected {want.shape}, got {value.shape}.\nHint: {hint}"
                )
            if not np.all(np.isfinite(value)):
                raise ExerciseFailed(f"{where}: {key!r} contains NaN or inf.\nLook for np.empty or a division by zero.")
        wrong = [k for k in expected if not np.allclose(got[k], expected[k], rtol=0, atol=atol)]
        if not wrong:
            continue
        first = wrong[0]
        right = [k for k in expected if k not in wrong]
        status = f"{', '.join(repr(k) for k in right)} {'is' if len(right) == 1 else 'are'} right; " if right else ""
        for mistake in mistakes:
            guess = mistake.wrong(*_copy_args(case.args))
            if set(guess) & set(wrong) and all(
                np.shape(guess[k]) == np.shape(got[k]) and np.allclose(got[k], guess[k], rtol=0, atol=atol)
                for k in guess
            ):
                raise ExerciseFailed(f"{where}: {status}{first!r} is not.\nHint: {mistake.hint}")
        diff = np.abs(np.asarray(got[first], dtype=np.float64) - expected[first])
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise ExerciseFailed(
            f"{where}: {status}{first!r} differs from the reference (largest gap at index "
            f"{tuple(map(int, worst))}: expected {expected[first][worst]:.6f}, got {np.asarray(got[first])[worst]:.6f}).\n"
            "Write the chain rule for that gradient on paper and compare it with your code, factor by factor."
        )
    print(f"\u2713 {name}: all {len(cases)} cases match the reference. Well done!")
    return True


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
    cache = rnn.StepCache(x, h_prev, h, "tanh", {"W_xh": W_xh, "W_hh": W_hh, "b_h": np.zeros(W_hh.shape[0])})
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
        "dW_hh = h_prev.T @ da; you computed its transpose, da.T @ h_prev (W_hh[i, j] connects old unit i to new unit j).",
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
    return check_gradient_dict("bptt", student_fn, _bptt_reference, _bptt_cases(), BPTT_MISTAKES, shape_hints=BPTT_SHAPES)


# ---------------------------------------------------------------- chapter 02: gradient clipping


def _clip_reference(grads, max_norm):
    from course_utils.gradients import clip_by_norm

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


def _global_norm(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads.values()))


CLIP_MISTAKES = (
    Mistake(
        lambda g, m: {k: v * m / _global_norm(g) for k, v in g.items()},
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
        lambda g, m: {k: v * min(1.0, m / _global_norm(g) ** 2) for k, v in g.items()},
        "divide by the norm itself, not by its square: scale = min(1, max_norm / norm).",
    ),
)


def check_clip_by_norm(student_fn):
    """Exercise: `clip_by_norm(grads, max_norm) -> dict`: scale every array by min(1, max_norm / global norm)."""
    return check_gradient_dict("clip_by_norm", student_fn, _clip_reference, _clip_cases(), CLIP_MISTAKES)


# ---------------------------------------------------------------- chapter 03: gradients across time


def _length_hint(name, student_fn, cases, short_shape, hint):
    """Before the full check: if the answer has `short_shape(*args)` -- one entry too few -- say why.

    Any other problem (an exception, another shape) is left to check_function to report.
    """
    for number, case in enumerate(cases, start=1):
        try:
            got = student_fn(*case.args)
        except Exception:
            return
        if np.shape(got) == short_shape(*case.args):
            raise ExerciseFailed(f"{name}, case {number} of {len(cases)} ({case.label}): "
                                 f"got shape {np.shape(got)}, one entry too few.\nHint: {hint}")


def _scalar_product_reference(dphi, w):
    """g[k] = prod over the LAST k steps of dphi_s * w, k = 0..T; (T,) -> (T+1,)."""
    return np.concatenate([[1.0], np.cumprod((np.asarray(dphi, dtype=np.float64) * w)[::-1])])


def check_scalar_gradient(student_fn):
    """Exercise: `scalar_gradient(dphi, w) -> g (T+1,)` with g[k] = dh_T/dh_{T-k} = prod of the last k dphi_s * w."""
    rng = np.random.default_rng(500)
    cases = [
        Case("one step", (np.array([0.5]), 0.9)),
        Case("tanh-like derivatives, w = 1.2", (rng.uniform(0.2, 1.0, size=6), 1.2)),
        Case("a dead relu step in the middle", (np.array([1.0, 1.0, 0.0, 1.0, 1.0]), 1.5)),
        Case("negative weight, ten steps", (rng.uniform(0.0, 0.25, size=10), -3.0)),
    ]
    mistakes = (
        Mistake(lambda d, w: np.concatenate([[1.0], np.cumprod(d * w)]),
                "you multiplied from the FIRST step forwards. Going k steps back from h_T crosses the LAST k "
                "steps: reverse the factors (factors[::-1]) before the running product."),
        Mistake(lambda d, w: np.concatenate([[1.0], np.cumprod(d[::-1])]),
                "each step back multiplies by phi'(a_s) AND by the recurrent weight w."),
        Mistake(lambda d, w: w ** np.arange(len(d) + 1.0),
                "that is w**k: the activation's derivative phi'(a_s) is missing from each factor."),
        Mistake(lambda d, w: np.concatenate([[1.0], np.cumsum((d * w)[::-1])]),
                "the chain rule multiplies the factors; you added them (use np.cumprod, not np.cumsum)."),
    )
    _length_hint("scalar_gradient", student_fn, cases, lambda d, w: (len(d),),
                 "g must start with g[0] = 1 (zero steps back: dh_T/dh_T = 1), so it has T + 1 entries.")
    return check_function("scalar_gradient", student_fn, _scalar_product_reference, cases, mistakes)


def _step_jacobian_reference(a, W_hh):
    """dh_t/dh_{t-1} for a tanh layer, outputs first: diag(1 - tanh(a)^2) @ W_hh.T, (H, H)."""
    return (1.0 - np.tanh(a) ** 2)[:, None] * W_hh.T


def check_step_jacobian(student_fn):
    """Exercise: `step_jacobian(a, W_hh) -> J (H, H)` with J[j, i] = dh_t[j]/dh_{t-1}[i] for h_t = tanh(a_t)."""
    cases = []
    for seed, H in enumerate([1, 3, 5]):
        rng = np.random.default_rng(600 + seed)
        cases.append(Case(f"H = {H}", (rng.normal(size=H), rng.normal(size=(H, H)))))
    dphi = lambda a: 1.0 - np.tanh(a) ** 2  # noqa: E731
    mistakes = (
        Mistake(lambda a, W: dphi(a)[:, None] * W,
                "row j of the Jacobian holds d h_t[j] / d h_{t-1}[i] = phi'(a_j) * W_hh[i, j]: "
                "with row vectors that is diag(phi') @ W_hh.T, not diag(phi') @ W_hh."),
        Mistake(lambda a, W: W.T * dphi(a)[None, :],
                "the derivative multiplies the ROWS (outputs j), not the columns: diag(phi'(a)) @ W_hh.T."),
        Mistake(lambda a, W: np.tanh(a)[:, None] * W.T,
                "use the derivative of tanh, 1 - tanh(a)**2, not tanh(a) itself."),
        Mistake(lambda a, W: W.T, "the activation's derivative diag(1 - tanh(a)**2) is missing."),
    )
    return check_function("step_jacobian", student_fn, _step_jacobian_reference, cases, mistakes)


def _to_end_reference(J):
    """Q[k] = dh_T/dh_{T-k} = J_T @ ... @ J_{T-k+1} for k = 0..T; J (T, H, H) -> Q (T+1, H, H)."""
    T, H, _ = J.shape
    Q = [np.eye(H)]
    for k in range(1, T + 1):
        Q.append(Q[-1] @ J[T - k])
    return np.array(Q)


def _to_end_wrong_order(J):
    T, H, _ = J.shape
    Q = [np.eye(H)]
    for k in range(1, T + 1):
        Q.append(J[T - k] @ Q[-1])
    return np.array(Q)


def _from_start(J):
    Q = [np.eye(J.shape[1])]
    for s in range(len(J)):
        Q.append(J[s] @ Q[-1])
    return np.array(Q)


def check_jacobian_to_end(student_fn):
    """Exercise: `jacobian_to_end(J) -> Q (T+1, H, H)` with Q[k] = dh_T/dh_{T-k}, from step Jacobians J (T, H, H)."""
    cases = []
    for seed, (T, H) in enumerate([(1, 2), (3, 3), (6, 4)]):
        rng = np.random.default_rng(700 + seed)
        cases.append(Case(f"T = {T}, H = {H}", (rng.normal(size=(T, H, H)) * 0.7,)))
    mistakes = (
        Mistake(_to_end_wrong_order,
                "matrix products do not commute: extend with Q[k] = Q[k-1] @ J[T-k] (the new, older Jacobian on "
                "the RIGHT), not J[T-k] @ Q[k-1]."),
        Mistake(_from_start,
                "those are dh_k/dh_0, products from the START. Q[k] must end at h_T: Q[k] = dh_T/dh_{T-k}, "
                "built from the last Jacobian backwards."),
    )
    _length_hint("jacobian_to_end", student_fn, cases, lambda J: J.shape,
                 "Q[0] must be the identity (zero steps back), so Q has T + 1 matrices.")
    return check_function("jacobian_to_end", student_fn, _to_end_reference, cases, mistakes)

