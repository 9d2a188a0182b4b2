"""Chapter 09's benchmark: the scan against the loop, and three character models at equal training time.

    python benchmarks/recurrence_today.py                 # 10 minutes of CPU per model (about 35 min in all)
    python benchmarks/recurrence_today.py --minutes 2     # a shorter comparison
    python benchmarks/recurrence_today.py --part scan     # only the scan timings (about a minute)

Part 1, the scan: forward + backward of h_t = a_t h_{t-1} + b_t in torch (float32; (N, H) = (8, 64) and
(16, 256)) by `mingru.scan` (ceil(log2 T) sweeps) and by `mingru.loop` (T steps from Python), for
T = 256 ... 4096, with torch's nn.LSTM(H, H) (oneDNN's compiled loop) on the same sizes as a yardstick;
then the minGRU character model's update by the scan and by the loop, and milliseconds per update of the
three character models against T.

Part 2, equal time: chapter 08's character LSTM, a two-layer minGRU and a two-block causal
transformer (`recurrence_today.build`, default sizes) trained with `char_model.fit` on the training
part of `shakespeare.three_way` for `--minutes` of CPU time each (one thread: the number of updates
comes from a timed probe, so the run itself is deterministic), Adam with cosine decay, clip 1.
Each recipe (window T, batch, peak rate) is `recurrence_today.RECIPES`; the rates were chosen on validation
text (benchmarks/RESULTS.md). Scores: bits per character on the whole validation part, then once on
the test part; then the generation cost per character after reading texts of growing length.
Writes each model in float16 to course_utils/datasets/ch09_<kind>.pt (under 1 MB each), which
notebook 09 loads with torch.load(..., weights_only=True).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.data import shakespeare  # noqa: E402
from course_utils.models import char_model, recurrence_today  # noqa: E402
from course_utils.nlp.vocab import CharVocab  # noqa: E402
from course_utils.seed import set_seed  # noqa: E402

LENGTHS = (256, 512, 1024, 2048, 4096)
MODEL_LENGTHS = (64, 128, 256, 512, 1024)
RECIPES = recurrence_today.RECIPES  # window T, streams, peak Adam rate (cosine decay to zero), clip 1
GEN_LENGTHS = (16, 256, 1024, 4096)


def checkpoint_path(kind):
    """Where the equal-time run writes `kind`'s model: course_utils/datasets/ch09_<kind>.pt."""
    return recurrence_today.CHECKPOINTS[kind]


def scan_part():
    for N, H in ((8, 64), (16, 256)):
        print(f"## scan vs loop: forward + backward, N = {N}, H = {H}, float32, one thread (CPU ms, after a warm-up)")
        print(f"| T | scan | loop | loop / scan | nn.LSTM({H}) | scan sweeps |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for T in LENGTHS:
            cpu = recurrence_today.scan_against_loop(T, N=N, H=H, repeats=1)
            print(f"| {T} | {cpu['scan'] * 1e3:.0f} | {cpu['loop'] * 1e3:.0f} | {cpu['loop'] / cpu['scan']:.2f} | "
                  f"{cpu['lstm'] * 1e3:.0f} | {(T - 1).bit_length()} |", flush=True)
        print()
    print("## ms of CPU per update of the minGRU char model (batch 16), trained by the scan or by the loop")
    vocab = CharVocab.from_text(shakespeare.text()[:200_000])
    set_seed(0)
    model = recurrence_today.build("mingru", vocab)
    print("| T | scan | loop |\n| ---: | ---: | ---: |")
    for T in MODEL_LENGTHS:
        row = []
        for parallel in (True, False):
            model.parallel = parallel
            row.append(recurrence_today.time_per_update(model, T, batch_size=16, repeats=2) * 1e3)
        print(f"| {T} | {row[0]:.0f} | {row[1]:.0f} |", flush=True)
    model.parallel = True

    print("\n## ms of CPU per update (batch 16, one thread) of the three character models against T")
    models = {}
    for kind in recurrence_today.MODELS:
        set_seed(0)
        models[kind] = recurrence_today.build(kind, vocab)
    print("| T | " + " | ".join(f"{k} ({recurrence_today.n_params(m):,} params)" for k, m in models.items()) + " |")
    print("| ---: |" + " ---: |" * len(models))
    for T in MODEL_LENGTHS:
        row = [recurrence_today.time_per_update(m, T, batch_size=16, repeats=2) * 1e3 for m in models.values()]
        print(f"| {T} | " + " | ".join(f"{v:.0f}" for v in row) + " |", flush=True)


def equal_time_part(minutes, write, kinds=recurrence_today.MODELS):
    split = shakespeare.three_way(shakespeare.text())
    vocab = CharVocab.from_text(split.train)
    ids = split.map(vocab.encode)
    rows = {}
    for kind in kinds:
        base = RECIPES[kind]
        set_seed(0)
        model = recurrence_today.build(kind, vocab)
        start = time.perf_counter()
        history, recipe, cpu = recurrence_today.train_for_seconds(model, ids.train, base, 60 * minutes,
                                                                  progress=False)
        wall = time.perf_counter() - start
        eval_T = recipe.T  # the transformer's context is its training window; the RNNs carry their state anyway
        valid = char_model.evaluate_bpc(model, ids.valid, batch_size=32, T=eval_T)
        test = char_model.evaluate_bpc(model, ids.test, batch_size=32, T=eval_T)  # the one look at the test part
        gen = recurrence_today.generation_cost(model, GEN_LENGTHS, n_new=20)
        sample = char_model.generate(model, "ROMEO.\n", 200, temperature=0.8, seed=1)
        rows[kind] = (model, recipe, history, cpu, wall, valid, test, gen)
        print(f"{kind}: {recurrence_today.n_params(model):,} params, {recipe.steps} updates of {recipe.batch_size} x "
              f"{recipe.T} ({history.epochs:.2f} passes), {cpu:.0f} s CPU / {wall:.0f} s wall "
              f"(load {os.getloadavg()[0]:.1f}); validation {valid:.3f}, test {test:.3f} bits/char", flush=True)
        print(f"--- ROMEO.\n{sample}\n---", flush=True)
        if write:
            recurrence_today.save(model, checkpoint_path(kind), valid_bpc=valid, test_bpc=test, steps=recipe.steps,
                                  T=recipe.T, batch_size=recipe.batch_size, lr=recipe.lr, train_cpu_seconds=cpu,
                                  train_seconds=wall, minutes=minutes, gen_ms={n: ms for n, (ms, _) in gen.items()},
                                  gen_state={n: s for n, (_, s) in gen.items()}, train_bpc=history.loss)
            print(f"wrote {checkpoint_path(kind)} ({checkpoint_path(kind).stat().st_size / 1e6:.2f} MB)")

    print(f"\n## equal time: {minutes} min of CPU per model, one thread")
    print("| model | params | window x batch, peak rate | updates | CPU s | validation | test |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for kind, (model, recipe, _history, cpu, _wall, valid, test, _) in rows.items():
        print(f"| {kind} | {recurrence_today.n_params(model):,} | {recipe.T} x {recipe.batch_size}, {recipe.lr:g} | "
              f"{recipe.steps:,} | {cpu:.0f} | {valid:.3f} | {test:.3f} |")
    print("\n## generation: ms per new character after reading n characters (numbers held in the state)")
    print("| model | " + " | ".join(f"n = {n}" for n in GEN_LENGTHS) + " |")
    print("| --- |" + " ---: |" * len(GEN_LENGTHS))
    for kind, row in rows.items():
        gen = row[-1]
        print(f"| {kind} | " + " | ".join(f"{ms:.2f} ({size:,})" for ms, size in gen.values()) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="CPU minutes of training per model")
    parser.add_argument("--part", choices=("all", "scan", "models"), default="all")
    parser.add_argument("--no-write", action="store_true", help="do not write the checkpoints")
    parser.add_argument("--models", nargs="+", choices=recurrence_today.MODELS, default=recurrence_today.MODELS,
                        help="which of the three models to train (default: all)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, one thread, load {os.getloadavg()[0]:.1f}", flush=True)
    if args.part in ("all", "scan"):
        scan_part()
    if args.part in ("all", "models"):
        equal_time_part(args.minutes, write=not args.no_write, kinds=args.models)


if __name__ == "__main__":
    main()
