"""The LSTM layer in numpy (float64): gates, forward and backward, equal to torch.nn.LSTM.

Shapes are batch-first: X is (N, T, D) -- N sequences, T time steps, D features -- and the layer
has H units. Its state is a pair: h, the short-term state that is also the output, and c, the
long-term cell state. Row-vector convention, as on the slides (sigma is the logistic sigmoid,
* is the element-wise product):

    f_t = sigma(x_t @ W_xf + h_{t-1} @ W_hf + b_f)     forget gate: how much of c_{t-1} to keep
    i_t = sigma(x_t @ W_xi + h_{t-1} @ W_hi + b_i)     input gate: how much of g_t to write
    g_t =  tanh(x_t @ W_xg + h_{t-1} @ W_hg + b_g)     candidate (the slides' tilde C)
    o_t = sigma(x_t @ W_xo + h_{t-1} @ W_ho + b_o)     output gate: how much of the cell to show
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)

Parameters are stored one per gate under the slides' names -- W_x{f,i,g,o} (D, H),
W_h{f,i,g,o} (H, H), b_{f,i,g,o} (H,) -- so every symbol on a slide is a key in the dict. For
speed the code stacks them into one (D, 4H) and one (H, 4H) matrix, gates in the order f, i, g, o.

Peephole variant (Gers & Schmidhuber): when params also hold the vectors w_cf, w_ci, w_co (H,),
the gates look at the cell state too -- f and i see c_{t-1}, o sees the new c_t:

    f_t = sigma(... + c_{t-1} * w_cf)    i_t = sigma(... + c_{t-1} * w_ci)    o_t = sigma(... + c_t * w_co)

The peephole weights are vectors (one weight per unit, "diagonal" peepholes), not full matrices.
torch has no peephole LSTM, so that variant is checked against finite differences instead.

torch.nn.LSTM stores the four gates stacked in the rows of weight_ih_l0 (4H, D) in the order
i, f, g, o, transposed (it multiplies column vectors), with two bias vectors that always appear
as a sum: `params_from_torch` un-stacks, transposes and stores b = b_ih + b_hh.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int, shape_text
from course_utils.layers.common import (
    as_array,
    as_output_gradient,
    as_state,
    check_single_layer,
    gate_param_shapes,
    sigmoid,
    to_numpy,
)

GATES = ("f", "i", "g", "o")  # our stacking order inside the (., 4H) matrices
TORCH_GATES = ("i", "f", "g", "o")  # the order of the row blocks in torch's weight_ih_l0
PEEPHOLES = ("w_cf", "w_ci", "w_co")


def param_names(*, peephole=False):
    """The keys of an LSTM's params dict, in a fixed order."""
    names = [f"W_x{k}" for k in GATES] + [f"W_h{k}" for k in GATES] + [f"b_{k}" for k in GATES]
    return names + list(PEEPHOLES) if peephole else names


class LSTMStepCache(NamedTuple):
    """What one step remembers for the backward pass."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    c_prev: np.ndarray  # (N, H)
    f: np.ndarray  # (N, H)  gate values after their sigmoid / tanh
    i: np.ndarray  # (N, H)
    g: np.ndarray  # (N, H)
    o: np.ndarray  # (N, H)
    c: np.ndarray  # (N, H)  new cell state
    h: np.ndarray  # (N, H)  new output
    params: dict


class LSTMCache(NamedTuple):
    """What a whole forward pass remembers: inputs, initial states and every step's gates."""

    X: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    c0: np.ndarray  # (N, H)
    H: np.ndarray  # (N, T, H)  h_1 ... h_T, the layer's output
    C: np.ndarray  # (N, T, H)  c_1 ... c_T
    gates: np.ndarray  # (N, T, 4H)  f, i, g, o of every step, stacked
    params: dict
    peephole: bool


def init_params(D, H, *, seed, peephole=False):
    """Random parameters for an LSTM with D inputs and H units (float64).

    Weights are drawn like torch's default, U(-1/sqrt(H), 1/sqrt(H)). Biases start at zero except
    the forget gate's, b_f = 1: the cell starts out remembering, which helps long dependencies.
    With peephole=True the vectors w_cf, w_ci, w_co are added, starting at zero (a plain LSTM).
    """
    D, H = positive_int("D", D), positive_int("H", H)
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(H)
    params = {}
    for k in GATES:
        params[f"W_x{k}"] = rng.uniform(-bound, bound, size=(D, H))
    for k in GATES:
        params[f"W_h{k}"] = rng.uniform(-bound, bound, size=(H, H))
    for k in GATES:
        params[f"b_{k}"] = np.ones(H) if k == "f" else np.zeros(H)
    if peephole:
        params.update({name: np.zeros(H) for name in PEEPHOLES})
    return params


def params_from_torch(module):
    """Copy the weights of a one-layer `torch.nn.LSTM(batch_first=True)` into our parameters.

    torch's weight_ih_l0 is (4H, D): row blocks i, f, g, o. So W_xi = weight_ih_l0[0:H].T,
    W_xf = weight_ih_l0[H:2H].T, ...; the same for weight_hh_l0; b_k = bias_ih_l0[k] + bias_hh_l0[k].
    """
    check_single_layer(module, "LSTM")

    H = module.hidden_size
    W_ih, W_hh = to_numpy(module.weight_ih_l0), to_numpy(module.weight_hh_l0)  # (4H, D), (4H, H)
    b = to_numpy(module.bias_ih_l0) + to_numpy(module.bias_hh_l0) if module.bias else np.zeros(4 * H)
    params = {}
    for j, k in enumerate(TORCH_GATES):
        rows = slice(j * H, (j + 1) * H)
        params[f"W_x{k}"] = W_ih[rows].T.copy()
        params[f"W_h{k}"] = W_hh[rows].T.copy()
        params[f"b_{k}"] = b[rows].copy()
    return {name: params[name] for name in param_names()}


def _check_params(params):
    """Return (D, H, peephole) after checking that all arrays fit together."""
    has = [name in params for name in PEEPHOLES]
    if any(has) and not all(has):
        raise ValueError(f"a peephole LSTM needs all of {list(PEEPHOLES)}; got only "
                         f"{[n for n, h in zip(PEEPHOLES, has) if h]}")
    peephole = all(has)
    D, H = gate_param_shapes(params, param_names(peephole=peephole))  # W_xf first
    return D, H, peephole


def _stacked(params):
    """W_x (D, 4H), W_h (H, 4H), b (4H,): the four gates side by side in the order f, i, g, o."""
    W_x = np.concatenate([params[f"W_x{k}"] for k in GATES], axis=1)
    W_h = np.concatenate([params[f"W_h{k}"] for k in GATES], axis=1)
    b = np.concatenate([params[f"b_{k}"] for k in GATES])
    return W_x, W_h, b


def _step(a, c_prev, params, peephole):
    """From the pre-activations a = x @ W_x + h_prev @ W_h + b (N, 4H) to (f, i, g, o, c, h)."""
    H = c_prev.shape[1]
    a_f, a_i, a_g, a_o = (a[:, j * H : (j + 1) * H] for j in range(4))
    if peephole:
        a_f = a_f + c_prev * params["w_cf"]
        a_i = a_i + c_prev * params["w_ci"]
    # f = sigma(x W_xf + h_prev W_hf + b_f [+ c_prev * w_cf]), likewise i; g uses tanh
    f, i, g = sigmoid(a_f), sigmoid(a_i), np.tanh(a_g)
    # c = f * c_prev + i * g: keep part of the old cell, write part of the candidate
    c = f * c_prev + i * g
    if peephole:
        a_o = a_o + c * params["w_co"]
    # h = o * tanh(c): the output gate decides how much of the cell to show
    o = sigmoid(a_o)
    h = o * np.tanh(c)
    return f, i, g, o, c, h


def _step_backward(dh, dc, f, i, g, o, c, c_prev, params, peephole):
    """One step of the chain rule. Returns (da (N, 4H) in the order f, i, g, o; dc_prev; peephole grads)."""
    tanh_c = np.tanh(c)
    # h = o * tanh(c)
    do = dh * tanh_c
    da_o = do * o * (1 - o)  # sigma' = sigma (1 - sigma)
    # c reaches the loss directly (dc, from step t+1) and through h = o * tanh(c)
    dc = dc + dh * o * (1 - tanh_c**2)
    peep = {}
    if peephole:  # ... and through o's peephole a_o += c * w_co
        dc = dc + da_o * params["w_co"]
        peep["w_co"] = (da_o * c).sum(axis=0)
    # c = f * c_prev + i * g
    da_f = dc * c_prev * f * (1 - f)
    da_i = dc * g * i * (1 - i)
    da_g = dc * i * (1 - g**2)
    dc_prev = dc * f  # the conveyor belt: dc_{t-1} = dc_t * f_t (plus peephole terms)
    if peephole:
        dc_prev = dc_prev + da_f * params["w_cf"] + da_i * params["w_ci"]
        peep["w_cf"] = (da_f * c_prev).sum(axis=0)
        peep["w_ci"] = (da_i * c_prev).sum(axis=0)
    return np.concatenate([da_f, da_i, da_g, da_o], axis=1), dc_prev, peep


def _unstack(dW_x, dW_h, db, H):
    """Split stacked gradients back into one array per named parameter."""
    grads = {}
    for j, k in enumerate(GATES):
        cols = slice(j * H, (j + 1) * H)
        grads[f"W_x{k}"], grads[f"W_h{k}"], grads[f"b_{k}"] = dW_x[:, cols], dW_h[:, cols], db[cols]
    return grads


def lstm_step_forward(x, h_prev, c_prev, params):
    """One time step for a mini-batch. x: (N, D), h_prev and c_prev: (N, H).

    Returns (h, c, cache): the new output and cell state, both (N, H), and a LSTMStepCache.
    """
    D, H, peephole = _check_params(params)
    x = as_array("x", x, ("N", ("D", D)))
    h_prev = as_state(h_prev, "h_prev", x.shape[0], H)
    c_prev = as_state(c_prev, "c_prev", x.shape[0], H)
    W_x, W_h, b = _stacked(params)
    a = x @ W_x + h_prev @ W_h + b  # (N, 4H): all four gates' pre-activations in one product
    f, i, g, o, c, h = _step(a, c_prev, params, peephole)
    return h, c, LSTMStepCache(x, h_prev, c_prev, f, i, g, o, c, h, params)


def lstm_step_backward(dh, dc, cache):
    """Gradients of one step, given dL/dh and dL/dc of its outputs (both (N, H); dc may be None).

    Returns {"x": (N, D), "h_prev": (N, H), "c_prev": (N, H)} plus one key per parameter.
    """
    if not isinstance(cache, LSTMStepCache):
        raise ValueError(f"cache must be the LSTMStepCache returned by lstm_step_forward, got {type(cache).__name__}")
    dh = as_array("dh", dh, tuple(zip("NH", cache.h.shape)))  # (N, H) like the step's output h
    dc = as_state(dc, "dc", *cache.c.shape)  # zeros when None
    _, H, peephole = _check_params(cache.params)
    da, dc_prev, peep = _step_backward(
        dh, dc, cache.f, cache.i, cache.g, cache.o, cache.c, cache.c_prev, cache.params, peephole
    )
    W_x, W_h, _ = _stacked(cache.params)
    grads = {"x": da @ W_x.T, "h_prev": da @ W_h.T, "c_prev": dc_prev}  # (N, 4H) @ (4H, D) -> (N, D) ...
    grads |= _unstack(cache.x.T @ da, cache.h_prev.T @ da, da.sum(axis=0), H)
    return grads | peep


def lstm_forward(X, params, *, h0=None, c0=None):
    """Run the LSTM over whole sequences.

    X: (N, T, D); h0, c0: (N, H) or None for zeros. Returns (H_all, cache) with H_all: (N, T, H),
    the output h_t of every step -- what torch.nn.LSTM returns as its output. The last cell state
    c_T is cache.C[:, -1].
    """
    D, H, peephole = _check_params(params)
    X = as_array("X", X, ("N", "T", ("D", D)))
    N, T, _ = X.shape
    h0, c0 = as_state(h0, "h0", N, H), as_state(c0, "c0", N, H)

    W_x, W_h, b = _stacked(params)
    XW = X @ W_x + b  # (N, T, 4H): the input terms of every step in one product
    H_all, C_all, gates = np.empty((N, T, H)), np.empty((N, T, H)), np.empty((N, T, 4 * H))
    h, c = h0, c0
    for t in range(T):
        f, i, g, o, c, h = _step(XW[:, t] + h @ W_h, c, params, peephole)
        H_all[:, t], C_all[:, t], gates[:, t] = h, c, np.concatenate([f, i, g, o], axis=1)
    return H_all, LSTMCache(X, h0, c0, H_all, C_all, gates, params, peephole)


def lstm_backward(dout, cache, *, dc_last=None):
    """Backpropagation through time for the LSTM.

    dout: (N, T, H), dL/dH_all. dc_last: (N, H) or None, dL/dc_T for a loss that also uses the
    last cell state (torch returns it as c_n). cache: the LSTMCache returned by lstm_forward.
    Returns {"X": (N, T, D), "h0": (N, H), "c0": (N, H)} plus one key per parameter.

    Going backwards, h_t gets gradient from the loss and from step t+1 (dh_t = dout_t + da_{t+1} @ W_h.T);
    the cell gets it from step t+1 only through dc_t = dc_{t+1} * f_{t+1} (+ peephole terms): no
    matrix product and no squashing derivative on that path, which is why it survives many steps.
    """
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache must be the LSTMCache returned by lstm_forward, got {type(cache).__name__}")
    X, params, peephole = cache.X, cache.params, cache.peephole
    N, T, H = cache.H.shape
    dout = as_output_gradient(dout, N, T, H)
    dc = as_state(dc_last, "dc_last", N, H)

    W_x, W_h, _ = _stacked(params)
    C_prev = np.concatenate([cache.c0[:, None], cache.C[:, :-1]], axis=1)  # (N, T, H): c_{t-1}
    dA = np.empty((N, T, 4 * H))  # dL/da_t, all four gates, every step
    peep = {name: np.zeros(H) for name in PEEPHOLES} if peephole else {}
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        f, i, g, o = (cache.gates[:, t, j * H : (j + 1) * H] for j in range(4))
        dA[:, t], dc, peep_t = _step_backward(
            dout[:, t] + dh_next, dc, f, i, g, o, cache.C[:, t], C_prev[:, t], params, peephole
        )
        for name, value in peep_t.items():
            peep[name] += value
        dh_next = dA[:, t] @ W_h.T  # (N, H), now at h_{t-1}

    H_prev = np.concatenate([cache.h0[:, None], cache.H[:, :-1]], axis=1)  # (N, T, H): h_{t-1}
    dA_rows = dA.reshape(N * T, 4 * H)
    grads = {"X": dA @ W_x.T, "h0": dh_next, "c0": dc}  # (N, T, 4H) @ (4H, D) -> (N, T, D)
    grads |= _unstack(X.reshape(N * T, -1).T @ dA_rows, H_prev.reshape(N * T, H).T @ dA_rows, dA_rows.sum(axis=0), H)
    return grads | peep


# ---------------------------------------------------------------- one unit with hand-set gates (the gate explorer)


def cell_trace(g, f, i, o, *, c0=0.0):
    """One LSTM unit whose gates are set by hand instead of computed: what the cell remembers.

    g: (T,) candidate values to write; f, i, o: gate openings in [0, 1], each a number (the same at
    every step) or a (T,) array. Runs c_t = f_t * c_{t-1} + i_t * g_t and h_t = o_t * tanh(c_t)
    from c_0 = c0 and returns (c, h), both (T,). The gate explorer widget plots them.
    """
    g = as_array("g", g, ("T",))
    gates = {}
    for name, value in (("f", f), ("i", i), ("o", o)):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim == 0:
            value = np.full(g.shape, value)
        if value.shape != g.shape:
            raise ValueError(f"{name} must be a number or have shape {shape_text((('T', len(g)),))}, got {value.shape}")
        if np.any((value < 0) | (value > 1)):
            raise ValueError(f"gate {name} must lie in [0, 1] (a sigmoid's range), got values from "
                             f"{value.min():.3g} to {value.max():.3g}")
        gates[name] = value
    c = np.empty_like(g)
    c_prev = float(c0)
    for t in range(len(g)):
        c[t] = c_prev = gates["f"][t] * c_prev + gates["i"][t] * g[t]  # the conveyor belt: keep, then add
    h = gates["o"] * np.tanh(c)  # the output gate decides how much of the cell to show
    return c, h
