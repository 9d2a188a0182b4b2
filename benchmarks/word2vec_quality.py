"""Chapter 06's quality benchmark: do our torch word2vec vectors have gensim's neighbours, on a second corpus?

    python benchmarks/word2vec_quality.py              # 3 seeds of each trainer (2-4 minutes on 2 shared cores)
    python benchmarks/word2vec_quality.py --seeds 5

Corpus: the Lee news corpus that gensim ships for its own tests (`gensim/test/test_data/lee_background.cor`,
300 short news articles, 58 k tokens), one article per sentence, tokenised by `gensim.utils.simple_preprocess`
as gensim's tests do. Settings: those of gensim's own skip-gram test on it -- skip-gram, window 4,
15 negatives, min_count 5, 10 epochs -- with dim 100 and sample 1e-3 (both trainers' defaults). gensim runs
with 1 worker, so that a seed fixes its run, as `workers=1` does for ours.

Measure: neighbour agreement. For the `--words` (300) most frequent words of the vocabulary (the two
trainers build the same one), take each word's 10 nearest words by cosine (itself excluded) in two
trainings, and count the fraction the two lists share; average over the words. Reported for every pair of
seeds: gensim vs gensim (how much two gensim seeds agree: the level to reach), ours vs gensim (every seed of ours
against every seed of gensim), and ours vs ours. Our trainer has equal quality in this sense when
ours-vs-gensim is as high as gensim-vs-gensim. Several of our recipes run (`VARIANTS`), so that the
effect of one option can be read off the same table, and two diagnostics of what remains:

- gensim with the articles shuffled every epoch: gensim reads the corpus in file order, the same for
  every seed, and part of its seed-to-seed agreement is that shared order;
- ours with gensim's initialisation and gensim's order (pairs in text order, the context word as input,
  batches of 32, `gensim_order`): how close our update comes when nothing but the batching differs.

gensim is a benchmark-only dependency: `make bench` installs it; `make lab` and `make test` never need it.
"""

import argparse
import itertools
import os
import statistics
import sys
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import word2vec_torch  # noqa: E402
from course_utils.nlp import text  # noqa: E402

SETTINGS = dict(dim=100, window=4, negative=15, min_count=5, sample=1e-3, epochs=10)
TOPN = 10

# our recipes: name -> keyword arguments of word2vec_torch.fit on top of SETTINGS ("in_text_order": see
# `gensim_order`, a diagnostic, not an option of the trainer)
VARIANTS = {
    "ours, batch noise (default)": dict(noise="batch"),
    "ours, per-pair noise": dict(noise="pair"),
    "ours, gensim's init (init_range=1.0)": dict(init_range=1.0),
    "ours, gensim's init, per-pair noise": dict(init_range=1.0, noise="pair"),
    "ours, gensim's init, gensim's order, batch 32": dict(init_range=1.0, batch_size=32, in_text_order=True),
}


def lee_sentences():
    """The Lee corpus as gensim's tests read it: one token list per article."""
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        return [simple_preprocess(line) for line in f]


def train_gensim(sentences, seed):
    """(words, (V, D) vectors, seconds) of gensim's skip-gram, 1 worker."""
    from gensim.models import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=SETTINGS["dim"], window=SETTINGS["window"], negative=SETTINGS["negative"],
                     min_count=SETTINGS["min_count"], sample=SETTINGS["sample"], epochs=SETTINGS["epochs"], sg=1,
                     hs=0, workers=1, seed=seed)
    return list(model.wv.index_to_key), model.wv.vectors.astype(np.float64), time.perf_counter() - start


def train_gensim_shuffled(sentences, seed):
    """`train_gensim` with the articles in a new random order every epoch (gensim reads them in file order)."""
    rng = np.random.default_rng(1000 + seed)

    class Shuffled:
        def __iter__(self):
            return (sentences[i] for i in rng.permutation(len(sentences)))

    return train_gensim(Shuffled(), seed)


def _rows_in_text_order(ids, sentence_id, keep_prob, window, sg, rng, pad):
    """A stand-in for word2vec_torch._epoch_rows (skip-gram only) that keeps gensim's order: the pairs of
    each kept position in text order, the context word as the input row and the centre as the word
    predicted (gensim's direction), no shuffling."""
    kept = text.subsample(ids, keep_prob, rng)
    ids, sentence_id = ids[kept], sentence_id[kept]
    reach = rng.integers(1, window + 1, size=len(ids))  # the centre's shrunk window
    centres, contexts = [], []
    for d in [*range(-window, 0), *range(1, window + 1)]:
        i = np.arange(max(0, -d), min(len(ids), len(ids) - d))
        ok = (sentence_id[i] == sentence_id[i + d]) & (reach[i] >= abs(d))
        centres.append(i[ok])
        contexts.append(i[ok] + d)
    centres, contexts = np.concatenate(centres), np.concatenate(contexts)
    order = np.lexsort((contexts, centres))  # by centre position, then context position
    return word2vec_torch._Rows(torch.from_numpy(ids[contexts[order]]), torch.from_numpy(ids[centres[order]]), None)


@contextmanager
def gensim_order():
    """Within the block, our trainer processes its pairs in gensim's order (`_rows_in_text_order`)."""
    original = word2vec_torch._epoch_rows
    word2vec_torch._epoch_rows = _rows_in_text_order
    try:
        yield
    finally:
        word2vec_torch._epoch_rows = original


def train_ours(sentences, seed, in_text_order=False, **kwargs):
    """(words, (V, D) vectors, seconds) of our trainer, 1 worker."""
    start = time.perf_counter()
    with gensim_order() if in_text_order else nullcontext():
        emb = word2vec_torch.fit(sentences, **SETTINGS, sg=True, seed=seed, progress=False, workers=1, **kwargs)
    return list(emb.vocab.words), emb.vectors, time.perf_counter() - start



def neighbours(words, vectors, probe):
    """(P, TOPN) the TOPN nearest words (by cosine, the word itself excluded) of each probe word, as sets."""
    index = {w: i for i, w in enumerate(words)}
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-300)
    ids = np.array([index[w] for w in probe])
    cos = unit[ids] @ unit.T  # (P, V)
    cos[np.arange(len(ids)), ids] = -np.inf
    best = np.argpartition(-cos, TOPN, axis=1)[:, :TOPN]
    return [{words[j] for j in row} for row in best]


def agreement(a, b):
    """Mean fraction of shared top-TOPN neighbours between two lists of neighbour sets."""
    return float(np.mean([len(x & y) / TOPN for x, y in zip(a, b)]))


def summary(values):
    """'mean (min-max)' of a list of agreements."""
    return f"{statistics.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS),
                        default=[name for name in VARIANTS if name != "ours, per-pair noise"])  # the slowest
    args = parser.parse_args(argv)
    try:
        import gensim
    except ImportError:
        sys.exit("gensim is not installed: run `make bench` (it installs gensim==4.4.0 into .venv)")
    torch.set_num_threads(1)
    start, load_before = time.perf_counter(), os.getloadavg()[0]
    sentences = lee_sentences()
    print(f"gensim {gensim.__version__}, torch {torch.__version__}; Lee corpus: {len(sentences)} articles, "
          f"{sum(map(len, sentences)):,} tokens; skip-gram, {SETTINGS}; {args.seeds} seeds, 1 worker each")

    runs = {"gensim": [train_gensim(sentences, seed) for seed in range(args.seeds)],
            "gensim, articles shuffled": [train_gensim_shuffled(sentences, seed) for seed in range(args.seeds)]}
    for name in args.variants:
        runs[name] = [train_ours(sentences, seed, **VARIANTS[name]) for seed in range(args.seeds)]
    vocab = set(runs["gensim"][0][0])
    for name, rs in runs.items():
        if any(set(words) != vocab for words, _, _ in rs):
            sys.exit(f"{name} built another vocabulary than gensim's: the comparison would not be like for like")
    counts = {}
    for s in sentences:
        for w in s:
            counts[w] = counts.get(w, 0) + 1
    probe = sorted(vocab, key=lambda w: (-counts[w], w))[:args.words]
    print(f"vocabulary: {len(vocab):,} words; probe: the {len(probe)} most frequent "
          f"(counts {counts[probe[-1]]} to {counts[probe[0]]}); top-{TOPN} neighbours by cosine\n")
    nbs = {name: [neighbours(words, vectors, probe) for words, vectors, _ in rs] for name, rs in runs.items()}

    seed_pairs = list(itertools.combinations(range(args.seeds), 2))
    g_g = [agreement(nbs["gensim"][i], nbs["gensim"][j]) for i, j in seed_pairs]
    print(f"| trainer | vs gensim, mean (min-max) over {args.seeds}x{args.seeds} runs | "
          f"vs itself, other seed ({len(seed_pairs)} pairs) | seconds per run |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| gensim 4.4.0, 1 worker | {summary(g_g)} (other seed) | {summary(g_g)} | "
          f"{statistics.median(r[2] for r in runs['gensim']):.1f} |")
    for name in ["gensim, articles shuffled", *args.variants]:  # the first: the diagnostic of gensim's order
        o_g = [agreement(a, b) for a in nbs[name] for b in nbs["gensim"]]
        o_o = [agreement(nbs[name][i], nbs[name][j]) for i, j in seed_pairs]
        print(f"| {name} | {summary(o_g)} | {summary(o_o)} | {statistics.median(r[2] for r in runs[name]):.1f} |")
    print(f"\n{time.perf_counter() - start:.0f} s in all; load average {load_before:.1f} before the runs, "
          f"{os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
