"""The baselines of chapter 08 against a direct dictionary implementation of Witten-Bell smoothing."""

from collections import Counter, defaultdict

import numpy as np
import pytest

from course_utils.data import shakespeare
from course_utils.nlp import ngram

TEXT = "to be, or not to be: that is the question. to sleep, perchance to dream; ay, there's the rub. "


def encode(text, chars):
    return np.array([chars.index(c) for c in text], dtype=np.int64)


def witten_bell_by_hand(train, test, V, order, chars):
    """P_k(c|h) = (n(hc) + u(h) P_{k-1}(c|h')) / (n(h) + u(h)) with counts from a Counter of substrings."""
    grams = Counter(train[i - k + 1 : i + 1] for k in range(1, order + 1) for i in range(k - 1, len(train)))
    followers = defaultdict(set)
    for g in grams:
        followers[g[:-1]].add(g[-1])
    totals = Counter()
    for g, n in grams.items():
        totals[g[:-1]] += n

    def prob(history, c):
        p = 1.0 / V
        for k in range(1, min(order, len(history) + 1) + 1):
            h = history[len(history) - (k - 1) :] if k > 1 else ""
            if totals[h]:
                p = (grams[h + c] + len(followers[h]) * p) / (totals[h] + len(followers[h]))
        return p

    return float(np.mean([-np.log2(prob(test[:i], test[i])) for i in range(len(test))]))


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_witten_bell_matches_direct_counting(order):
    chars = "".join(sorted(set(TEXT + "xz")))  # two characters never seen in training
    train, test = TEXT[:70], TEXT[70:] + "xz to be"
    model = ngram.WittenBell(encode(train, chars), len(chars), order)
    expected = [witten_bell_by_hand(train, test, len(chars), k, chars) for k in range(1, order + 1)]
    np.testing.assert_allclose(model.bits_by_order(encode(test, chars)), expected, rtol=0, atol=1e-12)


def test_next_char_distribution_sums_to_one_and_scores_the_same():
    chars = "".join(sorted(set(TEXT)))
    ids = encode(TEXT, chars)
    model = ngram.WittenBell(ids[:60], len(chars), 4)
    test = ids[60:]
    by_position = [model.probs(test[:i])[test[i]] for i in range(len(test))]
    for i in (0, 1, 5, 20):
        assert model.probs(test[:i]).sum() == pytest.approx(1.0, abs=1e-12)
    assert model.bits_per_char(test) == pytest.approx(-np.mean(np.log2(by_position)), abs=1e-12)


def test_uniform_and_unigram_by_hand():
    assert ngram.uniform_bpc(84) == pytest.approx(np.log2(84))
    train, test = np.array([0, 0, 0, 1]), np.array([0, 2])  # counts 3, 1, 0 -> add-one: 4/7, 2/7, 1/7
    assert ngram.unigram_bpc(train, test, 3) == pytest.approx(-(np.log2(4 / 7) + np.log2(1 / 7)) / 2)


def test_order_chosen_on_validation_text():
    rng = np.random.default_rng(0)
    period = rng.integers(0, 20, size=7)  # a text that repeats every 7 characters: the context decides everything
    ids = np.tile(period, 300)
    dev = shakespeare.DevSplit(ids[:1800], ids[1800:])
    order, bits = ngram.choose_order(dev, 20, max_order=6)
    assert order == int(np.argmin(bits)) + 1
    assert bits[0] > 2.5 and bits[-1] < 0.1 and order >= 3
    # the oracle: the validation bits are those of a model counted on dev.train and scored on dev.valid
    np.testing.assert_allclose(bits, ngram.WittenBell(ids[:1800], 20, 6).bits_by_order(ids[1800:]), rtol=0, atol=1e-12)


def test_order_search_cannot_receive_the_test_part():
    rng = np.random.default_rng(1)
    split = shakespeare.Split(*(rng.integers(0, 5, size=n) for n in (400, 100, 100)))
    with pytest.raises(ValueError, match="dev must be a DevSplit .* got Split"):
        ngram.choose_order(split, 5, max_order=3)
    with pytest.raises(ValueError, match="dev must be a DevSplit .* got ndarray"):
        ngram.choose_order(split.train, 5, max_order=3)
    assert not hasattr(split.dev(), "test")
    # whatever the test part holds, the choice is the same: it only ever sees dev()
    other = shakespeare.Split(split.train, split.valid, rng.integers(0, 5, size=100))
    assert ngram.choose_order(split.dev(), 5, max_order=3)[0] == ngram.choose_order(other.dev(), 5, max_order=3)[0]


def test_bad_inputs():
    with pytest.raises(ValueError, match="order must be a positive int, got 0"):
        ngram.WittenBell(np.arange(5), 5, 0)
    with pytest.raises(ValueError, match=r"order must be an int in \[1, 9\], got 10"):
        ngram.WittenBell(np.arange(5), 5, 10)
    with pytest.raises(ValueError, match=r"eval_ids must not be empty, got shape \(0,\)"):
        ngram.unigram_bpc(np.arange(3), np.zeros(0, np.int64), 3)
    with pytest.raises(ValueError, match=r"train_ids must hold indices in \[0, V=5\), got values in \[0, 5\]"):
        ngram.WittenBell(np.arange(6), 5, 2)
    with pytest.raises(ValueError, match=r"train_ids must be an integer array of shape \(N,\), got float64"):
        ngram.unigram_bpc(np.ones(3), np.arange(2), 3)


def test_position_bits_are_each_characters_own_score():
    chars = "".join(sorted(set(TEXT)))
    ids = encode(TEXT, chars)
    model = ngram.WittenBell(ids[:60], len(chars), 4)
    test = ids[60:]
    bits = model.position_bits(test)
    by_hand = [-np.log2(model.probs(test[:i])[test[i]]) for i in range(len(test))]  # the one-context path
    np.testing.assert_allclose(bits, by_hand, rtol=0, atol=1e-12)
    assert bits.mean() == pytest.approx(model.bits_per_char(test), abs=1e-12)
