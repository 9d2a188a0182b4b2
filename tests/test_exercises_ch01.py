"""The checkers accept a correct solution and reject classic mistakes with the matching hint."""

import numpy as np
import pytest
from checker_asserts import fails_with

from course_utils import exercises as ex

# ---- correct solutions, written the way a student would -----------------------------------------


def good_step(x, h_prev, W_xh, W_hh, b_h):
    return np.tanh(x @ W_xh + h_prev @ W_hh + b_h)


def good_layer(X, params):
    N, T, _ = X.shape
    h = np.zeros((N, params["W_hh"].shape[0]))
    out = []
    for t in range(T):
        h = good_step(X[:, t], h, params["W_xh"], params["W_hh"], params["b_h"])
        out.append(h)
    return np.stack(out, axis=1)


def good_naive(X, ahead):
    return np.tile(X[:, -1], (1, ahead))


def good_iterative(predict_next, X, ahead):
    out = []
    for _ in range(ahead):
        y = predict_next(X)
        out.append(y[:, 0])
        X = np.concatenate([X[:, 1:], y[:, :, None]], axis=1)  # a sliding window works too
    return np.stack(out, axis=1)


# ---- classic mistakes -------------------------------------------------------------------------




@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "bias b_h is missing"),
        (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "apply tanh"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "not h_prev @ W_hh.T"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "h_prev is not used"),
        (lambda x, h, Wx, Wh, b: np.maximum(x @ Wx + h @ Wh + b, 0), "not relu"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).sum(axis=1), "wrong shape"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b) * np.nan, "NaN or inf"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + 2 * b), "values differ"),
        (lambda x, h, Wx, Wh, b: np.tanh(Wx @ x + h @ Wh + b), "raised ValueError"),
        (lambda x, h, Wx, Wh, b: [0.0], "expected a numpy array, got list"),
    ],
)
def test_step_checker_diagnoses(wrong, fragment):
    message = fails_with(ex.check_rnn_step, wrong, fragment)
    assert "case 1 of 4" in message or "case 2 of 4" in message  # says which case


def test_layer_checker_spots_missing_recurrence():
    def forgets(X, params):
        return np.tanh(X @ params["W_xh"] + params["b_h"])

    fails_with(ex.check_rnn_layer, forgets, "previous step's state")

    def last_only(X, params):
        return good_layer(X, params)[:, -1]

    fails_with(ex.check_rnn_layer, last_only, "wrong shape", "expected (1, 1, 2), got (1, 2)")


def test_naive_checker_hints():
    fails_with(ex.check_naive_forecast, lambda X, k: np.tile(X[:, 0], (1, k)), "LAST value")
    fails_with(ex.check_naive_forecast, lambda X, k: X[:, -1], "case 2 of 3", "expected (4, 3), got (4, 1)")
    fails_with(ex.check_naive_forecast, lambda X, k: np.tile(X.mean(axis=1), (1, k)), "series mean")


def test_iterative_checker_hint_for_no_feedback():
    fails_with(ex.check_iterative_forecast, lambda f, X, k: np.tile(f(X), (1, k)), "append each prediction")


def test_failures_render_without_traceback():
    err = ex.ExerciseFailed("rnn_step: not quite.\nHint: apply tanh")
    assert err._render_traceback_() == ["\u2717 rnn_step: not quite.", "  Hint: apply tanh"]
