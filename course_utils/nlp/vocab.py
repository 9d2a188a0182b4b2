"""The course's vocabularies: tokens <-> int64 ids 0..V-1, one class per kind of token.

- chapter 06 (word2vec), `Vocabulary`: the words seen at least min_count times, most frequent first,
  with their counts; `encode(tokens) -> (T,)` drops rare words, `decode(ids) -> words`.
  `Vocabulary.build(sentences, min_count)` counts a corpus; `nlp.embeddings.Embeddings` holds one.
- chapter 07 (seq2seq), `data.seq_tasks.PaddedCharVocab`: <pad>, <sos>, <eos>, then characters;
  `encode(strings) -> (ids (N, T), lengths (N,))` pads a batch, `decode(ids (N, T)) -> N strings`.
- chapter 08 (character model, n-gram baselines), `CharVocab`: every character of a text, sorted;
  `encode(text) -> (n,)`, `decode(ids (n,)) -> str`. Its `chars` are what a checkpoint stores.

All three share one core: `V` (the vocabulary size of the slides), `len(vocab) == V`, `token in vocab`,
`encode`, `decode` and a `repr` that shows V. They differ where their chapters differ: words are
counted (subsampling and negative sampling need the counts) and a rare word is simply dropped; a
character outside a `CharVocab` is an error (the model has no row for it); a seq2seq batch needs
padding and start / end symbols. `PaddedCharVocab` lives with its tasks in `data/`, which imports no
`nlp/` module.
"""

from collections import Counter

import numpy as np

from course_utils._checks import int_ids, positive_int

# ---------------------------------------------------------------- words (chapter 06)


def _check_sentences(sentences):
    """A ValueError unless `sentences` is a list of token lists holding at least one token."""
    if isinstance(sentences, str) or not isinstance(sentences, (list, tuple)):
        raise ValueError(f"sentences must be a list of token lists, got {type(sentences).__name__}")
    for s in sentences:
        if isinstance(s, str) or not isinstance(s, (list, tuple)):
            raise ValueError(f"sentences must be a list of token lists, got an element of type {type(s).__name__}")
    if sum(len(s) for s in sentences) == 0:
        raise ValueError("the corpus is empty: sentences hold no tokens")


class Vocabulary:
    """Words <-> indices 0..V-1, most frequent first (ties alphabetical), with their counts.

    `Vocabulary.build(sentences, min_count)` keeps the words seen at least min_count times.
    Attributes: words (list of V str), index {word: i}, counts (V,) int64 and total (tokens kept),
    or counts = total = None for words that came without counts (vectors loaded from a file of words).
    """

    def __init__(self, words, counts=None):
        words = [str(w) for w in words]
        if not words:
            raise ValueError("words must hold at least one word, got none")
        if len(set(words)) != len(words):
            raise ValueError("words must be distinct")
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(words),):
                raise ValueError(f"counts must have shape (V={len(words)},), got {counts.shape}")
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self.counts = counts
        self.total = None if counts is None else int(counts.sum())

    @classmethod
    def build(cls, sentences, *, min_count=5):
        """Vocabulary of the words seen at least `min_count` times, most frequent first (ties alphabetical)."""
        positive_int("min_count", min_count)
        _check_sentences(sentences)
        counter = Counter(w for s in sentences for w in s)
        kept = sorted(((c, w) for w, c in counter.items() if c >= min_count), key=lambda cw: (-cw[0], cw[1]))
        if not kept:
            raise ValueError(f"no word occurs at least min_count={min_count} times (the most frequent, "
                             f"{counter.most_common(1)[0][1]} times); lower min_count")
        return cls([w for _, w in kept], [c for c, _ in kept])

    @property
    def V(self):
        """Number of words."""
        return len(self.words)

    def __len__(self):
        return self.V

    def __contains__(self, word):
        return word in self.index

    def __repr__(self):
        total = "" if self.total is None else f", total={self.total}"
        return f"Vocabulary(V={self.V}{total}, top={self.words[:5]})"

    def encode(self, tokens):
        """(T,) int64 indices of the tokens in the vocabulary; unknown (rare) words are dropped."""
        return np.array([self.index[w] for w in tokens if w in self.index], dtype=np.int64)

    def decode(self, ids):
        """The words of an index array (a list), or of a single index (one str)."""
        ids = int_ids("ids", ids, self.V, ndim=np.ndim(ids))
        return self.words[int(ids)] if ids.ndim == 0 else [self.words[i] for i in ids.ravel()]

    def encode_corpus(self, sentences):
        """(ids, sentence_id): all sentences concatenated as one (T,) int64 array, and (T,) int64 saying
        which sentence each token came from (so that context windows stop at sentence boundaries)."""
        _check_sentences(sentences)
        encoded = [self.encode(s) for s in sentences]
        ids = np.concatenate(encoded) if encoded else np.zeros(0, np.int64)
        sentence_id = np.repeat(np.arange(len(encoded)), [len(e) for e in encoded])
        return ids, sentence_id

    def frequencies(self):
        """(V,) corpus frequencies count / total."""
        if self.counts is None:
            raise ValueError("this vocabulary has no counts (it was made from words alone)")
        return self.counts / self.total


# ---------------------------------------------------------------- characters (chapter 08)


class CharVocab:
    """The characters a model knows, in sorted order; character `chars[i]` has id i.

    `encode(text)` -> int64 array (n,); `decode(ids)` -> str. A character outside the vocabulary
    is an error, not a silent "unknown" id: the model has no row for it.
    """

    def __init__(self, chars):
        chars = "".join(chars) if not isinstance(chars, str) else chars
        if not chars or len(set(chars)) != len(chars) or list(chars) != sorted(chars):
            raise ValueError(f"chars must be distinct characters in sorted order, got {chars[:40]!r}")
        self.chars = chars
        self._lookup = np.full(max(map(ord, chars)) + 1, -1, dtype=np.int64)  # code point -> id
        self._lookup[[ord(c) for c in chars]] = np.arange(len(chars))

    @classmethod
    def from_text(cls, text):
        """Every distinct character of `text`, sorted."""
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty string, got {text!r:.40}")
        return cls("".join(sorted(set(text))))

    @property
    def V(self):
        """Number of characters."""
        return len(self.chars)

    def __len__(self):
        return self.V

    def __contains__(self, char):
        return isinstance(char, str) and len(char) == 1 and char in self.chars

    def __repr__(self):
        return f"CharVocab(V={self.V}, chars={self.chars[:20]!r}...)"

    def encode(self, text):
        """text (str of n characters) -> ids (n,) int64."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ids = np.where(codes < len(self._lookup), self._lookup[np.minimum(codes, len(self._lookup) - 1)], -1)
        if np.any(ids < 0):
            bad = sorted({text[i] for i in np.flatnonzero(ids < 0)[:1000]})
            first = int(np.flatnonzero(ids < 0)[0])
            raise ValueError(f"text contains characters outside the vocabulary of {self.V}: {bad} "
                             f"(first at position {first})")
        return ids

    def decode(self, ids):
        """ids (n,) integers in [0, V) -> str."""
        return "".join(self.chars[i] for i in int_ids("ids", ids, self.V))
