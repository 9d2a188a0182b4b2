"""Generated sequence-to-sequence tasks for chapter 07, and the character vocabulary they share.

Everything is generated offline from a seed, so every run sees the same data.

- Dates: a date written the way people write it ("April 22, 2019", "22/04/2019", "Mon 22 Apr 2019",
  ...) -> its ISO form "2019-04-22". Every format is unambiguous (day before month whenever both
  are numbers, four-digit years), so a perfect answer exists for every input.
- Reversal: a string of random digits -> the same digits backwards. Its length can be set freely,
  which is what the length experiment needs: the answer's first digit is the input's last one, so
  a model without attention must carry the whole input in its final state.

Strings become int64 index arrays through a `PaddedCharVocab`: 0 is padding, 1 starts a decoder's
input, 2 ends a target; the characters follow. A `Seq2SeqSet` holds one task as padded arrays:
src (N, Tx), src_len (N,), tgt (N, Ty) -- the target's indices followed by EOS, then padding.
"""

import datetime
from typing import NamedTuple

import numpy as np

from course_utils._checks import int_ids

PAD, SOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<sos>", "<eos>")

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(d):
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


# Each format turns (date, month name, weekday name) into a string. Names are spelled out so the
# output does not depend on the machine's locale.
DATE_FORMATS = {
    "April 22, 2019": lambda t, m, w: f"{m} {t.day}, {t.year}",
    "Apr 22, 2019": lambda t, m, w: f"{m[:3]} {t.day}, {t.year}",
    "22 April 2019": lambda t, m, w: f"{t.day} {m} {t.year}",
    "22nd of April 2019": lambda t, m, w: f"{_ordinal(t.day)} of {m} {t.year}",
    "22/04/2019": lambda t, m, w: f"{t.day:02d}/{t.month:02d}/{t.year}",
    "22.4.2019": lambda t, m, w: f"{t.day}.{t.month}.{t.year}",
    "2019/04/22": lambda t, m, w: f"{t.year}/{t.month:02d}/{t.day:02d}",
    "22-Apr-2019": lambda t, m, w: f"{t.day:02d}-{m[:3]}-{t.year}",
    "Mon 22 Apr 2019": lambda t, m, w: f"{w[:3]} {t.day} {m[:3]} {t.year}",
    "Monday, April 22, 2019": lambda t, m, w: f"{w}, {m} {t.day}, {t.year}",
    "april 22 2019": lambda t, m, w: f"{m.lower()} {t.day} {t.year}",
    "APR 22 2019": lambda t, m, w: f"{m[:3].upper()} {t.day} {t.year}",
}
FIRST_DAY, LAST_DAY = datetime.date(1600, 1, 1), datetime.date(2399, 12, 31)


def format_date(date, fmt):
    """`date` (a datetime.date) written in format `fmt`, one of the keys of DATE_FORMATS."""
    if fmt not in DATE_FORMATS:
        raise ValueError(f"fmt must be one of {list(DATE_FORMATS)}, got {fmt!r}")
    return DATE_FORMATS[fmt](date, MONTHS[date.month - 1], DAYS[date.weekday()])


def random_dates(n, *, seed, formats=None):
    """n pairs (human-written date, ISO date), days uniform from 1600-01-01 to 2399-12-31, formats uniform."""
    formats = list(DATE_FORMATS) if formats is None else list(formats)
    rng = np.random.default_rng(seed)
    days = rng.integers(0, (LAST_DAY - FIRST_DAY).days + 1, size=n)
    picks = rng.integers(0, len(formats), size=n)
    pairs = []
    for offset, pick in zip(days, picks):
        date = FIRST_DAY + datetime.timedelta(days=int(offset))
        pairs.append((format_date(date, formats[pick]), date.isoformat()))
    return pairs


def reversal_pairs(n, *, min_len, max_len, seed):
    """n pairs (digit string, the same string reversed), lengths uniform in min_len..max_len."""
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n)
    digits = rng.integers(0, 10, size=(n, max_len))
    pairs = []
    for length, row in zip(lengths, digits):
        s = "".join(map(str, row[:length]))
        pairs.append((s, s[::-1]))
    return pairs


class PaddedCharVocab:
    """Characters <-> indices for a seq2seq batch: 0 <pad>, 1 <sos>, 2 <eos>, then the characters in sorted order.

    `encode(strings)` pads N strings into one (N, T) array; `decode(ids)` reads each row up to its
    first EOS or PAD. Attributes: symbols (list of V str: the specials, then the characters),
    index {symbol: id}. The core it shares with the other vocabularies is listed in `nlp.vocab`.
    """

    def __init__(self, chars):
        self.symbols = list(SPECIALS) + sorted(set(chars))
        self.index = {c: i for i, c in enumerate(self.symbols)}

    @property
    def V(self):
        """Number of symbols, padding and markers included."""
        return len(self.symbols)

    def __len__(self):
        return self.V

    def __contains__(self, char):
        return char in self.index and char not in SPECIALS

    def __repr__(self):
        return f"PaddedCharVocab(V={self.V}, chars={''.join(self.symbols[len(SPECIALS):])[:20]!r})"

    def encode(self, strings, *, eos=False):
        """Padded indices (N, T) int64 and lengths (N,); eos=True appends EOS (counted in the length)."""
        if isinstance(strings, str):
            raise ValueError("strings must be a list of strings, got one str (wrap it in a list)")
        strings = list(strings)
        if not strings:
            raise ValueError("strings must hold at least one string, got none")
        lengths = np.array([len(s) + eos for s in strings], dtype=np.int64)
        if lengths.min() == 0:
            raise ValueError("every string must hold at least one character")
        ids = np.full((len(strings), lengths.max()), PAD, dtype=np.int64)
        for row, s in enumerate(strings):
            unknown = sorted(c for c in set(s) if c not in self)
            if unknown:
                raise ValueError(f"string {s!r} has characters outside the vocabulary: {unknown}")
            ids[row, : len(s)] = [self.index[c] for c in s]
            if eos:
                ids[row, len(s)] = EOS
        return ids, lengths

    def decode(self, ids):
        """Strings from index rows (N, T), each stopping at its first EOS or PAD (a stray SOS reads as nothing)."""
        out = []
        for row in int_ids("ids", ids, self.V, ndim=2):
            chars = []
            for i in row:
                if i in (EOS, PAD):
                    break
                chars.append(self.symbols[i] if i > EOS else "")
            out.append("".join(chars))
        return out


class Seq2SeqSet(NamedTuple):
    """A task as padded arrays: src (N, Tx), src_len (N,), tgt (N, Ty) ending in EOS; and the strings."""

    src: np.ndarray
    src_len: np.ndarray
    tgt: np.ndarray
    inputs: list
    targets: list

    def __len__(self):
        return len(self.src)


def encode_pairs(pairs, src_vocab, tgt_vocab):
    """A Seq2SeqSet from (input string, target string) pairs."""
    inputs, targets = [p[0] for p in pairs], [p[1] for p in pairs]
    src, src_len = src_vocab.encode(inputs)
    tgt, _ = tgt_vocab.encode(targets, eos=True)
    return Seq2SeqSet(src, src_len, tgt, inputs, targets)


def date_vocabs():
    """(source vocabulary: every character any format can write, target vocabulary: digits and '-')."""
    chars = set("0123456789/.-, ") | set("".join(MONTHS + DAYS)) | set("".join(MONTHS + DAYS).lower())
    chars |= set("".join(MONTHS + DAYS).upper()) | set("stndrhof")
    return PaddedCharVocab(chars), PaddedCharVocab("0123456789-")


def digit_vocab():
    """The reversal task's vocabulary (digits) for both sides."""
    return PaddedCharVocab("0123456789")
