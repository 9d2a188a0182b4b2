"""Character-level language models (chapter 08): read text one character at a time, predict the next one.

The pipeline, with the letters the slides use (V characters in the vocabulary, H hidden units):

    text --CharVocab.encode--> ids (n,) int64    (nlp.vocab.CharVocab: every character, sorted)
    ids  --stream_batches-->   X, Y (n_windows, N, T): N parallel streams (the batch), walked in windows of T steps;
                               Y is X shifted by one character (the target is the next character)
    X[k] --CharModel-->        logits (N, T, V); the recurrent state (h, c) at the end of window k
                               is the starting state of window k + 1 (stateful truncated BPTT)

Scores are in bits per character: the mean of -log2 p(next character), what a perfect code built
on the model would spend per character (log2 V = 6.4 bits for V = 84 with no model at all);
perplexity is 2 ** bits, the number of equally likely characters that would be as surprising.

Sampling (`generate`) feeds each drawn character back in. Temperature, top-k and the random draw
live in `sampling`, shared with the numpy generator (`char_numpy`), so the two produce the same text.
"""

import copy
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils._checks import check_shape, int_ids, positive_int
from course_utils.data import DATA_DIR
from course_utils.models import training
from course_utils.nlp import sampling
from course_utils.nlp.vocab import CharVocab

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
MAX_PRIME = 2000  # characters; a prime is read one step at a time, so keep it short enough to stay interactive
PRETRAINED = DATA_DIR / "char_lstm.pt"  # written by `make bench` (benchmarks/char_model.py)


# ---------------------------------------------------------------- one long text -> parallel streams -> windows


def stream_batches(ids, batch_size, T):
    """Cut `ids` into `batch_size` streams and walk them in windows of T steps.

    ids: (n,) integers. Stream b is the contiguous piece ids[b*L : b*L + L + 1] with
    L = (n - 1) // batch_size (its inputs are the first L ids, its targets the last L). Window k
    holds steps k*T .. k*T + T - 1 of every stream. Returns (X, Y), both int64 of shape
    (n_windows, batch_size, T) with n_windows = L // T; Y[k, b, t] is the character after X[k, b, t].
    A partial last window is dropped. Row b of window k + 1 continues row b of window k, which is
    why the state can be carried from one window to the next.
    """
    ids = int_ids("ids", ids)
    positive_int("batch_size", batch_size)
    positive_int("T", T)
    L = (len(ids) - 1) // batch_size
    if L < T:
        raise ValueError(f"{len(ids)} ids make {batch_size} streams of {L} steps, shorter than one window of T={T}")
    n_windows = L // T
    starts = np.arange(batch_size)[:, None] * L  # (N, 1)
    steps = np.arange(n_windows * T)[None, :]  # (1, n_windows * T)
    X = ids[starts + steps].astype(np.int64)  # (N, n_windows * T)
    Y = ids[starts + steps + 1].astype(np.int64)
    as_windows = lambda A: A.reshape(batch_size, n_windows, T).transpose(1, 0, 2).copy()  # (n_windows, N, T)
    return as_windows(X), as_windows(Y)


# ---------------------------------------------------------------- the model and its scores


def check_char_vocab(vocab):
    """Every character model is built on a CharVocab: refuse anything else, by name."""
    if not isinstance(vocab, CharVocab):
        raise ValueError(f"vocab must be a CharVocab, got {type(vocab).__name__}")


class CharModel(nn.Module):
    """Embedding (V, E) -> one recurrent layer of H units (LSTM or GRU) -> linear layer to V logits.

    forward(x, state=None): x (N, T) int64 ids -> (logits (N, T, V), state). `state` is the layer's
    state at the end of the window (an (h, c) pair for an LSTM, h for a GRU), to pass to the next window.
    """

    def __init__(self, vocab, H=256, *, cell="lstm", embed_dim=32):
        super().__init__()
        check_char_vocab(vocab)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        positive_int("H", H)
        positive_int("embed_dim", embed_dim)
        self.vocab, self.cell, self.H, self.embed_dim = vocab, cell, H, embed_dim
        self.embed = nn.Embedding(vocab.V, embed_dim)
        self.rnn = CELLS[cell](embed_dim, H, batch_first=True)
        self.head = nn.Linear(H, vocab.V)

    def forward(self, x, state=None):
        states, state = self.rnn(self.embed(x), state)  # (N, T, H)
        return self.head(states), state  # (N, T, V)

    def config(self):
        return {"chars": self.vocab.chars, "H": self.H, "cell": self.cell, "embed_dim": self.embed_dim}


def carries_state(model):
    """Whether `model`'s state is carried from one window to the next (False for the transformer's cache)."""
    return getattr(model, "carries_state", True)


def check_char_model(model):
    """A clear ValueError unless `model` is a torch module with a CharVocab `vocab` and forward(x, state)."""
    if not isinstance(model, nn.Module) or not isinstance(getattr(model, "vocab", None), CharVocab):
        raise ValueError(f"model must be a CharModel (or a character model with a CharVocab), "
                         f"got {type(model).__name__}")


def detach_state(state):
    """The same state cut from the graph of the previous window (truncated BPTT stops here)."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def bits_per_char(logits, targets):
    """Mean over positions of -log2 softmax(logits)[target]. logits: (N, V), targets: (N,) ints -> float."""
    logits = check_shape("logits", logits, ("N", "V")).astype(np.float64)
    targets = int_ids("targets", targets, logits.shape[1])
    if len(targets) != len(logits):
        raise ValueError(f"targets must have one entry per row of logits (N={len(logits)}), got {len(targets)}")
    shifted = logits - logits.max(axis=1, keepdims=True)  # stable: log softmax = z - log sum exp z
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(targets)), targets].mean() / np.log(2))


def perplexity(bits):
    """2 ** bits: how many equally likely characters would be as surprising."""
    return 2.0 ** bits


def bf16_supported():
    """Whether this CPU has bfloat16 arithmetic for oneDNN (AVX512-BF16 or AMX); many CPUs (AVX2 only) do not."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def _autocast(model, bf16):
    """A context that runs the forward pass in bfloat16 (torch.autocast) when bf16 is True, else does nothing."""
    if bf16 and training.model_device(model).type == "cpu" and not bf16_supported():
        # Without this check oneDNN fails deep inside the LSTM ("could not create a primitive descriptor").
        raise RuntimeError("bf16=True needs a CPU with bfloat16 arithmetic (AVX512-BF16 or AMX), and this one has "
                           "none: use bf16=False")
    return torch.autocast(training.model_device(model).type, dtype=torch.bfloat16, enabled=bool(bf16))


def _at_least_float32(logits):
    """bfloat16 logits (from autocast) as float32, for the loss; float32 and float64 ones unchanged."""
    return logits.float() if logits.dtype in (torch.bfloat16, torch.float16) else logits


@torch.no_grad()
def evaluate_bpc(model, ids, *, batch_size=32, T=100, bf16=False):
    """Bits per character of `model` on `ids`, read as `batch_size` streams with the state carried.

    Scores the first batch_size * (n_windows * T) targets (stream_batches drops a short tail).
    bf16=True runs the matrix products in bfloat16 (torch.autocast); the loss is taken in float32.
    """
    return float(position_bits(model, ids, batch_size=batch_size, T=T, bf16=bf16)[1].mean())


@torch.no_grad()
def position_bits(model, ids, *, batch_size=32, T=100, bf16=False):
    """Bits -log2 p of each scored character, in text order: (positions (M,), bits (M,)).

    Reads `ids` as `evaluate_bpc` does (batch_size streams, state carried), so bits.mean() is its score;
    positions[m] is the index in `ids` of the character that bits[m] scores (its target).
    """
    X, Y = stream_batches(ids, batch_size, T)  # (n_windows, B, T)
    model.eval()
    state, out = None, []
    for x, y in zip(torch.from_numpy(X), torch.from_numpy(Y)):
        with _autocast(model, bf16):
            logits, state = model(x.to(training.model_device(model)), state if carries_state(model) else None)
        logits = _at_least_float32(logits)
        nats = nn.functional.cross_entropy(logits.transpose(1, 2), y.to(logits.device), reduction="none")  # (B, T)
        out.append(nats.double().cpu().numpy() / math.log(2))
    bits = np.stack(out, axis=1)  # (B, n_windows, T)
    L = (len(ids) - 1) // batch_size  # steps per stream (stream_batches' rule)
    positions = np.arange(batch_size)[:, None] * L + np.arange(bits.shape[1] * T)[None] + 1  # (B, n_windows * T)
    return positions.reshape(-1), bits.reshape(-1)


def dynamic_bpc(model, ids, *, lr, batch_size=16, T=50, clip=1.0):
    """Bits per character of `model` on `ids` under dynamic evaluation: the model keeps learning as it reads.

    The text is read as `evaluate_bpc` reads it (batch_size streams, windows of T, the state carried), and
    after each window is scored, one SGD step of rate `lr` (gradient norm clipped to `clip`) on that
    window's mean loss adapts a copy of the model to the text read so far (Krause et al. 2018, "Dynamic
    evaluation of neural sequence models", in its plain SGD form). Every character is scored before any
    update that has seen it, so the result is still an honest code length for the text, but of another
    protocol than `evaluate_bpc`'s frozen model: report the two apart. With several streams the text is
    read interleaved (stream b adapts on window k of stream b + 1, later text, before its own window k + 1);
    batch_size=1 reads it strictly in order. lr=0 gives evaluate_bpc with the
    same batch_size and T. `model` itself is left unchanged. Choose lr on validation text.
    """
    return float(dynamic_window_bits(model, ids, lr=lr, batch_size=batch_size, T=T, clip=clip).mean())


def dynamic_window_bits(model, ids, *, lr, batch_size=16, T=50, clip=1.0):
    """`dynamic_bpc` window by window: (n_windows,) mean bits/char of each window, scored before its update."""
    check_char_model(model)
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr >= 0:
        raise ValueError(f"lr must be a learning rate >= 0 (0: the frozen model), got {lr!r}")
    X, Y = stream_batches(int_ids("ids", ids, len(model.vocab), nonempty=True), batch_size, T)  # (n_windows, B, T)
    adapted = copy.deepcopy(model).train()  # a CharModel has no dropout: train() only lets autograd in
    opt = torch.optim.SGD(adapted.parameters(), lr=lr)
    device, state, bits = training.model_device(adapted), None, []
    for x, y in zip(torch.from_numpy(X), torch.from_numpy(Y)):
        logits, state = adapted(x.to(device), detach_state(state))
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1).to(device))
        bits.append(loss.item() / math.log(2))  # scored with the weights before this window's update
        if lr > 0:
            training.update(adapted, opt, loss, clip_norm=clip)
    return np.array(bits)


# ---------------------------------------------------------------- training: stateful truncated BPTT


@dataclass(frozen=True)
class CharRecipe:
    """How to train: `steps` updates on windows of T characters from batch_size streams, Adam with
    peak rate lr (cosine decay to zero when cosine=True), gradient norm clipped to `clip`.
    stateful=True carries the state across windows; False starts every window from zeros.
    shuffle=True (stateless only) draws the windows of each pass in a random order (seeded by
    shuffle_seed), each batch mixing windows from anywhere in the text, instead of walking them in order.
    bf16=True runs the forward pass in bfloat16 (torch.autocast; weights and Adam stay float32)."""

    steps: int = 300
    batch_size: int = 64
    T: int = 100
    lr: float = 3e-3
    clip: float = 1.0
    stateful: bool = True
    cosine: bool = True
    shuffle: bool = False
    shuffle_seed: int = 0
    bf16: bool = False


def shuffle_windows(X, Y, n_passes, seed=0):
    """The windows of `stream_batches` in a random order, for stateless training.

    X, Y: (n_windows, N, T). Returns X, Y of shape (n_passes * n_windows, N, T): each pass is a fresh
    permutation (numpy Generator([seed, pass])) of all n_windows * N windows, cut into batches of N,
    so a batch mixes windows from anywhere in the text; Y[k, b] stays the target of X[k, b].
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 3 or X.shape != Y.shape:
        raise ValueError(f"X and Y must both have shape (n_windows, N, T), got {X.shape} and {Y.shape}")
    n_windows, N, T = X.shape
    positive_int("n_passes", n_passes)
    order = np.concatenate([np.random.default_rng([seed, p]).permutation(n_windows * N) for p in range(n_passes)])
    return X.reshape(-1, T)[order].reshape(-1, N, T), Y.reshape(-1, T)[order].reshape(-1, N, T)


def fit(model, ids, recipe=CharRecipe(), *, valid_ids=None, eval_every=None, sample_every=None,
        sample_prime="\n", sample_len=200, progress=True, on_eval=None, eval_kwargs=None):
    """Train `model` on `ids` (n,) following `recipe`; returns a training.History in bits per character.

    The windows are walked in order (window k of every stream, then k + 1, ...), starting again at
    the first window when they run out (the state is reset then), unless recipe.shuffle draws them
    in a random order (stateless). Deterministic for a given model and recipe. With `valid_ids`
    (validation ids), bits/char are measured every `eval_every` updates and at the end
    (`evaluate_bpc` with `eval_kwargs`, in bfloat16 if the recipe is; passed to `on_eval(update, bits)` if given); with
    `sample_every`, a sample (temperature 1, seed 0) is stored every that many updates.

    The History: loss (training bits/char) and grad_norm (before clipping) per update, valid_loss
    (held-out bits/char) after the updates in valid_steps, samples, seconds, epochs. Training stops
    early if the loss becomes inf or NaN (history.diverged).
    """
    if not isinstance(recipe, CharRecipe):
        raise ValueError(f"recipe must be a CharRecipe, got {type(recipe).__name__}")
    positive_int("recipe.steps", recipe.steps)
    if recipe.shuffle and recipe.stateful:
        raise ValueError("recipe.shuffle=True needs stateful=False: a state cannot be carried between shuffled windows")
    X, Y = stream_batches(ids, recipe.batch_size, recipe.T)
    n_windows = len(X)
    if recipe.shuffle:
        X, Y = shuffle_windows(X, Y, -(-recipe.steps // n_windows), recipe.shuffle_seed)
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)
    device = training.model_device(model)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    decay = lambda s: 0.5 * (1 + math.cos(math.pi * s / recipe.steps)) if recipe.cosine else 1.0
    sched = torch.optim.lr_scheduler.LambdaLR(opt, decay)
    history, state, start = training.History(), None, time.perf_counter()
    record_bits = lambda loss, grad_norm: history.record_step(loss / math.log(2), grad_norm)
    for step in tqdm(range(recipe.steps), disable=not progress, desc="training"):
        k = step % len(X)
        if k == 0 or not recipe.stateful or not carries_state(model):
            state = None
        model.train()
        with _autocast(model, recipe.bf16):
            logits, state = model(X[k].to(device), detach_state(state))
        logits = _at_least_float32(logits)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y[k].reshape(-1).to(device))
        if not training.update(model, opt, loss, clip_norm=recipe.clip, schedule=sched, on_step=record_bits):
            break
        done = step + 1
        if valid_ids is not None and eval_every and (done % eval_every == 0 or done == recipe.steps):
            history.valid_steps.append(done)
            history.valid_loss.append(evaluate_bpc(model, valid_ids, **{"bf16": recipe.bf16, **(eval_kwargs or {})}))
            if on_eval is not None:
                on_eval(done, history.valid_loss[-1])
        if sample_every and (done % sample_every == 0 or step == 0):
            history.samples[done] = generate(model, sample_prime, sample_len, seed=0)
    history.seconds = time.perf_counter() - start
    history.epochs = len(history.loss) / n_windows
    return history


# ---------------------------------------------------------------- generation


def _check_prime(prime, vocab):
    if not isinstance(prime, str) or not prime:
        raise ValueError(f"prime must be a non-empty string (the model needs a first character), got {prime!r}")
    if len(prime) > MAX_PRIME:
        raise ValueError(f"prime may hold at most MAX_PRIME={MAX_PRIME} characters, got {len(prime)}")
    return vocab.encode(prime)


@torch.no_grad()
def generate(model, prime, n, *, temperature=1.0, top_k=None, top_p=None, seed=0):
    """Read `prime`, then draw n characters one at a time, each fed back in; returns the n new characters.

    model: a CharModel or any character model with a CharVocab `vocab` and forward(x, state) (chapter 09's
    minGRU and transformer models, whose state is then their key/value cache).

    temperature 0 is greedy decoding (always the most likely character); top_k and top_p (nucleus)
    restrict the draw as `sampling.next_char_probs` says. The draws come from
    numpy's Generator(seed) through `sampling.sample_index`, the same rule as `char_numpy.generate_numpy`.
    """
    check_char_model(model)
    ids = _check_prime(prime, model.vocab)
    n = positive_int("n", n, minimum=0)
    rng = np.random.default_rng(seed)
    model.eval()
    logits, state = model(torch.as_tensor(ids[None], device=training.model_device(model)), None)  # (1, P, V)
    out = []
    for _ in range(n):
        p = sampling.next_char_probs(logits[0, -1].to(torch.float64).cpu().numpy(), temperature, top_k, top_p)
        out.append(sampling.sample_index(p, rng))
        logits, state = model(torch.tensor([[out[-1]]], device=training.model_device(model)), state)
    return model.vocab.decode(np.array(out, dtype=np.int64))


# ---------------------------------------------------------------- checkpoints (weights only)


def save_checkpoint(model, path, **extra):
    """Write the model's config and weights (plus numbers in `extra`) for torch.load(weights_only=True)."""
    torch.save({"config": model.config(), "state_dict": model.state_dict(), "extra": extra}, path)


def load_checkpoint(path=PRETRAINED):
    """(model, extra): a CharModel rebuilt from `save_checkpoint`'s file, its shapes checked, in eval mode."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    config = dict(blob["config"])
    model = CharModel(CharVocab(config.pop("chars")), **config)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in blob["state_dict"].items()}
    if expected != found:
        raise ValueError(f"checkpoint {path} does not fit its config: expected shapes {expected}, found {found}")
    model.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
    return model.eval(), blob.get("extra", {})
