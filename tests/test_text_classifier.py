"""The genre task's data (Folio genres, train and test plays disjoint) and the embedding + LSTM
classifier (shapes, padding never read, equal-norm rows, the shuffled control, frozen vectors stay put)."""

import numpy as np
import pytest
import torch

from course_utils.data import shakespeare
from course_utils.models import text_classifier as tc


def test_genres_cover_the_folio_plays_once():
    plays = [p for ps in tc.GENRES.values() for p in ps]
    assert len(plays) == len(set(plays)) == 36  # the First Folio's 36 plays
    assert set(plays) <= set(shakespeare.works())
    assert "pericles" not in plays and "sonnets" not in plays


def test_play_lines_and_split():
    body = "ACT I.\n[Enter Hamlet.]\nHam.\nTo be, or not to be, that is the question:\nAy me!\n"
    assert tc.play_lines(body) == [["to", "be", "or", "not", "to", "be", "that", "is", "the", "question"]]
    plays = [p for ps in tc.GENRES.values() for p in ps]
    works = {p: f"Line one of {'x' * k} and more words.\nLine two of {'x' * k} and more words.\n"
             for k, p in enumerate(plays, start=1)}  # a word of k x's names the play
    split = tc.genre_split(works)
    train_text = {" ".join(t) for t, _ in split["train"]}
    test_text = {" ".join(t) for t, _ in split["test"]}
    assert train_text.isdisjoint(test_text)  # no play on both sides
    held_out = tc.test_plays()
    assert len(held_out) == 12 and {" ".join(tc.play_lines(works[p])[0]) for p in held_out} <= test_text
    assert {label for _, label in split["test"]} == {0, 1, 2}
    two = tc.genre_split(works, lines=2)
    assert len(two["train"]) == len(split["train"]) // 2 and len(two["train"][0][0]) == 14


def test_encode_lines_pads_with_zero_and_shifts_indices():
    X, y = tc.encode_lines([(["a", "zz", "b"], 2), (["b"] * 20, 0)], {"a": 0, "b": 1}, max_len=4)
    np.testing.assert_array_equal(X, [[1, 2, 0, 0], [2, 2, 2, 2]])
    np.testing.assert_array_equal(y, [2, 0])


INITS = ["random", "frozen", "fine-tuned", "shuffled"]


@pytest.mark.parametrize("init", INITS)
def test_classifier_shapes_and_freezing(init):
    vectors = np.random.default_rng(0).normal(size=(10, 6))
    model = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4, embedding_init=init)
    X = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    assert model(X).shape == (2, 3)
    before = model.embedding.weight.detach().clone()
    acc = tc.train_and_score(model, np.array([[1, 2, 0], [3, 4, 5]]), np.array([0, 1]),
                             np.array([[1, 2, 0]]), np.array([0]), epochs=2)
    assert 0.0 <= acc <= 1.0
    changed = not torch.equal(before, model.embedding.weight)
    assert changed == (init in ("random", "fine-tuned"))
    if init in ("frozen", "fine-tuned"):
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        np.testing.assert_allclose(before[1:].numpy(), unit * np.sqrt(6) / 2, rtol=1e-6)
    assert torch.equal(before[0], torch.zeros(6))


def test_bad_init_and_vectors_are_refused():
    vectors = np.random.default_rng(0).normal(size=(10, 6))
    with pytest.raises(ValueError, match="embedding_init must be one of .*'shuffled'.*, got 'glove'"):
        tc.EmbeddingLSTMClassifier(vectors, 3, embedding_init="glove")
    with pytest.raises(ValueError, match=r"vectors must be a \(V, D\) array of non-zero rows, got shape \(10,\)"):
        tc.EmbeddingLSTMClassifier(vectors[:, 0], 3)


@pytest.mark.parametrize("init", INITS)
def test_every_init_has_rows_of_the_same_norm(init):
    vectors = np.random.default_rng(1).normal(size=(50, 16)) * np.arange(1, 51)[:, None]  # norms 1x to 50x apart
    torch.manual_seed(0)
    rows = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4, embedding_init=init).embedding.weight[1:].detach()
    np.testing.assert_allclose(rows.norm(dim=1).numpy(), np.full(50, np.sqrt(16) / 2), rtol=1e-5)


def test_shuffled_rows_are_the_pretrained_rows_given_to_other_words():
    vectors = np.random.default_rng(2).normal(size=(40, 8))
    torch.manual_seed(0)
    pretrained = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4, embedding_init="frozen").embedding.weight[1:]
    shuffled = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4, embedding_init="shuffled").embedding.weight[1:]
    match = (shuffled[:, None, :] == pretrained[None, :, :]).all(-1)  # (40, 40): row i of shuffled is row j
    assert torch.equal(match.sum(0), torch.ones(40, dtype=torch.long))  # each pretrained row used exactly once
    assert torch.equal(match.sum(1), torch.ones(40, dtype=torch.long))
    assert match.diagonal().float().mean() < 0.2  # and almost every word got another word's vector


@pytest.mark.parametrize("init", INITS)
def test_padding_never_changes_the_output(init):
    vectors = np.random.default_rng(3).normal(size=(20, 6))
    torch.manual_seed(0)
    model = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=5, embedding_init=init).eval()
    words = torch.tensor([[4, 9, 2, 17, 5]])
    padded = torch.cat([words, torch.zeros(1, 7, dtype=torch.long)], dim=1)  # (1, 12)
    batch = torch.stack([padded[0], torch.tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8])])  # beside a full row
    with torch.no_grad():
        alone = model(words)
        torch.testing.assert_close(model(padded), alone, rtol=0, atol=1e-6)
        torch.testing.assert_close(model(batch)[:1], alone, rtol=0, atol=1e-6)


def test_the_two_directions_equal_torch_bidirectional_lstm_on_a_packed_batch():
    """Oracle: torch's own bidirectional LSTM with the same weights, reading a packed batch (so neither of its
    directions sees padding); the classifier reverses each row instead. Rows of every length 1-8, one with no
    known word (it pools nothing: the output is the dense layer's bias)."""
    vectors = np.random.default_rng(5).normal(size=(30, 6))
    torch.manual_seed(0)
    model = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=5, embedding_init="frozen").eval()
    bi = torch.nn.LSTM(6, 5, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for name, p in model.lstm.named_parameters():
            getattr(bi, name).copy_(p)
            getattr(bi, name + "_reverse").copy_(getattr(model.lstm_back, name))
    gen = torch.Generator().manual_seed(1)
    X = torch.zeros(9, 8, dtype=torch.long)
    for n in range(8):
        X[n, : n + 1] = torch.randint(1, 31, (n + 1,), generator=gen)
    lengths = (X != 0).sum(1)
    with torch.no_grad():
        real = lengths > 0
        packed = torch.nn.utils.rnn.pack_padded_sequence(model.embedding(X[real]), lengths[real], batch_first=True,
                                                         enforce_sorted=False)
        states, _ = torch.nn.utils.rnn.pad_packed_sequence(bi(packed)[0], batch_first=True, total_length=8)
        pooled = states.sum(1) / lengths[real, None]  # pad_packed_sequence leaves zeros past each length
        expected = torch.cat([model.out(pooled), model.out.bias[None]])
        torch.testing.assert_close(model(X), expected, rtol=0, atol=1e-6)


def test_learning_curve_draws_each_size_per_seed_and_every_init_starts_alike():
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(15, 4))
    X, y = rng.integers(1, 16, size=(30, 5)), rng.integers(0, 3, size=30)
    scores = tc.learning_curve(vectors, X, y, X[:6], y[:6], sizes=[5, 10], seeds=[0, 1], inits=["random", "frozen"],
                               hidden=3)
    assert sorted(scores) == [("frozen", 5), ("frozen", 10), ("random", 5), ("random", 10)]
    assert all(len(v) == 2 and all(0 <= a <= 1 for a in v) for v in scores.values())
    torch.manual_seed(0)
    a = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=3, embedding_init="random")
    torch.manual_seed(0)
    b = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=3, embedding_init="frozen")
    assert torch.equal(a.lstm.weight_ih_l0, b.lstm.weight_ih_l0) and torch.equal(a.out.weight, b.out.weight)
    with pytest.raises(ValueError, match="sizes must be at most the pool's 30 lines"):
        tc.learning_curve(vectors, X, y, X, y, sizes=[31], seeds=[0], inits=["frozen"])


def test_epochs_for_gives_small_sets_enough_steps():
    assert tc.epochs_for(3000) == 10  # 94 batches an epoch: 10 epochs are 940 steps
    assert tc.epochs_for(100) == 75  # 4 batches an epoch: 75 epochs are the 300 steps
    assert tc.epochs_for(100) * 4 >= 300 and (tc.epochs_for(100) - 1) * 4 < 300


def test_the_constructor_does_not_seed_the_caller_does():
    vectors = np.random.default_rng(0).normal(size=(10, 6))
    torch.manual_seed(0)
    first = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4)
    second = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4)  # the stream moved on: other weights
    torch.manual_seed(0)
    again = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4)
    assert not torch.equal(first.lstm.weight_hh_l0, second.lstm.weight_hh_l0)
    assert torch.equal(first.lstm.weight_hh_l0, again.lstm.weight_hh_l0)
