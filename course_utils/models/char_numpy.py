"""Generating text with the course's numpy layers, from a trained `char_model.CharModel`.

`numpy_params(model)` copies the torch weights into numpy (float64): the embedding table E (V, D),
chapter 04's layer parameters through `lstm.params_from_torch` or `gru.params_from_torch`, and the
output layer W_hy (H, V), b_y (V,). `generate_numpy` then runs the same loop as `char_model.generate`:

    x_t = E[id_t]                                  (1, D)  the embedding is a row lookup
    h_t (and c_t) = one step of the numpy layer    (1, H)
    logits = h_t @ W_hy + b_y                      (1, V)
    id_{t+1} = sampling.sample_index(next_char_probs(logits), rng)

With the same seed, temperature and top-k it draws the same uniform numbers, so it writes the same text.
"""

import numpy as np

from course_utils._checks import positive_int
from course_utils.layers import gru, lstm
from course_utils.layers.common import to_numpy
from course_utils.models.char_model import MAX_PRIME
from course_utils.nlp import sampling
from course_utils.nlp.vocab import CharVocab


def numpy_params(model):
    """{"cell", "chars", "E" (V, D), "rnn" (the layer's params dict), "W_hy" (H, V), "b_y" (V,)} from a CharModel."""
    layer = lstm if model.cell == "lstm" else gru
    return {
        "cell": model.cell,
        "chars": model.vocab.chars,
        "E": to_numpy(model.embed.weight),  # (V, D)
        "rnn": layer.params_from_torch(model.rnn),
        "W_hy": to_numpy(model.head.weight).T.copy(),  # torch stores (V, H)
        "b_y": to_numpy(model.head.bias),
    }


def _step(params, idx, state):
    """Read character idx from `state` ((h, c) for an LSTM, h for a GRU); returns (logits (V,), new state)."""
    x = params["E"][[idx]]  # (1, D)
    if params["cell"] == "lstm":
        h, c, _ = lstm.lstm_step_forward(x, *state, params["rnn"])
        state = (h, c)
    else:
        h, _ = gru.gru_step_forward(x, state, params["rnn"])
        state = h
    return (h @ params["W_hy"] + params["b_y"])[0], state


def generate_numpy(params, prime, n, *, temperature=1.0, top_k=None, top_p=None, seed=0):
    """The numpy twin of `char_model.generate`: read `prime`, return n drawn characters."""
    vocab = CharVocab(params["chars"])
    if not isinstance(prime, str) or not prime or len(prime) > MAX_PRIME:
        raise ValueError(f"prime must be a string of 1 to MAX_PRIME={MAX_PRIME} characters, got {prime!r:.60}")
    ids = vocab.encode(prime)
    n = positive_int("n", n, minimum=0)
    H = params["W_hy"].shape[0]
    state = (np.zeros((1, H)), np.zeros((1, H))) if params["cell"] == "lstm" else np.zeros((1, H))
    for idx in ids:
        logits, state = _step(params, idx, state)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        out.append(sampling.sample_index(sampling.next_char_probs(logits, temperature, top_k, top_p), rng))
        logits, state = _step(params, out[-1], state)
    return vocab.decode(np.array(out, dtype=np.int64))


def hidden_trace(params, text):
    """What the layer holds after each character of `text`, read from zero state: (h (n, H), c (n, H) or None)."""
    X = params["E"][CharVocab(params["chars"]).encode(text)][None]  # (1, n, D)
    if params["cell"] == "lstm":
        H_all, cache = lstm.lstm_forward(X, params["rnn"])
        return H_all[0], cache.C[0]
    H_all, _ = gru.gru_forward(X, params["rnn"])
    return H_all[0], None
