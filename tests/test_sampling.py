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
