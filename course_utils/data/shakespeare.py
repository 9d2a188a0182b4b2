"""The complete works of Shakespeare, offline: the text that chapters 06-08 train on.

42 works (plays, the sonnets and the long poems; 5.06 M characters, 84 distinct characters counting
the newline, plain ASCII) ship compressed in `datasets/shakespeare_gut.tar.xz`; datasets/README.md names the source
and licence. Nothing is downloaded.

- `works()` returns {file stem: text}, in alphabetical order of the file names.
- `text()` joins them into one string, works separated by a blank line.
- `split_text(text, valid_frac)` cuts one string into a training head and a held-out tail, so
  that the held-out part is text the model has never seen (not shuffled characters of it).
- `three_way(text, valid_frac, test_frac)` cuts it into train / validation / test, in that order:
  the test part is the contiguous tail. It returns a `Split`; `split.dev()` is a `DevSplit` that holds
  only train and validation, and it is what every choice (an n-gram order, a window length, a rate)
  receives, so that code choosing a setting cannot read the test part.
"""

import lzma
import tarfile
from dataclasses import dataclass
from functools import lru_cache

from course_utils.data import DATA_DIR

ARCHIVE = DATA_DIR / "shakespeare_gut.tar.xz"
N_WORKS = 42


@lru_cache(maxsize=1)
def _read_archive():
    out = {}
    with lzma.open(ARCHIVE) as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
        for member in tar:  # stream mode: members arrive in the archive's (sorted) order
            if not member.isfile():
                continue
            name = member.name.removesuffix(".txt").removesuffix("_gut")
            out[name] = tar.extractfile(member).read().decode("ascii").replace("\r\n", "\n")
    return tuple(sorted(out.items()))


def works():
    """{work name: text} for the 42 works, e.g. works()["hamlet"] starts with "HAMLET"."""
    return dict(_read_archive())


def text():
    """All 42 works as one string (works in alphabetical order, joined by a blank line)."""
    return "\n\n".join(body.strip("\n") for _, body in _read_archive()) + "\n"


def split_text(text, valid_frac=0.1):
    """(train, valid): the first 1 - valid_frac of `text` and the rest, cut at a line break.

    The cut moves forward to the next newline so that no line is split between the two parts.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r:.40}")
    if not 0 < valid_frac < 1:
        raise ValueError(f"valid_frac must be strictly between 0 and 1, got {valid_frac}")
    cut = int(len(text) * (1 - valid_frac))
    newline = text.find("\n", cut)
    cut = len(text) if newline < 0 else newline + 1
    if cut >= len(text):
        raise ValueError(f"valid_frac={valid_frac} leaves no held-out text in a string of {len(text)} characters")
    return text[:cut], text[cut:]


@dataclass(frozen=True)
class DevSplit:
    """The parts a choice may read: `train` and `valid` (strings, or id arrays after `map`). No test part."""

    train: object
    valid: object

    def map(self, fn):
        """A DevSplit of fn(train), fn(valid), e.g. `dev.map(vocab.encode)`."""
        return DevSplit(fn(self.train), fn(self.valid))


@dataclass(frozen=True)
class Split:
    """train / valid / test parts of one text, in text order (test is the tail)."""

    train: object
    valid: object
    test: object

    def dev(self):
        """The DevSplit (train and valid only) to hand to anything that chooses a setting."""
        return DevSplit(self.train, self.valid)

    def map(self, fn):
        """A Split of fn applied to each part, e.g. `split.map(vocab.encode)`."""
        return Split(fn(self.train), fn(self.valid), fn(self.test))


def three_way(text, valid_frac=0.05, test_frac=0.1):
    """Split(train, valid, test): the first 1 - valid_frac - test_frac of `text`, the next valid_frac, the tail.

    Both cuts move forward to the next line break, so no line is shared by two parts; the three
    parts are disjoint and, joined, give `text` back. With the defaults on the complete works the
    test part is the last 10 % (the end of Troilus and Cressida, Twelfth Night, The Two Gentlemen of
    Verona, The Winter's Tale) and validation the 5 % before it.
    """
    if not isinstance(test_frac, (int, float)) or not 0 < test_frac < 1:
        raise ValueError(f"test_frac must be strictly between 0 and 1, got {test_frac!r}")
    if not isinstance(valid_frac, (int, float)) or not 0 < valid_frac < 1 - test_frac:
        raise ValueError(f"valid_frac must be strictly between 0 and 1 - test_frac = {1 - test_frac:g}, "
                         f"got {valid_frac!r}")
    head, test = split_text(text, test_frac)
    train, valid = split_text(head, valid_frac / (1 - test_frac))
    return Split(train, valid, test)
