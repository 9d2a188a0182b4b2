"""Chapter 06 figures, part 2: negative sampling with its noise distribution, and the geometry of
analogies (part 1, `ch06_networks`, draws the word vectors and the skip-gram and CBOW networks).

Notation follows `course_utils.layers.word2vec`: W_in (V, D) holds the centre vectors v_w, W_out (V, D)
the context vectors u_w; the score of a (centre c, context o) pair is u_o . v_c. The noise-distribution
panel is measured on the course's Shakespeare corpus; the negative-sampling scores are hand-picked and
the analogy figure is a schematic (positions placed by hand), each labelled as such.
"""

from functools import lru_cache

import numpy as np
from matplotlib.patches import Rectangle

from course_utils.data import shakespeare
from course_utils.nlp.text import sentences
from course_utils.nlp.vocab import Vocabulary
from course_utils.figures.common import (
    BLUE, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, ORANGE_LIGHT, RED,
    _arrow, _box, _canvas, _note, tint,
)


# ---------------------------------------------------------------- negative sampling


@lru_cache(maxsize=1)
def shakespeare_counts():
    """Counts of the trainer's vocabulary (notebook 06's pipeline: `text.sentences`, min_count 5), most frequent
    first: the words the noise is drawn from."""
    return Vocabulary.build(sentences(shakespeare.text()), min_count=5).counts.astype(np.float64)


def negative_sampling():
    """One true context word vs K = 4 noise words: K + 1 logistic questions instead of a V-way softmax."""
    fig, ax = _canvas(9.4, 6.0)
    _note(ax, 0.3, 5.7, "negative sampling: one true pair against K noise words", fs=FS, weight="bold")
    _note(ax, 0.3, 5.3, "green: the true context word from the text; grey: K = 4 noise words drawn from $P_n$",
          fs=FS - 3, color=MUTED)
    # left: the centre vector against one true and four noise output vectors
    x_c, y_c = 0.85, 2.85
    _box(ax, x_c, y_c, 1.0, 0.6, r"$v_{king}$", fc=ORANGE_LIGHT, ec=ORANGE, fs=FS)
    _note(ax, x_c, y_c - 0.42, "centre, from $W_{in}$", ha="center", va="top", fs=FS - 4, color=MUTED)
    rows = [("rode", 2.2, 1), ("the", -1.3, 0), ("night", 0.4, 0), ("sword", -2.0, 0), ("thee", -0.7, 0)]
    ys = [4.45 - 0.8 * i for i in range(len(rows))]
    x_u, x_s, x_sig, bar = 2.75, 3.55, 4.3, 1.2
    x_t, x_l = x_sig + bar + 0.55, x_sig + bar + 1.3
    head = ys[0] + 0.42
    for x, text in ((x_s, r"$s = u \cdot v_c$"), (x_sig, r"$\sigma(s)$"), (x_t, "target"), (x_l, "loss term")):
        _note(ax, x, head, text, fs=FS - 3, va="bottom", color=MUTED)
    total = 0.0
    for (word, score, label), yy in zip(rows, ys):
        true = label == 1
        col = GREEN if true else GREY
        _box(ax, x_u, yy, 1.0, 0.46, f"$u_{{{word}}}$", fc=GREEN_LIGHT if true else GREY_LIGHT, ec=col, fs=FS - 1)
        _arrow(ax, (x_c + 0.52, y_c), (x_u - 0.52, yy), color=col, lw=1.4 if true else 1.0)
        sig = 1 / (1 + np.exp(-score))
        term = -np.log(sig) if true else -np.log(1 - sig)
        total += term
        _note(ax, x_s + 0.1, yy, f"{score:+.1f}".replace("-", "−"), fs=FS - 3, color=INK)
        ax.add_patch(Rectangle((x_sig, yy - 0.14), bar, 0.28, fc="white", ec=GREY, lw=0.8))
        ax.add_patch(Rectangle((x_sig, yy - 0.14), bar * sig, 0.28, fc=GREEN if true else RED, ec="none", alpha=0.8))
        _note(ax, x_sig + bar + 0.06, yy, f"{sig:.2f}", fs=FS - 4)
        _note(ax, x_t + 0.15, yy, f"{label}", fs=FS - 2, color=GREEN if true else RED, weight="bold")
        expr = r"$-\log\sigma(s)$" if true else r"$-\log\sigma(-s)$"
        _note(ax, x_l, yy, f"{expr} = {term:.2f}", fs=FS - 4, color=INK)
    _note(ax, 0.3, 0.72, f"loss of the pair = sum of the five terms = {total:.2f}", fs=FS - 2)
    _note(ax, 0.3, 0.32, "K + 1 = 5 dot products instead of V; scores hand-picked to illustrate", fs=FS - 4,
          color=MUTED)
    return fig


def noise_distribution(power=0.75):
    """The unigram distribution of the trainer's vocabulary and the noise distribution f(w)^0.75, by rank."""
    fig, ax = _canvas(12, 5.0)
    counts = shakespeare_counts()
    uni = counts / counts.sum()
    noise = counts**power / (counts**power).sum()
    pa = fig.add_axes((0.08, 0.14, 0.47, 0.72))
    ranks = np.unique(np.geomspace(1, len(counts), 400).astype(int))  # log-spaced: a light PNG
    pa.loglog(ranks, uni[ranks - 1], color=BLUE, lw=2, label="unigram $f(w)$ (share of tokens)")
    pa.loglog(ranks, noise[ranks - 1], color=RED, lw=2, label=f"noise $P_n(w) \\propto f(w)^{{{power:g}}}$")
    pa.set_xlabel("word rank (1 = most frequent)", fontsize=FS - 3)
    pa.set_ylabel("probability of a draw", fontsize=FS - 3)
    pa.tick_params(labelsize=FS - 4)
    pa.legend(fontsize=FS - 3, frameon=False, loc="lower left")
    pa.grid(True, which="major", color=GREY_LIGHT, lw=0.6)
    _note(ax, 0.3, 4.7, f"the noise distribution on Shakespeare: raising counts to the power {power:g}",
          fs=FS, weight="bold")
    rare = counts < 20
    x = 7.0
    rows = [
        ("the trainer's vocabulary (min_count 5)", f"V = {len(counts):,}"),
        ("10 most frequent words", f"{100 * uni[:10].sum():.1f} % of tokens  →  {100 * noise[:10].sum():.1f} % "
                                   "of draws"),
        (f"the {rare.sum():,} words seen under 20 times", f"{100 * uni[rare].sum():.1f} % of tokens  →  "
                                                         f"{100 * noise[rare].sum():.1f} % of draws"),
        ("most frequent word vs the rarest kept", f"{counts[0] / counts[-1]:,.0f}×  →  "
                                                   f"{noise[0] / noise[-1]:,.0f}× as likely"),
    ]
    for k, (label, value) in enumerate(rows):
        y = 3.75 - 0.78 * k
        _note(ax, x, y, label, fs=FS - 3, color=MUTED)
        _note(ax, x, y - 0.32, value, fs=FS - 1, color=INK)
    _note(ax, x, 0.55, "flattening the distribution draws rare words\nmore often as noise and frequent ones less",
          fs=FS - 3, color=MUTED)
    return fig


# ---------------------------------------------------------------- analogies


def _plane(ax, x0, y0, w, h):
    ax.add_patch(Rectangle((x0, y0), w, h, fc=tint(GREY_LIGHT, 0.3), ec=GREY_LIGHT, lw=1.2))


def _pairs_panel(ax, pairs, color):
    """Points for each (a, b) pair with an arrow a -> b; returns {word: position}."""
    at = {}
    for left, right, start, offset in pairs:
        a, b = np.array(start), np.array(start) + np.array(offset)
        _arrow(ax, tuple(a), tuple(b), color=color, lw=1.8)
        for p, word in ((a, left), (b, right)):
            ax.plot(*p, "o", color=INK, ms=6, zorder=4)
            _note(ax, p[0], p[1] + 0.14, word, ha="center", va="bottom", fs=FS - 1)
            at[word] = p
    return at


def analogy_space():
    """A schematic embedding plane: near-parallel offsets for gender and country -> capital; king - man + woman."""
    fig, ax = _canvas(12.6, 6.4)
    _note(ax, 0.3, 6.05, "relations as directions: about the same offset vector for every pair", fs=FS,
          weight="bold")
    # left panel: gender; the offsets differ a little, as they do in trained vectors
    _plane(ax, 0.3, 0.95, 6.0, 4.7)
    at = _pairs_panel(ax, [("man", "woman", (1.0, 2.0), (2.6, -0.4)), ("uncle", "aunt", (0.9, 3.3), (2.75, -0.5)),
                           ("king", "queen", (2.3, 4.35), (2.45, -0.15))], BLUE)
    landing = at["king"] + (at["woman"] - at["man"])  # king - man + woman lands near, not on, queen
    _arrow(ax, tuple(at["king"]), tuple(landing), color=RED, lw=1.6, ls=(0, (4, 2)), rad=0.2)
    ax.plot(*landing, "x", color=RED, ms=10, mew=2.2, zorder=5)
    _note(ax, landing[0] - 0.05, landing[1] - 0.16, "king − man + woman", ha="center", va="top", fs=FS - 3, color=RED)
    _note(ax, 0.5, 1.2, "nearest word to the ×, the three inputs excluded: queen", fs=FS - 3, color=RED)
    _note(ax, 3.3, 5.38, "gender: man → woman", ha="center", fs=FS - 1, color=BLUE)
    # right panel: country -> capital
    _plane(ax, 6.5, 0.95, 5.8, 4.7)
    _pairs_panel(ax, [("France", "Paris", (7.0, 4.3), (3.0, 0.55)), ("Italy", "Rome", (7.4, 3.0), (2.9, 0.45)),
                      ("Spain", "Madrid", (6.9, 1.65), (3.1, 0.6))], GREEN)
    _note(ax, 9.4, 5.38, "country → capital", ha="center", fs=FS - 1, color=GREEN)
    _note(ax, 0.3, 0.6, "a is to b as c is to ?:  the word (other than a, b, c) whose vector has the highest cosine "
          "with b − a + c", fs=FS - 2)
    _note(ax, 0.3, 0.22, "schematic: positions placed by hand to show the geometry; the notebook projects trained "
          "vectors to 2-D with PCA", fs=FS - 4, color=MUTED)
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "06_negative_sampling": negative_sampling,
    "06_noise_distribution": noise_distribution,
    "06_analogy_space": analogy_space,
}
