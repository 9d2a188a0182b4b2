"""Kinds of character, to ask where a language model beats another, not only by how much on average.

Bits per character is an average over every position, and most positions are easy (the rest of a word).
Splitting the positions of a text by kind shows where a model's extra reach pays: a closing bracket
needs the matching opening one, which may be many characters back; the first character of a word
needs the sentence so far; the rest of a word needs only the word's first letters.

Each position t gets one kind, from text[t] and the character before it (the first rule that applies):

    closing bracket     text[t] is ']' or ')'
    first of a line     the character before is a newline (and text[t] is not one)
    first of a word     a letter after a space, a newline, a dash or an opening bracket
    rest of a word      a letter after a letter or an apostrophe
    space or newline    ' ' or '\\n'
    other               punctuation, digits, apostrophes, the rest
"""

import numpy as np

KINDS = ("closing bracket", "first of a line", "first of a word", "rest of a word", "space or newline", "other")


def char_kinds(text):
    """Kind index (into KINDS) of every character of a non-empty str: (T,) int64."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty str, got {type(text).__name__} of length "
                         f"{len(text) if hasattr(text, '__len__') else '-'}")
    kinds = np.empty(len(text), dtype=np.int64)
    before = "\n"  # the text starts a line
    for t, c in enumerate(text):
        if c in "])":
            kind = 0
        elif before == "\n" and c != "\n":
            kind = 1
        elif c.isalpha() and before in " \n-[(":
            kind = 2
        elif c.isalpha() and (before.isalpha() or before == "'"):
            kind = 3
        elif c in " \n":
            kind = 4
        else:
            kind = 5
        kinds[t], before = kind, c
    return kinds


def mean_bits_by_kind(bits, kinds):
    """{kind name: (mean bits, number of positions)} over the kinds present; bits, kinds: (T,)."""
    bits, kinds = np.asarray(bits, dtype=np.float64), np.asarray(kinds)
    if bits.ndim != 1 or bits.shape != kinds.shape:
        raise ValueError(f"bits and kinds must be (T,) arrays of the same shape, got {bits.shape} and {kinds.shape}")
    return {KINDS[k]: (float(bits[kinds == k].mean()), int((kinds == k).sum())) for k in np.unique(kinds)}
