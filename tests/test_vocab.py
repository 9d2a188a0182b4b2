"""The three vocabularies (nlp.vocab.Vocabulary, nlp.vocab.CharVocab, data.seq_tasks.PaddedCharVocab): the core
they share (V, len, in, encode, decode, repr) on every one of them, then each one's own rules and bad input."""

import re

import numpy as np
import pytest

from course_utils.data import seq_tasks as st
from course_utils.nlp.text import tokenise
from course_utils.nlp.vocab import CharVocab, Vocabulary

CHARS = "\n !,.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'"
TEXT = "To be, or not to be: that is the question.\nWhether 'tis nobler in the mind to suffer\n" * 3

# name: (vocabulary, what to encode, tokens it knows, a token it must not know, encode then decode)
CORE = {
    "words": (Vocabulary.build([tokenise(TEXT)], min_count=1), "to be or not".split(), ["to", "be"], "hamlet",
              lambda vocab, x: vocab.decode(vocab.encode(x))),
    "chars": (CharVocab.from_text(CHARS), TEXT, list("To be"), "#", lambda vocab, x: vocab.decode(vocab.encode(x))),
    "padded chars": (st.digit_vocab(), ["12", "7", "007"], list("0127"), "<pad>",
                     lambda vocab, x: vocab.decode(vocab.encode(x)[0])),
}


@pytest.mark.parametrize("name", CORE)
def test_every_vocabulary_has_the_same_core(name):
    vocab, sample, known, outside, round_trip = CORE[name]
    assert isinstance(vocab.V, int) and len(vocab) == vocab.V > 0
    assert repr(vocab).startswith(f"{type(vocab).__name__}(V={vocab.V}")
    assert all(token in vocab for token in known) and outside not in vocab
    assert round_trip(vocab, sample) == sample
    ids = vocab.encode(sample)
    ids = ids[0] if isinstance(ids, tuple) else ids  # PaddedCharVocab also returns the lengths
    assert ids.dtype == np.int64 and ids.min() >= 0 and ids.max() < vocab.V


# ---------------------------------------------------------------- words


def test_vocabulary_counts_order_and_min_count():
    corpus = [["b", "a", "c", "a"], ["b", "a", "d"], ["c", "b"]]
    vocab = Vocabulary.build(corpus, min_count=2)
    assert vocab.words == ["a", "b", "c"]  # a 3, b 3 (tie: alphabetical), c 2; d once is dropped
    assert vocab.counts.tolist() == [3, 3, 2] and vocab.total == 8 and vocab.V == len(vocab) == 3
    assert vocab.index == {"a": 0, "b": 1, "c": 2} and "d" not in vocab
    np.testing.assert_array_equal(vocab.encode(["c", "d", "a"]), [2, 0])
    assert vocab.encode(["c"]).dtype == np.int64
    assert vocab.decode(np.array([2, 0])) == ["c", "a"] and vocab.decode(1) == "b"
    ids, sentence_id = vocab.encode_corpus(corpus)
    np.testing.assert_array_equal(ids, [1, 0, 2, 0, 1, 0, 2, 1])
    np.testing.assert_array_equal(sentence_id, [0, 0, 0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(vocab.frequencies(), [3 / 8, 3 / 8, 2 / 8])


def test_vocabulary_of_words_without_counts():
    vocab = Vocabulary(["x", "y"])
    assert vocab.counts is None and vocab.total is None and vocab.decode(1) == "y"
    assert repr(vocab) == "Vocabulary(V=2, top=['x', 'y'])"
    with pytest.raises(ValueError, match="this vocabulary has no counts"):
        vocab.frequencies()


def test_vocabulary_bad_input():
    with pytest.raises(ValueError, match="the corpus is empty"):
        Vocabulary.build([[], []])
    with pytest.raises(ValueError, match=r"no word occurs at least min_count=5 times \(the most frequent, 2 times\)"):
        Vocabulary.build([["a", "a", "b"]], min_count=5)
    with pytest.raises(ValueError, match="sentences must be a list of token lists, got str"):
        Vocabulary.build("to be or not to be")
    with pytest.raises(ValueError, match="got an element of type str"):
        Vocabulary.build(["to be", "or not"])
    with pytest.raises(ValueError, match="min_count must be a positive int, got 0.5"):
        Vocabulary.build([["a"]], min_count=0.5)
    vocab = Vocabulary.build([["a", "b"]], min_count=1)
    with pytest.raises(ValueError, match=r"ids must hold indices in \[0, V=2\), got values in \[0, 2\]"):
        vocab.decode(np.array([0, 2]))
    with pytest.raises(ValueError, match="words must be distinct"):
        Vocabulary(["a", "a"])
    with pytest.raises(ValueError, match="words must hold at least one word"):
        Vocabulary([])
    with pytest.raises(ValueError, match=r"counts must have shape \(V=2,\), got \(3,\)"):
        Vocabulary(["a", "b"], [1, 2, 3])


# ---------------------------------------------------------------- characters (chapter 08)


def test_char_vocab_round_trip_and_sorted_ids():
    vocab = CharVocab.from_text(CHARS)
    ids = vocab.encode(TEXT)
    assert ids.dtype == np.int64 and ids.shape == (len(TEXT),)
    assert vocab.decode(ids) == TEXT
    assert list(vocab.chars) == sorted(set(CHARS)) and vocab.V == len(set(CHARS))
    assert vocab.encode("A")[0] == sorted(set(CHARS)).index("A")
    assert "ab" not in vocab and 3 not in vocab  # one character is a token; a string of two is not


def test_char_vocab_errors():
    vocab = CharVocab.from_text(CHARS)
    message = "outside the vocabulary of 61: ['#', '\u00e9'] (first at position 2)"
    with pytest.raises(ValueError, match=re.escape(message)):
        vocab.encode("ab#c\u00e9")
    with pytest.raises(ValueError, match=r"ids must hold indices in \[0, V=61\)"):
        vocab.decode(np.array([0, vocab.V]))
    with pytest.raises(ValueError, match="distinct characters in sorted order"):
        CharVocab("ba")


# ---------------------------------------------------------------- padded characters (chapter 07)


def test_padded_char_vocab_round_trip_and_errors():
    vocab = st.digit_vocab()
    assert len(vocab) == 13 and vocab.symbols[:3] == list(st.SPECIALS) and vocab.symbols[3:] == list("0123456789")
    ids, lengths = vocab.encode(["12", "7"], eos=True)
    np.testing.assert_array_equal(lengths, [3, 2])
    one, two, seven = (vocab.index[c] for c in "127")
    np.testing.assert_array_equal(ids, [[one, two, st.EOS], [seven, st.EOS, st.PAD]])
    assert vocab.decode(ids) == ["12", "7"]
    assert "<eos>" not in vocab and "1" in vocab  # the specials are ids, not characters of a string
    with pytest.raises(ValueError, match=r"outside the vocabulary: \['a'\]"):
        vocab.encode(["1a"])
    with pytest.raises(ValueError, match="got one str"):
        vocab.encode("12")
    with pytest.raises(ValueError, match=r"ids must hold indices in \[0, V=13\), got values in \[1, 13\]"):
        vocab.decode(np.array([[1, 13]]))
    with pytest.raises(ValueError, match="ids must be an integer array of shape 2-D"):
        vocab.decode(np.array([1, 2]))
