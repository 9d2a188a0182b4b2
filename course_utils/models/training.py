"""The course's one training loop and its one optimisation step.

`update` is the only optimisation step in the package (backward, clip, step, schedule); every torch
loop (`fit` here, `seq2seq.fit`, `char_model.fit`, `sequence_models.fit_classifier` / `fit_regressor`,
`text_classifier.train_and_score`) calls it, and every loop returns a `History`. `check_recipe` and
`model_device` are the shared checks and the one way to ask where a model lives.

`fit` trains any `torch.nn.Module` that maps a batch of inputs to a batch of predictions:
Adam, a one-cycle learning-rate schedule (the rate climbs to `max_lr`, then anneals towards
zero), shuffled mini-batches, and one validation pass per epoch. How long and how hard to
train is a `Recipe` (epochs, batch size, peak learning rate); what happened is a `History`.

Inputs and targets are float32 numpy arrays or tensors whose first axis is the sample axis,
for example X `(N, T, 1)` and y `(N, 1)`. The model runs on a GPU when one is present and on
the CPU otherwise. `predict` returns numpy, and `mse` scores a prediction against the truth.

Repeatability: the order of the mini-batches comes from a generator seeded with `seed`.
The model's starting weights come from torch's global generator, so build the model right
after `set_seed(...)` and two runs on the same machine give the same numbers.
"""

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils._checks import positive_int


@dataclass(frozen=True)
class Recipe:
    """How to train: number of passes over the data, mini-batch size, peak learning rate, and an
    optional cap on the gradient's norm (None: no clipping)."""

    epochs: int = 20
    batch_size: int = 128
    max_lr: float = 1e-2
    clip_norm: float | None = None


@dataclass
class History:
    """What a training loop measured; each loop fills the fields that apply to it.

    loss, grad_norm: one entry per update (the mini-batch's training loss; the global gradient norm
    *before* clipping), recorded by `record_step`. train_loss: one entry per epoch (mean over the
    epoch's batches). valid_loss: held-out loss after the updates counted in valid_steps. diverged:
    True when a loss or gradient norm became inf or NaN (the loop then stopped). samples: update ->
    generated text (char_model). seconds: wall time; epochs: passes over the training data.
    Losses are in the loop's unit: mean squared error, cross-entropy in nats, or bits per
    character for `char_model.fit`.
    """

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    valid_loss: list = field(default_factory=list)
    valid_steps: list = field(default_factory=list)
    samples: dict = field(default_factory=dict)
    diverged: bool = False
    seconds: float = 0.0
    epochs: float = 0.0

    def record_step(self, loss, grad_norm):
        """`update`'s on_step hook: log one update; False (skip the step, stop) once either number is not finite."""
        self.loss.append(loss)
        self.grad_norm.append(grad_norm)
        self.diverged = not (np.isfinite(loss) and np.isfinite(grad_norm))
        return not self.diverged


def default_device():
    """Where a new model should go: the GPU when torch can see one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def model_device(model):
    """Where `model` lives: the device of its first parameter (the CPU for a model without parameters)."""
    return next(model.parameters(), torch.empty(0)).device


def _as_tensor(name, a):
    if isinstance(a, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
    if isinstance(a, torch.Tensor):
        return a.detach().float()
    raise ValueError(f"{name} must be a numpy array or a torch tensor, got {type(a).__name__}")


def _check_pair(kind, X, y):
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"X_{kind} must hold at least one sample, got shape {tuple(X.shape)}")
    if len(X) != len(y):
        raise ValueError(
            f"X_{kind} and y_{kind} must have the same number of samples, got {len(X)} and {len(y)}"
        )


def check_recipe(recipe):
    """A clear ValueError unless `recipe` is a Recipe with positive sizes and rates (clip_norm may be None)."""
    if not isinstance(recipe, Recipe):
        raise ValueError(f"recipe must be a Recipe, got {type(recipe).__name__}")
    for name in ("epochs", "batch_size"):
        positive_int(f"recipe.{name}", getattr(recipe, name))
    for name in ("max_lr", "clip_norm"):
        value = getattr(recipe, name)
        if value is None and name == "clip_norm":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"recipe.{name} must be a positive number, got {value!r}")


def _mean_loss(model, loss_fn, X, y, batch_size):
    """Loss over a whole set, evaluated in chunks and weighted by chunk size."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            total += loss_fn(model(xb), yb).item() * len(xb)
    return total / len(X)


def update(model, optimizer, loss, *, clip_norm=None, schedule=None, on_step=None):
    """One optimisation step, the package's only one: backpropagate `loss`, clip the global gradient
    norm to `clip_norm` (None: no clipping), step the optimizer, then the learning-rate schedule (if any).

    on_step(loss, grad_norm), if given, is called after backward with Python floats: the loss and the
    global gradient norm *before* clipping (`History.record_step` logs them). When it returns False
    the step is skipped. Returns True when the step was taken.
    """
    optimizer.zero_grad()
    loss.backward()
    limit = float("inf") if clip_norm is None else clip_norm  # inf: measure the norm, scale by exactly 1
    grad_norm = nn.utils.clip_grad_norm_(model.parameters(), limit)  # returns the norm before clipping
    if on_step is not None and on_step(loss.item(), float(grad_norm)) is False:
        return False
    optimizer.step()
    if schedule is not None:
        schedule.step()
    return True


def fit(model, X_train, y_train, X_valid, y_valid, recipe, *, seed=42, progress=True, desc="epochs", loss_fn=None):
    """Train `model` in place and return its `History`.

    X_*: (N, ...) inputs; y_*: (N, ...) targets of exactly the shape the model outputs.
    recipe: a `Recipe`. seed: seeds the shuffling of mini-batches. progress: show a bar
    over epochs (tqdm's notebook bar in Jupyter: it shows the elapsed time), labelled `desc`.
    loss_fn: defaults to mean squared error. Training stops early if the loss becomes inf or NaN
    (history.diverged).
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_recipe(recipe)
    device = default_device()
    X_train, y_train = _as_tensor("X_train", X_train).to(device), _as_tensor("y_train", y_train).to(device)
    X_valid, y_valid = _as_tensor("X_valid", X_valid).to(device), _as_tensor("y_valid", y_valid).to(device)
    _check_pair("train", X_train, y_train)
    _check_pair("valid", X_valid, y_valid)
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    model.to(device)

    # A wrong target shape would broadcast silently inside the loss, so compare once up front.
    model.eval()
    with torch.no_grad():
        out_shape = tuple(model(X_train[:2]).shape[1:])
    expected = "(N" + "".join(f", {d}" for d in out_shape) + ")"
    for name, y in (("y_train", y_train), ("y_valid", y_valid)):
        if tuple(y.shape[1:]) != out_shape:
            raise ValueError(f"{name} must have shape {expected} to match the model's output, got {tuple(y.shape)}")

    n_batches = -(-len(X_train) // recipe.batch_size)  # ceil
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.max_lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=recipe.max_lr, total_steps=recipe.epochs * n_batches
    )
    shuffler = torch.Generator().manual_seed(seed)
    history = History()
    start = time.perf_counter()

    bar = tqdm(range(recipe.epochs), desc=desc, disable=not progress)
    for _ in bar:
        model.train()
        order = torch.randperm(len(X_train), generator=shuffler).to(device)
        total = 0.0
        for i in range(n_batches):
            idx = order[i * recipe.batch_size : (i + 1) * recipe.batch_size]
            loss = loss_fn(model(X_train[idx]), y_train[idx])
            if not update(model, optimizer, loss, clip_norm=recipe.clip_norm, schedule=schedule,
                          on_step=history.record_step):
                break
            total += history.loss[-1] * len(idx)
        model.eval()
        if history.diverged:
            break
        history.train_loss.append(total / len(X_train))
        history.valid_loss.append(_mean_loss(model, loss_fn, X_valid, y_valid, 2048))
        history.valid_steps.append(len(history.loss))
        history.epochs += 1
        bar.set_postfix(train=f"{history.train_loss[-1]:.5f}", valid=f"{history.valid_loss[-1]:.5f}")

    history.seconds = time.perf_counter() - start
    return history


def predict(model, X, batch_size=2048):
    """Run `model` on X (N, ...) without gradients, in chunks; returns a float32 numpy array (N, ...)."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    positive_int("batch_size", batch_size)
    X = _as_tensor("X", X)
    device = model_device(model)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        chunks = [model(X[i : i + batch_size].to(device)).cpu() for i in range(0, len(X), batch_size)]
    model.train(was_training)
    return torch.cat(chunks).numpy()


def mse(y_pred, y_true):
    """Mean squared error of two arrays of the same shape, as a Python float."""
    y_pred = y_pred.detach().cpu().numpy() if isinstance(y_pred, torch.Tensor) else np.asarray(y_pred)
    y_true = y_true.detach().cpu().numpy() if isinstance(y_true, torch.Tensor) else np.asarray(y_true)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred must have the shape of y_true {y_true.shape}, got {y_pred.shape}")
    return float(np.mean((y_pred.astype(np.float64) - y_true) ** 2))
