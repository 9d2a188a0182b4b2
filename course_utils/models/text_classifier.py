"""Word embeddings as the input layer of a recurrent model: which kind of play does a line come from?

The task, with honest labels: the First Folio (1623) sorts the plays into comedies, histories and
tragedies. Each example is one line of verse or prose from a play, its label the play's Folio genre
(Pericles and the poems are not in the Folio and are left out). Train and test lines come from
DIFFERENT plays, so a model cannot win by memorising character names.

    tokens (N, T) -> nn.Embedding (V + 1, D) -> bidirectional nn.LSTM -> mean over real words -> dense -> 3 classes

Index 0 is padding; word i of the embeddings' vocabulary is index i + 1. `embedding_init` chooses the
input layer: "random" (trained from scratch), "frozen" (our word2vec vectors, not updated) or
"fine-tuned" (our vectors as the starting point, updated with the rest). The classifier's random
starting weights come from torch's global generator: seed it before building one (the constructor does not).
"""

import numpy as np
import torch
from torch import nn

from course_utils._checks import positive_int
from course_utils.models import training
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


def genre_split(works, *, lines=1, test_every=3):
    """{"train": [(tokens, label)], "test": [...]}: examples of `lines` consecutive lines of a play,
    labelled with its genre. Every test_every-th play of each genre (in GENRES' order, starting with
    the second) goes to the test side, the others to the training side."""
    split = {"train": [], "test": []}
    for label, plays in enumerate(GENRES.values()):
        for k, play in enumerate(plays):
            side = "test" if k % test_every == 1 else "train"
            body = play_lines(works[play])
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

    def __init__(self, vectors, n_classes, hidden=32, *, embedding_init="frozen"):
        super().__init__()
        if embedding_init not in ("random", "frozen", "fine-tuned"):
            raise ValueError(f"embedding_init must be 'random', 'frozen' or 'fine-tuned', got {embedding_init!r}")
        n_classes, hidden = positive_int("n_classes", n_classes), positive_int("hidden", hidden)
        V, D = vectors.shape
        self.embedding = nn.Embedding(V + 1, D, padding_idx=0)
        if embedding_init != "random":
            with torch.no_grad():
                unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # comparable scale to N(0, 1)/sqrt(D)
                self.embedding.weight[1:] = torch.as_tensor(unit * np.sqrt(D) / 2, dtype=torch.float32)
        self.embedding.weight.requires_grad_(embedding_init != "frozen")
        self.lstm = nn.LSTM(D, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_classes)

    def forward(self, X):  # X (N, T) int64, 0 = padding
        mask = (X != 0).float()[:, :, None]  # (N, T, 1)
        states, _ = self.lstm(self.embedding(X))  # (N, T, 2H)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)  # (N, 2H)
        return self.out(pooled)


def train_and_score(model, X_train, y_train, X_test, y_test, *, epochs=15, batch_size=32, lr=3e-3, seed=0):
    """An experiment (train + score): Adam on cross-entropy through `training.update`, then the test
    accuracy (fraction of lines whose genre is predicted). `seed` orders the mini-batches; the model
    arrives with its starting weights (seed torch before building it)."""
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    gen = torch.Generator().manual_seed(seed)
    Xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(Xt), generator=gen).split(batch_size):
            training.update(model, opt, nn.functional.cross_entropy(model(Xt[idx]), yt[idx]))
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(X_test)).argmax(1).numpy()
    return float(np.mean(pred == y_test))
