"""Assertions shared by the exercise-checker tests."""

import pytest

from course_utils.exercises import ExerciseFailed


def fails_with(checker, solution, *fragments):
    """The checker must reject `solution` with a message containing every fragment; returns the message."""
    with pytest.raises(ExerciseFailed) as info:
        checker(solution)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"expected {fragment!r} in:\n{message}"
    return message


def accepts(checker, solution, capsys):
    """The checker must accept `solution`, return True and print its tick."""
    assert checker(solution) is True
    assert "\u2713" in capsys.readouterr().out
