"""Gradients across time: why they vanish or explode, and how to cap them (chapters 02-03).

The analysis is pure numpy functions in float64, so the notebooks, the widgets, the figures and
the tests all compute the same numbers. The torch side (a recurrent classifier and a training loop
that logs the gradient norm and can clip it) is in `sequence_models`.

Row-vector convention, as in `layers/rnn.py` and on the slides:

    a_t = x_t @ W_xh + h_{t-1} @ W_hh + b_h,      h_t = phi(a_t)

with X (N, T, D), W_xh (D, H), W_hh (H, H), b_h (H,), states (N, H).

Jacobians are stored like `torch.autograd.functional.jacobian` stores them: outputs first, inputs
second. So J = dh_t/dh_{t-1} is an (H, H) matrix with J[j, i] = d h_t[j] / d h_{t-1}[i], and

    dh_t/dh_{t-1} = diag(phi'(a_t)) @ W_hh.T
    dh_t/dh_s     = J_t @ J_{t-1} @ ... @ J_{s+1}          (a product of t - s step Jacobians)

A gradient is a row vector g = dL/dh_t; it reaches h_s as g @ (dh_t/dh_s) -- exactly what
`rnn.rnn_backward` computes one step at a time.

Contents
--------
clip_by_norm, global_norm              gradient clipping by the global L2 norm
scalar_forward, scalar_gradients       the one-neuron model: a product of phi'(a_s) * w factors
backward_products                      g[k] = product of the last k factors
recurrent_weights, spectral_radius     a random W_hh with a chosen spectral radius, and its radius
preactivations                         a_1..a_T of a layer (tanh, sigmoid, relu or linear)
step_jacobians, jacobians_from_start,  exact Jacobians of the states of a layer
jacobians_to_end, jacobian_norms
"""

import numpy as np

from course_utils._checks import positive_int, shape_error
from course_utils.layers.common import as_array, as_state, gate_param_shapes, sigmoid

# ---------------------------------------------------------------- clipping


def _as_dict(grads):
    """(dict of float64 arrays, was_single_array)."""
    if isinstance(grads, dict):
        if not grads:
            raise ValueError("grads must be a non-empty dict of arrays or a single array, got an empty dict")
        return {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}, False
    return {"": np.asarray(grads, dtype=np.float64)}, True


def global_norm(grads):
    """The L2 norm of all gradients taken together, as if flattened into one long vector.

    grads: a dict of arrays (any shapes) or a single array. Returns a Python float.
    """
    arrays, _ = _as_dict(grads)
    return float(np.sqrt(sum(np.sum(g**2) for g in arrays.values())))


def clip_by_norm(grads, max_norm):
    """Rescale gradients so that their global L2 norm is at most `max_norm`.

    grads: a dict of arrays (e.g. the output of `rnn.rnn_backward`) or a single array.
    All arrays are multiplied by the same factor min(1, max_norm / norm), so the direction of the
    whole gradient is unchanged; only its length is capped. Nothing is modified in place.

    Returns (clipped, norm):
      clipped -- new float64 arrays, in the same form as `grads` (same dict keys, or one array);
      norm    -- the global norm *before* clipping, a float (log it to watch for explosions).
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.integer, np.floating)) \
            or not max_norm > 0:
        raise ValueError(f"max_norm must be a positive number, got {max_norm!r}")
    arrays, single = _as_dict(grads)
    norm = global_norm(arrays)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    clipped = {k: g * scale for k, g in arrays.items()}
    return (clipped[""] if single else clipped), norm


# ---------------------------------------------------------------- activations, written on a = pre-activation


ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda a: np.maximum(a, 0.0),
    "linear": lambda a: a,
}

DERIVATIVES = {  # phi'(a)
    "tanh": lambda a: 1.0 - np.tanh(a) ** 2,
    "sigmoid": lambda a: sigmoid(a) * (1.0 - sigmoid(a)),
    "relu": lambda a: (a > 0).astype(np.float64),  # 0 at a = 0, like torch
    "linear": lambda a: np.ones_like(a, dtype=np.float64),
}


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


# ---------------------------------------------------------------- the scalar model (one neuron)


def scalar_forward(x, w, *, activation="tanh", w_x=1.0, b=0.0, h0=0.0):
    """One recurrent neuron h_t = phi(w_x x_t + w h_{t-1} + b) over an input x (T,).

    Returns (h, a): the states h_1..h_T and the pre-activations a_1..a_T, both (T,).
    """
    _check_activation(activation)
    x = as_array("x", x, ("T",))
    phi = ACTIVATIONS[activation]
    h_prev, hs, As = float(h0), np.empty(len(x)), np.empty(len(x))
    for t, x_t in enumerate(x):
        As[t] = w_x * x_t + w * h_prev + b
        hs[t] = h_prev = phi(As[t])
    return hs, As


def backward_products(factors):
    """g[k] = factors[T-1] * factors[T-2] * ... * factors[T-k]: the product of the LAST k factors.

    factors: (T,), factor s being dh_s/dh_{s-1}. Returns g: (T+1,), with g[0] = 1 (nothing to cross)
    and g[k] = dh_T/dh_{T-k}, the gradient that reaches k steps back from the end.
    """
    factors = as_array("factors", factors, ("T",))
    return np.concatenate([[1.0], np.cumprod(factors[::-1])])


def scalar_gradients(x, w, *, activation="tanh", w_x=1.0, b=0.0, h0=0.0):
    """dh_T/dh_{T-k} for k = 0..T in the one-neuron model, shape (T+1,).

    Each step back multiplies by dh_s/dh_{s-1} = phi'(a_s) * w, so
        dh_T/dh_{T-k} = prod over the last k steps of phi'(a_s) * w.
    """
    _, a = scalar_forward(x, w, activation=activation, w_x=w_x, b=b, h0=h0)
    return backward_products(DERIVATIVES[activation](a) * w)


# ---------------------------------------------------------------- recurrent weights with a chosen spectral radius


def recurrent_weights(H, spectral_radius, *, seed, kind="orthogonal"):
    """A random (H, H) recurrent matrix whose spectral radius (largest |eigenvalue|) is `spectral_radius`.

    kind="orthogonal": spectral_radius times a random orthogonal matrix. Every singular value then
        equals the radius, so ||v @ W^k|| = radius**k * ||v|| for every v: the cleanest case.
    kind="gaussian": i.i.d. normal entries rescaled to the radius. Such a matrix is not normal, so
        products can grow for a while even when the radius is below 1.
    """
    H = positive_int("H", H)
    if not spectral_radius >= 0:
        raise ValueError(f"spectral_radius must be >= 0, got {spectral_radius!r}")
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(H, H))
    if kind == "orthogonal":
        Q, R = np.linalg.qr(A)
        W = Q * np.sign(np.diag(R))  # the sign fix makes Q uniformly distributed
    elif kind == "gaussian":
        W = A / np.max(np.abs(np.linalg.eigvals(A)))
    else:
        raise ValueError(f"kind must be 'orthogonal' or 'gaussian', got {kind!r}")
    return spectral_radius * W


def spectral_radius(W):
    """The largest absolute eigenvalue of a square matrix W (H, H)."""
    W = as_array("W", W, ("H", "H"))
    if W.shape[0] != W.shape[1]:
        raise shape_error("W", (("H", W.shape[0]), ("H", W.shape[0])), W.shape)  # square
    return float(np.max(np.abs(np.linalg.eigvals(W))))


# ---------------------------------------------------------------- exact Jacobians of a recurrent layer


def preactivations(X, params, *, h0=None, activation="tanh"):
    """The pre-activations a_1..a_T of the layer, (N, T, H). Same recurrence as `rnn.rnn_forward`,
    with two more activations (sigmoid, linear) for the experiments of chapter 03.

    X: (N, T, D); params: {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,)}; h0: (N, H) or None (zeros).
    """
    _check_activation(activation)
    D, H = gate_param_shapes(params, ("W_xh", "W_hh", "b_h"))
    W_xh, W_hh, b_h = (np.asarray(params[k], dtype=np.float64) for k in ("W_xh", "W_hh", "b_h"))
    X = as_array("X", X, ("N", "T", ("D", D)))
    N, T, _ = X.shape
    h = as_state(h0, "h0", N, H)
    phi = ACTIVATIONS[activation]
    XW = X @ W_xh + b_h  # (N, T, H)
    A = np.empty((N, T, H))
    for t in range(T):
        A[:, t] = XW[:, t] + h @ W_hh  # (N, H)
        h = phi(A[:, t])
    return A


def step_jacobians(X, params, *, h0=None, activation="tanh"):
    """J[:, t-1] = dh_t/dh_{t-1} = diag(phi'(a_t)) @ W_hh.T for t = 1..T, shape (N, T, H, H).

    J[n, t-1, j, i] = d h_t[j] / d h_{t-1}[i] for sequence n (outputs first, like torch).
    """
    A = preactivations(X, params, h0=h0, activation=activation)  # (N, T, H)
    W_hh = np.asarray(params["W_hh"], dtype=np.float64)
    # diag(d) @ M multiplies row j of M by d[j]
    return DERIVATIVES[activation](A)[..., :, None] * W_hh.T  # (N, T, H, H)


def jacobians_from_start(X, params, *, h0=None, activation="tanh"):
    """P[:, t-1] = dh_t/dh_0 for t = 1..T, shape (N, T, H, H).

    Built left to right: dh_t/dh_0 = J_t @ dh_{t-1}/dh_0.
    """
    J = step_jacobians(X, params, h0=h0, activation=activation)
    P = np.empty_like(J)
    P[:, 0] = J[:, 0]
    for t in range(1, J.shape[1]):
        P[:, t] = J[:, t] @ P[:, t - 1]  # (N, H, H)
    return P


def jacobians_to_end(X, params, *, h0=None, activation="tanh"):
    """Q[:, k] = dh_T/dh_{T-k} for k = 0..T (k steps back from the last state), shape (N, T+1, H, H).

    Q[:, 0] is the identity. Built right to left: dh_T/dh_{T-k} = dh_T/dh_{T-k+1} @ J_{T-k+1}.
    This is what a loss on the last state sends back: its gradient g reaches h_{T-k} as g @ Q[:, k].
    """
    J = step_jacobians(X, params, h0=h0, activation=activation)
    N, T, H, _ = J.shape
    Q = np.empty((N, T + 1, H, H))
    Q[:, 0] = np.eye(H)
    for k in range(1, T + 1):
        Q[:, k] = Q[:, k - 1] @ J[:, T - k]  # J[:, T-k] is dh_{T-k+1}/dh_{T-k}
    return Q


def jacobian_norms(J, *, ord=2):
    """Matrix norms over the last two axes of a stack of Jacobians (..., H, H) -> (...,).

    ord=2: the spectral norm, the most that the matrix can stretch a gradient (the default);
    ord="fro": the Frobenius norm, sqrt of the sum of squared entries.
    """
    if ord not in (2, "fro"):
        raise ValueError(f"ord must be 2 or 'fro', got {ord!r}")
    J = np.asarray(J, dtype=np.float64)
    if J.ndim < 2:
        raise ValueError(f"J must have shape (..., H, H), a stack of matrices, got {J.shape}")
    return np.linalg.norm(J, ord=ord, axis=(-2, -1))
