"""A 1D convolution over time in numpy (float64), equal to torch.nn.Conv1d; and its receptive field.

Shapes are batch-first and time-major, like the recurrent layers: X is (N, T, C_in) -- N sequences,
T time steps, C_in channels (features) -- and the output is (N, T_out, C_out). A kernel of K taps
slides along time; output step t is one window of K input steps, `dilation` apart, starting at
t * stride in the (zero-)padded input:

    out[n, t] = b + sum_{k=0}^{K-1} X_pad[n, t * stride + k * dilation] @ W[k]

with W (K, C_in, C_out) -- one (C_in, C_out) matrix per tap, row-vector convention -- and b (C_out,).
Like torch (and every deep-learning library) this is a cross-correlation: the kernel is not flipped.

Output length. The padded input has T + 2 * padding steps and one window spans dilation * (K - 1) + 1:

    T_out = floor((T + 2 * padding - dilation * (K - 1) - 1) / stride) + 1

When stride does not divide the rest, the last, partial window is dropped (as in torch).

Causal mode (WaveNet). causal=True pads only the past, with dilation * (K - 1) zeros on the left, so
output t sees inputs t - dilation * (K - 1), ..., t and never one after t; with stride 1 the output
has length T, aligned with the input. It replaces `padding`, which must then be 0.

torch.nn.Conv1d is channels-first: its input is (N, C, T) and its weight is (C_out, C_in, K).
Our W is the same numbers with the axes reversed, W = weight.permute(2, 1, 0), and our X is
torch's input transposed, X = x.transpose(1, 2). stride, padding and dilation are not parameters
(nothing is learned about them): `params_from_torch` loads W and b only, and they are keyword
arguments of `conv1d_forward`, as in torch.nn.functional.conv1d.

Receptive field: `receptive_field` says how many input steps one output of a stack of layers spans;
`receptive_field_inputs` lists which steps of every layer one output of a causal stack depends on.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int, shape_error
from course_utils.layers.common import as_array, is_torch_module, to_numpy


class Conv1dCache(NamedTuple):
    """What the forward pass remembers for the backward pass."""

    X_pad: np.ndarray  # (N, left + T + right, C_in)  the padded input
    W: np.ndarray  # (K, C_in, C_out)
    left: int  # zeros added before the first step (padding, or dilation * (K-1) when causal)
    T: int  # length of the unpadded input
    stride: int
    dilation: int
    T_out: int


def output_length(T, kernel_size, *, stride=1, padding=0, dilation=1, causal=False):
    """T_out = floor((T + 2 * padding - dilation * (K - 1) - 1) / stride) + 1, the number of output steps.

    causal=True pads dilation * (K - 1) steps on the left only (padding must be 0), which gives
    floor((T - 1) / stride) + 1: T itself for stride 1. Raises a ValueError when T is too short for
    one window (T_out < 1).
    """
    T, K = positive_int("T", T), positive_int("kernel_size", kernel_size)
    stride, dilation = positive_int("stride", stride), positive_int("dilation", dilation)
    padding = positive_int("padding", padding, minimum=0)
    span = dilation * (K - 1) + 1  # input steps covered by one window
    if causal:
        if padding != 0:
            raise ValueError(f"causal=True pads the past by itself (dilation * (K - 1) = {span - 1} steps); "
                             f"padding must be 0, got {padding}")
        padded = T + span - 1
    else:
        padded = T + 2 * padding
    if padded < span:
        raise ValueError(f"T={T} is too short for kernel_size={K} with dilation={dilation}: one window "
                         f"spans dilation * (K - 1) + 1 = {span} steps, but the padded input has "
                         f"T + 2 * padding = {padded}")
    return (padded - span) // stride + 1


def init_params(C_in, C_out, kernel_size, *, seed):
    """Random parameters {"W": (K, C_in, C_out), "b": (C_out,)} in float64.

    W is drawn like torch's default for Conv1d, U(-1/sqrt(C_in * K), 1/sqrt(C_in * K)) (the fan-in is
    C_in * K inputs per output); the bias starts at zero.
    """
    C_in, C_out = positive_int("C_in", C_in), positive_int("C_out", C_out)
    K = positive_int("kernel_size", kernel_size)
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(C_in * K)
    return {"W": rng.uniform(-bound, bound, size=(K, C_in, C_out)), "b": np.zeros(C_out)}


def params_from_torch(module):
    """Copy the weights of a `torch.nn.Conv1d` into our parameters: W = weight.permute(2, 1, 0), b = bias.

    Only groups=1 and padding_mode="zeros" have a numpy twin here. A layer without bias gets b = 0.
    The module's stride, padding and dilation are not copied: pass them to `conv1d_forward`.
    """
    if not is_torch_module(module, "Conv1d"):
        raise ValueError(f"module must be a torch.nn.Conv1d, got {type(module).__name__}")
    if module.groups != 1 or module.padding_mode != "zeros":
        raise ValueError(f"module must be nn.Conv1d(groups=1, padding_mode='zeros'), got groups={module.groups}, "
                         f"padding_mode={module.padding_mode!r}")
    W = to_numpy(module.weight).transpose(2, 1, 0).copy()  # (C_out, C_in, K) -> (K, C_in, C_out)
    b = to_numpy(module.bias) if module.bias is not None else np.zeros(W.shape[2])
    return {"W": W, "b": b}


def _check_params(params):
    """Return (K, C_in, C_out) after checking W and b."""
    missing = [k for k in ("W", "b") if k not in params]
    if missing:
        raise ValueError(f"params must have keys W, b; missing {missing}")
    W, b = np.shape(params["W"]), np.shape(params["b"])
    if len(W) != 3:
        raise shape_error("W", ("K", "C_in", "C_out"), W)
    if b != (W[2],):
        raise shape_error("b", (("C_out", W[2]),), b)
    return W


def _window(k, dilation, stride, T_out):
    """The steps of the padded input that tap k reads, one per output step: k*d, k*d + s, k*d + 2s, ..."""
    start = k * dilation
    return slice(start, start + stride * (T_out - 1) + 1, stride)


def conv1d_forward(X, params, *, stride=1, padding=0, dilation=1, causal=False):
    """The convolution of X (N, T, C_in) with params W (K, C_in, C_out), b (C_out,).

    Returns (out, cache) with out: (N, T_out, C_out) -- torch's output transposed to time-major.
    padding adds that many zeros at both ends; causal=True adds dilation * (K - 1) zeros at the start only.
    """
    K, C_in, C_out = _check_params(params)
    X = as_array("X", X, ("N", "T", ("C_in", C_in)))
    N, T, _ = X.shape
    T_out = output_length(T, K, stride=stride, padding=padding, dilation=dilation, causal=causal)
    left, right = (dilation * (K - 1), 0) if causal else (padding, padding)
    X_pad = np.pad(X, ((0, 0), (left, right), (0, 0)))  # (N, left + T + right, C_in), zeros outside

    W, b = np.asarray(params["W"], dtype=np.float64), np.asarray(params["b"], dtype=np.float64)
    # out[:, t] = b + sum_k X_pad[:, t * stride + k * dilation] @ W[k]: one matrix product per tap
    out = np.broadcast_to(b, (N, T_out, C_out)).copy()
    for k in range(K):
        out += X_pad[:, _window(k, dilation, stride, T_out)] @ W[k]  # (N, T_out, C_in) @ (C_in, C_out)
    return out, Conv1dCache(X_pad, W, left, T, stride, dilation, T_out)


def conv1d_backward(dout, cache):
    """Gradients of the convolution, given dout = dL/dout (N, T_out, C_out).

    Returns {"X": (N, T, C_in), "W": (K, C_in, C_out), "b": (C_out,)}. Each tap k read the strided
    slice X_pad[:, window_k] and multiplied it by W[k]; going back, the slice gets dout @ W[k].T
    (added in: windows overlap when K * dilation > stride) and W[k] gets slice.T @ dout. The padded
    zeros are not inputs, so their gradient is cropped away.
    """
    if not isinstance(cache, Conv1dCache):
        raise ValueError(f"cache must be the Conv1dCache returned by conv1d_forward, got {type(cache).__name__}")
    X_pad, W = cache.X_pad, cache.W
    N, C_out = X_pad.shape[0], W.shape[2]
    dout = as_array("dout", dout, (("N", N), ("T_out", cache.T_out), ("C_out", C_out)))  # like the output

    dX_pad, dW = np.zeros_like(X_pad), np.zeros_like(W)
    rows = dout.reshape(-1, C_out)  # (N * T_out, C_out)
    for k in range(W.shape[0]):
        window = _window(k, cache.dilation, cache.stride, cache.T_out)
        X_k = X_pad[:, window]  # (N, T_out, C_in)
        dW[k] = X_k.reshape(-1, X_k.shape[2]).T @ rows  # (C_in, N * T_out) @ (N * T_out, C_out)
        dX_pad[:, window] += dout @ W[k].T  # (N, T_out, C_out) @ (C_out, C_in), scattered back
    return {"X": dX_pad[:, cache.left : cache.left + cache.T], "W": dW, "b": dout.sum(axis=(0, 1))}


# ---------------------------------------------------------------- receptive field of a stack of layers


def _layer_lists(kernel_sizes, dilations, strides):
    L = len(kernel_sizes)
    dilations = [1] * L if dilations is None else list(dilations)
    strides = [1] * L if strides is None else list(strides)
    for name, values in (("dilations", dilations), ("strides", strides)):
        if len(values) != L:
            raise ValueError(f"{name} must have one entry per layer ({L}, like kernel_sizes), got {len(values)}")
    for l in range(L):
        positive_int(f"kernel_sizes[{l}]", kernel_sizes[l])
        positive_int(f"dilations[{l}]", dilations[l])
        positive_int(f"strides[{l}]", strides[l])
    return list(kernel_sizes), dilations, strides


def receptive_field(kernel_sizes, dilations=None, strides=None):
    """How many input steps one output of a stack of conv layers spans (first to last, inclusive).

    Layer l (from the input up) has kernel size k_l, dilation d_l, stride s_l (both 1 when omitted).
    One step of layer l's output lies prod(s_1 .. s_{l-1}) input steps from the next, and its window
    adds (k_l - 1) * d_l such steps:

        R = 1 + sum_l (k_l - 1) * d_l * prod(s_j for j < l)

    WaveNet: K = 2, dilations 1, 2, 4, 8 twice gives R = 1 + 2 * 15 = 31. When a layer's taps lie
    further apart than the field below them (e.g. a kernel shorter than its stride), the span has holes:
    fewer than R inputs actually matter.
    """
    kernel_sizes, dilations, strides = _layer_lists(kernel_sizes, dilations, strides)
    R, jump = 1, 1  # jump: input steps between neighbouring steps of the current layer's input
    for k, d, s in zip(kernel_sizes, dilations, strides):
        R += (k - 1) * d * jump
        jump *= s
    return R


def receptive_field_inputs(kernel_sizes, dilations=None, *, T, t=None):
    """Which steps of every layer output t of a causal stride-1 stack depends on.

    Returns a list of L + 1 sorted int arrays: levels[0] are input steps, levels[l] steps of layer l's
    output, levels[L] = [t] (t = T - 1, the last step, when None). Going down one layer, step s of
    layer l reads s, s - d_l, ..., s - (k_l - 1) * d_l of the layer below; steps before 0 are the
    causal padding's zeros, not inputs, and are left out.
    """
    kernel_sizes, dilations, _ = _layer_lists(kernel_sizes, dilations, None)
    T = positive_int("T", T)
    t = T - 1 if t is None else t
    if positive_int("t", t, minimum=0) >= T:
        raise ValueError(f"t must be an int in [0, T={T}), got {t!r}")
    levels = [np.array([t])]
    for k, d in zip(reversed(kernel_sizes), reversed(dilations)):
        below = levels[0][:, None] - d * np.arange(k)[None, :]  # (steps, k): every tap of every step
        levels.insert(0, np.unique(below[below >= 0]))
    return levels
