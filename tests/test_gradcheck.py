"""numerical_gradient, rel_error and check_gradients on functions whose gradients we know."""

import numpy as np
import pytest

from course_utils.layers.gradcheck import check_gradients, numerical_gradient, rel_error


def test_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    A = rng.normal(size=(4, 4))
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**2), x), 2 * x, atol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x), atol=1e-8)
    # f(X) = sum(X @ A)  =>  df/dX = ones @ A.T
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v @ A), x), np.ones((3, 4)) @ A.T, atol=1e-8)


def test_scalar_and_vector_inputs():
    assert numerical_gradient(lambda v: v**3, 2.0).shape == ()
    np.testing.assert_allclose(numerical_gradient(lambda v: v**3, 2.0), 12.0, atol=1e-6)
    np.testing.assert_allclose(numerical_gradient(lambda v: v @ v, np.arange(3.0)), 2 * np.arange(3.0), atol=1e-8)


def test_input_is_never_modified():
    x = np.random.default_rng(1).normal(size=(2, 3))
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v)
        return np.sum(v**2)

    numerical_gradient(f, x)
    assert np.array_equal(x, before)
    assert all(v is not x for v in seen)  # f always gets a new array, never the caller's
    assert len(seen) == 2 * x.size


def test_input_survives_a_function_that_mutates_its_argument():
    x = np.ones(3)
    numerical_gradient(lambda v: v.__setitem__(0, 100.0) or float(v.sum()), x)
    assert np.array_equal(x, np.ones(3))


def test_integer_input_is_differentiated_as_float():
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**2), np.array([1, 2])), [2.0, 4.0], atol=1e-8)


def test_errors():
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        numerical_gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(ValueError, match="eps must be a positive number, got 0"):
        numerical_gradient(np.sum, np.ones(2), eps=0)
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(2,\) and \(3,\)"):
        rel_error(np.ones(2), np.ones(3))


def test_rel_error_scale():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(a, a * (1 + 1e-9)) < 1e-9
    assert rel_error(a, 1e6 * a) == pytest.approx(1.0, abs=1e-5)  # symmetric, bounded by 1
    assert rel_error(a, 2 * a) == rel_error(2 * a, a)


def test_check_gradients_reports_each_name():
    rng = np.random.default_rng(2)
    arrays = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "x": rng.normal(size=(4, 3))}

    def loss(a):
        return np.sum(np.tanh(a["x"] @ a["W"] + a["b"]))

    d = 1 - np.tanh(arrays["x"] @ arrays["W"] + arrays["b"]) ** 2  # (4, 2)
    good = {"W": arrays["x"].T @ d, "b": d.sum(axis=0)}
    errors = check_gradients(loss, arrays, good)
    assert set(errors) == {"W", "b"} and max(errors.values()) < 1e-8
    bad = check_gradients(loss, arrays, {"W": good["W"], "b": d.sum(axis=0) * 0.5})
    assert bad["W"] < 1e-8 and bad["b"] > 0.1
    with pytest.raises(ValueError, match=r"grads has names that arrays lacks: \['z'\]"):
        check_gradients(loss, arrays, {"z": np.ones(2)})
