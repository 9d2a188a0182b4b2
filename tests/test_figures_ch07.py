"""Chapter 07 figures: the alignment heatmap draws a trained model's weights exactly and rejects bad ones."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.figures import ch07
from course_utils.models import attention_experiments


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def _softmax_rows(rng, rows, cols):
    e = np.exp(3 * rng.normal(size=(rows, cols)))
    return e / e.sum(axis=1, keepdims=True)


def test_alignment_draws_exactly_the_given_weights_one_panel_per_input():
    rng = np.random.default_rng(0)
    examples = [("abcde", "xyz", _softmax_rows(rng, 4, 5)), ("ab", "xyz", _softmax_rows(rng, 3, 2))]
    fig = ch07.alignment(examples)
    assert isinstance(fig, Figure)
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == 2
    for image, (text, answer, weights) in zip(images, examples):
        drawn = np.asarray(image.get_array())
        np.testing.assert_array_equal(drawn, weights)
        np.testing.assert_allclose(drawn.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        ax = image.axes
        assert [t.get_text() for t in ax.get_xticklabels()] == list(text)
        assert [t.get_text() for t in ax.get_yticklabels()] == list(answer) + ["<eos>"] * (len(weights) - len(answer))


def test_alignment_rejects_a_wrong_shape_and_rows_that_are_not_a_softmax():
    w = np.full((3, 5), 0.2)
    with pytest.raises(ValueError, match=r"must have shape \(Ty, Tx\) = \(3 or 4 with <eos>, 4\), got \(3, 5\)"):
        ch07.alignment([("abcd", "xyz", w)])
    with pytest.raises(ValueError, match=r"must have shape .* got \(5,\)"):
        ch07.alignment([("abcde", "xyz", w[0])])
    with pytest.raises(ValueError, match=r"must be a softmax \(>= 0, sum 1\), got row sums \[1.0, 1.0, 1.5\]"):
        ch07.alignment([("abcde", "xyz", w + np.array([[0], [0], [0.1]]))])
    with pytest.raises(ValueError, match="text and answer must be strings"):
        ch07.alignment([("", "xyz", w)])


def test_stored_alignment_comes_from_the_notebooks_model_and_reads_the_month_name():
    record = ch07.load_alignments()
    # made with the date model's current recipe and the notebook's seed: rerun save_alignments if this fails
    assert record["setup"] == repr(attention_experiments.DateSetup()) and record["seed"] == 0
    assert [text for text, _, _ in record["examples"]] == list(ch07.ALIGNMENT_TEXTS)
    for text, answer, weights in record["examples"]:
        assert answer == "2019-04-22", f"the model answered {answer!r} to {text!r}"
        assert weights.shape == (len(answer) + 1, len(text))  # ten characters and <eos>
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-3)
    text, _, weights = record["examples"][0]
    month = slice(text.index("Apr"), text.index("Apr") + 3)
    assert weights[5:7, month].sum(axis=1).min() > 0.9  # the digits "04" read the name "Apr"
    fig = ch07.alignment()  # the registered figure draws exactly the stored weights, and says they are trained
    for image, (_, _, w) in zip([i for ax in fig.axes for i in ax.images], record["examples"], strict=True):
        np.testing.assert_array_equal(image.get_array(), w)
    assert "trained" in _texts(fig) and "seed 0" in _texts(fig)


def test_attention_weights_figure_prints_the_softmax_of_its_scores():
    alpha = np.exp(ch07.SCORES) / np.exp(ch07.SCORES).sum()
    text = _texts(ch07.attention_weights())
    for a in alpha:
        assert f"{a:.2f}" in text


def test_encoder_figure_shows_both_directions_and_the_two_states_the_plain_decoder_gets():
    text = _texts(ch07.encoder_decoder())
    for j in range(1, 5):
        assert rf"$\overrightarrow{{h}}_{j}$" in text and rf"$\overleftarrow{{h}}_{j}$" in text
    assert r"$s_0 = [\overrightarrow{h}_4;\ \overleftarrow{h}_1]$" in text
