"""A recurrent layer in numpy (float64), the reference students read and re-implement.

Shapes are batch-first: X is (N, T, D) -- N sequences, T time steps, D features -- and the layer
has H hidden units. Row-vector convention, as on the slides:

    h_t = phi(x_t @ W_xh + h_{t-1} @ W_hh + b_h)        phi = tanh or relu

with W_xh (D, H), W_hh (H, H), b_h (H,), and h_0 = zeros unless `h0=` is given.

torch.nn.RNN computes the same thing with two bias vectors, b_ih and b_hh; they always appear
as a sum, so `params_from_torch` stores b_h = b_ih + b_hh. Its weights are stored transposed
(weight_ih_l0 is (H, D)), because torch multiplies column vectors: W_xh = weight_ih_l0.T.
"""

from typing import NamedTuple

import numpy as np

ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
}


class StepCache(NamedTuple):
    """What one step remembers for the backward pass."""

    x: np.ndarray  # (N, D)   input at this step
    h_prev: np.ndarray  # (N, H)   state before the step
    h: np.ndarray  # (N, H)   state after the step
    activation: str


class RNNCache(NamedTuple):
    """What a whole forward pass remembers: its inputs and every state it visited."""

    X: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    H: np.ndarray  # (N, T, H)  h_1 ... h_T
    params: dict
    activation: str


def init_params(D, H, *, seed):
    """Random parameters for a layer with D inputs and H units.

    Weights are drawn like torch's default, U(-1/sqrt(H), 1/sqrt(H)); the bias starts at zero.
    Returns {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)} in float64.
    """
    for name, value in (("D", D), ("H", H)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(H)
    return {
        "W_xh": rng.uniform(-bound, bound, size=(D, H)),
        "W_hh": rng.uniform(-bound, bound, size=(H, H)),
        "b_h": np.zeros(H),
    }


def params_from_torch(module):
    """Copy the weights of a one-layer `torch.nn.RNN` into our row-vector parameters (float64).

    W_xh = weight_ih_l0.T, W_hh = weight_hh_l0.T, b_h = bias_ih_l0 + bias_hh_l0 (zero without bias).
    """
    import torch

    if not isinstance(module, torch.nn.RNN):
        raise ValueError(f"module must be a torch.nn.RNN, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or not module.batch_first:
        raise ValueError(
            "module must be nn.RNN(num_layers=1, bidirectional=False, batch_first=True), got "
            f"num_layers={module.num_layers}, bidirectional={module.bidirectional}, "
            f"batch_first={module.batch_first}"
        )

    def to_numpy(t):
        return t.detach().cpu().to(torch.float64).numpy().copy()

    W_ih, W_hh = to_numpy(module.weight_ih_l0), to_numpy(module.weight_hh_l0)  # (H, D), (H, H)
    b_h = np.zeros(W_hh.shape[0])
    if module.bias:
        b_h = to_numpy(module.bias_ih_l0) + to_numpy(module.bias_hh_l0)
    return {"W_xh": W_ih.T, "W_hh": W_hh.T, "b_h": b_h}


def _check_params(params):
    """Return (D, H) after checking that the three arrays fit together."""
    missing = [k for k in ("W_xh", "W_hh", "b_h") if k not in params]
    if missing:
        raise ValueError(f"params must have keys W_xh, W_hh, b_h; missing {missing}")
    W_xh, W_hh, b_h = (np.shape(params[k]) for k in ("W_xh", "W_hh", "b_h"))
    if len(W_xh) != 2:
        raise ValueError(f"W_xh must have shape (D, H), got {W_xh}")
    D, H = W_xh
    if W_hh != (H, H):
        raise ValueError(f"W_hh must have shape (H, H)=({H}, {H}) to match W_xh {W_xh}, got {W_hh}")
    if b_h != (H,):
        raise ValueError(f"b_h must have shape (H,)=({H},) to match W_xh {W_xh}, got {b_h}")
    return D, H


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def rnn_step_forward(x, h_prev, params, *, activation="tanh"):
    """One time step for a mini-batch: h = phi(x @ W_xh + h_prev @ W_hh + b_h).

    x: (N, D), h_prev: (N, H). Returns (h, cache) with h: (N, H).
    """
    D, H = _check_params(params)
    _check_activation(activation)
    x, h_prev = np.asarray(x, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != D:
        raise ValueError(f"x must have shape (N, D={D}), got {x.shape}")
    if h_prev.shape != (x.shape[0], H):
        raise ValueError(f"h_prev must have shape (N={x.shape[0]}, H={H}), got {h_prev.shape}")
    a = x @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]  # (N, H)
    h = ACTIVATIONS[activation](a)
    return h, StepCache(x, h_prev, h, activation)


def rnn_forward(X, params, *, h0=None, activation="tanh"):
    """Run the layer over whole sequences.

    X: (N, T, D); h0: (N, H) or None for zeros. Returns (H_all, cache) with H_all: (N, T, H),
    the state after every step -- the same tensor torch.nn.RNN returns as its output.
    """
    D, H = _check_params(params)
    _check_activation(activation)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or X.shape[2] != D:
        raise ValueError(f"X must have shape (N, T, D={D}), got {X.shape}")
    N, T, _ = X.shape
    if h0 is None:
        h0 = np.zeros((N, H))
    h0 = np.asarray(h0, dtype=np.float64)
    if h0.shape != (N, H):
        raise ValueError(f"h0 must have shape (N={N}, H={H}), got {h0.shape}")

    phi = ACTIVATIONS[activation]
    # The input term does not depend on the state: compute it for all steps in one product.
    XW = X @ params["W_xh"] + params["b_h"]  # (N, T, H)
    H_all = np.empty((N, T, H))
    h = h0
    for t in range(T):
        h = phi(XW[:, t] + h @ params["W_hh"])  # (N, H)
        H_all[:, t] = h
    return H_all, RNNCache(X, h0, H_all, params, activation)
