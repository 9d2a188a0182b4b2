"""Chapter 08 checkers accept correct solutions and name the classic mistakes."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch08 as ex_ch08
from course_utils.exercises import close

# ---- student-style stream batchers -----------------------------------------------------------------------


def good_streams_loops(ids, batch_size, T):
    """Window by window, stream by stream, as on paper."""
    L = (len(ids) - 1) // batch_size
    n = L // T
    X = np.zeros((n, batch_size, T), dtype=np.int64)
    Y = np.zeros((n, batch_size, T), dtype=np.int64)
    for k in range(n):
        for b in range(batch_size):
            start = b * L + k * T
            X[k, b] = ids[start : start + T]
            Y[k, b] = ids[start + 1 : start + T + 1]
    return X, Y


def good_streams_reshape(ids, batch_size, T):
    """Reshape to (B, L) once, then cut the time axis into windows."""
    L = (len(ids) - 1) // batch_size
    n = L // T
    x = ids[: batch_size * L].reshape(batch_size, L)
    y = np.stack([ids[b * L + 1 : b * L + L + 1] for b in range(batch_size)])
    return (x[:, : n * T].reshape(batch_size, n, T).swapaxes(0, 1),
            y[:, : n * T].reshape(batch_size, n, T).swapaxes(0, 1))


def good_streams_torch(ids, batch_size, T):
    """torch's unfold over each stream (a different route to the same windows)."""
    L = (len(ids) - 1) // batch_size
    t = torch.from_numpy(np.asarray(ids))
    s = torch.stack([t[b * L : b * L + L + 1] for b in range(batch_size)])  # (B, L + 1)
    X = s[:, :-1].unfold(1, T, T).permute(1, 0, 2)  # (n, B, T)
    Y = s[:, 1:].unfold(1, T, T).permute(1, 0, 2)
    return X.numpy(), Y.numpy()


def make_streams(*, shift=1, interleave=False, stride=None, pad=False, swap=False, as_float=False):
    """A stream batcher with optional classic mistakes (stride: an int, "overlap" = T - 1, "gap" = T + 1)."""

    def stream_batches(ids, batch_size, T):
        B, L = batch_size, (len(ids) - 1) // batch_size
        if interleave:  # stream b = ids[b], ids[b + B], ...
            x, y = ids[: B * L].reshape(L, B).T, ids[1 : B * L + 1].reshape(L, B).T
        else:
            s = np.stack([ids[b * L : b * L + L + 1] for b in range(B)])
            x, y = s[:, :L], (s[:, 1:] if shift else s[:, :L].copy())
        step = {None: T, "overlap": T - 1, "gap": T + 1}.get(stride, stride)
        if pad:
            n = -(-L // T)
            x, y = (np.pad(a, ((0, 0), (0, n * T - L))) for a in (x, y))
        elif step == T:
            n = L // T
        elif step == T + 1:
            n = (L + 1) // (T + 1)
        else:
            n = (L - T) // step + 1
        X = np.stack([x[:, k * step : k * step + T] for k in range(n)])
        Y = np.stack([y[:, k * step : k * step + T] for k in range(n)])
        if as_float:
            X, Y = X.astype(float), Y.astype(float)
        return (Y, X) if swap else (X, Y)

    return stream_batches


# ---- student-style temperature softmaxes -----------------------------------------------------------------


def good_temperature(logits, temperature):
    z = logits / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def good_temperature_torch(logits, temperature):
    return torch.softmax(torch.from_numpy(logits) / temperature, dim=-1).numpy()


def good_temperature_logsumexp(logits, temperature):
    """exp(z - logsumexp(z)), with the logsumexp written out."""
    z = logits / temperature
    m = z.max(axis=-1, keepdims=True)
    return np.exp(z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))


def good_temperature_in_place(logits, temperature):
    logits /= temperature  # changes the caller's array: the checker must hand over a copy
    logits -= logits.max(axis=-1, keepdims=True)
    np.exp(logits, out=logits)
    return logits / logits.sum(axis=-1, keepdims=True)


def make_temperature(*, op="divide", stable=True, axis=-1, after=False, keepdims=True):
    def temperature_probs(logits, temperature):
        if after:
            p = good_temperature(logits, 1.0)
            return p ** (1 / temperature)
        z = logits / temperature if op == "divide" else logits * temperature
        if stable:
            z = z - (z.max(axis=axis, keepdims=keepdims) if axis is not None else z.max())
        e = np.exp(z)
        return e / (e.sum(axis=axis, keepdims=keepdims) if axis is not None else e.sum())

    return temperature_probs


# ---- student-style bits per character -------------------------------------------------------------------


def good_bits(logits, targets):
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(targets)), targets].mean() / np.log(2)


def good_bits_torch(logits, targets):
    return F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item() / math.log(2)


def good_bits_loop(logits, targets):
    total = 0.0
    for row, y in zip(logits, targets):
        m = max(row)
        total += -(row[y] - m - math.log(sum(math.exp(v - m) for v in row))) / math.log(2)
    return total / len(targets)


def make_bits(*, base=2, reduce="mean", index="target", stable=True, sign=-1):
    def bits_per_char(logits, targets):
        if stable:
            z = logits - logits.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        else:
            log_p = np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
        rows = np.arange(len(targets))
        picked = {"target": log_p[rows, targets], "argmax": log_p.max(axis=1),
                  "block": log_p[:, targets]}[index]
        loss = sign * picked / (np.log(2) if base == 2 else 1.0)
        return float(loss.mean() if reduce == "mean" else loss.sum())

    return bits_per_char


def naive_log_softmax_bits(logits, targets):
    """Stable softmax, then np.log: -inf where a probability underflows to 0."""
    p = good_temperature(logits, 1.0)
    return float(-np.log2(p[np.arange(len(targets)), targets]).mean())


# ---- acceptance ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker,solution",
    [
        (ex.check_stream_batches, good_streams_reshape),
        (ex.check_stream_batches, good_streams_torch),
        (ex.check_stream_batches, make_streams()),
        (ex.check_temperature_probs, good_temperature_torch),
        (ex.check_temperature_probs, good_temperature_logsumexp),
        (ex.check_temperature_probs, good_temperature_in_place),
        (ex.check_temperature_probs, make_temperature()),
        (ex.check_bits_per_char, good_bits_torch),
        (ex.check_bits_per_char, good_bits_loop),
        (ex.check_bits_per_char, make_bits()),
    ],
)
def test_other_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)


# ---- the references against independent oracles --------------------------------------------------------


def test_bits_reference_equals_torch_cross_entropy_over_ln2():
    for case in ex_ch08._bits_cases():
        logits, targets = case.args
        nats = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item()
        assert math.isclose(ex_ch08._bits_reference(logits, targets), nats / math.log(2), rel_tol=1e-10,
                            abs_tol=1e-10), case.label


def test_bits_reference_of_uniform_logits_is_log2_v():
    for V in (2, 5, 83):
        assert math.isclose(ex_ch08._bits_reference(np.zeros((7, V)), np.arange(7) % V), math.log2(V),
                            rel_tol=1e-12)


def test_temperature_reference_equals_torch_softmax():
    for case in ex_ch08._temperature_cases():
        logits, tau = case.args
        want = torch.softmax(torch.from_numpy(logits) / tau, dim=-1).numpy()
        np.testing.assert_allclose(ex_ch08._temperature_reference(logits, tau), want, rtol=0, atol=1e-12)


def test_stream_reference_covers_each_stream_once_in_order():
    """Inputs of all windows, read stream by stream, are ids[b*L : b*L + n*T]; targets follow by one."""
    ids = np.arange(1000, 1000 + 61)  # distinct values: an index mix-up cannot hide
    for B, T in [(3, 4), (4, 5), (1, 7), (6, 10)]:
        X, Y = ex_ch08._stream_reference(ids, B, T)
        L = (len(ids) - 1) // B
        n = L // T
        assert X.shape == Y.shape == (n, B, T)
        for b in range(B):
            np.testing.assert_array_equal(X[:, b].ravel(), ids[b * L : b * L + n * T])
            np.testing.assert_array_equal(Y[:, b].ravel(), ids[b * L + 1 : b * L + n * T + 1])
        assert len(np.unique(X)) == X.size  # no input read twice


# ---- stream batches --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_streams(shift=0), "your targets equal your inputs"),
        (make_streams(swap=True), "swapped (shifted the wrong way)"),
        (make_streams(interleave=True), "your streams are interleaved"),
        (make_streams(stride=1), "slide one step at a time"),
        (make_streams(stride="overlap"), "overlap by one step"),
        (make_streams(stride="gap"), "start every T + 1 steps"),
    ],
)
def test_stream_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_stream_batches, wrong, "not quite", hint)


def test_stream_partial_window_is_named():
    fails_with(ex.check_stream_batches, make_streams(pad=True), "case 2 of 6", "has 4 windows, expected L // T",
               "drop it")


def test_stream_other_answers():
    fails_with(ex.check_stream_batches, make_streams(as_float=True), "float64 values", "integers")
    fails_with(ex.check_stream_batches, lambda ids, B, T: make_streams()(ids, B, T)[0], "expected a pair (X, Y)")
    fails_with(ex.check_stream_batches, lambda ids, B, T: tuple(a.tolist() for a in make_streams()(ids, B, T)),
               "expected X to be a numpy array")

    def off_by_one_stream(ids, B, T):  # stream b starts one character late
        X, Y = make_streams()(ids, B, T)
        return X, Y.copy() + (np.arange(B)[None, :, None] == 1)

    fails_with(ex.check_stream_batches, off_by_one_stream, "Y[0, 1, 0] (window 0, stream 1, step 0)")
    fails_with(ex.check_stream_batches, lambda ids, B, T: tuple(a[:, :, :-1] for a in make_streams()(ids, B, T)),
               "has shape (3, 2, 3), expected (n_windows, batch_size, T) = (3, 2, 4)")


def test_every_stream_mistake_is_told_apart_from_the_reference():
    for mistake in ex_ch08.STREAM_MISTAKES:
        differs = []
        for case in ex_ch08._stream_cases():
            want, got = ex_ch08._stream_reference(*case.args), mistake.wrong(*case.args)
            differs.append(not all(close(g, w, 0) for g, w in zip(got, want)))
        assert differs[0] or differs[1], mistake.hint[:40]


# ---- temperature ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_temperature(op="multiply"), "multiplied the logits by the temperature"),
        (make_temperature(axis=0), "over the wrong axis"),
        (make_temperature(axis=None), "normalised over the whole array"),
        (make_temperature(after=True), "after the softmax"),
        (lambda z, tau: good_temperature(z, 1.0) / tau, "divided the probabilities"),
    ],
)
def test_temperature_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_temperature_probs, wrong, "not quite", hint)


def test_temperature_overflow_is_named(recwarn):
    msg = fails_with(ex.check_temperature_probs, make_temperature(stable=False), "case 4 of 5", "NaN or inf",
                     "Subtract the row's maximum")
    assert "large logits" in msg
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)], "overflow warnings leaked"


def test_temperature_wrong_values_before_overflow_are_named_first():
    """An unstable softmax that also multiplies is told about the multiplication at case 1."""
    fails_with(ex.check_temperature_probs, make_temperature(op="multiply", stable=False), "case 1 of 5",
               "multiplied the logits")


def test_temperature_other_answers():
    fails_with(ex.check_temperature_probs, make_temperature(keepdims=False, axis=-1), "case 2 of 5")
    fails_with(ex.check_temperature_probs, lambda z, tau: good_temperature(z, tau).tolist(), "expected a numpy array")
    fails_with(ex.check_temperature_probs, lambda z, tau: good_temperature(z, tau) * 1.01, "values differ")


# ---- bits per character ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_bits(base="e"), "the loss in nats"),
        (make_bits(reduce="sum"), "you summed over the positions"),
        (make_bits(reduce="sum", base="e"), "you summed the natural-log losses"),
        (make_bits(sign=1), "the sign is wrong"),
        (make_bits(index="argmax"), "the most likely character (the argmax)"),
        (make_bits(index="block"), "p[:, targets]"),
        (lambda z, y: float(-np.log2(np.exp(z)[np.arange(len(y)), y]).mean()), "without the softmax"),
    ],
)
def test_bits_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_bits_per_char, wrong, "not quite", hint)


@pytest.mark.parametrize("unstable", [make_bits(stable=False), naive_log_softmax_bits])
def test_bits_unstable_log_softmax_is_named(unstable, recwarn):
    fails_with(ex.check_bits_per_char, unstable, "case 5 of 5", "huge logits", "log-softmax directly")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)], "overflow warnings leaked"


def test_bits_other_answers():
    fails_with(ex.check_bits_per_char, lambda z, y: good_bits(z, y) + 0.1, "expected", "then the mean")
    fails_with(ex.check_bits_per_char, lambda z, y: np.full(len(y), good_bits(z, y)), "expected one number")
    fails_with(ex.check_bits_per_char, lambda z, y: str(good_bits(z, y)), "expected a number")


def test_every_bits_mistake_is_told_apart_from_the_reference():
    for mistake in ex_ch08.BITS_MISTAKES:
        case = ex_ch08._bits_cases()[0]
        assert not math.isclose(mistake.wrong(*case.args), ex_ch08._bits_reference(*case.args)), mistake.hint[:40]


# ---- nucleus (top-p) filtering --------------------------------------------------------------------------


def good_top_p(p, top_p):
    order = np.argsort(-p, kind="stable")
    n = int(np.searchsorted(np.cumsum(p[order]), top_p * (1 - 1e-12))) + 1
    q = np.zeros_like(p)
    q[order[:n]] = p[order[:n]]
    return q / q.sum()


def test_top_p_reference_equals_the_package_sampler():
    from course_utils.nlp import sampling

    for case in ex_ch08._nucleus_cases():
        p, top_p = case.args
        np.testing.assert_allclose(ex_ch08._nucleus(p, top_p), sampling.next_char_probs(np.log(p), top_p=top_p),
                                   rtol=0, atol=1e-12, err_msg=case.label)


def test_top_p_correct_answer_passes(capsys):
    accepts(ex.check_top_p_filter, good_top_p, capsys)


@pytest.mark.parametrize("mistake", ex_ch08.NUCLEUS_MISTAKES, ids=lambda m: m.hint[:30])
def test_top_p_mistakes_get_their_hint(mistake):
    fails_with(ex.check_top_p_filter, mistake.wrong, "not quite", mistake.hint)
