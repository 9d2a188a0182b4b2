"""Chapter 06 checkers: skip-gram pairs for a window, the negative-sampling loss and its gradients, a sparse SGD step,
cosine nearest neighbours. References written out here (the policy is in `course_utils.exercises`).
"""

import numpy as np

from course_utils.exercises.engine import (
    Case,
    ExerciseFailed,
    Mistake,
    check_function,
    check_gradient_dict,
    check_outputs,
    describe,
)

IN_PLACE = ("Build new arrays (v = v / norm) instead of editing the caller's (v /= norm): the caller's "
            "embedding would silently change.")


def _read_ids(where, got):
    """The student's answer as one integer array, or a diagnosis of what came back instead."""
    if not isinstance(got, (np.ndarray, list, tuple)):
        raise ExerciseFailed(f"{where}: expected an integer numpy array, got {describe(got)}.")
    got = np.asarray(got)
    if got.size and not np.issubdtype(got.dtype, np.integer):
        raise ExerciseFailed(
            f"{where}: expected integer word ids, got an array of dtype {got.dtype}.\n"
            "Word ids index rows: build the result from integer arrays (or use .astype(int))."
        )
    return (got,)


def _check_index_arrays(name, student_fn, reference, cases, mistakes, advice):
    """Compare integer arrays exactly: the mistakes first (pairing a word with itself changes how many rows
    there are), then the shape, then the first row that differs."""

    def first_row(args, got):
        got, expected = got[0], reference(*args)
        if got.shape != expected.shape:
            return None  # the engine reports the shape
        row = int(np.argmax(np.any((got != expected).reshape(len(got), -1), axis=1)))
        return (f"first difference at row {row}: expected {expected[row].tolist()}, got {got[row].tolist()}.\n"
                f"{advice}")

    return check_outputs(name, student_fn, reference, cases, mistakes, parts=(None,), atol=0, read=_read_ids,
                         shape_hint=advice, diagnose=first_row, in_place=IN_PLACE)


# ---------------------------------------------------------------- chapter 06: skip-gram pairs


def _pairs(tokens, window, *, lo=None, hi=None, keep=None, positions=False):
    """(centre, context) pairs: positions i, j with j in range(i + lo, i + hi), j != i, 0 <= j < len(tokens).

    `lo`, `hi` default to the right window (-window, window + 1); `keep(i, j, n)` replaces the
    "j != i and 0 <= j < n" test and may return a wrapped index; `positions` gives (i, j), not word ids.
    """
    n = len(tokens)
    lo = -window if lo is None else lo
    hi = window + 1 if hi is None else hi
    keep = keep or (lambda i, j, n: j if j != i and 0 <= j < n else None)
    rows = []
    for i in range(n):
        for j in range(i + lo, i + hi):
            k = keep(i, j, n)
            if k is not None:
                rows.append((i, k) if positions else (tokens[i], tokens[k]))
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _pairs_reference(tokens, window):
    return _pairs(tokens, window)


PAIR_MISTAKES = (
    Mistake(lambda t, w: _pairs(t, w, keep=lambda i, j, n: j if 0 <= j < n else None),
            "each word is paired with itself: skip j == i (the centre is not its own context)."),
    Mistake(lambda t, w: _pairs(t, w, hi=w),
            "the window is one short on the right: range(i - window, i + window) stops BEFORE i + window. "
            "Use range(i - window, i + window + 1)."),
    Mistake(lambda t, w: _pairs(t, w, lo=-w + 1, hi=w),
            "the window is one word short on each side: it reaches `window` words to the left AND `window` to "
            "the right, j = i - window, ..., i + window."),
    Mistake(lambda t, w: _pairs(t, w, lo=-w - 1, hi=w + 2),
            "the window is one word too wide on each side: it reaches exactly `window` words each way."),
    Mistake(lambda t, w: _pairs(t, w, keep=lambda i, j, n: j if j != i and -n <= j < n else None),
            "near the start, a negative j wrapped round to the END of the sentence (tokens[-1] is the last word "
            "in Python). Keep only 0 <= j < len(tokens)."),
    Mistake(lambda t, w: _pairs(t, w, keep=lambda i, j, n: j % n if j != i else None),
            "the window wraps round the ends (j % len(tokens)). Words near an edge just have fewer context "
            "words: skip every j outside 0 <= j < len(tokens)."),
    Mistake(lambda t, w: _pairs(t, w)[:, ::-1],
            "the columns are swapped: each row is (centre, context), centre first."),
    Mistake(lambda t, w: _pairs(t, w, positions=True),
            "these are positions in the sentence, not word ids: return (tokens[i], tokens[j])."),
)


def _pairs_cases():
    specs = [  # (length, vocabulary size, window): every classic mistake shows on an early case
        (6, 5, 1), (9, 7, 2), (12, 10, 3), (4, 20, 5), (15, 6, 2), (1, 3, 2),
    ]
    cases = []
    for seed, (n, V, w) in enumerate(specs):
        rng = np.random.default_rng(1600 + seed)
        tokens = rng.integers(0, V, size=n)  # repeated ids, as in real text
        cases.append(Case(f"len(tokens)={n}, window={w}", (tokens, w)))
    return cases


def check_skipgram_pairs(student_fn):
    """Exercise: `skipgram_pairs(tokens, window) -> (P, 2)` integer array of (centre, context) word ids.

    For each position i in order, for j = i - window, ..., i + window in increasing order, j != i,
    0 <= j < len(tokens): the row (tokens[i], tokens[j]). A fixed window (no random shrinking).
    """
    return _check_index_arrays(
        "skipgram_pairs", student_fn, _pairs_reference, _pairs_cases(), PAIR_MISTAKES,
        "Loop over centre positions i, then over j from i - window to i + window; skip j == i and any j "
        "outside the sentence; append (tokens[i], tokens[j]). With no pair at all, return shape (0, 2).",
    )


# ---------------------------------------------------------------- chapter 06: negative sampling


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow


def _ns_parts(v_c, u_o, U_neg):
    """Scores and sigmoids of one pair: s_o = u_o . v_c, s_k = u_k . v_c."""
    s_o, s_k = u_o @ v_c, U_neg @ v_c  # (), (K,)
    return _sigmoid(s_o), _sigmoid(s_k)


def _ns_reference(v_c, u_o, U_neg):
    """loss = -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c), and its gradients."""
    s_o, s_k = u_o @ v_c, U_neg @ v_c
    loss = np.logaddexp(0.0, -s_o) + np.logaddexp(0.0, s_k).sum()  # -log sigma(x) = log(1 + exp(-x))
    g_o, g_k = _sigmoid(s_o) - 1.0, _sigmoid(s_k)  # d loss / d s_o, d loss / d s_k
    return {"loss": np.float64(loss), "dv_c": g_o * u_o + g_k @ U_neg, "du_o": g_o * v_c,
            "dU_neg": g_k[:, None] * v_c[None, :]}


def _ns_grads(v_c, u_o, U_neg, g_o, g_k):
    """Every gradient, from (possibly wrong) derivatives of the loss with respect to the scores."""
    return {"dv_c": g_o * u_o + g_k @ U_neg, "du_o": g_o * v_c, "dU_neg": g_k[:, None] * v_c[None, :]}


def _noise_sign_loss(v_c, u_o, U_neg):
    s_o, s_k = u_o @ v_c, U_neg @ v_c
    return np.logaddexp(0.0, -s_o) + np.logaddexp(0.0, -s_k).sum()


def _noise_sign_grads(v_c, u_o, U_neg):
    p_o, p_k = _ns_parts(v_c, u_o, U_neg)
    return _ns_grads(v_c, u_o, U_neg, p_o - 1.0, p_k - 1.0)


_NOISE_SIGN = ("the noise words need sigma(-u_k . v_c): the model should call them NOT context words, so their "
               "term is -log sigma(-u_k . v_c) and its derivative with respect to s_k = u_k . v_c is "
               "+sigma(s_k), not sigma(s_k) - 1.")
_LOG_SIGMA = ("that is the derivative of sigma itself, sigma(s)(1 - sigma(s)). The loss has a log in front: "
              "d/ds [-log sigma(s)] = sigma(s) - 1 and d/ds [-log sigma(-s)] = sigma(s).")

def _dsigma(x):
    return _sigmoid(x) * (1.0 - _sigmoid(x))


# Ordered like the keys (loss, dv_c, du_o, dU_neg), so the hint shown concerns the first wrong key.
NS_MISTAKES = (
    Mistake(lambda v, u, U: {"loss": _noise_sign_loss(v, u, U)}, _NOISE_SIGN),
    Mistake(lambda v, u, U: {"loss": -_ns_reference(v, u, U)["loss"]},
            "your loss has the wrong sign: it is the NEGATIVE log-likelihood, -log sigma(u_o . v_c) - "
            "sum_k log sigma(-u_k . v_c), a positive number that training makes small."),
    Mistake(lambda v, u, U: {"loss": np.logaddexp(0.0, -(u @ v)) + np.logaddexp(0.0, U @ v).mean()},
            "the noise terms are SUMMED over the K noise words, not averaged."),
    Mistake(lambda v, u, U: {"loss": np.logaddexp(0.0, -(u @ v))},
            "the loss also has one term per noise word: - sum_k log sigma(-u_k . v_c)."),
    Mistake(lambda v, u, U: {"dv_c": (_ns_parts(v, u, U)[0] - 1.0) * u},
            "dv_c is missing the noise words: v_c meets every u_k too, so add sum_k sigma(u_k . v_c) * u_k "
            "(g_k @ U_neg) to the true word's term."),
    Mistake(lambda v, u, U: {"dv_c": _ns_parts(v, u, U)[1] @ U},
            "dv_c is missing the true context word's term (sigma(u_o . v_c) - 1) * u_o."),
    Mistake(lambda v, u, U: {"dv_c": (1.0 - _ns_parts(v, u, U)[0]) * u + _ns_parts(v, u, U)[1] @ U},
            "in dv_c the true word's term has the wrong sign: it is (sigma(u_o . v_c) - 1) * u_o."),
    Mistake(lambda v, u, U: {"dv_c": _noise_sign_grads(v, u, U)["dv_c"]}, _NOISE_SIGN),
    Mistake(lambda v, u, U: {"dv_c": -_dsigma(u @ v) * u + _dsigma(U @ v) @ U}, _LOG_SIGMA),
    Mistake(lambda v, u, U: {"dv_c": (_ns_parts(v, u, U)[0] - 1.0) * u + _ns_parts(v, u, U)[1] @ U / len(U)},
            "the noise words' contributions to dv_c are summed over k, not averaged."),
    Mistake(lambda v, u, U: {"du_o": (1.0 - _ns_parts(v, u, U)[0]) * v},
            "du_o has the wrong sign: d/ds_o [-log sigma(s_o)] = sigma(s_o) - 1, which is negative, so "
            "du_o = (sigma(u_o . v_c) - 1) * v_c (a step against it pulls u_o towards v_c)."),
    Mistake(lambda v, u, U: {"du_o": -_dsigma(u @ v) * v}, _LOG_SIGMA),
    Mistake(lambda v, u, U: {"dU_neg": _noise_sign_grads(v, u, U)["dU_neg"]}, _NOISE_SIGN),
    Mistake(lambda v, u, U: {"dU_neg": -_ns_reference(v, u, U)["dU_neg"]},
            "dU_neg has the wrong sign: d/ds_k [-log sigma(-s_k)] = +sigma(s_k), so dU_neg[k] = "
            "sigma(u_k . v_c) * v_c (a step against it pushes u_k away from v_c)."),
    Mistake(lambda v, u, U: {"dU_neg": _dsigma(U @ v)[:, None] * v}, _LOG_SIGMA),
    Mistake(lambda v, u, U: {"dU_neg": _ns_reference(v, u, U)["dU_neg"] / len(U)},
            "the noise terms are summed, not averaged: do not divide by K."),
)

_NS_SHAPES = {
    "loss": "the loss of one (centre, context) pair is one number: sum the K noise terms.",
    "dv_c": "dv_c has the shape of v_c, (D,).",
    "du_o": "du_o has the shape of u_o, (D,).",
    "dU_neg": "dU_neg has the shape of U_neg, (K, D): row k is sigma(u_k . v_c) * v_c.",
}


def _ns_cases():
    cases = []
    for seed, (D, K) in enumerate([(4, 3), (3, 1), (6, 5), (1, 2), (8, 15)]):
        rng = np.random.default_rng(1700 + seed)
        v_c, u_o, U_neg = rng.normal(size=D), rng.normal(size=D), rng.normal(size=(K, D))
        if K >= 5:
            U_neg[3] = U_neg[1]  # a word drawn twice as noise: each draw keeps its own row
        cases.append(Case(f"D={D}, K={K}", (v_c, u_o, U_neg)))
    return cases


def check_negative_sampling(student_fn):
    """Exercise: `negative_sampling_loss(v_c, u_o, U_neg) -> (loss, dv_c, du_o, dU_neg)` for one pair.

    v_c (D,) the centre word's W_in row, u_o (D,) the true context word's W_out row, U_neg (K, D) the
    noise words' W_out rows; loss = -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c).
    """
    return check_gradient_dict("negative_sampling_loss", student_fn, _ns_reference, _ns_cases(), NS_MISTAKES,
                               shape_hints=_NS_SHAPES, returns=("loss", "dv_c", "du_o", "dU_neg"), in_place=IN_PLACE)


# ---------------------------------------------------------------- chapter 06: nearest neighbours


def _ranked(scores, query, topn, *, exclude=True, descending=True):
    scores = np.array(scores, dtype=np.float64)
    if exclude:
        scores[query] = -np.inf if descending else np.inf
    order = np.argsort(-scores if descending else scores, kind="stable")
    return order[:topn]


def _cosines(vectors, query):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit[query]


def _neighbours_reference(vectors, query, topn):
    return _ranked(_cosines(vectors, query), query, topn)


NEIGHBOUR_MISTAKES = (
    Mistake(lambda X, q, n: _ranked(X @ X[q], q, n),
            "that ranks by the raw dot product, which favours long vectors (frequent words). Cosine similarity "
            "divides by both lengths: (x . q) / (|x| |q|) -- normalise the rows first."),
    Mistake(lambda X, q, n: _ranked(-np.linalg.norm(X - X[q], axis=1), q, n),
            "that ranks by Euclidean distance, which depends on the vectors' lengths. Rank by cosine similarity: "
            "the angle only."),
    Mistake(lambda X, q, n: _ranked(_cosines(X, q), q, n, exclude=False),
            "the query word is its own nearest neighbour (cosine 1): leave row `query` out."),
    Mistake(lambda X, q, n: _ranked(_cosines(X, q), q, n + 1, exclude=False)[1:],
            "you dropped the first result assuming it is the query itself, but here a different word is at least "
            "as similar, so the query itself stays in. Leave row `query` out explicitly."),
    Mistake(lambda X, q, n: _ranked(_cosines(X, q), q, n)[::-1],
            "the right words in the wrong order: most similar first (np.argsort sorts ascending; sort -cosine "
            "or reverse the full order before taking topn)."),
    Mistake(lambda X, q, n: _ranked(_cosines(X, q), q, n, descending=False),
            "these are the LEAST similar words: np.argsort sorts ascending. Sort by -cosine, or reverse the "
            "order, then take the first topn."),
)


def _neighbour_cases():
    cases = []
    for seed, (V, D, query, topn) in enumerate([(12, 3, 4, 3), (20, 5, 9, 5), (30, 4, 29, 1), (8, 2, 5, 7),
                                                (25, 6, 0, 4)]):
        rng = np.random.default_rng(1810 + seed)
        # lengths that differ, as in trained embeddings, so a raw dot product ranks differently
        vectors = rng.normal(size=(V, D)) * np.exp(rng.normal(scale=0.8, size=(V, 1)))
        if seed == 1:  # an earlier word pointing the query's way (cosine exactly 1): "drop the first result" fails
            vectors[2] = 2.0 * vectors[query]  # a power of two: the unit rows are equal bit for bit
        cases.append(Case(f"V={V}, D={D}, query={query}, topn={topn}", (vectors, query, topn)))
    return cases


def check_nearest_neighbours(student_fn):
    """Exercise: `nearest_neighbours(vectors, query, topn) -> (topn,)` integer array of row indices.

    The rows of `vectors` (V, D) with the highest cosine similarity to row `query`, most similar
    first, the query itself left out.
    """
    return _check_index_arrays(
        "nearest_neighbours", student_fn, _neighbours_reference, _neighbour_cases(), NEIGHBOUR_MISTAKES,
        "Divide every row by its length, take dot products with the query's unit row, leave the query out, "
        "then order by decreasing cosine and keep the first topn indices.",
    )


# ---------------------------------------------------------------- chapter 06: a sparse SGD step


def _sparse_step_reference(W, rows, grads, lr):
    """W with lr * grads[b] subtracted from row rows[b], one occurrence at a time (a plain loop)."""
    W = np.array(W, dtype=np.float64)
    for r, g in zip(rows, grads):
        W[r] -= lr * g
    return W


def _fancy_index_step(W, rows, grads, lr):
    W = np.array(W, dtype=np.float64)
    W[rows] -= lr * grads  # numpy writes each repeated row once: only one occurrence survives
    return W


SPARSE_STEP_MISTAKES = (
    Mistake(_fancy_index_step,
            "a repeated row received only one of its gradients: `W[rows] -= ...` reads every row once, then "
            "writes each index once, so the last write wins. np.add.at(W, rows, -lr * grads) adds every occurrence."),
    Mistake(lambda W, rows, grads, lr: _sparse_step_reference(W, rows, -grads, lr),
            "the rows moved up the gradient: a descent step subtracts lr times the gradient."),
    Mistake(lambda W, rows, grads, lr: _sparse_step_reference(W, rows, grads, 1.0),
            "the step ignores the learning rate: subtract lr * grads, not grads."),
    Mistake(lambda W, rows, grads, lr: _sparse_step_reference(W, *_averaged(rows, grads), lr),
            "a repeated row got the MEAN of its gradients; the loss is a sum over the batch, so its gradient "
            "is the SUM: every occurrence counts in full."),
)


def _averaged(rows, grads):
    """Each distinct row once, with the mean of its gradients (a mistake's input)."""
    unique = np.unique(rows)
    return unique, np.array([grads[rows == r].mean(axis=0) for r in unique]).reshape(len(unique), -1)


def _sparse_step_cases():
    cases = []
    for seed, rows in enumerate([[1, 4, 1, 1], [0, 2, 5], [3, 3], [5, 0, 5, 2, 0, 5], []]):
        rng = np.random.default_rng(2406 + seed)
        W = rng.normal(size=(6, 3))
        rows = np.array(rows, dtype=np.int64)
        grads = rng.normal(size=(len(rows), 3))
        label = f"rows {rows.tolist()}" + (" (repeats)" if len(set(rows.tolist())) < len(rows) else "")
        cases.append(Case(label, (W, rows, grads, 0.1 * (seed + 1))))
    return cases


def check_sparse_sgd_step(student_fn):
    """Exercise: `sparse_sgd_step(W, rows, grads, lr) -> W` (V, D): one SGD step on the rows a batch used.

    rows (B,) integer indices into W, repeats allowed; grads (B, D), the gradient of the batch's summed loss
    with respect to each occurrence's row. Every occurrence counts (np.add.at). Updating W in place is fine.
    """
    return check_function(
        "sparse_sgd_step", student_fn, _sparse_step_reference, _sparse_step_cases(), SPARSE_STEP_MISTAKES,
        shape_hint="Return the whole table W, shape (V, D), not only the rows that changed.",
        advice="Every row of W listed in `rows` moves by -lr times the sum of its gradient rows; the others stay.",
    )
