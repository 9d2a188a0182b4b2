"""What every layer shares: the stable squashing functions, the checks of states and gradients, torch weights.

- `sigmoid`, `softmax`, `log_softmax`: written so that no input overflows (sigmoid(-800) is 0 without a
  warning, softmax of scores in the thousands is exact).
- `as_array`: an input as float64 after checking its shape; `gate_param_shapes`, `as_state`,
  `as_output_gradient`: the checks of the recurrent layers (rnn, lstm, gru). All use `_checks`' message
  format, `X must have shape (N, T, D=3), got (5, 3)`.
- `is_torch_module`, `check_single_layer`, `to_numpy`: reading a torch module's weights into float64 numpy
  arrays. Each layer has its own `params_from_torch`, because the gate blocks differ; these are what they
  have in common.

layers/ never imports torch, not even inside a function (tests/test_layering.py): a torch module is
recognised by the names of its classes, and a tensor is converted by its own methods.
"""

import numpy as np

from course_utils._checks import check_shape, shape_error, shape_text


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), the valve of every gate, without overflow for large |a|.

    Written as exp(-log(1 + exp(-a))): np.logaddexp computes log(1 + exp(-a)) stably for any a.
    """
    return np.exp(-np.logaddexp(0.0, -np.asarray(a, dtype=np.float64)))


def log_softmax(x, axis=-1):
    """log softmax(x) along `axis`: x - log(sum(exp(x))), computed after shifting the largest entry to 0."""
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=axis, keepdims=True)  # exp never overflows: the largest term is exp(0) = 1
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the maximum first so that no exp overflows."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def as_array(name, x, dims):
    """x as a float64 array whose shape matches `dims` (see _checks.check_shape), or the contract's ValueError."""
    x = check_shape(name, x, dims)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric array of shape {shape_text(dims)}, got dtype {x.dtype}")
    return x.astype(np.float64, copy=False)


def gate_param_shapes(params, names, *, label="params"):
    """Return (D, H) after checking a recurrent layer's params: every key of `names` present, names[0]
    an input weight (D, H) that fixes D and H, every other W_x* (D, H), every W_h* (H, H), the rest (H,)."""
    missing = [k for k in names if k not in params]
    if missing:
        raise ValueError(f"{label} must have keys {list(names)}; missing {missing}")
    first, shape = names[0], np.shape(params[names[0]])
    if len(shape) != 2:
        raise shape_error(first, ("D", "H"), shape)
    D, H = shape
    for name in names:
        if name.startswith("W_x"):
            want = (("D", D), ("H", H))
        elif name.startswith("W_h"):
            want = (("H", H), ("H", H))
        else:
            want = (("H", H),)
        got = np.shape(params[name])
        if got != tuple(size for _, size in want):
            raise shape_error(name, want, got)
    return D, H


def as_state(value, name, N, H):
    """A state argument as a float64 (N, H) array: zeros when None, a clear ValueError when mis-shaped."""
    if value is None:
        return np.zeros((N, H))
    value = np.asarray(value, dtype=np.float64)
    if value.shape != (N, H):
        raise shape_error(name, (("N", N), ("H", H)), value.shape)
    return value


def as_output_gradient(dout, N, T, H):
    """dL/dH_all as a float64 (N, T, H) array, or a clear ValueError if it does not match the output."""
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != (N, T, H):
        raise shape_error("dout", (("N", N), ("T", T), ("H", H)), dout.shape)
    return dout


def is_torch_module(module, name):
    """Whether `module` is a torch.nn.<name> (or a subclass of one), read from its classes without importing torch."""
    return any(c.__name__ == name and c.__module__.startswith("torch.nn") for c in type(module).__mro__)


def check_single_layer(module, name):
    """Raise a ValueError unless `module` is a torch.nn.<name> ("RNN", "LSTM", "GRU") with num_layers=1, one
    direction, batch_first=True (and, for an LSTM, no projection)."""
    if not is_torch_module(module, name):
        raise ValueError(f"module must be a torch.nn.{name}, got {type(module).__name__}")
    proj = getattr(module, "proj_size", 0)
    if module.num_layers != 1 or module.bidirectional or not module.batch_first or proj:
        wanted = "num_layers=1, bidirectional=False, batch_first=True" + (", proj_size=0" if proj else "")
        raise ValueError(
            f"module must be nn.{name}({wanted}), got num_layers={module.num_layers}, "
            f"bidirectional={module.bidirectional}, batch_first={module.batch_first}"
            + (f", proj_size={proj}" if proj else "")
        )


def to_numpy(tensor):
    """A float64 numpy copy of a torch tensor (detached, on the CPU)."""
    return tensor.detach().cpu().double().numpy().copy()
