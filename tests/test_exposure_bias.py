"""Accuracy by position, teacher forced and free running, against a step-by-step loop written here."""

import numpy as np
import pytest
import torch

from course_utils.data import seq_tasks
from course_utils.data.seq_tasks import EOS, PAD, SOS
from course_utils.models import exposure_bias, seq2seq


def by_hand(model, data):
    Ty = data.tgt.shape[1]
    forced, free, count = np.zeros(Ty), np.zeros(Ty), np.zeros(Ty)
    for n in range(len(data)):
        src, src_len = torch.from_numpy(data.src[n : n + 1]), torch.from_numpy(data.src_len[n : n + 1])
        memory = model.encode(src, src_len)
        for regime, total in (("forced", forced), ("free", free)):
            s, y = memory.last, torch.tensor([SOS])
            for t in range(Ty):
                if data.tgt[n, t] == PAD or (regime == "free" and int(y) == EOS):
                    break  # the target has ended, or the model has: a decoder that wrote EOS writes nothing more
                logits, s, _ = model.step(y, s, memory)
                guess = int(logits.argmax(-1))
                total[t] += guess == data.tgt[n, t]
                y = torch.tensor([data.tgt[n, t] if regime == "forced" else guess])
        count += data.tgt[n] != PAD
    return forced / count, free / count, count


def data_and_model(kind, seed=0):
    vocab = seq_tasks.digit_vocab()
    data = seq_tasks.encode_pairs(seq_tasks.reversal_pairs(30, min_len=1, max_len=6, seed=seed), vocab, vocab)
    torch.manual_seed(seed)
    config = seq2seq.Seq2SeqConfig(len(vocab), len(vocab), embed=4, hidden=8, attention=kind, attention_units=4)
    model = seq2seq.Seq2Seq(config).double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2.5)  # a confident untrained model: its free-running guesses wander off the truth
    return data, model


@pytest.mark.parametrize("kind", [None, "bahdanau", "general"])
def test_accuracy_by_position_equals_a_loop(kind):
    data, model = data_and_model(kind)
    got = exposure_bias.accuracy_by_position(model, data, batch_size=7)
    forced, free, count = by_hand(model, data)
    np.testing.assert_array_equal(got.count, count)
    np.testing.assert_allclose(got.teacher_forced, forced, atol=1e-12)
    np.testing.assert_allclose(got.free_running, free, atol=1e-12)
    assert got.teacher_forced[0] == got.free_running[0]  # position 0 reads SOS in both regimes
    assert not np.allclose(got.teacher_forced, got.free_running)  # and the regimes differ later


def test_bad_model():
    data, _ = data_and_model(None)
    with pytest.raises(ValueError, match="model must be a Seq2Seq, got Linear"):
        exposure_bias.accuracy_by_position(torch.nn.Linear(2, 2), data)
