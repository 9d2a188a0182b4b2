"""The checker engine: run a student's function on seeded cases and diagnose the first difference.

Three checkers, one per kind of answer, share the same steps for every case: call the student's function
on a copy of the case (`call_on_copy`: "not implemented", crashes and in-place edits become a verdict),
compare with the reference, and when the answer is wrong try the known mistakes first, then the checker's
own `diagnose`, then a generic message.

- `check_outputs`: one or several arrays (`check_function` is its one-array form);
- `check_number`: one number (a count, a loss);
- `check_gradient_dict`: a dict of gradients, key by key.

A `Mistake` is a classic wrong answer with the hint to show when the student's output matches it.
"""

import copy
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class ExerciseFailed(Exception):
    """A checker's verdict. Jupyter shows only the message (IPython's `_render_traceback_` hook)."""

    def _render_traceback_(self):
        return [f"\u2717 {line}" if i == 0 else f"  {line}" for i, line in enumerate(str(self).splitlines())]


class Case(NamedTuple):
    """One checker case: a label the student reads and the arguments passed to their function."""

    label: str
    args: tuple


class Mistake(NamedTuple):
    """A classic wrong answer: if the student's output equals `wrong(*args)`, show `hint`."""

    wrong: Callable
    hint: str


IN_PLACE = "Build new arrays (g * scale) instead of editing the caller's (g *= scale)."


def describe(x):
    """What came back, in a few words: "array of shape (3, 4)", "tuple", "NoneType"."""
    return f"array of shape {x.shape}" if isinstance(x, np.ndarray) else f"{type(x).__name__}"


def close(got, want, atol=1e-8):
    """Same shape and equal within `atol` (NaN equals NaN, so a mistake that makes NaN can be named)."""
    return np.shape(got) == np.shape(want) and np.allclose(got, want, rtol=0, atol=atol, equal_nan=True)


def _same_args(a, b):
    flat = lambda args: [v for x in args for v in (x.values() if isinstance(x, dict) else [x])]  # noqa: E731
    return all(np.array_equal(u, v) for u, v in zip(flat(a), flat(b)))


def call_on_copy(name, where, student_fn, args, *, crash_hint=None, in_place=None):
    """The student's answer to `student_fn(*args)`, run on a copy of `args` so that the reference never sees an edit.

    "Not implemented" and a crash (with `crash_hint(err)` as advice when it names the cause) become an
    ExerciseFailed; so does a change to the arguments in place when `in_place` (the advice to show) is given.
    Without it the edit is allowed: the function only changed the copy.
    """
    given = copy.deepcopy(args)
    try:
        got = student_fn(*given)
    except NotImplementedError:
        raise ExerciseFailed(
            f"{name}: not implemented yet.\n"
            "Replace the `raise NotImplementedError(...)` line with your code, run that cell, then this one."
        ) from None
    except Exception as err:  # the student's code crashed: say where, not how deep
        hint = crash_hint(err) if crash_hint else None
        advice = f"Hint: {hint}" if hint else "Check the shapes of the arrays you combine (print(x.shape) helps)."
        raise ExerciseFailed(f"{where}: your function raised {type(err).__name__}: {err}\n{advice}") from None
    if in_place and not _same_args(given, args):
        raise ExerciseFailed(f"{where}: your function changed its input arrays in place.\n{in_place}")
    return got


def _where(name, number, cases, case):
    return f"{name}, case {number} of {len(cases)} ({case.label})"


def _passed(name, cases):
    print(f"\u2713 {name}: all {len(cases)} cases match the reference. Well done!")
    return True


def _guess(mistake, args):
    """The mistake's output on a copy of `args`, or None when it cannot happen with these shapes."""
    try:
        return mistake.wrong(*copy.deepcopy(args))
    except ValueError:
        return None


# ---------------------------------------------------------------- arrays


def read_floats(where, got, parts, *, count_hint=None):
    """The student's answer as a tuple of float arrays, one per name in `parts`, or a diagnosis of what came back.

    `parts == (None,)` is one unnamed array. `count_hint` replaces the advice for a tuple of the wrong length.
    """
    if len(parts) == 1:
        got = (got,)
    elif not isinstance(got, (tuple, list)) or len(got) != len(parts):
        names = ", ".join(parts)
        what = describe(got) if not isinstance(got, (tuple, list)) else f"a {type(got).__name__} of {len(got)} items"
        advice = f"End your function with `return {names}`."
        advice = count_hint if count_hint and isinstance(got, (tuple, list)) else advice
        raise ExerciseFailed(f"{where}: expected a pair ({names}), got {what}.\n{advice}")
    arrays = []
    for label, value in zip(parts, got):
        if not isinstance(value, (np.ndarray, float, int, np.floating)):
            raise ExerciseFailed(f"{where}: expected {f'{label} to be ' if label else ''}a numpy array, "
                                 f"got {describe(value)}.")
        arrays.append(np.asarray(value, dtype=np.float64))
    return tuple(arrays)


def check_outputs(name, student_fn, reference, cases, mistakes=(), *, parts, atol=1e-8, read=None,
                  shape_hint="Look at which axis is which: batch first, then time, then features.",
                  nonfinite_hint="Look for an uninitialised array (np.empty) or a division by zero.",
                  advice="Compare your code with the equation line by line.",
                  diagnose=None, near_miss=None, crash_hint=None, in_place=None):
    """Compare `student_fn(*case.args)` with `reference(*case.args)` on every case; True when all match.

    `parts` names the outputs, e.g. ("h", "c"); `reference` returns a tuple of that many arrays, or one array
    when `parts == (None,)`. `read(where, answer)` turns the answer into that tuple (default: `read_floats`).
    At the first wrong case, in this order:
    - a known mistake is named when the student's arrays equal its output, even with the wrong shape or NaN
      (a softmax along the wrong axis, an overflowing exp): that is how those slips show;
    - `diagnose(args, got)` may name a problem that no single wrong output captures (one entry too few);
    - else the first output with the wrong shape (`shape_hint`), NaN (`nonfinite_hint`), or wrong values
      (`advice`, or `advice[label]` when it is a dict) is reported.
    `near_miss(args, got)` may reject an answer that matches within `atol` but not in a way worth naming
    (weights that are not exactly 0); `crash_hint` and `in_place` go to `call_on_copy`.
    """
    single = len(parts) == 1
    read = read or (lambda where, answer: read_floats(where, answer, parts))
    for number, case in enumerate(cases, start=1):
        where = _where(name, number, cases, case)
        with np.errstate(all="ignore"):  # overflow is diagnosed below, not printed as a warning
            got = read(where, call_on_copy(name, where, student_fn, case.args, crash_hint=crash_hint,
                                           in_place=in_place))
            expected = reference(*case.args)
            expected = (expected,) if single else expected
            if all(close(g, e, atol) for g, e in zip(got, expected)):
                hint = near_miss(case.args, got) if near_miss else None
                if hint:
                    raise ExerciseFailed(f"{where}: nearly.\nHint: {hint}")
                continue
            for mistake in mistakes:
                guess = _guess(mistake, case.args)
                if guess is None:
                    continue
                guess = (guess,) if single or not isinstance(guess, tuple) else guess
                if all(close(g, np.asarray(w, dtype=np.float64), atol) for g, w in zip(got, guess)):
                    raise ExerciseFailed(f"{where}: not quite.\nHint: {mistake.hint}")
        message = diagnose(case.args, got) if diagnose else None
        if message:
            raise ExerciseFailed(f"{where}: {message}")
        _report_difference(where, parts, got, expected, atol, shape_hint, nonfinite_hint, advice)
    return _passed(name, cases)


def _report_difference(where, parts, got, expected, atol, shape_hint, nonfinite_hint, advice):
    """Raise the generic verdict for the first output with the wrong shape, NaN, or wrong values."""
    for label, g, e in zip(parts, got, expected):
        if g.shape != e.shape:
            raise ExerciseFailed(f"{where}: {f'{label} has the ' if label else ''}wrong shape: "
                                 f"expected {e.shape}, got {g.shape}.\n{shape_hint}")
        if not np.all(np.isfinite(g)):
            raise ExerciseFailed(f"{where}: {label or 'your result'} contains NaN or inf.\n{nonfinite_hint}")
    label, g, e = next((p, g, e) for p, g, e in zip(parts, got, expected) if not close(g, e, atol))
    worst = np.unravel_index(np.argmax(np.abs(g - e)), e.shape)
    raise ExerciseFailed(
        f"{where}: {f'{label} differs' if label else 'values differ'} from the reference (largest gap at index "
        f"{tuple(map(int, worst))}: expected {e[worst]:.6f}, got {g[worst]:.6f}).\n"
        f"{advice[label] if isinstance(advice, dict) else advice}"
    )


def check_function(name, student_fn, reference, cases, mistakes=(), **options):
    """`check_outputs` for a function with one array result: `reference(*args)` returns that array."""
    return check_outputs(name, student_fn, reference, cases, mistakes, parts=(None,), **options)


# ---------------------------------------------------------------- numbers


def read_whole_number(where, got):
    """The student's answer if it is an int or a float (wholeness is left to `diagnose`, after the mistakes)."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer, float, np.floating)):
        raise ExerciseFailed(f"{where}: expected a whole number (an int), got {describe(got)}.")
    return got


def check_number(name, student_fn, reference, cases, mistakes=(), *, advice, read=read_whole_number,
                 diagnose=None, unit="", rel_tol=0.0):
    """Compare the number `student_fn(*case.args)` with `reference(*case.args)` on every case; True when all match.

    `read(where, answer)` validates the answer (default: any int or float). Equal means within `rel_tol` or 1e-9.
    At the first wrong case: a known mistake, then `diagnose(args, got)`, then "expected x, got y" and `advice`.
    `unit` (" bits") shows the numbers with six decimals and that unit; without it, whole numbers show as ints.
    """
    same = lambda a, b: math.isfinite(b) and math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-9)  # noqa: E731
    whole = lambda v: str(int(v)) if float(v).is_integer() else repr(v)  # noqa: E731
    show = (lambda v: f"{v:.6f}") if unit else whole  # noqa: E731
    for number, case in enumerate(cases, start=1):
        where = _where(name, number, cases, case)
        with np.errstate(all="ignore"):  # a non-finite result is diagnosed below
            got = read(where, call_on_copy(name, where, student_fn, case.args))
            expected = reference(*case.args)
            if same(got, expected):
                continue
            for mistake in mistakes:
                if same(got, mistake.wrong(*copy.deepcopy(case.args))):
                    raise ExerciseFailed(f"{where}: expected {show(expected)}{unit}, got {show(got)}: not quite.\n"
                                         f"Hint: {mistake.hint}")
        message = diagnose(case.args, got) if diagnose else None
        if message:
            raise ExerciseFailed(f"{where}: {message}")
        raise ExerciseFailed(f"{where}: expected {show(expected)}{unit}, got {show(got)}.\n{advice}")
    return _passed(name, cases)


# ---------------------------------------------------------------- dicts of gradients


def check_gradient_dict(name, student_fn, reference, cases, mistakes=(), *, shape_hints=None, returns=None,
                        in_place=IN_PLACE, atol=1e-8):
    """Like `check_function`, for functions that return a dict of gradient arrays.

    `reference(*args)` returns the expected dict; its keys, in order, are checked one by one, so the
    first key reported wrong is the most basic one (list them that way). A `Mistake` here returns a
    dict holding only the keys that the mistake changes: it matches when the student's values equal
    the mistake's for every one of those keys (and at least one of them is wrong), so a slip in one
    gradient is named even when the others are right. `shape_hints` maps a key to advice shown when
    its shape is wrong. `returns` (a tuple of keys) is for a function that returns a tuple, not a dict:
    its items are named in that order. Changing the arguments in place is reported, with the advice `in_place`.
    """
    shape_hints = shape_hints or {}
    for number, case in enumerate(cases, start=1):
        where = _where(name, number, cases, case)
        expected = reference(*copy.deepcopy(case.args))
        got = call_on_copy(name, where, student_fn, case.args, in_place=in_place)
        if returns:
            got = _as_dict(where, got, returns)
        if not isinstance(got, dict):
            raise ExerciseFailed(f"{where}: expected a dict with keys {list(expected)}, got {describe(got)}.")
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
            guess = mistake.wrong(*copy.deepcopy(case.args))
            if set(guess) & set(wrong) and all(
                np.shape(guess[k]) == np.shape(got[k]) and np.allclose(got[k], guess[k], rtol=0, atol=atol)
                for k in guess
            ):
                raise ExerciseFailed(f"{where}: {status}{first!r} is not.\nHint: {mistake.hint}")
        diff = np.abs(np.asarray(got[first], dtype=np.float64) - expected[first])
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise ExerciseFailed(
            f"{where}: {status}{first!r} differs from the reference (largest gap at index "
            f"{tuple(map(int, worst))}: expected {expected[first][worst]:.6f}, "
            f"got {np.asarray(got[first])[worst]:.6f}).\n"
            "Write the chain rule for that gradient on paper and compare it with your code, factor by factor."
        )
    return _passed(name, cases)


def _as_dict(where, got, returns):
    """A tuple answer (loss, dv_c, ...) as the dict {"loss": ..., ...}, or a diagnosis of what came back."""
    if not isinstance(got, (tuple, list)) or len(got) != len(returns):
        length = f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""
        names = ", ".join(returns)
        raise ExerciseFailed(f"{where}: expected a tuple ({names}), got {describe(got)}{length}.\n"
                             f"Return all of them: return {names}")
    return dict(zip(returns, got))
