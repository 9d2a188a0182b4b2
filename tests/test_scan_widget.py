"""The scan explorer's pure view: coverage doubles each sweep, the last sweep finishes every entry."""

import pytest

from course_utils.widgets import scan_view


@pytest.mark.parametrize("T", [1, 5, 8, 13])
def test_coverage_doubles_and_the_last_sweep_is_the_loop(T):
    _, first = scan_view(T, 0)
    assert first["covered"] == [(t + 1, t + 1) for t in range(T)] and first["work"] == 0
    assert first["done"] == [True] + [False] * (T - 1)
    for k in range(1, first["sweeps"] + 1):
        _, info = scan_view(T, k)
        assert info["covered"] == [(max(1, t + 2 - 2**k), t + 1) for t in range(T)]
        assert sum(info["done"]) == min(T, 2**k)
    html, last = scan_view(T, 99)  # past the end: the last sweep
    assert all(last["done"]) and f"{T} of {T} entries finished" in html


def test_bad_arguments():
    with pytest.raises(ValueError, match="T must be a positive int"):
        scan_view(0, 1)
    with pytest.raises(ValueError, match="sweep must be a non-negative int"):
        scan_view(4, -1)
