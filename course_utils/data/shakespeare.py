"""The complete works of Shakespeare, offline: the text that chapters 06-08 train on.

42 works (plays, the sonnets and the long poems; 5.06 M characters, 84 distinct characters counting
the newline, plain ASCII) ship compressed in `datasets/shakespeare_gut.tar.xz`; datasets/README.md names the source
and licence. Nothing is downloaded.

- `works()` returns {file stem: text}, in alphabetical order of the file names.
- `text()` joins them into one string, works separated by a blank line.
- `split_text(text, valid_frac)` cuts one string into a training head and a held-out tail, so
  that the held-out part is text the model has never seen (not shuffled characters of it).
"""

import lzma
import tarfile
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
