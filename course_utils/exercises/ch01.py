"""Chapter 01 checkers: the recurrent step, the layer over time, forecasting baselines."""

import numpy as np

from course_utils.exercises.engine import Case, Mistake, check_function
from course_utils.layers import rnn

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
        Mistake(lambda X, k: np.repeat(X[:, 0, :1], k, axis=1),
                "the naive forecast uses the LAST value, X[:, -1], not the first."),
        Mistake(lambda X, k: np.repeat(X[:, -2, :1], k, axis=1),
                "X[:, -1] is the last observed value; you used X[:, -2]."),
        Mistake(lambda X, k: np.repeat(X.mean(axis=1), k, axis=1),
                "that is the series mean; the naive forecast is the last value."),
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
    """Exercise: `iterative_forecast(predict_next, X, ahead) -> (N, ahead)`, a one-step model fed its own forecasts."""
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
