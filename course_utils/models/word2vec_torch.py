"""A fast word2vec trainer in torch: skip-gram or CBOW with negative sampling, plain SGD.

`fit(sentences, ...) -> Embeddings` follows the reference C tool's recipe, with its defaults where
the call does not say otherwise:

- vocabulary: words seen at least `min_count` times (`nlp.vocab.Vocabulary`);
- each epoch: subsample frequent words with the C tool's keep probability (`text.keep_probability`),
  draw a shrunk window for every position and list the training pairs (`text.skipgram_pairs_shrunk`),
  all in numpy and vectorised; then shuffle the pairs;
- batches of `batch_size` (1,024) pairs; noise words from count^noise_power (0.75), either shared by
  the batch (noise="batch", the default: `batch_negatives` = 64 words, each weighted negative / 64) or
  `negative` of them per pair (noise="pair", the C tool's way); a noise draw equal to the true word
  adds nothing, as the C tool skips it;
- the update is word2vec's SGD step on the negative-sampling loss, written out by hand (no autograd):
  with g = lr * (label - sigma(u . h)) for the true word (label 1) and the noise words (label 0),
  u += g h and h's rows += sum g u, applied with `index_add_` so that repeated words add up;
- learning rate decaying linearly with the corpus words processed, from `lr` (0.025 skip-gram, 0.05
  CBOW) to a floor of lr * 1e-4 (the C tool's alpha * (1 - word_count_actual / (iter * train_words)));
- W_in ~ U(-init_range/D, init_range/D) (init_range 0.5, the C tool's; gensim 4 uses 1.0), W_out = 0,
  float32; one torch thread per worker. workers=1 (the default) is deterministic for a seed; workers=2
  runs two Python threads that update the shared matrices without locks (Hogwild, as the C tool and
  gensim do) and is not.

Why SGD by hand and not torch.optim: a skip-gram batch touches only the rows of its words, at most
1,024 centre rows of W_in and 1,024 + 64 context and noise rows of W_out, out of V each (V = 9,025
on Shakespeare). `index_add_` adds the step into just those rows, and sums the steps of a word
repeated in the batch; torch.optim would read and write every row of both matrices at every step.

Where the time goes (benchmarks/word2vec_speed.py, one epoch on Shakespeare, 1 worker, 6.2 s under
the profiler): matrix products 23 %, gathers (W[idx]) 19 %, scatters (index_add_) 10 %, elementwise
products 9 %, the numpy pair pipeline 7 %, Python and the rest about 27 %. With noise="pair" the
gathers and scatters move (K + 1) * D floats per pair and the run is about 2x slower. Larger batches
would cut the Python share, but the update of a word repeated in a batch is the SUM of its
gradients: at 2,048 pairs CBOW fails on the planted corpus, and at 4,096 with 2 workers skip-gram
diverges on Shakespeare. gensim, with C loops that update after every pair, has neither limit.

The code, top down: `fit` checks its options, builds the vocabulary and a `_Trainer` (the two
matrices, the noise table, the rate schedule, the rows done so far); each epoch lists its shuffled
rows (`_epoch_rows`) and hands them to the workers (`_run_epoch` -> `_Trainer.work` -> `_Trainer.step`,
one SGD step per batch, through `_batch_noise_step` or `_pair_noise_step`).
"""

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

from course_utils._checks import positive_int
from course_utils.nlp import text
from course_utils.nlp.embeddings import Embeddings
from course_utils.nlp.vocab import Vocabulary


def cbow_contexts(ids, sentence_id, window, rng, pad):
    """(center (N,), context (N, 2 * window), count (N,)) with shrunk windows for CBOW.

    Position i draws b_i in 1..window; its context is the words at i-b_i..i+b_i in its sentence,
    padded with index `pad` up to 2 * window columns. Positions with no context word are dropped.
    """
    T = len(ids)
    b = rng.integers(1, window + 1, size=T)
    context = np.full((T, 2 * window), pad, dtype=np.int64)
    positions = np.arange(T)
    for col, d in enumerate([*range(-window, 0), *range(1, window + 1)]):
        j = positions + d
        ok = (j >= 0) & (j < T) & (abs(d) <= b)
        ok[ok] &= sentence_id[j[ok]] == sentence_id[ok]
        context[ok, col] = ids[j[ok]]
    count = (context != pad).sum(axis=1)
    keep = count > 0
    return ids[keep], context[keep], count[keep]


def _pair_noise_step(W_in, W_out, h, o, noise, lr, K):
    """One SGD step, each row of h with its own K noise words (the C tool's way). Returns dh (B, D).

    h (B, D) input rows, o (B,) true words, noise (B * K,) noise words, row b's at b * K .. b * K + K - 1.
    A noise word equal to its row's true word adds nothing (the C tool skips such draws).
    """
    B, D = h.shape
    targets = torch.cat([o[:, None], noise.view(B, K)], dim=1)  # (B, 1 + K)
    U = W_out[targets]  # (B, 1 + K, D)
    score = torch.bmm(U, h[:, :, None])[:, :, 0]  # (B, 1 + K)
    g = -torch.sigmoid(score)  # label - sigma(score): label 1 for the true word, 0 for noise
    g[:, 0] += 1.0
    g[:, 1:] *= noise.view(B, K) != o[:, None]  # a noise draw equal to the true word is skipped
    g *= lr
    dh = torch.bmm(g[:, None, :], U)[:, 0]  # (B, D)
    W_out.index_add_(0, targets.reshape(-1), (g[:, :, None] * h[:, None, :]).reshape(-1, D))
    return dh


def _batch_noise_step(W_in, W_out, h, o, noise, lr, K):
    """One SGD step, all B rows sharing the M noise words of `noise`, each weighted K / M.

    The expected loss and gradient equal those of K noise words per row; the scores are one matrix
    product (B, D) @ (D, M) instead of B * K separate gathers and dot products. Returns dh (B, D).
    h (B, D) input rows, o (B,) true words, noise (M,) noise words. A noise word equal to a row's true
    word adds nothing to that row (the C tool skips such draws).
    """
    u_o = W_out[o]  # (B, D)
    N = W_out[noise]  # (M, D)
    g_pos = lr * (1.0 - torch.sigmoid((h * u_o).sum(1)))  # (B,)
    G = (-lr * K / len(noise)) * torch.sigmoid(h @ N.T)  # (B, M)
    G *= noise[None, :] != o[:, None]  # skip noise draws equal to the row's true word
    dh = g_pos[:, None] * u_o + G @ N  # (B, D)
    W_out.index_add_(0, o, g_pos[:, None] * h)
    W_out.index_add_(0, noise, G.T @ h)
    return dh


class _Rows(NamedTuple):
    """One epoch's training rows, shuffled: (N,) centre words, (N,) context words for skip-gram or
    (N, 2 * window) padded context windows for CBOW, and CBOW's (N, 1) float context sizes (None for skip-gram)."""

    center: torch.Tensor
    context: torch.Tensor
    count: torch.Tensor | None


def _epoch_rows(ids, sentence_id, keep_prob, window, sg, rng, pad):
    """Subsample the corpus ids (T,), list its skip-gram pairs or CBOW windows, shuffle them: `_Rows`."""
    kept = text.subsample(ids, keep_prob, rng)
    if sg:
        center, context = text.skipgram_pairs_shrunk(ids[kept], window, rng, sentence_id=sentence_id[kept])
        count = None
    else:
        center, context, count = cbow_contexts(ids[kept], sentence_id[kept], window, rng, pad=pad)
    order = rng.permutation(len(center))
    if count is not None:
        count = torch.from_numpy(count[order]).float()[:, None]
    return _Rows(torch.from_numpy(center[order]), torch.from_numpy(context[order]), count)


@dataclass
class _Trainer:
    """What the batches of one run share (and the workers' threads update): matrices, noise, rate."""

    W_in: torch.Tensor  # (V + 1, D); the extra row V stays zero: it pads CBOW's short contexts
    W_out: torch.Tensor  # (V, D)
    noise_cdf: torch.Tensor  # (V,) cumulative noise distribution count^noise_power / sum
    gens: list  # one torch.Generator per worker, for its noise words
    sg: bool
    negative: int  # K: noise words per row (noise="pair"), or their total weight per row (noise="batch")
    shared_noise: int | None  # M noise words shared by a batch (noise="batch"); None for noise="pair"
    batch_size: int
    lr0: float
    epochs: int
    words_per_epoch: int  # T: the corpus tokens in the vocabulary, before subsampling (the C tool's train_words)
    rows_done: list  # rows done by each worker, all epochs together
    epoch: int = 0  # the epoch now running, 0 .. epochs - 1
    epoch_rows: int = 1  # the rows listed for this epoch
    epoch_rows_done: list = None  # rows of this epoch done by each worker
    schedule: list = None  # (words processed, rate) at the start of every SGD step, in the order applied

    @property
    def V(self):
        return self.W_out.shape[0]

    def start_epoch(self, epoch, rows):
        """Begin epoch `epoch` (0-based), whose shuffled rows are `rows` (`_Rows`)."""
        self.epoch, self.epoch_rows = epoch, max(1, len(rows.center))
        self.epoch_rows_done = [0] * len(self.rows_done)

    def words_processed(self):
        """The corpus words processed so far, all epochs together (a float).

        An epoch processes the T corpus words; its rows are shuffled, so each row done stands for
        T / (rows of the epoch) of them: after r of an epoch's R rows, words = (epoch + r / R) * T.
        The window changes R, not this count: every window sees the same words at the same point.
        """
        return (self.epoch + sum(self.epoch_rows_done) / self.epoch_rows) * self.words_per_epoch

    def rate(self, words):
        """The learning rate after `words` words: lr0 * (1 - progress), never below lr0 * 1e-4, where
        progress = words / (epochs * T), the C tool's word_count_actual / (iter * train_words)."""
        return self.lr0 * max(1e-4, 1.0 - words / (self.epochs * self.words_per_epoch))

    def step(self, w, center, context, count):
        """One SGD step of worker w on a batch of B rows (see `_Rows` for the three arguments)."""
        words = self.words_processed()
        lr = self.rate(words)
        self.schedule.append((words, lr))  # one append: the threads of workers=2 cannot split the pair
        B = len(center)
        m = B * self.negative if self.shared_noise is None else self.shared_noise
        noise = torch.searchsorted(self.noise_cdf, torch.rand(m, generator=self.gens[w]), right=True)
        update = _pair_noise_step if self.shared_noise is None else _batch_noise_step
        if self.sg:  # h = v_c, predict the context word
            dh = update(self.W_in, self.W_out, self.W_in[center], context, noise, lr, self.negative)
            self.W_in.index_add_(0, center, dh)
        else:  # h = mean of the context rows (padding rows are zero), predict the centre
            dh = update(self.W_in, self.W_out, self.W_in[context].sum(1) / count, center, noise, lr, self.negative)
            D = self.W_in.shape[1]
            self.W_in.index_add_(0, context.reshape(-1),
                                 (dh / count)[:, None, :].expand(-1, context.shape[1], -1).reshape(-1, D))
            self.W_in[self.V] = 0
        self.rows_done[w] += B
        self.epoch_rows_done[w] += B

    def work(self, w, rows, workers):
        """Worker w's share of one epoch's `rows`: batches w, w + workers, w + 2 workers, ..."""
        for s in range(w * self.batch_size, len(rows.center), workers * self.batch_size):
            batch = slice(s, s + self.batch_size)
            count = None if rows.count is None else rows.count[batch]
            self.step(w, rows.center[batch], rows.context[batch], count)


def _new_trainer(vocab, words_per_epoch, *, dim, negative, epochs, sg, seed, lr, batch_size, noise,
                 batch_negatives, workers, noise_power, init_range):
    """A `_Trainer` at the start of a run: W_in ~ U(-init_range/D, init_range/D) (drawn by worker 0's
    generator), W_out = 0."""
    V = vocab.V
    noise_cdf = torch.from_numpy(np.cumsum(text.noise_distribution(vocab.counts, noise_power))).float()
    noise_cdf[-1] = 1.0
    gens = [torch.Generator().manual_seed(seed + 1000 * w) for w in range(workers)]
    W_in = (torch.rand(V + 1, dim, generator=gens[0]) - 0.5) * (2 * init_range) / dim
    W_in[V] = 0
    return _Trainer(W_in=W_in, W_out=torch.zeros(V, dim), noise_cdf=noise_cdf, gens=gens, sg=sg, negative=negative,
                    shared_noise=None if noise == "pair" else batch_negatives, batch_size=batch_size,
                    lr0=(0.025 if sg else 0.05) if lr is None else float(lr), epochs=epochs,
                    words_per_epoch=words_per_epoch, rows_done=[0] * workers, epoch_rows_done=[0] * workers,
                    schedule=[])


def _run_epoch(trainer, rows, workers):
    """All of one epoch's rows: by the calling thread (workers=1) or by Hogwild threads without locks."""
    if workers == 1:
        trainer.work(0, rows, 1)
        return
    with ThreadPoolExecutor(workers) as pool:  # like the C tool: shared matrices, no locks
        for job in [pool.submit(trainer.work, w, rows, workers) for w in range(workers)]:
            job.result()  # re-raises a worker's exception


@contextmanager
def _one_torch_thread():
    """Run with one torch thread: parallelism comes from the workers, not from inside each small op."""
    old_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)


def _real(value):
    """Whether value is a finite real number (bools refused)."""
    return (not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
            and bool(np.isfinite(value)))


def _check_options(sample, noise, noise_power, init_range, **counts):
    """A ValueError for a bad option of `fit`: every count a positive int, sample >= 0, a known noise mode,
    noise_power a finite float >= 0, init_range a finite float > 0."""
    for name, value in counts.items():
        positive_int(name, value)
    if not sample >= 0:
        raise ValueError(f"sample must be >= 0, got {sample!r}")
    if not (_real(noise_power) and noise_power >= 0):
        raise ValueError(f"noise_power must be a finite float >= 0, got {noise_power!r}")
    if not (_real(init_range) and init_range > 0):
        raise ValueError(f"init_range must be a finite float > 0, got {init_range!r}")
    if noise not in ("pair", "batch"):
        raise ValueError(f"noise must be 'pair' or 'batch', got {noise!r}")


def fit(sentences, *, dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, sg=True, seed=0,
        progress=True, lr=None, batch_size=1024, noise="batch", batch_negatives=64, workers=1, noise_power=0.75,
        init_range=0.5):
    """Train word2vec on `sentences` (a list of token lists); return the centre vectors as `Embeddings`.

    sg=True: skip-gram, one (centre, context) pair per row; sg=False: CBOW, the mean of the context
    words predicts the centre. noise="pair": every row draws its own `negative` noise words (the C
    tool); noise="batch": the rows of a batch share `batch_negatives` noise words, each weighted
    negative / batch_negatives (same expected gradient, faster). In both modes a noise draw equal to
    the row's true word is skipped (adds nothing), as the C tool and gensim skip it.

    noise_power: noise words are drawn from count^noise_power (0.75, the paper's; 0 uniform, 1 the
    unigram distribution); a finite float >= 0. sample: the subsampling threshold (0 = off).
    init_range: W_in ~ U(-init_range / dim, init_range / dim); 0.5 is the C tool's, 1.0 gensim 4's.
    lr: the starting rate lr0 (None: 0.025 skip-gram, 0.05 CBOW). It decays linearly with the corpus
    words processed, lr0 * (1 - words / (epochs * T)) with T the corpus tokens in the vocabulary, to a
    floor of lr0 * 1e-4: the same schedule for every window and batch size (`_Trainer.words_processed`).

    The result's `vocab` is the Vocabulary and its `info` holds rows, seconds, words (epochs * T),
    words_per_second, and the schedule actually applied: `rates` (one float per SGD step, in order)
    and `words_done` (the words processed when that step began).
    """
    _check_options(sample, noise, noise_power, init_range, dim=dim, window=window, negative=negative, epochs=epochs,
                   min_count=min_count, batch_size=batch_size, batch_negatives=batch_negatives, workers=workers)
    vocab = Vocabulary.build(sentences, min_count=min_count)
    ids, sentence_id = vocab.encode_corpus(sentences)
    keep_prob = text.keep_probability(vocab.counts, sample)
    rng = np.random.default_rng(seed)
    with _one_torch_thread(), torch.no_grad():
        trainer = _new_trainer(vocab, len(ids), dim=dim, negative=negative, epochs=epochs, sg=sg, seed=seed, lr=lr,
                               batch_size=batch_size, noise=noise, batch_negatives=batch_negatives, workers=workers,
                               noise_power=float(noise_power), init_range=float(init_range))
        bar = tqdm(total=epochs * len(ids), disable=not progress, unit="word", unit_scale=True, desc="word2vec")
        start = time.perf_counter()
        for epoch in range(epochs):
            rows = _epoch_rows(ids, sentence_id, keep_prob, window, sg, rng, pad=vocab.V)
            trainer.start_epoch(epoch, rows)
            _run_epoch(trainer, rows, workers)
            bar.update(len(ids))
        bar.close()
        seconds = time.perf_counter() - start
    info = {"rows": sum(trainer.rows_done), "seconds": seconds, "words": epochs * len(ids),
            "words_per_second": epochs * len(ids) / seconds, "rates": [r for _, r in trainer.schedule],
            "words_done": [w for w, _ in trainer.schedule]}
    return Embeddings(vocab, trainer.W_in[:vocab.V].double().numpy(), info=info)
