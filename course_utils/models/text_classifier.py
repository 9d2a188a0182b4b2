"""Word embeddings as the input layer of a recurrent model: which kind of play does a line come from?

The task, with honest labels: the First Folio (1623) sorts the plays into comedies, histories and
tragedies. Each example is one line of verse or prose from a play, its label the play's Folio genre
(Pericles and the poems are not in the Folio and are left out). Train and test lines come from
DIFFERENT plays, so a model cannot win by memorising character names.

    tokens (N, T) -> nn.Embedding (V + 1, D) -> bidirectional LSTM -> mean over real words -> dense -> 3 classes

Index 0 is padding; word i of the embeddings' vocabulary is index i + 1. `embedding_init` chooses the
input layer's starting rows, every one of them with the same norm sqrt(D) / 2, so that the conditions
differ in what the rows say and not in their scale:

- "random": Gaussian directions, trained with the rest (learning from scratch);
- "frozen": our word2vec vectors, not updated;
- "fine-tuned": our word2vec vectors as the starting point, updated with the rest;
- "shuffled": the same pretrained rows given to the wrong words (a random permutation), not updated --
  the control that separates what the vectors mean from how they are distributed.

The bidirectional LSTM is two one-way LSTMs, as in chapter 07's encoder: one reads the line forwards,
the other reads each row's real words backwards (`seq2seq.backward_states`), padding after them, so
neither direction ever reads a padding position before a word: a padded line gets the same output as
the same line unpadded, exactly what torch's bidirectional LSTM computes on a packed batch (a test
checks it), at about half the cost of packing on these short lines (an update on 32 lines of 12
words: 3.3-4.1 ms against 7.3 ms, one thread). The random starting weights (and the permutation of
"shuffled") come from torch's global generator: seed it before building a classifier (the constructor
does not).
"""

import numpy as np
import torch
from torch import nn

from course_utils._checks import positive_int
from course_utils.models import training
from course_utils.models.seq2seq import backward_states
from course_utils.nlp import text

GENRES = {
    "comedy": ["tempest", "two_gentlemen_of_verona", "merry_wives_of_windsor", "measure_for_measure",
               "comedy_of_errors", "much_ado_about_nothing", "loves_labours_lost", "midsummer_nights_dream",
               "merchant_of_venice", "as_you_like_it", "taming_of_the_shrew", "alls_well_that_ends_well",
               "twelfth_night", "winters_tale"],
    "history": ["john", "richard_ii", "henry_iv_part_1", "henry_iv_part_2", "henry_v", "henry_vi_part_1",
                "henry_vi_part_2", "henry_vi_part_3", "richard_iii", "henry_viii"],
    "tragedy": ["troilus_and_cressida", "coriolanus", "tragedy_of_titus_andronicus", "romeo_and_juliet",
                "timon_of_athens", "julius_caesar", "macbeth", "hamlet", "lear", "othello", "antony_and_cleopatra",
                "cymbeline"],
}


def play_lines(body, *, min_words=5):
    """Lines of a play with at least min_words words; stage directions ([...]) and headings left out."""
    out = []
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith(("[", "ACT", "Act ", "Scene", "SCENE")):
            continue
        tokens = text.tokenise(line)
        if len(tokens) >= min_words:
            out.append(tokens)
    return out


def test_plays(*, test_every=3):
    """The plays `genre_split` puts on the test side: every test_every-th play of each genre (in GENRES'
    order, starting with the second)."""
    positive_int("test_every", test_every)
    return [play for plays in GENRES.values() for k, play in enumerate(plays) if k % test_every == 1]


def genre_split(works, *, lines=1, test_every=3):
    """{"train": [(tokens, label)], "test": [...]}: examples of `lines` consecutive lines of a play,
    labelled with its genre; the plays of `test_plays(test_every=...)` go to the test side, the others
    to the training side."""
    split = {"train": [], "test": []}
    held_out = set(test_plays(test_every=test_every))
    for label, plays in enumerate(GENRES.values()):
        for play in plays:
            body = play_lines(works[play])
            side = "test" if play in held_out else "train"
            split[side] += [(sum(body[i:i + lines], []), label) for i in range(0, len(body) - lines + 1, lines)]
    return split


def encode_lines(examples, vocab_index, max_len=12):
    """(X (N, max_len) int64 with 0 = padding, y (N,) int64); words outside vocab_index are dropped."""
    X = np.zeros((len(examples), max_len), dtype=np.int64)
    for n, (tokens, _) in enumerate(examples):
        ids = [vocab_index[w] + 1 for w in tokens if w in vocab_index][:max_len]
        X[n, :len(ids)] = ids
    return X, np.array([label for _, label in examples], dtype=np.int64)


class EmbeddingLSTMClassifier(nn.Module):
    """Embedding -> bidirectional LSTM -> mean of the states at real (non-padding) words -> dense."""

    INITS = ("random", "frozen", "fine-tuned", "shuffled")

    def __init__(self, vectors, n_classes, hidden=32, *, embedding_init="frozen"):
        super().__init__()
        if embedding_init not in self.INITS:
            raise ValueError(f"embedding_init must be one of {self.INITS}, got {embedding_init!r}")
        vectors = np.asarray(vectors, dtype=np.float64)
        if vectors.ndim != 2 or not np.all(np.linalg.norm(vectors, axis=1) > 0):
            raise ValueError(f"vectors must be a (V, D) array of non-zero rows, got shape {vectors.shape}")
        n_classes, hidden = positive_int("n_classes", n_classes), positive_int("hidden", hidden)
        V, D = vectors.shape
        self.embedding = nn.Embedding(V + 1, D, padding_idx=0)
        self.lstm = nn.LSTM(D, hidden, batch_first=True)  # forwards in time
        self.lstm_back = nn.LSTM(D, hidden, batch_first=True)  # each row's words backwards
        self.out = nn.Linear(2 * hidden, n_classes)  # drawn before the rows: every init gets the same LSTM and dense
        with torch.no_grad():
            rows = torch.randn(V, D, dtype=torch.float64) if embedding_init == "random" else torch.from_numpy(vectors)
            if embedding_init == "shuffled":
                rows = rows[torch.randperm(V)]  # pretrained vectors, each given to another word
            rows = rows / rows.norm(dim=1, keepdim=True) * (np.sqrt(D) / 2)  # (V, D), every row of norm sqrt(D) / 2
            self.embedding.weight[1:] = rows.float()
        self.embedding.weight.requires_grad_(embedding_init in ("random", "fine-tuned"))

    def forward(self, X):  # X (N, T) int64, 0 = padding (real words first, padding after them)
        mask = (X != 0).float()[:, :, None]  # (N, T, 1)
        lengths = (X != 0).sum(1).clamp(min=1)  # (N,); a line with no known word has no state in the mean
        x = self.embedding(X)  # (N, T, D)
        ahead, _ = self.lstm(x)  # (N, T, H); causal: the padding after a line's last word cannot reach its states
        states = torch.cat([ahead, backward_states(self.lstm_back, x, lengths)], dim=-1)  # (N, T, 2H)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)  # (N, 2H)
        return self.out(pooled)


def train_and_score(model, X_train, y_train, X_test, y_test, *, epochs=15, batch_size=32, lr=3e-3, seed=0):
    """An experiment (train + score): Adam on cross-entropy through `training.update`, then the test
    accuracy (fraction of lines whose genre is predicted). `seed` orders the mini-batches; the model
    arrives with its starting weights (seed torch before building it)."""
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    gen = torch.Generator().manual_seed(seed)
    Xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)
    # fused: one kernel per tensor, a quarter faster than op-by-op Adam on the (V + 1, D) table of "random"
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, fused=True)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(Xt), generator=gen).split(batch_size):
            training.update(model, opt, nn.functional.cross_entropy(model(Xt[idx]), yt[idx]))
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(X_test)).argmax(1).numpy()
    return float(np.mean(pred == y_test))


def epochs_for(n_lines, *, batch_size=32, min_epochs=10, min_steps=300):
    """Epochs for a training set of n_lines: at least min_epochs, and at least min_steps mini-batches in all
    (so that a small labelled set is not also a short optimisation)."""
    batches = -(-positive_int("n_lines", n_lines) // positive_int("batch_size", batch_size))
    return max(min_epochs, -(-min_steps // batches))


def learning_curve(vectors, X_pool, y_pool, X_test, y_test, *, sizes, seeds, inits, hidden=32):
    """{(init, size): [test accuracy per seed]}: for each seed, `size` lines drawn without replacement from
    the pool (X_pool (N, T), y_pool (N,)), a classifier with `embedding_init=init` built after
    torch.manual_seed(seed) (every init starts from the same LSTM weights), trained `epochs_for(size)` epochs."""
    if len(X_pool) != len(y_pool) or any(positive_int("size", n) > len(X_pool) for n in sizes):
        raise ValueError(f"sizes must be at most the pool's {len(X_pool)} lines (y_pool {len(y_pool)}), got {sizes}")
    scores = {}
    for size in sizes:
        for seed in seeds:
            idx = np.random.default_rng(seed).choice(len(X_pool), size, replace=False)
            for init in inits:
                torch.manual_seed(seed)
                model = EmbeddingLSTMClassifier(vectors, int(y_pool.max()) + 1, hidden, embedding_init=init)
                acc = train_and_score(model, X_pool[idx], y_pool[idx], X_test, y_test, epochs=epochs_for(size),
                                      seed=seed)
                scores.setdefault((init, size), []).append(acc)
    return scores
