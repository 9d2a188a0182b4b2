"""Chapter 07 figures: names carry the chapter, the illustrative alignment says what it is, real weights are checked."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.figures import ch07


def test_chapter_07_figure_names_start_with_07():
    wrong = [name for name in ch07.FIGURES if not name.startswith("07_")]
    assert not wrong, f"ch07.py registers figures of another chapter: {wrong}"


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_illustrative_alignment_is_a_softmax_per_row_and_labelled_as_made_up():
    w = ch07.illustrative_alignment()
    assert w.shape == (len(ch07.TARGET), len(ch07.SOURCE))
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(w > 0)
    # the year's digits look at the year, the day's digits at the day: the pattern the figure is meant to show
    assert [int(np.argmax(row)) for row in w[:4]] == [ch07.SOURCE.index("2019") + k for k in range(4)]
    assert "ILLUSTRATIVE" in _texts(ch07.alignment_heatmap())
    with pytest.raises(ValueError, match="illustrative weights exist only"):
        ch07.illustrative_alignment("22/04/2019", "2019-04-22")


def test_alignment_heatmap_draws_real_weights_and_rejects_a_wrong_shape():
    rng = np.random.default_rng(0)
    w = rng.random((3, 5))
    fig = ch07.alignment_heatmap(w / w.sum(1, keepdims=True), source="abcde", target="xyz")
    assert isinstance(fig, Figure)
    assert "ILLUSTRATIVE" not in _texts(fig)
    expected = r"weights must have shape \(len\(target\), len\(source\)\) = \(3, 4\), got \(3, 5\)"
    with pytest.raises(ValueError, match=expected):
        ch07.alignment_heatmap(w, source="abcd", target="xyz")


def test_attention_weights_figure_prints_the_softmax_of_its_scores():
    alpha = np.exp(ch07.SCORES) / np.exp(ch07.SCORES).sum()
    text = _texts(ch07.attention_weights())
    for a in alpha:
        assert f"{a:.2f}" in text
