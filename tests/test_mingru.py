"""minGRU: sequential = parallel = the torch twin (forward and gradients, float64), one step = the equations,
the backward against finite differences, params_from_torch, and the error messages."""

import numpy as np
import pytest
import torch

from course_utils.layers import mingru
from course_utils.layers.gradcheck import check_gradients
from course_utils.models.mingru import MinGRU

KEYS = ("X", "h0", "W_z", "W_h", "b_z", "b_h")


def torch_twin(D, H, seed):
    """A float64 MinGRU with every weight and both biases random (and different)."""
    torch.manual_seed(seed)
    layer = MinGRU(D, H).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.7)
    return layer


def torch_gradients(layer, X, h0, dout, parallel):
    layer.parallel = parallel
    X_t, h0_t = torch.tensor(X, requires_grad=True), torch.tensor(h0, requires_grad=True)
    layer.zero_grad()
    out, last = layer(X_t, h0_t)
    (out * torch.from_numpy(dout)).sum().backward()
    assert torch.equal(last, out[:, -1])
    grads = {"X": X_t.grad.numpy(), "h0": h0_t.grad.numpy(), "W_z": layer.to_z.weight.grad.numpy().T,
             "W_h": layer.to_h.weight.grad.numpy().T, "b_z": layer.to_z.bias.grad.numpy(),
             "b_h": layer.to_h.bias.grad.numpy()}
    return out.detach().numpy(), grads


@pytest.mark.parametrize("N,T,D,H", [(1, 1, 1, 1), (2, 7, 3, 4), (3, 64, 2, 5), (2, 1500, 3, 2)])
def test_sequential_parallel_and_torch_agree(N, T, D, H):
    rng = np.random.default_rng(T)
    X, h0, dout = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
    layer = torch_twin(D, H, seed=T)
    params = mingru.params_from_torch(layer)
    assert len({float(np.abs(v).sum()) for v in params.values()}) == 4  # four different random arrays
    for parallel in (True, False):
        want, want_grads = torch_gradients(layer, X, h0, dout, parallel)
        out, cache = mingru.mingru_forward(X, params, h0=h0, parallel=parallel)
        np.testing.assert_allclose(out, want, rtol=0, atol=1e-10)
        grads = mingru.mingru_backward(dout, cache)
        assert tuple(grads) == KEYS
        for key in KEYS:
            np.testing.assert_allclose(grads[key], want_grads[key], rtol=0, atol=1e-10, err_msg=key)
    seq, _ = mingru.mingru_forward(X, params, parallel=False)
    par, _ = mingru.mingru_forward(X, params, parallel=True)  # h0 omitted: zeros
    np.testing.assert_allclose(seq, par, rtol=0, atol=1e-10)
    np.testing.assert_allclose(par, mingru.mingru_forward(X, params, h0=np.zeros((N, H)))[0], atol=0)


def test_one_step_is_the_equations_and_the_sequence_is_its_steps():
    rng = np.random.default_rng(2)
    p = mingru.init_params(3, 4, seed=1) | {"b_z": rng.normal(size=4), "b_h": rng.normal(size=4)}
    x, h_prev = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    h, cache = mingru.mingru_step_forward(x, h_prev, p)
    z = 1 / (1 + np.exp(-(x @ p["W_z"] + p["b_z"])))
    np.testing.assert_allclose(h, (1 - z) * h_prev + z * (x @ p["W_h"] + p["b_h"]), atol=1e-14)
    np.testing.assert_allclose(cache.z, z, atol=1e-14)
    X = rng.normal(size=(5, 6, 3))
    out, _ = mingru.mingru_forward(X, p, h0=h_prev)
    h = h_prev
    for t in range(6):
        h, _ = mingru.mingru_step_forward(X[:, t], h, p)
        np.testing.assert_allclose(out[:, t], h, atol=1e-12)


def test_backward_against_finite_differences():
    rng = np.random.default_rng(4)
    X, h0, dout = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 5, 4))
    params = {k: rng.normal(size=v.shape) for k, v in mingru.init_params(3, 4, seed=0).items()}
    out, cache = mingru.mingru_forward(X, params, h0=h0)
    grads = mingru.mingru_backward(dout, cache)

    def loss(arrays):
        p = {k: arrays[k] for k in params}
        return float((mingru.mingru_forward(arrays["X"], p, h0=arrays["h0"])[0] * dout).sum())

    errors = check_gradients(loss, {"X": X, "h0": h0, **params}, grads)
    assert max(errors.values()) < 1e-7, errors


def test_init_params_shapes_and_errors():
    p = mingru.init_params(3, 5, seed=0)
    assert {k: v.shape for k, v in p.items()} == {"W_z": (3, 5), "W_h": (3, 5), "b_z": (5,), "b_h": (5,)}
    X = np.zeros((2, 4, 3))
    with pytest.raises(ValueError, match=r"^X must have shape \(N, T, D=3\), got \(4, 3\)$"):
        mingru.mingru_forward(X[0], p)
    with pytest.raises(ValueError, match=r"^W_h must have shape \(D=3, H=5\), got \(5, 5\)$"):
        mingru.mingru_forward(X, p | {"W_h": np.zeros((5, 5))})
    with pytest.raises(ValueError, match=r"missing \['b_h'\]"):
        mingru.mingru_forward(X, {k: v for k, v in p.items() if k != "b_h"})
    with pytest.raises(ValueError, match=r"^h0 must have shape \(N=2, H=5\), got \(2, 4\)$"):
        mingru.mingru_forward(X, p, h0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"^x must have shape \(N, D=3\), got \(2, 4\)$"):
        mingru.mingru_step_forward(np.zeros((2, 4)), np.zeros((2, 5)), p)
    with pytest.raises(ValueError, match="MinGRU"):
        mingru.params_from_torch(torch.nn.GRU(3, 5))
    with pytest.raises(ValueError, match="D must be a positive int"):
        mingru.init_params(0, 5, seed=0)
