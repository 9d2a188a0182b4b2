"""Chapter 09 checkers: the scan's combine step, one sweep of the scan, one minGRU step, linear attention as an RNN.

References written out here (the policy is in `course_utils.exercises`: the chapter's exercises re-derive
the layers it teaches, so the checkers do not grade against those same layers; their tests compare these
references with the layers and with torch).
"""

import numpy as np

from course_utils.exercises.engine import Case, Mistake, check_function, check_outputs

# ---------------------------------------------------------------- the combine step


def _combine_reference(a1, b1, a2, b2):
    """(a1, b1) then (a2, b2): h -> a2 (a1 h + b1) + b2 = (a1 a2) h + (a2 b1 + b2)."""
    return a1 * a2, a2 * b1 + b2


COMBINE_MISTAKES = (
    Mistake(lambda a1, b1, a2, b2: (a1 * a2, a1 * b2 + b1),
            "you composed the two steps in the other order: (a, b) is applied FIRST. Write h -> a h + b, then "
            "feed the result into h -> a' h + b': a' (a h + b) + b'. The earlier b is multiplied by the LATER a'."),
    Mistake(lambda a1, b1, a2, b2: (a1 * a2, a1 * b1 + b2),
            "the earlier b is multiplied by its own a: a step's multiplier acts on the state it receives, so b "
            "(the output of the first step) is multiplied by the second step's a'."),
    Mistake(lambda a1, b1, a2, b2: (a1 * a2, b1 + b2),
            "you added the two b's: the first step's b passes through the second step, which multiplies it by a'."),
    Mistake(lambda a1, b1, a2, b2: (a1 + a2, a2 * b1 + b2),
            "the multipliers add: composing h -> a h and h -> a' h gives h -> a' a h, a product, not a sum."),
    Mistake(lambda a1, b1, a2, b2: (a1 * a2, a2 * (b1 + b2)),
            "you multiplied b' by a' too: the second step adds its b' AFTER multiplying, so only b is scaled."),
)


def _combine_cases():
    cases = []
    for seed, shape in enumerate([(3,), (2, 4), (5, 1, 3)]):
        rng = np.random.default_rng(1900 + seed)
        a1, b1, a2, b2 = rng.uniform(-1, 1, shape), rng.normal(size=shape), rng.uniform(-1, 1, shape), \
            rng.normal(size=shape)
        cases.append(Case(f"arrays of shape {shape}", (a1, b1, a2, b2)))
    cases.append(Case("scalars: a = 0.5, b = 1, a' = 3, b' = -2", (0.5, 1.0, 3.0, -2.0)))
    return cases


def check_combine(student_fn):
    """Exercise: `combine(a1, b1, a2, b2) -> (a, b)`, the step (a1, b1) followed by (a2, b2), element-wise."""
    return check_outputs("combine", student_fn, _combine_reference, _combine_cases(), COMBINE_MISTAKES,
                         parts=("a", "b"), atol=1e-12,
                         advice="Write the two steps as maps h -> a1 h + b1, then h -> a2 h + b2; substitute the "
                                "first into the second and read off the multiplier of h and the constant.")


# ---------------------------------------------------------------- one sweep of the scan


def _sweep_reference(A, B, offset):
    """Entry t >= offset becomes (entry t - offset) o (entry t), every right-hand side read from the old sweep."""
    A_new, B_new = A.copy(), B.copy()
    A_new[:, offset:] = A[:, :-offset] * A[:, offset:]
    B_new[:, offset:] = A[:, offset:] * B[:, :-offset] + B[:, offset:]
    return A_new, B_new


def _sweep_in_place(A, B, offset):
    """Left to right in place: entry t reads entry t - offset after that one was already updated this sweep."""
    A, B = A.copy(), B.copy()
    for t in range(offset, A.shape[1]):
        A[:, t], B[:, t] = A[:, t - offset] * A[:, t], A[:, t] * B[:, t - offset] + B[:, t]
    return A, B


def _sweep_forward(A, B, offset):
    """Combined with the entry offset steps LATER instead of earlier."""
    A_new, B_new = A.copy(), B.copy()
    A_new[:, :-offset] = A[:, :-offset] * A[:, offset:]
    B_new[:, :-offset] = A[:, :-offset] * B[:, offset:] + B[:, :-offset]
    return A_new, B_new


def _sweep_swapped(A, B, offset):
    A_new, B_new = A.copy(), B.copy()
    A_new[:, offset:] = A[:, :-offset] * A[:, offset:]
    B_new[:, offset:] = A[:, :-offset] * B[:, offset:] + B[:, :-offset]
    return A_new, B_new


def _sweep_dropped_head(A, B, offset):
    A_new, B_new = _sweep_reference(A, B, offset)
    A_new[:, :offset], B_new[:, :offset] = 1.0, 0.0
    return A_new, B_new


SWEEP_MISTAKES = (
    Mistake(_sweep_in_place,
            "you updated the arrays in place from left to right, so entry t read entry t - offset AFTER it had "
            "already been combined in this sweep. Every combine of a sweep must read the previous sweep's values: "
            "compute the new slices from the old arrays (or from copies) before writing any of them."),
    Mistake(_sweep_forward,
            "you combined each entry with the one offset steps LATER. A prefix grows backwards in time: entry t "
            "takes in the steps before it, (entry t - offset) o (entry t)."),
    Mistake(_sweep_swapped,
            "the two entries are combined in the wrong order: the earlier one (t - offset) comes first, so the "
            "new B is A[t] * B[t - offset] + B[t]."),
    Mistake(_sweep_dropped_head,
            "the first `offset` entries have no partner this sweep, but they are not empty: they keep their "
            "values (they already hold their whole prefix)."),
)


def _sweep_cases():
    cases = []
    for seed, (N, T, H, offset) in enumerate([(1, 5, 1, 1), (2, 8, 3, 2), (2, 9, 2, 4), (1, 7, 2, 4), (3, 6, 2, 1)]):
        rng = np.random.default_rng(1910 + seed)
        A, B = rng.uniform(-1, 1, (N, T, H)), rng.normal(size=(N, T, H))
        cases.append(Case(f"A, B of shape {(N, T, H)}, offset {offset}", (A, B, offset)))
    return cases


def check_scan_sweep(student_fn):
    """Exercise: `scan_sweep(A, B, offset) -> (A_new, B_new)`, one Hillis-Steele sweep on (N, T, H) arrays."""
    return check_outputs("scan_sweep", student_fn, _sweep_reference, _sweep_cases(), SWEEP_MISTAKES,
                         parts=("A", "B"), atol=1e-12,
                         in_place="Build new arrays (A.copy(), then assign slices) instead of editing A and B.",
                         advice="Entry t >= offset is combine(entry t - offset, entry t), entries t < offset are "
                                "unchanged; all read from the arrays as they were before the sweep.")


# ---------------------------------------------------------------- one minGRU step


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _mingru_reference(x, h_prev, W_z, b_z, W_h, b_h):
    z = _sigmoid(x @ W_z + b_z)
    return (1 - z) * h_prev + z * (x @ W_h + b_h)


MINGRU_MISTAKES = (
    Mistake(lambda x, h, Wz, bz, Wh, bh: _sigmoid(x @ Wz + bz) * h + (1 - _sigmoid(x @ Wz + bz)) * (x @ Wh + bh),
            "z and 1 - z are swapped: in minGRU (as in the textbook GRU) z = 1 WRITES the candidate, "
            "h_t = (1 - z_t) * h_prev + z_t * h_tilde."),
    Mistake(lambda x, h, Wz, bz, Wh, bh: (1 - _sigmoid(x @ Wz + bz)) * h + _sigmoid(x @ Wz + bz) * np.tanh(x @ Wh + bh),
            "you put the candidate through tanh, as chapter 04's GRU does. minGRU's candidate is linear, "
            "h_tilde = x_t @ W_h + b_h: nothing squashes it, so the step stays a linear recurrence in h."),
    Mistake(lambda x, h, Wz, bz, Wh, bh: (1 - (x @ Wz + bz)) * h + (x @ Wz + bz) * (x @ Wh + bh),
            "the gate has no sigmoid: z must lie between 0 and 1 to mix the old state and the candidate."),
    Mistake(lambda x, h, Wz, bz, Wh, bh: (1 - _sigmoid(x @ Wz)) * h + _sigmoid(x @ Wz) * (x @ Wh),
            "both biases are missing: z = sigma(x @ W_z + b_z) and h_tilde = x @ W_h + b_h."),
    Mistake(lambda x, h, Wz, bz, Wh, bh: (1 - _sigmoid(x @ Wz + bz)) * h + _sigmoid(x @ Wz + bz) * (x @ Wh),
            "the candidate's bias b_h is missing: h_tilde = x @ W_h + b_h."),
    Mistake(lambda x, h, Wz, bz, Wh, bh: (1 - _sigmoid(x @ Wz)) * h + _sigmoid(x @ Wz) * (x @ Wh + bh),
            "the gate's bias b_z is missing: z = sigma(x @ W_z + b_z)."),
    Mistake(lambda x, h, Wz, bz, Wh, bh: _sigmoid(x @ Wz + bz) * (x @ Wh + bh),
            "the old state is gone: h_t keeps (1 - z_t) of h_prev and adds z_t of the candidate."),
)


def _mingru_cases():
    cases = []
    for seed, (N, D, H) in enumerate([(1, 2, 3), (4, 3, 5), (2, 1, 1), (3, 6, 2)]):
        rng = np.random.default_rng(1920 + seed)
        args = (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)), rng.normal(size=H),
                rng.normal(size=(D, H)) * 2, rng.normal(size=H))
        cases.append(Case(f"N={N}, D={D}, H={H}", args))
    return cases


def check_mingru_step(student_fn):
    """Exercise: `mingru_step(x, h_prev, W_z, b_z, W_h, b_h) -> h`, one minGRU step (N, D), (N, H) -> (N, H)."""
    return check_function("mingru_step", student_fn, _mingru_reference, _mingru_cases(), MINGRU_MISTAKES,
                          atol=1e-10, in_place="Build new arrays instead of editing h_prev in place.",
                          advice="z = sigma(x @ W_z + b_z); h_tilde = x @ W_h + b_h; "
                                 "h = (1 - z) * h_prev + z * h_tilde.")


# ---------------------------------------------------------------- linear attention as a recurrence


def _phi(x):
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def _attention_reference(Q, K, V, *, feature=_phi, normalise=True, cumulative=True, causal=True):
    """Causal linear attention step by step; the keywords switch off one ingredient each (the mistakes)."""
    N, T, d = Q.shape
    fq, fk = feature(Q), feature(K)
    S, z = np.zeros((N, d, V.shape[2])), np.zeros((N, d))
    if not causal:  # every step reads the final state: the future leaks in
        S, z = np.einsum("ntd,ntv->ndv", fk, V), fk.sum(axis=1)
    out = np.empty((N, T, V.shape[2]))
    for t in range(T):
        if causal:
            new_S, new_z = fk[:, t, :, None] * V[:, t, None, :], fk[:, t]
            S, z = (S + new_S, z + new_z) if cumulative else (new_S, new_z)
        num = np.einsum("nd,ndv->nv", fq[:, t], S)
        out[:, t] = num / np.einsum("nd,nd->n", fq[:, t], z)[:, None] if normalise else num
    return out


ATTENTION_MISTAKES = (
    Mistake(lambda Q, K, V: _attention_reference(Q, K, V, normalise=False),
            "the output is not normalised: divide phi(q_t) @ S_t by phi(q_t) . z_t, with z_t = z_{t-1} + phi(k_t) "
            "(the running sum of the key features), so that the weights on the values add up to 1."),
    Mistake(lambda Q, K, V: _attention_reference(Q, K, V, feature=lambda x: x),
            "phi is missing: the queries and keys go through phi(x) = elu(x) + 1 first, which keeps every score "
            "positive (raw q . k can be negative, and the normaliser can pass through 0)."),
    Mistake(lambda Q, K, V: _attention_reference(Q, K, V, cumulative=False),
            "your state forgets: S_t must ADD phi(k_t)^T v_t to S_{t-1} (and z_t add phi(k_t) to z_{t-1}); "
            "replacing it keeps only the current step."),
    Mistake(lambda Q, K, V: _attention_reference(Q, K, V, causal=False),
            "every step reads the sum over ALL steps: the state at step t may only hold keys and values of steps "
            "1..t. Update S and z inside the loop, before reading them."),
    Mistake(lambda Q, K, V: _attention_reference(Q, K, V, feature=np.exp),
            "you used exp as the feature map: phi(x) = elu(x) + 1, i.e. x + 1 where x > 0 and exp(x) elsewhere."),
)


def _attention_cases():
    cases = []
    for seed, (N, T, d, d_v) in enumerate([(1, 4, 2, 3), (2, 6, 3, 3), (1, 1, 2, 2), (3, 8, 4, 2)]):
        rng = np.random.default_rng(1930 + seed)
        cases.append(Case(f"Q, K of shape {(N, T, d)}, V of shape {(N, T, d_v)}",
                          (rng.normal(size=(N, T, d)), rng.normal(size=(N, T, d)), rng.normal(size=(N, T, d_v)))))
    return cases


def check_linear_attention_recurrent(student_fn):
    """Exercise: `linear_attention_recurrent(Q, K, V) -> out` (N, T, d_v), with the running state S_t and z_t."""
    return check_function("linear_attention_recurrent", student_fn, _attention_reference, _attention_cases(),
                          ATTENTION_MISTAKES, atol=1e-10,
                          shape_hint="The output has one d_v-vector per step: (N, T, d_v). S_t is (N, d, d_v): "
                                     "phi(k_t)[:, :, None] * v_t[:, None, :].",
                          advice="S_t = S_{t-1} + phi(k_t)^T v_t, z_t = z_{t-1} + phi(k_t), "
                                 "out_t = phi(q_t) @ S_t / (phi(q_t) . z_t).")
