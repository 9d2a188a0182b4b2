"""Recurrent models that read a whole sequence and answer from its last state (chapters 03-04).

Both long-dependency tasks of the course are "read everything, then answer": chapter 03 recalls
the first symbol (`data.recall_first_symbol`, a classification), chapter 04 adds two marked values
(`data.adding_problem`, a regression). One torch model serves both:

    states = recurrent(X)          X (N, T, D) -> states (N, T, H);  recurrent = nn.RNN, nn.LSTM or nn.GRU
    out    = states[:, -1] @ W + b                                   -> (N, n_outputs)

Training loops (both step through `training.update` and return a `training.History` whose `loss`
and `grad_norm` hold one entry per update, the norm measured before clipping):
- `fit_classifier`: epochs over a fixed set, cross-entropy (chapter 03's clipping experiments).
- `fit_regressor`: a fresh mini-batch for every update from a batch maker (the adding problem can
  draw as many sequences as it likes), mean squared error, optional clipping.

Experiments (train + score in one call, seeded inside `seed.scoped`, so the caller's random
streams do not move):
- `recall_accuracy`: chapter 03's recall experiment for any cell type (chapter 04's table).
- `train_on_adding_problem`: chapter 04's experiment -- train one cell type on the adding problem
  with `AddingRecipe` and score it on a fixed test set.
"""

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils import data
from course_utils._checks import check_shape, positive_int, shape_error
from course_utils.models import training
from course_utils.seed import scoped

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def recurrent_layer(cell):
    """The torch layer class for `cell` ("rnn", "lstm" or "gru"); a clear ValueError for anything else."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    return CELLS[cell]


class LastStateModel(nn.Module):
    """A recurrent layer (`cell`: "rnn", "lstm" or "gru") and a dense layer that reads its LAST state.

    X: (N, T, D) -> (N, n_outputs): logits for a classifier, values for a regressor.
    `nonlinearity` ("tanh" or "relu") applies to cell="rnn". `forget_bias` (LSTM only) sets the
    total starting bias of the forget gate, split equally over torch's two bias vectors (torch
    orders an LSTM's gates i, f, g, o): 1.0 starts the cell remembering instead of half-forgetting.
    """

    def __init__(self, D, H, n_outputs, *, cell="rnn", nonlinearity="tanh", forget_bias=None):
        super().__init__()
        D, H, n_outputs = positive_int("D", D), positive_int("H", H), positive_int("n_outputs", n_outputs)
        layer = recurrent_layer(cell)
        if forget_bias is not None and cell != "lstm":
            raise ValueError(f"forget_bias applies to cell='lstm' only, got cell={cell!r}")
        extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        self.recurrent = layer(D, H, batch_first=True, **extra)
        self.head = nn.Linear(H, n_outputs)
        if forget_bias is not None:
            with torch.no_grad():
                for bias in (self.recurrent.bias_ih_l0, self.recurrent.bias_hh_l0):
                    bias[H : 2 * H] = forget_bias / 2

    def forward(self, X):
        states, _ = self.recurrent(X)  # (N, T, H)
        return self.head(states[:, -1])  # (N, n_outputs)


# ---------------------------------------------------------------- classification (chapter 03)


def _check_max_norm(max_norm):
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm must be None or a positive number, got {max_norm!r}")


def fit_classifier(model, X, y, *, epochs=10, batch_size=32, lr=1e-2, optimizer="adam", max_norm=None, seed=0):
    """Train a classifier with cross-entropy, optionally clipping the gradient norm; returns a training.History.

    X: (N, T, D) float array, y: (N,) integer labels. optimizer: "adam" or "sgd" (plain SGD, constant
    lr). max_norm: None for no clipping, else every update's gradient is rescaled, all parameters
    together, to a global L2 norm of at most max_norm (torch's clip_grad_norm_, which computes
    what `gradients.clip_by_norm` computes). history.loss and history.grad_norm hold one entry per
    update; training stops when either becomes inf or NaN (history.diverged). The order of the
    mini-batches is seeded with `seed`; the starting weights come from torch's global generator, so
    seed before building the model. Runs on the CPU: the models are tiny, and
    `torch.set_num_threads(1)` is the fastest setting for them.
    """
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    _check_max_norm(max_norm)
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    X = torch.as_tensor(check_shape("X", X, ("N", "T", "D")).astype(np.float32))
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise shape_error("y", (("N", len(X)),), y.shape)
    y = torch.as_tensor(y.astype(np.int64))
    make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = make(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    shuffler = torch.Generator().manual_seed(seed)
    history = training.History()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=shuffler)
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            loss = loss_fn(model(X[idx]), y[idx])
            if not training.update(model, opt, loss, clip_norm=max_norm, on_step=history.record_step):
                return history
        history.epochs += 1
    return history


def accuracy(model, X, y):
    """Fraction of sequences whose largest logit is the true class. X: (N, T, D), y: (N,)."""
    logits = _predict(model, X)
    return float((logits.argmax(axis=1) == np.asarray(y)).mean())


def recall_accuracy(cell, T, *, seed=0, forget_bias=None, hidden_size=32, epochs=20, lr=0.1, max_norm=1.0):
    """An experiment (train + score): chapter 03's recall recipe for any cell type. Trains on 1,000
    sequences of length T with plain SGD and clipping, returns the accuracy on 500 fresh ones
    (guessing scores 0.25).

    Runs inside `seed.scoped(seed)`, which fixes the starting weights (the batch order is seeded with
    `seed` too); the data come from seeds 1000 + seed (training) and 2000 + seed (validation).
    forget_bias: LSTM only (see LastStateModel).
    """
    with scoped(seed):
        train = data.recall_first_symbol(1000, T, seed=1000 + seed)
        valid = data.recall_first_symbol(500, T, seed=2000 + seed)
        model = LastStateModel(train.X.shape[2], hidden_size, 4, cell=cell, forget_bias=forget_bias)
        fit_classifier(model, train.X, train.y, epochs=epochs, lr=lr, optimizer="sgd", max_norm=max_norm, seed=seed)
    return accuracy(model, valid.X, valid.y)


def _predict(model, X):
    model.eval()
    with torch.no_grad():
        out = model(torch.as_tensor(np.asarray(X, dtype=np.float32))).numpy()
    model.train()
    return out


# ---------------------------------------------------------------- regression (chapter 04)


def fit_regressor(model, make_batch, *, steps, lr=1e-2, max_norm=None, seed=0):
    """Train a regressor with Adam on the mean squared error, one fresh mini-batch per update.

    make_batch(rng) -> (X (B, T, D), y (B, n_outputs)) draws a batch from a numpy Generator; the
    generator is seeded with `seed`, so the data stream is repeatable. Returns a training.History
    (one loss and gradient norm per update; it stops early if either becomes inf or NaN).
    """
    _check_max_norm(max_norm)
    steps = positive_int("steps", steps)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history = training.History()
    model.train()
    for _ in range(steps):
        X, y = (torch.as_tensor(np.asarray(a, dtype=np.float32)) for a in make_batch(rng))
        loss = nn.functional.mse_loss(model(X), y)
        if not training.update(model, opt, loss, clip_norm=max_norm, on_step=history.record_step):
            break
    return history


def regression_mse(model, X, y):
    """Mean squared error of the model's outputs on X (N, T, D) against y (N, n_outputs)."""
    return float(np.mean((_predict(model, X) - np.asarray(y)) ** 2))


@dataclass(frozen=True)
class AddingRecipe:
    """Chapter 04's recipe, the same for every cell type: H units, Adam, clipping, fresh batches."""

    hidden_size: int = 32
    steps: int = 600
    batch_size: int = 64
    lr: float = 1e-2
    max_norm: float = 1.0
    forget_bias: float = 1.0  # LSTM only
    n_test: int = 1000


ADDING_BASELINE_MSE = 1 / 6  # always answering 1.0, the mean of the target
ADDING_TEST_SEED = 99_999  # the test set is drawn apart from every training stream


class AddingResult(NamedTuple):
    """What `adding_experiment` returns for one model."""

    model: LastStateModel  # trained
    mse: float  # on the test set
    seconds: float  # training time


def train_on_adding_problem(cell, T, *, seed=0, recipe=AddingRecipe()):
    """An experiment (train + score): train a `cell` model on the adding problem with sequences of
    length T and score it on a fixed test set; returns an AddingResult.

    Runs inside `seed.scoped(seed)` (the starting weights) and draws the training stream from seed
    1000 + seed. A test MSE near ADDING_BASELINE_MSE (1/6) means the model never found the two
    marked values; 0.01 or less means it adds them.
    """
    forget_bias = recipe.forget_bias if cell == "lstm" else None

    def make_batch(rng):
        return data.adding_problem(recipe.batch_size, T, seed=int(rng.integers(2**31)))

    with scoped(seed):
        model = LastStateModel(2, recipe.hidden_size, 1, cell=cell, forget_bias=forget_bias)
        start = time.perf_counter()
        fit_regressor(model, make_batch, steps=recipe.steps, lr=recipe.lr, max_norm=recipe.max_norm, seed=1000 + seed)
        seconds = time.perf_counter() - start
    X_test, y_test = data.adding_problem(recipe.n_test, T, seed=ADDING_TEST_SEED)
    return AddingResult(model, regression_mse(model, X_test, y_test), seconds)
