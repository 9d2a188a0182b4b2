"""gradients.py: clipping keeps direction and caps the norm; every Jacobian equals torch autograd in float64."""

import numpy as np
import pytest
import torch

from course_utils.layers import gradients as gr
from course_utils.layers import rnn

TORCH_ACT = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "linear": lambda a: a,
}
ALL = sorted(gr.ACTIVATIONS)


# ---------------------------------------------------------------- clipping


def test_clip_by_norm_caps_the_global_norm_and_keeps_the_direction():
    rng = np.random.default_rng(0)
    grads = {"W_xh": rng.normal(size=(3, 4)) * 10, "W_hh": rng.normal(size=(4, 4)) * 10, "b_h": rng.normal(size=4)}
    before = {k: v.copy() for k, v in grads.items()}
    clipped, norm = gr.clip_by_norm(grads, 1.5)
    flat = lambda d: np.concatenate([d[k].ravel() for k in sorted(d)])
    assert norm == pytest.approx(np.linalg.norm(flat(grads)))
    assert np.linalg.norm(flat(clipped)) == pytest.approx(1.5)
    cosine = flat(clipped) @ flat(grads) / (np.linalg.norm(flat(clipped)) * norm)
    assert cosine == pytest.approx(1.0)
    assert set(clipped) == set(grads)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])  # nothing modified in place
        assert clipped[k] is not grads[k]


def test_clip_by_norm_leaves_small_gradients_alone_and_accepts_one_array():
    g = np.array([3.0, 4.0])
    clipped, norm = gr.clip_by_norm(g, 10.0)
    assert norm == 5.0
    np.testing.assert_array_equal(clipped, g)
    assert clipped is not g
    clipped, norm = gr.clip_by_norm(g, 1.0)
    np.testing.assert_allclose(clipped, [0.6, 0.8])
    zero, norm = gr.clip_by_norm(np.zeros(3), 1.0)
    assert norm == 0.0 and not np.any(zero)


def test_clip_by_norm_matches_torch_clip_grad_norm():
    rng = np.random.default_rng(1)
    grads = {"a": rng.normal(size=(5, 3)) * 4, "b": rng.normal(size=7)}
    params = [torch.zeros(5, 3, dtype=torch.float64, requires_grad=True),
              torch.zeros(7, dtype=torch.float64, requires_grad=True)]
    for p, g in zip(params, grads.values()):
        p.grad = torch.from_numpy(g.copy())
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=2.0)
    clipped, norm = gr.clip_by_norm(grads, 2.0)
    assert norm == pytest.approx(float(total))
    for p, k in zip(params, grads):
        np.testing.assert_allclose(clipped[k], p.grad.numpy(), rtol=1e-6)  # torch adds 1e-6 to the norm


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), True, "1", None])
def test_clip_by_norm_rejects_a_bad_max_norm(bad):
    with pytest.raises(ValueError, match="max_norm"):
        gr.clip_by_norm(np.ones(3), bad)


def test_clip_by_norm_rejects_an_empty_dict():
    with pytest.raises(ValueError, match="grads"):
        gr.clip_by_norm({}, 1.0)


# ---------------------------------------------------------------- the scalar model


def torch_scalar_gradients(x, w, activation, w_x=0.7, b=0.1, h0=0.2):
    """dh_T/dh_{T-k} for k = 0..T, by autograd through a torch version of the neuron."""
    phi = TORCH_ACT[activation]
    states = [torch.tensor(h0, dtype=torch.float64, requires_grad=True)]
    for x_t in x:
        states.append(phi(w_x * float(x_t) + w * states[-1] + b))
    for s in states:
        s.retain_grad()
    states[-1].backward()
    T = len(x)
    return np.array([1.0] + [states[T - k].grad.item() for k in range(1, T + 1)])


@pytest.mark.parametrize("activation", ALL)
@pytest.mark.parametrize("w", [0.5, 1.3, -0.9])
def test_scalar_gradients_equal_autograd(activation, w):
    x = np.random.default_rng(2).normal(size=12)
    ours = gr.scalar_gradients(x, w, activation=activation, w_x=0.7, b=0.1, h0=0.2)
    theirs = torch_scalar_gradients(x, w, activation)
    assert ours.shape == (13,)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def test_linear_scalar_model_gives_powers_of_w():
    g = gr.scalar_gradients(np.random.default_rng(3).normal(size=6), 0.8, activation="linear")
    np.testing.assert_allclose(g, 0.8 ** np.arange(7))


def test_backward_products_multiplies_from_the_end():
    np.testing.assert_allclose(gr.backward_products([2.0, 3.0, 5.0]), [1.0, 5.0, 15.0, 30.0])
    with pytest.raises(ValueError, match="factors"):
        gr.backward_products(np.ones((2, 2)))


def test_scalar_forward_checks_its_input():
    with pytest.raises(ValueError, match=r"^x must have shape \(T,\), got \(2, 3\)$"):
        gr.scalar_forward(np.ones((2, 3)), 0.5)
    with pytest.raises(ValueError, match="activation must be one of"):
        gr.scalar_forward(np.ones(3), 0.5, activation="softplus")


# ---------------------------------------------------------------- recurrent weights


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian"])
@pytest.mark.parametrize("radius", [0.5, 1.0, 1.7])
def test_recurrent_weights_have_the_requested_spectral_radius(kind, radius):
    W = gr.recurrent_weights(16, radius, seed=4, kind=kind)
    assert W.shape == (16, 16)
    assert gr.spectral_radius(W) == pytest.approx(radius, rel=1e-9)
    if kind == "orthogonal":
        np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), radius)
    np.testing.assert_array_equal(W, gr.recurrent_weights(16, radius, seed=4, kind=kind))  # seeded


def test_recurrent_weights_reject_bad_arguments():
    with pytest.raises(ValueError, match="H must be"):
        gr.recurrent_weights(0, 1.0, seed=0)
    with pytest.raises(ValueError, match="kind"):
        gr.recurrent_weights(3, 1.0, seed=0, kind="uniform")
    with pytest.raises(ValueError, match="spectral_radius"):
        gr.recurrent_weights(3, -1.0, seed=0)
    with pytest.raises(ValueError, match=r"^W must have shape \(H=2, H=2\), got \(2, 3\)$"):
        gr.spectral_radius(np.ones((2, 3)))


# ---------------------------------------------------------------- Jacobians of a layer vs autograd


def random_case(N, T, D, H, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    params = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) * scale / np.sqrt(H),
              "b_h": rng.normal(size=H) * 0.3}
    return rng.normal(size=(N, T, D)), params, rng.normal(size=(N, H)) * 0.5


def torch_states(X, params, h, activation, start=0):
    """States h_{start+1}..h_T of one sequence X (T, D) from the state h (H,) at step `start`."""
    phi = TORCH_ACT[activation]
    W_xh, W_hh, b_h = (torch.from_numpy(params[k]) for k in ("W_xh", "W_hh", "b_h"))
    out = []
    for t in range(start, X.shape[0]):
        h = phi(torch.from_numpy(X[t]) @ W_xh + h @ W_hh + b_h)
        out.append(h)
    return out


SHAPES = [(1, 1, 1, 1), (1, 1, 2, 3), (2, 5, 3, 4), (3, 7, 1, 5)]


@pytest.mark.parametrize("activation", ALL)
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_jacobians_from_start_equal_autograd(activation, N, T, D, H):
    X, params, h0 = random_case(N, T, D, H, seed=N * 100 + T * 10 + H, scale=1.2)
    P = gr.jacobians_from_start(X, params, h0=h0, activation=activation)
    assert P.shape == (N, T, H, H)
    for n in range(N):
        for t in range(1, T + 1):
            J = torch.autograd.functional.jacobian(
                lambda h, n=n, t=t: torch_states(X[n], params, h, activation)[t - 1], torch.from_numpy(h0[n]))
            np.testing.assert_allclose(P[n, t - 1], J.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", ALL)
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_jacobians_to_end_equal_autograd(activation, N, T, D, H):
    X, params, h0 = random_case(N, T, D, H, seed=7 + N + T + H, scale=0.9)
    Q = gr.jacobians_to_end(X, params, h0=h0, activation=activation)
    assert Q.shape == (N, T + 1, H, H)
    H_all = [h0] + [h for h in np.moveaxis(rnn_states(X, params, h0, activation), 1, 0)]  # h_0 .. h_T
    for n in range(N):
        np.testing.assert_array_equal(Q[n, 0], np.eye(H))
        for k in range(1, T + 1):
            s = T - k  # differentiate h_T with respect to h_s
            J = torch.autograd.functional.jacobian(
                lambda h, n=n, s=s: torch_states(X[n], params, h, activation, start=s)[-1],
                torch.from_numpy(H_all[s][n]))
            np.testing.assert_allclose(Q[n, k], J.numpy(), rtol=1e-9, atol=1e-12)


def rnn_states(X, params, h0, activation):
    """States (N, T, H) from our own preactivations, for any of the four activations."""
    return gr.ACTIVATIONS[activation](gr.preactivations(X, params, h0=h0, activation=activation))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_preactivations_follow_rnn_forward(activation):
    X, params, h0 = random_case(3, 6, 2, 4, seed=11)
    H_all, _ = rnn.rnn_forward(X, params, h0=h0, activation=activation)
    np.testing.assert_allclose(rnn_states(X, params, h0, activation), H_all, rtol=0, atol=1e-14)


def test_step_jacobians_are_diag_of_the_derivative_times_W_hh_transposed():
    X, params, h0 = random_case(2, 3, 2, 4, seed=12)
    J = gr.step_jacobians(X, params, h0=h0, activation="tanh")
    A = gr.preactivations(X, params, h0=h0)
    for n in range(2):
        for t in range(3):
            expected = np.diag(1 - np.tanh(A[n, t]) ** 2) @ params["W_hh"].T
            np.testing.assert_allclose(J[n, t], expected, rtol=1e-14)


def test_gradient_row_vector_through_the_jacobian_equals_rnn_backward():
    """g @ dh_T/dh_0 is the gradient that rnn_backward sends to h0 from a loss on the last state."""
    X, params, h0 = random_case(2, 6, 3, 4, seed=13)
    g = np.random.default_rng(14).normal(size=(2, 4))
    Q = gr.jacobians_to_end(X, params, h0=h0)
    _, cache = rnn.rnn_forward(X, params, h0=h0)
    dout = np.zeros((2, 6, 4))
    dout[:, -1] = g
    grads = rnn.rnn_backward(dout, cache)
    np.testing.assert_allclose(np.einsum("ni,nij->nj", g, Q[:, -1]), grads["h0"], rtol=1e-10, atol=1e-14)


def test_linear_layer_with_orthogonal_weights_scales_norms_by_radius_to_the_power_t():
    H, T, rho = 6, 10, 0.8
    params = {"W_xh": np.ones((1, H)), "W_hh": gr.recurrent_weights(H, rho, seed=0), "b_h": np.zeros(H)}
    P = gr.jacobians_from_start(np.ones((1, T, 1)), params, activation="linear")
    np.testing.assert_allclose(gr.jacobian_norms(P)[0], rho ** np.arange(1, T + 1), rtol=1e-10)


def test_jacobian_norms_spectral_and_frobenius():
    J = np.random.default_rng(15).normal(size=(3, 4, 5, 5))
    np.testing.assert_allclose(gr.jacobian_norms(J), np.linalg.svd(J, compute_uv=False)[..., 0])
    np.testing.assert_allclose(gr.jacobian_norms(J, ord="fro"), np.sqrt((J**2).sum(axis=(-2, -1))))
    with pytest.raises(ValueError, match="ord"):
        gr.jacobian_norms(J, ord=1)
    with pytest.raises(ValueError, match="stack of matrices"):
        gr.jacobian_norms(np.ones(3))


def test_layer_jacobians_check_shapes_with_clear_messages():
    X, params, h0 = random_case(2, 3, 2, 4, seed=16)
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D=2\), got \(3, 2\)"):
        gr.jacobians_from_start(X[0], params)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N=2, H=4\), got \(4,\)"):
        gr.jacobians_to_end(X, params, h0=h0[0])
    with pytest.raises(ValueError, match="activation must be one of"):
        gr.step_jacobians(X, params, activation="gelu")


# ---------------------------------------------------------------- the widget's pure function and the plot helpers


def test_gradient_norm_curve_of_a_linear_layer_is_radius_to_the_power_k():
    from course_utils import widgets

    k, norms = widgets.gradient_norm_curve(0.9, "linear", 30, 1.0)
    assert k.shape == norms.shape == (31,)
    np.testing.assert_allclose(norms, 0.9 ** np.arange(31), rtol=1e-9)


@pytest.mark.parametrize("activation", ALL)
def test_gradient_norm_curve_equals_the_jacobian_helpers(activation):
    from course_utils import widgets

    _, norms = widgets.gradient_norm_curve(1.2, activation, 12, 0.5, H=6, N=3, seed=4)
    rng = np.random.default_rng(4)  # rebuild the same layer and inputs, in the documented order
    params = {"W_xh": rng.normal(size=(4, 6)) / 2, "W_hh": gr.recurrent_weights(6, 1.2, seed=4), "b_h": np.zeros(6)}
    X = 0.5 * rng.normal(size=(3, 12, 4))
    expected = np.median(gr.jacobian_norms(gr.jacobians_to_end(X, params, activation=activation)), axis=0)
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


def test_gradient_norm_curve_rejects_a_bad_length():
    from course_utils import widgets

    with pytest.raises(ValueError, match="n_steps must be a positive int"):
        widgets.gradient_norm_curve(1.0, "tanh", 0, 1.0)


def test_gradient_explorer_builds():
    import ipywidgets

    from course_utils import widgets

    assert isinstance(widgets.gradient_explorer(), ipywidgets.VBox)


def test_chapter_03_plot_helpers_return_figures_and_check_their_input():
    import copy

    import matplotlib
    from matplotlib.figure import Figure

    from course_utils import plotting

    before = copy.deepcopy(dict(matplotlib.rcParams))
    fig = plotting.plot_gradient_decay({"relu": np.array([1.0, 1.0, 0.0, 0.0]), "tanh": 0.5 ** np.arange(4)})
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 3  # two curves and the "exactly 0" marker
    fig = plotting.plot_accuracy_vs_length([5, 10], np.array([[1.0, 0.9], [0.3, 0.25]]), chance=0.25)
    assert isinstance(fig, Figure)
    assert dict(matplotlib.rcParams) == before
    with pytest.raises(ValueError, match="at least one series"):
        plotting.plot_gradient_decay({})
    with pytest.raises(ValueError, match=r"accuracies must have shape \(L=2, R\)"):
        plotting.plot_accuracy_vs_length([5, 10], np.ones(2), chance=0.25)
