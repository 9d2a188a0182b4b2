"""Vector to sequence (chapter 01): a recurrent decoder that writes a whole series from one vector.

The input is a vector v of F numbers (chapter 01 uses the four parameters behind each synthetic
series, `data.vector_to_sequence_data`); the output is a series of T values. A recurrent layer
writes it one step at a time and a dense layer reads every state:

    h_t = RNN(x_t, h_{t-1}),   y_t = h_t @ W_y + b_y           y: (N, T)

There are two ways to tell the decoder what to write, the `condition` of `SeriesDecoder`:

- "initial_state": the vector sets the starting state, h_0 = tanh(v @ W_v) (no bias, so v = 0
  gives h_0 = 0), and every input x_t is zero: the decoder runs on its own from h_0;
- "every_step": h_0 = 0 and the vector is the input at every step, x_t = v.

`mean_series_mse` is the baseline every decoder must beat: predict the training set's mean series.
`train_decoder` trains one decoder with `training.fit` and scores it on the validation part.
"""

import numpy as np
import torch
from torch import nn

from course_utils._checks import check_shape, positive_int
from course_utils.models.forecast import keras_init
from course_utils.models.sequence_models import recurrent_layer
from course_utils.models.training import Recipe, fit, mse, predict
from course_utils.seed import scoped

CONDITIONS = ("initial_state", "every_step")

# notebook 01: 1,000 training and 1,000 validation series, 12 epochs; about 1 s of CPU per LSTM decoder, one thread
DECODER_RECIPE = Recipe(epochs=12, batch_size=64, max_lr=1e-2, clip_norm=1.0)


class SeriesDecoder(nn.Module):
    """Write a series of `n_steps` values from a vector of `n_features`: (N, F) -> (N, T).

    condition: "initial_state" (h_0 = tanh(v @ W_v), zero inputs) or "every_step" (h_0 = 0, input v
    at every step). cell: "rnn" (tanh), "lstm" or "gru"; for an LSTM, h_0 is set and c_0 = 0.
    Weights start as in chapter 01 (`forecast.keras_init`).
    """

    def __init__(self, n_features=6, hidden_size=32, n_steps=50, *, condition="initial_state", cell="lstm"):
        super().__init__()
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        self.n_features = positive_int("n_features", n_features)
        self.hidden_size = positive_int("hidden_size", hidden_size)
        self.n_steps = positive_int("n_steps", n_steps)
        self.condition, self.cell = condition, cell
        n_inputs = 1 if condition == "initial_state" else n_features
        self.recurrent = recurrent_layer(cell)(n_inputs, hidden_size, batch_first=True)
        self.to_state = nn.Linear(n_features, hidden_size, bias=False) if condition == "initial_state" else None
        self.readout = nn.Linear(hidden_size, 1)
        keras_init(self)

    def forward(self, v, n_steps=None):
        """v: (N, F) -> (N, T) with T = n_steps (default: the decoder's own n_steps)."""
        if v.ndim != 2 or v.shape[1] != self.n_features:
            raise ValueError(f"v must have shape (N, F={self.n_features}), got {tuple(v.shape)}")
        T = self.n_steps if n_steps is None else positive_int("n_steps", n_steps)
        N = v.shape[0]
        if self.condition == "initial_state":
            inputs = v.new_zeros(N, T, 1)  # (N, T, 1): nothing to read, the state carries everything
            h0 = torch.tanh(self.to_state(v))[None]  # (1, N, H)
            start = (h0, torch.zeros_like(h0)) if self.cell == "lstm" else h0
            states, _ = self.recurrent(inputs, start)  # (N, T, H)
        else:
            inputs = v[:, None, :].expand(N, T, self.n_features)  # (N, T, F): the same vector at every step
            states, _ = self.recurrent(inputs)  # h_0 = 0
        return self.readout(states)[:, :, 0]  # (N, T, 1) -> (N, T)


def mean_series_mse(y_train, y_eval):
    """Baseline: predict the mean of the training series at every step. y_train (M, T), y_eval (N, T) -> MSE."""
    y_train = check_shape("y_train", y_train, ("M", "T"))
    y_eval = check_shape("y_eval", y_eval, ("N", y_train.shape[1]))
    mean = y_train.mean(axis=0)  # (T,)
    return mse(np.broadcast_to(mean, y_eval.shape), y_eval)


def train_decoder(condition, splits, *, hidden_size=32, cell="lstm", recipe=DECODER_RECIPE, seed=0, progress=False):
    """Build and train one `SeriesDecoder` on splits.train, inside `seed.scoped(seed)` (starting weights, batches).

    splits: a `data.Splits` with X (N, F) vectors and y (N, T) series. Returns (model, history,
    validation MSE). The test part is not touched.
    """
    (X_train, y_train), (X_valid, y_valid) = splits.train, splits.valid
    with scoped(seed):
        model = SeriesDecoder(X_train.shape[1], hidden_size, y_train.shape[1], condition=condition, cell=cell)
        history = fit(model, X_train, y_train, X_valid, y_valid, recipe, seed=seed, progress=progress, desc=condition)
    return model, history, mse(predict(model, X_valid), y_valid)
