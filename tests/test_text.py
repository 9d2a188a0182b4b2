"""The corpus pipeline: tokens, subsampling and noise sampling against their formulas
(frequencies within 4 binomial standard deviations for a fixed seed), training pairs against a plain
loop with the same random windows. The vocabularies are tested in test_vocab."""

import numpy as np
import pytest

from course_utils.nlp import text


def test_tokenise_and_sentences():
    assert text.tokenise("O Romeo, Romeo! wherefore art thou Romeo?") == ["o", "romeo", "romeo", "wherefore", "art",
                                                                        "thou", "romeo"]
    assert text.tokenise("'Tis o'er; is't so?--Ay.") == ["tis", "o'er", "is't", "so", "ay"]
    assert text.sentences("Hor.\nSo have I heard. But look,\nthe morn!\n\nExit.") == [
        ["so", "have", "i", "heard"], ["but", "look", "the", "morn"]]
    with pytest.raises(ValueError, match="text must be a str, got list"):
        text.tokenise(["a"])


def test_keep_probability_formulas_by_hand():
    t = 1e-3
    counts = np.array([100_000, 4_000, 1_000, 10, 894_990])  # total 1e6:  # f = 100t, 4t, t, t/100, the rest
    c_tool = text.keep_probability(counts, t)
    paper = text.keep_probability(counts, t, formula="paper")
    np.testing.assert_allclose(paper[:4], [0.1, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(c_tool[:4], [0.1 + 0.01, 0.5 + 0.25, 1.0, 1.0])  # sqrt(t/f) + t/f
    assert np.all(c_tool >= paper)
    np.testing.assert_array_equal(text.keep_probability(counts, 0), np.ones(5))
    with pytest.raises(ValueError, match="formula must be 'c' or 'paper', got 'gensim'"):
        text.keep_probability(counts, t, formula="gensim")


def test_subsampling_frequencies_follow_the_formula():
    """Kept fraction of each word within 4 binomial standard deviations of keep_probability (seed 0)."""
    counts = np.array([50_000, 20_000, 5_000, 1_000, 200])
    ids = np.repeat(np.arange(5), counts)
    p = text.keep_probability(counts, 1e-2)
    assert p[0] < 0.5 and p[-1] == 1.0  # the test covers heavy thinning and none
    kept = text.subsample(ids, p, np.random.default_rng(0))
    fraction = np.bincount(ids[kept], minlength=5) / counts
    tolerance = 4 * np.sqrt(p * (1 - p) / counts) + 1e-12
    assert np.all(np.abs(fraction - p) <= tolerance), (fraction, p)


def test_noise_distribution_and_sampler():
    counts = np.array([1000, 100, 10, 1])
    probs = text.noise_distribution(counts)
    np.testing.assert_allclose(probs, counts ** 0.75 / np.sum(counts ** 0.75))
    np.testing.assert_allclose(text.noise_distribution(counts, power=1.0), counts / counts.sum())
    assert probs[-1] > counts[-1] / counts.sum()  # the 0.75 power raises the rarest word's share
    n = 400_000
    draws = text.sample_noise(probs, n, np.random.default_rng(0))
    assert draws.dtype == np.int64 and draws.min() >= 0 and draws.max() < 4
    freq = np.bincount(draws, minlength=4) / n
    assert np.all(np.abs(freq - probs) <= 4 * np.sqrt(probs * (1 - probs) / n)), (freq, probs)
    assert text.sample_noise(probs, (3, 5), np.random.default_rng(1)).shape == (3, 5)
    with pytest.raises(ValueError, match="probs must be a \\(V,\\) probability vector summing to 1"):
        text.sample_noise(np.array([0.5, 0.6]), 3, np.random.default_rng(0))


def loop_pairs(ids, window, reach, sentence_id):
    """The plain double loop the reference tool runs, with given effective windows."""
    out = set()
    for i in range(len(ids)):
        for j in range(i - reach[i], i + reach[i] + 1):
            if j != i and 0 <= j < len(ids) and sentence_id[i] == sentence_id[j]:
                out.add((i, j))
    return out


@pytest.mark.parametrize("window", [1, 2, 5])
def test_shrunk_window_pairs_equal_a_plain_loop(window):
    T = 40
    ids = np.arange(T) + 100  # distinct words, so each pair names its positions
    sentence_id = np.repeat([0, 1, 2], [15, 3, 22])
    center, context = text.skipgram_pairs_shrunk(ids, window, np.random.default_rng(4), sentence_id=sentence_id)
    reach = np.random.default_rng(4).integers(1, window + 1, size=T)  # the same draws
    got = list(zip((center - 100).tolist(), (context - 100).tolist()))
    assert len(got) == len(set(got))
    assert set(got) == loop_pairs(ids, window, reach, sentence_id)


def test_shrunk_window_uses_offset_d_with_probability_1_minus_d_minus_1_over_window():
    window, T = 4, 20_000
    center, context = text.skipgram_pairs_shrunk(np.arange(T), window, np.random.default_rng(0))
    share = np.bincount(np.abs(context - center), minlength=window + 1)[1:] / (2 * T)
    expected = (window - np.arange(1, window + 1) + 1) / window
    np.testing.assert_allclose(share, expected, atol=0.02)


def test_window_pairs_and_context_windows():
    ids = np.array([5, 6, 7, 8])
    center, context = text.window_pairs(ids, 1)
    assert sorted(zip(center.tolist(), context.tolist())) == [(5, 6), (6, 5), (6, 7), (7, 6), (7, 8), (8, 7)]
    c, ctx = text.context_windows(np.array([1, 2, 3, 4, 5, 6]), 2)
    np.testing.assert_array_equal(c, [3, 4])
    np.testing.assert_array_equal(ctx, [[1, 2, 4, 5], [2, 3, 5, 6]])
    with pytest.raises(ValueError, match="window must be a positive int, got 0"):
        text.window_pairs(ids, 0)
    with pytest.raises(ValueError, match=r"ids must be an integer array of shape \(N,\), got float64"):
        text.window_pairs(np.array([1.0, 2.0]), 1)
    with pytest.raises(ValueError, match="more than 2 \\* window = 4 tokens, got 3"):
        text.context_windows(np.array([1, 2, 3]), 2)
