"""Chapter 03 checkers accept correct solutions and name the classic mistakes."""

import numpy as np
import pytest
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch03 as ex_ch03
from course_utils.layers import gradients


def good_scalar_gradient(dphi, w):
    g = [1.0]
    for d in dphi[::-1]:  # walk back from the last step
        g.append(g[-1] * d * w)
    return np.array(g)


def good_step_jacobian(a, W_hh):
    return np.diag(1 - np.tanh(a) ** 2) @ W_hh.T


def good_jacobian_to_end(J):
    T, H, _ = J.shape
    Q = np.empty((T + 1, H, H))
    Q[0] = np.eye(H)
    for k in range(1, T + 1):
        Q[k] = Q[k - 1] @ J[T - k]
    return Q


@pytest.mark.parametrize(
    "checker,solution",
    [
        (ex.check_scalar_gradient, lambda d, w: gradients.backward_products(np.asarray(d) * w)),
    ],
)
def test_other_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)




@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda d, w: np.concatenate([[1.0], np.cumprod(np.asarray(d) * w)]), "FIRST step forwards"),
        (lambda d, w: np.concatenate([[1.0], np.cumprod(np.asarray(d)[::-1])]), "AND by the recurrent weight"),
        (lambda d, w: float(w) ** np.arange(len(d) + 1.0), "derivative phi'(a_s) is missing"),
        (lambda d, w: np.concatenate([[1.0], np.cumsum((np.asarray(d) * w)[::-1])]), "np.cumprod"),
    ],
)
def test_scalar_gradient_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_scalar_gradient, wrong, "not quite", hint)


def test_a_missing_first_entry_is_named():
    fails_with(ex.check_scalar_gradient, lambda d, w: np.cumprod((np.asarray(d) * w)[::-1]),
               "one entry too few", "g[0] = 1")
    fails_with(ex.check_jacobian_to_end, lambda J: good_jacobian_to_end(J)[1:], "one entry too few",
               "Q[0] must be the identity")


def test_a_crash_is_reported_by_the_general_checker():
    def crashes(d, w):
        raise IndexError("index 7 is out of bounds")

    fails_with(ex.check_scalar_gradient, crashes, "raised IndexError")


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda a, W: np.diag(1 - np.tanh(a) ** 2) @ W, "not diag(phi') @ W_hh"),
        (lambda a, W: W.T @ np.diag(1 - np.tanh(a) ** 2), "multiplies the ROWS"),
        (lambda a, W: np.diag(np.tanh(a)) @ W.T, "1 - tanh(a)**2"),
        (lambda a, W: W.T.copy(), "derivative diag(1 - tanh(a)**2) is missing"),
    ],
)
def test_step_jacobian_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_step_jacobian, wrong, hint)


def wrong_order(J):
    T, H, _ = J.shape
    Q = [np.eye(H)]
    for k in range(1, T + 1):
        Q.append(J[T - k] @ Q[-1])
    return np.array(Q)


def from_start(J):
    Q = [np.eye(J.shape[1])]
    for s in range(len(J)):
        Q.append(J[s] @ Q[-1])
    return np.array(Q)


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (wrong_order, "do not commute"),
        (from_start, "products from the START"),
    ],
)
def test_jacobian_to_end_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_jacobian_to_end, wrong, hint)


def test_jacobian_to_end_reference_matches_the_package():
    """The checker's reference and gradients.jacobians_to_end agree on a real layer."""
    rng = np.random.default_rng(0)
    params = {"W_xh": rng.normal(size=(2, 3)), "W_hh": rng.normal(size=(3, 3)) * 0.5, "b_h": rng.normal(size=3)}
    X = rng.normal(size=(1, 5, 2))
    J = gradients.step_jacobians(X, params)[0]  # (T, H, H)
    np.testing.assert_allclose(ex_ch03._to_end_reference(J), gradients.jacobians_to_end(X, params)[0], rtol=1e-12)
    a = gradients.preactivations(X, params)[0, 2]
    np.testing.assert_allclose(ex_ch03._step_jacobian_reference(a, params["W_hh"]), J[2], rtol=1e-12)


# ---- how far back a gradient reaches ----------------------------------------------------------


def good_reach(g, Q, fraction):
    start = np.linalg.norm(g)
    for k in range(1, len(Q)):
        if np.linalg.norm(g @ Q[k]) < fraction * start:
            return k - 1
    return len(Q) - 1


def test_reach_reference_against_a_plain_loop_on_jacobians_of_a_real_layer():
    """On Q from gradients.jacobians_to_end of a tanh layer the reference equals an independent plain loop."""
    rng = np.random.default_rng(0)
    params = {"W_xh": rng.normal(size=(2, 4)), "W_hh": gradients.recurrent_weights(4, 0.9, seed=0), "b_h": np.zeros(4)}
    Q = gradients.jacobians_to_end(rng.normal(size=(1, 30, 2)), params)[0]
    g = rng.normal(size=4)
    for fraction in (0.9, 0.5, 0.1, 1e-3, 1e-12):
        assert ex_ch03._reach_reference(g, Q, fraction) == good_reach(g, Q, fraction)
    assert ex_ch03._reach_reference(g, Q, 1e-12) == 30 > ex_ch03._reach_reference(g, Q, 0.1)


def test_reach_cases_tell_every_mistake_apart():
    """Each mistake gives a wrong answer on some case, at which no earlier mistake gives the same answer."""
    cases = ex_ch03._reach_cases()
    mistakes = ex_ch03.REACH_MISTAKES
    for j, mistake in enumerate(mistakes):
        assert any(mistake.wrong(*c.args) != ex_ch03._reach_reference(*c.args)
                   and all(m.wrong(*c.args) != mistake.wrong(*c.args) for m in mistakes[:j]) for c in cases), j


def absolute_reach(g, Q, fraction):
    """The reach against the line `fraction` itself, not `fraction * ||g||`."""
    for k in range(1, len(Q)):
        if np.linalg.norm(g @ Q[k]) < fraction:
            return k - 1
    return len(Q) - 1


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (lambda g, Q, f: good_reach(g, np.transpose(Q, (0, 2, 1)), f), ["g @ Q[k]", "not Q[k] @ g"]),
        (lambda g, Q, f: sum(np.linalg.norm(g @ Q[k]) >= f * np.linalg.norm(g) for k in range(1, len(Q))),
         ["FIRST fall"]),
        (lambda g, Q, f: good_reach(g, Q, f) + 1, ["off by one", "BELOW the line"]),
        (absolute_reach, ["fraction * ||g||"]),
        (lambda g, Q, f: good_reach(g, Q, f) + 0.5, ["whole number"]),
        (lambda g, Q, f: 2 * good_reach(g, Q, f) + 7, ["expected 2, got 11", "stopping at the first k below"]),
        (lambda g, Q, f: [good_reach(g, Q, f)], ["expected a whole number"]),
    ],
)
def test_reach_diagnoses(wrong, fragments):
    fails_with(ex.check_gradient_reach, wrong, *fragments)
