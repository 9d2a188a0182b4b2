"""Chapter 08's generation displays and explorer, without a browser."""

import ipywidgets
import numpy as np
import pytest
import torch

from course_utils.models import char_model
from course_utils.nlp.vocab import CharVocab
from course_utils.palette import BLUE, RED, tint
from course_utils.widgets import ch08 as gw


@pytest.fixture
def model():
    torch.manual_seed(0)
    return char_model.CharModel(CharVocab(gw.DEMO_CHARS), 16, embed_dim=4)


def test_generation_view_matches_generate_and_reports_entropy(model):
    html, info = gw.generation_view(model, "To be", 0.7, 50, seed=3)
    assert info["error"] is None and info["text"] == char_model.generate(model, "To be", 50, temperature=0.7, seed=3)
    assert "<b>To be</b>" in html and f"{info['entropy_bits']:.2f} bits" in html
    _, cold = gw.generation_view(model, "To be", 0.0, 50)
    _, hot = gw.generation_view(model, "To be", 2.0, 50)
    assert cold["entropy_bits"] == 0.0 < info["entropy_bits"] < hot["entropy_bits"] < np.log2(model.vocab.V)


def test_generation_view_turns_bad_primes_into_messages(model):
    html, info = gw.generation_view(model, "x#y", 1.0, 10)
    assert "Cannot generate" in html and "outside the vocabulary" in info["error"] and info["text"] == ""
    html, info = gw.generation_view(model, "a" * (char_model.MAX_PRIME + 1), 1.0, 10)
    assert "MAX_PRIME" in info["error"]


def test_sample_and_activation_html_escape_and_color():
    assert gw.sample_html("<a>", "b&c") == ('<pre style="white-space: pre-wrap; font-size: 0.9em"><b>&lt;a&gt;</b>'
                                            "b&amp;c</pre>")
    out = gw.activation_html("ab\n", [1.0, -0.5, 0.0])
    full_blue, half_red = tint(BLUE, gw.ACTIVATION_TINT), tint(RED, gw.ACTIVATION_TINT / 2)
    assert f"background-color: {full_blue}" in out and f"background-color: {half_red}" in out
    assert "background-color: #FFFFFF" in out and "\u21b5" in out
    with pytest.raises(ValueError, match=r"values must have shape \(len\(text\)=2,\), got \(3,\)"):
        gw.activation_html("ab", [1, 2, 3])


def test_demo_explorer_first_control_changes_the_text():
    rng_before = torch.random.get_rng_state()
    box = gw.text_generation_explorer_demo()
    assert torch.equal(rng_before, torch.random.get_rng_state())
    assert isinstance(box, ipywidgets.VBox)
    out = box.children[1]
    temperature = box.children[0].children[0].children[0]
    before = out.value
    temperature.value = 0.0
    assert out.value != before and "temperature 0:" in out.value
