"""A recurrent layer in numpy (float64), the reference students read and re-implement.

Shapes are batch-first: X is (N, T, D) -- N sequences, T time steps, D features -- and the layer
has H hidden units. Row-vector convention, as on the slides:

    h_t = phi(x_t @ W_xh + h_{t-1} @ W_hh + b_h)        phi = tanh or relu

with W_xh (D, H), W_hh (H, H), b_h (H,), and h_0 = zeros unless `h0=` is given.

torch.nn.RNN computes the same thing with two bias vectors, b_ih and b_hh; they always appear
as a sum, so `params_from_torch` stores b_h = b_ih + b_hh. Its weights are stored transposed
(weight_ih_l0 is (H, D)), because torch multiplies column vectors: W_xh = weight_ih_l0.T.

Backward (chapter 02): `rnn_step_backward` undoes one step; `rnn_backward` runs backpropagation
through time over the whole sequence, optionally truncated to a horizon of k steps. Gradients are
returned in dicts keyed by the name of what they are the gradient of, with the same shapes.

The checks of states and gradients that all recurrent layers share live in `common`.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int
from course_utils.layers.common import (
    as_array,
    as_output_gradient,
    as_state,
    check_single_layer,
    gate_param_shapes,
    to_numpy,
)

ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
}

# phi'(a), written with the output h = phi(a) -- the forward pass keeps h, so a is not needed.
DERIVATIVES = {
    "tanh": lambda h: 1.0 - h**2,
    "relu": lambda h: (h > 0).astype(np.float64),  # 0 at a = 0, like torch
}


class RNNStepCache(NamedTuple):
    """What one step remembers for the backward pass."""

    x: np.ndarray  # (N, D)   input at this step
    h_prev: np.ndarray  # (N, H)   state before the step
    h: np.ndarray  # (N, H)   state after the step
    activation: str
    params: dict  # W_xh, W_hh, b_h: the backward step needs the weights


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
    D, H = positive_int("D", D), positive_int("H", H)
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
    check_single_layer(module, "RNN")

    W_ih, W_hh = to_numpy(module.weight_ih_l0), to_numpy(module.weight_hh_l0)  # (H, D), (H, H)
    b_h = np.zeros(W_hh.shape[0])
    if module.bias:
        b_h = to_numpy(module.bias_ih_l0) + to_numpy(module.bias_hh_l0)
    return {"W_xh": W_ih.T, "W_hh": W_hh.T, "b_h": b_h}


def _check_params(params):
    """Return (D, H) after checking that the three arrays fit together."""
    return gate_param_shapes(params, ("W_xh", "W_hh", "b_h"))


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def rnn_step_forward(x, h_prev, params, *, activation="tanh"):
    """One time step for a mini-batch: h = phi(x @ W_xh + h_prev @ W_hh + b_h).

    x: (N, D), h_prev: (N, H). Returns (h, cache) with h: (N, H).
    """
    D, H = _check_params(params)
    _check_activation(activation)
    x = as_array("x", x, ("N", ("D", D)))
    h_prev = as_array("h_prev", h_prev, (("N", x.shape[0]), ("H", H)))
    a = x @ params["W_xh"] + h_prev @ params["W_hh"] + params["b_h"]  # (N, H)
    h = ACTIVATIONS[activation](a)
    return h, RNNStepCache(x, h_prev, h, activation, params)


def rnn_forward(X, params, *, h0=None, activation="tanh"):
    """Run the layer over whole sequences.

    X: (N, T, D); h0: (N, H) or None for zeros. Returns (H_all, cache) with H_all: (N, T, H),
    the state after every step -- the same tensor torch.nn.RNN returns as its output.
    """
    D, H = _check_params(params)
    _check_activation(activation)
    X = as_array("X", X, ("N", "T", ("D", D)))
    N, T, _ = X.shape
    h0 = as_state(h0, "h0", N, H)

    phi = ACTIVATIONS[activation]
    # The input term does not depend on the state: compute it for all steps in one product.
    XW = X @ params["W_xh"] + params["b_h"]  # (N, T, H)
    H_all = np.empty((N, T, H))
    h = h0
    for t in range(T):
        h = phi(XW[:, t] + h @ params["W_hh"])  # (N, H)
        H_all[:, t] = h
    return H_all, RNNCache(X, h0, H_all, params, activation)


# ---------------------------------------------------------------- backward (chapter 02)


def rnn_step_backward(dh, cache):
    """Gradients of one step h = phi(x @ W_xh + h_prev @ W_hh + b_h), given dL/dh.

    dh: (N, H), the gradient of the loss with respect to this step's output h.
    cache: the RNNStepCache returned by rnn_step_forward.
    Returns {"x": (N, D), "h_prev": (N, H), "W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}.
    """
    if not isinstance(cache, RNNStepCache):
        raise ValueError(f"cache must be the RNNStepCache returned by rnn_step_forward, got {type(cache).__name__}")
    dh = as_array("dh", dh, tuple(zip("NH", cache.h.shape)))  # (N, H) like the step's output h
    # a = x @ W_xh + h_prev @ W_hh + b_h  and  h = phi(a)  =>  dL/da = dL/dh * phi'(a)
    da = dh * DERIVATIVES[cache.activation](cache.h)  # (N, H)
    return {
        "x": da @ cache.params["W_xh"].T,  # (N, H) @ (H, D) -> (N, D)
        "h_prev": da @ cache.params["W_hh"].T,  # (N, H) @ (H, H) -> (N, H)
        "W_xh": cache.x.T @ da,  # (D, N) @ (N, H) -> (D, H), summed over the batch
        "W_hh": cache.h_prev.T @ da,  # (H, N) @ (N, H) -> (H, H)
        "b_h": da.sum(axis=0),  # (H,)
    }


def _check_truncate(truncate):
    """None (full BPTT) or a non-negative int k."""
    if truncate is not None:
        positive_int("truncate", truncate, minimum=0)


def rnn_backward(dout, cache, *, truncate=None):
    """Backpropagation through time for the whole sequence.

    dout: (N, T, H), dL/dH_all -- the gradient of the loss with respect to every state the forward
    pass returned. Put zeros at steps whose output the loss ignores (a sequence-to-vector loss has
    non-zero dout only at the last step). cache: the RNNCache returned by rnn_forward.
    Returns {"X": (N, T, D), "h0": (N, H), "W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}.

    Full BPTT (truncate=None). Going backwards in time, the gradient reaching h_t has two sources:
    the loss at step t (dout[:, t]) and the future, through h_{t+1}:

        dh_t    = dout_t + da_{t+1} @ W_hh.T
        da_t    = dh_t * phi'(a_t)
        dW_hh   = sum over t of h_{t-1}.T @ da_t        (the same weights are used at every step,
        dW_xh   = sum over t of x_t.T @ da_t             so their gradient is a sum over steps)

    Truncated BPTT (truncate=k). The loss at step t sends its gradient back through at most k
    recurrent transitions: h_{t-k-1} is treated as a constant for that loss. So the loss at t
    still reaches the weights used at steps t, t-1, ..., t-k and the inputs x_t ... x_{t-k}, but
    nothing earlier; k=0 lets no gradient into h_{t-1} at all, and h0 gets gradient only from the
    losses at steps t <= k (counting steps from 1).
    Each loss has its own horizon, so one running gradient is not enough. The backward sweep keeps
    k + 1 "age buckets": bucket j holds the gradient at h_t that came from the loss j steps later
    (at step t + j). Every step, all buckets feed the weight gradients, then each moves one
    transition further back and ages by one; bucket k has used up its horizon and is dropped.
    This equals running a separate backward pass for every loss with h_{t-k-1} detached, at a
    cost of about k + 1 times that of full BPTT.
    """
    if not isinstance(cache, RNNCache):
        raise ValueError(f"cache must be the RNNCache returned by rnn_forward, got {type(cache).__name__}")
    _check_truncate(truncate)
    X, h0, H_all, params = cache.X, cache.h0, cache.H, cache.params
    N, T, H = H_all.shape
    dout = as_output_gradient(dout, N, T, H)

    W_hh = params["W_hh"]
    dphi = DERIVATIVES[cache.activation](H_all)  # (N, T, H), phi'(a_t) for every step
    dA = np.empty((N, T, H))  # dL/da_t for every step: all the weight gradients need

    if truncate is None:
        dh_next = np.zeros((N, H))  # gradient arriving at h_t from the future
        for t in reversed(range(T)):
            dh = dout[:, t] + dh_next  # (N, H)
            dA[:, t] = dh * dphi[:, t]
            dh_next = dA[:, t] @ W_hh.T  # (N, H), now at h_{t-1}
        dh0 = dh_next
    else:
        k = min(truncate, T)  # a horizon longer than the sequence is full BPTT
        carried = np.zeros((k, N, H))  # carried[j] = gradient at h_t from the loss at step t + 1 + j
        for t in reversed(range(T)):
            buckets = np.concatenate([dout[None, :, t], carried])  # (k+1, N, H), bucket j from step t + j
            da = buckets * dphi[:, t]  # (k+1, N, H)
            dA[:, t] = da.sum(axis=0)
            carried = da[:k] @ W_hh.T  # (k, N, H): one transition back; bucket k is dropped
        dh0 = carried.sum(axis=0)  # losses at steps 1..k still reach h0

    H_prev = np.concatenate([h0[:, None], H_all[:, :-1]], axis=1)  # (N, T, H): h_{t-1} for every t
    # Sums over the batch and over time, each in one matrix product.
    dA_rows = dA.reshape(N * T, H)
    return {
        "X": dA @ params["W_xh"].T,  # (N, T, H) @ (H, D) -> (N, T, D)
        "h0": dh0,  # (N, H)
        "W_xh": X.reshape(N * T, -1).T @ dA_rows,  # (D, N*T) @ (N*T, H) -> (D, H)
        "W_hh": H_prev.reshape(N * T, H).T @ dA_rows,  # (H, H)
        "b_h": dA_rows.sum(axis=0),  # (H,)
    }
