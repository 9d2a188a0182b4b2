"""Chapter 07's explorer: type a date, read the model's ISO answer and see where it looked.

- `date_attention_explorer(model, src_vocab, tgt_vocab)`: a text box; each new text goes through
  `seq2seq.translate` and its heatmap (`plotting.plot_alignment`) is redrawn.
- `date_attention_explorer_demo()` builds one in a second on a tiny UNTRAINED model (`demo_model`:
  its answers are nonsense; the notebook passes its trained model instead).
"""

import html

from course_utils import plotting
from course_utils.data import seq_tasks
from course_utils.models import seq2seq
from course_utils.seed import scoped


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
            answer, weights = seq2seq.translate(model, box.value, src_vocab, tgt_vocab)
        except ValueError as err:
            answer_line.value = f"<b>cannot read that:</b> {html.escape(str(err))}"
            return
        answer_line.value = f"<code>{html.escape(box.value)}</code> \u2192 <b><code>{html.escape(answer)}</code></b>"
        labels = plotting.output_labels(answer, len(weights))
        with out:
            display(plotting.plot_alignment(weights, box.value, labels, title=answer))

    box.observe(draw, names="value")
    draw()
    return widgets.VBox([box, answer_line, out])


def demo_model(seed=0):
    """A tiny UNTRAINED date model (H = 16, Luong general attention) and its vocabularies.

    Its weights come from `seed` inside `seed.scoped`: the caller's random streams do not move."""
    src_vocab, tgt_vocab = seq_tasks.date_vocabs()
    config = seq2seq.Seq2SeqConfig(len(src_vocab), len(tgt_vocab), embed=8, hidden=16, attention="general")
    with scoped(seed):
        model = seq2seq.Seq2Seq(config)
    return model.eval(), src_vocab, tgt_vocab


def date_attention_explorer_demo():
    """The explorer on an untrained tiny model: it shows the mechanics, not good answers."""
    return date_attention_explorer(*demo_model())
