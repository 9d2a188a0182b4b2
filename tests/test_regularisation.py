"""Chapter 04's stacking and dropout experiment: the model, dropout's train/eval behaviour, the fixed data."""

import numpy as np
import pytest
import torch

from course_utils.models import regularisation as reg
from course_utils.models.sequence_models import LastStateModel
from course_utils.models.training import Recipe


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_shapes_and_layers(num_layers, cell):
    torch.manual_seed(0)
    model = reg.StackedModel(2, 8, 3, cell=cell, num_layers=num_layers, dropout=0.2)
    assert model(torch.randn(4, 6, 2)).shape == (4, 3)
    assert model.recurrent.num_layers == num_layers
    assert model.recurrent.dropout == (0.2 if num_layers > 1 else 0.0)  # torch drops only between layers


def test_dropout_is_off_in_eval_mode_and_on_in_training_mode():
    torch.manual_seed(1)
    model = reg.StackedModel(2, 16, 1, num_layers=2, dropout=0.5)
    X = torch.randn(8, 5, 2)
    model.eval()
    with torch.no_grad():
        first, second = model(X), model(X)
    assert torch.equal(first, second)
    model.train()
    with torch.no_grad():
        a, b = model(X), model(X)
    assert (a - b).abs().max() > 1e-4  # random masks differ from call to call
    assert (a - first).abs().max() > 1e-4


def test_one_layer_without_dropout_is_the_last_state_model():
    # oracle: chapter 03/04's LastStateModel with the same weights copied in
    torch.manual_seed(2)
    ours = reg.StackedModel(3, 6, 2, cell="gru", num_layers=1, dropout=0.0)
    theirs = LastStateModel(3, 6, 2, cell="gru")
    theirs.load_state_dict(ours.state_dict())
    X = torch.randn(4, 7, 3)
    torch.testing.assert_close(ours(X), theirs(X))


def test_errors():
    with pytest.raises(ValueError, match="dropout must be a number in \\[0, 1\\), got 1.0"):
        reg.StackedModel(2, 4, 1, dropout=1.0)
    with pytest.raises(ValueError, match="num_layers must be a positive int, got 0"):
        reg.StackedModel(2, 4, 1, num_layers=0)
    with pytest.raises(ValueError, match="setup.task must be 'adding' or 'forecast', got 'text'"):
        reg.overfitting_data(reg.OverfitSetup(task="text"))


@pytest.mark.parametrize("task, D", [("forecast", 1), ("adding", 2)])
def test_fixed_data(task, D):
    setup = reg.OverfitSetup(task=task, T=12, n_train=30, n_valid=20, n_test=10)
    splits = reg.overfitting_data(setup)
    assert [part.X.shape for part in splits] == [(30, 12, D), (20, 12, D), (10, 12, D)]
    assert [part.y.shape for part in splits] == [(30, 1), (20, 1), (10, 1)]
    again = reg.overfitting_data(setup)
    assert all(np.array_equal(a.X, b.X) for a, b in zip(splits, again))  # fixed: the same sets every call
    assert not np.array_equal(splits.train.X[:10], splits.valid.X[:10])


def test_run_reports_consistent_losses():
    setup = reg.OverfitSetup(T=10, n_train=40, n_valid=40, n_test=40, hidden_size=8,
                             recipe=Recipe(epochs=3, batch_size=20, max_lr=1e-2))
    result = reg.overfitting_run(2, 0.3, setup=setup, seed=0)
    assert result["gap"] == pytest.approx(result["valid"] - result["train"])
    assert len(result["history"].valid_loss) == 3
    # the validation loss fit reports after the last epoch is the one measured again with dropout off
    assert result["history"].valid_loss[-1] == pytest.approx(result["valid"], rel=1e-5)
    assert reg.overfitting_run(2, 0.3, setup=setup, seed=0)["valid"] == result["valid"]


def test_mean_and_spread():
    assert reg.mean_and_spread([1.0, 4.0, 2.5]) == (2.5, 3.0)
