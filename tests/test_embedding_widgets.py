"""Chapter 06's explorer: its two pure functions, and the widget redrawing when a box changes."""

import html

import ipywidgets
import numpy as np
import pytest

from course_utils.nlp.embeddings import Embeddings
from course_utils.widgets import ch06 as ew


@pytest.fixture
def emb():
    rng = np.random.default_rng(0)
    return Embeddings(["king", "queen", "man", "woman", "<b>"], rng.normal(size=(5, 3)))


def test_neighbours_html_lists_the_nearest_words(emb):
    out = ew.neighbours_html(emb, " Queen ", topn=2)
    top = [w for w, _ in emb.most_similar("queen", topn=2)]
    assert "nearest to 'queen'" in out and out.index(top[0]) < out.index(top[1])
    assert out.count("<tr>") == 3  # header + 2 rows
    assert "unknown word 'romeo'" in ew.neighbours_html(emb, "romeo")
    assert "type a word" in ew.neighbours_html(emb, "  ")
    assert "&lt;b&gt;" in ew.neighbours_html(emb, "king", topn=4)  # words are escaped


def test_analogy_html(emb):
    out = ew.analogy_html(emb, "king, queen man", topn=1)
    assert "king : queen :: man : ?" in out and html.escape(emb.analogy("king", "queen", "man")[0][0]) in out
    assert "got 2" in ew.analogy_html(emb, "king queen")
    assert "unknown word 'boy'" in ew.analogy_html(emb, "king queen boy")


def test_explorer_redraws_when_the_word_changes(emb):
    box = ew.neighbours_explorer(emb, word="king", query="king queen man")
    assert isinstance(box, ipywidgets.VBox)
    word_box, neighbours = box.children[0].children[0], box.children[1]
    before = neighbours.value
    word_box.value = "kinga"
    assert neighbours.value != before and "unknown word 'kinga'" in neighbours.value
    with pytest.raises(ValueError, match="emb must be an Embeddings, got dict"):
        ew.neighbours_explorer({})


def test_demo_builds_from_a_small_model():
    box = ew.neighbours_explorer_demo()
    assert "woman" in box.children[3].value  # king : queen :: man : woman on the planted corpus
