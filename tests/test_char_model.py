"""Chapter 08's character model: stream batcher, stateful model, bits per character, generation.
Its CharVocab is tested in test_vocab."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils.data import shakespeare
from course_utils.models import char_model as cm
from course_utils.models import char_numpy
from course_utils.nlp import sampling
from course_utils.nlp.vocab import CharVocab

CHARS = "\n !,.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'"
TEXT = "To be, or not to be: that is the question.\nWhether 'tis nobler in the mind to suffer\n" * 3


@pytest.fixture
def vocab():
    return CharVocab.from_text(CHARS)


def small_model(vocab, cell="lstm", H=12, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    return cm.CharModel(vocab, H, cell=cell, embed_dim=5).to(dtype)


# ---------------------------------------------------------------- stream batcher


def test_stream_batches_small_example():
    X, Y = cm.stream_batches(np.arange(23), batch_size=2, T=3)  # L = 22 // 2 = 11 steps per stream, 3 windows
    assert X.shape == Y.shape == (3, 2, 3) and X.dtype == Y.dtype == np.int64
    np.testing.assert_array_equal(X[:, 0].ravel(), np.arange(0, 9))  # stream 0: ids 0..8 (9, 10 dropped)
    np.testing.assert_array_equal(X[:, 1].ravel(), np.arange(11, 20))  # stream 1 starts at L = 11
    np.testing.assert_array_equal(Y, X + 1)


@pytest.mark.parametrize("n, B, T", [(1000, 7, 10), (1001, 4, 50), (64, 1, 63), (100, 3, 1)])
def test_each_stream_is_read_once_in_order(n, B, T):
    ids = np.arange(n) * 3 + 1  # values tell positions: position = (value - 1) / 3
    X, Y = cm.stream_batches(ids, B, T)
    L = (n - 1) // B
    assert X.shape == (L // T, B, T)
    for b in range(B):
        stream = X[:, b].ravel()  # windows one after the other
        np.testing.assert_array_equal(stream, ids[b * L : b * L + len(stream)])  # contiguous, in order, no repeat
        np.testing.assert_array_equal(Y[:, b].ravel(), ids[b * L + 1 : b * L + len(stream) + 1])  # shifted by one
        assert len(stream) > L - T  # only a partial window is dropped
    positions = (X.ravel() - 1) // 3
    assert len(np.unique(positions)) == X.size  # no character read twice in an epoch
    # the next window of a row continues the same stream: the state may be carried over
    np.testing.assert_array_equal(Y[:-1, :, -1], X[1:, :, 0])


@pytest.mark.parametrize("kwargs, message", [
    ({"T": 0}, "T must be a positive int, got 0"),
    ({"T": -3}, "T must be a positive int"),
    ({"T": 2.0}, "T must be a positive int, got 2.0"),
    ({"batch_size": 0}, "batch_size must be a positive int"),
    ({"T": 40}, "shorter than one window of T=40"),
])
def test_stream_batches_bad_input(kwargs, message):
    args = {"ids": np.arange(100), "batch_size": 3, "T": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        cm.stream_batches(**args)
    with pytest.raises(ValueError, match=r"ids must be an integer array of shape \(N,\), got float64 \(10,\)"):
        cm.stream_batches(np.arange(10.0), 2, 2)


# ---------------------------------------------------------------- the model: state across windows, bits per char


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_carried_state_equals_reading_each_stream_whole(vocab, cell):
    model = small_model(vocab, cell)
    ids = vocab.encode(TEXT)
    X, _ = cm.stream_batches(ids, 3, 8)
    state, pieces = None, []
    for x in torch.from_numpy(X):
        logits, state = model(x, cm.detach_state(state))
        pieces.append(logits)
    carried = torch.cat(pieces, dim=1)  # (B, n_windows * T, V)
    whole = torch.from_numpy(np.concatenate(list(X), axis=1))  # each stream as one sequence
    torch.testing.assert_close(carried, model(whole)[0], rtol=0, atol=1e-12)
    # rows never mix: changing stream 0 leaves streams 1 and 2 exactly as they were
    other = whole.clone()
    other[0] = torch.flip(other[0], dims=[0])
    logits, _ = model(other)
    torch.testing.assert_close(logits[1:], model(whole)[0][1:], rtol=0, atol=0)
    # stateless: a window from zeros differs from the same window read with the carried state
    assert not torch.allclose(model(torch.from_numpy(X[1]))[0], carried[:, 8:16])


def test_bits_per_char_numpy_matches_torch_cross_entropy():
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(50, 7)) * 3, rng.integers(0, 7, size=50)
    nats = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item()
    assert cm.bits_per_char(logits, targets) == pytest.approx(nats / math.log(2), abs=1e-12)
    assert cm.bits_per_char(np.zeros((4, 84)), np.arange(4)) == pytest.approx(np.log2(84), abs=1e-12)
    assert cm.bits_per_char(np.array([[1000.0, 0.0]]), np.array([0])) == pytest.approx(0.0, abs=1e-12)
    assert cm.perplexity(1.0) == 2.0
    with pytest.raises(ValueError, match=r"targets must be an integer array of shape \(N,\), got float64"):
        cm.bits_per_char(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"logits must have shape \(N, V\), got \(4,\)"):
        cm.bits_per_char(np.zeros(4), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"targets must hold indices in \[0, V=3\), got values in \[0, 3\]"):
        cm.bits_per_char(np.zeros((4, 3)), np.arange(4))
    with pytest.raises(ValueError, match=r"one entry per row of logits \(N=4\), got 3"):
        cm.bits_per_char(np.zeros((4, 3)), np.arange(3))


def test_position_bits_in_text_order(vocab):
    model = small_model(vocab)
    ids = vocab.encode(TEXT)
    positions, bits = cm.position_bits(model, ids, batch_size=4, T=9)
    assert bits.mean() == pytest.approx(cm.evaluate_bpc(model, ids, batch_size=4, T=9), abs=1e-10)
    assert len(set(positions.tolist())) == len(positions) and positions.min() >= 1 and positions.max() < len(ids)
    # one stream: the whole text read in one forward pass, each character scored by what came before it
    positions, bits = cm.position_bits(model, ids, batch_size=1, T=9)
    logits = model(torch.from_numpy(ids[None, :-1]))[0][0].detach().double()
    direct = -torch.log_softmax(logits, -1)[torch.arange(len(ids) - 1), torch.from_numpy(ids[1:])] / np.log(2)
    np.testing.assert_array_equal(positions, np.arange(1, len(positions) + 1))
    np.testing.assert_allclose(bits, direct.numpy()[: len(bits)], rtol=0, atol=1e-5)


def test_evaluate_bpc_equals_a_direct_computation(vocab):
    model = small_model(vocab)
    ids = vocab.encode(TEXT)
    B, T = 4, 9
    X, Y = cm.stream_batches(ids, B, T)
    # direct: each stream read whole from zero state, softmax in numpy, -log2 p(target) averaged
    logits = model(torch.from_numpy(np.concatenate(list(X), axis=1)))[0].detach().numpy()  # (B, n, V)
    targets = np.concatenate(list(Y), axis=1)
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    direct = -np.mean(np.log2(np.take_along_axis(p, targets[..., None], axis=-1)))
    assert cm.evaluate_bpc(model, ids, batch_size=B, T=T) == pytest.approx(direct, abs=1e-10)


def test_dynamic_evaluation_at_rate_zero_is_the_frozen_score(vocab):
    model, ids = small_model(vocab), vocab.encode(TEXT)
    frozen = cm.evaluate_bpc(model, ids, batch_size=4, T=9)
    assert cm.dynamic_bpc(model, ids, lr=0, batch_size=4, T=9) == pytest.approx(frozen, abs=1e-10)


def test_dynamic_evaluation_scores_each_window_before_learning_from_it(vocab):
    model = small_model(vocab)
    rng = np.random.default_rng(0)
    head = "".join(rng.choice(list(CHARS[1:]), size=200))
    # Two texts that agree on their first 100 characters: the windows before they part score alike...
    a, b = vocab.encode(head + "x" * 101), vocab.encode(head[:100] + "q" * 201)
    bits_a = cm.dynamic_window_bits(model, a, lr=0.5, batch_size=1, T=10)
    bits_b = cm.dynamic_window_bits(model, b, lr=0.5, batch_size=1, T=10)
    np.testing.assert_allclose(bits_a[:9], bits_b[:9], rtol=0, atol=1e-12)  # windows 0-8 read characters 0-90
    assert not np.allclose(bits_a[9:], bits_b[9:])
    # ...and on a pattern the frozen model never learnt, the adapting one learns it as it reads.
    pattern = vocab.encode("qxjz" * 100)
    adapted = cm.dynamic_window_bits(model, pattern, lr=1.0, batch_size=1, T=10)
    frozen = cm.dynamic_window_bits(model, pattern, lr=0, batch_size=1, T=10)
    assert adapted[-10:].mean() < 1.0 < 5.0 < frozen[-10:].mean(), (adapted[-10:].mean(), frozen[-10:].mean())
    assert abs(adapted[0] - frozen[0]) < 1e-12  # the first window is scored before any update
    assert model.state_dict()["head.weight"].equal(small_model(vocab).state_dict()["head.weight"])  # left unchanged
    with pytest.raises(ValueError, match="lr must be a learning rate >= 0"):
        cm.dynamic_bpc(model, pattern, lr=-1e-3)


def test_training_learns_a_repeating_text(vocab):
    torch.manual_seed(0)
    model = cm.CharModel(vocab, 16, embed_dim=8)
    ids = vocab.encode("abcdefgh" * 200)
    history = cm.fit(model, ids, cm.CharRecipe(steps=120, batch_size=4, T=10, lr=1e-2), valid_ids=ids[:300],
                     eval_every=60, eval_kwargs={"batch_size": 4, "T": 10}, sample_every=60, progress=False)
    assert history.epochs > 1  # walked past the last window and started again
    assert history.loss[0] > 3 > 1 > history.valid_loss[-1], (history.loss[0], history.valid_loss)
    assert history.valid_steps == [60, 120] and sorted(history.samples) == [1, 60, 120]
    assert len(history.grad_norm) == 120 and not history.diverged
    assert cm.generate(model, "abc", 8, temperature=0) == "defghabc"


def test_shuffled_windows_are_a_permutation_per_pass_with_targets_kept():
    ids = np.arange(1000) % 97
    X, Y = cm.stream_batches(ids, 4, 10)  # (24, 4, 10)
    Xs, Ys = cm.shuffle_windows(X, Y, 2, seed=3)
    assert Xs.shape == (48, 4, 10)
    rows = lambda A: sorted(map(tuple, A.reshape(-1, 10)))
    for p in range(2):  # every window exactly once per pass
        assert rows(Xs[24 * p : 24 * (p + 1)]) == rows(X)
    assert np.array_equal(Ys[..., :-1], Xs[..., 1:])  # each target row still follows its own input row
    assert not np.array_equal(Xs[:24], X) and not np.array_equal(Xs[:24], Xs[24:])  # shuffled, anew each pass
    # windows from different streams share a batch: the batch rows are not one offset of the B streams any more
    assert any(len({int(x[0]) % (len(ids) // 4) for x in batch}) > 1 for batch in Xs[:24])


def test_shuffled_training_learns_and_needs_stateless(vocab):
    ids = vocab.encode("abcdefgh" * 200)
    torch.manual_seed(0)
    model = cm.CharModel(vocab, 16, embed_dim=8)
    recipe = cm.CharRecipe(steps=120, batch_size=4, T=10, lr=1e-2, stateful=False, shuffle=True)
    history = cm.fit(model, ids, recipe, progress=False)
    assert history.epochs > 1 and history.loss[0] > 3 > 1 > history.loss[-1]
    with pytest.raises(ValueError, match="shuffle=True needs stateful=False"):
        cm.fit(model, ids, cm.CharRecipe(steps=5, batch_size=4, T=10, shuffle=True), progress=False)
    with pytest.raises(ValueError, match=r"X and Y must both have shape \(n_windows, N, T\)"):
        cm.shuffle_windows(np.zeros((3, 4)), np.zeros((3, 4)), 1)


@pytest.mark.skipif(not cm.bf16_supported(), reason="this CPU has no bfloat16 arithmetic (see the next test)")
def test_bf16_scores_close_to_float32_and_trains(vocab):
    torch.manual_seed(0)
    model = cm.CharModel(vocab, 32, embed_dim=8)
    ids = vocab.encode(TEXT)
    fp32 = cm.evaluate_bpc(model, ids, batch_size=2, T=20)
    bf16 = cm.evaluate_bpc(model, ids, batch_size=2, T=20, bf16=True)
    assert bf16 != fp32 and abs(bf16 - fp32) < 0.02  # bfloat16 keeps 8 bits of mantissa: close, not equal
    history = cm.fit(model, vocab.encode("abcdefgh" * 200), cm.CharRecipe(steps=120, batch_size=4, T=10, lr=1e-2,
                                                                          bf16=True), progress=False)
    assert history.loss[0] > 3 > 1 > history.loss[-1]
    assert all(p.dtype == torch.float32 for p in model.parameters())  # autocast: the weights stay float32


@pytest.mark.skipif(cm.bf16_supported(), reason="this CPU has bfloat16 arithmetic (see the previous test)")
def test_bf16_on_a_cpu_without_it_says_so(vocab):
    model = cm.CharModel(vocab, 8, embed_dim=4)
    with pytest.raises(RuntimeError, match="needs a CPU with bfloat16 arithmetic"):
        cm.evaluate_bpc(model, vocab.encode(TEXT), batch_size=2, T=20, bf16=True)


# ---------------------------------------------------------------- generation


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("temperature, top_k, top_p", [(1.0, None, None), (0.7, None, None), (1.3, 5, None),
                                                    (0.0, None, None), (1.0, None, 0.8), (1.2, 10, 0.9)])
def test_numpy_generation_equals_torch(vocab, cell, temperature, top_k, top_p):
    model = small_model(vocab, cell, H=16)
    params = char_numpy.numpy_params(model)
    torch_text = cm.generate(model, "To be", 150, temperature=temperature, top_k=top_k, top_p=top_p, seed=7)
    numpy_text = char_numpy.generate_numpy(params, "To be", 150, temperature=temperature, top_k=top_k, top_p=top_p,
                                           seed=7)
    assert len(torch_text) == 150 and torch_text == numpy_text
    assert torch_text != cm.generate(model, "To be", 150, temperature=1.0, seed=8) or temperature == 0


def test_greedy_is_argmax_and_the_limit_of_low_temperature(vocab):
    model = small_model(vocab, H=16, seed=3)
    greedy = cm.generate(model, "The ", 60, temperature=0)
    # greedy by hand: the argmax of the logits, fed back in
    ids = list(vocab.encode("The "))
    logits, state = model(torch.tensor([ids]))
    out = []
    for _ in range(60):
        out.append(int(torch.argmax(logits[0, -1])))
        logits, state = model(torch.tensor([[out[-1]]]), state)
    assert greedy == vocab.decode(np.array(out))
    assert cm.generate(model, "The ", 60, temperature=1e-6, seed=1) == greedy
    assert cm.generate(model, "The ", 60, temperature=1e-6, seed=2) == greedy  # the seed no longer matters
    assert cm.generate(model, "The ", 60, temperature=1.0, seed=1) != greedy


def test_top_k_one_is_greedy(vocab):
    model = small_model(vocab, H=16, seed=4)
    assert cm.generate(model, "A", 40, top_k=1, seed=5) == cm.generate(model, "A", 40, temperature=0)


def test_generate_bad_inputs(vocab):
    model = small_model(vocab)
    with pytest.raises(ValueError, match=r"outside the vocabulary .*\['#'\]"):
        cm.generate(model, "a#b", 5)
    with pytest.raises(ValueError, match=f"at most MAX_PRIME={cm.MAX_PRIME} characters, got {cm.MAX_PRIME + 1}"):
        cm.generate(model, "a" * (cm.MAX_PRIME + 1), 5)
    with pytest.raises(ValueError, match="non-empty string"):
        cm.generate(model, "", 5)
    with pytest.raises(ValueError, match="n must be a non-negative int"):
        cm.generate(model, "a", -1)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        cm.generate(model, "a", 5, temperature=-1.0)
    with pytest.raises(ValueError, match="top_k must be a positive int, got 0"):
        cm.generate(model, "a", 5, top_k=0)
    with pytest.raises(ValueError, match="MAX_PRIME"):
        char_numpy.generate_numpy(char_numpy.numpy_params(model), "a" * (cm.MAX_PRIME + 1), 5)


def test_hidden_trace_matches_the_torch_layer(vocab):
    model = small_model(vocab, H=10)
    h, c = char_numpy.hidden_trace(char_numpy.numpy_params(model), TEXT[:40])
    states, (h_n, c_n) = model.rnn(model.embed(torch.from_numpy(vocab.encode(TEXT[:40]))[None]))
    np.testing.assert_allclose(h, states[0].detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(c[-1], c_n[0, 0].detach().numpy(), rtol=0, atol=1e-12)


# ---------------------------------------------------------------- checkpoints


def test_checkpoint_round_trip(vocab, tmp_path):
    model = small_model(vocab, "gru", dtype=torch.float32)
    cm.save_checkpoint(model, tmp_path / "m.pt", valid_bpc=2.0)
    loaded, extra = cm.load_checkpoint(tmp_path / "m.pt")
    assert extra == {"valid_bpc": 2.0} and loaded.cell == "gru" and loaded.vocab.chars == vocab.chars
    assert cm.generate(loaded, "To", 50, seed=1) == cm.generate(model, "To", 50, seed=1)
    blob = torch.load(tmp_path / "m.pt", weights_only=True)
    blob["state_dict"]["head.weight"] = blob["state_dict"]["head.weight"][:, :3]
    torch.save(blob, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="does not fit its config"):
        cm.load_checkpoint(tmp_path / "bad.pt")


def test_sampling_rule_follows_the_probabilities():
    p = np.array([0.1, 0.0, 0.6, 0.3])
    rng = np.random.default_rng(0)
    draws = np.array([sampling.sample_index(p, rng) for _ in range(20000)])
    assert not np.any(draws == 1)  # a zero-probability character is never drawn
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, p, atol=0.01)


def test_shipped_checkpoint_loads_weights_only_with_the_expected_shapes():
    blob = torch.load(cm.PRETRAINED, weights_only=True)  # refuses anything but tensors and plain values
    assert blob["config"] == {"chars": blob["config"]["chars"], "H": 512, "cell": "lstm", "embed_dim": 32}
    model, extra = cm.load_checkpoint()
    V = model.vocab.V
    assert V == 84 and {k: tuple(v.shape) for k, v in model.state_dict().items()} == {
        "embed.weight": (V, 32), "rnn.weight_ih_l0": (2048, 32), "rnn.weight_hh_l0": (2048, 512),
        "rnn.bias_ih_l0": (2048,), "rnn.bias_hh_l0": (2048,), "head.weight": (V, 512), "head.bias": (V,)}
    assert cm.PRETRAINED.stat().st_size < 5e6 and extra["steps"] == 4000 and extra["bf16"]
    # trained on the three-way split: its vocabulary is the training text's, and it was scored on both parts
    split = shakespeare.three_way(shakespeare.text())
    assert model.vocab.chars == CharVocab.from_text(split.train).chars
    assert 1.9 < extra["valid_bpc"] < 2.1 and 1.9 < extra["test_bpc"] < 2.1


def test_sequence_length_grid_receives_only_train_and_validation(vocab):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "char_seq_length.py"
    spec = importlib.util.spec_from_file_location("char_seq_length", path)
    grid = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grid)
    ids = np.tile(vocab.encode(TEXT), 20)  # (5,100,): validation long enough for 32 streams of 100 steps
    split = shakespeare.Split(ids, ids, ids[:50])
    for run in (lambda s: grid.run_grid(s, vocab, [10], 400, [1], hidden=4, batch_size=2, valid_chars=3300),
                lambda s: grid.run_lr_check(s, vocab, 10, [1e-2], 400, [1], hidden=4, batch_size=2, valid_chars=3300)):
        with pytest.raises(ValueError, match="dev must be a DevSplit .* got Split"):
            run(split)
        assert len(run(split.dev())) >= 1  # a DevSplit (no test part) is accepted
