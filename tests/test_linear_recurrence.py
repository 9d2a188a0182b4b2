"""The linear recurrence h_t = a_t h_{t-1} + b_t: loop and scan against a plain Python loop and torch autograd
(float64, 1e-10), for random T up to several thousand, with and without h0; the scan's sweeps; bad inputs."""

import numpy as np
import pytest
import torch

from course_utils.layers import linear_recurrence as lr
from course_utils.layers.gradcheck import check_gradients
from course_utils.models import mingru as torch_mingru

RNG = np.random.default_rng(900)
LENGTHS = [1, 2, 3, 5, 8, 17, 64, 100, *sorted(RNG.integers(200, 5000, size=4).tolist())]


def problem(N, T, H, seed, with_h0=True):
    """a in (-1, 1) (states stay bounded over thousands of steps), b and h0 ~ N(0, 1), a random dL/dh."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-0.99, 0.99, size=(N, T, H))
    b, dout = rng.normal(size=(N, T, H)), rng.normal(size=(N, T, H))
    return a, b, (rng.normal(size=(N, H)) if with_h0 else None), dout


def plain_loop(a, b, h0):
    """The oracle: one scalar recurrence per (sequence, channel), in plain Python floats."""
    N, T, H = a.shape
    out = np.empty((N, T, H))
    for n in range(N):
        for j in range(H):
            h = 0.0 if h0 is None else float(h0[n, j])
            for t in range(T):
                h = float(a[n, t, j]) * h + float(b[n, t, j])
                out[n, t, j] = h
    return out


def torch_reference(a, b, h0, dout):
    """States and gradients of sum(dout * h) by torch autograd through a step-by-step loop (float64)."""
    a_t, b_t = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    h0_t = torch.tensor(np.zeros(a.shape[::2]) if h0 is None else h0, requires_grad=True)
    h, states = h0_t, []
    for t in range(a.shape[1]):
        h = a_t[:, t] * h + b_t[:, t]
        states.append(h)
    out = torch.stack(states, dim=1)
    (out * torch.from_numpy(dout)).sum().backward()
    return out.detach().numpy(), {"a": a_t.grad.numpy(), "b": b_t.grad.numpy(), "h0": h0_t.grad.numpy()}


@pytest.mark.parametrize("T", LENGTHS)
@pytest.mark.parametrize("with_h0", [True, False])
def test_loop_and_scan_equal_a_plain_loop_and_torch_autograd(T, with_h0):
    a, b, h0, dout = problem(2, T, 3, seed=T, with_h0=with_h0)
    want, want_grads = torch_reference(a, b, h0, dout)
    np.testing.assert_allclose(plain_loop(a, b, h0), want, rtol=0, atol=1e-10)
    for parallel in (True, False):
        h, cache = lr.linear_recurrence_forward(a, b, h0, parallel=parallel)
        np.testing.assert_allclose(h, want, rtol=0, atol=1e-10)
        grads = lr.linear_recurrence_backward(dout, cache, parallel=parallel)
        assert set(grads) == {"a", "b", "h0"}
        for key, value in want_grads.items():
            np.testing.assert_allclose(grads[key], value, rtol=0, atol=1e-10, err_msg=f"d{key}, parallel={parallel}")
    np.testing.assert_allclose(lr.linear_recurrence_scan(a, b, h0), want, rtol=0, atol=1e-10)
    np.testing.assert_allclose(lr.linear_recurrence_loop(a, b, h0), want, rtol=0, atol=1e-10)


def test_backward_against_finite_differences():
    a, b, h0, dout = problem(2, 9, 3, seed=1)
    h, cache = lr.linear_recurrence_forward(a, b, h0)
    grads = lr.linear_recurrence_backward(dout, cache)
    loss = lambda p: float((lr.linear_recurrence_scan(p["a"], p["b"], p["h0"]) * dout).sum())  # noqa: E731
    errors = check_gradients(loss, {"a": a, "b": b, "h0": h0}, grads)
    assert max(errors.values()) < 1e-7, errors


def test_the_combine_step_composes_two_maps_in_order():
    rng = np.random.default_rng(3)
    (a1, b1), (a2, b2), h = rng.normal(size=(2, 4)), rng.normal(size=(2, 4)), rng.normal(size=4)
    A, B = lr.combine((a1, b1), (a2, b2))
    np.testing.assert_allclose(A * h + B, a2 * (a1 * h + b1) + b2, atol=1e-14)  # first (a1, b1), then (a2, b2)
    three = [rng.normal(size=(2, 4)) for _ in range(3)]
    left = lr.combine(lr.combine(three[0], three[1]), three[2])
    right = lr.combine(three[0], lr.combine(three[1], three[2]))
    np.testing.assert_allclose(left, right, atol=1e-14)  # associative: any grouping gives the same map


@pytest.mark.parametrize("T", [1, 2, 5, 8, 9, 1000])
def test_sweeps_count_and_reach(T):
    a, b, h0, _ = problem(1, T, 2, seed=T)
    a = 0.999 + 0.001 * a  # close to 1: the first step still counts at the end, so an unfinished entry shows
    stages = lr.scan_sweeps(a, b, h0)
    work, depth = lr.scan_work_depth(T)
    assert len(stages) == 1 + depth == 1 + int(np.ceil(np.log2(T)))
    assert work == sum(T - 2**k for k in range(depth))
    np.testing.assert_allclose(stages[-1][1], plain_loop(a, b, h0), atol=1e-10)
    want = plain_loop(a, b, h0)
    for k, (_, B) in enumerate(stages):  # after k sweeps, the first 2**k entries are finished
        done = min(T, 2**k)
        np.testing.assert_allclose(B[:, :done], want[:, :done], atol=1e-10)
        if done < T:
            assert not np.allclose(B[:, done], want[:, done])  # the next entry still lacks its earliest steps


@pytest.mark.parametrize("T", [1, 7, 256, 3000])
@pytest.mark.parametrize("with_h0", [True, False])
def test_torch_scan_equals_the_loop_and_autograd(T, with_h0):
    a, b, h0, dout = problem(2, T, 3, seed=T + 1, with_h0=with_h0)
    want, want_grads = torch_reference(a, b, h0, dout)
    leaves = [torch.tensor(x, requires_grad=True) for x in (a, b, np.zeros((2, 3)) if h0 is None else h0)]
    for fn in (torch_mingru.scan, torch_mingru.loop):
        for leaf in leaves:
            leaf.grad = None
        out = fn(*leaves)
        (out * torch.from_numpy(dout)).sum().backward()
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=0, atol=1e-10)
        for leaf, key in zip(leaves, ("a", "b", "h0")):
            np.testing.assert_allclose(leaf.grad.numpy(), want_grads[key], rtol=0, atol=1e-10, err_msg=key)


def test_torch_scan_passes_gradcheck_and_cumsum_form_breaks_on_long_sequences():
    rng = np.random.default_rng(5)
    args = [torch.tensor(x, requires_grad=True) for x in (rng.uniform(-1, 1, (2, 13, 2)), rng.normal(size=(2, 13, 2)),
                                                           rng.normal(size=(2, 2)))]
    assert torch.autograd.gradcheck(torch_mingru.scan, args)
    a = torch.full((1, 1000, 1), 0.9)  # float32: 0.9 ** 1000 underflows to 0
    b = torch.ones(1, 1000, 1)
    assert torch_mingru.scan(a, b).isfinite().all()
    assert not torch_mingru.cumsum_form(a, b).isfinite().all()
    short = torch_mingru.cumsum_form(a[:, :50].double(), b[:, :50].double())
    np.testing.assert_allclose(short.numpy(), torch_mingru.loop(a[:, :50].double(), b[:, :50].double()).numpy())


def test_bad_inputs_are_refused_with_clear_messages():
    a = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"^a must have shape \(N, T, H\), got \(5, 3\)$"):
        lr.linear_recurrence_scan(a[0], a[0])
    with pytest.raises(ValueError, match=r"^b must have shape \(N=2, T=5, H=3\), got \(2, 4, 3\)$"):
        lr.linear_recurrence_loop(a, a[:, :4])
    with pytest.raises(ValueError, match=r"^h0 must have shape \(N=2, H=3\), got \(3,\)$"):
        lr.linear_recurrence_scan(a, a, np.zeros(3))
    with pytest.raises(ValueError, match=r"T>=1"):
        lr.linear_recurrence_loop(a[:, :0], a[:, :0])
    with pytest.raises(ValueError, match="numeric"):
        lr.linear_recurrence_scan(a.astype(str), a)
    h, cache = lr.linear_recurrence_forward(a, a)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T=5, H=3\)"):
        lr.linear_recurrence_backward(np.zeros((2, 5)), cache)
    with pytest.raises(ValueError, match="LinearRecurrenceCache"):
        lr.linear_recurrence_backward(h, tuple(cache))
