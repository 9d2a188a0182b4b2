"""Reproducibility: one call seeds every random number generator the course uses.

- `set_seed(seed)`: a notebook's first code cell; seeds random, numpy's global generator and torch.
- `scoped(seed)`: for experiments and demos inside the package: the same seeding inside a `with`
  block, and the caller's random streams restored afterwards, so calling an experiment does not
  move the numbers a notebook draws next. Constructors never seed; whoever builds a model does.
"""

import contextlib
import random

import numpy as np


def _check_seed(seed):
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an int, got {type(seed).__name__}")


def set_seed(seed: int = 42) -> None:
    """Seed Python's `random`, numpy's global generator and torch (CPU and, if present, CUDA).

    Notebooks call this once in their first code cell; library code never calls it at import
    (and inside a function it uses `scoped`).
    """
    _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # the numpy parts of the course work without torch
        return
    torch.manual_seed(seed)  # also seeds every CUDA device


@contextlib.contextmanager
def scoped(seed: int):
    """`with scoped(seed):` runs its block after `set_seed(seed)`, then restores the caller's states of
    random, numpy's global generator and torch (CPU and CUDA, through `torch.random.fork_rng`).

    Inside, the draws are exactly those after `set_seed(seed)`; outside, nothing moved.
    """
    _check_seed(seed)
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        import torch

        fork = torch.random.fork_rng()
    except ImportError:  # the numpy parts of the course work without torch
        fork = contextlib.nullcontext()
    try:
        with fork:
            set_seed(seed)
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
