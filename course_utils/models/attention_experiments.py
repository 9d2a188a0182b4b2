"""Chapter 07's experiments in one place, for the notebook and `benchmarks/attention_length.py`.

- The bottleneck: train an encoder-decoder with and without attention on digit reversal, inputs of
  every length from 1 to `max_len`, with the same budget; then score both at each length, inside
  the training range and beyond it (`fit_reversal`, `scores_by_length`), and where in the string a
  model errs (`position_accuracy`). `BAHDANAU_FIG2` holds the published curves to compare with.
- The date task: a Luong "general" model from any human-written date to ISO (`fit_dates`), scored
  on held-out dates; `score_unpadded` decodes every input without padding, to see whether a
  model's answer depends on how much padding its batch happened to have; `date_alignment` returns a
  trained model's attention weights for given dates (for a real alignment heatmap).

`fit_reversal` and `fit_dates` build the data and the model and train it (they return the model and its
`training.History`; the notebook scores it); `date_alignment` is an experiment (train + read the weights).
Each seeds the model inside `seed.scoped(seed)`, so the caller's random streams do not move.

Recipes are `training.Recipe`s (epochs over a fixed generated set, batch size, Adam's one-cycle
peak rate, gradient clipping); the sizes live in `ReversalSetup` / `DateSetup`.
"""

from dataclasses import dataclass, field

import numpy as np

from course_utils._checks import positive_int
from course_utils.data import seq_tasks
from course_utils.models import seq2seq, training
from course_utils.seed import scoped

NOTEBOOK_RECIPE = training.Recipe(epochs=5, batch_size=128, max_lr=1e-2, clip_norm=1.0)

# Bahdanau et al. (2015), Fig. 2: BLEU by source-sentence length on English->French, read off the plot
# (approximate, two readings per curve). The number in each name is the longest training sentence (words).
BAHDANAU_FIG2 = {  # model -> ((sentence length, BLEU), ...)
    "RNNenc-50": ((20, 22.0), (50, 10.0)),
    "RNNsearch-50": ((20, 27.0), (50, 27.0)),
    "RNNsearch-30": ((30, 22.0), (50, 11.0)),
}


@dataclass(frozen=True)
class ReversalSetup:
    """The length experiment: training lengths 1..max_len, model and recipe (the notebook's by default)."""

    max_len: int = 20
    n_train: int = 10_000
    hidden: int = 64
    embed: int = 16
    recipe: training.Recipe = field(default_factory=lambda: NOTEBOOK_RECIPE)


@dataclass(frozen=True)
class DateSetup:
    """The date task: training set size, model and recipe (the notebook's by default)."""

    n_train: int = 10_000
    hidden: int = 64
    embed: int = 16
    recipe: training.Recipe = field(default_factory=lambda: NOTEBOOK_RECIPE)


def fit_reversal(attention, setup=ReversalSetup(), *, seed=0, progress=True):
    """(model, history): a model trained on digit reversal with `attention` (None, "bahdanau", "dot", "general")."""
    vocab = seq_tasks.digit_vocab()
    pairs = [seq_tasks.reversal_pairs(n, min_len=1, max_len=setup.max_len, seed=seed + k)
             for n, k in ((setup.n_train, 1), (500, 2))]  # fmt: skip
    train, valid = (seq_tasks.encode_pairs(p, vocab, vocab) for p in pairs)
    config = seq2seq.Seq2SeqConfig(len(vocab), len(vocab), embed=setup.embed, hidden=setup.hidden, attention=attention)
    with scoped(seed):
        model = seq2seq.Seq2Seq(config)
        history = seq2seq.fit(model, train, valid, setup.recipe, seed=seed, progress=progress)
    return model, history


def _reversal_test_set(length, n, seed):
    """The n fresh test strings of exactly `length` digits that scores_by_length uses (seed + length)."""
    vocab = seq_tasks.digit_vocab()
    pairs = seq_tasks.reversal_pairs(n, min_len=length, max_len=length, seed=seed + length)
    return seq_tasks.encode_pairs(pairs, vocab, vocab), vocab


def scores_by_length(model, lengths, *, n=300, seed=100):
    """{length: seq2seq.Scores} on n fresh reversal strings of exactly that length each."""
    table = {}
    for length in lengths:
        dataset, vocab = _reversal_test_set(length, n, seed)
        table[length] = seq2seq.score(model, dataset, vocab)
    return table


def position_accuracy(model, length, *, n=300, seed=100):
    """(length,) share of the n test strings of `length` digits (those of scores_by_length) whose greedy answer
    has the right digit at each output position. Output position i is input position length - 1 - i: position 0
    writes the input's last digit, position length - 1 its first."""
    length = positive_int("length", length)
    dataset, _ = _reversal_test_set(length, n, seed)
    tokens, _ = seq2seq.predict(model, dataset)  # (n, Ty)
    return (tokens[:, :length] == dataset.tgt[:, :length]).mean(axis=0)


def date_sets(n_train, *, n_test=2000, seed=0):
    """(train, test) Seq2SeqSets of dates from different seeds, and the (source, target) vocabularies."""
    src_vocab, tgt_vocab = seq_tasks.date_vocabs()
    train = seq_tasks.encode_pairs(seq_tasks.random_dates(n_train, seed=seed + 1), src_vocab, tgt_vocab)
    test = seq_tasks.encode_pairs(seq_tasks.random_dates(n_test, seed=seed + 2), src_vocab, tgt_vocab)
    return train, test, src_vocab, tgt_vocab


def fit_dates(setup=DateSetup(), *, attention="general", mask_padding=True, bidirectional=True, seed=0,
              progress=True):
    """(model, history): a model trained on the date task; validation loss on the 2,000 test dates after each epoch.

    bidirectional=False gives the encoder one left-to-right GRU of H units instead of two halves."""
    train, test, src_vocab, tgt_vocab = date_sets(setup.n_train, seed=seed)
    config = seq2seq.Seq2SeqConfig(len(src_vocab), len(tgt_vocab), embed=setup.embed, hidden=setup.hidden,
                                   attention=attention, mask_padding=mask_padding,
                                   bidirectional=bidirectional)  # fmt: skip
    with scoped(seed):
        model = seq2seq.Seq2Seq(config)
        history = seq2seq.fit(model, train, test, setup.recipe, seed=seed, progress=progress)
    return model, history


def score_unpadded(model, dataset, tgt_vocab):
    """(exact match, predictions) like seq2seq.score, but every input is decoded in a batch of inputs of
    its own length: no padding anywhere."""
    predictions, right = [None] * len(dataset), 0.0
    for length in np.unique(dataset.src_len):
        idx = np.flatnonzero(dataset.src_len == length)
        part = seq_tasks.Seq2SeqSet(dataset.src[idx, :length], dataset.src_len[idx], dataset.tgt[idx],
                                    [dataset.inputs[i] for i in idx], [dataset.targets[i] for i in idx])  # fmt: skip
        scores = seq2seq.score(model, part, tgt_vocab)
        right += scores.exact * len(idx)
        for i, text in zip(idx, scores.predictions):
            predictions[i] = text
    return right / len(dataset), predictions


def padding_weight(model, dataset):
    """Mean attention weight that the model's greedy decoding puts on padding, over every output character."""
    _, weights = seq2seq.predict(model, dataset)  # (N, Ty, Tx)
    real_out = (dataset.tgt != seq_tasks.PAD)[:, :, None]
    pad_in = (np.arange(dataset.src.shape[1]) >= dataset.src_len[:, None])[:, None, :]
    return float((weights * pad_in * real_out).sum() / real_out.sum())


def date_alignment(texts, setup=DateSetup(), *, seed=0):
    """An experiment: train the notebook's date model and return [(text, answer, weights (Ty, len(text)))]
    for each text, the data behind a real alignment heatmap (about 10 s of training on one idle CPU thread)."""
    model, _ = fit_dates(setup, seed=seed, progress=False)
    src_vocab, tgt_vocab = seq_tasks.date_vocabs()
    return [(text, *seq2seq.translate(model, text, src_vocab, tgt_vocab)) for text in texts]
