"""Chapter 09's measurements: time per update against T, training at equal wall time, generation cost.

The three models are chapter 08's character LSTM (`char_model.CharModel`), a minGRU character
model (`mingru.MinGRUCharModel`) and a small causal transformer (`char_transformer.TransformerCharModel`),
all trained by `char_model.fit` and scored by `char_model.evaluate_bpc`.

- `MODELS`, `build(kind, vocab, config)`, `RECIPES`: the three architectures from one name, and how each trains;
- `time_per_update(model, T, ...)`: seconds of one forward + backward + Adam step on windows of T;
- `steps_for_seconds(model, ids, recipe, seconds)`: how many updates fit in `seconds`, from a timed
  probe on a copy of the model (the model itself is not touched), so that "equal wall time" becomes a
  number of updates and the run itself stays deterministic;
- `save(model, path)`, `load(path)`: a float16 checkpoint of any of the three (torch.load(weights_only=True));
- `scan_against_loop(T)`: CPU seconds of the recurrence by the scan, by a Python loop, and of torch's LSTM;
- `generation_cost(model, lengths)`: milliseconds per generated character after reading a text of each
  length, and the size of the state the model then holds.
"""

import copy
import time
from dataclasses import dataclass, replace

import numpy as np
import torch

from course_utils.data import DATA_DIR
from course_utils.models import char_model, mingru, training
from course_utils.models.char_transformer import TransformerCharModel
from course_utils.models.mingru import MinGRUCharModel
from course_utils.nlp.vocab import CharVocab

MODELS = ("lstm", "mingru", "transformer")
CHECKPOINTS = {kind: DATA_DIR / f"ch09_{kind}.pt" for kind in MODELS}  # written by benchmarks/recurrence_today.py


@dataclass(frozen=True)
class ModelConfig:
    """The three models' sizes: LSTM H units; minGRU n_layers x H; transformer n_layers blocks of width E."""

    lstm_H: int = 256
    mingru_H: int = 256
    mingru_layers: int = 2
    transformer_E: int = 128
    transformer_layers: int = 2
    heads: int = 4
    embed_dim: int = 32


RECIPES = {  # how each model trains (window T, streams, peak Adam rate with cosine decay, clip 1); RESULTS.md
    "lstm": char_model.CharRecipe(T=50, batch_size=64, lr=1e-2),
    "mingru": char_model.CharRecipe(T=128, batch_size=32, lr=1e-2),
    "transformer": char_model.CharRecipe(T=128, batch_size=32, lr=3e-3, stateful=False),
}


def build(kind, vocab, config=ModelConfig()):
    """A new, untrained model of `kind` ("lstm", "mingru", "transformer"); seed torch first for repeatability."""
    if kind == "lstm":
        return char_model.CharModel(vocab, config.lstm_H, cell="lstm", embed_dim=config.embed_dim)
    if kind == "mingru":
        return MinGRUCharModel(vocab, config.mingru_H, n_layers=config.mingru_layers, embed_dim=config.embed_dim)
    if kind == "transformer":
        return TransformerCharModel(vocab, config.transformer_E, n_layers=config.transformer_layers,
                                    heads=config.heads)
    raise ValueError(f"kind must be one of {list(MODELS)}, got {kind!r}")


def n_params(model):
    """The number of trainable numbers in `model`."""
    return sum(p.numel() for p in model.parameters())


def time_per_update(model, T, *, batch_size=16, repeats=3, seed=0, clock=time.process_time):
    """Median seconds of one update (forward, cross-entropy, backward, Adam step) on random windows (batch, T).

    Runs on a copy of `model` (its weights are not changed); one warm-up update is not counted. The default
    clock is the process's CPU time: with one torch thread that is what the update takes on an idle core,
    whatever else the machine is doing (pass time.perf_counter for wall time).
    """
    model = copy.deepcopy(model).train()
    device = training.model_device(model)
    V = model.vocab.V
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, V, (batch_size, T), generator=gen).to(device)
    y = torch.randint(0, V, (batch_size, T), generator=gen).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for i in range(repeats + 1):
        start = clock()
        logits, _ = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        training.update(model, opt, loss, clip_norm=1.0)
        if i:
            times.append(clock() - start)
    return float(np.median(times))


def steps_for_seconds(model, recipe, seconds, *, probe=5):
    """How many updates of `recipe`'s windows fit in `seconds`, timed on a copy of `model` (probe updates)."""
    per_update = time_per_update(model, recipe.T, batch_size=recipe.batch_size, repeats=probe)
    return max(1, int(seconds / per_update))


def train_for_seconds(model, ids, recipe, seconds, **fit_kwargs):
    """`char_model.fit` for as many updates as `steps_for_seconds` finds; returns (history, recipe, CPU seconds).

    The CPU seconds are those the training really took (history.seconds is its wall time).
    """
    recipe = replace(recipe, steps=steps_for_seconds(model, recipe, seconds))
    start = time.process_time()
    history = char_model.fit(model, ids, recipe, **fit_kwargs)
    return history, recipe, time.process_time() - start


KINDS = {"CharModel": "lstm", "MinGRUCharModel": "mingru", "TransformerCharModel": "transformer"}


def save(model, path, **extra):
    """Write `model` (one of the three kinds) in float16 with its config and the numbers in `extra`."""
    kind = KINDS[type(model).__name__]
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"kind": kind, "config": model.config(), "state_dict": state, "extra": extra}, path)


def load(path):
    """(model in eval mode, extra) from `save`'s file, read with torch.load(weights_only=True)."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    config = dict(blob["config"])
    vocab = CharVocab(config.pop("chars"))
    if blob["kind"] == "lstm":
        model = char_model.CharModel(vocab, config["H"], cell=config["cell"], embed_dim=config["embed_dim"])
    elif blob["kind"] == "mingru":
        model = MinGRUCharModel(vocab, config["H"], n_layers=config["n_layers"], embed_dim=config["embed_dim"])
    else:
        model = TransformerCharModel(vocab, config["E"], n_layers=config["n_layers"], heads=config["heads"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()})
    return model.eval(), blob["extra"]


def _cpu_seconds(fn, repeats):
    """Best CPU seconds of fn() over `repeats` calls, after one warm-up call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def scan_against_loop(T, *, N=8, H=64, repeats=2, seed=0):
    """CPU seconds of forward + backward of h_t = a_t h_{t-1} + b_t on (N, T, H): {"scan", "loop", "lstm"}.

    "lstm" is torch's nn.LSTM(H, H) on an (N, T, H) input: the same dependency, stepped inside oneDNN's
    compiled loop instead of from Python. float32; best of `repeats` after a warm-up.
    """
    gen = torch.Generator().manual_seed(seed)
    a = (0.5 + 0.5 * torch.rand(N, T, H, generator=gen)).requires_grad_()
    b = torch.randn(N, T, H, generator=gen).requires_grad_()
    x = torch.randn(N, T, H, generator=gen)
    lstm = torch.nn.LSTM(H, H, batch_first=True)
    return {"scan": _cpu_seconds(lambda: mingru.scan(a, b).sum().backward(), repeats),
            "loop": _cpu_seconds(lambda: mingru.loop(a, b).sum().backward(), repeats),
            "lstm": _cpu_seconds(lambda: lstm(x)[0].sum().backward(), repeats)}


def _state_numbers(state):
    """How many numbers a state holds: tensors, or nested tuples of them."""
    if state is None:
        return 0
    if isinstance(state, torch.Tensor):
        return state.numel()
    return sum(_state_numbers(s) for s in state)


@torch.no_grad()
def generation_cost(model, lengths, *, n_new=20, seed=0, clock=time.process_time):
    """{length: (ms per new character, numbers in the state)} after reading `length` characters.

    The text read is random ids; then `n_new` characters are fed one at a time (the generation loop's
    work, without the sampling) and timed in CPU seconds (`clock`). An RNN's state has the same size for
    every length; the transformer's cache grows with it.
    """
    model.eval()
    device = training.model_device(model)
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for length in lengths:
        ids = torch.randint(0, model.vocab.V, (1, length), generator=gen).to(device)
        _, state = model(ids, None)
        step = torch.randint(0, model.vocab.V, (1, 1), generator=gen).to(device)
        start = clock()
        for _ in range(n_new):
            _, new_state = model(step, state)
            if not char_model.carries_state(model):
                new_state = state  # time each step at the same length: keep the cache as read
            state = new_state
        out[length] = ((clock() - start) / n_new * 1e3, _state_numbers(state))
    return out
