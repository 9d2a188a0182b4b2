"""Chapter 07's explorer and what it shows: seq2seq.translate = the batched greedy decoder on one text,
plotting.plot_alignment shows exactly the weights, and the explorer redraws when its text box changes."""

import ipywidgets
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_utils import plotting
from course_utils.data import seq_tasks
from course_utils.models import seq2seq
from course_utils.widgets import ch07 as aw


def test_translate_equals_batched_greedy_decoding():
    model, src_vocab, tgt_vocab = aw.demo_model(seed=1)
    texts = ["Mon 22 Apr 2019", "3.1.1807", "april 22 2019"]
    data = seq_tasks.encode_pairs([(t, "2000-01-01") for t in texts], src_vocab, tgt_vocab)
    tokens, weights = seq2seq.predict(model, data)
    for row, text in enumerate(texts):
        answer, w = seq2seq.translate(model, text, src_vocab, tgt_vocab)
        assert answer == tgt_vocab.decode(tokens[row : row + 1])[0]
        assert w.shape[1] == len(text)
        np.testing.assert_allclose(w, weights[row, : len(w), : len(text)], rtol=0, atol=1e-6)
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
        if len(w) < 11:  # stopped early: the last row is the EOS's
            assert len(answer) == len(w) - 1


def test_translate_rejects_what_it_cannot_read():
    model, src_vocab, tgt_vocab = aw.demo_model()
    with pytest.raises(ValueError, match="non-empty string"):
        seq2seq.translate(model, "", src_vocab, tgt_vocab)
    with pytest.raises(ValueError, match=r"outside the vocabulary: \['#'\]"):
        seq2seq.translate(model, "#22", src_vocab, tgt_vocab)
    plain = seq2seq.Seq2Seq(seq2seq.Seq2SeqConfig(len(src_vocab), len(tgt_vocab), attention=None))
    with pytest.raises(ValueError, match="no attention"):
        seq2seq.translate(plain, "22.4.2019", src_vocab, tgt_vocab)


def test_plot_alignment_draws_the_weights():
    weights = np.random.default_rng(0).dirichlet(np.ones(4), size=3)
    fig = plotting.plot_alignment(weights, "ab c", ["1", "2", "<eos>"], title="t")
    assert isinstance(fig, Figure)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), weights)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "\u2423", "c"]
    with pytest.raises(ValueError, match=r"weights must have shape \(Ty=2, Tx=4\), got \(3, 4\)"):
        plotting.plot_alignment(weights, "ab c", "12")
    assert plotting.output_labels("12", 3) == ["1", "2", "<eos>"]


def test_explorer_redraws_when_the_text_changes():
    widget = aw.date_attention_explorer_demo()
    assert isinstance(widget, ipywidgets.VBox)
    box, answer, _ = widget.children
    assert isinstance(box, ipywidgets.Text) and "Mon 22 Apr 2019" in answer.value
    box.value = "22/04/2019"
    assert "22/04/2019" in answer.value and "Mon" not in answer.value
    box.value = "22#04"  # an unknown character: a message, not a crash
    assert "cannot read that" in answer.value and "#" in answer.value


def test_demo_model_is_small_and_untrained():
    model, src_vocab, tgt_vocab = aw.demo_model()
    assert model.config.hidden == 16 and sum(p.numel() for p in model.parameters()) < 10_000
    assert isinstance(model.encoder, torch.nn.GRU)


def test_demo_model_is_seeded_and_leaves_the_callers_stream_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    first, _, _ = aw.demo_model(seed=4)
    assert torch.equal(torch.rand(3), expected)
    second, _, _ = aw.demo_model(seed=4)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
