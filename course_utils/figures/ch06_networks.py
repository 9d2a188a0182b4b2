"""Chapter 06 figures, part 1: one-hot vs dense word vectors, the context window, the skip-gram and
CBOW networks. Part 2, `ch06_noise_analogies`, draws negative sampling, its noise distribution and
the geometry of analogies.

Notation follows `course_utils.layers.word2vec`: V words, D dimensions; W_in (V, D) holds the word
(centre) vectors v_w as rows, W_out (V, D) the context (output) vectors u_w; the score of a
(centre c, context o) pair is u_o . v_c. Colours as in the rest of the course: inputs blue, the
hidden layer orange, outputs green, weights red, ignored entries grey.

The toy vectors and probabilities drawn in the diagrams are hand-picked to show the mechanism and
say so on the figure.
"""

import numpy as np
from matplotlib.patches import Rectangle

from course_utils.layers.attention import masked_softmax
from course_utils.figures.common import (
    BLUE, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, RED, RED_LIGHT,
    _arrow, _box, _canvas, _note, tint,
)

SENTENCE = ["the", "young", "king", "rode", "to", "the", "castle"]
CENTRE = 2  # "king"
VOCAB = ["a", "apple", "castle", "king", "queen", "rode", "the", "to", "young"]  # V = 9, alphabetical


def _cell(ax, x, y, s, text="", *, fc="white", ec=GREY, color=INK, fs=FS - 2, lw=1.0):
    """A square cell centred on (x, y) with optional text."""
    ax.add_patch(Rectangle((x - s / 2, y - s / 2), s, s, fc=fc, ec=ec, lw=lw))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fs, color=color)


def _cosine(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# ---------------------------------------------------------------- one-hot vs dense


DENSE = {  # hand-picked 4-d vectors (not trained); read the dimensions as royal, male, person, food
    "king": [0.9, 0.5, 0.3, -0.2],
    "queen": [0.9, -0.4, 0.3, -0.1],
    "man": [0.1, 0.5, 0.9, -0.1],
    "woman": [0.1, -0.4, 0.9, 0.0],
    "apple": [-0.3, 0.0, -0.2, 0.9],
}
ONE_HOT_VOCAB = ["a", "apple", "king", "man", "of", "queen", "the", "to", "woman", "young"]


def one_hot_vs_dense():
    """The same five words as one-hot rows (V = 10, one 1 each) and as dense rows (D = 4)."""
    fig, ax = _canvas(12.8, 5.6)
    words = list(DENSE)
    s, y0 = 0.46, 4.1
    ys = [y0 - r * s for r in range(len(words))]
    # left: one-hot rows over a 10-word vocabulary
    x0 = 1.55
    for c, name in enumerate(ONE_HOT_VOCAB):
        _note(ax, x0 + c * s - 0.05, y0 + s / 2 + 0.06, name, ha="left", va="bottom", fs=FS - 4, color=MUTED,
              rotation=55, rotation_mode="anchor")
    for r, word in enumerate(words):
        _note(ax, x0 - s / 2 - 0.12, ys[r], word, ha="right", fs=FS - 1)
        hot = ONE_HOT_VOCAB.index(word)
        for c in range(len(ONE_HOT_VOCAB)):
            _cell(ax, x0 + c * s, ys[r], s, "1" if c == hot else "0", fc=BLUE if c == hot else "white",
                  ec=BLUE if c == hot else GREY_LIGHT, color="white" if c == hot else GREY, fs=FS - 3)
    _note(ax, 0.3, 5.25, "one-hot: one dimension per vocabulary word", fs=FS, weight="bold", color=BLUE)
    yb = ys[-1] - s / 2 - 0.3
    _note(ax, 0.3, yb, f"V = {len(ONE_HOT_VOCAB)} dimensions here; one per word of the vocabulary "
          "(tens of thousands)", fs=FS - 3, color=MUTED, va="top")
    _note(ax, 0.3, yb - 0.35, "all zeros but one; every two words are orthogonal:", fs=FS - 3, color=MUTED, va="top")
    _note(ax, 0.3, yb - 0.72, "cos(king, queen) = cos(king, apple) = 0", fs=FS - 1, color=INK, va="top")
    # right: dense rows, coloured by value
    x1 = 8.6
    _note(ax, 7.0, 5.25, "dense: a few learned numbers per word", fs=FS, weight="bold", color=ORANGE)
    for d in range(4):
        _note(ax, x1 + d * 0.78, y0 + s / 2 + 0.12, f"dim {d + 1}", ha="center", va="bottom", fs=FS - 4, color=MUTED)
    for r, word in enumerate(words):
        _note(ax, x1 - 0.5, ys[r], word, ha="right", fs=FS - 1)
        for d, v in enumerate(DENSE[word]):
            face = tint(BLUE if v > 0 else RED, min(abs(v), 1.0) * 0.85)
            ax.add_patch(Rectangle((x1 + d * 0.78 - 0.39, ys[r] - s / 2), 0.78, s, fc=face, ec="white", lw=1.0))
            ax.text(x1 + d * 0.78, ys[r], f"{v:+.1f}".replace("-", "−"), ha="center", va="center",
                    fontsize=FS - 3, color="white" if abs(v) > 0.6 else INK)
    pairs = [("king", "queen"), ("man", "woman"), ("king", "man"), ("king", "apple")]
    text = "   ".join(f"cos({a}, {b}) = {_cosine(DENSE[a], DENSE[b]):+.2f}".replace("-", "−") for a, b in pairs[:2])
    text2 = "   ".join(f"cos({a}, {b}) = {_cosine(DENSE[a], DENSE[b]):+.2f}".replace("-", "−") for a, b in pairs[2:])
    _note(ax, 7.0, yb, "D = 4 here (50–300 in practice); related words point the same way:", fs=FS - 3,
          color=MUTED, va="top")
    _note(ax, 7.0, yb - 0.37, text, fs=FS - 2, va="top")
    _note(ax, 7.0, yb - 0.72, text2, fs=FS - 2, va="top")
    _note(ax, 12.6, 0.15, "dense values hand-picked to illustrate, not trained", ha="right", fs=FS - 4, color=MUTED)
    ax.plot([6.75, 6.75], [0.5, 5.3], color=GREY_LIGHT, lw=1.5)
    return fig


# ---------------------------------------------------------------- the context window


def context_window(window=2):
    """A window of 2 words each side of the centre "king", and the (centre, context) pairs it makes."""
    fig, ax = _canvas(12.4, 4.3)
    w, gap = 1.25, 0.2
    xs = [0.95 + i * (w + gap) for i in range(len(SENTENCE))]
    y = 2.75
    for i, (x, word) in enumerate(zip(xs, SENTENCE)):
        if i == CENTRE:
            fc, ec, color = ORANGE, ORANGE, "white"
        elif abs(i - CENTRE) <= window:
            fc, ec, color = GREEN_LIGHT, GREEN, INK
        else:
            fc, ec, color = "white", GREY, MUTED
        _box(ax, x, y, w, 0.6, word, fc=fc, ec=ec, color=color, fs=FS)
        _note(ax, x, y - 0.4, f"i = {i}   id {VOCAB.index(word)}", ha="center", va="top", fs=FS - 4, color=MUTED)
    lo, hi = xs[max(CENTRE - window, 0)] - w / 2 - 0.08, xs[CENTRE + window] + w / 2 + 0.08
    ax.plot([lo, lo, hi, hi], [y + 0.45, y + 0.6, y + 0.6, y + 0.45], color=GREEN, lw=1.6)
    _note(ax, (lo + hi) / 2, y + 0.68, f"window = {window}: up to {window} words on each side", ha="center",
          va="bottom", fs=FS - 2, color=GREEN)
    _note(ax, xs[-1] + w / 2, y + 0.68, f"ids from a {len(VOCAB)}-word alphabetical vocabulary", ha="right",
          va="bottom", fs=FS - 4, color=MUTED)
    js = [j for j in range(CENTRE - window, CENTRE + window + 1) if j != CENTRE and 0 <= j < len(SENTENCE)]
    words = "   ".join(f"({SENTENCE[CENTRE]}, {SENTENCE[j]})" for j in js)
    ids = "   ".join(f"({VOCAB.index(SENTENCE[CENTRE])}, {VOCAB.index(SENTENCE[j])})" for j in js)
    _note(ax, 0.3, 1.75, f"skip-gram pairs for this centre:  {words}", fs=FS - 1)
    _note(ax, 0.3, 1.37, f"as word ids (centre, context):  {ids}", fs=FS - 2, color=MUTED)
    context = ", ".join(SENTENCE[j] for j in js)
    _note(ax, 0.3, 0.97, f"CBOW uses the same window once: ({context}) → {SENTENCE[CENTRE]}", fs=FS - 2)
    _note(ax, 0.3, 0.55, "then the window moves one word right; near a sentence's ends a centre has fewer context "
          "words", fs=FS - 4, color=MUTED)
    _note(ax, 0.3, 0.22, "the reference C tool also shrinks the window at random for each centre (1 to window), "
          "so near words are paired more often", fs=FS - 4, color=MUTED)
    _note(ax, 0.3, 4.0, "training data from a sliding window over the text", fs=FS, weight="bold")
    return fig


# ---------------------------------------------------------------- skip-gram and CBOW networks


def _column(ax, x, y_top, values, s, *, hot=(), fc_hot=BLUE, ec=BLUE, fmt="{:g}", fs=FS - 4):
    """A vertical vector of cells (one per vocabulary word), `hot` rows filled."""
    ys = [y_top - s / 2 - r * s for r in range(len(values))]
    for r, (yy, v) in enumerate(zip(ys, values)):
        on = r in hot
        _cell(ax, x, yy, s, fmt.format(v), fc=fc_hot if on else "white", ec=ec if on else GREY_LIGHT,
              color="white" if on else GREY, fs=fs)
    return ys


def _matrix(ax, x, y_top, rows, cols, s, *, hot=(), fc=RED_LIGHT, ec=RED, fc_hot=ORANGE):
    """A rows x cols weight matrix with its left edge at x; `hot` rows filled. Returns the row centres."""
    ys = [y_top - s / 2 - r * s for r in range(rows)]
    for r, yy in enumerate(ys):
        for c in range(cols):
            ax.add_patch(Rectangle((x + c * s, yy - s / 2), s, s, fc=fc_hot if r in hot else fc, ec="white", lw=1.0))
    ax.add_patch(Rectangle((x, y_top - rows * s), cols * s, rows * s, fill=False, ec=ec, lw=1.5))
    return ys


def _network(ax, *, inputs, targets, title, subtitle, hidden_label, input_label, formula, note):
    """The shared shallow network: one-hot (V) -> W_in row(s) -> h (D) -> W_out -> scores (V) -> softmax."""
    V, D, s = len(VOCAB), 3, 0.42
    y_top = 5.15
    ids_in = [VOCAB.index(w) for w in inputs]
    ids_out = [VOCAB.index(w) for w in targets]
    ys = [y_top - s / 2 - r * s for r in range(V)]
    # one-hot input (a mean of one-hots for CBOW)
    x_in = 1.55
    value = 1.0 / len(ids_in)
    onehot = [value if r in ids_in else 0 for r in range(V)]
    fmt = "{:g}" if len(ids_in) == 1 else "{:.2g}"
    _column(ax, x_in, y_top, onehot, s, hot=ids_in, fmt=fmt, fs=FS - 5 if len(ids_in) > 1 else FS - 4)
    for r, word in enumerate(VOCAB):
        hot = r in ids_in
        _note(ax, x_in - s / 2 - 0.08, ys[r], word, ha="right", fs=FS - 4, color=BLUE if hot else MUTED,
              weight="bold" if hot else "normal")
    _note(ax, x_in, y_top + 0.12, input_label, ha="center", va="bottom", fs=FS - 2, color=BLUE)
    # W_in: the input's row(s) light up
    x_w = 2.75
    _matrix(ax, x_w, y_top, V, D, s, hot=ids_in)
    _note(ax, x_w + D * s / 2, y_top + 0.12, r"$W_{in}$ (V, D)", ha="center", va="bottom", fs=FS - 2, color=RED)
    for r in ids_in:
        _arrow(ax, (x_in + s / 2, ys[r]), (x_w - 0.02, ys[r]), color=BLUE, lw=1.3)
    # hidden layer h: D cells, linear
    x_h, y_h = 5.1, ys[V // 2]
    for d in range(D):
        _cell(ax, x_h + (d - 1) * s, y_h, s, fc=ORANGE, ec="white")
    _note(ax, x_h, y_h + s / 2 + 0.3, hidden_label, ha="center", va="bottom", fs=FS - 2, color=ORANGE)
    _note(ax, x_h, y_h - s / 2 - 0.1, "(D,) no activation", ha="center", va="top", fs=FS - 4, color=MUTED)
    for r in ids_in:
        _arrow(ax, (x_w + D * s + 0.05, ys[r]), (x_h - 1.5 * s - 0.05, y_h), color=ORANGE, lw=1.2)
    # W_out, scores, softmax, probabilities
    x_o = 6.55
    _matrix(ax, x_o, y_top, V, D, s, fc=GREEN_LIGHT, ec=GREEN, hot=())
    _note(ax, x_o + D * s / 2, y_top + 0.12, r"$W_{out}$ (V, D)", ha="center", va="bottom", fs=FS - 2, color=GREEN)
    _arrow(ax, (x_h + 1.5 * s + 0.05, y_h), (x_o - 0.05, y_h), color=ORANGE, lw=1.4)
    x_s = 8.45
    scores = np.array([1.4 if r in ids_out else -0.6 + 0.25 * ((r * 7) % 5) for r in range(V)])
    for r, yy in enumerate(ys):
        _cell(ax, x_s, yy, s, fc=tint(GREEN, 0.15 + 0.2 * (scores[r] + 0.6)), ec="white")
        _arrow(ax, (x_o + D * s + 0.05, yy), (x_s - s / 2 - 0.05, yy), color=GREY, lw=0.8)
    _note(ax, x_s, y_top + 0.12, r"scores $s$ (V,)", ha="center", va="bottom", fs=FS - 2, color=GREEN)
    _box(ax, 9.35, y_h, 0.95, 0.5, "softmax", fc="white", ec=GREEN, fs=FS - 3)
    _arrow(ax, (x_s + s / 2 + 0.05, y_h), (9.35 - 0.5, y_h), color=GREEN, lw=1.3)
    p = masked_softmax(scores)
    x_p, width = 11.1, 1.7 / p.max()
    for r, yy in enumerate(ys):
        on = r in ids_out
        ax.add_patch(Rectangle((x_p, yy - s * 0.35), p[r] * width, s * 0.7, fc=GREEN if on else GREY_LIGHT,
                               ec=GREEN if on else GREY, lw=1.0))
        _note(ax, x_p - 0.06, yy, VOCAB[r], ha="right", fs=FS - 4, color=GREEN if on else MUTED,
              weight="bold" if on else "normal")
    _arrow(ax, (9.35 + 0.5, y_h), (10.2, y_h), color=GREEN, lw=1.3)
    _note(ax, x_p + 0.5, y_top + 0.12, r"$p(w \mid \cdot)$ (V,)", ha="center", va="bottom", fs=FS - 2, color=GREEN)
    # captions
    _note(ax, 0.3, 6.25, title, fs=FS, weight="bold")
    _note(ax, 0.3, 5.88, subtitle, fs=FS - 3, color=MUTED)
    _note(ax, 0.3, 0.95, formula, fs=FS - 1)
    _note(ax, 0.3, 0.4, note, fs=FS - 3, color=MUTED)
    _note(ax, 12.9, 0.12, "toy sizes V = 9, D = 3; bar lengths illustrative", ha="right", fs=FS - 5, color=MUTED)


def skipgram_network():
    """Skip-gram: the centre word's one-hot picks its row of W_in; a softmax over V scores every context word."""
    fig, ax = _canvas(13, 6.6)
    context = [w for i, w in enumerate(SENTENCE) if i != CENTRE and abs(i - CENTRE) <= 2]
    _network(
        ax, inputs=["king"], targets=sorted(set(context)),
        title="skip-gram: predict each context word from the centre word",
        subtitle="“the young king rode to”: centre king; one training pair per context word "
                 "(the, young, rode, to) — the same softmax scores each of them",
        hidden_label=r"$h = v_{king}$", input_label=r"one-hot $x$ (V,)",
        formula=r"$x\,W_{in} = v_c$ (row lookup)      $s = v_c\,W_{out}^\top$      "
                r"$p(o \mid c) = \exp(u_o \cdot v_c)\;/\;\sum_{w=1}^{V} \exp(u_w \cdot v_c)$      "
                r"loss $= -\log p(o \mid c)$",
        note="the sum in the denominator runs over all V words: every training pair costs O(V)",
    )
    return fig


def cbow_network():
    """CBOW: the mean of the context words' W_in rows predicts the centre word."""
    fig, ax = _canvas(13, 6.6)
    context = [w for i, w in enumerate(SENTENCE) if i != CENTRE and abs(i - CENTRE) <= 2]
    _network(
        ax, inputs=context, targets=["king"],
        title="CBOW (continuous bag of words): predict the centre word from its context",
        subtitle="“the young ___ rode to”: the 2C = 4 context words' rows of $W_{in}$ are averaged "
                 "(their order is lost: a bag of words), one softmax scores the centre",
        hidden_label=r"$h = \frac{1}{2C}\sum_j v_{w_j}$", input_label=r"mean of one-hots (V,)",
        formula=r"$h = \bar{x}\,W_{in}$ = mean of the context rows      $s = h\,W_{out}^\top$      "
                r"$p(c \mid \mathrm{context}) = \exp(u_c \cdot h)\;/\;\sum_{w=1}^{V} \exp(u_w \cdot h)$",
        note="one prediction per centre word (skip-gram makes 2C): faster per epoch; "
             "skip-gram tends to do better on rare words",
    )
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "06_one_hot_vs_dense": one_hot_vs_dense,
    "06_context_window": context_window,
    "06_skipgram_network": skipgram_network,
    "06_cbow_network": cbow_network,
}
