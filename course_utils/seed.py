"""Reproducibility: one call seeds every random number generator the course uses."""

import random

import numpy as np


def set_seed(seed: int = 42) -> None:
    """Seed Python's `random`, numpy's global generator and torch (CPU and, if present, CUDA).

    Notebooks call this once in their first code cell; library code never calls it at import.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # the numpy parts of the course work without torch
        return
    torch.manual_seed(seed)  # also seeds every CUDA device
