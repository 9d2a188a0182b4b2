"""minGRU in numpy (float64), forward and backward: a GRU whose gates see only the input.

minGRU (Feng et al., 2024, "Were RNNs All We Needed?"), its plain form. Shapes are batch-first:
X is (N, T, D), the layer has H units, the state h_t (N, H) is also the output. Row vectors,
sigma the logistic sigmoid, * the element-wise product:

    z_t       = sigma(x_t @ W_z + b_z)               the update gate: from x_t only
    h_tilde_t = x_t @ W_h + b_h                      the candidate: from x_t only, no tanh
    h_t       = (1 - z_t) * h_{t-1} + z_t * h_tilde_t

Against chapter 04's GRU: no reset gate, no h_{t-1} inside the gate or the candidate, no tanh.
What that buys: h_t = a_t * h_{t-1} + b_t with a_t = 1 - z_t and b_t = z_t * h_tilde_t, both
known for every step before the recurrence starts -- one matrix product over all N*T rows, then
`linear_recurrence`'s scan (parallel=True) or its loop (parallel=False); the two agree.

Contract: `init_params(D, H, *, seed)`; `params_from_torch(module)` reads the torch twin,
`course_utils.models.mingru.MinGRU` (two `nn.Linear`s, `to_z` and `to_h`; it has no torch.nn
twin); `mingru_forward(X, params, *, h0=None, parallel=True) -> (out, cache)`;
`mingru_backward(dout, cache) -> dict`; `mingru_step_forward(x, h_prev, params)` for one step.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int, shape_error
from course_utils.layers import linear_recurrence
from course_utils.layers.common import as_array, as_state, sigmoid, to_numpy

PARAMS = ("W_z", "W_h", "b_z", "b_h")  # W_z first: gate_param_shapes reads D and H from it


class MinGRUCache(NamedTuple):
    """What a forward pass remembers: the input, the gates, the candidates and the recurrence's cache."""

    X: np.ndarray  # (N, T, D)
    z: np.ndarray  # (N, T, H)
    h_tilde: np.ndarray  # (N, T, H)
    recurrence: linear_recurrence.LinearRecurrenceCache
    params: dict
    parallel: bool


class MinGRUStepCache(NamedTuple):
    """One step: its input, the previous state, the gate and the candidate."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    z: np.ndarray  # (N, H)
    h_tilde: np.ndarray  # (N, H)


def _check_params(params):
    """(D, H) after checking the four keys and shapes (W_z, W_h: (D, H), both read x_t only; b_z, b_h: (H,))."""
    missing = [k for k in PARAMS if k not in params]
    if missing:
        raise ValueError(f"params must have keys {list(PARAMS)}; missing {missing}")
    shape = np.shape(params["W_z"])
    if len(shape) != 2:
        raise shape_error("W_z", ("D", "H"), shape)
    D, H = shape
    wanted = {"W_h": (("D", D), ("H", H)), "b_z": (("H", H),), "b_h": (("H", H),)}
    for name, dims in wanted.items():
        if np.shape(params[name]) != tuple(size for _, size in dims):
            raise shape_error(name, dims, np.shape(params[name]))
    return D, H


def init_params(D, H, *, seed):
    """Random minGRU parameters (float64): W_z, W_h ~ U(-1/sqrt(D), 1/sqrt(D)) (torch's nn.Linear), biases zero."""
    D, H = positive_int("D", D), positive_int("H", H)
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(D)
    return {"W_z": rng.uniform(-bound, bound, (D, H)), "W_h": rng.uniform(-bound, bound, (D, H)),
            "b_z": np.zeros(H), "b_h": np.zeros(H)}


def params_from_torch(module):
    """The weights of a `models.mingru.MinGRU` as float64 arrays: W_z = to_z.weight.T, b_z = to_z.bias, ..."""
    if type(module).__name__ != "MinGRU" or not hasattr(module, "to_z") or not hasattr(module, "to_h"):
        raise ValueError(f"module must be a course_utils.models.mingru.MinGRU, got {type(module).__name__}")
    return {"W_z": to_numpy(module.to_z.weight).T.copy(), "W_h": to_numpy(module.to_h.weight).T.copy(),
            "b_z": to_numpy(module.to_z.bias), "b_h": to_numpy(module.to_h.bias)}


def mingru_step_forward(x, h_prev, params):
    """One step. x: (N, D), h_prev: (N, H). Returns (h (N, H), MinGRUStepCache)."""
    D, H = _check_params(params)
    x = as_array("x", x, ("N", ("D", D)))
    h_prev = as_state(h_prev, "h_prev", x.shape[0], H)
    # z_t = sigma(x_t W_z + b_z);  h_tilde_t = x_t W_h + b_h
    z = sigmoid(x @ params["W_z"] + params["b_z"])
    h_tilde = x @ params["W_h"] + params["b_h"]
    # h_t = (1 - z_t) * h_{t-1} + z_t * h_tilde_t
    h = (1 - z) * h_prev + z * h_tilde
    return h, MinGRUStepCache(x, h_prev, z, h_tilde)


def mingru_forward(X, params, *, h0=None, parallel=True):
    """Run minGRU over whole sequences: gates and candidates for every step at once, then the recurrence.

    X: (N, T, D); h0: (N, H) or None for zeros; parallel: the scan (True) or the step-by-step loop.
    Returns (out (N, T, H), MinGRUCache).
    """
    D, H = _check_params(params)
    X = as_array("X", X, ("N", "T", ("D", D)))
    h0 = as_state(h0, "h0", X.shape[0], H)
    z = sigmoid(X @ params["W_z"] + params["b_z"])  # (N, T, H): no h_{t-1} inside, so every step at once
    h_tilde = X @ params["W_h"] + params["b_h"]  # (N, T, H)
    # h_t = a_t * h_{t-1} + b_t with a_t = 1 - z_t, b_t = z_t * h_tilde_t
    out, rec = linear_recurrence.linear_recurrence_forward(1 - z, z * h_tilde, h0, parallel=parallel)
    return out, MinGRUCache(X, z, h_tilde, rec, params, bool(parallel))


def mingru_backward(dout, cache):
    """Gradients given dout = dL/dout (N, T, H). Returns {"X", "h0", "W_z", "W_h", "b_z", "b_h"}."""
    if not isinstance(cache, MinGRUCache):
        raise ValueError(f"cache must be the MinGRUCache returned by mingru_forward, got {type(cache).__name__}")
    X, z, h_tilde, rec, params, parallel = cache
    grads = linear_recurrence.linear_recurrence_backward(dout, rec, parallel=parallel)
    da, db = grads["a"], grads["b"]  # (N, T, H) each
    # a = 1 - z, b = z * h_tilde
    dz = -da + db * h_tilde
    dh_tilde = db * z
    dpre_z = dz * z * (1 - z)  # through the sigmoid
    rows_X = X.reshape(-1, X.shape[-1])
    H = z.shape[-1]
    return {
        "X": dpre_z @ params["W_z"].T + dh_tilde @ params["W_h"].T,
        "h0": grads["h0"],
        "W_z": rows_X.T @ dpre_z.reshape(-1, H),
        "W_h": rows_X.T @ dh_tilde.reshape(-1, H),
        "b_z": dpre_z.sum(axis=(0, 1)),
        "b_h": dh_tilde.sum(axis=(0, 1)),
    }
