"""Chapter 07 figures: the encoder-decoder and its bottleneck, one Bahdanau attention step as a weighted
average, an alignment heatmap (a trained model's weights, kept in ch07_alignment.json), masks, multi-head
attention, and the T x T cost of attention.

All are drawn on the inch canvas of `common._canvas`. Notation follows `course_utils.layers.attention`: encoder
states h_j (the keys and values), decoder state s_{t-1} (the query), scores e_j, weights alpha_j (softmax over
j), context c_t = sum_j alpha_j h_j; masks are True where a query may attend to a key. Inputs blue, states
orange, outputs green, weights and scores red, masked or ignored entries grey.
"""

import json
from pathlib import Path

import numpy as np
from matplotlib.patches import Rectangle

from course_utils.layers.attention import masked_softmax
from course_utils.figures.common import (
    BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, ORANGE_LIGHT, PURPLE,
    PURPLE_LIGHT, RED, RED_LIGHT, SEQUENTIAL, _arrow, _box, _canvas, _chain, _note,
)



# ---------------------------------------------------------------- the encoder-decoder and its bottleneck


def encoder_decoder():
    """The notebook's bidirectional GRU encoder reads the digits both ways; the plain decoder gets only
    s_0 = [forward state after the last digit; backward state after the first] (reverse "3 1 4 5")."""
    fig, ax = _canvas(12.6, 6.0)
    s = 0.56
    y_f, y_x, y_b = 4.15, 3.2, 2.25  # forward row, input digits, backward row
    xs_enc = [1.3 + 0.95 * j for j in range(4)]
    xs_dec = [6.9 + 1.05 * t for t in range(5)]
    for j, (x, digit) in enumerate(zip(xs_enc, "3145"), start=1):
        ax.text(x, y_x, digit, ha="center", va="center", fontsize=FS, color=INK)
        _arrow(ax, (x, y_x + 0.2), (x, y_f - s / 2), color=BLUE)
        _arrow(ax, (x, y_x - 0.2), (x, y_b + s / 2), color=BLUE)
        _box(ax, x, y_f, s, s, rf"$\overrightarrow{{h}}_{j}$", fs=FS - 2)
        _box(ax, x, y_b, s, s, rf"$\overleftarrow{{h}}_{j}$", fc=ORANGE_LIGHT, ec=RED, fs=FS - 2)
    for a, b in zip(xs_enc, xs_enc[1:]):
        _arrow(ax, (a + s / 2, y_f), (b - s / 2, y_f), color=ORANGE)  # left to right
        _arrow(ax, (b - s / 2, y_b), (a + s / 2, y_b), color=RED)  # right to left
    _note(ax, xs_enc[0] - s / 2 - 0.1, y_f, "→", ha="right", fs=FS, color=ORANGE)
    _note(ax, xs_enc[0] - s / 2 - 0.1, y_b, "←", ha="right", fs=FS, color=RED)
    # the bottleneck: one vector between the two networks, made of the two directions' last states
    xb, yb = 5.55, y_x
    ax.add_patch(Rectangle((xb - 0.22, yb - 0.75), 0.44, 1.5, fc=ORANGE, ec=RED, lw=2.4, zorder=3))
    _arrow(ax, (xs_enc[-1] + s / 2, y_f), (xb - 0.24, yb + 0.45), color=ORANGE, lw=2.2)
    _arrow(ax, None, None, color=RED, lw=2.2, path=[(xs_enc[0], y_b - s / 2), (xs_enc[0], 1.5), (xb - 0.4, 1.5),
                                                     (xb - 0.24, yb - 0.45)])  # fmt: skip
    _note(ax, xb, yb + 0.95, r"$s_0 = [\overrightarrow{h}_4;\ \overleftarrow{h}_1]$", ha="center", fs=FS - 1,
          va="bottom")
    _arrow(ax, (xb + 0.24, yb), (xs_dec[0] - s / 2, y_x), color=ORANGE, lw=2.2)
    _note(ax, xb + 0.35, 2.2, "the bottleneck: one vector\nof H numbers, whatever\nthe length T", va="top",
          fs=FS - 3, color=RED)
    # the decoder, with its own weights
    _chain(ax, xs_dec, y_x, size=s, fc=PURPLE_LIGHT, ec=PURPLE, text="",
           ins=["<sos>", "5", "4", "1", "3"], outs=["5", "4", "1", "3", "<eos>"], arrow_len=0.5)
    for t, x in enumerate(xs_dec, start=1):
        _note(ax, x, y_x, f"$s_{t}$", ha="center", fs=FS - 1)
    for t in range(4):  # at test time each prediction becomes the next input
        x0, x1 = xs_dec[t] + 0.2, xs_dec[t + 1] - 0.25
        _arrow(ax, (x0, y_x + s / 2 + 0.72), (x1, y_x - s / 2 - 0.72), color=GREEN, lw=1.2, ls=(0, (3, 2)))
    _note(ax, 2.75, 5.0, "encoder: two GRUs of H/2 units", ha="center", fs=FS, weight="bold", color=ORANGE)
    _note(ax, 9.0, 5.0, "decoder (another GRU)", ha="center", fs=FS, weight="bold", color=PURPLE)
    _note(ax, 0.3, 5.65, "an encoder–decoder on a toy task: reverse the digits", fs=FS, weight="bold")
    _note(ax, 0.3, 1.0, r"$h_j = [\overrightarrow{h}_j;\ \overleftarrow{h}_j]$: character j with both its "
          "sides (what attention reads);", fs=FS - 3, color=MUTED)
    _note(ax, 0.3, 0.68, "the plain decoder gets only $s_0$, never the states themselves", fs=FS - 3, color=MUTED)
    _note(ax, 6.95, 1.25, "training (teacher forcing): inputs are the TRUE previous tokens", fs=FS - 2, color=BLUE)
    _note(ax, 6.95, 0.88, "test time: each prediction is fed back as the next input (dashed)", fs=FS - 2,
          color=GREEN)
    _note(ax, 6.95, 0.51, "greedy decoding: take the argmax at each step, stop at <eos>", fs=FS - 2, color=MUTED)
    _note(ax, 0.3, 0.31, "<sos>: start token, <eos>: end token", fs=FS - 3, color=MUTED)
    return fig


# ---------------------------------------------------------------- one Bahdanau step: a weighted average


SCORES = [-0.4, 1.6, 0.3, -1.1, 0.7]  # illustrative scores e_j for T = 5 encoder states


def attention_weights(scores=SCORES):
    """One decoder step of additive attention: scores, softmax weights, and the context as a weighted average."""
    fig, ax = _canvas(12.6, 6.7)
    alpha = masked_softmax(scores)
    T = len(scores)
    xs = [3.3 + 1.35 * j for j in range(T)]
    y_h, y_e, y_a, y_c = 0.55, 2.05, 3.45, 5.25
    # encoder states along the bottom
    for j, x in enumerate(xs, start=1):
        _box(ax, x, y_h, 0.8, 0.5, f"$h_{j}$", fs=FS)
    _note(ax, xs[0] - 0.7, y_h, "encoder\nstates", ha="right", fs=FS - 2, color=ORANGE)
    # the decoder's previous state, fed to every score
    xd = 1.15
    _box(ax, xd, y_e, 1.0, 0.55, "$s_{t-1}$", fc=PURPLE_LIGHT, ec=PURPLE, fs=FS)
    _note(ax, xd, y_e - 0.45, "decoder\nstate", ha="center", va="top", fs=FS - 3, color=PURPLE)
    ax.plot([xd + 0.5, xs[-1] + 0.3], [y_e + 0.55, y_e + 0.55], color=PURPLE, lw=1.4, zorder=1)
    ax.plot([xd + 0.5, xd + 0.5], [y_e, y_e + 0.55], color=PURPLE, lw=1.4, zorder=1)
    for j, x in enumerate(xs):
        _arrow(ax, (x, y_h + 0.25), (x - 0.05, y_e - 0.25), color=ORANGE)
        _arrow(ax, (x + 0.25, y_e + 0.55), (x + 0.2, y_e + 0.25), color=PURPLE, lw=1.2)
        _box(ax, x, y_e, 0.95, 0.5, f"{scores[j]:+.1f}".replace("-", "−"), fc=RED_LIGHT, ec=RED, fs=FS - 1)
    _note(ax, xs[-1] + 0.7, y_e, r"scores $e_j = \tanh(s_{t-1} W_q + h_j W_k) \cdot w_v$", fs=FS - 2, color=RED)
    # weights as bars
    bar_w, scale = 0.5, 1.4
    for j, x in enumerate(xs):
        _arrow(ax, (x, y_e + 0.25), (x, y_a - 0.05), color=RED, lw=1.0)
        ax.add_patch(Rectangle((x - bar_w / 2, y_a), bar_w, scale * alpha[j], fc=RED, ec=RED, alpha=0.85))
        _note(ax, x + bar_w / 2 + 0.05, y_a + scale * alpha[j] / 2, f"{alpha[j]:.2f}", fs=FS - 3, color=RED)
    ax.plot([xs[0] - 0.5, xs[-1] + 0.5], [y_a, y_a], color=MUTED, lw=1.0)
    _note(ax, xs[-1] + 0.7, y_a + 0.3, r"weights $\alpha_j = \mathrm{softmax}_j(e_j)$", fs=FS - 2, color=RED)
    _note(ax, xs[-1] + 0.7, y_a - 0.05, f"positive, sum = {alpha.sum():.0f}", fs=FS - 3, color=MUTED)
    # the weighted average
    xc = xs[T // 2]
    for j, x in enumerate(xs):
        ax.plot([x, xc], [y_a + scale * alpha[j] + 0.05, y_c - 0.28], color=ORANGE, lw=0.6 + 7 * alpha[j],
                alpha=0.8, solid_capstyle="round", zorder=1)
    _box(ax, xc, y_c, 1.1, 0.55, "$c_t$", fc=GREEN_LIGHT, ec=GREEN, fs=FS + 1)
    terms = " + ".join(f"{a:.2f} $h_{j}$" for j, a in enumerate(alpha, start=1))
    _note(ax, xc + 0.75, y_c + 0.12, f"$c_t$ = {terms}", fs=FS - 2, color=GREEN)
    _note(ax, xc + 0.75, y_c - 0.3,
          r"context $c_t = \sum_j \alpha_j h_j$: a weighted average (line width $\propto \alpha_j$),",
          fs=FS - 3, color=MUTED)
    _note(ax, xc + 0.75, y_c - 0.62, "the size of one $h_j$ for any T; the decoder's next input is [$y_{t-1}$; $c_t$]",
          fs=FS - 3, color=MUTED)
    _note(ax, 0.3, 6.4, "one decoder step with additive (Bahdanau) attention", fs=FS, weight="bold")
    _note(ax, 0.3, 6.02, "the scores shown are illustrative numbers; every step t computes new ones from its own "
          "$s_{t-1}$", fs=FS - 3, color=MUTED)
    return fig


# ---------------------------------------------------------------- alignment heatmap: a trained model's weights


ALIGNMENT_TEXTS = ("Mon 22 Apr 2019", "22/04/2019")  # one date, a month name and all digits
ALIGNMENT_SEED = 0  # notebook 07's seed
ALIGNMENT_FILE = Path(__file__).with_name("ch07_alignment.json")


def train_alignments(texts=ALIGNMENT_TEXTS, seed=ALIGNMENT_SEED):
    """Train notebook 07's date model (its `DateSetup` and seed) and return [(text, answer, weights (Ty, Tx))].

    About 15 s of training on one CPU thread: too slow to repeat at every drawing, so `save_alignments` keeps
    the result in ALIGNMENT_FILE. Torch's thread count and the random states that training seeds are restored.
    """
    import random

    import torch

    from course_utils.models import attention_experiments

    threads, np_state, py_state = torch.get_num_threads(), np.random.get_state(), random.getstate()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng():
            return attention_experiments.date_alignment(list(texts), seed=seed)
    finally:
        torch.set_num_threads(threads)
        np.random.set_state(np_state)
        random.setstate(py_state)


def save_alignments(path=ALIGNMENT_FILE, texts=ALIGNMENT_TEXTS, seed=ALIGNMENT_SEED):
    """Train (`train_alignments`) and write the weights, rounded to 1e-5, with the setup and seed that made them.

    After changing the date model or its recipe, rerun it and then `make figures`:
        python -c "from course_utils.figures import ch07; ch07.save_alignments()"
    """
    from course_utils.models import attention_experiments

    examples = [{"text": text, "answer": answer, "weights": np.round(np.asarray(w, dtype=float), 5).tolist()}
                for text, answer, w in train_alignments(texts, seed)]
    record = {"made_by": "course_utils.figures.ch07.save_alignments", "setup": repr(attention_experiments.DateSetup()),
              "seed": seed, "examples": examples}
    Path(path).write_text(json.dumps(record) + "\n")
    return path


def load_alignments(path=ALIGNMENT_FILE):
    """The stored record: {"setup", "seed", "examples": [(text, answer, weights (Ty, Tx))]}."""
    record = json.loads(Path(path).read_text())
    record["examples"] = [(e["text"], e["answer"], np.array(e["weights"])) for e in record["examples"]]
    return record


def _check_example(text, answer, weights):
    """weights as a float array (Ty, Tx): Ty = the answer's characters (+1 if it wrote <eos>), Tx = len(text)."""
    weights = np.asarray(weights, dtype=float)
    if not isinstance(text, str) or not text or not isinstance(answer, str):
        raise ValueError(f"text and answer must be strings (text non-empty), got {text!r} and {answer!r}")
    if weights.ndim != 2 or weights.shape[1] != len(text) or weights.shape[0] not in (len(answer), len(answer) + 1):
        raise ValueError(f"weights for {text!r} -> {answer!r} must have shape (Ty, Tx) = ({len(answer)} or "
                         f"{len(answer) + 1} with <eos>, {len(text)}), got {weights.shape}")
    sums = weights.sum(axis=1)
    if weights.min() < 0 or not np.allclose(sums, 1.0, rtol=0, atol=1e-3):
        raise ValueError(f"each row of weights for {text!r} must be a softmax (>= 0, sum 1), got row sums "
                         f"{np.round(sums, 4).tolist()} and minimum {weights.min():.3g}")
    return weights


def alignment(examples=None):
    """Attention weights of the trained date model, one heatmap per input: which characters each output reads.

    examples: [(text, answer, weights (Ty, len(text)))], rows = the answer's characters then <eos>; by default
    the stored weights of notebook 07's model (`load_alignments`).
    """
    examples = load_alignments()["examples"] if examples is None else examples
    examples = [(text, answer, _check_example(text, answer, w)) for text, answer, w in examples]
    fig, ax0 = _canvas(12.6, 5.9)
    left, right, gap, bottom, height = 0.075, 0.86, 0.065, 0.08, 0.69
    col = (right - left - gap * (len(examples) - 1)) / sum(len(text) for text, _, _ in examples)
    x = left
    for k, (text, answer, weights) in enumerate(examples):
        ax = fig.add_axes((x, bottom, col * len(text), height))
        image = ax.imshow(weights, cmap=SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(text)), ["␣" if c == " " else c for c in text], fontsize=FS - 1)
        rows = list(answer) + ["<eos>"] * (len(weights) - len(answer))
        ax.set_yticks(range(len(rows)), rows, fontsize=FS - 1)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        ax.set_xlabel(f"input “{text}” (keys)", fontsize=FS - 1, color=BLUE)
        if k == 0:
            ax.set_ylabel("output characters (queries)", fontsize=FS - 2, color=GREEN)
        x += col * len(text) + gap
    bar = fig.colorbar(image, cax=fig.add_axes((right + 0.03, bottom, 0.015, height)))
    bar.set_label(r"weight $\alpha_{t,j}$ (each row sums to 1)", fontsize=FS - 2)
    bar.ax.tick_params(labelsize=FS - 3)
    _note(ax0, 0.3, 5.6, "alignment: where the trained date model looked for each output character", fs=FS,
          weight="bold")
    _note(ax0, 0.3, 5.25, "real attention weights of notebook 07's date model (Luong \"general\", trained with the "
          "notebook's recipe and seed 0), one date in two formats", fs=FS - 3, color=MUTED)
    return fig


# ---------------------------------------------------------------- masks


def _grid(ax, x, y, mask, *, s=0.36, on=BLUE_LIGHT, on_edge=BLUE):
    """A boolean (Tq, Tk) mask as cells, top-left at (x, y): True blue, False grey with a cross."""
    for i, row in enumerate(mask):
        for j, keep in enumerate(row):
            cx, cy = x + j * s, y - (i + 1) * s
            ax.add_patch(Rectangle((cx, cy), s, s, fc=on if keep else GREY_LIGHT, ec="white", lw=1.2))
            if not keep:
                ax.plot([cx + 0.1, cx + s - 0.1], [cy + 0.1, cy + s - 0.1], color=GREY, lw=1.0)
                ax.plot([cx + 0.1, cx + s - 0.1], [cy + s - 0.1, cy + 0.1], color=GREY, lw=1.0)
    ax.add_patch(Rectangle((x, y - len(mask) * s), len(mask[0]) * s, len(mask) * s, fill=False, ec=on_edge, lw=1.4))


def masks(T=6, length=4):
    """Padding, causal and combined masks for one sequence (True = may attend), and torch's two conventions."""
    fig, ax = _canvas(12.6, 5.8)
    s = 0.36
    padding = np.broadcast_to(np.arange(T) < length, (T, T))
    causal = np.tril(np.ones((T, T), dtype=bool))
    panels = [(padding, "padding mask", f"keys {length}–{T - 1} are padding", "shape (N, 1, Tk)"),
              (causal, "causal mask", "query t sees keys ≤ t", "shape (T, T)"),
              (padding & causal, "padding and causal", "logical and (a padded decoder)", "broadcast to (N, T, T)")]
    top = 4.25
    for k, (mask, name, what, shape) in enumerate(panels):
        x = 0.9 + 4.0 * k
        _grid(ax, x, top, mask, s=s)
        _note(ax, x + T * s / 2, top + 0.5, name, ha="center", va="bottom", fs=FS - 1, weight="bold")
        _note(ax, x + T * s / 2, top + 0.12, "keys →", ha="center", va="bottom", fs=FS - 3, color=MUTED)
        _note(ax, x - 0.1, top - T * s / 2, "queries ↓", ha="right", fs=FS - 3, color=MUTED, rotation=90)
        _note(ax, x + T * s / 2, top - T * s - 0.15, f"{what}\n{shape}", ha="center", va="top", fs=FS - 3,
              color=MUTED)
    _box(ax, 1.1, 1.05, 0.3, 0.3, fc=BLUE_LIGHT, ec=BLUE)
    _note(ax, 1.35, 1.05, "True: may attend (score kept)", fs=FS - 2)
    _box(ax, 5.6, 1.05, 0.3, 0.3, fc=GREY_LIGHT, ec=GREY)
    _note(ax, 5.85, 1.05, "False: score set to −∞, weight exactly 0", fs=FS - 2)
    _note(ax, 0.3, 0.45, "this course and F.scaled_dot_product_attention(attn_mask=...): True = attend.   "
          "nn.MultiheadAttention(key_padding_mask=...): True = IGNORE, so pass ~mask.", fs=FS - 3, color=RED)
    _note(ax, 0.3, 5.45, "masks: which keys each query may look at (one sequence of T = 6, real length 4)",
          fs=FS, weight="bold")
    return fig


# ---------------------------------------------------------------- multi-head attention


def multihead(heads=3):
    """Multi-head attention: per-head projections of Q, K, V, attention in each head, concat, output projection."""
    fig, ax = _canvas(12.3, 6.8)
    ys = [4.9, 3.35, 1.8][:heads]
    xq = 0.95
    _box(ax, xq, 3.35, 1.1, 2.2, "$X_q$\n$X_k$\n$X_v$", fc=BLUE_LIGHT, ec=BLUE, fs=FS)
    _note(ax, xq, 2.05, "(N, T, D)", ha="center", va="top", fs=FS - 3, color=MUTED)
    x_proj, x_att, x_head, x_cat, x_out, x_res = 3.1, 5.6, 7.6, 9.15, 10.5, 11.75
    for i, y in enumerate(ys, start=1):
        _arrow(ax, (xq + 0.55, 3.35), (x_proj - 0.95, y), color=BLUE, lw=1.2)
        for dy, name in ((0.42, "Q"), (0.0, "K"), (-0.42, "V")):
            _box(ax, x_proj, y + dy, 1.8, 0.34, f"$X_{name.lower()} W^{name}_{i}$" if i == 1 else f"$W^{name}_{i}$",
                 fc=RED_LIGHT, ec=RED, fs=FS - 3)
            _arrow(ax, (x_proj + 0.9, y + dy), (x_att - 0.85, y + dy * 0.6), color=RED, lw=1.0)
        _box(ax, x_att, y, 1.7, 0.8, "softmax$(QK^\\top/\\sqrt{d_h})\\,V$" if i == 1 else "attention",
             fc=ORANGE_LIGHT, ec=ORANGE, fs=FS - 4 if i == 1 else FS - 2)
        _arrow(ax, (x_att + 0.85, y), (x_head - 0.5, y), color=ORANGE)
        _box(ax, x_head, y, 1.0, 0.5, f"head {i}", fc=GREEN_LIGHT, ec=GREEN, fs=FS - 2)
        _arrow(ax, (x_head + 0.5, y), (x_cat - 0.3, 3.35 + (y - 3.35) * 0.6), color=GREEN)
    _note(ax, x_head, ys[-1] - 0.35, "(N, T, $d_h$) each", ha="center", va="top", fs=FS - 3, color=MUTED)
    _box(ax, x_cat, 3.35, 0.55, 3.2, "concat", fc=GREEN_LIGHT, ec=GREEN, fs=FS - 3)
    ax.texts[-1].set_rotation(90)
    _arrow(ax, (x_cat + 0.3, 3.35), (x_out - 0.45, 3.35), color=GREEN)
    _box(ax, x_out, 3.35, 0.85, 0.6, "$@\\,W^O$", fc=RED_LIGHT, ec=RED, fs=FS - 1)
    _arrow(ax, (x_out + 0.45, 3.35), (x_res - 0.4, 3.35), color=GREEN, lw=2)
    _box(ax, x_res, 3.35, 0.7, 0.6, "out", fc=GREEN, ec=GREEN, fs=FS - 1, color="white")
    _note(ax, x_res, 2.9, "(N, T, D)", ha="center", va="top", fs=FS - 3, color=MUTED)
    _note(ax, x_cat, 1.6, "(N, T, $n_h d_h$ = D)", ha="center", va="top", fs=FS - 3, color=MUTED)
    _note(ax, 0.3, 6.45, f"multi-head attention, $n_h$ = {heads} heads of size $d_h = D / n_h$", fs=FS, weight="bold")
    _note(ax, 0.3, 6.05, "each head has its own projections $W^Q_i, W^K_i, W^V_i$ (D, $d_h$), so it can attend to a "
          "different relation", fs=FS - 3, color=MUTED)
    _note(ax, 0.3, 0.75, "parameters: $W^Q, W^K, W^V, W^O$, each (D, D) with all heads side by side: $4D^2$ "
          "weights + 4D biases, for any $n_h$", fs=FS - 3, color=INK)
    _note(ax, 0.3, 0.35, "self-attention: $X_q = X_k = X_v = X$;  torch: nn.MultiheadAttention(D, n_h, "
          "batch_first=True)", fs=FS - 3, color=MUTED)
    return fig


# ---------------------------------------------------------------- the T x T cost


def quadratic_cost(lengths=(4, 8, 16)):
    """Self-attention scores every query against every key: a T x T matrix per head, T^2 grows fast."""
    fig, ax = _canvas(12.6, 5.45)
    s = 0.22
    x, base = 0.9, 0.7
    for T in lengths:
        top = base + T * s
        for i in range(T):
            for j in range(T):
                ax.add_patch(Rectangle((x + j * s, top - (i + 1) * s), s, s, fc=RED_LIGHT, ec="white", lw=0.8))
        ax.add_patch(Rectangle((x, base), T * s, T * s, fill=False, ec=RED, lw=1.4))
        _note(ax, x + T * s / 2, top + 0.1, f"T = {T}", ha="center", va="bottom", fs=FS - 1, weight="bold")
        _note(ax, x + T * s / 2, base - 0.12, f"{T * T} scores", ha="center", va="top", fs=FS - 2, color=RED)
        x += T * s + 0.6
    xr = x + 0.2
    _note(ax, xr, 4.0, "T doubles → scores ×4", fs=FS, color=RED, weight="bold")
    _note(ax, xr, 3.55, "time and memory of the\nweights grow like $T^2$", fs=FS - 1, va="top")
    _note(ax, xr, 2.45, "an RNN: T sequential steps,\neach $O(H^2)$: linear in T,\nbut no parallelism over t",
          fs=FS - 1, va="top", color=MUTED)
    _note(ax, 0.3, 5.1, "the price of attention: every query scores every key", fs=FS, weight="bold")
    _note(ax, 0.3, 4.72, "self-attention over T positions builds a (T, T) weight matrix per head and per sequence",
          fs=FS - 3, color=MUTED)
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "07_encoder_decoder": encoder_decoder,
    "07_attention_weights": attention_weights,
    "07_alignment": alignment,
    "07_masks": masks,
    "07_multihead": multihead,
    "07_quadratic_cost": quadratic_cost,
}

