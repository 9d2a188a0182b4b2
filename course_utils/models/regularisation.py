"""Stacked recurrent layers and dropout, measured where a model can overfit (chapter 04).

Chapter 04's adding problem draws a fresh batch for every update, so no model ever sees a
sequence twice and none can overfit. Here the training set is small and fixed (`OverfitSetup`),
the model passes over it for many epochs, and the gap between its training and validation losses
shows how much it memorised:

    states = recurrent(X)                 X (N, T, D) -> (N, T, H); num_layers stacked layers,
                                          dropout between them (torch's `dropout=`)
    out    = dropout(states[:, -1]) @ W + b                   -> (N, n_outputs)

`StackedModel` is that model; `overfitting_run` trains one configuration with `training.fit` and
reports its losses on the training set (dropout off), the validation set and the test set.
"""

import time
from dataclasses import dataclass

import numpy as np
from torch import nn

from course_utils import data
from course_utils._checks import positive_int
from course_utils.models.forecast import keras_init
from course_utils.models.sequence_models import recurrent_layer
from course_utils.models.training import Recipe, fit, mse, predict
from course_utils.seed import scoped


class StackedModel(nn.Module):
    """`num_layers` stacked recurrent layers and a dense layer on the last state: (N, T, D) -> (N, n_outputs).

    dropout: the probability of zeroing each value, applied in training mode only, to the outputs
    of every recurrent layer but the last (torch's `dropout=`, which needs num_layers > 1) and to
    the last state before the dense layer. Weights start as in chapter 01 (`forecast.keras_init`:
    an LSTM's forget bias at 1).
    """

    def __init__(self, D, H, n_outputs, *, cell="lstm", num_layers=1, dropout=0.0):
        super().__init__()
        D, H, n_outputs = positive_int("D", D), positive_int("H", H), positive_int("n_outputs", n_outputs)
        num_layers = positive_int("num_layers", num_layers)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
        between = dropout if num_layers > 1 else 0.0
        self.recurrent = recurrent_layer(cell)(D, H, num_layers=num_layers, dropout=between, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(H, n_outputs)
        keras_init(self)

    def forward(self, X):
        states, _ = self.recurrent(X)  # (N, T, H): the top layer's states
        return self.head(self.drop(states[:, -1]))  # (N, H) -> (N, n_outputs)


@dataclass(frozen=True)
class OverfitSetup:
    """The experiment: a small fixed training set of length-T windows (task "forecast" or "adding"), many epochs."""

    task: str = "forecast"
    T: int = 20
    n_train: int = 100
    n_valid: int = 1000
    n_test: int = 1000
    hidden_size: int = 32
    cell: str = "lstm"
    recipe: Recipe = Recipe(epochs=40, batch_size=32, max_lr=1e-2, clip_norm=1.0)  # ~1 s (one layer) per run


def overfitting_data(setup=OverfitSetup()):
    """The fixed train / validation / test parts, each X (n, T, D) and y (n, 1).

    setup.task "adding": adding-problem sequences (seeds 1, 2, 3); "forecast": chapter 01's one-step
    forecast, the first n_train of its training series and the first n_valid / n_test of the others.
    """
    sizes = (setup.n_train, setup.n_valid, setup.n_test)
    if setup.task == "adding":
        return data.Splits(*(data.Split(*data.adding_problem(n, setup.T, seed=s)) for n, s in zip(sizes, (1, 2, 3))))
    if setup.task == "forecast":
        full = data.single_step_data(n_steps=setup.T)
        return data.Splits(*(data.Split(part.X[:n], part.y[:n]) for part, n in zip(full, sizes)))
    raise ValueError(f"setup.task must be 'adding' or 'forecast', got {setup.task!r}")


def overfitting_run(num_layers, dropout, *, setup=OverfitSetup(), splits=None, seed=0):
    """Train one `StackedModel` on the fixed training set (inside `seed.scoped(seed)`) and score it.

    Returns a dict: "train", "valid", "test" (MSE, dropout off), "gap" (valid - train), "seconds",
    and "history" (training.History). splits: `overfitting_data(setup)` when None.
    """
    splits = overfitting_data(setup) if splits is None else splits
    with scoped(seed):
        D = splits.train.X.shape[2]
        model = StackedModel(D, setup.hidden_size, 1, cell=setup.cell, num_layers=num_layers, dropout=dropout)
        start = time.perf_counter()
        history = fit(model, *splits.train, *splits.valid, setup.recipe, seed=seed, progress=False,
                      desc=f"{num_layers} layer(s), dropout {dropout}")
        seconds = time.perf_counter() - start
    scores = {part: mse(predict(model, getattr(splits, part).X), getattr(splits, part).y)
              for part in ("train", "valid", "test")}
    return {**scores, "gap": scores["valid"] - scores["train"], "seconds": seconds, "history": history}


def mean_and_spread(values):
    """Mean and spread (max - min) of a list of numbers, as two floats."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.max() - values.min())
