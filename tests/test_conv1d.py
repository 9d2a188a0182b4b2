"""conv1d forward and backward against torch.nn.Conv1d autograd (float64), causal mode against left
padding in torch, the output length against torch's, the receptive field against perturbation,
and the layer contract's error messages."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.layers import conv1d
from course_utils.layers.gradcheck import check_gradients


def torch_conv(C_in, C_out, K, seed, bias=True, **kwargs):
    """A float64 nn.Conv1d with random weights and a random, non-zero bias."""
    torch.manual_seed(seed)
    layer = torch.nn.Conv1d(C_in, C_out, K, bias=bias, **kwargs).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.7)
    return layer


def torch_forward_backward(layer, X, dout, *, left=0, right=0):
    """torch's output (N, T_out, C_out) and gradients of sum(dout * out), in our layout and names.

    X is ours, (N, T, C_in); torch wants (N, C_in, T). left/right: zeros padded by F.pad before the layer.
    """
    x = torch.tensor(X, requires_grad=True)
    layer.zero_grad()
    out = layer(F.pad(x.transpose(1, 2), (left, right))).transpose(1, 2)  # (N, T_out, C_out)
    (out * torch.from_numpy(dout)).sum().backward()
    grads = {"X": x.grad.numpy(), "W": layer.weight.grad.permute(2, 1, 0).numpy(), "b": layer.bias.grad.numpy()}
    return out.detach().numpy(), grads


def assert_close(ours, expected, atol=1e-10):
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=0, atol=atol)


# ---- forward and backward against torch -----------------------------------------------------------


@pytest.mark.parametrize("stride,padding,dilation,K",
                         list(itertools.product((1, 2, 3), (0, 1, 2), (1, 2, 3), range(1, 6))))
def test_forward_and_gradients_equal_torch(stride, padding, dilation, K):
    rng = np.random.default_rng(1000 * stride + 100 * padding + 10 * dilation + K)
    span = dilation * (K - 1) + 1
    T_shortest = max(1, span - 2 * padding)  # one window exactly
    # the longer T leaves one step after the last full window when stride > 1: a partial window
    for N, T, C_in, C_out in [(2, T_shortest, 3, 2), (3, T_shortest + 2 * stride + 1, 2, 4)]:
        layer = torch_conv(C_in, C_out, K, seed=K + T, stride=stride, padding=padding, dilation=dilation)
        X = rng.normal(size=(N, T, C_in))
        T_out = (T + 2 * padding - span) // stride + 1
        dout = rng.normal(size=(N, T_out, C_out))

        out, cache = conv1d.conv1d_forward(X, conv1d.params_from_torch(layer), stride=stride, padding=padding,
                                           dilation=dilation)
        grads = conv1d.conv1d_backward(dout, cache)
        expected_out, expected = torch_forward_backward(layer, X, dout)

        assert_close(out, expected_out)
        assert set(grads) == {"X", "W", "b"}
        for key in ("X", "W", "b"):
            assert_close(grads[key], expected[key])


@pytest.mark.parametrize("bias", [True, False])
def test_single_sequence_single_channel(bias):
    layer = torch_conv(1, 1, 3, seed=4, bias=bias, stride=2, padding=1)
    X = np.random.default_rng(2).normal(size=(1, 9, 1))
    dout = np.random.default_rng(3).normal(size=(1, 5, 1))
    params = conv1d.params_from_torch(layer)
    out, cache = conv1d.conv1d_forward(X, params, stride=2, padding=1)
    assert_close(out, layer(torch.from_numpy(X).transpose(1, 2)).transpose(1, 2).detach().numpy())
    if bias:
        _, expected = torch_forward_backward(layer, X, dout)
        grads = conv1d.conv1d_backward(dout, cache)
        for key in ("X", "W", "b"):
            assert_close(grads[key], expected[key])
    else:
        assert np.all(params["b"] == 0)


def test_partial_last_window_drops_the_last_steps():
    """T=10, K=3, stride 3: windows start at 0, 3, 6; steps 9 is read by no window, so its gradient is 0."""
    layer = torch_conv(2, 3, 3, seed=5, stride=3)
    X = np.random.default_rng(4).normal(size=(2, 10, 2))
    out, cache = conv1d.conv1d_forward(X, conv1d.params_from_torch(layer), stride=3)
    assert out.shape == (2, 3, 3)
    dout = np.ones_like(out)
    grads = conv1d.conv1d_backward(dout, cache)
    _, expected = torch_forward_backward(layer, X, dout)
    assert_close(grads["X"], expected["X"])
    assert np.all(grads["X"][:, 9] == 0) and np.all(grads["X"][:, 8] != 0)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(7)
    arrays = {"X": rng.normal(size=(2, 9, 3)), "W": rng.normal(size=(3, 3, 2)), "b": rng.normal(size=2)}
    for kwargs in ({"stride": 2, "padding": 1, "dilation": 2}, {"dilation": 3, "causal": True}):
        out, cache = conv1d.conv1d_forward(arrays["X"], {"W": arrays["W"], "b": arrays["b"]}, **kwargs)
        dout = rng.normal(size=out.shape)

        def loss(a, kwargs=kwargs, dout=dout):
            return np.sum(dout * conv1d.conv1d_forward(a["X"], {"W": a["W"], "b": a["b"]}, **kwargs)[0])

        errors = check_gradients(loss, arrays, conv1d.conv1d_backward(dout, cache))
        assert max(errors.values()) < 1e-8, errors


# ---- causal mode -----------------------------------------------------------------------------------


@pytest.mark.parametrize("K,dilation,stride", list(itertools.product(range(1, 5), (1, 2, 3), (1, 2))))
def test_causal_is_left_padding_then_plain_convolution(K, dilation, stride):
    rng = np.random.default_rng(K * 10 + dilation + 100 * stride)
    N, T, C_in, C_out = 2, 7, 3, 2
    layer = torch_conv(C_in, C_out, K, seed=K + dilation, stride=stride, dilation=dilation)
    X = rng.normal(size=(N, T, C_in))
    out, cache = conv1d.conv1d_forward(X, conv1d.params_from_torch(layer), stride=stride, dilation=dilation,
                                       causal=True)
    if stride == 1:
        assert out.shape == (N, T, C_out)  # aligned with the input
    dout = rng.normal(size=out.shape)
    expected_out, expected = torch_forward_backward(layer, X, dout, left=dilation * (K - 1))
    assert_close(out, expected_out)
    grads = conv1d.conv1d_backward(dout, cache)
    for key in ("X", "W", "b"):
        assert_close(grads[key], expected[key])


@pytest.mark.parametrize("K,dilation", [(2, 1), (3, 2), (5, 1), (2, 4)])
def test_causal_output_never_reads_the_future(K, dilation):
    rng = np.random.default_rng(K + dilation)
    params = {"W": rng.normal(size=(K, 2, 3)), "b": rng.normal(size=3)}
    X = rng.normal(size=(2, 12, 2))
    out, _ = conv1d.conv1d_forward(X, params, dilation=dilation, causal=True)
    for t in range(11):
        future = X.copy()
        future[:, t + 1 :] += rng.normal(size=future[:, t + 1 :].shape)
        moved, _ = conv1d.conv1d_forward(future, params, dilation=dilation, causal=True)
        np.testing.assert_array_equal(moved[:, : t + 1], out[:, : t + 1])  # the past did not move
        assert np.abs(moved[:, t + 1] - out[:, t + 1]).max() > 1e-6  # ... but the next output did


def test_causal_refuses_extra_padding():
    params = conv1d.init_params(1, 1, 3, seed=0)
    with pytest.raises(ValueError, match=r"causal=True pads the past by itself \(dilation \* \(K - 1\) = 4 steps\); "
                                         r"padding must be 0, got 1"):
        conv1d.conv1d_forward(np.zeros((1, 5, 1)), params, padding=1, dilation=2, causal=True)


# ---- output length -----------------------------------------------------------------------------------


def test_output_length_equals_torch():
    checked = refused = 0
    for T, K, stride, padding, dilation in itertools.product((1, 2, 5, 8, 13), range(1, 6), (1, 2, 3, 4), (0, 1, 3),
                                                             (1, 2, 3)):
        weight = torch.zeros(1, 1, K, dtype=torch.float64)
        try:
            torch_T = F.conv1d(torch.zeros(1, 1, T, dtype=torch.float64), weight, stride=stride, padding=padding,
                               dilation=dilation).shape[2]
        except RuntimeError:  # torch refuses an input shorter than one window
            with pytest.raises(ValueError, match=f"T={T} is too short for kernel_size={K}"):
                conv1d.output_length(T, K, stride=stride, padding=padding, dilation=dilation)
            refused += 1
            continue
        assert conv1d.output_length(T, K, stride=stride, padding=padding, dilation=dilation) == torch_T
        causal_T = F.conv1d(torch.zeros(1, 1, T + dilation * (K - 1), dtype=torch.float64), weight, stride=stride,
                            dilation=dilation).shape[2]
        assert conv1d.output_length(T, K, stride=stride, dilation=dilation, causal=True) == causal_T
        checked += 1
    assert checked > 500 and refused > 50


def test_output_length_error_names_the_numbers():
    with pytest.raises(ValueError, match=r"T=3 is too short for kernel_size=3 with dilation=2: one window spans "
                                         r"dilation \* \(K - 1\) \+ 1 = 5 steps, but the padded input has "
                                         r"T \+ 2 \* padding = 3"):
        conv1d.conv1d_forward(np.zeros((1, 3, 2)), conv1d.init_params(2, 1, 3, seed=0), dilation=2)


# ---- receptive field ----------------------------------------------------------------------------------


def torch_causal_stack(kernel_sizes, dilations, strides, seed, C=2):
    """Random causal nn.Conv1d layers with tanh between them, as a map (T,) -> (T_out,) of the last channel."""
    layers = [torch_conv(1 if l == 0 else C, C, k, seed=seed + l, stride=s, dilation=d)
              for l, (k, d, s) in enumerate(zip(kernel_sizes, dilations, strides))]

    def run(x):
        h = torch.from_numpy(x)[None, None]  # (1, 1, T)
        for layer, k, d in zip(layers, kernel_sizes, dilations):
            h = torch.tanh(layer(F.pad(h, (d * (k - 1), 0))))
        return h[0, -1].detach().numpy()

    return run


def inputs_seen(run, T, t=-1):
    """The input steps whose perturbation changes output t: found by trying each step on its own."""
    x = np.random.default_rng(0).normal(size=T)
    base = run(x)[t]
    seen = []
    for j in range(T):
        moved = x.copy()
        moved[j] += 1.0
        if abs(run(moved)[t] - base) > 1e-12:
            seen.append(j)
    return np.array(seen)


@pytest.mark.parametrize(
    "kernel_sizes,dilations,strides,expected",
    [
        ([2] * 8, [1, 2, 4, 8, 1, 2, 4, 8], None, 31),  # WaveNet
        ([3, 3, 3], [1, 2, 4], None, 15),
        ([5], [1], None, 5),
        ([3, 3, 2], [1, 1, 1], [2, 2, 1], 11),
        ([4, 3], [1, 1], [3, 2], 10),
        ([3, 2, 2], [1, 1, 2], [2, 1, 1], 9),
    ],
)
def test_receptive_field_equals_the_count_found_by_perturbation(kernel_sizes, dilations, strides, expected):
    L = len(kernel_sizes)
    R = conv1d.receptive_field(kernel_sizes, dilations, strides)
    assert R == expected
    T = 3 * R + 7  # long enough that the causal padding does not cut the field short
    seen = inputs_seen(torch_causal_stack(kernel_sizes, dilations, strides or [1] * L, seed=L), T)
    assert len(seen) == R  # these stacks leave no gaps (every window overlaps the next)
    assert seen[-1] - seen[0] + 1 == R


@pytest.mark.parametrize(
    "kernel_sizes,dilations,strides,R,count",
    [
        ([1, 2], [1, 1], [2, 1], 3, 2),  # K=1, stride 2 reads every other step
        ([3, 3, 2], [1, 1, 2], [2, 2, 1], 15, 14),  # the last layer's two taps lie 8 steps apart, its field below 7
    ],
)
def test_receptive_field_spans_gaps(kernel_sizes, dilations, strides, R, count):
    """When a layer's taps lie further apart than the field below them, the span has holes."""
    assert conv1d.receptive_field(kernel_sizes, dilations, strides) == R
    seen = inputs_seen(torch_causal_stack(kernel_sizes, dilations, strides, seed=3), 3 * R + 7)
    assert seen[-1] - seen[0] + 1 == R and len(seen) == count


@pytest.mark.parametrize("t", [0, 3, 9, 39])
@pytest.mark.parametrize("kernel_sizes,dilations", [([2] * 4, [1, 2, 4, 8]), ([3, 2], [1, 3]), ([4], [1])])
def test_receptive_field_inputs_equals_perturbation(kernel_sizes, dilations, t):
    T = 40
    levels = conv1d.receptive_field_inputs(kernel_sizes, dilations, T=T, t=t)
    assert len(levels) == len(kernel_sizes) + 1 and list(levels[-1]) == [t]
    seen = inputs_seen(torch_causal_stack(kernel_sizes, dilations, [1] * len(kernel_sizes), seed=9), T, t=t)
    np.testing.assert_array_equal(levels[0], seen)
    assert len(levels[0]) == min(t + 1, conv1d.receptive_field(kernel_sizes, dilations))


def test_receptive_field_inputs_middle_layers():
    """WaveNet K=2, dilations 1, 2: the last output reads steps 39, 37 of layer 1, which read 39, 38, 37, 36."""
    levels = conv1d.receptive_field_inputs([2, 2], [1, 2], T=40)
    assert [list(level) for level in levels] == [[36, 37, 38, 39], [37, 39], [39]]


def test_receptive_field_errors():
    with pytest.raises(ValueError, match=r"dilations must have one entry per layer \(2, like kernel_sizes\), got 3"):
        conv1d.receptive_field([2, 2], [1, 2, 4])
    with pytest.raises(ValueError, match=r"strides\[1\] must be a positive int, got 0"):
        conv1d.receptive_field([2, 2], strides=[1, 0])
    with pytest.raises(ValueError, match=r"t must be an int in \[0, T=5\), got 5"):
        conv1d.receptive_field_inputs([2], T=5, t=5)


# ---- parameters ----------------------------------------------------------------------------------------


def test_params_from_torch_reverses_the_axes():
    layer = torch_conv(3, 4, 5, seed=1)
    params = conv1d.params_from_torch(layer)
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert params["W"].shape == (5, 3, 4) and params["b"].shape == (4,)
    for k, i, o in itertools.product(range(5), range(3), range(4)):
        assert params["W"][k, i, o] == weight[o, i, k]
    np.testing.assert_array_equal(params["b"], bias)
    # and back: a fresh nn.Conv1d loaded with our W and b computes the same function
    again = torch.nn.Conv1d(3, 4, 5).double()
    with torch.no_grad():
        again.weight.copy_(torch.from_numpy(params["W"]).permute(2, 1, 0))
        again.bias.copy_(torch.from_numpy(params["b"]))
    x = torch.randn(2, 3, 11, dtype=torch.float64)
    assert torch.equal(again(x), layer(x))


def test_params_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(ValueError, match="module must be a torch.nn.Conv1d, got Linear"):
        conv1d.params_from_torch(torch.nn.Linear(2, 3))
    with pytest.raises(ValueError, match=r"groups=1, padding_mode='zeros'\), got groups=2, padding_mode='zeros'"):
        conv1d.params_from_torch(torch.nn.Conv1d(2, 4, 3, groups=2))
    with pytest.raises(ValueError, match=r"got groups=1, padding_mode='circular'"):
        conv1d.params_from_torch(torch.nn.Conv1d(2, 4, 3, padding=1, padding_mode="circular"))


def test_init_params_shapes_scale_and_determinism():
    p = conv1d.init_params(3, 4, 5, seed=7)
    assert p["W"].shape == (5, 3, 4) and np.all(p["b"] == 0)
    assert np.abs(p["W"]).max() <= 1 / np.sqrt(15) and p["W"].std() > 0.05
    assert np.array_equal(p["W"], conv1d.init_params(3, 4, 5, seed=7)["W"])
    assert not np.array_equal(p["W"], conv1d.init_params(3, 4, 5, seed=8)["W"])
    with pytest.raises(ValueError, match="kernel_size must be a positive int, got 0"):
        conv1d.init_params(3, 4, 0, seed=0)


# ---- errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X_shape,params_change,kwargs,pattern",
    [
        ((5, 3), {}, {}, r"X must have shape \(N, T, C_in=3\), got \(5, 3\)"),
        ((2, 6, 4), {}, {}, r"X must have shape \(N, T, C_in=3\), got \(2, 6, 4\)"),
        ((2, 6, 3), {"W": np.zeros((3, 2))}, {}, r"W must have shape \(K, C_in, C_out\), got \(3, 2\)"),
        ((2, 6, 3), {"b": np.zeros(3)}, {}, r"^b must have shape \(C_out=2,\), got \(3,\)$"),
        ((2, 6, 3), {"b": None}, {}, r"missing \['b'\]"),
        ((2, 6, 3), {}, {"stride": 0}, "stride must be a positive int, got 0"),
        ((2, 6, 3), {}, {"stride": 1.5}, "stride must be a positive int, got 1.5"),
        ((2, 6, 3), {}, {"dilation": -1}, "dilation must be a positive int, got -1"),
        ((2, 6, 3), {}, {"padding": -2}, "padding must be a non-negative int, got -2"),
        ((2, 1, 3), {}, {}, r"T=1 is too short for kernel_size=2 with dilation=1"),
    ],
)
def test_bad_inputs_raise_clear_errors(X_shape, params_change, kwargs, pattern):
    params = conv1d.init_params(3, 2, 2, seed=0) | params_change
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(ValueError, match=pattern):
        conv1d.conv1d_forward(np.zeros(X_shape), params, **kwargs)


def test_backward_errors_name_shapes():
    _, cache = conv1d.conv1d_forward(np.zeros((2, 7, 3)), conv1d.init_params(3, 4, 3, seed=0), stride=2)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T_out=3, C_out=4\), got \(2, 7, 4\)$"):
        conv1d.conv1d_backward(np.zeros((2, 7, 4)), cache)
    with pytest.raises(ValueError, match="cache must be the Conv1dCache returned by conv1d_forward, got tuple"):
        conv1d.conv1d_backward(np.zeros((2, 3, 4)), (1, 2))


# ---- the receptive-field explorer --------------------------------------------------------------------------


def test_receptive_field_explorer_builds():
    import ipywidgets
    from matplotlib.figure import Figure

    from course_utils import plotting, widgets

    assert widgets.dilation_schedule("constant 1", 3) == [1, 1, 1]
    assert widgets.dilation_schedule("doubling 1,2,4,…", 5) == [1, 2, 4, 8, 16]
    levels = conv1d.receptive_field_inputs([2, 2], [1, 2], T=8)
    assert isinstance(plotting.plot_receptive_field(levels, T=8), Figure)
    assert isinstance(widgets.receptive_field_explorer(), ipywidgets.Widget)
