"""minGRU in torch, trained with a parallel scan, and a character model built on it (chapter 09).

The layer computes what `layers.mingru` computes (its numpy twin, the reference of the tests):

    z_t = sigma(x_t @ W_z + b_z),  h_tilde_t = x_t @ W_h + b_h
    h_t = (1 - z_t) * h_{t-1} + z_t * h_tilde_t  =  a_t * h_{t-1} + b_t

`scan(a, b, h0)` solves h_t = a_t * h_{t-1} + b_t in ceil(log2 T) sweeps of the associative
operator (a, b) o (a', b') = (a a', a' b + b'), the same Hillis-Steele sweeps as
`layers.linear_recurrence.linear_recurrence_scan`; its backward pass is the same scan run backwards
in time (a `torch.autograd.Function`), which keeps one state tensor instead of one per sweep.
`loop(a, b, h0)` is the step-by-step version, for timing and for the tests.

Why not the log-space form of the paper? The shortcut that it repairs writes h_t as
A_t * (h0 + sum_{s<=t} b_s / A_s) with A_t = a_1 ... a_t, two cumulative operations; but A_t
shrinks geometrically, so 1 / A_s overflows (float32: 0.9 ** 1000 is below its smallest
number) and long sequences give inf and NaN. The paper computes that sum in log space
(logcumsumexp), which needs positive b_t (its candidate goes through a positive function g).
The sweeps here never divide, only multiply numbers in [0, 1] and add, so they are stable for any
T and any sign of h_tilde, at the price of log2 T passes over the sequence instead of two.
`cumsum_form(a, b)` is that fragile shortcut, kept so the notebook can show it failing.
"""

import torch
from torch import nn

from course_utils._checks import positive_int
from course_utils.models.char_model import check_char_vocab


def _sweeps(a, b):
    """Hillis-Steele sweeps on copies of a, b (N, T, H) without autograd; returns every state (h0 already folded)."""
    A, B = a.clone(), b.clone()
    T, offset = a.shape[1], 1
    while offset < T:
        # entry t <- (entry t - offset) o (entry t) = (A_{t-o} A_t, A_t B_{t-o} + B_t); right sides first
        B[:, offset:] = torch.addcmul(B[:, offset:], A[:, offset:], B[:, :-offset])
        A[:, offset:] = A[:, offset:] * A[:, :-offset]
        offset *= 2
    return B


class _Scan(torch.autograd.Function):
    """The scan forward, and its backward as the same scan run backwards in time (see layers.linear_recurrence).

    Autograd through the sweeps themselves would store log2 T intermediate tensors; this stores only a and h.
    """

    @staticmethod
    def forward(ctx, a, b, h0):
        b = torch.cat([b[:, :1] + a[:, :1] * h0[:, None], b[:, 1:]], dim=1)  # fold h0 into the first step
        h = _sweeps(a, b)
        ctx.save_for_backward(a, h, h0)
        return h

    @staticmethod
    def backward(ctx, dout):
        a, h, h0 = ctx.saved_tensors
        # g_t = dout_t + a_{t+1} g_{t+1}: a linear recurrence in reversed time
        a_next = torch.cat([a[:, 1:], torch.zeros_like(a[:, :1])], dim=1).flip(1)
        g = _sweeps(a_next, dout.flip(1)).flip(1)  # (N, T, H)
        h_prev = torch.cat([h0[:, None], h[:, :-1]], dim=1)
        return g * h_prev, g, a[:, 0] * g[:, 0]


def scan(a, b, h0=None):
    """All states of h_t = a_t * h_{t-1} + b_t by Hillis-Steele sweeps. a, b: (N, T, H); h0: (N, H) or None.

    Returns (N, T, H), differentiable in a, b and h0 (the backward is the reversed scan).
    """
    if h0 is None:
        h0 = torch.zeros_like(a[:, 0])
    return _Scan.apply(a, b, h0)


def loop(a, b, h0=None):
    """The same states one step after another (T dependent steps). a, b: (N, T, H) -> (N, T, H)."""
    h = torch.zeros_like(a[:, 0]) if h0 is None else h0
    out = []
    # unbind once: indexing a[:, t] inside the loop would make every step's backward build a full (N, T, H) zero
    # tensor, an O(T^2) cost that is the indexing's, not the recurrence's
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, dim=1)


def cumsum_form(a, b):
    """h_t = A_t * cumsum(b_s / A_s), A_t = cumprod(a): exact on paper, inf/NaN once A_t underflows (see above)."""
    A = torch.cumprod(a, dim=1)
    return A * torch.cumsum(b / A, dim=1)


class MinGRU(nn.Module):
    """One minGRU layer: forward(x (N, T, D), h0 (N, H) or None) -> (out (N, T, H), h_T (N, H)).

    parallel=True runs the scan, False the loop (same numbers). Weights: `to_z` and `to_h`, two
    nn.Linear(D, H) (torch's default init); `layers.mingru.params_from_torch` reads them.
    """

    def __init__(self, D, H, *, parallel=True):
        super().__init__()
        positive_int("D", D)
        positive_int("H", H)
        self.D, self.H, self.parallel = D, H, parallel
        self.to_z, self.to_h = nn.Linear(D, H), nn.Linear(D, H)

    def forward(self, x, h0=None):
        z = torch.sigmoid(self.to_z(x))  # (N, T, H), every step at once: the gate never sees h_{t-1}
        h_tilde = self.to_h(x)  # (N, T, H)
        out = (scan if self.parallel else loop)(1 - z, z * h_tilde, h0)
        return out, out[:, -1]


class MinGRUCharModel(nn.Module):
    """Chapter 08's character model with minGRU layers: embedding (V, E) -> n_layers x minGRU(H) -> linear to V.

    forward(x (N, T) int64, state=None) -> (logits (N, T, V), state); the state is the tuple of every
    layer's last h, carried across windows like the LSTM's, so `char_model.fit`, `evaluate_bpc` and
    `generate` take this model as they take a `CharModel`. Between layers: a residual connection and a
    LayerNorm, because a minGRU's state never passes through a squashing function.
    """

    def __init__(self, vocab, H=256, *, n_layers=2, embed_dim=32, parallel=True):
        super().__init__()
        check_char_vocab(vocab)
        positive_int("H", H)
        positive_int("n_layers", n_layers)
        positive_int("embed_dim", embed_dim)
        self.vocab, self.H, self.n_layers, self.embed_dim = vocab, H, n_layers, embed_dim
        self.embed = nn.Embedding(vocab.V, embed_dim)
        self.inp = nn.Linear(embed_dim, H)
        self.layers = nn.ModuleList(MinGRU(H, H, parallel=parallel) for _ in range(n_layers))
        self.norms = nn.ModuleList(nn.LayerNorm(H) for _ in range(n_layers))
        self.head = nn.Linear(H, vocab.V)

    @property
    def parallel(self):
        """Whether the layers run the scan (True) or the loop (False); settable."""
        return self.layers[0].parallel

    @parallel.setter
    def parallel(self, value):
        for layer in self.layers:
            layer.parallel = bool(value)

    def forward(self, x, state=None):
        u = self.inp(self.embed(x))  # (N, T, H)
        last = []
        for j, (layer, norm) in enumerate(zip(self.layers, self.norms)):
            out, h = layer(norm(u), None if state is None else state[j])
            u = u + out  # residual: each layer adds what it read
            last.append(h)
        return self.head(u), tuple(last)

    def config(self):
        return {"chars": self.vocab.chars, "H": self.H, "n_layers": self.n_layers, "embed_dim": self.embed_dim}
