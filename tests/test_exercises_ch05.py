"""Chapter 05 checkers accept correct solutions and name the classic mistakes."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch05 as ex_ch05

# ---- student-style output lengths ----------------------------------------------------------------------


def good_length(T, kernel_size, stride=1, padding=0, dilation=1):
    return (T + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def good_length_by_counting(T, kernel_size, stride=1, padding=0, dilation=1):
    """Slide the window and count the starts that fit: no formula at all."""
    span = dilation * (kernel_size - 1) + 1
    return len(range(0, T + 2 * padding - span + 1, stride))


def good_length_numpy(T, kernel_size, stride=1, padding=0, dilation=1):
    return np.floor((T + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1  # a float like 4.0


def make_length(*, dilated=True, plus_one=True, rounding="floor", pad_ends=2):
    def output_length(T, kernel_size, stride=1, padding=0, dilation=1):
        span = (dilation if dilated else 1) * (kernel_size - 1)
        rest = T + pad_ends * padding - span - 1
        steps = {"floor": rest // stride, "true": rest / stride, "ceil": math.ceil(rest / stride)}[rounding]
        return steps + 1 if plus_one else steps

    return output_length


# ---- student-style causal convolutions -----------------------------------------------------------------


def good_causal_loops(X, W, b, dilation=1):
    """Loop over time and taps, as on paper."""
    K = W.shape[0]
    N, T, _ = X.shape
    X_pad = np.concatenate([np.zeros((N, dilation * (K - 1), X.shape[2])), X], axis=1)
    out = np.zeros((N, T, W.shape[2]))
    for t in range(T):
        out[:, t] = b
        for k in range(K):
            out[:, t] += X_pad[:, t + k * dilation] @ W[k]
    return out


def good_causal_torch(X, W, b, dilation=1):
    """torch's conv1d, channels-first, after left padding."""
    K = W.shape[0]
    x = F.pad(torch.from_numpy(X).transpose(1, 2), (dilation * (K - 1), 0))
    out = F.conv1d(x, torch.from_numpy(W).permute(2, 1, 0), torch.from_numpy(b), dilation=dilation)
    return out.transpose(1, 2).numpy()


def make_causal(*, left=True, right=False, flip=False, bias=True, dilate_padding=True):
    """A causal convolution with optional classic mistakes; the taps always use the dilation."""

    def causal_conv(X, W, b, dilation=1):
        K = W.shape[0]
        total = (dilation if dilate_padding else 1) * (K - 1)
        before = total if left and not right else (total // 2 if left and right else 0)
        after = total - before if right else 0
        X_pad = np.pad(X, ((0, 0), (before, after), (0, 0)))
        kernel = W[::-1] if flip else W
        T_out = X_pad.shape[1] - dilation * (K - 1)
        out = sum(X_pad[:, k * dilation : k * dilation + T_out] @ kernel[k] for k in range(K))
        return out + b if bias else out

    return causal_conv


# ---- student-style receptive fields --------------------------------------------------------------------


def good_field(kernel_sizes, dilations):
    return 1 + sum((k - 1) * d for k, d in zip(kernel_sizes, dilations))


def good_field_walk_back(kernel_sizes, dilations):
    """Walk down from the last output, widening the set of steps it reaches."""
    reach = {0}
    for k, d in zip(reversed(kernel_sizes), reversed(dilations)):
        reach = {s - j * d for s in reach for j in range(k)}
    return len(reach)


def good_field_numpy(kernel_sizes, dilations):
    return np.int64(1) + np.dot(np.array(kernel_sizes) - 1, dilations)


# ---- acceptance ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker,solution",
    [
        (ex.check_output_length, good_length_by_counting),
        (ex.check_output_length, good_length_numpy),
        (ex.check_causal_conv, good_causal_torch),
        (ex.check_causal_conv, make_causal()),
        (ex.check_receptive_field, good_field_walk_back),
        (ex.check_receptive_field, good_field_numpy),
    ],
)
def test_other_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)


# ---- output length ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_length(plus_one=False), "the +1 is missing"),
        (make_length(rounding="true"), "that is true division"),
        (make_length(rounding="ceil"), "you rounded up"),
        (make_length(pad_ends=1), "BOTH ends"),
        (make_length(dilated=False), "dilation is missing"),
    ],
)
def test_output_length_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_output_length, wrong, "not quite", hint)


def test_output_length_other_answers():
    fails_with(ex.check_output_length, lambda *a, **k: good_length(*a, **k) + 2, "expected 8, got 10",
               "how many strides fit")
    fails_with(ex.check_output_length, lambda *a, **k: good_length(*a, **k) + 0.25, "whole number", "//")
    fails_with(ex.check_output_length, lambda *a, **k: str(good_length(*a, **k)), "expected a whole number")
    fails_with(ex.check_output_length, lambda T, kernel_size: T - kernel_size + 1,
               "raised TypeError", "unexpected keyword argument")


# ---- causal convolution ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_causal(left=False, right=True), "you padded on the RIGHT"),
        (make_causal(right=True), "symmetric ('same') padding"),
        (make_causal(flip=True), "your kernel is flipped"),
        (make_causal(bias=False), "the bias b is missing"),
    ],
)
def test_causal_conv_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_causal_conv, wrong, "not quite", hint)


def test_causal_conv_short_outputs_are_named():
    fails_with(ex.check_causal_conv, make_causal(dilate_padding=False), "case 2 of 6", "you padded K - 1 = 1 zeros",
               "dilation*(K - 1) = 2 steps back")
    fails_with(ex.check_causal_conv, make_causal(left=False), "case 1 of 6", "without padding",
               "dilation*(K - 1) = 2 steps")


def test_causal_conv_other_answers():
    fails_with(ex.check_causal_conv, lambda X, W, b, dilation=1: good_causal_loops(X, W, b, dilation) * 1.01,
               "values differ from the reference")
    fails_with(ex.check_causal_conv, lambda X, W, b, dilation=1: good_causal_loops(X, W, b, dilation)[:, :-1],
               "wrong shape")


def test_causal_conv_may_not_change_the_callers_arrays(capsys):
    def in_place(X, W, b, dilation=1):
        out = good_causal_loops(X, W, b, dilation)
        X *= 0  # would corrupt the reference if the checker passed its own arrays
        b += 1
        return out

    accepts(ex.check_causal_conv, in_place, capsys)


# ---- receptive field ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda ks, ds: good_field(ks, ds) - 1, "the +1 is missing"),
        (lambda ks, ds: good_field(ks, [1] * len(ks)), "dilation is missing"),
        (lambda ks, ds: 1 + math.prod((k - 1) * d for k, d in zip(ks, ds)), "ADD their reach"),
        (lambda ks, ds: math.prod(k * d for k, d in zip(ks, ds)), "ADD their reach"),
        (lambda ks, ds: sum(k * d for k, d in zip(ks, ds)), "(k - 1) * d per layer"),
    ],
)
def test_receptive_field_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_receptive_field, wrong, "not quite", hint)


def test_receptive_field_other_answers():
    fails_with(ex.check_receptive_field, lambda ks, ds: good_field(ks, ds) + 100, "expected 3, got 103",
               "add every layer's reach")
    fails_with(ex.check_receptive_field, lambda ks, ds: [good_field(ks, ds)], "expected a whole number")


def test_every_mistake_is_told_apart_from_the_reference():
    """Each classic mistake differs from the reference on some case, so the checkers can name it."""
    length_cases = [(10, 3, 1, 0, 1), (10, 3, 2, 0, 1), (12, 3, 1, 2, 1), (20, 3, 1, 0, 2)]
    for mistake in ex_ch05.LENGTH_MISTAKES:
        assert any(mistake.wrong(*c) != good_length(*c) for c in length_cases)
    for mistake in ex_ch05.CAUSAL_MISTAKES:
        assert any(not np.allclose(mistake.wrong(*c.args), good_causal_loops(*c.args)) for c in ex_ch05._cases_causal())


# ---- a convolution is a matrix ----------------------------------------------------------------


def good_conv_matrix(w, T):
    K = len(w)
    M = np.zeros((T - K + 1, T))
    for t in range(T - K + 1):
        M[t, t:t + K] = w
    return M


def test_conv_matrix_reference_equals_torch_conv1d():
    rng = np.random.default_rng(3)
    for K, T in [(3, 8), (1, 4), (4, 4), (5, 12)]:
        w, x = rng.normal(size=K), rng.normal(size=T)
        M = ex_ch05._conv_matrix_reference(w, T)
        out = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None])[0, 0].numpy()
        assert M.shape == (T - K + 1, T)
        assert np.allclose(M @ x, out, atol=1e-12)


def _flipped(w, T):
    return good_conv_matrix(w[::-1], T)


def _all_rows(w, T):
    M = np.zeros((T, T))
    for t in range(T):
        taps = w[:T - t]
        M[t, t:t + len(taps)] = taps
    return M


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (_flipped, ["kernel is flipped", "cross-correlation"]),
        (_all_rows, ["only T - K + 1 outputs"]),
        (lambda w, T: good_conv_matrix(w, T)[:-1], ["one row short"]),
        (lambda w, T: good_conv_matrix(w, T).T, ["that is the transpose"]),
        (lambda w, T: np.zeros((T - len(w) + 2, T)), ["wrong shape", "(T - K + 1, T)"]),
        (lambda w, T: 2 * good_conv_matrix(w, T), ["values differ", "Row t of M"]),
    ],
)
def test_conv_matrix_diagnoses(wrong, fragments):
    fails_with(ex.check_conv_matrix, wrong, *fragments)
