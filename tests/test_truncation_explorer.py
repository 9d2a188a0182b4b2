"""Chapter 02's truncation explorer: its numbers against torch autograd, and the widget builds."""

import ipywidgets
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_utils import plotting, widgets


def torch_input_gradients(reach, k):
    """dL/dx_s and dL/dW_hh for L = g . h_T, with h_{T-k-1} detached when k is an int (torch, float64)."""
    p = {name: torch.tensor(v, requires_grad=True) for name, v in reach["params"].items()}
    X = torch.tensor(reach["X"][0], requires_grad=True)  # (T, D)
    T = X.shape[0]
    first = 0 if k is None else max(T - k - 1, 0)  # the window starts from h_first (h_0 = zeros)
    with torch.no_grad():
        h = torch.zeros(p["W_hh"].shape[0], dtype=torch.float64)
        for t in range(first):
            h = torch.tanh(X[t] @ p["W_xh"] + h @ p["W_hh"] + p["b_h"])
    for t in range(first, T):
        h = torch.tanh(X[t] @ p["W_xh"] + h @ p["W_hh"] + p["b_h"])
    (h @ torch.from_numpy(reach["g"])).backward()
    return X.grad.norm(dim=1).numpy(), p["W_hh"].grad.numpy()


@pytest.mark.parametrize("k", [0, 3, 10, 40])
def test_truncation_reach_equals_torch_with_the_state_detached(k):
    reach = widgets.truncation_reach(k, 0.9, T=20, H=5, D=2, seed=3)
    full, dW_full = torch_input_gradients(reach, None)
    cut, dW_cut = torch_input_gradients(reach, k)
    np.testing.assert_allclose(reach["full"], full, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(reach["truncated"], cut, rtol=1e-10, atol=1e-14)
    expected = np.linalg.norm(dW_full - dW_cut) / np.linalg.norm(dW_full)
    assert reach["dropped"] == pytest.approx(expected, rel=1e-9, abs=1e-14)
    # The loss at T reaches exactly the inputs x_{T-k} .. x_T.
    assert np.count_nonzero(reach["truncated"]) == min(k + 1, 20)
    assert np.all(reach["truncated"][20 - min(k + 1, 20):] > 0)


def test_dropped_share_properties():
    assert widgets.truncation_reach(None)["dropped"] == 0.0
    assert widgets.truncation_reach(29)["dropped"] == 0.0  # k = T - 1 reaches x_1 (and h_0, a constant)
    shares = [widgets.truncation_reach(k, 1.2)["dropped"] for k in (0, 2, 5, 10)]
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1]
    # A contracting layer forgets quickly, so truncation loses less than with a radius above 1.
    assert widgets.truncation_reach(3, 0.5)["dropped"] < widgets.truncation_reach(3, 1.3)["dropped"]


def test_truncation_reach_rejects_bad_input():
    with pytest.raises(ValueError, match="T must be a positive int, got 0"):
        widgets.truncation_reach(2, T=0)
    with pytest.raises(ValueError, match="spectral_radius must be a positive number, got -1"):
        widgets.truncation_reach(2, -1)
    with pytest.raises(ValueError, match="^truncate must be a non-negative int"):
        widgets.truncation_reach(-1)


def test_plot_and_explorer_build():
    reach = widgets.truncation_reach(4)
    fig = plotting.plot_truncation_reach(reach["full"], reach["truncated"], k=4, dependency=6, title="t")
    assert isinstance(fig, Figure) and fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="same shape"):
        plotting.plot_truncation_reach(np.ones(3), np.ones(4), k=1, dependency=1)
    assert isinstance(widgets.truncation_explorer(), ipywidgets.VBox)
