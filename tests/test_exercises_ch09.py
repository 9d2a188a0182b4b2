"""Chapter 09 checkers accept correct solutions, refuse a stub, and name every mistake they claim to diagnose;
their references equal the package's layers and torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch09
from course_utils.layers import linear_attention, linear_recurrence, mingru


def stub(*args):
    raise NotImplementedError("write it")


# ---- right answers, written differently from the references ------------------------------------------------


def good_combine(a1, b1, a2, b2):
    return np.multiply(a2, a1), np.add(np.multiply(b1, a2), b2)


def good_sweep(A, B, offset):
    A2, B2 = A.copy(), B.copy()
    for t in range(offset, A.shape[1]):  # reads the untouched A, B: no in-place hazard
        A2[:, t] = A[:, t - offset] * A[:, t]
        B2[:, t] = A[:, t] * B[:, t - offset] + B[:, t]
    return A2, B2


def good_mingru_step(x, h_prev, W_z, b_z, W_h, b_h):
    z = torch.sigmoid(torch.from_numpy(x @ W_z + b_z)).numpy()
    return h_prev + z * (x @ W_h + b_h - h_prev)


def good_linear_attention(Q, K, V):
    fq, fk = (F.elu(torch.from_numpy(u)) + 1 for u in (Q, K))
    S = torch.zeros(Q.shape[0], Q.shape[2], V.shape[2], dtype=torch.float64)
    z = torch.zeros(Q.shape[0], Q.shape[2], dtype=torch.float64)
    outs = []
    for t in range(Q.shape[1]):
        S = S + torch.einsum("nd,nv->ndv", fk[:, t], torch.from_numpy(V[:, t]))
        z = z + fk[:, t]
        outs.append(torch.einsum("nd,ndv->nv", fq[:, t], S) / (fq[:, t] * z).sum(-1, keepdim=True))
    return torch.stack(outs, 1).numpy()


@pytest.mark.parametrize("checker,solution", [
    (ex.check_combine, good_combine), (ex.check_combine, lambda *a: ch09._combine_reference(*a)),
    (ex.check_scan_sweep, good_sweep), (ex.check_mingru_step, good_mingru_step),
    (ex.check_linear_attention_recurrent, good_linear_attention),
    (ex.check_linear_attention_recurrent, lambda Q, K, V: linear_attention.linear_attention_quadratic(Q, K, V)),
])
def test_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)


@pytest.mark.parametrize("checker", [ex.check_combine, ex.check_scan_sweep, ex.check_mingru_step,
                                     ex.check_linear_attention_recurrent])
def test_a_stub_is_not_implemented(checker):
    fails_with(checker, stub, "not implemented yet")


MISTAKES = [(ex.check_combine, ch09.COMBINE_MISTAKES), (ex.check_scan_sweep, ch09.SWEEP_MISTAKES),
            (ex.check_mingru_step, ch09.MINGRU_MISTAKES),
            (ex.check_linear_attention_recurrent, ch09.ATTENTION_MISTAKES)]


@pytest.mark.parametrize("checker, mistake", [(c, m) for c, ms in MISTAKES for m in ms],
                         ids=lambda x: x.hint[:30] if hasattr(x, "hint") else x.__name__)
def test_every_planted_mistake_is_named(checker, mistake):
    fails_with(checker, mistake.wrong, mistake.hint)


def test_an_in_place_sweep_edit_and_a_wrong_shape_are_reported():
    def edits(A, B, offset):
        A[:, offset:] = A[:, :-offset] * A[:, offset:].copy()
        B[:, offset:] = good_sweep(A, B, offset)[1][:, offset:]
        return A, B

    fails_with(ex.check_scan_sweep, edits, "in place")
    fails_with(ex.check_linear_attention_recurrent, lambda Q, K, V: good_linear_attention(Q, K, V)[:, -1],
               "wrong shape")


# ---- the references against the package's layers and torch ------------------------------------------------


def test_references_equal_the_layers():
    for case in ch09._combine_cases():
        a1, b1, a2, b2 = case.args
        np.testing.assert_allclose(ch09._combine_reference(*case.args), linear_recurrence.combine((a1, b1), (a2, b2)))
    for case in ch09._sweep_cases():
        A, B, offset = case.args
        stages = linear_recurrence.scan_sweeps(A, B)
        if offset == 1:  # sweep 0 of the scan, started from the raw steps
            np.testing.assert_allclose(ch09._sweep_reference(A, B, 1), stages[1], atol=1e-14)
    for case in ch09._mingru_cases():
        x, h, W_z, b_z, W_h, b_h = case.args
        want, _ = mingru.mingru_step_forward(x, h, {"W_z": W_z, "b_z": b_z, "W_h": W_h, "b_h": b_h})
        np.testing.assert_allclose(ch09._mingru_reference(*case.args), want, atol=1e-12)
    for case in ch09._attention_cases():
        np.testing.assert_allclose(ch09._attention_reference(*case.args),
                                   good_linear_attention(*case.args), atol=1e-12)
