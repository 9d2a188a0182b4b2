"""A small causal transformer for chapter 08's characters (chapter 09): what replaced the RNN, at our scale.

    ids (N, T) --embedding (V, E) + sinusoidal positions--> (N, T, E)
               --n_layers x [x + attention(LN(x)); x + feed_forward(LN(x))]--> LN --linear--> logits (N, T, V)

The attention is chapter 07's multi-head attention (`nn.MultiheadAttention`, whose numpy twin is
`layers.multihead`), causal: position t attends to positions <= t of its window. The feed-forward
block is Linear(E, 4E) -> GELU -> Linear(4E, E). Positions are sinusoidal (no parameters, defined
for any position), so generation may run past the training window; the quality there is not
what training measured.

The state is the key/value cache: forward(x, state) returns, per layer, the keys and values of
every position read so far, and a later call attends to them instead of recomputing them. That is
how `char_model.generate` writes with it, and why its cost per character grows with the text
while an RNN's stays fixed. In training and scoring the cache is not carried from one window to
the next (`carries_state = False`): each window is its own context, as in every GPT-style model.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from course_utils._checks import positive_int
from course_utils.models.char_model import check_char_vocab


def sinusoidal_positions(start, T, E, *, device=None):
    """(T, E) position codes for positions start .. start + T - 1: sin and cos at geometric frequencies."""
    pos = torch.arange(start, start + T, device=device, dtype=torch.float32)[:, None]  # (T, 1)
    freq = torch.exp(-math.log(10_000.0) * torch.arange(0, E, 2, device=device, dtype=torch.float32) / E)
    angles = pos * freq  # (T, E/2)
    return torch.stack([angles.sin(), angles.cos()], dim=-1).reshape(T, E)


def self_attention(attn, x, cache=None):
    """Causal self-attention with `attn`'s (an nn.MultiheadAttention) weights, reading and extending a cache.

    x: (N, T, E); cache: (K, V) of earlier positions, each (N, heads, t0, E/heads), or None.
    Returns (out (N, T, E), (K, V) for all t0 + T positions).
    """
    N, T, E = x.shape
    h = attn.num_heads
    q, k, v = F.linear(x, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)  # (N, T, E) each
    q, k, v = (u.reshape(N, T, h, E // h).transpose(1, 2) for u in (q, k, v))  # (N, h, T, E/h)
    if cache is not None:
        k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
    t0 = k.shape[2] - T
    if T == 1:
        mask = None  # one new position may read everything before it
    else:  # query i (position t0 + i) may read keys j <= t0 + i: True = attend
        mask = torch.ones(T, t0 + T, dtype=torch.bool, device=x.device).tril(diagonal=t0)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (N, h, T, E/h)
    return attn.out_proj(out.transpose(1, 2).reshape(N, T, E)), (k, v)


class Block(nn.Module):
    """x + attention(LN(x)), then x + feed_forward(LN(x)) (pre-norm). forward(x, cache) -> (x, cache)."""

    def __init__(self, E, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(E), nn.LayerNorm(E)
        self.attn = nn.MultiheadAttention(E, heads, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(E, 4 * E), nn.GELU(), nn.Linear(4 * E, E))

    def forward(self, x, cache=None):
        a, cache = self_attention(self.attn, self.ln1(x), cache)
        x = x + a
        return x + self.ff(self.ln2(x)), cache


class TransformerCharModel(nn.Module):
    """forward(x (N, T) int64, state=None) -> (logits (N, T, V), state): state is the key/value cache.

    E: the embedding width (split over `heads`), n_layers blocks. A drop-in for `char_model.CharModel` in
    `char_model.fit`, `evaluate_bpc` and `generate`.
    """

    carries_state = False  # training and scoring start every window from an empty cache

    def __init__(self, vocab, E=128, *, n_layers=2, heads=4):
        super().__init__()
        check_char_vocab(vocab)
        positive_int("E", E)
        positive_int("n_layers", n_layers)
        positive_int("heads", heads)
        if E % heads or (E // heads) % 2:
            raise ValueError(f"E must split into `heads` equal even parts, got E={E}, heads={heads}")
        self.vocab, self.E, self.n_layers, self.heads = vocab, E, n_layers, heads
        self.embed = nn.Embedding(vocab.V, E)
        self.blocks = nn.ModuleList(Block(E, heads) for _ in range(n_layers))
        self.ln = nn.LayerNorm(E)
        self.head = nn.Linear(E, vocab.V)

    def forward(self, x, state=None):
        t0 = 0 if state is None else state[0][0].shape[2]  # positions already in the cache
        u = self.embed(x) + sinusoidal_positions(t0, x.shape[1], self.E, device=x.device)  # (N, T, E)
        caches = []
        for j, block in enumerate(self.blocks):
            u, cache = block(u, None if state is None else state[j])
            caches.append(cache)
        return self.head(self.ln(u)), tuple(caches)

    def config(self):
        return {"chars": self.vocab.chars, "E": self.E, "n_layers": self.n_layers, "heads": self.heads}
