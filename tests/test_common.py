"""layers/common: the stable sigmoid, softmax and log_softmax against torch (float64), and the shared checks."""

import warnings

import numpy as np
import pytest
import torch

from course_utils.layers import common


def test_sigmoid_is_stable_far_out():
    a = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        s = common.sigmoid(a)
    np.testing.assert_array_equal(s[[0, -1]], [0.0, 1.0])
    np.testing.assert_allclose(s, torch.sigmoid(torch.from_numpy(a)).numpy(), rtol=1e-13, atol=0)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_equal_torch(axis):
    x = np.random.default_rng(0).normal(size=(3, 5, 4)) * 10
    x[0, 0, 0] = 1000.0  # large scores must not overflow
    t = torch.from_numpy(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p, logp = common.softmax(x, axis=axis), common.log_softmax(x, axis=axis)
    np.testing.assert_allclose(p, torch.softmax(t, dim=axis).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(logp, torch.log_softmax(t, dim=axis).numpy(), rtol=1e-12, atol=1e-12)


def test_softmax_default_axis_is_the_last():
    x = np.random.default_rng(1).normal(size=(2, 3))
    np.testing.assert_allclose(common.softmax(x).sum(axis=-1), 1.0, rtol=1e-15)


def test_shared_checks_use_the_contract_format():
    with pytest.raises(ValueError, match=r"^h0 must have shape \(N=2, H=3\), got \(2, 4\)$"):
        common.as_state(np.zeros((2, 4)), "h0", 2, 3)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T=5, H=3\), got \(2, 3\)$"):
        common.as_output_gradient(np.zeros((2, 3)), 2, 5, 3)
    params = {"W_xh": np.zeros((2, 4)), "W_hh": np.zeros((3, 4)), "b_h": np.zeros(4)}
    with pytest.raises(ValueError, match=r"^W_hh must have shape \(H=4, H=4\), got \(3, 4\)$"):
        common.gate_param_shapes(params, ("W_xh", "W_hh", "b_h"))
