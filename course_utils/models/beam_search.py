"""Beam search for chapter 07's encoder-decoders: keep the k best partial answers, not only the best one.

Greedy decoding commits to the most likely character at every step. Beam search keeps the `beam_size`
partial answers with the highest total log-probability log p(y_1 .. y_t | x) = sum of the steps'
log-softmax values, extends each by every character, and keeps the best `beam_size` again. An answer
that writes EOS is finished. Scores only fall as an answer grows (each step adds a log-probability
<= 0), so once the best finished answer scores at least as high as every live one, nothing left can
beat it and the search stops: with a beam as wide as all the answers it is an exact search.
No length normalisation: short and long answers compete on their plain log-probability.

Shapes: src (N, Tx), src_len (N,); answers (N, max_len) int64, EOS then PAD, like `greedy_decode`.
"""

import torch
from torch.nn import functional as F

from course_utils._checks import positive_int
from course_utils.data.seq_tasks import EOS, PAD, SOS
from course_utils.models.seq2seq import Memory, Seq2Seq


def _one(memory, i):
    """Row i of a Memory, as a batch of one."""
    return Memory(*(None if m is None else m[i : i + 1] for m in memory))


def _repeat(memory, k):
    """A batch-of-one Memory repeated k times, one copy per live answer."""
    return Memory(*(None if m is None else m.expand(k, *m.shape[1:]) for m in memory))


@torch.no_grad()
def beam_decode(model, src, src_len, max_len, beam_size):
    """The highest-scoring answers found with a beam of `beam_size`: (tokens (N, max_len), log-probs (N,)).

    beam_size=1 is greedy decoding. An answer that reaches max_len without EOS is scored as it stands.
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    max_len, beam_size = positive_int("max_len", max_len), positive_int("beam_size", beam_size)
    model.eval()
    memory = model.encode(src, src_len)
    rows, scores = [], []
    for i in range(len(src)):
        tokens, score = _search(model, _one(memory, i), max_len, beam_size)
        rows.append(F.pad(tokens, (0, max_len - len(tokens)), value=PAD))
        scores.append(score)
    return torch.stack(rows), torch.tensor(scores, dtype=torch.float64)


def _search(model, memory, max_len, k):
    """Beam search for one input: (tokens (L,) ending in EOS unless L = max_len, total log-prob)."""
    device = memory.enc.device
    live = torch.empty(1, 0, dtype=torch.long, device=device)  # (B, t) the live answers' characters
    live_scores = torch.zeros(1, dtype=torch.float64, device=device)  # (B,)
    state, y_prev = memory.last, torch.full((1,), SOS, dtype=torch.long, device=device)
    best, best_score = None, float("-inf")
    for t in range(max_len):
        logits, state, _ = model.step(y_prev, state, _repeat(memory, len(live)))
        total = live_scores[:, None] + F.log_softmax(logits.double(), dim=-1)  # (B, V) every extension
        V = total.shape[1]
        top = torch.topk(total.flatten(), min(k, total.numel()))  # ties: torch's order, fixed for fixed inputs
        parent, char = top.indices // V, top.indices % V
        answers = torch.cat([live[parent], char[:, None]], dim=1)
        ends = (char == EOS) | (t == max_len - 1)
        for j in torch.nonzero(ends).flatten().tolist():  # finished answers leave the beam
            if top.values[j].item() > best_score:
                best, best_score = answers[j], top.values[j].item()
        keep = ~ends
        if not keep.any() or top.values[keep].max().item() <= best_score:
            break  # no live answer can still beat the best finished one
        live, live_scores = answers[keep], top.values[keep]
        state, y_prev = state[parent[keep]], char[keep]
    return best, best_score


@torch.no_grad()
def answer_log_prob(model, src, src_len, tokens):
    """Total log-probability (N,) the model gives each answer tokens (N, L), teacher forced.

    An answer counts up to and including its first EOS (what follows is padding); one without EOS counts whole.
    """
    model.eval()
    logits, _ = model(src, src_len, torch.cat([torch.full_like(tokens[:, :1], SOS), tokens[:, :-1]], dim=1))
    logp = F.log_softmax(logits.double(), dim=-1).gather(-1, tokens[..., None])[..., 0]  # (N, L)
    after_eos = torch.cumsum((tokens == EOS).long(), dim=1) - (tokens == EOS).long() > 0  # past the first EOS
    return logp.masked_fill(after_eos, 0.0).sum(dim=1)
