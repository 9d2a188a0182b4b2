"""Chapter 03 checkers: gradients across time (scalar products and Jacobians)."""

import numpy as np

from course_utils.exercises.engine import Case, Mistake, check_function, check_number

# ---------------------------------------------------------------- chapter 03: gradients across time


def _one_short(short_shape, hint):
    """A `diagnose` for check_function: an answer of `short_shape(*args)` -- one entry too few -- gets `hint`."""

    def diagnose(args, got):
        if got[0].shape == short_shape(*args):
            return f"got shape {got[0].shape}, one entry too few.\nHint: {hint}"
        return None

    return diagnose


def _scalar_product_reference(dphi, w):
    """g[k] = prod over the LAST k steps of dphi_s * w, k = 0..T; (T,) -> (T+1,)."""
    return np.concatenate([[1.0], np.cumprod((np.asarray(dphi, dtype=np.float64) * w)[::-1])])


def check_scalar_gradient(student_fn):
    """Exercise: `scalar_gradient(dphi, w) -> g (T+1,)` with g[k] = dh_T/dh_{T-k} = prod of the last k dphi_s * w."""
    rng = np.random.default_rng(500)
    cases = [
        Case("one step", (np.array([0.5]), 0.9)),
        Case("tanh-like derivatives, w = 1.2", (rng.uniform(0.2, 1.0, size=6), 1.2)),
        Case("a dead relu step in the middle", (np.array([1.0, 1.0, 0.0, 1.0, 1.0]), 1.5)),
        Case("negative weight, ten steps", (rng.uniform(0.0, 0.25, size=10), -3.0)),
    ]
    mistakes = (
        Mistake(lambda d, w: np.concatenate([[1.0], np.cumprod(d * w)]),
                "you multiplied from the FIRST step forwards. Going k steps back from h_T crosses the LAST k "
                "steps: reverse the factors (factors[::-1]) before the running product."),
        Mistake(lambda d, w: np.concatenate([[1.0], np.cumprod(d[::-1])]),
                "each step back multiplies by phi'(a_s) AND by the recurrent weight w."),
        Mistake(lambda d, w: w ** np.arange(len(d) + 1.0),
                "that is w**k: the activation's derivative phi'(a_s) is missing from each factor."),
        Mistake(lambda d, w: np.concatenate([[1.0], np.cumsum((d * w)[::-1])]),
                "the chain rule multiplies the factors; you added them (use np.cumprod, not np.cumsum)."),
    )
    short = _one_short(lambda d, w: (len(d),),
                       "g must start with g[0] = 1 (zero steps back: dh_T/dh_T = 1), so it has T + 1 entries.")
    return check_function("scalar_gradient", student_fn, _scalar_product_reference, cases, mistakes, diagnose=short)


def _step_jacobian_reference(a, W_hh):
    """dh_t/dh_{t-1} for a tanh layer, outputs first: diag(1 - tanh(a)^2) @ W_hh.T, (H, H)."""
    return (1.0 - np.tanh(a) ** 2)[:, None] * W_hh.T


def check_step_jacobian(student_fn):
    """Exercise: `step_jacobian(a, W_hh) -> J (H, H)` with J[j, i] = dh_t[j]/dh_{t-1}[i] for h_t = tanh(a_t)."""
    cases = []
    for seed, H in enumerate([1, 3, 5]):
        rng = np.random.default_rng(600 + seed)
        cases.append(Case(f"H = {H}", (rng.normal(size=H), rng.normal(size=(H, H)))))
    dphi = lambda a: 1.0 - np.tanh(a) ** 2  # noqa: E731
    mistakes = (
        Mistake(lambda a, W: dphi(a)[:, None] * W,
                "row j of the Jacobian holds d h_t[j] / d h_{t-1}[i] = phi'(a_j) * W_hh[i, j]: "
                "with row vectors that is diag(phi') @ W_hh.T, not diag(phi') @ W_hh."),
        Mistake(lambda a, W: W.T * dphi(a)[None, :],
                "the derivative multiplies the ROWS (outputs j), not the columns: diag(phi'(a)) @ W_hh.T."),
        Mistake(lambda a, W: np.tanh(a)[:, None] * W.T,
                "use the derivative of tanh, 1 - tanh(a)**2, not tanh(a) itself."),
        Mistake(lambda a, W: W.T, "the activation's derivative diag(1 - tanh(a)**2) is missing."),
    )
    return check_function("step_jacobian", student_fn, _step_jacobian_reference, cases, mistakes)


def _to_end_reference(J):
    """Q[k] = dh_T/dh_{T-k} = J_T @ ... @ J_{T-k+1} for k = 0..T; J (T, H, H) -> Q (T+1, H, H)."""
    T, H, _ = J.shape
    Q = [np.eye(H)]
    for k in range(1, T + 1):
        Q.append(Q[-1] @ J[T - k])
    return np.array(Q)


def _to_end_wrong_order(J):
    T, H, _ = J.shape
    Q = [np.eye(H)]
    for k in range(1, T + 1):
        Q.append(J[T - k] @ Q[-1])
    return np.array(Q)


def _from_start(J):
    Q = [np.eye(J.shape[1])]
    for s in range(len(J)):
        Q.append(J[s] @ Q[-1])
    return np.array(Q)


def check_jacobian_to_end(student_fn):
    """Exercise: `jacobian_to_end(J) -> Q (T+1, H, H)` with Q[k] = dh_T/dh_{T-k}, from step Jacobians J (T, H, H)."""
    cases = []
    for seed, (T, H) in enumerate([(1, 2), (3, 3), (6, 4)]):
        rng = np.random.default_rng(700 + seed)
        cases.append(Case(f"T = {T}, H = {H}", (rng.normal(size=(T, H, H)) * 0.7,)))
    mistakes = (
        Mistake(_to_end_wrong_order,
                "matrix products do not commute: extend with Q[k] = Q[k-1] @ J[T-k] (the new, older Jacobian on "
                "the RIGHT), not J[T-k] @ Q[k-1]."),
        Mistake(_from_start,
                "those are dh_k/dh_0, products from the START. Q[k] must end at h_T: Q[k] = dh_T/dh_{T-k}, "
                "built from the last Jacobian backwards."),
    )
    short = _one_short(lambda J: J.shape, "Q[0] must be the identity (zero steps back), so Q has T + 1 matrices.")
    return check_function("jacobian_to_end", student_fn, _to_end_reference, cases, mistakes, diagnose=short)


# ---------------------------------------------------------------- chapter 03: how far back a gradient reaches


def _norms_back(g, Q):
    """||g @ Q[k]|| for k = 0..T: the size of the gradient g (H,) sent k steps back through Q (T+1, H, H)."""
    return np.array([np.linalg.norm(g @ Qk) for Qk in Q])


def _reach_reference(g, Q, fraction):
    """The largest k such that every ||g @ Q[j]||, j = 0..k, is at least fraction * ||g||; T when it never falls."""
    norms = _norms_back(g, Q)
    reach = 0
    while reach + 1 < len(norms) and norms[reach + 1] >= fraction * norms[0]:
        reach += 1
    return reach


def _reach_cases():
    """Q[k] with a chosen size ||g @ Q[k]|| = size[k] * ||g||, so that the curve falls, recovers and falls again.

    Each Q[k] (k >= 1) is a random non-symmetric matrix rescaled to that size: Q[k] @ g has other norms.
    """
    specs = [  # (H, ||g||, sizes for k = 1..T, fraction, label)
        (3, 3.0, [0.9, 0.6, 0.2, 0.5, 0.3, 0.1, 0.05], 0.25, "the norm dips below, recovers, then fades"),
        (2, 0.2, [1.2, 0.8, 1.5], 0.5, "never falls below: the reach is T"),
        (4, 1.0, [0.05, 2.0, 2.0], 0.1, "falls below at the first step back"),
        (3, 2.0, [0.7, 0.4, 0.45, 0.35, 0.25, 0.5, 0.1, 0.05], 0.3, "a longer curve that wobbles"),
        (2, 1.0, [], 0.5, "T = 0: no step back"),
    ]
    cases = []
    for seed, (H, g_norm, sizes, fraction, label) in enumerate(specs):
        rng = np.random.default_rng(900 + seed)
        g = rng.normal(size=H)
        g *= g_norm / np.linalg.norm(g)
        Q = [np.eye(H)]
        for size in sizes:
            A = np.eye(H) + 1.5 * rng.normal(size=(H, H))
            Q.append(A * size * g_norm / np.linalg.norm(g @ A))
        cases.append(Case(f"H = {H}, T = {len(sizes)}, fraction = {fraction} ({label})", (g, np.array(Q), fraction)))
    return cases


def _count_above(g, Q, fraction):
    norms = _norms_back(g, Q)
    return int(np.sum(norms[1:] >= fraction * norms[0]))


def _first_below(g, Q, fraction):
    return _reach_reference(g, Q, fraction) + 1


def _absolute_reach(g, Q, fraction):
    norms = _norms_back(g, Q)
    reach = 0
    while reach + 1 < len(norms) and norms[reach + 1] >= fraction:
        reach += 1
    return reach


REACH_MISTAKES = (
    Mistake(lambda g, Q, f: _reach_reference(g, np.transpose(Q, (0, 2, 1)), f),
            "g is a row vector: the gradient k steps back is g @ Q[k] (dL/dh_T times dh_T/dh_(T-k)), "
            "not Q[k] @ g."),
    Mistake(_count_above,
            "you counted every k where the norm is above the line, but the reach stops at the FIRST fall: "
            "once the gradient has dropped below, a later recovery does not count."),
    Mistake(_first_below,
            "off by one: that is the first k where the norm is already BELOW the line. The reach is the last k "
            "before it, the number of steps the gradient survives."),
    Mistake(_absolute_reach,
            "compare with a fraction of the START, fraction * ||g|| (k = 0), not with the fraction itself."),
)


def check_gradient_reach(student_fn):
    """Exercise: `gradient_reach(g, Q, fraction) -> int`, how many steps back the gradient g (H,) stays large.

    With Q (T+1, H, H), Q[k] = dh_T/dh_(T-k): the largest k such that ||g @ Q[j]|| >= fraction * ||g|| for
    every j = 0..k (T when it never falls below).
    """

    def whole(args, got):
        if not float(got).is_integer():
            return f"a number of steps is a whole number, got {got!r}.\nCount the steps with an int."
        return None

    return check_number(
        "gradient_reach", student_fn, _reach_reference, _reach_cases(), REACH_MISTAKES, diagnose=whole,
        advice="Compute the norm of g @ Q[k] for k = 0, 1, ..., T, then count how many steps back it stays at or "
               "above fraction times the first norm, stopping at the first k below.",
    )
