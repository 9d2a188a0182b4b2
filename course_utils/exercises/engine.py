"""The checker engine: run a student's function on seeded cases and diagnose the first difference.

`check_function` compares arrays; `check_gradient_dict` compares dicts of gradients key by key.
A `Mistake` is a classic wrong answer with the hint to show when the student's output matches it.
"""

import copy
from typing import Callable, NamedTuple

import numpy as np


class ExerciseFailed(Exception):
    """A checker's verdict. Jupyter shows only the message (IPython's `_render_traceback_` hook)."""

    def _render_traceback_(self):
        return [f"\u2717 {line}" if i == 0 else f"  {line}" for i, line in enumerate(str(self).splitlines())]


class Case(NamedTuple):
    label: str
    args: tuple


class Mistake(NamedTuple):
    """A classic wrong answer: if the student's output equals `wrong(*args)`, show `hint`."""

    wrong: Callable
    hint: str


def _describe(x):
    return f"array of shape {x.shape}" if isinstance(x, np.ndarray) else f"{type(x).__name__}"


def call_student(name, where, student_fn, args):
    """Run the student's function; turn "not implemented" and crashes into a short ExerciseFailed."""
    try:
        return student_fn(*args)
    except NotImplementedError:
        raise ExerciseFailed(
            f"{name}: not implemented yet.\n"
            "Replace the `raise NotImplementedError(...)` line with your code, run that cell, then this one."
        ) from None
    except Exception as err:  # the student's code crashed: say where, not how deep
        raise ExerciseFailed(
            f"{where}: your function raised {type(err).__name__}: {err}\n"
            "Check the shapes of the arrays you combine (print(x.shape) helps)."
        ) from None


def check_function(name, student_fn, reference, cases, mistakes=(), *, atol=1e-8):
    """Compare `student_fn(*case.args)` with `reference(*case.args)` on every case.

    Raises ExerciseFailed with a diagnosis at the first case that differs; returns True otherwise.
    """
    for number, case in enumerate(cases, start=1):
        where = f"{name}, case {number} of {len(cases)} ({case.label})"
        got = call_student(name, where, student_fn, case.args)
        expected = reference(*case.args)
        if not isinstance(got, (np.ndarray, float, int, np.floating)):
            raise ExerciseFailed(f"{where}: expected a numpy array, got {_describe(got)}.")
        got = np.asarray(got, dtype=np.float64)
        if got.shape != expected.shape:
            raise ExerciseFailed(
                f"{where}: wrong shape: expected {expected.shape}, got {got.shape}.\n"
                "Look at which axis is which: batch first, then time, then features."
            )
        if not np.all(np.isfinite(got)):
            raise ExerciseFailed(
                f"{where}: your result contains NaN or inf.\n"
                "Look for an uninitialised array (np.empty) or a division by zero."
            )
        if np.allclose(got, expected, rtol=0, atol=atol):
            continue
        for mistake in mistakes:
            wrong = np.asarray(mistake.wrong(*case.args), dtype=np.float64)
            if wrong.shape == got.shape and np.allclose(got, wrong, rtol=0, atol=atol):
                raise ExerciseFailed(f"{where}: not quite.\nHint: {mistake.hint}")
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        raise ExerciseFailed(
            f"{where}: values differ from the reference (largest gap at index {tuple(map(int, worst))}: "
            f"expected {expected[worst]:.6f}, got {got[worst]:.6f}).\n"
            "Compare your code with the equation line by line."
        )
    print(f"\u2713 {name}: all {len(cases)} cases match the reference. Well done!")
    return True




def _copy_args(args):
    """A copy of a case's arguments (arrays, dicts of arrays, numbers) that the student may not alter."""
    return copy.deepcopy(args)


def _same_args(a, b):
    flat = lambda args: [v for x in args for v in (x.values() if isinstance(x, dict) else [x])]  # noqa: E731
    return all(np.array_equal(u, v) for u, v in zip(flat(a), flat(b)))


def check_gradient_dict(name, student_fn, reference, cases, mistakes=(), *, shape_hints=None, atol=1e-8):
    """Like `check_function`, for functions that return a dict of gradient arrays.

    `reference(*args)` returns the expected dict; its keys, in order, are checked one by one, so the
    first key reported wrong is the most basic one (list them that way). A `Mistake` here returns a
    dict holding only the keys that the mistake changes: it matches when the student's values equal
    the mistake's for every one of those keys (and at least one of them is wrong), so a slip in one
    gradient is named even when the others are right. `shape_hints` maps a key to advice shown when
    its shape is wrong. The student's function gets copies of the arguments; changing them in place
    is reported.
    """
    shape_hints = shape_hints or {}
    for number, case in enumerate(cases, start=1):
        where = f"{name}, case {number} of {len(cases)} ({case.label})"
        expected = reference(*_copy_args(case.args))
        given = _copy_args(case.args)
        got = call_student(name, where, student_fn, given)
        if not _same_args(given, case.args):
            raise ExerciseFailed(
                f"{where}: your function changed its input arrays in place.\n"
                "Build new arrays (g * scale) instead of editing the caller's (g *= scale)."
            )
        if not isinstance(got, dict):
            raise ExerciseFailed(f"{where}: expected a dict with keys {list(expected)}, got {_describe(got)}.")
        missing = [k for k in expected if k not in got]
        if missing:
            renamed = [k for k in missing if "d" + k in got]
            tip = (
                f"\nName each gradient after what it is the gradient of: {renamed[0]!r}, not {'d' + renamed[0]!r}."
                if renamed else ""
            )
            raise ExerciseFailed(f"{where}: your dict is missing the keys {missing} (it has {list(got)}).{tip}")
        for key, want in expected.items():
            value = np.asarray(got[key], dtype=np.float64)
            if value.shape != want.shape:
                hint = shape_hints.get(key, "a gradient always has the shape of what it is the gradient of.")
                raise ExerciseFailed(
                    f"{where}: {key!r} has the wrong shape: expected {want.shape}, got {value.shape}.\nHint: {hint}"
                )
            if not np.all(np.isfinite(value)):
                raise ExerciseFailed(f"{where}: {key!r} contains NaN or inf.\nLook for np.empty or a division by zero.")
        wrong = [k for k in expected if not np.allclose(got[k], expected[k], rtol=0, atol=atol)]
        if not wrong:
            continue
        first = wrong[0]
        right = [k for k in expected if k not in wrong]
        status = f"{', '.join(repr(k) for k in right)} {'is' if len(right) == 1 else 'are'} right; " if right else ""
        for mistake in mistakes:
            guess = mistake.wrong(*_copy_args(case.args))
            if set(guess) & set(wrong) and all(
                np.shape(guess[k]) == np.shape(got[k]) and np.allclose(got[k], guess[k], rtol=0, atol=atol)
                for k in guess
            ):
                raise ExerciseFailed(f"{where}: {status}{first!r} is not.\nHint: {mistake.hint}")
        diff = np.abs(np.asarray(got[first], dtype=np.float64) - expected[first])
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise ExerciseFailed(
            f"{where}: {status}{first!r} differs from the reference (largest gap at index "
            f"{tuple(map(int, worst))}: expected {expected[first][worst]:.6f}, got {np.asarray(got[first])[worst]:.6f}).\n"
            "Write the chain rule for that gradient on paper and compare it with your code, factor by factor."
        )
    print(f"\u2713 {name}: all {len(cases)} cases match the reference. Well done!")
    return True
