"""Temperature, top-k and entropy (chapter 08's sampling), against torch.softmax in float64."""

import numpy as np
import pytest
import torch

from course_utils.nlp import sampling


@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0, 2.0, 10.0])
def test_temperature_probs_is_softmax_of_scaled_logits(temperature):
    logits = np.random.default_rng(1).normal(size=(3, 4, 9)) * 4
    expected = torch.softmax(torch.from_numpy(logits) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(sampling.temperature_probs(logits, temperature), expected, rtol=0, atol=1e-12)


def test_temperature_extremes_and_stability():
    logits = np.array([1000.0, 999.0, -1000.0])  # exp(1000) overflows without the shift
    p = sampling.temperature_probs(logits, 1.0)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    assert sampling.temperature_probs(np.array([2.0, 1.0, 0.5]), 1e-4) == pytest.approx([1, 0, 0], abs=1e-12)
    assert sampling.temperature_probs(np.array([2.0, 1.0, 0.5]), 1e6) == pytest.approx([1 / 3] * 3, abs=1e-5)
    h = [sampling.entropy_bits(sampling.temperature_probs(np.array([3.0, 1.0, 0.0, -1.0]), t)) for t in (0.3, 1, 3)]
    assert h[0] < h[1] < h[2] < np.log2(4)  # hotter = flatter = more bits of surprise
    for bad in (0, -1.0, True, "1"):
        with pytest.raises(ValueError, match="temperature must be a positive number"):
            sampling.temperature_probs(np.zeros(3), bad)


def test_next_char_probs_greedy_and_top_k():
    logits = np.array([0.5, 2.0, 1.0, 2.0, -1.0])
    assert sampling.next_char_probs(logits, 0).tolist() == [0, 1, 0, 0, 0]  # first of the tied maxima
    p = sampling.next_char_probs(logits, 1.0, top_k=3)
    full = sampling.temperature_probs(logits, 1.0)
    kept = [1, 2, 3]
    assert np.count_nonzero(p) == 3 and p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p[kept], full[kept] / full[kept].sum(), rtol=0, atol=1e-15)
    np.testing.assert_allclose(sampling.next_char_probs(logits, 1.0, top_k=5), full, atol=1e-15)
    with pytest.raises(ValueError, match="finite 1-D array"):
        sampling.next_char_probs(np.zeros((2, 3)))


def test_entropy_bits():
    assert sampling.entropy_bits(np.full(84, 1 / 84)) == pytest.approx(np.log2(84))
    assert sampling.entropy_bits(np.array([0.0, 1.0, 0.0])) == 0.0
    assert sampling.entropy_bits(np.array([0.5, 0.25, 0.25])) == pytest.approx(1.5)


def nucleus_by_hand(p, top_p):
    """Oracle in plain Python: add characters, most likely first (ties: lower index), until the mass reaches top_p."""
    ranked = sorted(range(len(p)), key=lambda i: (-p[i], i))
    kept, mass = [], 0.0
    for i in ranked:
        kept.append(i)
        mass += p[i]
        if mass >= top_p - 1e-12:
            break
    q = [p[i] if i in kept else 0.0 for i in range(len(p))]
    return np.array(q) / sum(q)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("top_p", [0.05, 0.3, 0.5, 0.9, 0.999])
def test_top_p_keeps_the_smallest_most_likely_set(seed, top_p):
    logits = np.random.default_rng(seed).normal(size=12) * 2
    full = sampling.temperature_probs(logits, 0.8)
    p = sampling.next_char_probs(logits, 0.8, top_p=top_p)
    np.testing.assert_allclose(p, nucleus_by_hand(full, top_p), rtol=0, atol=1e-15)
    kept = np.flatnonzero(p)
    assert full[kept].sum() >= top_p - 1e-12  # enough mass ...
    assert full[kept].sum() - full[kept].min() < top_p  # ... and no smaller most-likely set would do


def test_top_p_exact_sums_ties_and_order_with_top_k():
    logits = np.log(np.array([0.2, 0.5, 0.3]))
    assert np.flatnonzero(sampling.next_char_probs(logits, top_p=0.8)).tolist() == [1, 2]  # 0.5 + 0.3 reaches 0.8
    assert np.flatnonzero(sampling.next_char_probs(logits, top_p=0.81)).tolist() == [0, 1, 2]
    assert sampling.next_char_probs(logits, top_p=0.4).tolist() == [0, 1, 0]  # the top character alone
    tied = np.zeros(4)
    assert sampling.next_char_probs(tied, top_p=0.5).tolist() == [0.5, 0.5, 0, 0]  # ties by lower index
    np.testing.assert_array_equal(sampling.next_char_probs(logits, 1.3, top_p=1), sampling.next_char_probs(logits, 1.3))
    # top-k first, then top-p on what it kept: of {0.5, 0.3} renormalised to {0.625, 0.375}, 0.6 keeps one
    assert sampling.next_char_probs(logits, top_k=2, top_p=0.6).tolist() == [0, 1, 0]
    assert sampling.next_char_probs(logits, 0, top_p=0.3).tolist() == [0, 1, 0]  # greedy stays greedy


@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.0001, 2, float("nan"), "0.9", True, [0.5]])
def test_top_p_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match=r"top_p must be a number in \(0, 1\], got"):
        sampling.next_char_probs(np.zeros(3), top_p=bad)
