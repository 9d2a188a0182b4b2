"""From raw text to word indices: the corpus pipeline of chapters 06-08.

A corpus is a list of sentences, each a list of tokens (lower-case words). A `vocab.Vocabulary` counts
the words, keeps those seen at least `min_count` times and numbers them 0..V-1, most frequent first; a
sentence then becomes an int64 index array, which is what every model of the course reads (`vocab`
says which vocabulary each chapter uses).

word2vec's two sampling tricks live here too, written as formulas you can test:

- Subsampling of frequent words. A word of corpus frequency f = count / total is KEPT with probability

      paper (Mikolov et al. 2013):  p_keep(f) = min(1, sqrt(t / f))
      reference C tool and gensim:  p_keep(f) = min(1, (sqrt(f / t) + 1) * t / f)

  with threshold t (`sample`, e.g. 1e-3). The C tool's is sqrt(t/f) + t/f, always at least the paper's:
  the paper thins every word above f = t, the C tool only those above f = 2.618 t (where
  sqrt(t/f) + t/f = 1); at f = 100 t they keep 10 % and 11 %. The trainer uses the C tool's formula
  (so that it compares with gensim); `keep_probability(..., formula="paper")` gives the other one.
- The noise distribution of negative sampling: P_n(w) = count(w)^0.75 / sum_v count(v)^0.75. The
  power 0.75 flattens the unigram distribution: rare words are drawn more often than their frequency.
  `sample_noise` draws from it exactly (inverse transform sampling on the cumulative distribution).
- Training pairs. For each position i the reference tool draws an effective window b uniformly in
  1..window and pairs the centre word with the words at i-b..i+b (not i itself, not across a sentence
  boundary): near words are used more often than far ones. `skipgram_pairs_shrunk` does that for a
  whole corpus at once, without a Python loop over positions.
"""

import re

import numpy as np

from course_utils._checks import int_ids, positive_int

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")  # letters, with inner apostrophes kept: o'er, ne'er, is't
SENTENCE_END = re.compile(r"[.!?;:]+|\n\s*\n")  # sentence punctuation, or a blank line (speech ends)


def tokenise(text):
    """The words of `text`, lower-cased, punctuation dropped: "O Romeo, Romeo!" -> ["o", "romeo", "romeo"]."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return WORD.findall(text.lower())


def sentences(text, *, min_length=2):
    """Split `text` at sentence punctuation (. ! ? ; :) and blank lines; tokenise each piece.

    Pieces with fewer than `min_length` tokens (stage directions like "Exit.", speaker names like
    "Hor.") are dropped. Returns a list of token lists.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    out = (tokenise(piece) for piece in SENTENCE_END.split(text))
    return [s for s in out if len(s) >= min_length]


# ---- subsampling of frequent words -------------------------------------------------------------


def keep_probability(counts, sample=1e-3, *, formula="c"):
    """(V,) probability of keeping one occurrence of each word (see the module docstring).

    formula="c": the reference C tool's and gensim's (sqrt(f/t) + 1) * t/f; "paper": sqrt(t/f).
    Both are clipped to 1. sample=0 switches subsampling off (all ones).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts <= 0):
        raise ValueError(f"counts must be a non-empty (V,) array of positive counts, got shape {counts.shape}")
    if not sample >= 0:
        raise ValueError(f"sample must be >= 0, got {sample}")
    if formula not in ("c", "paper"):
        raise ValueError(f"formula must be 'c' or 'paper', got {formula!r}")
    if sample == 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    p = np.sqrt(sample / f) if formula == "paper" else (np.sqrt(f / sample) + 1) * sample / f
    return np.minimum(p, 1.0)


def subsample(ids, keep_prob, rng):
    """Boolean mask (T,): which tokens survive, each kept independently with keep_prob[ids]."""
    ids = int_ids("ids", ids, len(keep_prob))
    return rng.random(len(ids)) < keep_prob[ids]


# ---- the noise distribution ---------------------------------------------------------------------


def noise_distribution(counts, power=0.75):
    """(V,) P_n(w) = count(w)^power / sum_v count(v)^power. power=1 is the unigram distribution."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0) or counts.sum() == 0:
        raise ValueError(f"counts must be a non-empty (V,) array of non-negative counts, got shape {counts.shape}")
    weights = counts ** power
    return weights / weights.sum()


def sample_noise(probs, size, rng):
    """Draw int64 word indices of shape `size` from the distribution `probs` (V,).

    Inverse transform sampling: u ~ U(0, 1), index = first w with cdf[w] > u. Exact, O(log V) each.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or np.any(probs < 0) or not np.isclose(probs.sum(), 1.0):
        raise ValueError(f"probs must be a (V,) probability vector summing to 1, got shape {probs.shape}, "
                         f"sum {probs.sum():.4g}")
    cdf = np.cumsum(probs)
    cdf[-1] = 1.0  # no index V from rounding
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


# ---- training pairs -----------------------------------------------------------------------------


def window_pairs(ids, window, *, sentence_id=None, reach=None):
    """(center, context), two (P,) int64 arrays: every pair of positions at most `window` apart.

    ids[i] is paired with ids[j] for 0 < |i - j| <= reach[i] (reach: (T,) ints in 1..window; all equal to
    window when None), j in the same sentence (sentence_id[i] == sentence_id[j]; one sentence if
    sentence_id is None). Pairs come out grouped by offset (all +-1 pairs, then +-2, ...), not in text order.
    """
    ids = int_ids("ids", ids)
    window = positive_int("window", window)
    if sentence_id is not None:
        sentence_id = int_ids("sentence_id", sentence_id)
        if len(sentence_id) != len(ids):
            raise ValueError(f"sentence_id must have the length of ids ({len(ids)}), got {len(sentence_id)}")
    b = np.full(len(ids), window) if reach is None else np.asarray(reach)
    centers, contexts = [], []
    for d in range(1, window + 1):
        i = np.arange(max(len(ids) - d, 0))  # pairs (i, i + d) and (i + d, i)
        same = np.ones(len(i), bool) if sentence_id is None else sentence_id[i] == sentence_id[i + d]
        right = i[same & (b[i] >= d)]  # position i looks d to the right
        left = i[same & (b[i + d] >= d)] + d  # position i + d looks d to the left
        centers += [ids[right], ids[left]]
        contexts += [ids[right + d], ids[left - d]]
    return np.concatenate(centers), np.concatenate(contexts)


def skipgram_pairs_shrunk(ids, window, rng, *, sentence_id=None):
    """(center, context), two (P,) int64 arrays, with the reference tool's randomly shrunk window.

    Position i draws b_i uniformly from 1..window (one rng.integers call for all positions) and is
    paired with the words at most b_i away in its sentence: offset d is used with probability
    (window - d + 1) / window. See `window_pairs` for the order of the pairs.
    """
    ids = int_ids("ids", ids)
    window = positive_int("window", window)
    reach = rng.integers(1, window + 1, size=len(ids))  # effective window of each position
    return window_pairs(ids, window, sentence_id=sentence_id, reach=reach)


def context_windows(ids, window):
    """(center (N,), context (N, 2 * window)) for CBOW with a FIXED window: every position that has
    `window` words on each side, its context in order i-window..i-1, i+1..i+window."""
    ids = int_ids("ids", ids)
    window = positive_int("window", window)
    N = len(ids) - 2 * window
    if N < 1:
        raise ValueError(f"ids must have more than 2 * window = {2 * window} tokens, got {len(ids)}")
    offsets = np.r_[-window:0, 1:window + 1]
    positions = np.arange(window, window + N)
    return ids[positions], ids[positions[:, None] + offsets]
