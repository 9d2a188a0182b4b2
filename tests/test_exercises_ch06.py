"""Chapter 06 checkers accept correct solutions and name the classic mistakes."""

import numpy as np
import pytest
import torch
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch06 as ex_ch06

# ---- student-style skip-gram pairs ---------------------------------------------------------------------


def good_pairs_loops(tokens, window):
    pairs = []
    for i in range(len(tokens)):
        for j in range(i - window, i + window + 1):
            if j != i and 0 <= j < len(tokens):
                pairs.append((tokens[i], tokens[j]))
    return np.array(pairs, dtype=int).reshape(-1, 2)


def good_pairs_vectorised(tokens, window):
    """All offsets at once, then a mask: the order comes out right because positions vary slowest."""
    n = len(tokens)
    offsets = np.array([d for d in range(-window, window + 1) if d != 0])
    i = np.repeat(np.arange(n), len(offsets))
    j = i + np.tile(offsets, n)
    ok = (j >= 0) & (j < n)
    return np.stack([tokens[i[ok]], tokens[j[ok]]], axis=1)


def make_pairs(*, self_pair=False, lo=0, hi=1, clip_low=True, clip_high=True, wrap=False, swap=False,
               positions=False):
    """Skip-gram pairs with optional classic mistakes; j runs over range(i - window + lo, i + window + hi)."""

    def skipgram_pairs(tokens, window):
        n, rows = len(tokens), []
        for i in range(n):
            for j in range(i - window + lo, i + window + hi):
                if j == i and not self_pair:
                    continue
                if wrap:
                    j = j % n
                elif (clip_low and j < 0) or (clip_high and j >= n):
                    continue
                a, b = (i, j) if positions else (tokens[i], tokens[j])
                rows.append((b, a) if swap else (a, b))
        return np.array(rows, dtype=int).reshape(-1, 2)

    return skipgram_pairs


# ---- student-style negative sampling -------------------------------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def good_ns(v_c, u_o, U_neg):
    s_o, s_k = u_o @ v_c, U_neg @ v_c
    loss = -np.log(sigmoid(s_o)) - np.sum(np.log(sigmoid(-s_k)))
    g_o, g_k = sigmoid(s_o) - 1, sigmoid(s_k)
    return loss, g_o * u_o + g_k @ U_neg, g_o * v_c, np.outer(g_k, v_c)


def good_ns_loop(v_c, u_o, U_neg):
    """One noise word at a time, as written on paper."""
    p = sigmoid(np.dot(u_o, v_c))
    loss, dv = -np.log(p), (p - 1) * u_o
    dU = np.zeros_like(U_neg)
    for k in range(len(U_neg)):
        q = sigmoid(-np.dot(U_neg[k], v_c))
        loss -= np.log(q)
        dv += (1 - q) * U_neg[k]
        dU[k] = (1 - q) * v_c
    return loss, dv, (p - 1) * v_c, dU


def good_ns_torch(v_c, u_o, U_neg):
    v, u, U = (torch.tensor(a, requires_grad=True) for a in (v_c, u_o, U_neg))
    loss = -torch.nn.functional.logsigmoid(u @ v) - torch.nn.functional.logsigmoid(-(U @ v)).sum()
    loss.backward()
    return loss.item(), v.grad.numpy(), u.grad.numpy(), U.grad.numpy()


def make_ns(*, noise_sign=1, reduce=np.sum, true_sign=1, noise_in_dv=True, true_in_dv=True, log_grad=True,
            loss_sign=1, dU_sign=1, as_tuple=True):
    """The negative-sampling loss and gradients with optional classic mistakes (each in its own place)."""

    def negative_sampling_loss(v_c, u_o, U_neg):
        s_o, s_k = u_o @ v_c, U_neg @ v_c
        p_o, p_k = sigmoid(s_o), sigmoid(-noise_sign * s_k)  # p_k = sigma(-s_k) when right
        loss = loss_sign * (-np.log(p_o) - reduce(np.log(p_k)))
        g_o = true_sign * (p_o - 1) if log_grad else -p_o * (1 - p_o)
        g_k = noise_sign * (1 - p_k) if log_grad else sigmoid(s_k) * (1 - sigmoid(s_k))
        scale = 1 / len(U_neg) if reduce is np.mean else 1
        dv = (g_o * u_o if true_in_dv else 0) + (scale * g_k @ U_neg if noise_in_dv else 0)
        out = loss, dv, g_o * v_c, dU_sign * scale * np.outer(g_k, v_c)
        return out if as_tuple else list(out)

    return negative_sampling_loss


# ---- student-style nearest neighbours ------------------------------------------------------------------


def good_nn(vectors, query, topn):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = unit @ unit[query]
    cos[query] = -np.inf
    return np.argsort(-cos)[:topn]


def good_nn_sorted_list(vectors, query, topn):
    """Plain Python: a sorted list of (cosine, index), the query skipped."""
    q = vectors[query]
    scored = [(float(v @ q / (np.linalg.norm(v) * np.linalg.norm(q))), i) for i, v in enumerate(vectors) if i != query]
    scored.sort(key=lambda t: -t[0])
    return np.array([i for _, i in scored[:topn]])


def make_nn(*, score="cosine", exclude=True, order="desc", drop_first=False):
    def nearest_neighbours(vectors, query, topn):
        q = vectors[query]
        if score == "cosine":
            s = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
        elif score == "dot":
            s = vectors @ q
        else:
            s = -np.linalg.norm(vectors - q, axis=1)
        if exclude:
            s[query] = -np.inf if order != "asc" else np.inf
        ranked = np.argsort(-s, kind="stable")
        if order == "asc":
            return np.argsort(s, kind="stable")[:topn]
        if drop_first:
            return ranked[1:topn + 1]
        return ranked[:topn][::-1] if order == "reversed" else ranked[:topn]

    return nearest_neighbours


# ---- acceptance ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker,solution",
    [
        (ex.check_skipgram_pairs, good_pairs_vectorised),
        (ex.check_skipgram_pairs, make_pairs()),
        (ex.check_negative_sampling, good_ns_loop),
        (ex.check_negative_sampling, good_ns_torch),
        (ex.check_negative_sampling, make_ns(as_tuple=False)),
        (ex.check_nearest_neighbours, good_nn_sorted_list),
        (ex.check_nearest_neighbours, make_nn()),
    ],
)
def test_other_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)


def test_checkers_report_crashes_and_in_place_changes():
    fails_with(ex.check_skipgram_pairs, lambda tokens, window: tokens[window + 100], "case 1 of 6", "IndexError")

    def normalise_in_place(vectors, query, topn):
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return good_nn(vectors, query, topn)

    fails_with(ex.check_nearest_neighbours, normalise_in_place, "changed its input arrays in place")


# ---- skip-gram pairs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_pairs(self_pair=True), "paired with itself"),
        (make_pairs(hi=0), "one short on the right"),
        (make_pairs(lo=1, hi=0), "one word short on each side"),
        (make_pairs(lo=-1, hi=2), "one word too wide"),
        (make_pairs(clip_low=False), "wrapped round to the END"),
        (make_pairs(wrap=True), "wraps round the ends"),
        (make_pairs(swap=True), "columns are swapped"),
        (make_pairs(positions=True), "positions in the sentence, not word ids"),
    ],
)
def test_skipgram_pairs_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_skipgram_pairs, wrong, "not quite", hint)


def test_skipgram_pairs_other_answers():
    fails_with(ex.check_skipgram_pairs, lambda t, w: good_pairs_loops(t, w).astype(float), "dtype float64")
    fails_with(ex.check_skipgram_pairs, lambda t, w: good_pairs_loops(t, w) + 1, "first difference at row 0",
               "append (tokens[i], tokens[j])")
    fails_with(ex.check_skipgram_pairs, lambda t, w: good_pairs_loops(t, w)[::-1], "first difference")
    fails_with(ex.check_skipgram_pairs, lambda t, w: good_pairs_loops(t, w)[:-1], "wrong shape")
    fails_with(ex.check_skipgram_pairs, lambda t, w: set(map(tuple, good_pairs_loops(t, w))),
               "expected an integer numpy array, got set")
    # no pair at all (a one-word sentence) must still be a (0, 2) array
    flat = lambda t, w: good_pairs_loops(t, w) if len(t) > 1 else np.array([], dtype=int)  # noqa: E731
    fails_with(ex.check_skipgram_pairs, flat, "case 6 of 6", "expected (0, 2), got (0,)", "shape (0, 2)")


# ---- negative sampling ---------------------------------------------------------------------------------


def test_reference_matches_finite_differences():
    for case in ex_ch06._ns_cases():
        v_c, u_o, U_neg = case.args
        ref = ex_ch06._ns_reference(v_c, u_o, U_neg)
        loss = lambda v, u, U: ex_ch06._ns_reference(v, u, U)["loss"]  # noqa: E731
        for key, pos in (("dv_c", 0), ("du_o", 1), ("dU_neg", 2)):
            args = [a.copy() for a in case.args]
            numeric = np.zeros_like(args[pos])
            for idx in np.ndindex(args[pos].shape):
                old, eps = args[pos][idx], 1e-6
                args[pos][idx] = old + eps
                up = loss(*args)
                args[pos][idx] = old - eps
                down = loss(*args)
                args[pos][idx] = old
                numeric[idx] = (up - down) / (2 * eps)
            np.testing.assert_allclose(ref[key], numeric, rtol=0, atol=1e-7, err_msg=f"{case.label}: {key}")


def test_reference_matches_torch_autograd():
    for case in ex_ch06._ns_cases():
        ref = ex_ch06._ns_reference(*case.args)
        loss, dv, du, dU = good_ns_torch(*case.args)
        np.testing.assert_allclose(ref["loss"], loss, rtol=0, atol=1e-10)
        for key, value in (("dv_c", dv), ("du_o", du), ("dU_neg", dU)):
            np.testing.assert_allclose(ref[key], value, rtol=0, atol=1e-10)


def test_a_repeated_noise_word_keeps_its_own_gradient_row():
    v_c, u_o, U_neg = next(c.args for c in ex_ch06._ns_cases() if len(c.args[2]) >= 5)
    assert np.array_equal(U_neg[1], U_neg[3])
    dU = ex_ch06._ns_reference(v_c, u_o, U_neg)["dU_neg"]
    assert np.array_equal(dU[1], dU[3]) and np.any(dU[1] != 0)


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (make_ns(noise_sign=-1), ("'loss' is not", "sigma(-u_k . v_c)")),
        (make_ns(loss_sign=-1), ("'loss' is not", "NEGATIVE log-likelihood")),
        (make_ns(reduce=np.mean), ("'loss' is not", "SUMMED over the K noise words")),
        (make_ns(reduce=lambda x: 0.0), ("'loss' is not", "one term per noise word")),
        (make_ns(true_sign=-1), ("'dv_c' is not", "true word's term has the wrong sign")),
        (make_ns(log_grad=False), ("'dv_c' is not", "derivative of sigma itself")),
        (make_ns(dU_sign=-1), ("'dU_neg' is not", "dU_neg has the wrong sign")),
        (make_ns(noise_in_dv=False), ("'dv_c' is not", "dv_c is missing the noise words")),
        (make_ns(true_in_dv=False), ("'dv_c' is not", "missing the true context word's term")),
    ],
)
def test_negative_sampling_mistakes_get_their_hint(wrong, fragments):
    fails_with(ex.check_negative_sampling, wrong, *fragments)


def test_negative_sampling_mistakes_in_one_gradient_are_named():
    def only(key, value_fn):
        def ns(v_c, u_o, U_neg):
            out = dict(zip(("loss", "dv_c", "du_o", "dU_neg"), good_ns(v_c, u_o, U_neg)))
            out[key] = value_fn(v_c, u_o, U_neg)
            return out["loss"], out["dv_c"], out["du_o"], out["dU_neg"]

        return ns

    p = lambda v, u: sigmoid(u @ v)  # noqa: E731
    fails_with(ex.check_negative_sampling, only("du_o", lambda v, u, U: (1 - p(v, u)) * v),
               "'loss', 'dv_c', 'dU_neg' are right; 'du_o' is not", "du_o has the wrong sign")
    fails_with(ex.check_negative_sampling, only("du_o", lambda v, u, U: -p(v, u) * (1 - p(v, u)) * v),
               "'du_o' is not", "derivative of sigma itself")
    fails_with(ex.check_negative_sampling, only("dU_neg", lambda v, u, U: np.outer(sigmoid(U @ v) - 1, v)),
               "'dU_neg' is not", "sigma(-u_k . v_c)")
    fails_with(ex.check_negative_sampling, only("dU_neg", lambda v, u, U: np.outer(sigmoid(U @ v), v) / len(U)),
               "'dU_neg' is not", "do not divide by K")
    fails_with(ex.check_negative_sampling,
               only("dv_c", lambda v, u, U: (p(v, u) - 1) * u + (sigmoid(U @ v) - 1) @ U),
               "'dv_c' is not", "sigma(-u_k . v_c)")
    fails_with(ex.check_negative_sampling,
               only("dv_c", lambda v, u, U: (p(v, u) - 1) * u + sigmoid(U @ v) @ U / len(U)),
               "'dv_c' is not", "summed over k, not averaged")


def test_negative_sampling_other_answers():
    fails_with(ex.check_negative_sampling, lambda v, u, U: good_ns(v, u, U)[:3], "expected a tuple",
               "of length 3", "return loss, dv_c, du_o, dU_neg")
    fails_with(ex.check_negative_sampling, lambda v, u, U: good_ns(v, u, U)[0], "expected a tuple", "got float")
    wrong_loss_shape = lambda v, u, U: (np.atleast_1d(good_ns(v, u, U)[0]), *good_ns(v, u, U)[1:])  # noqa: E731
    fails_with(ex.check_negative_sampling, wrong_loss_shape, "'loss' has the wrong shape", "one number")
    transposed = lambda v, u, U: (*good_ns(v, u, U)[:3], good_ns(v, u, U)[3].T)  # noqa: E731
    fails_with(ex.check_negative_sampling, transposed, "case 1 of 5", "'dU_neg' has the wrong shape", "(K, D)")
    fails_with(ex.check_negative_sampling, lambda v, u, U: tuple(1.1 * a for a in good_ns(v, u, U)),
               "'loss' differs from the reference")


# ---- nearest neighbours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_nn(score="dot"), "raw dot product"),
        (make_nn(score="euclid"), "Euclidean distance"),
        (make_nn(exclude=False), "its own nearest neighbour"),
        (make_nn(exclude=False, drop_first=True), "dropped the first result"),
        (make_nn(order="reversed"), "the right words in the wrong order"),
        (make_nn(order="asc"), "LEAST similar"),
    ],
)
def test_nearest_neighbours_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_nearest_neighbours, wrong, "not quite", hint)


def test_nearest_neighbours_other_answers():
    fails_with(ex.check_nearest_neighbours, lambda X, q, n: good_nn(X, q, n + 1), "wrong shape",
               "keep the first topn")
    fails_with(ex.check_nearest_neighbours, lambda X, q, n: good_nn(X, q, n).astype(float), "dtype float64")
    swap_first_two = lambda X, q, n: good_nn(X, q, n)[[1, 0, *range(2, n)]]  # noqa: E731
    fails_with(ex.check_nearest_neighbours, swap_first_two, "case 1 of 5", "first difference at row 0")


def test_every_mistake_is_told_apart_from_the_reference():
    """Each classic mistake differs from the reference on some case, so the checkers can name it."""
    pair_cases = ex_ch06._pairs_cases()
    for mistake in ex_ch06.PAIR_MISTAKES:
        assert any(not np.array_equal(mistake.wrong(*c.args), ex_ch06._pairs_reference(*c.args)) for c in pair_cases)
    ns_cases = ex_ch06._ns_cases()
    for mistake in ex_ch06.NS_MISTAKES:
        assert any(
            not np.allclose(value, ex_ch06._ns_reference(*c.args)[key])
            for c in ns_cases for key, value in mistake.wrong(*c.args).items()
        ), mistake.hint
    nn_cases = ex_ch06._neighbour_cases()
    for mistake in ex_ch06.NEIGHBOUR_MISTAKES:
        assert any(not np.array_equal(mistake.wrong(*c.args), ex_ch06._neighbours_reference(*c.args))
                   for c in nn_cases), mistake.hint


@pytest.mark.parametrize(
    "checker,mistakes",
    [(ex.check_skipgram_pairs, ex_ch06.PAIR_MISTAKES), (ex.check_nearest_neighbours, ex_ch06.NEIGHBOUR_MISTAKES),
     (ex.check_sparse_sgd_step, ex_ch06.SPARSE_STEP_MISTAKES)],
)
def test_each_mistake_gets_its_own_hint(checker, mistakes):
    """Submitting a classic mistake verbatim shows that mistake's hint, not an earlier one's."""
    for mistake in mistakes:
        fails_with(checker, mistake.wrong, "not quite", mistake.hint)


def test_neighbour_cases_have_no_ties_that_would_make_the_answer_ambiguous():
    for case in ex_ch06._neighbour_cases():
        vectors, query, topn = case.args
        cos = np.delete(ex_ch06._cosines(vectors, query), query)
        top = np.sort(cos)[::-1][: topn + 1]
        assert np.all(np.diff(top) < -1e-9), case.label


# ---- a sparse SGD step (np.add.at) ---------------------------------------------------------------------


def good_sparse_step(W, rows, grads, lr):
    np.add.at(W, rows, -lr * grads)  # in place, every occurrence
    return W


def good_sparse_step_torch(W, rows, grads, lr):
    table = torch.from_numpy(W.copy())
    table.index_add_(0, torch.from_numpy(rows), torch.from_numpy(-lr * grads))
    return table.numpy()


def good_sparse_step_dense(W, rows, grads, lr):
    dense = np.zeros_like(W)
    for r, g in zip(rows, grads):
        dense[r] += g
    return W - lr * dense


def test_sparse_step_correct_answers_pass(capsys):
    for solution in (good_sparse_step, good_sparse_step_torch, good_sparse_step_dense):
        accepts(ex.check_sparse_sgd_step, solution, capsys)


def test_sparse_step_reference_equals_torch_autograd():
    rng = np.random.default_rng(0)
    W, rows, grads = rng.normal(size=(6, 3)), np.array([1, 4, 1, 1]), rng.normal(size=(4, 3))
    table = torch.tensor(W, requires_grad=True)
    (table[torch.from_numpy(rows)] * torch.from_numpy(grads)).sum().backward()  # d/dW of sum_b grads[b] . W[rows[b]]
    np.testing.assert_allclose(ex_ch06._sparse_step_reference(W, rows, grads, 0.3), W - 0.3 * table.grad.numpy(),
                               atol=1e-15)


def fancy(W, rows, grads, lr):
    W[rows] -= lr * grads
    return W


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (fancy, "only one of its gradients"),
        (lambda W, rows, grads, lr: good_sparse_step(W, rows, -grads, lr), "moved up the gradient"),
        (lambda W, rows, grads, lr: good_sparse_step(W, rows, grads, 1.0), "ignores the learning rate"),
    ],
)
def test_sparse_step_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_sparse_sgd_step, wrong, "not quite", hint)


def test_sparse_step_mean_of_repeats_and_other_answers():
    def mean_of_repeats(W, rows, grads, lr):
        for r in np.unique(rows):
            W[r] -= lr * grads[rows == r].mean(axis=0)
        return W

    fails_with(ex.check_sparse_sgd_step, mean_of_repeats, "not quite", "the MEAN of its gradients")
    fails_with(ex.check_sparse_sgd_step, lambda W, rows, grads, lr: W[rows] - lr * grads, "wrong shape",
               "Return the whole table W")
    fails_with(ex.check_sparse_sgd_step, lambda W, rows, grads, lr: W - 0.5 * lr, "values differ")
