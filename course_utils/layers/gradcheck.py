"""Numerical gradient checks: the referee for every backward pass we write by hand.

A derivative is a limit, so we can estimate it without any calculus: nudge one number of the
input a tiny bit up, then a tiny bit down, and see how much the output moves,

    df/dx[i]  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)        e_i = 1 at index i, 0 elsewhere

This centred difference is accurate to about eps**2, so in float64 with eps = 1e-6 a correct
analytic gradient agrees with it to roughly 1e-8 relative error or better. It costs two calls of f
per number, far too slow for training but perfect for checking small cases.

- `numerical_gradient(f, x)`: the estimate for a scalar function f of one array. Every call of f
  receives a fresh perturbed copy; the caller's x is never modified.
- `rel_error(a, b)`: one number saying how far two arrays are apart, relative to their size.
- `check_gradients(loss, arrays, grads)`: the two together for several named arrays at once.
"""

import numpy as np


def numerical_gradient(f, x, *, eps=1e-6):
    """Centred finite-difference gradient of a scalar function f at x.

    f: called as f(x_perturbed) with an array of x's shape; must return a scalar.
    x: array of any shape (converted to float64). It is never modified: each evaluation gets
       its own perturbed copy, passed to f explicitly.
    Returns an array of x's shape: grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).
    """
    if not eps > 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    x = np.array(x, dtype=np.float64)  # our own copy: nothing below can reach the caller's array
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        up, down = f(x + step), f(x - step)  # two new arrays, handed to f
        for value in (up, down):
            if np.ndim(value) != 0:
                raise ValueError(f"f must return a scalar, got an array of shape {np.shape(value)}")
        grad[i] = (float(up) - float(down)) / (2 * eps)
    return grad


def rel_error(a, b):
    """Relative distance ||a - b|| / (||a|| + ||b||) between two arrays of the same shape.

    0 means identical, 1 means unrelated (or opposite). Two zero arrays give 0.
    Rules of thumb in float64: below 1e-7 the gradients agree; above 1e-4 something is wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_gradients(loss, arrays, grads, *, eps=1e-6):
    """Compare analytic gradients with numerical ones, array by array.

    loss: called as loss(arrays_dict) -> scalar.
    arrays: {name: array}, the point where the gradient is taken.
    grads: {name: analytic dloss/d arrays[name]}; only these names are checked.
    Returns {name: rel_error(analytic, numerical)}.
    """
    missing = sorted(set(grads) - set(arrays))
    if missing:
        raise ValueError(f"grads has names that arrays lacks: {missing}")
    errors = {}
    for name, analytic in grads.items():
        # Only `name` varies; the other arrays stay as they are. The perturbed value goes in explicitly.
        numeric = numerical_gradient(lambda value, name=name: loss({**arrays, name: value}), arrays[name], eps=eps)
        errors[name] = rel_error(analytic, numeric)
    return errors
