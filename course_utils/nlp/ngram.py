"""Baselines for a character model, in bits per character: uniform, unigram, and a smoothed n-gram.

- uniform: every one of the V characters equally likely, log2 V bits whatever the text.
- unigram: each character with its frequency in the training text (add-one smoothing, so that a
  character never seen in training still has a probability).
- n-gram, interpolated Witten-Bell smoothing: the probability of character c after the context h
  (the n - 1 characters before it) mixes the counts seen after h with the (n - 1)-gram estimate,
  all the way down to the uniform distribution:

      P_n(c | h) = (count(h c) + u(h) * P_{n-1}(c | h')) / (count(h) + u(h))

  h' is h without its first character, count(h) counts h followed by anything, and u(h) is the
  number of *different* characters seen after h: a context that has been followed by many
  different characters keeps more weight for the lower orders. An unseen context (count 0) passes
  the lower order through unchanged. No parameter to tune; only the order n, chosen on validation text.

Contexts are coded as integers (base V), so counting is `np.unique` on int64 arrays: orders up to 9
for V <= 127. Shapes: ids are (n,) int64 arrays of character ids in [0, V).
"""

import numpy as np

from course_utils._checks import int_ids, positive_int

MAX_ORDER = 9


def uniform_bpc(V):
    """log2 V: the bits per character of a model that knows nothing."""
    return float(np.log2(V))


def unigram_bpc(train_ids, eval_ids, V):
    """Bits per character of add-one smoothed character frequencies from train_ids, scored on eval_ids."""
    train_ids = int_ids("train_ids", train_ids, V, nonempty=True)
    eval_ids = int_ids("eval_ids", eval_ids, V, nonempty=True)
    p = (np.bincount(train_ids, minlength=V) + 1) / (len(train_ids) + V)
    return float(-np.log2(p[eval_ids]).mean())


def _gram_codes(ids, k, V):
    """codes[i] = the k characters ids[i-k+1 .. i] as one base-V integer, for i >= k - 1. Shape (n - k + 1,)."""
    codes = np.zeros(len(ids) - k + 1, dtype=np.int64)
    for j in range(k):
        codes = codes * V + ids[j : len(ids) - k + 1 + j]
    return codes


class WittenBell:
    """Interpolated Witten-Bell character n-gram of order `order` (context of order - 1 characters).

    `bits_by_order(ids)` scores every order 1..order at once (each one is a step of the same
    recursion), so choosing the order costs one fit.
    """

    def __init__(self, train_ids, V, order):
        if positive_int("order", order) > MAX_ORDER:
            raise ValueError(f"order must be an int in [1, {MAX_ORDER}], got {order!r}")
        if V ** MAX_ORDER >= 2**63:
            raise ValueError(f"V={V} too large to code {MAX_ORDER} characters in an int64")
        self.V, self.order = V, order
        ids = int_ids("train_ids", train_ids, V, nonempty=True)
        self.grams, self.contexts = [], []  # per order k: (sorted codes, counts); context (codes, totals, distinct)
        for k in range(1, order + 1):
            codes, counts = np.unique(_gram_codes(ids, k, V), return_counts=True)  # every seen k-gram, sorted
            self.grams.append((codes, counts))
            ctx = codes // V  # the k - 1 characters before; sorted too, since codes are
            starts = np.flatnonzero(np.r_[True, ctx[1:] != ctx[:-1]])
            self.contexts.append((ctx[starts], np.add.reduceat(counts, starts), np.diff(np.r_[starts, len(ctx)])))

    @staticmethod
    def _lookup(table_codes, values, queries):
        """values[j] where table_codes[j] == query, else 0 (table_codes sorted)."""
        pos = np.minimum(np.searchsorted(table_codes, queries), len(table_codes) - 1)
        return np.where(table_codes[pos] == queries, values[pos], 0)

    def _probs_by_order(self, ids):
        """[(n,) probability of every position's character under the model of order k] for k = 1 .. order."""
        ids = int_ids("ids", ids, self.V, nonempty=True)
        n, V = len(ids), self.V
        p = np.full(n, 1.0 / V)  # order 0: uniform
        by_order = []
        for k in range(1, self.order + 1):
            codes, counts = self.grams[k - 1]
            ctx_codes, totals, distinct = self.contexts[k - 1]
            q = _gram_codes(ids, k, V)  # (n - k + 1,), the k-gram ending at position k - 1 + j
            c_hc = self._lookup(codes, counts, q)
            c_h = self._lookup(ctx_codes, totals, q // V)
            u_h = self._lookup(ctx_codes, distinct, q // V)
            lower = p[k - 1 :]
            seen = c_h > 0
            p_k = lower.copy()
            p_k[seen] = (c_hc[seen] + u_h[seen] * lower[seen]) / (c_h[seen] + u_h[seen])
            p = np.concatenate([p[: k - 1], p_k])
            by_order.append(p)
        return by_order

    def bits_by_order(self, ids):
        """(order,) array: bits per character on `ids` of the models of order 1, 2, ..., self.order.

        Position i is scored with the context ids[i-k+1 .. i-1] when it exists in `ids`; the first
        k - 1 positions (no full context) use the shorter contexts available.
        """
        return np.array([float(-np.log2(p).mean()) for p in self._probs_by_order(ids)])

    def position_bits(self, ids):
        """(n,) bits -log2 p of every character of `ids` under the order-`self.order` model (as `bits_by_order`)."""
        return -np.log2(self._probs_by_order(ids)[-1])

    def probs(self, context):
        """(V,) distribution of the next character after `context` (ids; its last order - 1 are used)."""
        context = int_ids("context", context, self.V, nonempty=True) if len(context) else np.zeros(0, dtype=np.int64)
        p = np.full(self.V, 1.0 / self.V)
        for k in range(1, min(self.order, len(context) + 1) + 1):
            h = 0
            for c in context[len(context) - (k - 1) :]:  # the last k - 1 characters as one code
                h = h * self.V + int(c)
            codes, counts = self.grams[k - 1]
            ctx_codes, totals, distinct = self.contexts[k - 1]
            c_h = self._lookup(ctx_codes, totals, np.array([h]))[0]
            if c_h == 0:
                continue
            u_h = self._lookup(ctx_codes, distinct, np.array([h]))[0]
            c_hc = self._lookup(codes, counts, h * self.V + np.arange(self.V))
            p = (c_hc + u_h * p) / (c_h + u_h)
        return p

    def bits_per_char(self, ids):
        """Bits per character of the order-`self.order` model on ids (n,)."""
        return float(self.bits_by_order(ids)[-1])


def choose_order(dev, V, *, max_order=MAX_ORDER):
    """Count on dev.train, score orders 1..max_order on dev.valid; the order with the fewest bits wins.

    dev: a `shakespeare.DevSplit` of id arrays (train and validation only, so the test part cannot be
    read here). Returns (best order, (max_order,) validation bits per order). Score the chosen model,
    `WittenBell(dev.train, V, best)`, on the test part once, outside this function.
    """
    # nlp/ does not import data/: a DevSplit is what has `train` and `valid` and, above all, no `test`
    if not (hasattr(dev, "train") and hasattr(dev, "valid")) or hasattr(dev, "test"):
        raise ValueError(f"dev must be a DevSplit (train and validation ids, no test part), got {type(dev).__name__}")
    train_ids = int_ids("dev.train", dev.train, V, nonempty=True)
    valid_ids = int_ids("dev.valid", dev.valid, V, nonempty=True)
    bits = WittenBell(train_ids, V, max_order).bits_by_order(valid_ids)
    return int(np.argmin(bits)) + 1, bits
