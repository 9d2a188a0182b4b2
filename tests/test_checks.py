"""The shared input checks: one message format, bools refused, ids range-checked."""

import numpy as np
import pytest

from course_utils._checks import check_shape, int_ids, positive_int, shape_error, shape_text


def test_shape_text_is_the_contract_notation():
    assert shape_text(("N", "T", ("D", 3))) == "(N, T, D=3)"
    assert shape_text((("H", 4),)) == "(H=4,)"
    assert shape_text((4, 4)) == "(4, 4)"


def test_check_shape_message_names_expected_and_received():
    with pytest.raises(ValueError, match=r"^X must have shape \(N, T, D=3\), got \(5, 3\)$"):
        check_shape("X", np.zeros((5, 3)), ("N", "T", ("D", 3)))
    with pytest.raises(ValueError, match=r"got \(2, 4, 2\)"):
        check_shape("X", np.zeros((2, 4, 2)), ("N", "T", ("D", 3)))
    assert check_shape("X", [[1.0, 2.0]], ("N", 2)).shape == (1, 2)
    assert str(shape_error("b", (("H", 2),), (3,))) == "b must have shape (H=2,), got (3,)"


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3", None])
def test_positive_int_refuses(bad):
    with pytest.raises(ValueError, match=r"^n must be a positive int, got "):
        positive_int("n", bad)


def test_positive_int_minimum():
    assert positive_int("k", np.int64(0), minimum=0) == 0
    with pytest.raises(ValueError, match="k must be a non-negative int, got -1"):
        positive_int("k", -1, minimum=0)
    with pytest.raises(ValueError, match="k must be an int >= 2, got 1"):
        positive_int("k", 1, minimum=2)


def test_int_ids():
    assert int_ids("ids", np.array([0, 3], dtype=np.int32), V=4).dtype == np.int64
    with pytest.raises(ValueError, match=r"ids must hold indices in \[0, V=4\), got values in \[0, 4\]"):
        int_ids("ids", [0, 4], V=4)
    with pytest.raises(ValueError, match=r"ids must be an integer array of shape \(N,\), got float64"):
        int_ids("ids", [0.0, 1.0])
    with pytest.raises(ValueError, match="ids must not be empty"):
        int_ids("ids", np.array([], dtype=int), nonempty=True)
