"""Chapter 02 checkers: they accept correct solutions and name the classic backprop mistakes."""

import numpy as np
import pytest
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch02 as ex_ch02

# ---- correct solutions, written the way a student would -----------------------------------------


def good_step_backward(dh, x, h_prev, h, W_xh, W_hh):
    da = dh * (1 - h**2)
    return {"x": da @ W_xh.T, "h_prev": da @ W_hh.T, "W_xh": x.T @ da, "W_hh": h_prev.T @ da, "b_h": da.sum(axis=0)}


def make_bptt(step=good_step_backward, *, carry=True, accumulate=True, off_by_one=False):
    """A student's BPTT loop, with switches for the classic mistakes."""

    def bptt(dout, X, H_all, h0, W_xh, W_hh):
        N, T, _ = X.shape
        grads = {"X": np.zeros_like(X), "W_xh": np.zeros_like(W_xh), "W_hh": np.zeros_like(W_hh),
                 "b_h": np.zeros(W_hh.shape[0])}
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)):
            h_prev = H_all[:, t - 1] if t > 0 else h0
            if off_by_one:
                h_prev = H_all[:, t]
            g = step(dout[:, t] + (dh_next if carry else 0), X[:, t], h_prev, H_all[:, t], W_xh, W_hh)
            grads["X"][:, t] = g["x"]
            for name in ("W_xh", "W_hh", "b_h"):
                grads[name] = grads[name] + g[name] if accumulate else g[name]
            dh_next = g["h_prev"]
        grads["h0"] = dh_next
        return grads

    return bptt


def good_clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / norm)
    return {k: g * scale for k, g in grads.items()}




# ---- the backward step ------------------------------------------------------------------------


def step_with(**change):
    """good_step_backward with some gradients replaced by functions of (dh, x, h_prev, h, W_xh, W_hh)."""

    def step(dh, x, h_prev, h, W_xh, W_hh):
        out = good_step_backward(dh, x, h_prev, h, W_xh, W_hh)
        out.update({k: f(dh, x, h_prev, h, W_xh, W_hh) for k, f in change.items()})
        return out

    return step


def no_derivative(dh, x, h_prev, h, W_xh, W_hh):
    return good_step_backward(dh, x, h_prev, 0 * h, W_xh, W_hh)


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (no_derivative, ["go through tanh first"]),
        (lambda dh, x, hp, h, Wx, Wh: good_step_backward(dh / (1 + h), x, hp, h, Wx, Wh), ["not 1 - h"]),
        (step_with(b_h=lambda dh, x, hp, h, Wx, Wh: (dh * (1 - h**2)).mean(axis=0)), ["SUM of da", "'b_h' is not"]),
        (step_with(b_h=lambda dh, x, hp, h, Wx, Wh: dh * (1 - h**2)), ["'b_h' has the wrong shape", "axis=0"]),
        (step_with(W_hh=lambda dh, x, hp, h, Wx, Wh: (dh * (1 - h**2)).T @ hp), ["its transpose, da.T @ h_prev"]),
        (step_with(W_hh=lambda dh, x, hp, h, Wx, Wh: h.T @ (dh * (1 - h**2))), ["PREVIOUS state"]),
        (step_with(W_xh=lambda dh, x, hp, h, Wx, Wh: (dh * (1 - h**2)).T @ x), ["x.T @ da"]),
        (step_with(x=lambda dh, x, hp, h, Wx, Wh: (dh * (1 - h**2)) @ Wx), ["dx = da @ W_xh.T"]),
        (step_with(h_prev=lambda dh, x, hp, h, Wx, Wh: (dh * (1 - h**2)) @ Wh), ["dh_prev = da @ W_hh.T"]),
        (step_with(h_prev=lambda dh, x, hp, h, Wx, Wh: dh @ Wh.T), ["must also pass through tanh"]),
        (step_with(h_prev=lambda dh, x, hp, h, Wx, Wh: 2 * (dh * (1 - h**2)) @ Wh.T),
         ["'h_prev' differs", "are right"]),
        (lambda *a: (1, 2), ["expected a dict with keys"]),
        (lambda *a: {("d" + k): v for k, v in good_step_backward(*a).items()}, ["'b_h', not 'db_h'"]),
        (step_with(x=lambda *a: np.full_like(a[1], np.nan)), ["'x' contains NaN"]),
    ],
)
def test_step_backward_diagnoses(wrong, fragments):
    fails_with(ex.check_rnn_step_backward, wrong, *fragments)


def test_step_backward_reports_which_gradients_are_right():
    message = fails_with(ex.check_rnn_step_backward, step_with(W_hh=lambda dh, x, hp, h, Wx, Wh: hp.T @ dh))
    assert message.startswith("rnn_step_backward, case 1 of 4")
    assert "'b_h', 'W_xh', 'x', 'h_prev' are right; 'W_hh' differs" in message
    assert "differs from the reference" in message


def test_crash_is_reported():
    fails_with(ex.check_rnn_step_backward, lambda dh, x, hp, h, Wx, Wh: {"x": Wx @ dh}, "raised ValueError")


# ---- backpropagation through time -------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (make_bptt(carry=False), ["no gradient flows back in time"]),
        (make_bptt(accumulate=False), ["ADD UP over time", "first step's share"]),
        (make_bptt(off_by_one=True), ["H_all[:, t-1]"]),
        (make_bptt(step=step_with(W_hh=lambda dh, x, hp, h, Wx, Wh: (dh * (1 - h**2)).T @ hp)), ["'W_hh' differs"]),
        (lambda dout, X, H_all, h0, Wx, Wh: {**make_bptt()(dout, X, H_all, h0, Wx, Wh), "h0": np.zeros_like(h0)},
         ["h0 gets a gradient too"]),
        (lambda *a: {k: np.zeros_like(v) for k, v in make_bptt()(*a).items()}, ["everything is zero"]),
        (lambda *a: {**make_bptt()(*a), "W_hh": np.zeros((3, 3, 3))}, ["summed over time (not stacked)"]),
    ],
)
def test_bptt_diagnoses(wrong, fragments):
    fails_with(ex.check_bptt, wrong, *fragments)


def test_keeping_only_the_last_steps_share_is_named():
    def last_only(dout, X, H_all, h0, W_xh, W_hh):
        grads = make_bptt()(dout, X, H_all, h0, W_xh, W_hh)
        da = dout[:, -1] * (1 - H_all[:, -1] ** 2)  # the last step's da: nothing comes from later steps
        h_prev = H_all[:, -2] if X.shape[1] > 1 else h0
        return {**grads, "b_h": da.sum(axis=0), "W_xh": X[:, -1].T @ da, "W_hh": h_prev.T @ da}

    fails_with(ex.check_bptt, last_only, "last step's share")


# ---- clipping ---------------------------------------------------------------------------------


def test_clip_in_place_is_reported():
    def in_place(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        for g in grads.values():
            g *= min(1.0, max_norm / norm)
        return grads

    fails_with(ex.check_clip_by_norm, in_place, "changed its input arrays in place")


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda g, m: {k: v * m / np.sqrt(sum(np.sum(u**2) for u in g.values())) for k, v in g.items()},
         "Clipping only ever shrinks"),
        (lambda g, m: {k: v * min(1.0, m / np.linalg.norm(v)) for k, v in g.items()}, "ONE global norm"),
        (lambda g, m: {k: np.clip(v, -m, m) for k, v in g.items()}, "np.clip caps each entry"),
        (lambda g, m: {k: v * min(1.0, m / sum(np.linalg.norm(u) for u in g.values())) for k, v in g.items()},
         "not the sum of the arrays' norms"),
        (lambda g, m: {k: v * min(1.0, m / sum(np.sum(u**2) for u in g.values())) for k, v in g.items()},
         "not by its square"),
        (lambda g, m: {k: v * 0.5 for k, v in g.items()}, "differs from the reference"),
        (lambda g, m: list(g.values()), "expected a dict"),
    ],
)
def test_clip_diagnoses(wrong, fragment):
    fails_with(ex.check_clip_by_norm, wrong, fragment)


def test_clip_reference_keeps_direction_and_caps_norm():
    for case in ex_ch02._clip_cases():
        grads, max_norm = case.args
        clipped = ex_ch02._clip_reference(grads, max_norm)
        before = np.concatenate([g.ravel() for g in grads.values()])
        after = np.concatenate([g.ravel() for g in clipped.values()])
        assert np.linalg.norm(after) <= max_norm * (1 + 1e-12)
        cosine = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
        assert cosine == pytest.approx(1.0)
        if np.linalg.norm(before) <= max_norm:
            assert np.allclose(before, after)


# ---- a centred finite difference --------------------------------------------------------------


def make_numerical_gradient(*, difference="centred", restore="fresh"):
    """A student's finite-difference loop, with switches for the classic mistakes.

    difference: "centred", "forward" ((f(x+eps) - f(x)) / eps), "backward" ((f(x) - f(x-eps)) / eps) or
    "over_eps" (centred, divided by eps only);
    restore: "fresh" (a new copy per evaluation), "saved" (edit x in place, put the saved entry back),
    "never" (perturb one copy, never put it back), "caller" (edit the caller's array, never put it back).
    """

    def numerical_gradient(f, x, eps=1e-6):
        grad = np.zeros_like(x, dtype=float)
        work = x if restore in ("saved", "caller") else np.array(x, dtype=float)
        for i in np.ndindex(x.shape):
            if restore == "fresh":
                up, down = work.copy(), work.copy()
                up[i] += eps
                down[i] -= eps
                f_up, f_down = f(up), f(down)
            else:
                old = work[i]
                work[i] = old + eps
                f_up = f(work)
                work[i] = old - eps
                f_down = f(work)
                if restore == "saved":
                    work[i] = old
            if difference == "forward":
                grad[i] = (f_up - f(x)) / eps
            elif difference == "backward":
                grad[i] = (f(x) - f_down) / eps
            elif difference == "over_eps":
                grad[i] = (f_up - f_down) / eps
            else:
                grad[i] = (f_up - f_down) / (2 * eps)
        return grad

    return numerical_gradient


def test_numerical_gradient_accepts_an_in_place_edit_that_restores_the_entry(capsys):
    accepts(ex.check_numerical_gradient, make_numerical_gradient(restore="saved"), capsys)


def test_numerical_gradient_reference_is_the_exact_gradient():
    """The checker's reference is the analytic gradient; torch autograd must agree with it."""
    torch = pytest.importorskip("torch")
    for case in ex_ch02._fd_cases():
        f, x, _ = case.args
        t = torch.tensor(x, requires_grad=True)
        v = t.reshape(-1)
        value = ((torch.from_numpy(f.w) * torch.sin(t)).sum() + (torch.from_numpy(f.a) * t).sum() ** 2
                 + v @ torch.from_numpy(f.A) @ v / 2)
        value.backward()
        assert float(value.detach()) == pytest.approx(f(x), rel=1e-12)
        assert np.allclose(t.grad.numpy(), ex_ch02._fd_reference(*case.args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (make_numerical_gradient(difference="forward"), ["one-sided difference", "eps**2"]),
        (make_numerical_gradient(difference="backward"), ["backward) difference"]),
        (make_numerical_gradient(difference="over_eps"), ["twice the gradient", "2 * eps"]),
        (make_numerical_gradient(restore="never"), ["must be put back", "shifted by -eps"]),
        (make_numerical_gradient(restore="caller"), ["changed its input arrays in place", "put it back with `=`"]),
        (lambda f, x, eps=1e-6: make_numerical_gradient()(f, x, eps).ravel(), ["wrong shape", "x's shape"]),
        (lambda f, x, eps=1e-6: make_numerical_gradient()(f, x, eps) + 1e-3, ["values differ", "ONE entry"]),
    ],
)
def test_numerical_gradient_diagnoses(wrong, fragments):
    fails_with(ex.check_numerical_gradient, wrong, *fragments)
