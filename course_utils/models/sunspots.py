"""Chapter 01's models on a real series: the monthly sunspot numbers, 1749-2008.

The series comes with the package (`data.load_sunspots`). Windows of `n_steps` months predict the
next `ahead` months; the windows are split in time order (train, then validation, then test) and
standardised with the training part's mean and standard deviation. `sunspot_scores` trains the
linear model and a one-layer RNN of `forecast` and scores them against the naive forecast, in the
series' own units (sunspot number squared).
"""

from dataclasses import dataclass

from course_utils import data
from course_utils.models.forecast import DeepRNNDense, LinearForecaster, naive_forecast
from course_utils.models.training import Recipe, fit, mse, predict


@dataclass(frozen=True)
class SunspotSetup:
    """Windows of `n_steps` months predicting the next `ahead`; chronological split fractions."""

    n_steps: int = 24
    ahead: int = 1
    train_frac: float = 0.7
    valid_frac: float = 0.15
    hidden_size: int = 20
    recipe: Recipe = Recipe(epochs=30, batch_size=64, max_lr=5e-3, clip_norm=1.0)


def sunspot_data(setup=SunspotSetup()):
    """Sliding windows over the sunspot series, standardised with the training part's mean and std.

    Windows keep their time order: the first `train_frac` of them train, the next `valid_frac`
    validate, the rest test. Returns (splits, mean, std); multiply a scaled MSE by std**2 for
    original units.
    """
    _, values = data.load_sunspots()  # (3120,)
    X, y = data.windows(values, setup.n_steps, setup.ahead)  # (M, n_steps, 1), (M, ahead)
    n_train = int(len(X) * setup.train_frac)
    n_valid = int(len(X) * setup.valid_frac)
    train_values = values[: n_train + setup.n_steps + setup.ahead - 1]  # every value the training windows see
    mean, std = float(train_values.mean()), float(train_values.std())
    X, y = (X - mean) / std, (y - mean) / std
    return data.split_series(X, y, n_train=n_train, n_valid=n_valid), mean, std


def sunspot_scores(setup=SunspotSetup(), *, seed=42, progress=False):
    """Train a linear model and a small RNN on sunspots and score them against the naive forecast.

    Returns {model name: {"valid": MSE, "test": MSE, "seconds": training time}}, MSE in original
    units (sunspot number squared). Call `set_seed` first for a repeatable run.
    """
    splits, _, std = sunspot_data(setup)

    def score(forecaster):  # MSE in original units on the validation and test parts
        return {part: mse(forecaster(split.X), split.y) * std**2 for part, split in
                (("valid", splits.valid), ("test", splits.test))}

    scores = {"naive": {**score(lambda X: naive_forecast(X, setup.ahead)), "seconds": 0.0}}
    models = {
        "linear": LinearForecaster(setup.n_steps, setup.ahead),
        "rnn": DeepRNNDense(setup.hidden_size, num_layers=1, ahead=setup.ahead),  # one recurrent layer
    }
    for name, model in models.items():
        history = fit(model, *splits.train, *splits.valid, setup.recipe, seed=seed, progress=progress,
                      desc=f"sunspots, {name}, {setup.ahead} ahead")
        scores[name] = {**score(lambda X, model=model: predict(model, X)), "seconds": history.seconds}
    return scores
