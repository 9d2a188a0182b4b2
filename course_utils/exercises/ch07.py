"""Chapter 07 checkers: a masked softmax, one additive (Bahdanau) context vector, batched dot-product attention,
one Luong decoder step (and a short training loop with it).

Masks follow torch's `scaled_dot_product_attention`: boolean, broadcastable to the scores, True where a query
MAY attend to a key (`nn.MultiheadAttention`'s `key_padding_mask` means the opposite). References written out
here (the policy is in `course_utils.exercises`).
"""

import copy

import numpy as np
import torch
from torch.nn import functional as F

from course_utils.data.seq_tasks import EOS, PAD, SOS
from course_utils.exercises.engine import Case, ExerciseFailed, Mistake, check_outputs

# ---------------------------------------------------------------- independent references


def _softmax(z, axis=-1):
    """Softmax along `axis`, the max subtracted first so that exp never overflows; -inf entries give exactly 0."""
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _masked_softmax_reference(scores, mask):
    """Weights (..., Tk): softmax over keys of the scores where mask is True; exactly 0 where it is False."""
    return _softmax(np.where(mask, scores, -np.inf))


def _additive_reference(q, K, V, W_q, W_k, w_v):
    """Bahdanau for one query: e_j = tanh(q W_q + k_j W_k) . w_v, alpha = softmax(e), context = alpha @ V."""
    e = np.tanh(q @ W_q + K @ W_k) @ w_v  # (Tk,)
    alpha = _softmax(e)
    return alpha, alpha @ V  # (Tk,), (dv,)


def _attention_reference(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d), masked) V for a batch: (N, Tq, d), (N, Tk, d), (N, Tk, dv) -> (N, Tq, dv)."""
    scores = Q @ K.transpose(0, 2, 1) / np.sqrt(Q.shape[-1])  # (N, Tq, Tk)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return _softmax(scores) @ V


# ---------------------------------------------------------------- shared advice

IN_PLACE = ("Build new arrays (np.where(mask, scores, -np.inf)) instead of editing the caller's "
            "(scores[~mask] = -np.inf).")
NONFINITE = "Look for an exp that overflows (subtract the row's max first) or a row whose weights sum to 0."
ADVICE = "Compare your code with the equations line by line."


def _check(name, call, reference, cases, mistakes, **options):
    """`check_outputs` with this chapter's advice."""
    return check_outputs(name, call, reference, cases, mistakes, in_place=IN_PLACE, nonfinite_hint=NONFINITE,
                         advice=ADVICE, **options)


# ---------------------------------------------------------------- chapter 07: the masked softmax


def _softmax_multiply(scores, mask):
    return _softmax(scores) * mask


def _softmax_scores_zeroed(scores, mask):
    return _softmax(np.where(mask, scores, 0.0))


def _softmax_no_max(scores, mask):
    e = np.exp(np.where(mask, scores, -np.inf))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_queries(fill):
    def wrong(scores, mask):
        return _softmax(np.where(mask, scores, fill), axis=-2)

    return wrong


SOFTMAX_MISTAKES = (
    Mistake(lambda scores, mask: _masked_softmax_reference(scores, ~np.asarray(mask)),
            "your mask is inverted: here True means 'may attend' (torch's scaled_dot_product_attention). "
            "nn.MultiheadAttention's key_padding_mask uses the opposite, True = ignore; keep the scores where "
            "mask is True and drop the others."),
    Mistake(_softmax_multiply,
            "you multiplied the weights by the mask after the softmax: the masked positions are 0, but the rest "
            "no longer sum to 1. Mask the SCORES first (-inf where mask is False), then take the softmax."),
    Mistake(_softmax_scores_zeroed,
            "setting a masked score to 0 does not mask it: exp(0) = 1, so it still takes weight. Set masked "
            "scores to -inf (np.where(mask, scores, -np.inf)), whose exp is exactly 0."),
    Mistake(_softmax_queries(-np.inf),
            "your softmax runs over the wrong axis: each QUERY's weights over the keys must sum to 1, so the "
            "softmax is over the last axis (axis=-1, length Tk), with keepdims=True for the max and the sum."),
    Mistake(_softmax_queries(-1e9),
            "your softmax runs over the wrong axis: each QUERY's weights over the keys must sum to 1, so the "
            "softmax is over the last axis (axis=-1, length Tk), with keepdims=True for the max and the sum."),
    Mistake(_softmax_no_max,
            "exp overflows: exp(1000) is inf in float64, and inf / inf is NaN. Subtract each row's max score "
            "before exp (np.max(z, axis=-1, keepdims=True)): the softmax does not change, and the largest "
            "exp is exp(0) = 1."),
)


def _softmax_cases():
    rng = np.random.default_rng(7000)
    cases = []
    # every row and every column of this first mask holds a True and a False, so each mistake stays finite here
    mask = np.array([[1, 0, 1, 1, 0], [0, 1, 0, 1, 1], [1, 1, 0, 0, 1]], dtype=bool)
    cases.append(Case("scores (Tq=3, Tk=5), mask (3, 5)", (2.0 * rng.normal(size=(3, 5)), mask)))
    lengths = np.array([4, 2])  # two sequences padded to Tk = 5: a key-padding mask (N, 1, Tk)
    padding = (np.arange(5) < lengths[:, None])[:, None, :]
    cases.append(Case("scores (N=2, Tq=3, Tk=5), padding mask (2, 1, 5)", (2.0 * rng.normal(size=(2, 3, 5)), padding)))
    causal = np.tril(np.ones((4, 4), dtype=bool))
    cases.append(Case("scores (N=2, Tq=4, Tk=4), causal mask (4, 4)", (2.0 * rng.normal(size=(2, 4, 4)), causal)))
    cases.append(Case("scores (Tk=6,), mask (6,)", (rng.normal(size=6), np.array([1, 1, 0, 1, 0, 1], dtype=bool))))
    big = 1000.0 + 5.0 * rng.normal(size=(2, 3, 5))
    cases.append(Case("large scores near 1000, padding mask (2, 1, 5)", (big, padding)))
    everything = np.ones((2, 2, 3), dtype=bool)
    cases.append(Case("scores (N=2, Tq=2, Tk=3), nothing masked", (rng.normal(size=(2, 2, 3)), everything)))
    return cases


def _exact_zeros(args, got):
    scores, mask = args
    masked = ~np.broadcast_to(mask, scores.shape)
    if np.any(got[0][masked] != 0):
        return ("your masked weights are tiny but not exactly 0 (largest "
                f"{np.max(np.abs(got[0][masked])):.1e}): a finite fill such as -100 leaves exp(-100) > 0. Use "
                "-np.inf for masked scores, or zero their exps (np.where(mask, e, 0.0)) before normalising.")
    return None


def check_masked_softmax(student_fn):
    """Exercise: `masked_softmax(scores, mask) -> weights`, same shape as scores (..., Tk).

    Softmax over the last axis (keys) of the scores where `mask` (boolean, broadcastable) is True;
    weight exactly 0 where it is False.
    """
    return _check("masked_softmax", student_fn, _masked_softmax_reference, _softmax_cases(), SOFTMAX_MISTAKES,
                  parts=("weights",), near_miss=_exact_zeros,
                  shape_hint="The weights have the shape of the scores: one weight per (query, key) pair.")


# ---------------------------------------------------------------- chapter 07: one additive context vector


def _additive_variant(*, squash=np.tanh, normalise=True, values="V", swap=False, sum_axis=0):
    def wrong(q, K, V, W_q, W_k, w_v):
        e = squash((q @ W_k + K @ W_q) if swap else (q @ W_q + K @ W_k)) @ w_v
        alpha = _softmax(e) if normalise else e
        M = V if values == "V" else K
        return alpha, (alpha[:, None] * M).sum(axis=sum_axis)

    return wrong


ADDITIVE_MISTAKES = (
    Mistake(_additive_variant(values="K"),
            "your weights are right, but the context is a weighted average of the VALUES: context = alpha @ V. "
            "The keys K only serve to compute the scores."),
    Mistake(_additive_variant(squash=lambda z: z),
            "tanh is missing: e_j = tanh(q W_q + k_j W_k) . w_v. Without it the score is linear, and "
            "(q W_q) . w_v is the same for every key, so the query cannot change the weights at all."),
    Mistake(_additive_variant(normalise=False),
            "your weights are the raw scores e: turn them into a softmax, alpha = exp(e) / sum(exp(e)), so that "
            "they are positive and sum to 1; the context is then a weighted average."),
    Mistake(_additive_variant(sum_axis=1),
            "your weighted sum runs over the wrong axis: V is (Tk, dv), and the context adds up the Tk rows "
            "weighted by alpha (axis 0, or alpha @ V), giving one vector of length dv."),
    Mistake(_additive_variant(swap=True),
            "W_q and W_k are swapped: the query goes through W_q (dq, A) and each key through W_k (dk, A)."),
)


def _additive_cases():
    cases = []
    for seed, (Tk, dq, dk, dv, A) in enumerate([(5, 3, 4, 2, 6), (4, 3, 3, 3, 5), (7, 2, 5, 4, 3), (1, 2, 2, 3, 4)]):
        rng = np.random.default_rng(7100 + seed)
        args = (rng.normal(size=dq), rng.normal(size=(Tk, dk)), rng.normal(size=(Tk, dv)),
                rng.normal(size=(dq, A)), rng.normal(size=(dk, A)), 1.5 * rng.normal(size=A))
        cases.append(Case(f"Tk={Tk}, dq={dq}, dk={dk}, dv={dv}, A={A}", args))
    return cases


def check_additive_context(student_fn):
    """Exercise: `additive_context(q, K, V, W_q, W_k, w_v) -> (weights (Tk,), context (dv,))` for ONE query.

    q (dq,), K (Tk, dk), V (Tk, dv), W_q (dq, A), W_k (dk, A), w_v (A,);
    e_j = tanh(q W_q + k_j W_k) . w_v, weights = softmax(e), context = sum_j weights_j v_j.
    """
    return _check("additive_context", student_fn, _additive_reference, _additive_cases(), ADDITIVE_MISTAKES,
                  parts=("weights", "context"),
                  shape_hint="weights has one entry per key (Tk,); the context is one value-sized vector (dv,).")


# ---------------------------------------------------------------- chapter 07: dot-product attention for a batch


def _attention_variant(*, scale="sqrt", keys="transpose", use_mask=True, invert=False, axis=-1):
    def wrong(Q, K, V, mask=None):
        N, Tk, d = K.shape
        Kt = K.transpose(0, 2, 1) if keys == "transpose" else K.reshape(N, d, Tk)
        divisor = {"sqrt": np.sqrt(d), "none": 1.0, "d": d, "dv": np.sqrt(V.shape[-1])}[scale]
        scores = Q @ Kt / divisor
        if mask is not None and use_mask:
            scores = np.where(~np.asarray(mask) if invert else mask, scores, -np.inf)
        return _softmax(scores, axis=axis) @ V

    return wrong


ATTENTION_MISTAKES = (
    Mistake(_attention_variant(scale="none"),
            "the scaling is missing: divide the scores by sqrt(d). A dot product of two d-long vectors with unit-"
            "variance entries has variance d, so unscaled scores push the softmax towards one-hot weights whose "
            "gradients vanish."),
    Mistake(_attention_variant(scale="d"),
            "you divided by d: scale by 1 / sqrt(d). The scores' standard deviation grows like sqrt(d), and "
            "dividing by sqrt(d) brings it back to about 1."),
    Mistake(_attention_variant(scale="dv"),
            "you scaled by the square root of the VALUE size dv: the scale is 1 / sqrt(d), with d the size of "
            "the queries and keys (Q.shape[-1])."),
    Mistake(_attention_variant(keys="reshape"),
            "K was reshaped, not transposed: K.reshape(N, d, Tk) keeps the numbers in memory order and mixes up "
            "keys and features. Swap its last two axes: K.transpose(0, 2, 1) or K.swapaxes(-1, -2)."),
    Mistake(_attention_variant(axis=-2),
            "your softmax runs over the queries (axis -2): each query's weights over the KEYS must sum to 1, so "
            "take it over the last axis (axis=-1, length Tk)."),
    Mistake(_attention_variant(use_mask=False),
            "the mask is ignored: where mask is False, set the score to -inf before the softmax, so that query "
            "gives that key weight exactly 0."),
    Mistake(_attention_variant(invert=True),
            "your mask is inverted: True means 'may attend' here (torch's scaled_dot_product_attention); "
            "nn.MultiheadAttention's key_padding_mask is the one where True means ignore."),
)


def _attention_cases():
    cases = []
    lengths = np.array([5, 3])
    padding = (np.arange(5) < lengths[:, None])[:, None, :]  # (N, 1, Tk)
    shapes = [  # (N, Tq, Tk, d, dv, mask kind): Tq != Tk and d != dv where a mix-up could hide
        (2, 3, 5, 4, 6, None), (2, 3, 5, 4, 2, "padding"), (2, 4, 4, 3, 5, "causal"),
        (1, 2, 6, 16, 3, None), (3, 5, 2, 2, 4, "random"),
    ]
    for seed, (N, Tq, Tk, d, dv, kind) in enumerate(shapes):
        rng = np.random.default_rng(7200 + seed)
        Q, K, V = rng.normal(size=(N, Tq, d)), rng.normal(size=(N, Tk, d)), rng.normal(size=(N, Tk, dv))
        mask = {None: None, "padding": padding, "causal": np.tril(np.ones((Tq, Tk), dtype=bool))}.get(kind)
        if kind == "random":
            mask = rng.random((N, Tq, Tk)) < 0.6
            mask[..., 0] = True  # at least one key per query
        label = f"N={N}, Tq={Tq}, Tk={Tk}, d={d}, dv={dv}" + (f", {kind} mask {mask.shape}" if kind else ", no mask")
        cases.append(Case(label, (Q, K, V, mask)))
    return cases


def _matmul_crash(err):
    if isinstance(err, ValueError) and ("matmul" in str(err) or "shapes" in str(err) or "broadcast" in str(err)):
        return ("the scores are Q @ K^T of shape (N, Tq, Tk): transpose only K's last two axes, "
                "K.transpose(0, 2, 1) or K.swapaxes(-1, -2). K.T reverses all three axes. Then weights @ V "
                "is (N, Tq, Tk) @ (N, Tk, dv) -> (N, Tq, dv).")
    return None


def check_dot_product_attention(student_fn):
    """Exercise: `dot_product_attention(Q, K, V, mask=None) -> out (N, Tq, dv)`.

    Q (N, Tq, d), K (N, Tk, d), V (N, Tk, dv); out = softmax(Q K^T / sqrt(d), masked) V, the softmax over the
    keys, mask boolean broadcastable to (N, Tq, Tk) with True = may attend. Cases without a mask call
    `dot_product_attention(Q, K, V)`.
    """

    def call(Q, K, V, mask):
        return student_fn(Q, K, V) if mask is None else student_fn(Q, K, V, mask=mask)

    return _check("dot_product_attention", call, _attention_reference, _attention_cases(), ATTENTION_MISTAKES,
                  parts=("out",), crash_hint=_matmul_crash,
                  shape_hint="out is (N, Tq, dv): one value-sized vector per query.")


# ---------------------------------------------------------------- chapter 07: one Luong decoder step


def _luong_step(model, y_prev, s_prev, memory, *, mask=True, query="new", keys="general", readout="combine",
                axis=-1):
    """One step of a Luong 'general' decoder written out from the model's layers (torch ops, no model.step).

    The keyword arguments switch on the classic mistakes: the padding left in, the previous state asking,
    the dot score instead of the general one, the context left out of the readout or not squashed, the
    softmax over the wrong axis.
    """
    x = model.tgt_embed(y_prev)  # (N, E)
    s = model.decoder(x[:, None], s_prev[None].contiguous())[0][:, 0]  # (N, H): the GRU, one step
    q = s if query == "new" else s_prev
    k = memory.keys if keys == "general" else memory.enc  # keys = enc @ W_a, computed once by encode
    scores = (q[:, None] @ k.transpose(1, 2))[:, 0]  # (N, Tx)
    if mask:
        scores = scores.masked_fill(~memory.mask, float("-inf"))
    weights = torch.softmax(scores, dim=axis)
    context = (weights[:, None] @ memory.enc)[:, 0]  # (N, H)
    if readout == "combine":
        logits = model.out(torch.tanh(model.combine(torch.cat([s, context], dim=-1))))
    elif readout == "no tanh":
        logits = model.out(model.combine(torch.cat([s, context], dim=-1)))
    else:
        logits = model.out(s)
    return logits, s, weights


def _as_numpy(step):
    def run(*args):
        with torch.no_grad():
            return tuple(t.detach().double().numpy() for t in step(*args))

    return run


def _step_mistake(hint, **wrong):
    """A Mistake whose wrong answer is the reference step with one of `_luong_step`'s mistakes switched on."""
    return Mistake(_as_numpy(lambda *args: _luong_step(*args, **wrong)), hint)


STEP_MISTAKES = (
    _step_mistake("padding got attention weight: set the scores of positions where memory.mask is False to -inf "
                  "before the softmax (masked_fill(~memory.mask, float('-inf'))).", mask=False),
    _step_mistake("the previous state s_prev asked the question: in Luong's model the NEW state s_t (after the GRU) "
                  "scores the encoder states. (Bahdanau's decoder is the one that asks with s_{t-1}.)",
                  query="previous"),
    _step_mistake("those are dot scores s . h_j: the 'general' score is s W_a . h_j, and encode() already computed "
                  "h_j W_a^T for you in memory.keys.", keys="dot"),
    _step_mistake("the readout ignores the context: Luong's output layer reads tanh([s_t, c_t] W_c + b_c) "
                  "(model.combine, then model.out).", readout="state only"),
    _step_mistake("the combined vector is not squashed: logits = out(tanh(combine([s_t, c_t]))).", readout="no tanh"),
    _step_mistake("your softmax ran over the batch (dim 0): each row's weights over its Tx input positions must sum "
                  "to 1, so take it over the last dim.", axis=0),
)


def _step_model_check(model):
    """The checker needs a Luong 'general' encoder-decoder in float64; say so clearly otherwise."""
    needed = ("encode", "tgt_embed", "decoder", "combine", "out", "step")
    config = getattr(model, "config", None)
    if not all(hasattr(model, a) for a in needed) or getattr(config, "attention", None) != "general":
        raise ValueError(f"check_decoder_step needs a seq2seq.Seq2Seq with attention='general', got "
                         f"{type(model).__name__} with attention={getattr(config, 'attention', None)!r}")
    if next(model.parameters()).dtype != torch.float64:
        raise ValueError("check_decoder_step needs the model in float64 (call .double() on it), got "
                         f"{next(model.parameters()).dtype}")


def _step_cases(model):
    V_src, V_tgt, H = model.config.src_vocab, model.config.tgt_vocab, model.config.hidden
    cases = []
    for seed, lengths in enumerate([[6, 3, 1, 4], [2, 2], [5, 1, 5]]):
        g = torch.Generator().manual_seed(7700 + seed)
        lengths = torch.tensor(lengths)
        src = torch.randint(3, V_src, (len(lengths), int(lengths.max())), generator=g)
        src = src.masked_fill(torch.arange(src.shape[1]) >= lengths[:, None], PAD)
        with torch.no_grad():
            memory = model.encode(src, lengths)
        y_prev = torch.randint(1, V_tgt, (len(lengths),), generator=g)
        s_prev = torch.randn(len(lengths), H, generator=g, dtype=torch.float64)
        cases.append(Case(f"N={len(lengths)}, input lengths {lengths.tolist()}", (model, y_prev, s_prev, memory)))
    return cases


def _reversal_batch(V, n, length, seed):
    """n digit strings (ids 3..V-1) of `length` characters and their reversals ending in EOS."""
    rng = np.random.default_rng(seed)
    src = rng.integers(3, V, size=(n, length))
    tgt = np.concatenate([src[:, ::-1], np.full((n, 1), EOS)], axis=1)
    return torch.from_numpy(src), torch.full((n,), length), torch.from_numpy(tgt)


def _train_with(step, model, updates=15, seed=7800):
    """Teacher-forced training of `model` with `step` called at every output position: the loss of each update.

    The global torch generator is put back afterwards: only a solved step gets here, and the notebook's
    later cells must draw the same numbers in the student edition, where the checker stops earlier."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _teacher_forced_losses(step, model, updates, seed)


def _teacher_forced_losses(step, model, updates, seed):
    src, src_len, tgt = _reversal_batch(model.config.src_vocab, 32, 4, seed)
    tgt_in = torch.cat([torch.full_like(tgt[:, :1], SOS), tgt[:, :-1]], dim=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(updates):
        memory = model.encode(src, src_len)
        s, loss = memory.last, 0.0
        for t in range(tgt.shape[1]):
            logits, s, _ = step(model, tgt_in[:, t], s, memory)
            loss = loss + F.cross_entropy(logits, tgt[:, t])
        loss = loss / tgt.shape[1]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def check_decoder_step(student_fn, model):
    """Exercise: `decoder_step(model, y_prev, s_prev, memory) -> (logits (N, V), s (N, H), weights (N, Tx))`.

    One step of a Luong 'general' decoder, built from `model`'s layers; compared with a reference written
    here (and `model.step`) on seeded padded batches. Then a copy of `model` is trained for a few updates
    with the student's step in a teacher-forced loop, beside a copy trained with the reference step.
    """
    _step_model_check(model)
    cases = _step_cases(model)
    reference = _as_numpy(_luong_step)
    for case in cases:  # the reference written here is the package's step
        assert all(np.allclose(a, b, atol=1e-12) for a, b in zip(reference(*case.args),
                                                                _as_numpy(model.step)(*case.args[1:])))

    def call(model, y_prev, s_prev, memory):
        got = student_fn(model, y_prev, s_prev, memory)
        if not isinstance(got, (tuple, list)) or not all(isinstance(t, torch.Tensor) for t in got):
            return got  # read_floats names what came back
        return tuple(t.detach().double().numpy() for t in got)

    check_outputs("decoder_step", call, reference, cases, STEP_MISTAKES, parts=("logits", "s", "weights"),
                  atol=1e-8, shape_hint="logits (N, V), s (N, H), weights (N, Tx): one row per sequence.",
                  advice="Follow the equations: GRU step, score every encoder state, masked softmax, context, "
                         "readout.")
    no_gradient = ("Hint: build every tensor from the model's layers so that gradients can flow (no .detach(), "
                   ".numpy() or torch.no_grad() inside the step).")
    try:
        theirs = _train_with(student_fn, copy.deepcopy(model))
    except Exception as err:  # typically: backward() through a step that cut the graph
        raise ExerciseFailed(f"decoder_step: the step's values are right, but training with it failed: "
                             f"{type(err).__name__}: {err}\n{no_gradient}") from None
    ours = _train_with(_luong_step, copy.deepcopy(model))
    if not np.allclose(theirs, ours, atol=1e-8):
        raise ExerciseFailed("decoder_step: the step's values are right, but training with it went differently "
                             f"from the reference (losses {np.round(theirs[:3], 4).tolist()} vs "
                             f"{np.round(ours[:3], 4).tolist()} ...).\n{no_gradient}")
    print(f"  and it trains: a teacher-forced loop with your step took the loss from {theirs[0]:.3f} to "
          f"{theirs[-1]:.3f} in {len(theirs)} updates, as the reference step does.")
    return True
