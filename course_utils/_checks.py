"""Input checks shared by the whole package: one helper per kind of check, one message format.

Every message names the argument, what was expected and what arrived, in the layer contract's form:

    X must have shape (N, T, D=3), got (5, 3)
    n_steps must be a positive int, got 0
    ids must hold indices in [0, V=84), got values in [0, 91]

Only numpy is imported, so `layers/`, `nlp/` and `data/` may use it.
"""

import numpy as np


def positive_int(name, value, minimum=1):
    """int(value), or a ValueError naming `name` unless value is an int >= minimum (bools refused).

    minimum=1 reads "a positive int", minimum=0 "a non-negative int", anything else "an int >= minimum".
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = {1: "a positive int", 0: "a non-negative int"}.get(minimum, f"an int >= {minimum}")
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def shape_text(dims):
    """The contract's shape notation: ("N", "T", ("D", 3)) -> "(N, T, D=3)"; an int stands for itself."""
    parts = []
    for d in dims:
        if isinstance(d, tuple):
            parts.append(f"{d[0]}={d[1]}")
        else:
            parts.append(str(d))
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def shape_error(name, dims, got):
    """The ValueError for an array `name` that should have shape `dims` (see shape_text) but has `got`."""
    return ValueError(f"{name} must have shape {shape_text(dims)}, got {tuple(got)}")


def check_shape(name, x, dims):
    """np.asarray(x), or shape_error unless its shape matches `dims`.

    Each entry of dims is a symbol ("N": any size), an int (exactly that size) or a (symbol, size) pair
    (exactly that size, shown as D=3 in the message).
    """
    x = np.asarray(x)
    sizes = [d[1] if isinstance(d, tuple) else d for d in dims]
    if x.ndim != len(dims) or any(isinstance(s, (int, np.integer)) and n != s for n, s in zip(x.shape, sizes)):
        raise shape_error(name, dims, x.shape)
    return x


def int_ids(name, ids, V=None, *, ndim=1, nonempty=False):
    """`ids` as an int64 array of `ndim` dimensions with values in [0, V); a clear ValueError otherwise."""
    arr = np.asarray(ids)
    if arr.dtype.kind not in "iu" or arr.ndim != ndim:
        shape = shape_text(("N",)) if ndim == 1 else f"{ndim}-D"
        raise ValueError(f"{name} must be an integer array of shape {shape}, got {arr.dtype} {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if V is not None and arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ValueError(f"{name} must hold indices in [0, V={V}), got values in [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64, copy=False)
