"""Chapter 07's explorer: type a date, read the model's ISO answer and see where it looked.

Pure functions first (tested without a browser), the widget last:
- `translate(model, text, src_vocab, tgt_vocab)`: greedy answer for one input string and the
  attention weights of every output character, (Ty, Tx) -- row i: where output character i looked.
- `plot_alignment(weights, inputs, outputs, ax=None)`: those weights as a heatmap (a Figure).
- `date_attention_explorer(model, src_vocab, tgt_vocab)`: a text box; each new text is translated
  and its heatmap redrawn. `date_attention_explorer_demo()` builds one in a second on a tiny
  UNTRAINED model (its answers are nonsense; the notebook passes its trained model instead).
"""

import html

import matplotlib.figure
import numpy as np
import torch

from course_utils.data import seq_tasks
from course_utils.models import seq2seq
from course_utils.data.seq_tasks import EOS


def translate(model, text, src_vocab, tgt_vocab, *, max_len=11):
    """The model's greedy answer to `text` and its weights (Ty, Tx): Ty output characters (EOS included
    when it was written), Tx = len(text). Raises ValueError for an empty text or an unknown character."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    if model.config.attention is None:
        raise ValueError("the model has no attention (config.attention=None): nothing to show")
    src, src_len = src_vocab.encode([text])  # raises for characters the model never saw
    tokens, weights = model.greedy_decode(torch.from_numpy(src), torch.from_numpy(src_len), max_len)
    tokens, weights = tokens[0].numpy(), weights[0].numpy()
    ends = np.flatnonzero(tokens == EOS)
    Ty = int(ends[0]) + 1 if len(ends) else max_len
    return tgt_vocab.decode(tokens[None])[0], weights[:Ty, : len(text)]


def plot_alignment(weights, inputs, outputs, *, ax=None, title=None):
    """Heatmap of weights (Ty, Tx): one row per output character, one column per input character.

    inputs: the Tx input characters (a string); outputs: the Ty output labels (a string, or a list
    with "<eos>" for the end). Returns the Figure.
    """
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape != (len(outputs), len(inputs)):
        raise ValueError(f"weights must have shape (Ty={len(outputs)}, Tx={len(inputs)}), got {weights.shape}")
    if ax is None:
        fig = matplotlib.figure.Figure(figsize=(0.3 * len(inputs) + 2, 0.3 * len(outputs) + 1.4), layout="constrained")
        ax = fig.add_subplot()
    fig = ax.figure
    image = ax.imshow(weights, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(inputs)), [repr(c)[1:-1] if c != " " else "\u2423" for c in inputs])
    ax.set_yticks(range(len(outputs)), list(outputs))
    ax.set(xlabel="input character", ylabel="output character", title=title)
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
    return fig


def output_labels(answer, n_rows):
    """Row labels for an answer: its characters, then "<eos>" if the model wrote one."""
    labels = list(answer)
    return labels + ["<eos>"] * (n_rows - len(labels))


def date_attention_explorer(model, src_vocab, tgt_vocab, *, text="Mon 22 Apr 2019"):
    """A text box for a date in any format; shows the model's ISO answer and its attention heatmap."""
    import ipywidgets as widgets
    from IPython.display import display

    box = widgets.Text(value=text, description="date:", continuous_update=False,
                       layout=widgets.Layout(width="420px"))  # fmt: skip
    answer_line = widgets.HTML()  # the answer as text: what a test (or a reader) checks first
    out = widgets.Output()  # the heatmap

    def draw(_=None):
        out.clear_output(wait=True)
        try:
            answer, weights = translate(model, box.value, src_vocab, tgt_vocab)
        except ValueError as err:
            answer_line.value = f"<b>cannot read that:</b> {html.escape(str(err))}"
            return
        answer_line.value = f"<code>{html.escape(box.value)}</code> \u2192 <b><code>{html.escape(answer)}</code></b>"
        with out:
            display(plot_alignment(weights, box.value, output_labels(answer, len(weights)), title=answer))

    box.observe(draw, names="value")
    draw()
    return widgets.VBox([box, answer_line, out])


def demo_model(seed=0):
    """A tiny UNTRAINED date model (H = 16, Luong general attention) and its vocabularies."""
    src_vocab, tgt_vocab = seq_tasks.date_vocabs()
    torch.manual_seed(seed)
    config = seq2seq.Seq2SeqConfig(len(src_vocab), len(tgt_vocab), embed=8, hidden=16, attention="general")
    return seq2seq.Seq2Seq(config).eval(), src_vocab, tgt_vocab


def date_attention_explorer_demo():
    """The explorer on an untrained tiny model: it shows the mechanics, not good answers."""
    return date_attention_explorer(*demo_model())
