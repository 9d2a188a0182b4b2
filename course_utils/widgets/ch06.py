"""Chapter 06's widget: type a word, see its nearest neighbours; type three words, see the analogy.

The widget only wraps two pure functions that return HTML tables, tested without a browser:

- `neighbours_html(emb, word, topn)`: the topn nearest words by cosine, or a message naming an
  unknown word.
- `analogy_html(emb, query, topn)`: "a b c" read as "a is to b as c is to ?", answered by
  `Embeddings.analogy`.

`neighbours_explorer(emb)` builds the widget over any `Embeddings`; `neighbours_explorer_demo()`
trains a small skip-gram model on the planted corpus first (about a second).
"""

import html

from course_utils._checks import positive_int
from course_utils.nlp.embeddings import Embeddings


def _table(rows, header):
    cells = "".join(f"<tr><td>{html.escape(w, quote=False)}</td><td style='text-align:right'>{c:+.3f}</td></tr>"
                    for w, c in rows)
    return f"<table><tr><th>{html.escape(header, quote=False)}</th><th>cosine</th></tr>{cells}</table>"


def _message(text):
    return f"<p><i>{html.escape(text, quote=False)}</i></p>"


def neighbours_html(emb, word, topn=8):
    """An HTML table of the topn nearest neighbours of `word` (lower-cased, spaces stripped)."""
    word = word.strip().lower()
    if not word:
        return _message("type a word")
    try:
        rows = emb.most_similar(word, topn=topn)
    except ValueError as err:
        return _message(str(err))
    return _table(rows, f"nearest to {word!r}")


def analogy_html(emb, query, topn=5):
    """"a b c" -> an HTML table of the words nearest to b - a + c (a is to b as c is to ?)."""
    words = query.replace(",", " ").lower().split()
    if len(words) != 3:
        return _message(f"type three words, a b c, for 'a is to b as c is to ?' (got {len(words)})")
    try:
        rows = emb.analogy(*words, topn=topn)
    except ValueError as err:
        return _message(str(err))
    a, b, c = words
    return _table(rows, f"{a} : {b} :: {c} : ?")


def neighbours_explorer(emb, *, word=None, query=None, topn=8):
    """A text box for a word (its neighbours) and one for three words (the analogy), over `emb`."""
    import ipywidgets as widgets

    if not isinstance(emb, Embeddings):
        raise ValueError(f"emb must be an Embeddings, got {type(emb).__name__}")
    topn = positive_int("topn", topn)
    word = emb.vocab.words[0] if word is None else word
    query = " ".join(emb.vocab.words[:3]) if query is None else query
    word_box = widgets.Text(value=word, description="word", continuous_update=False)
    query_box = widgets.Text(value=query, description="a b c", continuous_update=False)
    n_slider = widgets.IntSlider(value=topn, min=1, max=20, description="top n")
    neighbours_out, analogy_out = widgets.HTML(), widgets.HTML()

    def redraw(_=None):
        neighbours_out.value = neighbours_html(emb, word_box.value, n_slider.value)
        analogy_out.value = analogy_html(emb, query_box.value, min(n_slider.value, 5))

    for control in (word_box, query_box, n_slider):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([word_box, n_slider]), neighbours_out, query_box, analogy_out])


def neighbours_explorer_demo():
    """The explorer over a small skip-gram model of the planted corpus (trained in about a second)."""
    from course_utils.data import planted
    from course_utils.models import word2vec_torch

    emb = word2vec_torch.fit(planted.planted_corpus(10_000, seed=0), dim=50, window=3, epochs=5, seed=0,
                             progress=False)
    return neighbours_explorer(emb, word="queen", query="king queen man")
