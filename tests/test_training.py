"""The fit loop learns, repeats itself given a seed, and rejects bad arguments with clear messages; `update`
reports the gradient norm before clipping (checked against autograd) and skips a step when told to."""

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.models.training import History, Recipe, check_recipe, fit, model_device, mse, predict, update

RECIPE = Recipe(epochs=20, batch_size=8, max_lr=0.1)




def regression_problem(n=96, seed=0):
    """y = X @ w + 0.5: a problem a single linear layer can solve exactly."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.5).astype(np.float32)
    return X[:64], y[:64], X[64:], y[64:]


def trained(seed=42, recipe=RECIPE, init_seed=0, data=None):
    torch.manual_seed(init_seed)
    model = nn.Linear(3, 1)
    history = fit(model, *(data or regression_problem()), recipe, seed=seed, progress=False)
    return model, history


def test_fit_reduces_the_training_loss_and_records_a_history():
    _, history = trained()
    assert isinstance(history, History)
    assert len(history.train_loss) == len(history.valid_loss) == RECIPE.epochs
    assert history.train_loss[-1] < 0.01 * history.train_loss[0]
    assert history.valid_loss[-1] < 0.01 * history.valid_loss[0]
    assert history.seconds > 0


def test_fit_is_repeatable_given_the_seed_and_the_shuffle_depends_on_it():
    model_a, first = trained(seed=7)
    model_b, second = trained(seed=7)
    assert first.train_loss == second.train_loss and first.valid_loss == second.valid_loss
    assert torch.equal(model_a.weight, model_b.weight)
    _, other = trained(seed=8)
    assert other.train_loss != first.train_loss  # a different seed gives a different batch order


def test_numpy_and_tensor_inputs_train_the_same_way():
    arrays = regression_problem()
    _, from_numpy = trained(data=arrays)
    _, from_tensors = trained(data=tuple(torch.from_numpy(a) for a in arrays))
    assert from_numpy.train_loss == from_tensors.train_loss


def test_max_lr_sets_the_step_size():
    """In one epoch, a peak learning rate of 1e-6 barely moves the loss; 0.3 at least halves it."""
    _, slow = trained(recipe=Recipe(epochs=1, batch_size=8, max_lr=1e-6))
    _, fast = trained(recipe=Recipe(epochs=1, batch_size=8, max_lr=0.3))
    assert fast.valid_loss[0] < 0.5 * slow.valid_loss[0]


def test_clip_norm_changes_the_updates():
    X, y, Xv, yv = regression_problem()
    big = (X, 1000 * y, Xv, 1000 * yv)  # large targets give large, varying gradients
    _, plain = trained(data=big)
    _, clipped = trained(data=big, recipe=dataclasses.replace(RECIPE, clip_norm=1e-3))
    assert plain.train_loss != clipped.train_loss


def test_predict_returns_numpy_in_chunks_and_keeps_the_mode():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    X = np.random.default_rng(1).normal(size=(10, 3)).astype(np.float32)
    out = predict(model, X, batch_size=3)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (10, 2)
    np.testing.assert_allclose(out, model(torch.from_numpy(X)).detach().numpy(), rtol=1e-6)
    assert model.training  # predict switched to eval mode and back


def test_mse():
    assert mse(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])) == pytest.approx(2.5)
    assert mse(torch.tensor([2.0, 2.0]), np.array([0.0, 0.0])) == pytest.approx(4.0)
    with pytest.raises(ValueError, match=r"y_pred must have the shape of y_true \(2, 1\), got \(2,\)"):
        mse(np.zeros(2), np.zeros((2, 1)))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"recipe": Recipe(epochs=0)}, "recipe.epochs must be a positive int, got 0"),
        ({"recipe": Recipe(batch_size=2.5)}, "recipe.batch_size must be a positive int, got 2.5"),
        ({"recipe": Recipe(max_lr=0.0)}, "recipe.max_lr must be a positive number, got 0.0"),
        ({"recipe": Recipe(clip_norm=-1.0)}, "recipe.clip_norm must be a positive number, got -1.0"),
        ({"recipe": (10, 16, 0.01)}, "recipe must be a Recipe, got tuple"),
        ({"model": "linear"}, "model must be a torch.nn.Module, got str"),
        ({"X_train": [[1.0, 2.0, 3.0]]}, "X_train must be a numpy array or a torch tensor, got list"),
        ({"y_train": np.zeros((63, 1), np.float32)}, "X_train and y_train must have the same number of .* 64 and 63"),
        ({"y_valid": np.zeros((5, 1), np.float32)}, "X_valid and y_valid must have the same number of .* 32 and 5"),
        ({"y_train": np.zeros(64, np.float32)}, r"y_train must have shape \(N, 1\) to match .*, got \(64,\)"),
        ({"y_valid": np.zeros((32, 2), np.float32)}, r"y_valid must have shape \(N, 1\) to match .*, got \(32, 2\)"),
        ({"X_train": np.zeros((0, 3), np.float32), "y_train": np.zeros((0, 1), np.float32)},
         "X_train must hold at least one sample"),
    ],
)
def test_bad_arguments_raise_value_error(change, message):
    X, y, Xv, yv = regression_problem()
    args = {"model": nn.Linear(3, 1), "X_train": X, "y_train": y, "X_valid": Xv, "y_valid": yv, "recipe": RECIPE}
    args.update(change)
    with pytest.raises(ValueError, match=message):
        fit(*args.values(), progress=False)  # model, X_train, y_train, X_valid, y_valid, recipe


def test_predict_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        predict(nn.Linear(3, 1), np.zeros((2, 3), np.float32), batch_size=0)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        predict(lambda x: x, np.zeros((2, 3), np.float32))


def test_fit_shows_a_labelled_progress_bar_with_the_elapsed_time(capsys):
    fit(nn.Linear(3, 1), *regression_problem(), Recipe(epochs=3, batch_size=8), progress=True, desc="linear model")
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]  # tqdm's last refresh (stderr here)
    assert bar.startswith("linear model: 100%") and "3/3 [00:" in bar and "valid=" in bar
    fit(nn.Linear(3, 1), *regression_problem(), Recipe(epochs=3, batch_size=8), progress=False)
    assert capsys.readouterr().err == ""

# ---- update: the package's one optimisation step ------------------------------------------------------


def _one_linear_problem():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    X, y = torch.randn(16, 3), 100 * torch.randn(16, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1), nn.functional.mse_loss(model(X), y)


def test_update_reports_the_norm_before_clipping_and_clips_the_step():
    model, opt, loss = _one_linear_problem()
    grads = torch.autograd.grad(loss, list(model.parameters()), retain_graph=True)  # the oracle: autograd
    expected = float(torch.sqrt(sum((g**2).sum() for g in grads)))
    before = [p.detach().clone() for p in model.parameters()]
    seen = []
    assert update(model, opt, loss, clip_norm=1.0, on_step=lambda l, n: seen.append((l, n)))
    assert seen == [(pytest.approx(loss.item()), pytest.approx(expected, rel=1e-5))] and expected > 1.0
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert float(moved) == pytest.approx(0.1 * 1.0, rel=1e-4)  # lr times the clipped norm


def test_update_skips_the_step_when_on_step_says_false():
    model, opt, loss = _one_linear_problem()
    before = [p.detach().clone() for p in model.parameters()]
    assert update(model, opt, loss, on_step=lambda l, n: False) is False
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


def test_history_record_step_flags_a_loss_or_norm_that_is_not_finite():
    history = History()
    assert history.record_step(1.0, 2.0) and not history.diverged
    assert not history.record_step(float("nan"), 2.0) and history.diverged
    assert not History().record_step(1.0, float("inf"))
    assert history.loss[0] == 1.0 and history.grad_norm == [2.0, 2.0]


def test_fit_logs_every_update_and_stops_when_the_loss_diverges():
    _, history = trained()
    assert len(history.loss) == len(history.grad_norm) == RECIPE.epochs * 8 and not history.diverged
    assert history.valid_steps == [8 * (k + 1) for k in range(RECIPE.epochs)] and history.epochs == RECIPE.epochs
    X, y, Xv, yv = regression_problem()
    X[3] = np.inf  # the batch holding sample 3 gives an inf loss
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    history = fit(model, X, y, Xv, yv, RECIPE, progress=False)
    assert history.diverged and len(history.loss) <= 8 and history.train_loss == []
    assert torch.isfinite(model.weight).all()  # the bad step was not taken


def test_check_recipe_and_model_device():
    check_recipe(RECIPE)
    with pytest.raises(ValueError, match="recipe.epochs must be a positive int, got True"):
        check_recipe(Recipe(epochs=True))
    assert model_device(nn.Linear(2, 1)) == torch.device("cpu")
    assert model_device(nn.ReLU()) == torch.device("cpu")  # no parameters: the CPU
