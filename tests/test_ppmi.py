"""The PPMI + SVD baseline: co-occurrence counts against a loop, PPMI against its formula cell by cell,
the randomized SVD against numpy's exact SVD."""

import numpy as np
import pytest

from course_utils.nlp import ppmi


def test_cooccurrence_counts_equal_a_loop():
    ids = np.array([0, 1, 2, 1, 0, 3, 3, 1])
    sentence_id = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    C = ppmi.cooccurrence_matrix(ids, 4, 2, sentence_id=sentence_id, dtype=np.float64)
    expected = np.zeros((4, 4))
    for i in range(len(ids)):
        for j in range(len(ids)):
            if 0 < abs(i - j) <= 2 and sentence_id[i] == sentence_id[j]:
                expected[ids[i], ids[j]] += 1
    np.testing.assert_array_equal(C, expected)
    np.testing.assert_array_equal(C, C.T)


def test_ppmi_equals_its_formula():
    C = np.array([[0, 4, 1], [4, 2, 0], [1, 0, 6]], dtype=np.float64)
    for alpha in (1.0, 0.75):
        got = ppmi.ppmi(C, alpha=alpha)
        total = C.sum()
        for w in range(3):
            for c in range(3):
                if C[w, c] == 0:
                    assert got[w, c] == 0
                    continue
                p_c = C[:, c].sum() ** alpha / np.sum(C.sum(axis=0) ** alpha)
                pmi = np.log((C[w, c] / total) / (C[w].sum() / total * p_c))
                assert got[w, c] == pytest.approx(max(pmi, 0.0), abs=1e-12)
    with pytest.raises(ValueError, match="M must be a square"):
        ppmi.ppmi(np.ones((2, 3)))


def test_truncated_svd_recovers_the_top_singular_values():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(60, 6)) @ rng.normal(size=(6, 50)) + 1e-3 * rng.normal(size=(60, 50))
    U, S, Vt = ppmi.truncated_svd(A, 4)
    exact = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(S, exact[:4], rtol=1e-8)
    np.testing.assert_allclose(U.T @ U, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(U * (A @ Vt.T / S), axis=0)), 1.0, atol=1e-8)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 50\], got 51"):
        ppmi.truncated_svd(A, 51)


def test_ppmi_svd_embeddings_group_words_by_context():
    """Two word families that never share a context end up in different directions."""
    rng = np.random.default_rng(0)
    sentences = [[f"{f}{rng.integers(4)}" for _ in range(6)] for f in ("a", "b") for _ in range(300)]
    emb = ppmi.ppmi_svd_embeddings(sentences, dim=2, window=2, min_count=1)
    assert emb.vectors.shape == (8, 2)
    assert all(w.startswith("a") for w, _ in emb.most_similar("a0", topn=3))
    assert emb.similarity("a0", "b0") < emb.similarity("a0", "a1")
