"""GRU encoder-decoder models in torch, without and with attention (chapter 07).

Shapes: src (N, Tx) int64 character indices padded with 0, src_len (N,) their true lengths;
targets tgt (N, Ty) end in EOS. The decoder's input is the target shifted right behind SOS (teacher
forcing): at step t it reads the true y_{t-1}, not its own guess. H is the GRU size, E the embedding size.

    encoder:  h_1 ... h_Tx = GRU(embed(x_1 ... x_Tx))            enc (N, Tx, H)
              bidirectional (the default): H/2 units read left to right, H/2 more read right to left,
              and h_j puts the two side by side, so it describes character j and both its neighbours
    plain:    s_0 = h_{Tx}  (the state after the last real character: the ONLY thing the decoder gets;
              bidirectional: the forward half after x_Tx beside the backward half after x_1)
              s_t = GRU(embed(y_{t-1}), s_{t-1});  logits_t = s_t @ W_out + b_out

With attention the decoder also reads a context vector c_t, a weighted average of ALL encoder states:
- attention="bahdanau" (additive, Bahdanau et al. 2015): the previous state asks, the context is
  part of the GRU's input:
      e_tj = tanh(s_{t-1} @ W_q + h_j @ W_k) . w_v;  a_t = softmax_j(e_t);  c_t = sum_j a_tj h_j
      s_t = GRUCell([embed(y_{t-1}), c_t], s_{t-1});  logits_t = [s_t, c_t] @ W_out + b_out
- attention="dot" or "general" (Luong et al. 2015): the new state asks, the context is mixed in after:
      s_t = GRU(embed(y_{t-1}), s_{t-1});  e_tj = s_t . h_j (dot)  or  s_t @ W_a . h_j (general)
      c_t = sum_j softmax_j(e_t) h_j;  logits_t = tanh([s_t, c_t] @ W_c + b_c) @ W_out + b_out
  Luong's decoder needs no context to compute its states, so with teacher forcing one nn.GRU call
  runs all steps at once; Bahdanau's needs a Python loop over the steps.

Padding: positions past src_len get attention weight 0 (mask_padding=False turns that off, to
measure what it costs) and targets' padding is ignored by the loss. Greedy decoding feeds back the
most likely character at each step until every sequence has written EOS; `translate` does it for one
string and returns the attention weights of every output character.
"""

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from course_utils._checks import positive_int
from course_utils.data.seq_tasks import EOS, PAD, SOS
from course_utils.models import training

ATTENTIONS = (None, "bahdanau", "dot", "general")


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Sizes of an encoder-decoder: vocabularies, embedding E, GRU size H, attention kind and its units A."""

    src_vocab: int
    tgt_vocab: int
    embed: int = 16
    hidden: int = 64
    attention: str | None = "general"
    attention_units: int = 32  # Bahdanau's A
    mask_padding: bool = True
    bidirectional: bool = True  # encoder: H/2 units read left to right, H/2 right to left


class Memory(NamedTuple):
    """What the encoder hands the decoder: every state, the keys attention compares against, the mask."""

    enc: torch.Tensor  # (N, Tx, H)
    keys: torch.Tensor | None  # (N, Tx, A or H): enc projected once for the score (None: plain, dot)
    mask: torch.Tensor  # (N, Tx) bool, True at real characters
    last: torch.Tensor  # (N, H) the state after the last real character


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder; `config.attention` picks none, Bahdanau's or Luong's dot/general attention."""

    def __init__(self, config):
        super().__init__()
        if config.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {list(ATTENTIONS)}, got {config.attention!r}")
        self.config = config
        E, H, A, V = config.embed, config.hidden, config.attention_units, config.tgt_vocab
        self.src_embed = nn.Embedding(config.src_vocab, E, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(V, E, padding_idx=PAD)
        if config.bidirectional and H % 2:
            raise ValueError(f"a bidirectional encoder splits hidden={H} in two halves: it must be even")
        H_enc = H // 2 if config.bidirectional else H
        self.encoder = nn.GRU(E, H_enc, batch_first=True)
        if config.bidirectional:
            self.encoder_back = nn.GRU(E, H_enc, batch_first=True)
        if config.attention == "bahdanau":
            self.W_q, self.W_k = nn.Linear(H, A, bias=False), nn.Linear(H, A, bias=False)
            self.w_v = nn.Linear(A, 1, bias=False)
            self.decoder = nn.GRUCell(E + H, H)
            self.out = nn.Linear(2 * H, V)
        else:
            self.decoder = nn.GRU(E, H, batch_first=True)
            if config.attention == "general":
                self.W_a = nn.Linear(H, H, bias=False)
            if config.attention is not None:
                self.combine = nn.Linear(2 * H, H)  # Luong's W_c
            self.out = nn.Linear(H, V)

    # ---- encoder and attention -----------------------------------------------------------------------

    def encode(self, src, src_len):
        """Memory for src (N, Tx), src_len (N,)."""
        x = self.src_embed(src)  # (N, Tx, E)
        rows = torch.arange(len(src), device=src.device)
        enc, _ = self.encoder(x)  # (N, Tx, H or H/2); a GRU is causal: padding after the last
        last = enc[rows, src_len - 1]  # character cannot change the state it left there
        if self.config.bidirectional:
            back = backward_states(self.encoder_back, x, src_len)  # (N, Tx, H/2), in reading order
            last = torch.cat([last, back[:, 0]], dim=-1)  # the backward pass ends at character 1
            enc = torch.cat([enc, back], dim=-1)  # (N, Tx, H)
        mask = torch.arange(src.shape[1], device=src.device) < src_len[:, None]  # (N, Tx)
        keys = None
        if self.config.attention == "bahdanau":
            keys = self.W_k(enc)  # (N, Tx, A), computed once, not at every decoder step
        elif self.config.attention == "general":
            keys = enc @ self.W_a.weight  # (N, Tx, H): s @ W_a . h = s . (h @ W_a^T)^T, with W_a = weight^T
        return Memory(enc, keys, mask, last)

    def attend(self, queries, memory):
        """Context (N, Ty, H) and weights (N, Ty, Tx) for queries (N, Ty, H)."""
        kind = self.config.attention
        if kind == "bahdanau":
            scores = self.w_v(torch.tanh(self.W_q(queries)[:, :, None] + memory.keys[:, None])).squeeze(-1)
        else:
            keys = memory.enc if kind == "dot" else memory.keys
            scores = queries @ keys.transpose(1, 2)  # (N, Ty, Tx)
        if self.config.mask_padding:
            scores = scores.masked_fill(~memory.mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return weights @ memory.enc, weights

    def _readout(self, s, context):
        """Logits from decoder states s (N, Ty, H) and contexts (N, Ty, H) (None for the plain model)."""
        if self.config.attention is None:
            return self.out(s)
        if self.config.attention == "bahdanau":
            return self.out(torch.cat([s, context], dim=-1))
        return self.out(torch.tanh(self.combine(torch.cat([s, context], dim=-1))))

    # ---- decoding --------------------------------------------------------------------------------------

    def step(self, y_prev, s_prev, memory):
        """One decoder step: y_prev (N,) indices, s_prev (N, H) -> logits (N, V), s (N, H), weights (N, Tx) or None."""
        x = self.tgt_embed(y_prev)  # (N, E)
        if self.config.attention == "bahdanau":
            context, weights = self.attend(s_prev[:, None], memory)  # (N, 1, H), (N, 1, Tx)
            s = self.decoder(torch.cat([x, context[:, 0]], dim=-1), s_prev)
            return self._readout(s[:, None], context)[:, 0], s, weights[:, 0]
        s = self.decoder(x[:, None], s_prev[None])[0][:, 0]  # (N, H)
        if self.config.attention is None:
            return self._readout(s, None), s, None
        context, weights = self.attend(s[:, None], memory)
        return self._readout(s[:, None], context)[:, 0], s, weights[:, 0]

    def forward(self, src, src_len, tgt_in):
        """Teacher forcing: logits (N, Ty, V) and attention weights (N, Ty, Tx) (None without attention)."""
        memory = self.encode(src, src_len)
        if self.config.attention == "bahdanau":  # each step needs the previous state: a loop
            s, logits, weights = memory.last, [], []
            for t in range(tgt_in.shape[1]):
                step_logits, s, w = self.step(tgt_in[:, t], s, memory)
                logits.append(step_logits)
                weights.append(w)
            return torch.stack(logits, 1), torch.stack(weights, 1)
        states, _ = self.decoder(self.tgt_embed(tgt_in), memory.last[None].contiguous())  # (N, Ty, H)
        if self.config.attention is None:
            return self._readout(states, None), None
        context, weights = self.attend(states, memory)
        return self._readout(states, context), weights

    @torch.no_grad()
    def greedy_decode(self, src, src_len, max_len):
        """The model's own answers: tokens (N, max_len) (EOS, then PAD) and weights (N, max_len, Tx) or None."""
        memory = self.encode(src, src_len)
        N = len(src)
        y = torch.full((N,), SOS, dtype=torch.long, device=src.device)
        s, done = memory.last, torch.zeros(N, dtype=torch.bool, device=src.device)
        tokens, weights = [], []
        for _ in range(max_len):
            logits, s, w = self.step(y, s, memory)
            y = logits.argmax(-1)
            tokens.append(torch.where(done, torch.full_like(y, PAD), y))
            weights.append(w)
            done |= y == EOS
            if done.all():
                break
        tokens = torch.stack(tokens, 1)
        tokens = F.pad(tokens, (0, max_len - tokens.shape[1]), value=PAD)
        if weights[0] is None:
            return tokens, None
        weights = torch.stack(weights, 1)
        return tokens, F.pad(weights, (0, 0, 0, max_len - weights.shape[1]))


def reverse_index(src_len, Tx):
    """(N, Tx) positions that read each row's first src_len characters backwards and leave padding in place."""
    t = torch.arange(Tx, device=src_len.device)
    return torch.where(t < src_len[:, None], src_len[:, None] - 1 - t, t)


def backward_states(rnn, x, lengths):
    """The right-to-left half of a bidirectional layer without packing: `rnn` (a batch-first nn.GRU / nn.LSTM)
    reads each row's first lengths[n] steps of x (N, T, D) backwards, padding after them, so no padding reaches a
    real step's state; returns its states (N, T, H) put back in reading order (position t: the state after
    reading steps lengths[n] - 1 down to t)."""
    rows = torch.arange(len(x), device=x.device)[:, None]
    flip = reverse_index(lengths, x.shape[1])  # a permutation of each row, its own inverse
    states, _ = rnn(x[rows, flip])
    return states[rows, flip]


def shift_right(tgt):
    """The decoder's teacher-forcing input: SOS followed by tgt without its last column, (N, Ty)."""
    return torch.cat([torch.full_like(tgt[:, :1], SOS), tgt[:, :-1]], dim=1)


def sequence_loss(logits, tgt):
    """Mean cross-entropy over the real target characters (PAD ignored): logits (N, Ty, V), tgt (N, Ty)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=PAD)


# ---- training and scoring ----------------------------------------------------------------------------


class Scores(NamedTuple):
    """Greedy-decoding scores: exact match (every character and the EOS right) and per-character accuracy."""

    exact: float
    per_token: float
    predictions: list  # the decoded strings


def _tensors(dataset, idx, device):
    """One batch, trimmed to its own longest input and target (shorter batches cost less)."""
    src_len = torch.from_numpy(dataset.src_len[idx])
    tgt = torch.from_numpy(dataset.tgt[idx])
    tgt_len = (tgt != PAD).sum(1)
    src = torch.from_numpy(dataset.src[idx][:, : int(src_len.max())])
    return src.to(device), src_len.to(device), tgt[:, : int(tgt_len.max())].to(device)


def length_batches(src_len, batch_size, rng):
    """Index batches of similar input lengths in random order: sort by length plus a little noise, cut, shuffle."""
    order = np.argsort(src_len + rng.uniform(0, 2, size=len(src_len)), kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def fit(model, train_set, valid_set, recipe, *, seed=0, progress=True):
    """Train `model` with teacher forcing on a `Seq2SeqSet`; returns a training.History.

    recipe: a training.Recipe (epochs, batch size, peak learning rate of Adam's one-cycle schedule,
    gradient clipping). Each epoch ends with the teacher-forced loss on `valid_set`. Training stops early
    if the loss becomes inf or NaN (history.diverged).
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    training.check_recipe(recipe)
    device = training.default_device()
    model.to(device)
    rng = np.random.default_rng(seed)
    n_batches = -(-len(train_set) // recipe.batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.max_lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, recipe.max_lr, total_steps=recipe.epochs * n_batches)
    history, start = training.History(), time.perf_counter()
    bar = tqdm(range(recipe.epochs), desc="epochs", disable=not progress)
    for _ in bar:
        model.train()
        total = 0.0
        for idx in length_batches(train_set.src_len, recipe.batch_size, rng):
            src, src_len, tgt = _tensors(train_set, idx, device)
            logits, _ = model(src, src_len, shift_right(tgt))
            loss = sequence_loss(logits, tgt)
            if not training.update(model, optimizer, loss, clip_norm=recipe.clip_norm, schedule=schedule,
                                   on_step=history.record_step):
                break
            total += history.loss[-1] * len(idx)
        if history.diverged:
            break
        history.train_loss.append(total / len(train_set))
        history.valid_loss.append(valid_loss(model, valid_set))
        history.valid_steps.append(len(history.loss))
        history.epochs += 1
        bar.set_postfix(train=f"{history.train_loss[-1]:.4f}", valid=f"{history.valid_loss[-1]:.4f}")
    history.seconds = time.perf_counter() - start
    return history


@torch.no_grad()
def valid_loss(model, dataset, batch_size=1024):
    """Teacher-forced cross-entropy over a whole set (mean over its real target characters)."""
    model.eval()
    device = training.model_device(model)
    total, count = 0.0, 0
    for i in range(0, len(dataset), batch_size):
        src, src_len, tgt = _tensors(dataset, np.arange(i, min(i + batch_size, len(dataset))), device)
        logits, _ = model(src, src_len, shift_right(tgt))
        n = int((tgt != PAD).sum())
        total, count = total + sequence_loss(logits, tgt).item() * n, count + n
    return total / count


@torch.no_grad()
def predict(model, dataset, batch_size=1024):
    """Greedy answers for a Seq2SeqSet: tokens (N, Ty) int64 numpy (PAD after EOS) and weights (N, Ty, Tx) or None."""
    model.eval()
    device = training.model_device(model)
    Ty, Tx = dataset.tgt.shape[1], dataset.src.shape[1]
    tokens, weights = [], []
    for i in range(0, len(dataset), batch_size):
        idx = np.arange(i, min(i + batch_size, len(dataset)))
        src, src_len = torch.from_numpy(dataset.src[idx]).to(device), torch.from_numpy(dataset.src_len[idx]).to(device)
        tok, w = model.greedy_decode(src, src_len, Ty)
        tokens.append(tok.cpu().numpy())
        weights.append(None if w is None else F.pad(w, (0, Tx - w.shape[2])).cpu().numpy())
    return np.concatenate(tokens), None if weights[0] is None else np.concatenate(weights)


def score(model, dataset, tgt_vocab, batch_size=1024):
    """Scores of greedy decoding on a Seq2SeqSet: exact match and per-character accuracy (EOS included)."""
    tokens, _ = predict(model, dataset, batch_size)
    real = dataset.tgt != PAD  # (N, Ty) the target's characters and its EOS
    right = (tokens == dataset.tgt) & real
    exact = float(np.mean(right.sum(1) == real.sum(1)))
    return Scores(exact, float(right.sum() / real.sum()), tgt_vocab.decode(tokens))


def translate(model, text, src_vocab, tgt_vocab, *, max_len=11):
    """The model's greedy answer to one input string and its attention weights (Ty, Tx): row i is where
    output character i looked. Ty counts the output characters (EOS included when it was written),
    Tx = len(text). Raises ValueError for an empty text, an unknown character or a model without attention."""
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    if model.config.attention is None:
        raise ValueError("the model has no attention (config.attention=None): nothing to show")
    max_len = positive_int("max_len", max_len)
    src, src_len = src_vocab.encode([text])  # raises for characters the model never saw
    device = training.model_device(model)
    with torch.no_grad():
        tokens, weights = model.greedy_decode(torch.from_numpy(src).to(device), torch.from_numpy(src_len).to(device),
                                              max_len)
    tokens, weights = tokens[0].cpu().numpy(), weights[0].cpu().numpy()
    ends = np.flatnonzero(tokens == EOS)
    Ty = int(ends[0]) + 1 if len(ends) else max_len
    return tgt_vocab.decode(tokens[None])[0], weights[:Ty, : len(text)]
