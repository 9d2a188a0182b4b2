"""Chapter 06's speed benchmark: our torch word2vec trainer against gensim, same corpus and settings.

    python benchmarks/word2vec_speed.py                        # 5 epochs, every trainer twice (minutes)
    python benchmarks/word2vec_speed.py --epochs 1 --repeats 1 # a quick look

Corpus: the complete works of Shakespeare (`text.sentences`, 95 k sentences, 882 k tokens). Settings
shared by every trainer: skip-gram, dim 100, window 5, 5 negatives, sample 1e-3, min_count 5.

Trainers:
- gensim 4.4.0, 2 workers (C inner loops, threads updating shared arrays without locks);
- ours, noise="batch", 2 workers: the default recipe (noise words shared by a batch, Hogwild threads);
- ours, noise="batch", 1 worker (deterministic; what the notebook runs);
- the same with gensim 4's initialisation, W_in ~ U(-1/D, 1/D) (init_range=1.0; ours and the C tool: 0.5);
- ours, noise="pair", 2 workers: every pair with its own noise words, as the C tool and gensim do.

For each: wall time of the whole call (vocabulary included) and of the training alone, words per
second (corpus tokens x epochs / training seconds, the same count for all), analogy accuracy on the
760 Shakespeare questions and a neighbour check (how often b is among the 10 nearest words of a,
over the question set's pairs). Trainers run interleaved, `--repeats` times each, and the median
time is reported with the load average: on a shared machine only same-run ratios mean much.
Then a profile of one epoch of ours (1 worker): where the time goes.

gensim is a benchmark-only dependency: `make bench` installs it; `make lab` and `make test` never need it.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.data import analogy_sets, shakespeare  # noqa: E402
from course_utils.models import word2vec_torch  # noqa: E402
from course_utils.nlp import text  # noqa: E402
from course_utils.nlp.embeddings import Embeddings  # noqa: E402
from course_utils.nlp.vocab import Vocabulary  # noqa: E402

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5)


def quality(emb):
    """(analogy accuracy, neighbour check) on the Shakespeare question set."""
    questions = analogy_sets.analogy_questions(analogy_sets.SHAKESPEARE_RELATIONS)
    pairs = [p for ps in analogy_sets.SHAKESPEARE_RELATIONS.values() for p in ps if p[0] in emb and p[1] in emb]
    hits = [b in {w for w, _ in emb.most_similar(a, topn=10)} for a, b in pairs]
    return emb.evaluate_analogies(questions)["accuracy"], float(np.mean(hits))


def run_gensim(sentences, epochs, seed):
    from gensim.models import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(vector_size=SETTINGS["dim"], window=SETTINGS["window"], negative=SETTINGS["negative"],
                     sample=SETTINGS["sample"], min_count=SETTINGS["min_count"], sg=1, workers=2, seed=seed)
    model.build_vocab(sentences)
    train_start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    end = time.perf_counter()
    return Embeddings(model.wv.index_to_key, model.wv.vectors), end - start, end - train_start


def run_ours(sentences, epochs, seed, **kwargs):
    start = time.perf_counter()
    emb = word2vec_torch.fit(sentences, **SETTINGS, epochs=epochs, sg=True, seed=seed, progress=False, **kwargs)
    return emb, time.perf_counter() - start, emb.info["seconds"]


TRAINERS = {
    "gensim 4.4.0, 2 workers": run_gensim,
    "ours, batch noise, 2 workers": lambda s, e, seed: run_ours(s, e, seed, noise="batch", workers=2),
    "ours, batch noise, 1 worker": lambda s, e, seed: run_ours(s, e, seed, noise="batch", workers=1),
    "ours, batch noise, 1 worker, gensim's init": lambda s, e, seed: run_ours(s, e, seed, noise="batch", workers=1,
                                                                             init_range=1.0),
    "ours, per-pair noise, 2 workers": lambda s, e, seed: run_ours(s, e, seed, noise="pair", workers=2),
}


def profile_one_epoch(sentences):
    """Self CPU time of the top torch ops in one epoch of ours (1 worker), and the numpy pair pipeline."""
    vocab = Vocabulary.build(sentences, min_count=SETTINGS["min_count"])
    ids, sentence_id = vocab.encode_corpus(sentences)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    kept = text.subsample(ids, text.keep_probability(vocab.counts, SETTINGS["sample"]), rng)
    center, _ = text.skipgram_pairs_shrunk(ids[kept], SETTINGS["window"], rng, sentence_id=sentence_id[kept])
    rng.permutation(len(center))
    numpy_seconds = time.perf_counter() - start

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        word2vec_torch.fit(sentences, **SETTINGS, epochs=1, progress=False)
        wall = time.perf_counter() - start
    ops = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    print(f"\nWhere one epoch of ours (batch noise, 1 worker) spends its {wall:.1f} s (under the profiler):")
    print(f"- subsampling + shrunk-window pairs + shuffle (numpy): {numpy_seconds:.2f} s ({len(center):,} pairs)")
    torch_total = sum(e.self_cpu_time_total for e in ops) / 1e6
    for e in ops[:8]:
        print(f"- {e.key}: {e.self_cpu_time_total / 1e6:.2f} s self CPU, {e.count:,} calls")
    print(f"- all torch ops: {torch_total:.2f} s; the rest (Python, numpy, vocabulary): "
          f"{wall - torch_total:.2f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--trainers", nargs="+", default=list(TRAINERS), choices=list(TRAINERS))
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    try:
        import gensim
    except ImportError:
        sys.exit("gensim is not installed: run `make bench` (it installs gensim==4.4.0 into .venv)")
    print(f"gensim {gensim.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs")

    sentences = text.sentences(shakespeare.text())
    n_tokens = sum(len(s) for s in sentences)
    print(f"Shakespeare: {len(sentences):,} sentences, {n_tokens:,} tokens; skip-gram, {SETTINGS}, "
          f"{args.epochs} epochs, {args.repeats} repeat(s)\n")
    results = {name: [] for name in args.trainers}
    for repeat in range(args.repeats):
        for name in args.trainers:  # interleaved, so that a burst of load hits every trainer alike
            emb, total, train = TRAINERS[name](sentences, args.epochs, repeat)
            acc, nb = quality(emb)
            load = os.getloadavg()[0]
            results[name].append((total, train, acc, nb, load))
            print(f"  {name}: {total:.1f} s ({train:.1f} s training), analogies {acc:.1%}, neighbours {nb:.1%}, "
                  f"load {load:.1f}", flush=True)

    reference = statistics.median(r[0] for r in results[args.trainers[0]])
    print(f"\n| trainer | wall s | training s | words/s | analogy acc. | neighbour check | wall / {args.trainers[0]} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in results.items():
        total = statistics.median(r[0] for r in runs)
        train = statistics.median(r[1] for r in runs)
        acc, nb = statistics.mean(r[2] for r in runs), statistics.mean(r[3] for r in runs)
        print(f"| {name} | {total:.1f} | {train:.1f} | {n_tokens * args.epochs / train:,.0f} | {acc:.1%} | "
              f"{nb:.1%} | {total / reference:.2f} |")
    loads = [r[4] for runs in results.values() for r in runs]
    print(f"\nload average during the runs: {min(loads):.1f} to {max(loads):.1f} (2 cores)")
    if not args.no_profile:
        torch.set_num_threads(1)
        profile_one_epoch(sentences)


if __name__ == "__main__":
    main()
