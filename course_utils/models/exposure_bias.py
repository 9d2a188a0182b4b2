"""Exposure bias (chapter 07): how often a decoder is right at each output position, fed the truth or itself.

Trained with teacher forcing, the decoder only ever reads the true previous character y_{t-1}. At test
time it reads its own guess instead, and one wrong guess puts it in a situation it never trained in.
Comparing the two regimes position by position shows what that costs:

    teacher forced:  right_t = [argmax p(y_t | x, y_1 .. y_{t-1}) == y_t]   (true prefix)
    free running:    right_t = [ŷ_t == y_t],  ŷ from greedy decoding        (the model's own prefix)

Both count the target's real characters and its EOS; position 0 reads SOS in both, so it agrees.
"""

from typing import NamedTuple

import numpy as np
import torch

from course_utils.data.seq_tasks import PAD
from course_utils.models import seq2seq, training


class PositionAccuracy(NamedTuple):
    """Per-position accuracies (Ty,) in the two regimes and how many targets have each position."""

    teacher_forced: np.ndarray
    free_running: np.ndarray
    count: np.ndarray


@torch.no_grad()
def accuracy_by_position(model, dataset, batch_size=1024):
    """PositionAccuracy of a Seq2Seq on a Seq2SeqSet (NaN where no target is that long)."""
    if not isinstance(model, seq2seq.Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    model.eval()
    device = training.model_device(model)
    Ty = dataset.tgt.shape[1]
    forced, free, count = np.zeros(Ty), np.zeros(Ty), np.zeros(Ty)
    for i in range(0, len(dataset), batch_size):
        idx = np.arange(i, min(i + batch_size, len(dataset)))
        src = torch.from_numpy(dataset.src[idx]).to(device)
        src_len = torch.from_numpy(dataset.src_len[idx]).to(device)
        tgt = torch.from_numpy(dataset.tgt[idx]).to(device)
        real = (tgt != PAD).cpu().numpy()
        logits, _ = model(src, src_len, seq2seq.shift_right(tgt))
        guessed, _ = model.greedy_decode(src, src_len, Ty)
        forced += ((logits.argmax(-1) == tgt).cpu().numpy() & real).sum(0)
        free += ((guessed == tgt).cpu().numpy() & real).sum(0)
        count += real.sum(0)
    with np.errstate(invalid="ignore"):
        return PositionAccuracy(forced / count, free / count, count.astype(np.int64))
