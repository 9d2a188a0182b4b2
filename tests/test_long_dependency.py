"""The long-dependency tasks (data.recall_first_symbol, data.adding_problem) and the torch classifier."""

import numpy as np
import pytest
import torch

from course_utils import data
from course_utils.models import sequence_models
from course_utils.seed import set_seed


def test_recall_task_shapes_types_and_labels():
    task = data.recall_first_symbol(50, 7, n_symbols=3, n_distractors=5, seed=1)
    assert task.X.shape == (50, 7, 8) and task.X.dtype == np.float32
    assert task.y.shape == (50,) and task.y.dtype == np.int64
    np.testing.assert_array_equal(task.X.sum(axis=2), 1.0)  # one-hot at every step
    np.testing.assert_array_equal(task.X[:, 0, :3].argmax(axis=1), task.y)  # the label is the first symbol
    assert not task.X[:, 1:, :3].any(), "symbols to remember may only appear at the first step"
    assert not task.X[:, 0, 3:].any(), "the first step holds no distractor"
    assert set(np.unique(task.y)) == {0, 1, 2}


def test_recall_task_is_seeded():
    a, b = data.recall_first_symbol(20, 5, seed=3), data.recall_first_symbol(20, 5, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, data.recall_first_symbol(20, 5, seed=4).X)


def test_recall_task_edge_cases():
    blank = data.recall_first_symbol(4, 6, n_distractors=0)
    assert blank.X.shape == (4, 6, 4) and not blank.X[:, 1:].any()
    one = data.recall_first_symbol(4, 1)
    assert one.X.shape == (4, 1, 8)
    np.testing.assert_array_equal(one.X[:, 0, :4].argmax(axis=1), one.y)


def test_the_distractors_carry_no_information_about_the_label():
    task = data.recall_first_symbol(4000, 6, seed=0)
    counts = task.X[:, 1:, 4:].sum(axis=(1,))  # (N, n_distractors)
    by_label = np.array([counts[task.y == c].mean(axis=0) for c in range(4)])
    assert np.abs(by_label - by_label.mean(axis=0)).max() < 0.15


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(n_samples=0, T=5), "n_samples must be a positive int"),
        (dict(n_samples=3, T=0), "T must be a positive int"),
        (dict(n_samples=3, T=2.5), "T must be a positive int"),
        (dict(n_samples=3, T=4, n_symbols=1), "n_symbols must be at least 2"),
        (dict(n_samples=3, T=4, n_distractors=-1), "n_distractors must be a non-negative int, got -1"),
    ],
)
def test_recall_task_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.recall_first_symbol(**kwargs)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequence_classifier_reads_the_last_state(cell):
    torch.manual_seed(0)
    model = sequence_models.LastStateModel(8, 5, 4, cell=cell)
    X = torch.randn(3, 6, 8)
    logits = model(X)
    assert logits.shape == (3, 4)
    states, _ = model.recurrent(X)
    torch.testing.assert_close(logits, model.head(states[:, -1]))


def test_sequence_classifier_rejects_an_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of"):
        sequence_models.LastStateModel(2, 3, 4, cell="transformer")


def test_fit_classifier_learns_a_short_recall_and_clipping_caps_every_step():
    set_seed(0)
    train = data.recall_first_symbol(400, 3, seed=0)
    model = sequence_models.LastStateModel(8, 16, 4)
    history = sequence_models.fit_classifier(model, train.X, train.y, epochs=15, lr=0.1, optimizer="sgd", max_norm=1.0)
    assert len(history.loss) == 15 * 13 and len(history.grad_norm) == len(history.loss)
    assert not history.diverged
    assert np.mean(history.loss[-13:]) < 0.5 * np.mean(history.loss[:13])
    valid = data.recall_first_symbol(200, 3, seed=1)
    assert sequence_models.accuracy(model, valid.X, valid.y) > 0.9


def test_fit_classifier_is_repeatable():
    runs = []
    for _ in range(2):
        set_seed(1)
        task = data.recall_first_symbol(64, 4, seed=2)
        model = sequence_models.LastStateModel(8, 4, 4)
        runs.append(sequence_models.fit_classifier(model, task.X, task.y, epochs=2, seed=5).loss)
    assert runs[0] == runs[1]


def test_fit_classifier_reports_divergence_and_stops():
    set_seed(0)
    task = data.recall_first_symbol(64, 5, seed=0)
    model = sequence_models.LastStateModel(8, 4, 4, nonlinearity="relu")
    with torch.no_grad():
        model.recurrent.weight_hh_l0.fill_(10.0)  # relu with huge recurrent weights: the states overflow
        model.recurrent.weight_ih_l0.fill_(1e30)
    history = sequence_models.fit_classifier(model, task.X, task.y, epochs=3, lr=0.1, optimizer="sgd")
    assert history.diverged and len(history.loss) < 3 * 2


@pytest.mark.parametrize(
    "kwargs,match",
    [(dict(optimizer="rmsprop"), "optimizer must be"), (dict(max_norm=0), "max_norm must be None or")],
)
def test_fit_classifier_rejects_bad_settings(kwargs, match):
    model = sequence_models.LastStateModel(8, 4, 4)
    task = data.recall_first_symbol(8, 3)
    with pytest.raises(ValueError, match=match):
        sequence_models.fit_classifier(model, task.X, task.y, **kwargs)
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\), got \(3, 8\)"):
        sequence_models.fit_classifier(model, task.X[0], task.y)
    with pytest.raises(ValueError, match=r"y must have shape \(N=8,\), got \(7,\)"):
        sequence_models.fit_classifier(model, task.X, task.y[:7])
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        sequence_models.fit_classifier(model, task.X, task.y, epochs=0)


def test_adding_problem_marks_two_values_and_sums_them():
    X, y = data.adding_problem(500, 30, seed=3)
    assert X.shape == (500, 30, 2) and y.shape == (500, 1) and X.dtype == y.dtype == np.float32
    markers = X[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :15].sum(axis=1) == 1) and np.all(markers[:, 15:].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (X[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    assert np.all((X[:, :, 0] >= 0) & (X[:, :, 0] < 1))
    big_X, big_y = data.adding_problem(20_000, 10, seed=0)
    assert abs(np.mean((big_y - 1.0) ** 2) - 1 / 6) < 0.01  # the constant-1.0 baseline
    np.testing.assert_array_equal(data.adding_problem(5, 8, seed=1)[0], data.adding_problem(5, 8, seed=1)[0])
    with pytest.raises(ValueError, match="T must be at least 2"):
        data.adding_problem(5, 1)


# ---- chapter 04: the regression side (adding problem) -----------------------------------------------


def test_forget_bias_sets_the_total_forget_bias_of_an_lstm_and_nothing_else():
    torch.manual_seed(0)
    plain = sequence_models.LastStateModel(2, 6, 1, cell="lstm")
    torch.manual_seed(0)
    model = sequence_models.LastStateModel(2, 6, 1, cell="lstm", forget_bias=1.0)
    b_ih, b_hh = model.recurrent.bias_ih_l0.detach(), model.recurrent.bias_hh_l0.detach()
    torch.testing.assert_close(b_ih[6:12] + b_hh[6:12], torch.ones(6))  # torch's gate order: i, f, g, o
    for name in ("bias_ih_l0", "bias_hh_l0"):
        before, after = getattr(plain.recurrent, name).detach(), getattr(model.recurrent, name).detach()
        torch.testing.assert_close(after[:6], before[:6])
        torch.testing.assert_close(after[12:], before[12:])
    with pytest.raises(ValueError, match="forget_bias applies to cell='lstm' only"):
        sequence_models.LastStateModel(2, 6, 1, cell="gru", forget_bias=1.0)


def test_fit_regressor_learns_to_add_on_short_sequences_and_is_repeatable():
    def make_batch(rng):
        return data.adding_problem(32, 4, seed=int(rng.integers(2**31)))

    X_test, y_test = data.adding_problem(500, 4, seed=123)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = sequence_models.LastStateModel(2, 16, 1, cell="lstm", forget_bias=1.0)
        history = sequence_models.fit_regressor(model, make_batch, steps=300, lr=1e-2, max_norm=1.0, seed=3)
        runs.append(history.loss)
    assert len(runs[0]) == 300 and runs[0] == runs[1]
    assert max(history.grad_norm) > 0
    assert sequence_models.regression_mse(model, X_test, y_test) < 0.2 * sequence_models.ADDING_BASELINE_MSE


@pytest.mark.parametrize("kwargs,match", [(dict(steps=0), "steps must be a positive int"),
                                          (dict(steps=5, max_norm=-1.0), "max_norm must be None or")])
def test_fit_regressor_rejects_bad_settings(kwargs, match):
    model = sequence_models.LastStateModel(2, 4, 1)
    with pytest.raises(ValueError, match=match):
        sequence_models.fit_regressor(model, lambda rng: data.adding_problem(4, 4), **kwargs)


def test_regression_mse_is_the_mean_squared_error_of_the_outputs():
    torch.manual_seed(1)
    model = sequence_models.LastStateModel(2, 3, 2, cell="gru")
    X = np.random.default_rng(0).normal(size=(7, 5, 2))
    y = np.random.default_rng(1).normal(size=(7, 2))
    with torch.no_grad():
        expected = torch.mean((model(torch.tensor(X, dtype=torch.float32)) - torch.tensor(y)) ** 2).item()
    assert sequence_models.regression_mse(model, X, y) == pytest.approx(expected, rel=1e-5)


def test_train_on_adding_problem_plain_rnn_fails_where_a_gru_succeeds():
    recipe = sequence_models.AddingRecipe(hidden_size=16, steps=300, n_test=300)
    gru_mse, seconds = sequence_models.train_on_adding_problem("gru", 30, seed=0, recipe=recipe)[1:]
    rnn_mse = sequence_models.train_on_adding_problem("rnn", 30, seed=0, recipe=recipe).mse
    assert seconds > 0
    assert gru_mse < 0.02 < 0.1 < rnn_mse  # the baseline is 1/6: the RNN never found the marked values


def test_recall_accuracy_is_chapter_03s_recipe_in_one_call():
    """Same number as the recipe spelled out (seeded weights, SGD, clipping), and a short recall is learnt."""
    set_seed(3)
    train = data.recall_first_symbol(1000, 3, seed=1003)
    valid = data.recall_first_symbol(500, 3, seed=2003)
    model = sequence_models.LastStateModel(8, 8, 4, cell="lstm", forget_bias=2.0)
    sequence_models.fit_classifier(model, train.X, train.y, epochs=2, lr=0.1, optimizer="sgd", max_norm=1.0, seed=3)
    by_hand = sequence_models.accuracy(model, valid.X, valid.y)
    got = sequence_models.recall_accuracy("lstm", 3, seed=3, forget_bias=2.0, hidden_size=8, epochs=2)
    assert got == by_hand
    assert sequence_models.recall_accuracy("rnn", 3, seed=0, hidden_size=16, epochs=15) > 0.9  # T = 3: easy


def test_the_experiments_leave_the_callers_random_streams_alone():
    set_seed(11)
    expected = (float(torch.rand(())), float(np.random.rand()))
    set_seed(11)
    sequence_models.recall_accuracy("rnn", 3, hidden_size=4, epochs=1)
    sequence_models.train_on_adding_problem("rnn", 4, recipe=sequence_models.AddingRecipe(hidden_size=4, steps=2,
                                                                                          n_test=10))
    assert (float(torch.rand(())), float(np.random.rand())) == expected
