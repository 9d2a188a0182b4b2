"""Kinds of character: a hand-labelled string, and the grouped means against a plain loop."""

import numpy as np
import pytest

from course_utils.nlp import char_kinds as ck


def test_hand_labelled():
    text = "KING.\n[Exit.] o'er-run"
    names = [ck.KINDS[k] for k in ck.char_kinds(text)]
    expected = (["first of a line"] + ["rest of a word"] * 3 + ["other", "space or newline"]
                + ["first of a line", "first of a word"] + ["rest of a word"] * 3 + ["other", "closing bracket"]
                + ["space or newline", "first of a word", "other", "rest of a word", "rest of a word", "other",
                   "first of a word", "rest of a word", "rest of a word"])
    assert names == expected


def test_every_position_gets_one_kind_and_means_equal_a_loop():
    rng = np.random.default_rng(0)
    text = "".join(rng.choice(list("ab ]\n.'-"), size=500))
    kinds = ck.char_kinds(text)
    assert kinds.shape == (500,) and set(kinds) <= set(range(len(ck.KINDS)))
    bits = rng.uniform(0, 5, size=500)
    got = ck.mean_bits_by_kind(bits, kinds)
    for k, name in enumerate(ck.KINDS):
        chosen = [b for b, kk in zip(bits, kinds) if kk == k]
        if chosen:
            assert got[name] == (pytest.approx(sum(chosen) / len(chosen)), len(chosen))
    assert sum(n for _, n in got.values()) == 500


def test_bad_input():
    with pytest.raises(ValueError, match="text must be a non-empty str, got str of length 0"):
        ck.char_kinds("")
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(2,\)"):
        ck.mean_bits_by_kind(np.zeros(3), np.zeros(2, dtype=int))
