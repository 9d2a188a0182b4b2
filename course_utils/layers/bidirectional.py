"""A bidirectional wrapper around any of the course's recurrent layers (numpy, float64).

Shapes are batch-first: X is (N, T, D). A bidirectional layer runs two independent layers with
their own parameters over the same sequence: one forwards in time, one backwards (on the sequence
reversed in time). At every step t their states are concatenated:

    h->_t = layer_fwd(x_t, h->_{t-1})          left to right, t = 1 ... T
    h<-_t = layer_bwd(x_t, h<-_{t+1})          right to left, t = T ... 1
    out_t = [h->_t, h<-_t]                     (N, T, 2H): forward half first, like torch

So out_t depends on the whole sequence, past and future: allowed only when the whole sequence is
known before any output is needed (classifying or tagging a sentence), never for forecasting.

The wrapper knows nothing about the cell inside: pass `forward_fn` (rnn.rnn_forward,
lstm.lstm_forward, gru.gru_forward, or your own with the same contract) and keyword arguments
for it (activation=, form=). Initial states go per direction: states_fwd={"h0": ..., "c0": ...}.
torch.nn.RNN / LSTM / GRU with bidirectional=True compute exactly this; `params_from_torch`
splits such a module into our (params_fwd, params_bwd).

A documented exception to the layer contract: this is a wrapper, not a layer. It has no `init_params`
(it takes the two directions' params from the wrapped layer's own `init_params`), its `params_from_torch`
returns a pair, its forward takes the layer's forward function, and its backward returns nested
gradients {"X", "fwd", "bwd"}. tests/test_layer_contract.py lists it as such.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from course_utils.layers import gru, lstm, rnn
from course_utils.layers.common import as_array, is_torch_module

# Which backward pass undoes which forward pass.
BACKWARD_OF = {
    rnn.rnn_forward: rnn.rnn_backward,
    lstm.lstm_forward: lstm.lstm_backward,
    gru.gru_forward: gru.gru_backward,
}


class BidirectionalCache(NamedTuple):
    """The two directions' own caches, and which layer made them."""

    cache_fwd: object  # the forward layer's cache, in natural time order
    cache_bwd: object  # the backward layer's cache, for the time-reversed sequence
    H_fwd: int  # units of the forward layer: out[..., :H_fwd] is its half
    forward_fn: Callable


def _reversed_in_time(A):
    return np.ascontiguousarray(A[:, ::-1])


def bidirectional_forward(X, params_fwd, params_bwd, forward_fn, *, states_fwd=None, states_bwd=None, **kwargs):
    """Run `forward_fn` left to right with params_fwd and right to left with params_bwd.

    X: (N, T, D). states_fwd / states_bwd: dicts of initial states for each direction, e.g.
    {"h0": (N, H)} or {"h0": ..., "c0": ...}; the backward direction's initial state is its state
    *after* the last time step. kwargs go to both calls (activation="relu", form="textbook").
    Returns (out, cache) with out: (N, T, H_fwd + H_bwd), the two directions concatenated per step.
    """
    if not callable(forward_fn):
        raise ValueError(f"forward_fn must be a layer's forward function such as lstm.lstm_forward, got {forward_fn!r}")
    X = as_array("X", X, ("N", "T", "D"))
    for name, states in (("states_fwd", states_fwd), ("states_bwd", states_bwd)):
        if states is not None and not isinstance(states, dict):
            raise ValueError(f"{name} must be None or a dict like {{'h0': array}}, got {type(states).__name__}")
    out_fwd, cache_fwd = forward_fn(X, params_fwd, **(states_fwd or {}), **kwargs)  # (N, T, H_fwd)
    out_bwd, cache_bwd = forward_fn(_reversed_in_time(X), params_bwd, **(states_bwd or {}), **kwargs)
    # out_bwd[:, s] is the state after reading x_T ... x_{T-s}: flip it back so step t sits at t.
    out = np.concatenate([out_fwd, out_bwd[:, ::-1]], axis=2)  # (N, T, H_fwd + H_bwd)
    return out, BidirectionalCache(cache_fwd, cache_bwd, out_fwd.shape[2], forward_fn)


def bidirectional_backward(dout, cache, backward_fn=None):
    """Gradients of both directions given dout: (N, T, H_fwd + H_bwd), dL/dout.

    backward_fn: the layer's backward pass; found from the forward function for rnn, lstm and gru.
    Returns {"X": (N, T, D), "fwd": grads of the forward layer, "bwd": grads of the backward layer};
    each direction's dict is what its layer's backward returns (its "X" entry is for its own input,
    in its own time order; the top-level "X" is their sum in natural order).
    """
    if not isinstance(cache, BidirectionalCache):
        raise ValueError("cache must be the BidirectionalCache returned by bidirectional_forward, "
                         f"got {type(cache).__name__}")
    if backward_fn is None:
        if cache.forward_fn not in BACKWARD_OF:
            raise ValueError(f"backward_fn is needed: no known backward pass for {cache.forward_fn!r}")
        backward_fn = BACKWARD_OF[cache.forward_fn]
    N, T, _ = cache.cache_fwd.X.shape
    H_bwd = cache.cache_bwd.H.shape[2]
    dout = as_array("dout", dout, (("N", N), ("T", T), ("H_fwd+H_bwd", cache.H_fwd + H_bwd)))  # like the output
    grads_fwd = backward_fn(dout[:, :, : cache.H_fwd], cache.cache_fwd)
    grads_bwd = backward_fn(_reversed_in_time(dout[:, :, cache.H_fwd :]), cache.cache_bwd)
    # Each x_t feeds both directions: its gradient is the sum (the backward one flipped back).
    return {"X": grads_fwd["X"] + grads_bwd["X"][:, ::-1], "fwd": grads_fwd, "bwd": grads_bwd}


def params_from_torch(module):
    """Split a one-layer bidirectional torch.nn.RNN / LSTM / GRU (batch_first=True) into (params_fwd, params_bwd).

    torch keeps the backward direction's weights under the same names with the suffix "_reverse"
    (weight_ih_l0_reverse, ...). Each direction is copied into a one-directional twin module and
    read by that layer's own params_from_torch, so the two can never disagree.
    """
    loaders = {"LSTM": lstm.params_from_torch, "GRU": gru.params_from_torch, "RNN": rnn.params_from_torch}
    kind = type(module)
    if kind.__name__ not in loaders or not is_torch_module(module, kind.__name__):
        raise ValueError(f"module must be a torch.nn.RNN, LSTM or GRU, got {kind.__name__}")
    if module.num_layers != 1 or not module.bidirectional or not module.batch_first:
        raise ValueError(
            f"module must be nn.{kind.__name__}(num_layers=1, bidirectional=True, batch_first=True), got "
            f"num_layers={module.num_layers}, bidirectional={module.bidirectional}, batch_first={module.batch_first}"
        )
    extra = {"nonlinearity": module.nonlinearity} if kind.__name__ == "RNN" else {}
    if kind.__name__ == "LSTM" and module.proj_size:
        raise ValueError(f"module must have proj_size=0, got {module.proj_size}")
    state = module.state_dict()
    result = []
    for suffix in ("", "_reverse"):
        twin = kind(module.input_size, module.hidden_size, batch_first=True, bias=module.bias, **extra)
        twin = twin.to(module.weight_ih_l0.dtype)  # keep float64 weights float64
        twin.load_state_dict({name: state[name + suffix] for name in twin.state_dict()})
        result.append(loaders[kind.__name__](twin))
    return tuple(result)
