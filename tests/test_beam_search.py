"""Beam search: width 1 is greedy decoding, a beam as wide as every answer is exact search (brute force)."""

import itertools

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_utils.data.seq_tasks import EOS, SOS
from course_utils.models import beam_search, seq2seq

KINDS = [None, "bahdanau", "dot", "general"]


def tiny(kind, V=5, seed=0):
    torch.manual_seed(seed)
    config = seq2seq.Seq2SeqConfig(src_vocab=7, tgt_vocab=V, embed=4, hidden=6, attention=kind, attention_units=3)
    model = seq2seq.Seq2Seq(config).double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)  # peaked distributions: greedy and the best answer then often differ
    return model


def batch(seed=1):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(3, 7, (4, 5), generator=g)
    src_len = torch.tensor([5, 3, 1, 4])
    return src.masked_fill(torch.arange(5) >= src_len[:, None], 0), src_len


def brute_force(model, src, src_len, max_len):
    """Every possible answer (characters then EOS, or max_len characters without EOS), scored step by step."""
    V = model.config.tgt_vocab
    others = [c for c in range(V) if c != EOS]
    answers = [list(p) + [EOS] for L in range(max_len) for p in itertools.product(others, repeat=L)]
    answers += [list(p) for p in itertools.product(others, repeat=max_len)]
    best = []
    for i in range(len(src)):
        memory = model.encode(src[i : i + 1], src_len[i : i + 1])
        scored = []
        for ans in answers:
            s, y, total = memory.last, torch.tensor([SOS]), 0.0
            for c in ans:
                logits, s, _ = model.step(y, s, memory)
                total += F.log_softmax(logits.double(), -1)[0, c].item()
                y = torch.tensor([c])
            scored.append((total, ans))
        best.append(max(scored, key=lambda sa: sa[0]))
    return best


@pytest.mark.parametrize("kind", KINDS)
def test_width_one_is_greedy(kind):
    model = tiny(kind, V=9)
    src, src_len = batch()
    greedy, _ = model.greedy_decode(src, src_len, 6)
    tokens, scores = beam_search.beam_decode(model, src, src_len, 6, beam_size=1)
    np.testing.assert_array_equal(tokens.numpy(), greedy.numpy())
    np.testing.assert_allclose(scores.numpy(), beam_search.answer_log_prob(model, src, src_len, tokens).numpy(),
                               atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_a_beam_wide_enough_is_exact_search(kind):
    model, max_len = tiny(kind, V=5), 3
    src, src_len = batch()
    tokens, scores = beam_search.beam_decode(model, src, src_len, max_len, beam_size=5**max_len)
    for i, (best_score, best_answer) in enumerate(brute_force(model, src, src_len, max_len)):
        assert scores[i].item() == pytest.approx(best_score, abs=1e-10)
        assert tokens[i, : len(best_answer)].tolist() == best_answer


@pytest.mark.parametrize("kind", ["bahdanau", "general"])
def test_wider_beams_never_lose_to_greedy_here_and_scores_are_the_answers_log_probs(kind):
    model = tiny(kind, V=9, seed=3)
    src, src_len = batch(seed=4)
    _, greedy = beam_search.beam_decode(model, src, src_len, 6, beam_size=1)
    tokens, wide = beam_search.beam_decode(model, src, src_len, 6, beam_size=4)
    assert torch.all(wide >= greedy - 1e-12)
    assert torch.any(wide > greedy + 1e-6)  # the case is built so that the beam finds better answers
    np.testing.assert_allclose(wide.numpy(), beam_search.answer_log_prob(model, src, src_len, tokens).numpy(),
                               atol=1e-10)


def test_bad_input():
    model = tiny(None)
    src, src_len = batch()
    with pytest.raises(ValueError, match="beam_size must be a positive int, got 0"):
        beam_search.beam_decode(model, src, src_len, 5, beam_size=0)
    with pytest.raises(ValueError, match="model must be a Seq2Seq, got Linear"):
        beam_search.beam_decode(torch.nn.Linear(2, 2), src, src_len, 5, beam_size=2)
