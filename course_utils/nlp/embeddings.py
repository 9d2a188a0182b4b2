"""Trained word vectors and what to ask them: neighbours, similarities, analogies.

`Embeddings(vocab, vectors, info=None)` holds a `Vocabulary` of V words and their (V, D) vectors
(word2vec's W_in, or the rows of an SVD). Every question is about cosine similarity,
cos(a, b) = a . b / (|a| |b|), so the vectors are normalised once, on construction.

- `most_similar(word, topn)`: the topn words of highest cosine with `word`, the word itself excluded.
- `analogy(a, b, c, topn)`: "a is to b as c is to ?", answered with the words nearest to
  b - a + c (3CosAdd on unit vectors), the three query words excluded -- king, queen, man -> woman.
- `evaluate_analogies(questions)`: top-1 accuracy over (a, b, c, d) questions whose words are known.
- `save(path)` / `Embeddings.load(path)`: one `.npz` file (no pickle): words, counts if known, vectors, info.
"""

import json

import numpy as np

from course_utils._checks import positive_int
from course_utils.nlp.vocab import Vocabulary


class Embeddings:
    """V words with their (V, D) vectors, queried by cosine similarity.

    Fields: vocab (a `Vocabulary`; a list of words becomes one without counts), vectors (V, D) float64,
    unit (V, D) the rows scaled to length 1 (0 for a zero row), info (a dict: what the trainer measured).
    """

    __slots__ = ("vocab", "vectors", "unit", "info")

    def __init__(self, vocab, vectors, *, info=None):
        vocab = vocab if isinstance(vocab, Vocabulary) else Vocabulary(vocab)
        vectors = np.asarray(vectors, dtype=np.float64)
        if vectors.ndim != 2 or vectors.shape[0] != vocab.V:
            raise ValueError(f"vectors must have shape (V={vocab.V}, D), got {vectors.shape}")
        if info is not None and not isinstance(info, dict):
            raise ValueError(f"info must be None or a dict, got {type(info).__name__}")
        self.vocab = vocab
        self.vectors = vectors
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.unit = vectors / np.where(norms == 0, 1.0, norms)  # (V, D) rows of length 1 (or 0)
        self.info = {} if info is None else dict(info)

    def __len__(self):
        return self.vocab.V

    def __contains__(self, word):
        return word in self.vocab

    def __repr__(self):
        return f"Embeddings(V={self.vocab.V}, D={self.vectors.shape[1]})"

    def _id(self, word):
        if not isinstance(word, str):
            raise ValueError(f"word must be a str, got {type(word).__name__}")
        if word not in self.vocab:
            raise ValueError(f"unknown word {word!r}: not in the vocabulary of {self.vocab.V} words")
        return self.vocab.index[word]

    def vector(self, word):
        """(D,) the vector of `word`."""
        return self.vectors[self._id(word)]

    def similarity(self, w1, w2):
        """Cosine similarity of two words, in [-1, 1]."""
        return float(self.unit[self._id(w1)] @ self.unit[self._id(w2)])

    def _nearest(self, query, exclude, topn):
        """[(word, cosine)] of the topn rows nearest to the (D,) direction `query`, `exclude` ids left out."""
        positive_int("topn", topn)
        q = query / max(np.linalg.norm(query), 1e-300)
        cos = self.unit @ q  # (V,)
        cos[list(exclude)] = -np.inf
        topn = min(topn, self.vocab.V - len(exclude))
        best = np.argpartition(-cos, topn - 1)[:topn] if topn < len(cos) else np.arange(len(cos))
        best = best[np.argsort(-cos[best], kind="stable")]
        return [(self.vocab.words[i], float(cos[i])) for i in best]

    def most_similar(self, word, topn=10):
        """[(word, cosine), ...]: the topn nearest words by cosine, most similar first, `word` excluded."""
        i = self._id(word)
        return self._nearest(self.unit[i], {i}, topn)

    def analogy(self, a, b, c, topn=1):
        """a is to b as c is to ?: [(word, cosine)] nearest to unit(b) - unit(a) + unit(c), a, b, c excluded."""
        ia, ib, ic = self._id(a), self._id(b), self._id(c)
        return self._nearest(self.unit[ib] - self.unit[ia] + self.unit[ic], {ia, ib, ic}, topn)

    def evaluate_analogies(self, questions):
        """Top-1 accuracy over (a, b, c, d) questions ("a is to b as c is to d").

        Questions with a word outside the vocabulary are skipped (counted in "skipped"). Returns a dict
        {"accuracy", "correct", "total", "skipped"}; accuracy is nan when no question could be asked.
        """
        questions = [tuple(q) for q in questions]
        if any(len(q) != 4 for q in questions):
            raise ValueError("questions must be (a, b, c, d) tuples of four words")
        known = [q for q in questions if all(w in self.vocab for w in q)]
        correct = 0
        if known:
            ids = np.array([[self.vocab.index[w] for w in q] for q in known])  # (Q, 4)
            queries = self.unit[ids[:, 1]] - self.unit[ids[:, 0]] + self.unit[ids[:, 2]]  # (Q, D)
            cos = queries @ self.unit.T  # (Q, V); the query's norm does not change the ranking
            rows = np.arange(len(known))[:, None]
            cos[rows, ids[:, :3]] = -np.inf  # the three query words are never the answer
            correct = int(np.sum(cos.argmax(axis=1) == ids[:, 3]))
        total = len(known)
        return {"accuracy": correct / total if total else float("nan"), "correct": correct, "total": total,
                "skipped": len(questions) - total}

    def save(self, path):
        """Write words, counts (when known), vectors and info to one .npz file (plain arrays, no pickle)."""
        counts = {} if self.vocab.counts is None else {"counts": self.vocab.counts}
        np.savez(path, words=np.array(self.vocab.words, dtype=str), vectors=self.vectors,
                 info=np.array(json.dumps(self.info)), **counts)

    @classmethod
    def load(cls, path):
        """The Embeddings `save` wrote (a file of words and vectors only loads too)."""
        with np.load(path, allow_pickle=False) as data:
            counts = data["counts"] if "counts" in data else None
            info = json.loads(str(data["info"])) if "info" in data else None
            return cls(Vocabulary(list(data["words"]), counts), data["vectors"], info=info)


def pca_2d(vectors):
    """(N, 2) coordinates of the rows of `vectors` (N, D) on their first two principal components.

    Centre the rows, take the SVD X = U S V^T and keep X @ V[:, :2] = U[:, :2] S[:2]: the plane in
    which the points spread the most. Signs are fixed so that each axis's largest |coordinate| is positive.
    """
    X = np.asarray(vectors, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"vectors must have shape (N >= 2, D), got {X.shape}")
    X = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(X, full_matrices=False)
    coords = U[:, :2] * S[:2]
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), [0, 1]])
    return coords * np.where(signs == 0, 1.0, signs)
