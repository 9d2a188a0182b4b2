"""Chapter 02 plot helpers keep the plotting contract: ax=None, return the Figure, rcParams untouched."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plotting


def test_helpers_return_figures_and_leave_rcparams_alone():
    before = dict(matplotlib.rcParams)
    figs = [
        plotting.plot_loss_curves({"numpy": [1.0, 0.5, 0.1], "torch": [1.0, 0.5, 0.1]}),
        plotting.plot_per_step({"every step": np.ones(4), "last only": np.arange(4.0)}),
        plotting.plot_truncation_sweep([0, 3, 6, None], [1.0, 0.9, 1e-3, 1e-3], dependency=6, baseline=1.0),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    assert dict(matplotlib.rcParams) == before
    fig = Figure()
    ax = fig.add_subplot()
    assert plotting.plot_loss_curves({"a": [1, 2]}, ax=ax) is fig


def test_helpers_reject_mismatched_inputs():
    with pytest.raises(ValueError, match=r"same length T, got lengths \[3, 4\]"):
        plotting.plot_per_step({"a": np.ones(3), "b": np.ones(4)})
    with pytest.raises(ValueError, match="empty dict"):
        plotting.plot_per_step({})
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        plotting.plot_truncation_sweep([1, 2], [0.1], dependency=2)
