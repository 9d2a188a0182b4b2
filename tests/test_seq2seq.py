"""seq2seq: teacher forcing step by step = the fast path, attention = the numpy reference layers,
padding invisible when masked (and visible when not), greedy decoding consistent with teacher forcing,
the loss ignores padding, scoring, and a tiny model that learns."""

import numpy as np
import pytest
import torch

from course_utils.data import seq_tasks
from course_utils.data.seq_tasks import EOS, PAD
from course_utils.layers import attention, gru
from course_utils.models import seq2seq, training

KINDS = [None, "bahdanau", "dot", "general"]


def tiny(kind, *, mask_padding=True, seed=0, bidirectional=True):
    torch.manual_seed(seed)
    config = seq2seq.Seq2SeqConfig(src_vocab=13, tgt_vocab=13, embed=5, hidden=6, attention=kind, attention_units=4,
                                   mask_padding=mask_padding, bidirectional=bidirectional)  # fmt: skip
    return seq2seq.Seq2Seq(config).double().eval()


def batch(seed=0, N=4, Tx=7, Ty=5):
    g = torch.Generator().manual_seed(seed)
    src_len = torch.tensor([Tx, 3, 1, 5][:N])
    src = torch.randint(3, 13, (N, Tx), generator=g)
    src[torch.arange(Tx) >= src_len[:, None]] = PAD
    tgt = torch.randint(3, 13, (N, Ty), generator=g)
    return src, src_len, tgt


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [True, False])
def test_step_loop_equals_forward(kind, bidirectional):
    """Teacher forcing through `step`, one character at a time, gives forward's logits and weights."""
    model = tiny(kind, bidirectional=bidirectional)
    src, src_len, tgt = batch()
    tgt_in = seq2seq.shift_right(tgt)
    logits, weights = model(src, src_len, tgt_in)
    memory = model.encode(src, src_len)
    s = memory.last
    for t in range(tgt.shape[1]):
        step_logits, s, w = model.step(tgt_in[:, t], s, memory)
        torch.testing.assert_close(step_logits, logits[:, t], rtol=0, atol=1e-12)
        if kind is not None:
            torch.testing.assert_close(w, weights[:, t], rtol=0, atol=1e-12)
    assert logits.shape == (4, 5, 13)
    assert (weights is None) == (kind is None)


def test_bidirectional_encoder_equals_torch_packed_bidirectional_gru():
    """Our two passes (the backward one over each row's real characters reversed) = nn.GRU(bidirectional=True)
    on a packed batch, which never lets padding into either direction."""
    model = tiny("general")
    src, src_len, _ = batch()
    memory = model.encode(src, src_len)
    both = torch.nn.GRU(5, 3, batch_first=True, bidirectional=True).double()
    with torch.no_grad():
        for name, p in model.encoder.named_parameters():
            getattr(both, name).copy_(p)
            getattr(both, name + "_reverse").copy_(getattr(model.encoder_back, name))
    x = model.src_embed(src)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, src_len, batch_first=True, enforce_sorted=False)
    out, h_n = both(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
    real = memory.mask[:, :, None]
    torch.testing.assert_close(memory.enc * real, out, rtol=0, atol=1e-12)
    torch.testing.assert_close(memory.last, torch.cat([h_n[0], h_n[1]], dim=-1), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(seq2seq.reverse_index(torch.tensor([3, 1]), 4).numpy(), [[2, 1, 0, 3], [0, 1, 2, 3]])


@pytest.mark.parametrize("kind", ["bahdanau", "dot", "general"])
def test_attention_equals_numpy_reference(kind):
    """The model's context vectors are the numpy layers' outputs on the same queries, keys and values."""
    model = tiny(kind)
    src, src_len, _ = batch()
    memory = model.encode(src, src_len)
    queries = torch.randn(4, 3, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    context, weights = model.attend(queries, memory)
    Q, enc = queries.numpy(), memory.enc.detach().numpy()
    mask = memory.mask.numpy()[:, None, :]
    if kind == "bahdanau":
        params = {"W_q": model.W_q.weight.detach().numpy().T, "W_k": model.W_k.weight.detach().numpy().T,
                  "w_v": model.w_v.weight.detach().numpy()[0]}  # fmt: skip
        expected, cache = attention.additive_attention_forward(Q, enc, enc, params, mask=mask)
    else:
        K = enc if kind == "dot" else enc @ model.W_a.weight.detach().numpy()  # s W_a h^T, torch stores W_a^T
        expected, cache = attention.dot_product_attention_forward(Q, K, enc, mask=mask, scale=1.0)
    np.testing.assert_allclose(context.detach().numpy(), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(weights.detach().numpy(), cache.weights, rtol=0, atol=1e-10)
    assert (weights.detach().numpy()[~np.broadcast_to(mask, weights.shape)] == 0).all()


def numpy_gru_step(cell_or_gru, x, s_prev):
    """One GRU step with the numpy layer (torch's form), from an nn.GRUCell's or a one-layer nn.GRU's weights."""
    twin = torch.nn.GRU(x.shape[1], s_prev.shape[1], batch_first=True).double()
    suffix = "" if isinstance(cell_or_gru, torch.nn.GRUCell) else "_l0"
    with torch.no_grad():
        for name in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]:
            getattr(twin, name + "_l0").copy_(getattr(cell_or_gru, name + suffix))
    return gru.gru_step_forward(x, s_prev, gru.params_from_torch(twin))[0]


@pytest.mark.parametrize("kind", KINDS)
def test_one_decoder_step_equals_the_equations_in_numpy(kind):
    """The module docstring's equations, computed with the numpy layers: who asks (s_{t-1} for Bahdanau,
    s_t for Luong), where the context goes, what the output layer reads."""
    model = tiny(kind, seed=5)
    src, src_len, _ = batch(seed=3)
    memory = model.encode(src, src_len)
    y_prev = torch.tensor([3, 7, 1, 12])
    s_prev = torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    logits, s, w = model.step(y_prev, s_prev, memory)

    P = {name: p.detach().numpy() for name, p in model.named_parameters()}
    enc, mask, sp = memory.enc.detach().numpy(), memory.mask.numpy()[:, None, :], s_prev.numpy()
    x = P["tgt_embed.weight"][y_prev.numpy()]
    if kind == "bahdanau":
        params = {"W_q": P["W_q.weight"].T, "W_k": P["W_k.weight"].T, "w_v": P["w_v.weight"][0]}
        c, cache = attention.additive_attention_forward(sp[:, None], enc, enc, params, mask=mask)  # s_{t-1} asks
        s_np = numpy_gru_step(model.decoder, np.concatenate([x, c[:, 0]], axis=1), sp)
        out = np.concatenate([s_np, c[:, 0]], axis=1) @ P["out.weight"].T + P["out.bias"]
    else:
        s_np = numpy_gru_step(model.decoder, x, sp)
        if kind is None:
            out = s_np @ P["out.weight"].T + P["out.bias"]
        else:
            keys = enc if kind == "dot" else enc @ P["W_a.weight"]
            c, cache = attention.dot_product_attention_forward(s_np[:, None], keys, enc, mask=mask, scale=1.0)
            mixed = np.tanh(np.concatenate([s_np, c[:, 0]], axis=1) @ P["combine.weight"].T + P["combine.bias"])
            out = mixed @ P["out.weight"].T + P["out.bias"]
    np.testing.assert_allclose(s.detach().numpy(), s_np, rtol=0, atol=1e-12)
    np.testing.assert_allclose(logits.detach().numpy(), out, rtol=0, atol=1e-12)
    if kind is not None:
        np.testing.assert_allclose(w.detach().numpy(), cache.weights[:, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [True, False])
def test_extra_padding_changes_nothing_when_masked(kind, bidirectional):
    model = tiny(kind, bidirectional=bidirectional)
    src, src_len, tgt = batch()
    longer = torch.cat([src, torch.full((4, 6), PAD)], dim=1)
    a, wa = model(src, src_len, seq2seq.shift_right(tgt))
    b, wb = model(longer, src_len, seq2seq.shift_right(tgt))
    torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    if kind is not None:
        assert (wb[:, :, 7:] == 0).all()


@pytest.mark.parametrize("kind", ["bahdanau", "general"])
def test_unmasked_padding_leaks_into_the_answer(kind):
    model = tiny(kind, mask_padding=False)
    src, src_len, tgt = batch()
    longer = torch.cat([src, torch.full((4, 6), PAD)], dim=1)
    _, weights = model(longer, src_len, seq2seq.shift_right(tgt))
    assert (weights[:, :, 7:] > 0).all()  # padded positions get weight
    a, _ = model(src, src_len, seq2seq.shift_right(tgt))
    b, _ = model(longer, src_len, seq2seq.shift_right(tgt))
    assert (a - b).abs().max() > 1e-6  # ... and the answer depends on how much padding the batch has


@pytest.mark.parametrize("kind", KINDS)
def test_greedy_decode_feeds_back_its_own_argmax(kind):
    model = tiny(kind, seed=3)
    src, src_len, _ = batch(seed=2)
    tokens, weights = model.greedy_decode(src, src_len, max_len=6)
    assert tokens.shape == (4, 6)
    # teacher forcing on its own answer reproduces every answer character (up to and including EOS)
    logits, _ = model(src, src_len, seq2seq.shift_right(tokens))
    choice = logits.argmax(-1)
    for row, out in zip(choice, tokens):
        n = int((out != PAD).sum())
        assert torch.equal(row[:n], out[:n])
        ends = (out == EOS).nonzero()
        if len(ends):  # nothing but padding after the first EOS
            assert (out[int(ends[0]) + 1 :] == PAD).all()
    if kind is not None:
        assert weights.shape == (4, 6, 7)


def test_loss_ignores_padding():
    logits = torch.randn(2, 3, 5, dtype=torch.float64)
    tgt = torch.tensor([[3, 4, EOS], [3, EOS, PAD]])
    real = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    expected = -np.mean([torch.log_softmax(logits[n, t], -1)[tgt[n, t]].item() for n, t in real])
    assert seq2seq.sequence_loss(logits, tgt).item() == pytest.approx(expected, abs=1e-12)


class Fixed(seq2seq.Seq2Seq):
    """A model whose greedy answers are given: to test the scoring alone."""

    def __init__(self, answers):
        super().__init__(seq2seq.Seq2SeqConfig(5, 13, attention=None))
        self.answers = answers

    def greedy_decode(self, src, src_len, max_len):
        return self.answers[: len(src)], None


def test_score_counts_exact_and_per_character():
    vocab = seq_tasks.digit_vocab()
    data = seq_tasks.encode_pairs([("12", "21"), ("345", "543"), ("6", "6")], vocab, vocab)
    answers = torch.from_numpy(vocab.encode(["21", "503", "67"], eos=True)[0][:, : data.tgt.shape[1]])
    scores = seq2seq.score(Fixed(answers), data, vocab)
    assert scores.exact == pytest.approx(1 / 3)  # "21" right; "503" one digit wrong; "67" misses the EOS
    assert scores.per_token == pytest.approx((3 + 3 + 1) / (3 + 4 + 2))
    assert scores.predictions == ["21", "503", "67"]


def test_fit_learns_to_reverse_short_strings():
    torch.manual_seed(0)
    vocab = seq_tasks.digit_vocab()
    train = seq_tasks.encode_pairs(seq_tasks.reversal_pairs(2000, min_len=1, max_len=3, seed=0), vocab, vocab)
    test = seq_tasks.encode_pairs(seq_tasks.reversal_pairs(300, min_len=1, max_len=3, seed=1), vocab, vocab)
    model = seq2seq.Seq2Seq(seq2seq.Seq2SeqConfig(len(vocab), len(vocab), embed=8, hidden=32, attention="general"))
    before = seq2seq.score(model, test, vocab).exact
    history = seq2seq.fit(model, train, test, training.Recipe(epochs=6, batch_size=64, max_lr=1e-2), progress=False)
    after = seq2seq.score(model, test, vocab)
    assert len(history.train_loss) == len(history.valid_loss) == 6
    assert history.valid_loss[-1] < history.valid_loss[0] / 3
    assert before < 0.1 and after.exact > 0.9, (before, after.exact)


def test_bad_arguments():
    with pytest.raises(ValueError, match="hidden=5 in two halves"):
        seq2seq.Seq2Seq(seq2seq.Seq2SeqConfig(5, 5, hidden=5))
    with pytest.raises(ValueError, match="attention must be one of"):
        seq2seq.Seq2Seq(seq2seq.Seq2SeqConfig(5, 5, attention="luong"))
    vocab = seq_tasks.digit_vocab()
    data = seq_tasks.encode_pairs([("1", "1")], vocab, vocab)
    with pytest.raises(ValueError, match="model must be a Seq2Seq"):
        seq2seq.fit(torch.nn.Linear(2, 2), data, data, training.Recipe())
    with pytest.raises(ValueError, match="recipe.epochs must be a positive int"):
        seq2seq.fit(tiny(None), data, data, training.Recipe(epochs=0))
