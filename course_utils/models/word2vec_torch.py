"""A fast word2vec trainer in torch: skip-gram or CBOW with negative sampling, plain SGD.

`train(sentences, ...) -> Embeddings` follows the reference C tool's recipe, with its defaults where
the call does not say otherwise:

- vocabulary: words seen at least `min_count` times (`nlp.vocab.Vocabulary`);
- each epoch: subsample frequent words with the C tool's keep probability (`text.keep_probability`),
  draw a shrunk window for every position and list the training pairs (`text.skipgram_pairs_shrunk`),
  all in numpy and vectorised; then shuffle the pairs;
- batches of `batch_size` (1,024) pairs; noise words from count^0.75, either shared by the batch
  (noise="batch", the default: `batch_negatives` = 64 words, each weighted negative / 64) or
  `negative` of them per pair (noise="pair", the C tool's way);
- the update is word2vec's SGD step on the negative-sampling loss, written out by hand (no autograd):
  with g = lr * (label - sigma(u . h)) for the true word (label 1) and the noise words (label 0),
  u += g h and h's rows += sum g u, applied with `index_add_` so that repeated words add up;
- learning rate decaying linearly from `lr` (0.025 skip-gram, 0.05 CBOW) to lr * 1e-4;
- W_in ~ U(-0.5/D, 0.5/D), W_out = 0, float32; one torch thread per worker. workers=1 (the default)
  is deterministic for a seed; workers=2 runs two Python threads that update the shared matrices
  without locks (Hogwild, as the C tool and gensim do) and is not.

Where the time goes (benchmarks/word2vec_speed.py, one epoch on Shakespeare, 1 worker, 6.2 s under
the profiler): matrix products 23 %, gathers (W[idx]) 19 %, scatters (index_add_) 10 %, elementwise
products 9 %, the numpy pair pipeline 7 %, Python and the rest about 27 %. With noise="pair" the
gathers and scatters move (K + 1) * D floats per pair and the run is about 2x slower. Larger batches
would cut the Python share, but the update of a word repeated in a batch is the SUM of its
gradients: at 2,048 pairs CBOW fails on the planted corpus, and at 4,096 with 2 workers skip-gram
diverges on Shakespeare. gensim, with C loops that update after every pair, has neither limit.
"""

import time
from concurrent.futures import ThreadPoolExecutor

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
    """One SGD step, each row of h with its own K noise words (the C tool's way). Returns dh (B, D)."""
    B, D = h.shape
    targets = torch.cat([o[:, None], noise.view(B, K)], dim=1)  # (B, 1 + K)
    U = W_out[targets]  # (B, 1 + K, D)
    score = torch.bmm(U, h[:, :, None])[:, :, 0]  # (B, 1 + K)
    g = -torch.sigmoid(score)  # label - sigma(score): label 1 for the true word, 0 for noise
    g[:, 0] += 1.0
    g *= lr
    dh = torch.bmm(g[:, None, :], U)[:, 0]  # (B, D)
    W_out.index_add_(0, targets.reshape(-1), (g[:, :, None] * h[:, None, :]).reshape(-1, D))
    return dh


def _batch_noise_step(W_in, W_out, h, o, noise, lr, K):
    """One SGD step, all B rows sharing the M noise words of `noise`, each weighted K / M.

    The expected loss and gradient equal those of K noise words per row; the scores are one matrix
    product (B, D) @ (D, M) instead of B * K separate gathers and dot products. Returns dh (B, D).
    """
    u_o = W_out[o]  # (B, D)
    N = W_out[noise]  # (M, D)
    g_pos = lr * (1.0 - torch.sigmoid((h * u_o).sum(1)))  # (B,)
    G = (-lr * K / len(noise)) * torch.sigmoid(h @ N.T)  # (B, M)
    dh = g_pos[:, None] * u_o + G @ N  # (B, D)
    W_out.index_add_(0, o, g_pos[:, None] * h)
    W_out.index_add_(0, noise, G.T @ h)
    return dh


def train(sentences, *, dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, sg=True, seed=0,
          progress=True, lr=None, batch_size=1024, noise="batch", batch_negatives=64, workers=1):
    """Train word2vec on `sentences` (a list of token lists); return the centre vectors as `Embeddings`.

    sg=True: skip-gram, one (centre, context) pair per row; sg=False: CBOW, the mean of the context
    words predicts the centre. noise="pair": every row draws its own `negative` noise words (the C
    tool); noise="batch": the rows of a batch share `batch_negatives` noise words, each weighted
    negative / batch_negatives (same expected gradient, faster). The result's `vocab` is the
    Vocabulary and its `info` holds rows, seconds, words and words per second.
    """
    dim, window = positive_int("dim", dim), positive_int("window", window)
    negative, epochs = positive_int("negative", negative), positive_int("epochs", epochs)
    min_count, batch_size = positive_int("min_count", min_count), positive_int("batch_size", batch_size)
    batch_negatives, workers = positive_int("batch_negatives", batch_negatives), positive_int("workers", workers)
    if not sample >= 0:
        raise ValueError(f"sample must be >= 0, got {sample!r}")
    if noise not in ("pair", "batch"):
        raise ValueError(f"noise must be 'pair' or 'batch', got {noise!r}")
    vocab = Vocabulary.build(sentences, min_count=min_count)
    ids, sentence_id = vocab.encode_corpus(sentences)
    V = vocab.V
    keep_prob = text.keep_probability(vocab.counts, sample)
    noise_cdf = torch.from_numpy(np.cumsum(text.noise_distribution(vocab.counts))).float()
    noise_cdf[-1] = 1.0
    lr0 = (0.025 if sg else 0.05) if lr is None else float(lr)
    step, n_noise = (_pair_noise_step, None) if noise == "pair" else (_batch_noise_step, batch_negatives)

    rng = np.random.default_rng(seed)
    gens = [torch.Generator().manual_seed(seed + 1000 * w) for w in range(workers)]
    old_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # parallelism comes from the workers, not from inside each small op
    try:
        with torch.no_grad():
            # W_in has one extra zero row, index V, that pads CBOW's short contexts
            W_in = (torch.rand(V + 1, dim, generator=gens[0]) - 0.5) / dim
            W_in[V] = 0
            W_out = torch.zeros(V, dim)
            # the expected number of rows, for the linear learning-rate decay
            kept_per_epoch = float(np.sum(vocab.counts * keep_prob))
            total_rows = epochs * kept_per_epoch * ((window + 1) if sg else 1)
            progress_rows = [0] * workers  # rows done by each worker, all epochs together

            def run(w, center, context, count):
                """Worker w's share of one epoch: batches w, w + workers, w + 2 workers, ..."""
                for s in range(w * batch_size, len(center), workers * batch_size):
                    lr_now = lr0 * max(1e-4, 1.0 - sum(progress_rows) / total_rows)
                    c, o = center[s:s + batch_size], context[s:s + batch_size]
                    B = len(c)
                    m = B * negative if n_noise is None else n_noise
                    noise_ids = torch.searchsorted(noise_cdf, torch.rand(m, generator=gens[w]), right=True)
                    if sg:  # h = v_c, predict the context word o
                        dh = step(W_in, W_out, W_in[c], o, noise_ids, lr_now, negative)
                        W_in.index_add_(0, c, dh)
                    else:  # h = mean of the context rows (padding rows are zero), predict the centre c
                        n = count[s:s + batch_size]
                        dh = step(W_in, W_out, W_in[o].sum(1) / n, c, noise_ids, lr_now, negative)
                        W_in.index_add_(0, o.reshape(-1), (dh / n)[:, None, :].expand(-1, o.shape[1], -1)
                                        .reshape(-1, dim))
                        W_in[V] = 0
                    progress_rows[w] += B

            n_rows = 0
            bar = tqdm(total=epochs * len(ids), disable=not progress, unit="word", unit_scale=True, desc="word2vec")
            start = time.perf_counter()
            for _ in range(epochs):
                kept = text.subsample(ids, keep_prob, rng)
                if sg:
                    center, context = text.skipgram_pairs_shrunk(ids[kept], window, rng,
                                                                  sentence_id=sentence_id[kept])
                    count = None
                else:
                    center, context, count = cbow_contexts(ids[kept], sentence_id[kept], window, rng, pad=V)
                order = rng.permutation(len(center))
                center, context = torch.from_numpy(center[order]), torch.from_numpy(context[order])
                if count is not None:
                    count = torch.from_numpy(count[order]).float()[:, None]
                if workers == 1:
                    run(0, center, context, count)
                else:  # Hogwild: the workers update the shared matrices without locks, like the C tool
                    with ThreadPoolExecutor(workers) as pool:
                        for job in [pool.submit(run, w, center, context, count) for w in range(workers)]:
                            job.result()  # re-raises a worker's exception
                n_rows += len(center)
                bar.update(len(ids))
            bar.close()
            seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(old_threads)
    info = {"rows": n_rows, "seconds": seconds, "words": epochs * len(ids),
            "words_per_second": epochs * len(ids) / seconds}
    return Embeddings(vocab, W_in[:V].double().numpy(), info=info)
