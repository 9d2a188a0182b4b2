"""Forecasting a time series with torch: the models and training recipes of chapters 01, 04 and 05.

Every model reads a batch of windows X of shape (N, T, 1): N series, T time steps, one value
per step. The one-step models return the next value (N, 1); the ten-step models return the
next `ahead` values (N, ahead); the sequence-to-sequence model returns, at every step t, a
forecast of the `ahead` values that follow step t, (N, T, ahead).

- `naive_forecast`: repeat the last value (the baseline every model must beat).
- `LinearForecaster`: one dense layer over the whole window.
- `OneUnitRNN`: a single recurrent neuron; its final hidden state is the forecast.
- `DeepRNN`: two recurrent layers of 20 units, then a one-unit recurrent layer as output.
- `DeepRNNDense`: two recurrent layers of 20 units, then a dense layer on the last state.
- `Seq2SeqRNN`: the same stack with the dense layer applied at every time step; with
  `cell="lstm"` or `cell="gru"` it is chapter 04's gated version of the same model.
- `ConvGRU` (chapter 05): a strided 1D convolution that halves the sequence, then the GRU stack with
  a dense layer at every step; it forecasts at 24 of the 50 steps (targets `conv_gru_targets`).
- `WaveNet` (chapter 05): a stack of causal 1D convolutions with dilations 1, 2, 4, 8 (twice), then a
  kernel-size-1 convolution giving `ahead` forecasts at every step, (N, T, ahead).
- `iterative_forecast`: run a one-step model `ahead` times, feeding each forecast back in.

`keras_init` gives the weights the starting values of the textbook's framework (Glorot-uniform
input weights, orthogonal recurrent weights, zero biases). torch's own defaults train these
small models noticeably worse in the same number of epochs, so every model here uses it unless
told `init="torch"`. `RECIPES` holds the training recipe of each model and `PUBLISHED_MSE` the
validation MSE printed in the textbook, so a notebook can show both side by side.

The same models on a real series, the monthly sunspot numbers, are in `sunspots`.
"""

import numpy as np
from torch import nn

from course_utils import data
from course_utils._checks import check_shape, positive_int
from course_utils.models.sequence_models import recurrent_layer
from course_utils.models.training import Recipe, fit, mse, predict

# ----------------------------------------------------------------------------------------------
# Baseline and initialisation


def naive_forecast(X, ahead=1):
    """Forecast that the series stays at its last value. X: (N, T, 1) -> (N, ahead)."""
    X = check_shape("X", X, ("N", "T", 1))
    ahead = positive_int("ahead", ahead)
    return np.repeat(X[:, -1, :], ahead, axis=1)  # (N, ahead)


def keras_init(model):
    """Re-initialise `model` in place the way Keras does by default, and return it.

    Recurrent layers (nn.RNN, nn.LSTM, nn.GRU): input weights Glorot-uniform, recurrent
    weights orthogonal, biases zero (an LSTM's forget-gate bias starts at 1). Dense layers:
    Glorot-uniform weights, zero bias. 1D convolutions (nn.Conv1d): Keras's Conv1D also defaults to
    Glorot-uniform kernels and zero biases, with fan_in = C_in * K and fan_out = C_out * K (every tap
    counts), which is exactly what torch's `xavier_uniform_` computes from a (C_out, C_in, K) weight;
    torch's own default is U(+-1/sqrt(C_in * K)) for weight and bias. Draws from torch's global generator.
    """
    for module in model.modules():
        if isinstance(module, nn.RNNBase):
            for name, param in module.named_parameters():
                if name.startswith("weight_ih"):
                    nn.init.xavier_uniform_(param)  # bound sqrt(6 / (fan_in + fan_out))
                elif name.startswith("weight_hh"):
                    nn.init.orthogonal_(param)
                elif name.startswith("bias"):
                    nn.init.zeros_(param)
            if isinstance(module, nn.LSTM):  # torch's gate order is i, f, g, o
                H = module.hidden_size
                for name, param in module.named_parameters():
                    if name.startswith("bias_ih"):
                        nn.init.ones_(param.data[H : 2 * H])
        elif isinstance(module, (nn.Linear, nn.Conv1d)):
            nn.init.xavier_uniform_(module.weight)  # Conv1d: bound sqrt(6 / ((C_in + C_out) * K))
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


def _initialise(model, init):
    if init == "keras":
        keras_init(model)
    elif init != "torch":
        raise ValueError(f"init must be 'keras' or 'torch', got {init!r}")


# ----------------------------------------------------------------------------------------------
# Models


class LinearForecaster(nn.Module):
    """Flatten the window and apply one dense layer: (N, n_steps, 1) -> (N, ahead)."""

    def __init__(self, n_steps=50, ahead=1, *, init="keras"):
        super().__init__()
        self.flatten = nn.Flatten()
        self.dense = nn.Linear(n_steps, ahead)
        _initialise(self, init)

    def forward(self, X):
        return self.dense(self.flatten(X))  # (N, T, 1) -> (N, T) -> (N, ahead)


class OneUnitRNN(nn.Module):
    """A single recurrent neuron (hidden size 1); its last hidden state is the forecast. (N, T, 1) -> (N, 1)."""

    def __init__(self, *, init="keras"):
        super().__init__()
        self.rnn = nn.RNN(1, 1, batch_first=True)
        _initialise(self, init)

    def forward(self, X):
        _, h_last = self.rnn(X)  # (1, N, 1): one layer, N series, one unit
        return h_last[0]  # (N, 1)


class DeepRNN(nn.Module):
    """`num_layers` recurrent layers of `hidden_size` units, then a one-unit recurrent layer whose
    last state is the forecast. (N, T, 1) -> (N, 1). Being a tanh unit, the output lies in (-1, 1)."""

    def __init__(self, hidden_size=20, num_layers=2, *, init="keras"):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, num_layers=num_layers, batch_first=True)
        self.output_rnn = nn.RNN(hidden_size, 1, batch_first=True)
        _initialise(self, init)

    def forward(self, X):
        states, _ = self.rnn(X)  # (N, T, H): top layer's state at every step
        _, h_last = self.output_rnn(states)  # (1, N, 1)
        return h_last[0]  # (N, 1)


class DeepRNNDense(nn.Module):
    """`num_layers` recurrent layers, then a dense layer on the last state. (N, T, 1) -> (N, ahead).

    With ahead=1 it is a one-step forecaster; with ahead=10 it forecasts ten steps in one shot.
    `cell` picks the recurrent layer: "rnn" (chapter 01), "lstm" or "gru" (chapter 04).
    """

    def __init__(self, hidden_size=20, num_layers=2, ahead=1, *, cell="rnn", init="keras"):
        super().__init__()
        self.rnn = recurrent_layer(cell)(1, hidden_size, num_layers=num_layers, batch_first=True)
        self.dense = nn.Linear(hidden_size, ahead)
        _initialise(self, init)

    def forward(self, X):
        states, _ = self.rnn(X)  # (N, T, H)
        return self.dense(states[:, -1])  # (N, H) -> (N, ahead)


class Seq2SeqRNN(DeepRNNDense):
    """The same layers as DeepRNNDense, with the dense layer applied at every step. (N, T, 1) -> (N, T, ahead).

    Output [:, t, k] forecasts the value k + 1 steps after step t (targets from `data.seq2seq_targets`);
    the last step's row, [:, -1, :], is the usual `ahead`-step forecast.
    """

    def __init__(self, hidden_size=20, num_layers=2, ahead=10, *, cell="rnn", init="keras"):
        super().__init__(hidden_size, num_layers, ahead, cell=cell, init=init)

    def forward(self, X):
        states, _ = self.rnn(X)  # (N, T, H)
        return self.dense(states)  # (N, T, ahead): nn.Linear acts on the last axis at every step


class ConvGRU(nn.Module):
    """A strided 1D convolution, then `num_layers` GRU layers and a dense layer at every step.

    (N, T, 1) -> (N, T_out, ahead) with T_out = (T - kernel_size) // stride + 1: 24 for T = 50, K = 4,
    stride 2. The convolution has no padding, so output step j has read inputs stride*j .. stride*j + K - 1
    and is trained on the targets after that last step (`conv_gru_targets`).
    """

    def __init__(self, filters=20, kernel_size=4, stride=2, hidden_size=20, num_layers=2, ahead=10, *, init="keras"):
        super().__init__()
        self.conv = nn.Conv1d(1, filters, kernel_size=kernel_size, stride=stride)
        self.rnn = nn.GRU(filters, hidden_size, num_layers=num_layers, batch_first=True)
        self.dense = nn.Linear(hidden_size, ahead)
        _initialise(self, init)

    def forward(self, X):
        features = self.conv(X.transpose(1, 2))  # (N, 1, T) -> (N, filters, T_out): torch is channels-first
        states, _ = self.rnn(features.transpose(1, 2))  # (N, T_out, filters) -> (N, T_out, H)
        return self.dense(states)  # (N, T_out, ahead)


class CausalConv1d(nn.Conv1d):
    """nn.Conv1d that pads only the past: dilation * (K - 1) zeros before the first step, none after.

    Channels-first like nn.Conv1d, (N, C_in, T) -> (N, C_out, T): output t reads inputs t - dilation*(K-1) .. t.
    """

    def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
        self.left = dilation * (kernel_size - 1)

    def forward(self, x):
        return super().forward(nn.functional.pad(x, (self.left, 0)))  # (N, C_in, left + T) -> (N, C_out, T)


class WaveNet(nn.Module):
    """A WaveNet-style stack: causal convolutions with growing dilation and ReLU, then a 1x1 convolution.

    (N, T, 1) -> (N, T, ahead): output [:, t, k] forecasts the value k + 1 steps after step t, like
    `Seq2SeqRNN`, and depends on inputs t - R + 1 .. t only, R = 1 + (K - 1) * sum(dilations) = 31 here.
    Simplified from the original WaveNet: no gated activations, residual or skip connections.
    """

    def __init__(self, channels=20, kernel_size=2, dilations=(1, 2, 4, 8) * 2, ahead=10, *, init="keras"):
        super().__init__()
        layers, c_in = [], 1
        for d in dilations:
            layers += [CausalConv1d(c_in, channels, kernel_size, dilation=d), nn.ReLU()]
            c_in = channels
        self.stack = nn.Sequential(*layers)
        self.output = nn.Conv1d(channels, ahead, kernel_size=1)  # a dense layer applied at every step
        _initialise(self, init)

    def forward(self, X):
        features = self.stack(X.transpose(1, 2))  # (N, 1, T) -> (N, channels, T)
        return self.output(features).transpose(1, 2)  # (N, ahead, T) -> (N, T, ahead)


def iterative_forecast(model, X, ahead=10):
    """Forecast `ahead` steps with a one-step model: predict, append the forecast to the window, repeat.

    model maps (N, T, 1) -> (N, 1); the window grows by one step per round. X: (N, T, 1) -> (N, ahead).
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 3 or X.shape[2] != 1:
        raise ValueError(f"X must have shape (N, T, 1), got {X.shape}")
    for _ in range(ahead):
        next_value = predict(model, X)  # (N, 1)
        if next_value.shape != (len(X), 1):
            raise ValueError(f"model must forecast one step, shape (N, 1), got {next_value.shape}")
        X = np.concatenate([X, next_value[:, :, None]], axis=1)  # (N, T + 1, 1)
    return X[:, -ahead:, 0]  # (N, ahead)


def last_step_mse(Y_pred, Y_true):
    """Score a sequence-to-sequence forecast on its last time step only: (N, T, ahead) -> float."""
    return mse(np.asarray(Y_pred)[:, -1], np.asarray(Y_true)[:, -1])


# ----------------------------------------------------------------------------------------------
# The chapter's table: models, recipes, published figures

MODELS = {  # key -> function building a fresh model
    "linear": lambda: LinearForecaster(50, 1),
    "one_unit_rnn": OneUnitRNN,
    "deep_rnn": DeepRNN,
    "deep_rnn_dense": DeepRNNDense,
    "linear_10": lambda: LinearForecaster(50, 10),
    "rnn_10_outputs": lambda: DeepRNNDense(ahead=10),
    "seq2seq": Seq2SeqRNN,
    "seq2seq_lstm": lambda: Seq2SeqRNN(cell="lstm"),  # chapter 04
    "seq2seq_gru": lambda: Seq2SeqRNN(cell="gru"),
    "conv_gru": ConvGRU,  # chapter 05
    "wavenet": WaveNet,
}
SEQUENCE_KEYS = {"seq2seq", "seq2seq_lstm", "seq2seq_gru", "conv_gru", "wavenet"}  # scored on the last step

RECIPES = {  # each beats (one unit: matches) its published MSE; ~40 s for all seven on one CPU thread
    "linear": Recipe(epochs=20, batch_size=32, max_lr=1e-2),
    "one_unit_rnn": Recipe(epochs=80, batch_size=256, max_lr=5e-2),
    "deep_rnn": Recipe(epochs=20, batch_size=128, max_lr=1e-2),
    "deep_rnn_dense": Recipe(epochs=30, batch_size=128, max_lr=2e-2, clip_norm=1.0),
    "linear_10": Recipe(epochs=20, batch_size=32, max_lr=1e-2),
    "rnn_10_outputs": Recipe(epochs=30, batch_size=128, max_lr=2e-2, clip_norm=1.0),
    "seq2seq": Recipe(epochs=30, batch_size=64, max_lr=1e-2, clip_norm=1.0),
    # chapter 04: one recipe for both gated models; ratios to the published MSE 0.49-0.61 (LSTM) and
    # 0.50-0.89 (GRU) over seeds 0, 1, 2; 3-5 s (LSTM) and 7-8 s (GRU) on one thread
    "seq2seq_lstm": Recipe(epochs=10, batch_size=128, max_lr=2e-2, clip_norm=1.0),
    "seq2seq_gru": Recipe(epochs=10, batch_size=128, max_lr=2e-2, clip_norm=1.0),
    # chapter 05: ratios to the published MSE 0.60 / 0.67 / 0.73 (Conv1D + GRU) and 0.77 / 0.81 / 0.69 (WaveNet)
    # on seeds 42 / 0 / 1; about 4 s and 9-11 s on one thread (2-core machine)
    "conv_gru": Recipe(epochs=10, batch_size=128, max_lr=2e-2, clip_norm=1.0),
    "wavenet": Recipe(epochs=15, batch_size=64, max_lr=1e-2),
}

PUBLISHED_MSE = {  # validation MSE in the textbook (Keras), same data and split
    "naive": 0.0202,
    "linear": 0.00417,
    "one_unit_rnn": 0.01088,
    "deep_rnn": 0.00291,
    "deep_rnn_dense": 0.00262,
    "naive_10": 0.257,
    "iterative_10": 0.0275,
    "linear_10": 0.0187,
    "rnn_10_outputs": 0.0085,
    "seq2seq": 0.0096,
    "seq2seq_lstm": 0.00856,
    "seq2seq_gru": 0.01026,
    "conv_gru": 0.0080,
    "wavenet": 0.0072,
}


def conv_gru_targets(Y, kernel_size=4, stride=2):
    """Crop sequence targets Y (N, T, ahead) to the output steps of ConvGRU's unpadded, strided convolution.

    Output step j reads inputs stride*j .. stride*j + kernel_size - 1, so it forecasts the values after
    step stride*j + kernel_size - 1: Y[:, kernel_size - 1 :: stride]. For T = 50, K = 4, stride 2 that is
    Y[:, 3::2], steps 3, 5, ..., 49: 24 steps, exactly the convolution's (50 - 4) // 2 + 1 = 24 outputs,
    and the last one is step 49, the usual ten-step targets. (Y[:, ::2] would ask output j for values
    inside its own window.)
    """
    return Y[:, kernel_size - 1 :: stride]  # (N, (T - K) // stride + 1, ahead)


def task_data(key, seed=42):
    """The data split a model of `MODELS` trains on: one-step, ten-step or sequence targets."""
    if key == "conv_gru":
        splits = data.seq2seq_data(seed=seed)
        return data.Splits(*(data.Split(part.X, conv_gru_targets(part.y)) for part in splits))  # y: (N, 24, 10)
    if key in SEQUENCE_KEYS:
        return data.seq2seq_data(seed=seed)  # y: (N, 50, 10)
    if key in ("linear_10", "rnn_10_outputs"):
        return data.multi_step_data(seed=seed)  # y: (N, 10)
    if key in MODELS:
        return data.single_step_data(seed=seed)  # y: (N, 1)
    raise ValueError(f"key must be one of {sorted(MODELS)}, got {key!r}")


def train_model(key, recipe=None, *, seed=42, progress=True):
    """Build and train one model of the table; returns (model, history, validation MSE).

    The score is the MSE on the validation split, on the last time step for the models of SEQUENCE_KEYS.
    Call `set_seed` first for a repeatable run.
    """
    splits = task_data(key)
    model = MODELS[key]()
    recipe = RECIPES[key] if recipe is None else recipe
    history = fit(model, *splits.train, *splits.valid, recipe, seed=seed, progress=progress, desc=key)
    y_pred = predict(model, splits.valid.X)
    score = last_step_mse(y_pred, splits.valid.y) if key in SEQUENCE_KEYS else mse(y_pred, splits.valid.y)
    return model, history, score
