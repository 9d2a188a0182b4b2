"""Embeddings queries against brute force, analogies on vectors built to hold them, the analogy
evaluation, save/load without pickle (vocabulary, counts and info kept), declared fields, and clear errors for
unknown words."""

import numpy as np
import pytest

from course_utils.nlp.embeddings import Embeddings, pca_2d
from course_utils.nlp.vocab import Vocabulary


def random_embeddings(V=30, D=5, seed=0):
    rng = np.random.default_rng(seed)
    return Embeddings([f"w{i}" for i in range(V)], rng.normal(size=(V, D)))


def test_most_similar_equals_brute_force_cosine():
    emb = random_embeddings()
    X = emb.vectors
    cos = X @ X[4] / (np.linalg.norm(X, axis=1) * np.linalg.norm(X[4]))
    order = [i for i in np.argsort(-cos) if i != 4][:7]
    got = emb.most_similar("w4", topn=7)
    assert [w for w, _ in got] == [f"w{i}" for i in order]
    np.testing.assert_allclose([c for _, c in got], cos[order], rtol=0, atol=1e-12)
    assert emb.similarity("w4", "w9") == pytest.approx(cos[9], abs=1e-12)
    assert len(emb.most_similar("w0", topn=100)) == 29  # never more than the other words


def test_analogy_on_planted_offsets():
    """Vectors = identity + role, all orthonormal directions: unit(b) - unit(a) + unit(c) is exactly unit(d)."""
    rng = np.random.default_rng(1)
    basis = np.linalg.qr(rng.normal(size=(8, 8)))[0]
    identity, role = basis[:4], basis[4:6]
    words = [f"{n}_{r}" for n in "pqrs" for r in "ab"]
    vectors = np.array([identity[i] + role[j] for i in range(4) for j in range(2)])
    vectors = np.vstack([vectors, rng.normal(size=(3, 8))])
    emb = Embeddings(words + ["x", "y", "z"], vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    assert emb.analogy("p_a", "p_b", "q_a")[0][0] == "q_b"
    top = emb.analogy("p_a", "p_b", "q_a", topn=3)
    assert {"p_a", "p_b", "q_a"}.isdisjoint(w for w, _ in top)
    questions = [(f"{m}_a", f"{m}_b", f"{n}_a", f"{n}_b") for m in "pqrs" for n in "pqrs" if m != n]
    result = emb.evaluate_analogies(questions + [("p_a", "p_b", "unknown", "q_b")])
    assert result == {"accuracy": 1.0, "correct": 12, "total": 12, "skipped": 1}
    wrong = emb.evaluate_analogies([(a, b, c, "x") for a, b, c, _ in questions])
    assert wrong["accuracy"] == 0.0
    assert np.isnan(emb.evaluate_analogies([("a", "b", "c", "d")])["accuracy"])


def test_evaluate_analogies_matches_analogy():
    emb = random_embeddings(V=20, seed=3)
    rng = np.random.default_rng(4)
    questions = [tuple(f"w{i}" for i in rng.choice(20, size=4, replace=False)) for _ in range(40)]
    expected = sum(emb.analogy(a, b, c)[0][0] == d for a, b, c, d in questions)
    assert emb.evaluate_analogies(questions)["correct"] == expected


def test_save_and_load_round_trip(tmp_path):
    emb = random_embeddings()
    emb.save(tmp_path / "vectors.npz")
    back = Embeddings.load(tmp_path / "vectors.npz")
    assert back.vocab.words == emb.vocab.words and back.vocab.counts is None and back.info == {}
    np.testing.assert_array_equal(back.vectors, emb.vectors)
    with np.load(tmp_path / "vectors.npz", allow_pickle=False) as data:  # plain arrays, no pickled objects
        assert set(data.files) == {"words", "vectors", "info"}


def test_save_and_load_keep_the_counts_and_the_info(tmp_path):
    vocab = Vocabulary(["b", "a", "c"], [5, 3, 1])
    emb = Embeddings(vocab, np.arange(6.0).reshape(3, 2), info={"rows": 7, "seconds": 0.5})
    emb.save(tmp_path / "vectors.npz")
    back = Embeddings.load(tmp_path / "vectors.npz")
    assert back.vocab.words == ["b", "a", "c"] and back.vocab.counts.tolist() == [5, 3, 1] and back.vocab.total == 9
    assert back.info == {"rows": 7, "seconds": 0.5} and back.vectors.tolist() == emb.vectors.tolist()
    np.savez(tmp_path / "old.npz", words=np.array(["x", "y"]), vectors=np.eye(2))  # words and vectors only
    assert Embeddings.load(tmp_path / "old.npz").most_similar("x", topn=1)[0][0] == "y"


def test_fields_are_declared_and_nothing_can_be_bolted_on():
    emb = random_embeddings()
    assert isinstance(emb.vocab, Vocabulary) and emb.vocab.V == len(emb) == 30 and "w3" in emb
    with pytest.raises(AttributeError):
        emb.extra = "anything"


def test_bad_input():
    emb = random_embeddings()
    with pytest.raises(ValueError, match="unknown word 'romeo': not in the vocabulary of 30 words"):
        emb.most_similar("romeo")
    with pytest.raises(ValueError, match="unknown word 'juliet'"):
        emb.analogy("w1", "w2", "juliet")
    with pytest.raises(ValueError, match="topn must be a positive int, got 0"):
        emb.most_similar("w1", topn=0)
    with pytest.raises(ValueError, match=r"vectors must have shape \(V=2, D\), got \(3, 4\)"):
        Embeddings(["a", "b"], np.zeros((3, 4)))
    with pytest.raises(ValueError, match="questions must be \\(a, b, c, d\\) tuples"):
        emb.evaluate_analogies([("w1", "w2", "w3")])


def test_pca_2d_keeps_the_two_directions_of_largest_spread():
    rng = np.random.default_rng(5)
    basis = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    latent = rng.normal(size=(200, 6)) * np.array([5.0, 2.0, 0.1, 0.1, 0.1, 0.1])
    X = latent @ basis.T + 3.0  # spread mostly along the first two basis vectors, shifted
    coords = pca_2d(X)
    assert coords.shape == (200, 2)
    np.testing.assert_allclose(coords.mean(axis=0), 0, atol=1e-10)
    # the projection keeps (almost) all the variance, and the components are uncorrelated
    assert np.sum(coords.var(axis=0)) > 0.99 * np.sum((X - X.mean(0)).var(axis=0))
    assert abs(np.corrcoef(coords.T)[0, 1]) < 1e-10
    with pytest.raises(ValueError, match=r"vectors must have shape \(N >= 2, D\), got \(1, 3\)"):
        pca_2d(np.ones((1, 3)))
