"""The GRU layer in numpy (float64), in the textbook's form and in torch's, forward and backward.

Shapes are batch-first: X is (N, T, D) -- N sequences, T time steps, D features -- and the layer
has H units. The state h_t is also the output. Row-vector convention, sigma the logistic sigmoid,
* the element-wise product. Both forms have an update gate z, a reset gate r and a candidate g
(the slides' tilde h); they differ in two places.

form="textbook" (the slides; Cho et al. 2014 / Chung et al. 2014):

    z_t = sigma(x_t @ W_xz + h_{t-1} @ W_hz + b_z)
    r_t = sigma(x_t @ W_xr + h_{t-1} @ W_hr + b_r)
    g_t =  tanh(x_t @ W_xg + (r_t * h_{t-1}) @ W_hg + b_g)        reset BEFORE the product
    h_t = (1 - z_t) * h_{t-1} + z_t * g_t                           z = 1 writes the candidate

form="torch" (torch.nn.GRU; the default, and what `params_from_torch` loads):

    z_t = sigma(x_t @ W_xz + h_{t-1} @ W_hz + b_z)
    r_t = sigma(x_t @ W_xr + h_{t-1} @ W_hr + b_r)
    g_t =  tanh(x_t @ W_xg + b_g + r_t * (h_{t-1} @ W_hg + b_hg))  reset AFTER the product
    h_t = z_t * h_{t-1} + (1 - z_t) * g_t                           z = 1 KEEPS the old state

How the two map onto each other:
- z: sigma(-a) = 1 - sigma(a), so torch's z is the textbook's 1 - z. Negating W_xz, W_hz and b_z
  turns one convention into the other exactly.
- r: torch scales the recurrent term after the product and has its own bias b_hg inside it
  (torch calls it b_hn). The textbook scales h_{t-1} before the product. These are different
  functions (equal only when r = 1, or when W_hg is diagonal and b_hg = 0); both train equally well.
So the textbook params have no b_hg, and passing one is an error rather than silently ignored.

torch stores the gates stacked in the rows of weight_ih_l0 (3H, D) in the order r, z, n (n is
our g), transposed. It has two bias vectors: for r and z they are summed (b_r = b_ir + b_hr); for
the candidate they are not, because b_hn sits inside r * (...): b_g = b_in, b_hg = b_hn.
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
    sigmoid,
    to_numpy,
)

FORMS = ("torch", "textbook")
GATES = ("z", "r", "g")  # our stacking order inside the (., 3H) input matrix
TORCH_GATES = ("r", "z", "g")  # torch's row-block order (r, z, n)


def param_names(form="torch"):
    """The keys of a GRU's params dict for the given form."""
    _check_form(form)
    names = [f"W_x{k}" for k in GATES] + [f"W_h{k}" for k in GATES] + [f"b_{k}" for k in GATES]
    return names + ["b_hg"] if form == "torch" else names


class GRUStepCache(NamedTuple):
    """What one step remembers for the backward pass."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    z: np.ndarray  # (N, H)
    r: np.ndarray  # (N, H)
    g: np.ndarray  # (N, H)
    hg: np.ndarray  # (N, H)  the recurrent product: h_prev @ W_hg + b_hg (torch) or (r * h_prev) @ W_hg
    h: np.ndarray  # (N, H)
    params: dict
    form: str


class GRUCache(NamedTuple):
    """What a whole forward pass remembers: inputs, initial state and every step's gates."""

    X: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    H: np.ndarray  # (N, T, H)  h_1 ... h_T, the layer's output
    gates: np.ndarray  # (N, T, 3H)  z, r, g of every step
    hg: np.ndarray  # (N, T, H)  the recurrent product of the candidate, every step
    params: dict
    form: str


def _check_form(form):
    if form not in FORMS:
        raise ValueError(f"form must be one of {list(FORMS)}, got {form!r}")


def init_params(D, H, *, seed, form="torch"):
    """Random parameters for a GRU with D inputs and H units (float64).

    Weights are drawn like torch's default, U(-1/sqrt(H), 1/sqrt(H)); biases start at zero.
    form="torch" adds the candidate's recurrent bias b_hg.
    """
    _check_form(form)
    D, H = positive_int("D", D), positive_int("H", H)
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(H)
    params = {f"W_x{k}": rng.uniform(-bound, bound, size=(D, H)) for k in GATES}
    params |= {f"W_h{k}": rng.uniform(-bound, bound, size=(H, H)) for k in GATES}
    params |= {f"b_{k}": np.zeros(H) for k in GATES}
    if form == "torch":
        params["b_hg"] = np.zeros(H)
    return params


def params_from_torch(module):
    """Copy the weights of a one-layer `torch.nn.GRU(batch_first=True)` into torch-form parameters.

    Row blocks of weight_ih_l0 / weight_hh_l0 are r, z, n: W_xr = weight_ih_l0[0:H].T, W_xz =
    weight_ih_l0[H:2H].T, W_xg = weight_ih_l0[2H:3H].T. b_r and b_z sum torch's two biases;
    b_g = bias_ih_l0[2H:], b_hg = bias_hh_l0[2H:] stay separate.
    """
    check_single_layer(module, "GRU")

    H = module.hidden_size
    W_ih, W_hh = to_numpy(module.weight_ih_l0), to_numpy(module.weight_hh_l0)  # (3H, D), (3H, H)
    b_ih = to_numpy(module.bias_ih_l0) if module.bias else np.zeros(3 * H)
    b_hh = to_numpy(module.bias_hh_l0) if module.bias else np.zeros(3 * H)
    params = {}
    for j, k in enumerate(TORCH_GATES):
        rows = slice(j * H, (j + 1) * H)
        params[f"W_x{k}"], params[f"W_h{k}"] = W_ih[rows].T.copy(), W_hh[rows].T.copy()
        params[f"b_{k}"] = b_ih[rows] + b_hh[rows] if k != "g" else b_ih[rows].copy()
    params["b_hg"] = b_hh[2 * H :].copy()
    return {name: params[name] for name in param_names("torch")}


def _check_params(params, form):
    """Return (D, H) after checking the keys for this form and that the arrays fit together."""
    _check_form(form)
    if form == "textbook" and "b_hg" in params:
        raise ValueError(
            "b_hg is only used by form='torch' (reset applied after the product); "
            "the textbook form has no such bias -- drop it or use form='torch'"
        )
    return gate_param_shapes(params, param_names(form), label=f"params for form={form!r}")  # W_xz first


def _stacked_x(params):
    """W_x (D, 3H) and b (3H,): the input side of z, r, g side by side."""
    W_x = np.concatenate([params[f"W_x{k}"] for k in GATES], axis=1)
    b = np.concatenate([params[f"b_{k}"] for k in GATES])
    return W_x, b


def _step(ax, h_prev, params, form):
    """From the input terms ax = x @ W_x + b (N, 3H) and h_prev to (z, r, g, hg, h)."""
    H = h_prev.shape[1]
    a_zr = ax[:, : 2 * H] + h_prev @ np.concatenate([params["W_hz"], params["W_hr"]], axis=1)  # (N, 2H)
    z, r = sigmoid(a_zr[:, :H]), sigmoid(a_zr[:, H:])
    if form == "torch":
        # g = tanh(x W_xg + b_g + r * (h_prev W_hg + b_hg));  h = z * h_prev + (1 - z) * g
        hg = h_prev @ params["W_hg"] + params["b_hg"]
        g = np.tanh(ax[:, 2 * H :] + r * hg)
        h = z * h_prev + (1 - z) * g
    else:
        # g = tanh(x W_xg + (r * h_prev) W_hg + b_g);  h = (1 - z) * h_prev + z * g
        hg = (r * h_prev) @ params["W_hg"]
        g = np.tanh(ax[:, 2 * H :] + hg)
        h = (1 - z) * h_prev + z * g
    return z, r, g, hg, h


def _step_backward(dh, h_prev, z, r, g, hg, params, form):
    """One step of the chain rule.

    Returns (da (N, 3H): dL/d(pre-activations) of z, r, g; dhg (N, H): dL/d(the output of the W_hg
    product); dh_prev (N, H)).
    """
    if form == "torch":
        # h = z * h_prev + (1 - z) * g
        dz, dg, dh_prev = dh * (h_prev - g), dh * (1 - z), dh * z
        da_g = dg * (1 - g**2)
        # a_g = x W_xg + b_g + r * hg
        dr, dhg = da_g * hg, da_g * r
        dh_prev = dh_prev + dhg @ params["W_hg"].T
    else:
        # h = (1 - z) * h_prev + z * g
        dz, dg, dh_prev = dh * (g - h_prev), dh * z, dh * (1 - z)
        da_g = dg * (1 - g**2)
        # a_g = x W_xg + (r * h_prev) W_hg + b_g
        dhg = da_g
        d_rh = da_g @ params["W_hg"].T  # (N, H), at r * h_prev
        dr, dh_prev = d_rh * h_prev, dh_prev + d_rh * r
    da_z, da_r = dz * z * (1 - z), dr * r * (1 - r)
    dh_prev = dh_prev + da_z @ params["W_hz"].T + da_r @ params["W_hr"].T
    return np.concatenate([da_z, da_r, da_g], axis=1), dhg, dh_prev


def _param_grads(x, h_prev, r, da, dhg, form):
    """Weight gradients from rows of inputs (M, D), states (M, H) and pre-activation gradients."""
    H = h_prev.shape[1]
    grads = {f"W_x{k}": x.T @ da[:, j * H : (j + 1) * H] for j, k in enumerate(GATES)}
    grads |= {f"b_{k}": da[:, j * H : (j + 1) * H].sum(axis=0) for j, k in enumerate(GATES)}
    grads["W_hz"], grads["W_hr"] = h_prev.T @ da[:, :H], h_prev.T @ da[:, H : 2 * H]
    # W_hg multiplies h_prev (torch) or r * h_prev (textbook)
    grads["W_hg"] = (h_prev if form == "torch" else r * h_prev).T @ dhg
    if form == "torch":
        grads["b_hg"] = dhg.sum(axis=0)
    return grads


def gru_step_forward(x, h_prev, params, *, form="torch"):
    """One time step. x: (N, D), h_prev: (N, H). Returns (h, cache) with h: (N, H)."""
    D, H = _check_params(params, form)
    x = as_array("x", x, ("N", ("D", D)))
    h_prev = as_state(h_prev, "h_prev", x.shape[0], H)
    W_x, b = _stacked_x(params)
    z, r, g, hg, h = _step(x @ W_x + b, h_prev, params, form)
    return h, GRUStepCache(x, h_prev, z, r, g, hg, h, params, form)


def gru_step_backward(dh, cache):
    """Gradients of one step given dL/dh (N, H).

    Returns {"x": (N, D), "h_prev": (N, H)} plus one key per parameter of the cache's form.
    """
    if not isinstance(cache, GRUStepCache):
        raise ValueError(f"cache must be the GRUStepCache returned by gru_step_forward, got {type(cache).__name__}")
    dh = as_array("dh", dh, tuple(zip("NH", cache.h.shape)))  # (N, H) like the step's output h
    c = cache
    da, dhg, dh_prev = _step_backward(dh, c.h_prev, c.z, c.r, c.g, c.hg, c.params, c.form)
    W_x, _ = _stacked_x(c.params)
    return {"x": da @ W_x.T, "h_prev": dh_prev} | _param_grads(c.x, c.h_prev, c.r, da, dhg, c.form)


def gru_forward(X, params, *, h0=None, form="torch"):
    """Run the GRU over whole sequences.

    X: (N, T, D); h0: (N, H) or None for zeros; form: "torch" or "textbook" (see the module
    docstring). Returns (H_all, cache) with H_all: (N, T, H), what torch.nn.GRU returns as output.
    """
    D, H = _check_params(params, form)
    X = as_array("X", X, ("N", "T", ("D", D)))
    N, T, _ = X.shape
    h0 = as_state(h0, "h0", N, H)

    W_x, b = _stacked_x(params)
    AX = X @ W_x + b  # (N, T, 3H): the input terms of every step in one product
    H_all, gates, HG = np.empty((N, T, H)), np.empty((N, T, 3 * H)), np.empty((N, T, H))
    h = h0
    for t in range(T):
        z, r, g, HG[:, t], h = _step(AX[:, t], h, params, form)
        H_all[:, t], gates[:, t] = h, np.concatenate([z, r, g], axis=1)
    return H_all, GRUCache(X, h0, H_all, gates, HG, params, form)


def gru_backward(dout, cache):
    """Backpropagation through time for the GRU.

    dout: (N, T, H), dL/dH_all; cache: the GRUCache returned by gru_forward.
    Returns {"X": (N, T, D), "h0": (N, H)} plus one key per parameter of the cache's form.
    """
    if not isinstance(cache, GRUCache):
        raise ValueError(f"cache must be the GRUCache returned by gru_forward, got {type(cache).__name__}")
    X, params, form = cache.X, cache.params, cache.form
    N, T, H = cache.H.shape
    dout = as_output_gradient(dout, N, T, H)

    H_prev = np.concatenate([cache.h0[:, None], cache.H[:, :-1]], axis=1)  # (N, T, H): h_{t-1}
    dA, dHG = np.empty((N, T, 3 * H)), np.empty((N, T, H))
    dh_next = np.zeros((N, H))  # gradient reaching h_t from step t+1
    for t in reversed(range(T)):
        z, r, g = (cache.gates[:, t, j * H : (j + 1) * H] for j in range(3))
        dA[:, t], dHG[:, t], dh_next = _step_backward(
            dout[:, t] + dh_next, H_prev[:, t], z, r, g, cache.hg[:, t], params, form
        )

    # Sums over the batch and over time, each in one matrix product over N*T rows.
    rows = N * T
    R = cache.gates[:, :, H : 2 * H].reshape(rows, H)
    grads = _param_grads(X.reshape(rows, -1), H_prev.reshape(rows, H), R, dA.reshape(rows, 3 * H),
                         dHG.reshape(rows, H), form)
    W_x, _ = _stacked_x(params)
    return {"X": dA @ W_x.T, "h0": dh_next} | grads  # (N, T, 3H) @ (3H, D) -> (N, T, D)
