"""seed.scoped: inside, the draws of set_seed(seed); outside, the caller's streams as if nothing had run."""

import random

import numpy as np
import pytest
import torch

from course_utils.seed import scoped, set_seed


def _draw():
    """One number from each generator the course uses."""
    return random.random(), float(np.random.rand()), float(torch.rand(()))


def test_the_callers_streams_continue_as_if_the_block_had_not_run():
    set_seed(7)
    expected = [_draw() for _ in range(3)]
    set_seed(7)
    got = [_draw()]
    with scoped(123):
        _draw()
        torch.randn(100), np.random.randn(100), random.random()
    got += [_draw() for _ in range(2)]
    assert got == expected


def test_a_block_draws_what_set_seed_draws_every_time():
    set_seed(5)
    reference = [_draw() for _ in range(2)]
    set_seed(0)
    _draw()
    with scoped(5):
        first = [_draw() for _ in range(2)]
    with scoped(5):
        second = [_draw() for _ in range(2)]
    assert first == second == reference


def test_the_streams_are_restored_when_the_block_raises():
    set_seed(3)
    expected = _draw()
    set_seed(3)
    with pytest.raises(RuntimeError):
        with scoped(1):
            _draw()
            raise RuntimeError("boom")
    assert _draw() == expected


@pytest.mark.parametrize("bad", [1.5, "0", True, None])
def test_a_seed_must_be_an_int(bad):
    with pytest.raises(ValueError, match="seed must be an int"):
        with scoped(bad):
            pass
