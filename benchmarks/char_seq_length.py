"""Chapter 08's sequence-length trade-off at a larger budget than the notebook's, scored on validation.

    python benchmarks/char_seq_length.py                       # T = 10, 25, 50, 100; three arms; seeds 1, 2
    python benchmarks/char_seq_length.py --lengths 10 200 --chars 500000 --seeds 1

Each run trains a fresh character LSTM (128 units, embedding 32, batch 32, Adam 1e-2 with cosine
decay, clip 1) on the same number of training characters (`--chars`), with windows of T steps, in
one of three arms: stateful (state carried across windows walked in order), stateless in order
(the same windows, every one from zeros) and stateless shuffled (every one from zeros, drawn in a
random order, each batch mixing windows from anywhere in the training text). It prints validation
bits per character on the first 100,000 validation characters, read with the state carried as when
generating. Then the stateful arm at T = 25 with two other peak rates (one seed), to check
the rate. The grid is a choice (the window length), so it receives `shakespeare.DevSplit`:
training and validation ids, never the test part. One torch thread, float32.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.data import shakespeare  # noqa: E402
from course_utils.models import char_model  # noqa: E402
from course_utils.nlp.vocab import CharVocab  # noqa: E402
from course_utils.seed import set_seed  # noqa: E402

ARMS = {"stateful": {"stateful": True}, "stateless, in order": {"stateful": False},
        "stateless, shuffled": {"stateful": False, "shuffle": True}}


def run_grid(dev, vocab, lengths, chars, seeds, *, hidden=128, batch_size=32, lr=1e-2, valid_chars=100_000):
    """{(T, arm, seed): (validation bits/char, updates, train seconds)} for every window length, arm and seed.

    dev: a shakespeare.DevSplit of id arrays (train, valid); the test part is not an argument.
    """
    if not isinstance(dev, shakespeare.DevSplit):
        raise ValueError(f"dev must be a DevSplit (train and validation ids, no test part), got {type(dev).__name__}")
    results = {}
    for T in lengths:
        for arm, kwargs in ARMS.items():
            for seed in seeds:
                set_seed(seed)
                model = char_model.CharModel(vocab, hidden, embed_dim=32)
                recipe = char_model.CharRecipe(steps=chars // (batch_size * T), batch_size=batch_size, T=T, lr=lr,
                                               shuffle_seed=seed, **kwargs)
                history = char_model.fit(model, dev.train, recipe, progress=False)
                bits = char_model.evaluate_bpc(model, dev.valid[: valid_chars + 1])
                results[T, arm, seed] = (bits, recipe.steps, history.seconds)
                print(f"  T={T} {arm} seed {seed}: {bits:.3f} ({history.seconds:.0f} s, load {os.getloadavg()[0]:.1f})",
                      flush=True)
    return results


def run_lr_check(dev, vocab, T, lrs, chars, seeds, *, hidden=128, batch_size=32, valid_chars=100_000):
    """{(lr, seed): validation bits/char} of the stateful arm at window T for each peak rate in `lrs`.

    dev: a shakespeare.DevSplit of id arrays (train, valid); the test part is not an argument.
    """
    if not isinstance(dev, shakespeare.DevSplit):
        raise ValueError(f"dev must be a DevSplit (train and validation ids, no test part), got {type(dev).__name__}")
    results = {}
    for lr in lrs:
        for seed in seeds:
            set_seed(seed)
            model = char_model.CharModel(vocab, hidden, embed_dim=32)
            recipe = char_model.CharRecipe(steps=chars // (batch_size * T), batch_size=batch_size, T=T, lr=lr)
            char_model.fit(model, dev.train, recipe, progress=False)
            results[lr, seed] = char_model.evaluate_bpc(model, dev.valid[: valid_chars + 1])
            print(f"  T={T} stateful lr {lr:g} seed {seed}: {results[lr, seed]:.3f} (load {os.getloadavg()[0]:.1f})",
                  flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--chars", type=int, default=500_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lrs", type=float, nargs="*", default=[5e-3, 2e-2],
                        help="peak rates to try beside 1e-2, stateful, at T = --lr-T (first seed only)")
    parser.add_argument("--lr-T", type=int, default=25)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    split = shakespeare.three_way(shakespeare.text())
    vocab = CharVocab.from_text(split.train)
    dev = split.dev().map(vocab.encode)
    print(f"{args.chars:,} training characters per run, {args.hidden} units, batch 32, seeds {args.seeds}, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    start = time.perf_counter()
    results = run_grid(dev, vocab, args.lengths, args.chars, args.seeds, hidden=args.hidden)
    print("\n| T | updates | " + " | ".join(ARMS) + " | stateful train s |")
    print("| ---: | ---: |" + " ---: |" * (len(ARMS) + 1))
    for T in args.lengths:
        cells = []
        for arm in ARMS:
            bits = np.array([results[T, arm, s][0] for s in args.seeds])
            spread = f" ({bits.min():.3f}-{bits.max():.3f})" if len(bits) > 1 else ""
            cells.append(f"{bits.mean():.3f}{spread}")
        steps = results[T, "stateful", args.seeds[0]][1]
        seconds = np.mean([results[T, "stateful", s][2] for s in args.seeds])
        print(f"| {T} | {steps:,} | " + " | ".join(cells) + f" | {seconds:.0f} |")
    print(f"\nmean (min-max) over seeds {args.seeds}")
    if args.lrs:
        lr_bits = run_lr_check(dev, vocab, args.lr_T, args.lrs, args.chars, args.seeds[:1], hidden=args.hidden)
        base = results[args.lr_T, "stateful", args.seeds[0]][0] if args.lr_T in args.lengths else float("nan")
        print(f"\nstateful, T = {args.lr_T}, seed {args.seeds[0]}: lr 0.01 {base:.3f}; "
              + "; ".join(f"lr {lr:g} {bits:.3f}" for (lr, _), bits in lr_bits.items()))
    print(f"total {time.perf_counter() - start:.0f} s, "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
