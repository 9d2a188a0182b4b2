"""The genre task's data (Folio genres, train and test plays disjoint) and the embedding + LSTM
classifier (shapes, padding ignored, frozen vectors stay put)."""

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
    assert {label for _, label in split["test"]} == {0, 1, 2}
    two = tc.genre_split(works, lines=2)
    assert len(two["train"]) == len(split["train"]) // 2 and len(two["train"][0][0]) == 14


def test_encode_lines_pads_with_zero_and_shifts_indices():
    X, y = tc.encode_lines([(["a", "zz", "b"], 2), (["b"] * 20, 0)], {"a": 0, "b": 1}, max_len=4)
    np.testing.assert_array_equal(X, [[1, 2, 0, 0], [2, 2, 2, 2]])
    np.testing.assert_array_equal(y, [2, 0])


@pytest.mark.parametrize("init", ["random", "frozen", "fine-tuned"])
def test_classifier_shapes_padding_and_freezing(init):
    vectors = np.random.default_rng(0).normal(size=(10, 6))
    model = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4, embedding_init=init)
    X = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    assert model(X).shape == (2, 3)
    before = model.embedding.weight.detach().clone()
    acc = tc.train_and_score(model, np.array([[1, 2, 0], [3, 4, 5]]), np.array([0, 1]),
                             np.array([[1, 2, 0]]), np.array([0]), epochs=2)
    assert 0.0 <= acc <= 1.0
    changed = not torch.equal(before, model.embedding.weight)
    assert changed == (init != "frozen")
    if init != "random":
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        np.testing.assert_allclose(before[1:].numpy(), unit * np.sqrt(6) / 2, rtol=1e-6)
    assert torch.equal(before[0], torch.zeros(6))
    with pytest.raises(ValueError, match="embedding_init must be 'random', 'frozen' or 'fine-tuned', got 'glove'"):
        tc.EmbeddingLSTMClassifier(vectors, 3, embedding_init="glove")


def test_the_constructor_does_not_seed_the_caller_does():
    vectors = np.random.default_rng(0).normal(size=(10, 6))
    torch.manual_seed(0)
    first = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4)
    second = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4)  # the stream moved on: other weights
    torch.manual_seed(0)
    again = tc.EmbeddingLSTMClassifier(vectors, 3, hidden=4)
    assert not torch.equal(first.lstm.weight_hh_l0, second.lstm.weight_hh_l0)
    assert torch.equal(first.lstm.weight_hh_l0, again.lstm.weight_hh_l0)
