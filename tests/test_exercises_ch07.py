"""Chapter 07 checkers accept correct solutions, name the classic mistakes, and their references equal torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch07 as ex_ch07
from course_utils.exercises import close


def _t(a):
    return torch.from_numpy(np.array(a))  # a writable copy (masks may be broadcast views)


# ---- the checkers' references equal torch (float64) -------------------------------------------------------


def test_masked_softmax_reference_equals_torch_and_masks_exactly():
    for case in ex_ch07._softmax_cases():
        scores, mask = case.args
        got = ex_ch07._masked_softmax_reference(scores, mask)
        full = np.broadcast_to(mask, scores.shape)
        want = torch.softmax(_t(scores).masked_fill(~_t(full), float("-inf")), dim=-1).numpy()
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        assert np.all(got[~full] == 0.0), case.label
        np.testing.assert_allclose(got.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def test_attention_reference_equals_scaled_dot_product_attention():
    for case in ex_ch07._attention_cases():
        Q, K, V, mask = case.args
        full = None if mask is None else _t(np.broadcast_to(mask, Q.shape[:2] + K.shape[1:2]))
        want = F.scaled_dot_product_attention(_t(Q), _t(K), _t(V), attn_mask=full).numpy()
        np.testing.assert_allclose(ex_ch07._attention_reference(Q, K, V, mask), want, rtol=0, atol=1e-12)


def test_additive_reference_equals_torch():
    for case in ex_ch07._additive_cases():
        q, K, V, W_q, W_k, w_v = map(_t, case.args)
        alpha = torch.softmax(torch.tanh(q @ W_q + K @ W_k) @ w_v, dim=0)
        weights, context = ex_ch07._additive_reference(*case.args)
        np.testing.assert_allclose(weights, alpha.numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(context, (alpha[:, None] * V).sum(0).numpy(), rtol=0, atol=1e-12)


# ---- student-style masked softmaxes ----------------------------------------------------------------------


def make_softmax(*, fill=-np.inf, invert=False, after=False, axis=-1, subtract_max=True, in_place=False):
    """A masked softmax with optional classic mistakes."""

    def masked_softmax(scores, mask):
        mask = ~np.asarray(mask) if invert else mask
        if in_place:
            scores[~np.broadcast_to(mask, scores.shape)] = fill
            z = scores
        else:
            z = scores if after else np.where(mask, scores, fill)
        if subtract_max:
            z = z - z.max(axis=axis, keepdims=True)
        e = np.exp(z)
        w = e / e.sum(axis=axis, keepdims=True)
        return w * mask if after else w

    return masked_softmax


def good_softmax_torch(scores, mask):
    return torch.softmax(_t(scores).masked_fill(~_t(np.broadcast_to(mask, scores.shape)), float("-inf")), -1).numpy()


def good_softmax_mask_the_exps(scores, mask):
    """Zero the exps of masked entries, then normalise over what is left: also right."""
    z = np.where(mask, scores, -np.inf)
    e = np.exp(scores - z.max(axis=-1, keepdims=True)) * mask
    return e / e.sum(axis=-1, keepdims=True)


# ---- student-style additive context vectors -------------------------------------------------------------


def good_additive_loops(q, K, V, W_q, W_k, w_v):
    e = np.array([np.tanh(q @ W_q + k @ W_k) @ w_v for k in K])
    alpha = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
    return alpha, sum(a * v for a, v in zip(alpha, V))


def good_additive_torch(q, K, V, W_q, W_k, w_v):
    q, K, V, W_q, W_k, w_v = map(_t, (q, K, V, W_q, W_k, w_v))
    alpha = torch.softmax(torch.tanh(q @ W_q + K @ W_k) @ w_v, dim=0)
    return alpha.numpy(), (alpha @ V).numpy()


def make_additive(*, tanh=True, softmax=True, values=True, axis=0):
    def additive_context(q, K, V, W_q, W_k, w_v):
        a = q @ W_q + K @ W_k  # (Tk, A)
        e = (np.tanh(a) if tanh else a) @ w_v
        alpha = np.exp(e) / np.exp(e).sum() if softmax else e
        M = V if values else K
        return alpha, (alpha[:, None] * M).sum(axis=axis)

    return additive_context


# ---- student-style dot-product attention ----------------------------------------------------------------


def good_attention_einsum(Q, K, V, mask=None):
    scores = np.einsum("nqd,nkd->nqk", Q, K) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return np.einsum("nqk,nkv->nqv", w / w.sum(-1, keepdims=True), V)


def good_attention_torch(Q, K, V, mask=None):
    m = None if mask is None else _t(np.broadcast_to(mask, (Q.shape[0], Q.shape[1], K.shape[1])))
    return F.scaled_dot_product_attention(_t(Q), _t(K), _t(V), attn_mask=m).numpy()


def make_attention(*, scale="sqrt", transpose="swap", use_mask=True, invert=False, axis=-1):
    def dot_product_attention(Q, K, V, mask=None):
        d = Q.shape[-1]
        Kt = {"swap": K.swapaxes(-1, -2), "reshape": K.reshape(K.shape[0], d, K.shape[1]), "T": K.T}[transpose]
        scores = Q @ Kt / {"sqrt": np.sqrt(d), "none": 1.0, "d": d, "dv": np.sqrt(V.shape[-1])}[scale]
        if mask is not None and use_mask:
            scores = np.where(~mask if invert else mask, scores, -np.inf)
        w = np.exp(scores - scores.max(axis, keepdims=True))
        return (w / w.sum(axis, keepdims=True)) @ V

    return dot_product_attention


# ---- acceptance ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "checker,solution",
    [
        (ex.check_masked_softmax, make_softmax(fill=-1e9)),
        (ex.check_masked_softmax, good_softmax_torch),
        (ex.check_masked_softmax, good_softmax_mask_the_exps),
        (ex.check_additive_context, good_additive_torch),
        (ex.check_additive_context, make_additive()),
        (ex.check_dot_product_attention, good_attention_torch),
        (ex.check_dot_product_attention, make_attention()),
    ],
)
def test_other_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)


# ---- masked softmax ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,where,hint",
    [
        (make_softmax(invert=True), "case 1 of 6", "your mask is inverted"),
        (make_softmax(after=True), "case 1 of 6", "multiplied the weights by the mask after the softmax"),
        (make_softmax(fill=0.0), "case 1 of 6", "setting a masked score to 0 does not mask it"),
        (make_softmax(axis=-2), "case 1 of 6", "wrong axis"),
        (make_softmax(axis=-2, fill=-1e9), "case 1 of 6", "wrong axis"),
        (make_softmax(subtract_max=False), "large scores near 1000", "exp overflows"),
        (make_softmax(subtract_max=False, fill=-1e9), "large scores near 1000", "exp overflows"),
    ],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing exps are the point
def test_masked_softmax_mistakes_get_their_hint(wrong, where, hint):
    fails_with(ex.check_masked_softmax, wrong, where, "not quite", hint)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_masked_softmax_other_answers():
    fails_with(ex.check_masked_softmax, make_softmax(fill=-100.0), "nearly", "not exactly 0", "-np.inf")
    fails_with(ex.check_masked_softmax, make_softmax(in_place=True), "changed its input arrays in place")
    fails_with(ex.check_masked_softmax, lambda s, m: make_softmax()(s, m)[..., :-1], "wrong shape")
    fails_with(ex.check_masked_softmax, lambda s, m: 1.01 * make_softmax()(s, m), "differs from the reference")
    fails_with(ex.check_masked_softmax, lambda s, m: list(make_softmax()(s, m)), "expected weights to be a numpy array")
    fails_with(ex.check_masked_softmax, lambda s, m: np.exp(s) / 0.0, "NaN or inf")


# ---- additive context ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_additive(values=False), "weighted average of the VALUES"),
        (make_additive(tanh=False), "tanh is missing"),
        (make_additive(softmax=False), "your weights are the raw scores"),
        (make_additive(axis=1), "weighted sum runs over the wrong axis"),
    ],
)
def test_additive_context_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_additive_context, wrong, "case 1 of 4", "not quite", hint)


def test_additive_context_swapped_projections_are_named_where_shapes_allow():
    def swapped(q, K, V, W_q, W_k, w_v):
        if W_q.shape != W_k.shape:  # a student who swaps them crashes on case 1; the swap is named on case 2
            return good_additive_loops(q, K, V, W_q, W_k, w_v)
        e = np.tanh(q @ W_k + K @ W_q) @ w_v
        alpha = np.exp(e) / np.exp(e).sum()
        return alpha, alpha @ V

    fails_with(ex.check_additive_context, swapped, "case 2 of 4", "W_q and W_k are swapped")


def test_additive_context_other_answers():
    fails_with(ex.check_additive_context, lambda *a: good_additive_loops(*a)[1], "expected a pair (weights, context)")
    fails_with(ex.check_additive_context, lambda *a: (*good_additive_loops(*a), None), "a tuple of 3 items")
    fails_with(ex.check_additive_context, lambda *a: (good_additive_loops(*a)[0], 2 * good_additive_loops(*a)[1]),
               "context differs from the reference")
    fails_with(ex.check_additive_context, lambda *a: (good_additive_loops(*a)[0][None], good_additive_loops(*a)[1]),
               "weights has the wrong shape", "(Tk,)")


# ---- dot-product attention ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong,where,hint",
    [
        (make_attention(scale="none"), "case 1 of 5", "the scaling is missing"),
        (make_attention(scale="d"), "case 1 of 5", "you divided by d"),
        (make_attention(scale="dv"), "case 1 of 5", "VALUE size dv"),
        (make_attention(transpose="reshape"), "case 1 of 5", "K was reshaped, not transposed"),
        (make_attention(axis=-2), "case 1 of 5", "softmax runs over the queries"),
        (make_attention(use_mask=False), "case 2 of 5", "the mask is ignored"),
        (make_attention(invert=True), "case 2 of 5", "your mask is inverted"),
    ],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # an inverted padding mask empties whole rows
def test_dot_product_attention_mistakes_get_their_hint(wrong, where, hint):
    fails_with(ex.check_dot_product_attention, wrong, where, "not quite", hint)


def test_dot_product_attention_crashes_on_a_bad_transpose_get_a_hint():
    fails_with(ex.check_dot_product_attention, make_attention(transpose="T"), "case 1 of 5",
               "raised ValueError", "K.transpose(0, 2, 1)", "K.T reverses all three axes")


def test_dot_product_attention_other_answers():
    fails_with(ex.check_dot_product_attention, lambda Q, K, V: good_attention_einsum(Q, K, V), "case 2 of 5",
               "raised TypeError", "unexpected keyword argument 'mask'")
    fails_with(ex.check_dot_product_attention, lambda Q, K, V, mask=None: good_attention_einsum(Q, K, V, mask)[:, 0],
               "out has the wrong shape", "(N, Tq, dv)")
    fails_with(ex.check_dot_product_attention,
               lambda Q, K, V, mask=None: good_attention_einsum(Q, K, V, mask) + 0.1, "out differs from the reference")


# ---- every mistake differs from the reference, so naming it is never a false alarm -----------------------


def test_every_mistake_is_told_apart_from_the_reference():
    groups = [
        (ex_ch07.SOFTMAX_MISTAKES, ex_ch07._softmax_cases(), lambda *a: ex_ch07._masked_softmax_reference(*a)),
        (ex_ch07.ADDITIVE_MISTAKES, ex_ch07._additive_cases(), ex_ch07._additive_reference),
        (ex_ch07.ATTENTION_MISTAKES, ex_ch07._attention_cases(), ex_ch07._attention_reference),
    ]
    for mistakes, cases, reference in groups:
        for mistake in mistakes:
            differs = False
            for case in cases:
                try:
                    with np.errstate(all="ignore"):
                        wrong, right = mistake.wrong(*case.args), reference(*case.args)
                except ValueError:
                    continue
                wrong = wrong if isinstance(wrong, tuple) else (wrong,)
                right = right if isinstance(right, tuple) else (right,)
                differs |= not all(close(np.asarray(w), r, 1e-8) for w, r in zip(wrong, right))
            assert differs, mistake.hint


# ---- one Luong decoder step ----------------------------------------------------------------------------


def step_model(kind="general", seed=0):
    from course_utils.data import seq_tasks
    from course_utils.models import seq2seq

    vocab = seq_tasks.digit_vocab()
    torch.manual_seed(seed)
    config = seq2seq.Seq2SeqConfig(len(vocab), len(vocab), embed=8, hidden=16, attention=kind)
    return seq2seq.Seq2Seq(config).double()


def good_decoder_step(model, y_prev, s_prev, memory):
    x = model.tgt_embed(y_prev)
    s = model.decoder(x[:, None], s_prev[None].contiguous())[0][:, 0]
    scores = torch.einsum("nh,nth->nt", s, memory.keys).masked_fill(~memory.mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    context = torch.einsum("nt,nth->nh", weights, memory.enc)
    return model.out(torch.tanh(model.combine(torch.cat([s, context], dim=-1)))), s, weights


def decoder_step_with(**wrong):
    def step(model, y_prev, s_prev, memory):
        return ex_ch07._luong_step(model, y_prev, s_prev, memory, **wrong)

    return step


def test_decoder_step_reference_is_the_models_step():
    model = step_model()
    for case in ex_ch07._step_cases(model):
        with torch.no_grad():
            for ours, theirs in zip(ex_ch07._luong_step(*case.args), model.step(*case.args[1:])):
                torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (dict(mask=False), "padding got attention weight"),
        (dict(query="previous"), "the previous state s_prev asked"),
        (dict(keys="dot"), "those are dot scores"),
        (dict(readout="state only"), "the readout ignores the context"),
        (dict(readout="no tanh"), "not squashed"),
        (dict(axis=0), "softmax ran over the batch"),
    ],
)
def test_decoder_step_mistakes_get_their_hint(wrong, hint):
    fails_with(lambda fn: ex.check_decoder_step(fn, step_model()), decoder_step_with(**wrong), "not quite", hint)


def test_decoder_step_that_cuts_the_graph_fails_in_the_training_loop():
    def detached(model, y_prev, s_prev, memory):
        with torch.no_grad():
            return good_decoder_step(model, y_prev, s_prev, memory)

    fails_with(lambda fn: ex.check_decoder_step(fn, step_model()), detached, "training with it failed",
               "no .detach()")


def test_decoder_step_trains_like_the_reference(capsys):
    accepts(lambda fn: ex.check_decoder_step(fn, step_model()), good_decoder_step, capsys)
    losses = ex_ch07._train_with(good_decoder_step, step_model())
    assert losses[-1] < 0.9 * losses[0]  # the loop really trains


def test_decoder_step_needs_a_general_float64_model():
    with pytest.raises(ValueError, match="needs a seq2seq.Seq2Seq with attention='general', got Seq2Seq with "
                                         "attention='bahdanau'"):
        ex.check_decoder_step(good_decoder_step, step_model("bahdanau"))
    with pytest.raises(ValueError, match="needs the model in float64"):
        ex.check_decoder_step(good_decoder_step, step_model().float())
