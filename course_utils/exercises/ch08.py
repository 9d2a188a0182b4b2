"""Chapter 08 checkers: the stream batcher's windows, temperature softmax, bits per character, top-p filtering.

References written out here (the policy is in `course_utils.exercises`).
"""

import math

import numpy as np

from course_utils.exercises.engine import (
    Case,
    ExerciseFailed,
    Mistake,
    check_function,
    check_number,
    check_outputs,
    describe,
)

# ---------------------------------------------------------------- chapter 08: stream batches


def _stream_reference(ids, B, T):
    """(X, Y), each (n_windows, B, T): B contiguous streams of L = (len(ids) - 1) // B steps, windows of T."""
    L = (len(ids) - 1) // B
    n = L // T
    streams = np.stack([ids[b * L : b * L + L + 1] for b in range(B)])  # (B, L + 1): inputs and one more
    X = streams[:, : n * T].reshape(B, n, T).transpose(1, 0, 2)
    Y = streams[:, 1 : n * T + 1].reshape(B, n, T).transpose(1, 0, 2)
    return X, Y


def _windows(streams, T, n, stride):
    """(n, B, T) windows of `streams` (B, length) starting every `stride` steps."""
    return np.stack([streams[:, k * stride : k * stride + T] for k in range(n)])


def _not_shifted(ids, B, T):
    X, _ = _stream_reference(ids, B, T)
    return X, X.copy()


def _wrong_way(ids, B, T):
    X, Y = _stream_reference(ids, B, T)
    return Y, X


def _interleaved(ids, B, T):
    """Streams b = ids[b::B]: reshape (L, B) and transpose, instead of reshape (B, L)."""
    L = (len(ids) - 1) // B
    n = L // T
    xs = ids[: B * L].reshape(L, B).T
    ys = ids[1 : B * L + 1].reshape(L, B).T
    return _windows(xs, T, n, T), _windows(ys, T, n, T)


def _overlapping(ids, B, T, stride):
    """Windows that start every `stride` steps (stride < T overlaps, stride 1 slides)."""
    L = (len(ids) - 1) // B
    streams = np.stack([ids[b * L : b * L + L + 1] for b in range(B)])
    n = (L - T) // stride + 1
    return _windows(streams[:, :L], T, n, stride), _windows(streams[:, 1:], T, n, stride)


def _stepped_by_t_plus_one(ids, B, T):
    """Chunks of T + 1 characters one after the other: the pair across each chunk border is never trained."""
    L = (len(ids) - 1) // B
    streams = np.stack([ids[b * L : b * L + L + 1] for b in range(B)])
    n = (L + 1) // (T + 1)
    return _windows(streams, T, n, T + 1), _windows(streams[:, 1:], T, n, T + 1)


STREAM_MISTAKES = (
    Mistake(_not_shifted,
            "your targets equal your inputs: the model would learn to copy the character it reads. The target at "
            "step t is the NEXT character, so Y is the stream shifted by one: X from stream[0:L], Y from "
            "stream[1:L + 1]."),
    Mistake(_wrong_way,
            "your inputs and targets are swapped (shifted the wrong way): the model would predict the PREVIOUS "
            "character. X holds characters t, Y characters t + 1 of each stream."),
    Mistake(_interleaved,
            "your streams are interleaved: stream b holds ids[b], ids[b + B], ids[b + 2B], ..., so consecutive "
            "steps of a stream are B characters apart in the text. Cut the text into B contiguous parts: stream b "
            "is ids[b*L : b*L + L + 1] (reshape to (B, L), not (L, B))."),
    Mistake(lambda ids, B, T: _overlapping(ids, B, T, 1),
            "your windows slide one step at a time (as for chapter 01's forecasting windows), so they overlap and "
            "every character is read up to T times per epoch. Here window k covers steps k*T to k*T + T: they "
            "tile the stream, and the state carried from one window to the next covers the rest."),
    Mistake(lambda ids, B, T: _overlapping(ids, B, T, T - 1),
            "your windows overlap by one step (they start every T - 1 steps): window k + 1 must start where "
            "window k ended, at step (k + 1)*T, so the carried state continues exactly where it stopped."),
    Mistake(_stepped_by_t_plus_one,
            "your windows start every T + 1 steps: a character is skipped between windows, and the carried state "
            "would jump over it. Window k covers INPUT steps k*T to k*T + T; its targets reach one step further, "
            "so consecutive windows share that one character (a target of one, the first input of the next)."),
)


def _read_int_pair(where, got):
    """The student's (X, Y) as two integer arrays, or a diagnosis of what came back instead."""
    if not isinstance(got, (tuple, list)):
        raise ExerciseFailed(f"{where}: expected a pair (X, Y), got {describe(got)}.\nEnd with `return X, Y`.")
    if len(got) != 2:
        raise ExerciseFailed(f"{where}: expected a pair (X, Y), got a {type(got).__name__} of {len(got)} items.")
    out = []
    for label, value in zip("XY", got):
        if not isinstance(value, np.ndarray):
            raise ExerciseFailed(f"{where}: expected {label} to be a numpy array, got {describe(value)}.")
        if not np.issubdtype(value.dtype, np.integer):
            raise ExerciseFailed(f"{where}: {label} holds {value.dtype} values; character ids are integers "
                                 "(index arrays for the embedding). Keep the dtype of `ids` (int64).")
        out.append(value)
    return tuple(out)


def _stream_cases():
    cases = []
    for seed, (n_ids, B, T) in enumerate([(25, 2, 4), (41, 4, 3), (60, 3, 5), (101, 5, 6), (17, 1, 4), (33, 4, 8)]):
        rng = np.random.default_rng(1800 + seed)
        ids = rng.integers(0, 30, size=n_ids, dtype=np.int64)
        cases.append(Case(f"len(ids)={n_ids}, batch_size={B}, T={T}", (ids, B, T)))
    return cases


def check_stream_batches(student_fn):
    """Exercise: `stream_batches(ids, batch_size, T) -> (X, Y)`, two int arrays of shape (n_windows, batch_size, T).

    Stream b is ids[b*L : b*L + L + 1] with L = (len(ids) - 1) // batch_size; window k holds steps k*T to
    k*T + T of every stream (inputs X) and the same steps shifted by one (targets Y); n_windows = L // T.
    """
    return check_outputs("stream_batches", student_fn, _stream_reference, _stream_cases(), STREAM_MISTAKES,
                         parts=("X", "Y"), atol=0, read=_read_int_pair, diagnose=_stream_diagnosis)


def _stream_diagnosis(args, got):
    """After the mistakes: a dropped last window, a wrong shape (with L and n_windows), else the first wrong id."""
    ids, B, T = args
    L = (len(ids) - 1) // B
    n = L // T
    shape = (n, B, T)
    for label, value in zip("XY", got):
        if value.shape == shape:
            continue
        if value.ndim == 3 and value.shape[1:] == (B, T) and value.shape[0] == -(-L // T) and L % T:
            return (f"{label} has {value.shape[0]} windows, expected L // T = {L} // {T} = {n}.\n"
                    f"Hint: the last window of each stream would have only {L % T} of its {T} steps: drop it "
                    "(no padding). A padded window trains on characters that are not in the text.")
        return (f"{label} has shape {value.shape}, expected (n_windows, batch_size, T) = {shape}.\n"
                f"L = (len(ids) - 1) // batch_size = {L} steps per stream, n_windows = L // T = {n}.")
    for label, value, want in zip("XY", got, _stream_reference(*args)):
        wrong = np.argwhere(value != want)
        if len(wrong):
            k, b, t = map(int, wrong[0])
            return (f"{label}[{k}, {b}, {t}] (window {k}, stream {b}, step {t}) is {value[k, b, t]}, "
                    f"expected {want[k, b, t]}.\nStream b starts at ids[b*L] with L = {L}; window k starts at "
                    f"step k*T of its stream; Y is X shifted by one.")
    return None


# ---------------------------------------------------------------- chapter 08: temperature


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _temperature_reference(logits, temperature):
    return _softmax(logits / temperature)


TEMPERATURE_MISTAKES = (
    Mistake(lambda z, tau: _softmax(z * tau),
            "you multiplied the logits by the temperature: divide them, softmax(logits / temperature). A low "
            "temperature must sharpen the distribution (bigger logit gaps), a high one flatten it."),
    Mistake(lambda z, tau: _softmax(z / tau, axis=0),
            "your softmax is taken over the wrong axis: for logits of shape (N, V) each ROW is one distribution "
            "over the V characters. Take the max and the sum over the last axis (axis=-1, keepdims=True)."),
    Mistake(lambda z, tau: np.exp(z / tau - (z / tau).max()) / np.exp(z / tau - (z / tau).max()).sum(),
            "you normalised over the whole array: for logits of shape (N, V) each ROW must sum to 1. Use "
            "axis=-1 with keepdims=True in both the max and the sum."),
    Mistake(lambda z, tau: _softmax(z) ** (1 / tau),
            "you applied the temperature after the softmax (p ** (1 / temperature)) and did not renormalise: the "
            "result no longer sums to 1. Divide the logits before the softmax instead."),
    Mistake(lambda z, tau: _softmax(z) / tau,
            "you divided the probabilities by the temperature: that only rescales them (they no longer sum to 1). "
            "Divide the logits, then take the softmax."),
)


def _temperature_cases():
    rng = np.random.default_rng(1810)
    return [
        Case("logits of shape (6,), temperature 0.5", (rng.normal(size=6) * 2, 0.5)),
        Case("logits of shape (3, 5), temperature 2.0", (rng.normal(size=(3, 5)) * 2, 2.0)),
        Case("logits of shape (4, 7), temperature 0.7", (rng.normal(size=(4, 7)) * 3, 0.7)),
        Case("large logits of shape (2, 5) (up to 900), temperature 0.25",
             (np.array([[900.0, 899.0, 895.0, 100.0, -50.0], [-3.0, 700.0, 701.5, 0.0, 2.0]]), 0.25)),
        Case("logits of shape (1, 10), temperature 1.0", (rng.normal(size=(1, 10)) * 2, 1.0)),
    ]


def check_temperature_probs(student_fn):
    """Exercise: `temperature_probs(logits, temperature) -> p`, softmax(logits / temperature) over the last axis.

    logits (..., V); p has the same shape, each row sums to 1; stable for large logits and small temperatures.
    """
    return check_function(
        "temperature_probs", student_fn, _temperature_reference, _temperature_cases(), TEMPERATURE_MISTAKES,
        atol=1e-10,
        nonfinite_hint="Hint: np.exp overflows above about 709, and logits / temperature gets large when the "
                       "temperature is small. Subtract the row's maximum before np.exp (softmax does not change "
                       "when you shift all logits by the same amount).",
    )


# ---------------------------------------------------------------- chapter 08: bits per character


def _log2_softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    return (z - np.log(np.exp(z).sum(axis=-1, keepdims=True))) / math.log(2)


def _bits_reference(logits, targets):
    return float(-_log2_softmax(logits)[np.arange(len(targets)), targets].mean())


def _nats(logits, targets):
    return _bits_reference(logits, targets) * math.log(2)


BITS_MISTAKES = (
    Mistake(_nats,
            "that is the loss in nats (natural log), as torch's cross_entropy reports it. Bits use log base 2: "
            "divide the nats by ln 2 (np.log(2)), or use np.log2."),
    Mistake(lambda z, y: _bits_reference(z, y) * len(y),
            "you summed over the positions: bits per CHARACTER is the mean, so that texts of any length compare."),
    Mistake(lambda z, y: _nats(z, y) * len(y),
            "you summed the natural-log losses: take the mean over the positions, and divide by ln 2 for bits."),
    Mistake(lambda z, y: -_bits_reference(z, y),
            "the sign is wrong: log2 p is negative (p < 1), and the loss is -log2 p, a positive number of bits."),
    Mistake(lambda z, y: _bits_reference(z, z.argmax(axis=-1)),
            "you scored the most likely character (the argmax), not the target: the loss is -log2 p[target] at "
            "each position, p[np.arange(N), targets]."),
    Mistake(lambda z, y: float(-_log2_softmax(z)[:, y].mean()),
            "you indexed p[:, targets], an (N, N) block that averages every target at every position: use "
            "p[np.arange(N), targets], one target per row."),
    Mistake(lambda z, y: float(-np.log2(np.exp(z)[np.arange(len(y)), y]).mean()),
            "you took -log2 of exp(logit) without the softmax: the logits must first be normalised into "
            "probabilities, log p = z - log(sum(exp(z)))."),
)


def _bits_cases():
    cases = []
    for seed, (N, V) in enumerate([(6, 5), (10, 8), (1, 4), (25, 30)]):
        rng = np.random.default_rng(1820 + seed)
        logits = rng.normal(size=(N, V)) * 2
        targets = rng.integers(0, V, size=N)
        cases.append(Case(f"N={N}, V={V}", (logits, targets)))
    logits = np.array([[1000.0, 0.0, -200.0], [0.0, 800.0, 5.0], [3.0, 1.0, 2.0]])
    cases.append(Case("huge logits: a target with probability below 1e-300", (logits, np.array([2, 1, 0]))))
    return cases


def check_bits_per_char(student_fn):
    """Exercise: `bits_per_char(logits, targets) -> float`, mean over positions of -log2 softmax(logits)[target].

    logits (N, V) floats, targets (N,) ints; stable for huge logits (a log-softmax, not log(softmax)).
    """
    return check_number(
        "bits_per_char", student_fn, _bits_reference, _bits_cases(), BITS_MISTAKES, read=_read_bits,
        diagnose=_bits_not_finite, unit=" bits", rel_tol=1e-9,
        advice="Per position: log-softmax of the logits row, take the target's entry, negate, convert to base 2; "
               "then the mean over the positions.",
    )


def _read_bits(where, got):
    """The student's answer as one float, or a diagnosis of what came back instead."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (float, int, np.floating, np.integer, np.ndarray)):
        raise ExerciseFailed(f"{where}: expected a number (a float), got {describe(got)}.")
    if np.ndim(got) != 0:
        raise ExerciseFailed(f"{where}: expected one number, got an array of shape {np.shape(got)}.\n"
                             "Average the per-position losses into a single float (.mean()).")
    return float(got)


def _bits_not_finite(args, got):
    if not math.isfinite(got):
        return (f"your result is {got}.\nHint: np.log(softmax) fails when a probability underflows to 0 "
                "(huge logit gaps) and np.exp overflows above about 709. Compute the log-softmax directly: "
                "log p = z - m - log(sum(exp(z - m))) with m the row's maximum.")
    return None


# ---------------------------------------------------------------- chapter 08: nucleus (top-p) filtering


def _nucleus(p, top_p, *, strict=False, drop_last=False, renormalise=True, ranked=True, ties="lower"):
    """p restricted to its smallest most-likely set holding at least top_p, written as a plain loop.

    The keyword arguments switch on the classic mistakes.
    """
    p = np.asarray(p, dtype=np.float64)
    key = (lambda i: (-p[i], i)) if ties == "lower" else (lambda i: (-p[i], -i))
    order = sorted(range(len(p)), key=key) if ranked else list(range(len(p)))
    kept, mass = [], 0.0
    for i in order:
        if drop_last and mass + p[i] >= top_p and kept:
            break
        kept.append(i)
        mass += p[i]
        if (mass > top_p) if strict else (mass >= top_p):
            break
    q = np.zeros_like(p)
    q[kept] = p[kept]
    return q / q.sum() if renormalise else q


NUCLEUS_MISTAKES = (
    Mistake(lambda p, top_p: _nucleus(p, top_p, renormalise=False),
            "the kept probabilities were not renormalised: divide them by their sum so that they add up to 1."),
    Mistake(lambda p, top_p: _nucleus(p, top_p, ranked=False),
            "you added characters in index order: the nucleus is built from the MOST LIKELY characters first "
            "(sort by decreasing probability, e.g. np.argsort(-p, kind='stable'))."),
    Mistake(lambda p, top_p: _nucleus(p, top_p, drop_last=True),
            "one character too few: keep the character whose probability makes the mass REACH top_p (the "
            "smallest set with mass >= top_p), not only those before it."),
    Mistake(lambda p, top_p: _nucleus(p, top_p, strict=True),
            "when the mass equals top_p exactly you kept one more character: the set needs mass >= top_p, "
            "not > top_p."),
    Mistake(lambda p, top_p: _nucleus(p, top_p, ties="higher"),
            "between equally likely characters keep the one with the LOWER index first (np.argsort(-p, "
            "kind='stable') does it)."),
)


def _nucleus_cases():
    rng = np.random.default_rng(8800)
    random = rng.dirichlet(np.full(12, 0.5))
    return [
        Case("12 characters, top_p=0.9", (random, 0.9)),
        Case("12 characters, top_p=0.5", (random, 0.5)),
        Case("an exact sum: [0.25, 0.5, 0.25], top_p=0.75", (np.array([0.25, 0.5, 0.25]), 0.75)),
        Case("ties: four equal, top_p=0.5", (np.full(4, 0.25), 0.5)),
        Case("top_p=1 keeps everything", (random, 1.0)),
        Case("a tiny top_p keeps the most likely alone", (random, 1e-6)),
    ]


def check_top_p_filter(student_fn):
    """Exercise: `top_p_filter(p, top_p) -> q` (V,): nucleus sampling's distribution.

    Keep the smallest set of most likely characters (ties by lower index) whose probabilities sum to at
    least top_p, zero the others, renormalise.
    """
    return check_function("top_p_filter", student_fn, _nucleus, _nucleus_cases(), NUCLEUS_MISTAKES, atol=1e-12,
                          shape_hint="Return a (V,) distribution: one probability per character, zeros included.",
                          advice="Rank the characters by probability, keep them until the mass reaches top_p, "
                                 "zero the rest and divide by the kept mass.")
