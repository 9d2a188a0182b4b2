"""Chapter 07's bottleneck table with more training than the notebook can afford, and the date task on several seeds.

    python benchmarks/attention_length.py                       # max_len 20 and 30, 3x the notebook's epochs (minutes)
    python benchmarks/attention_length.py --max-lens 20 --epochs 5 --kinds none general

Digit reversal (`attention_experiments.fit_reversal`): every model trains on strings of 1 to max_len digits
(10,000 strings, batches of 128, Adam one-cycle peak 1e-2, clipping at norm 1, H = 64, bidirectional GRU encoder),
then is scored on 300 fresh strings of each test length. Prints markdown tables of exact match and per-character
accuracy, and the training seconds. The date task (`attention_experiments.fit_dates`, the notebook's recipe) runs
once per seed in --date-seeds: exact match on its 2,000 held-out dates. One CPU thread throughout.
"""

import argparse
import dataclasses
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import attention_experiments as ax  # noqa: E402
from course_utils.models import seq2seq  # noqa: E402

NAMES = {"none": "plain", "general": "Luong general", "dot": "Luong dot", "bahdanau": "Bahdanau"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lens", type=int, nargs="+", default=[20, 30])
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 15, 20, 25, 30, 40, 50, 60])
    parser.add_argument("--kinds", nargs="+", default=["none", "general", "bahdanau"], choices=list(NAMES))
    parser.add_argument("--epochs", type=int, default=15, help="the notebook trains 5")
    parser.add_argument("--date-seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.1f} at the start\n")

    for max_len in args.max_lens:
        recipe = dataclasses.replace(ax.NOTEBOOK_RECIPE, epochs=args.epochs)
        setup = ax.ReversalSetup(max_len=max_len, recipe=recipe)
        rows = {}
        for kind in args.kinds:
            model, history = ax.fit_reversal(None if kind == "none" else kind, setup, progress=False)
            rows[kind] = (ax.scores_by_length(model, args.lengths), history.seconds)
        print(f"### Digit reversal, trained on lengths 1-{max_len}, {args.epochs} epochs\n")
        columns = " | ".join(f"{L}{'*' if L > max_len else ''}" for L in args.lengths)
        print(f"| model | metric | {columns} | train s |")
        print("| --- | --- |" + " ---: |" * (len(args.lengths) + 1))
        for kind, (table, seconds) in rows.items():
            for metric, key in [("exact", "exact"), ("per char", "per_token")]:
                cells = " | ".join(f"{getattr(table[L], key):.2f}" for L in args.lengths)
                print(f"| {NAMES[kind]} | {metric} | {cells} | {seconds:.0f} |")
        print(f"\n\\* longer than any training input. Load average now {os.getloadavg()[0]:.1f}.\n", flush=True)

    if args.date_seeds:
        print("### Date task, the notebook's recipe (Luong general, H = 64, 10,000 dates x 5 epochs)\n")
        print("| seed | exact match (2,000 held-out) | per char | train s |")
        print("| ---: | ---: | ---: | ---: |")
        for seed in args.date_seeds:
            model, history = ax.fit_dates(seed=seed, progress=False)
            _, test, _, tgt_vocab = ax.date_sets(10, seed=seed)
            scores = seq2seq.score(model, test, tgt_vocab)
            print(f"| {seed} | {scores.exact:.2%} | {scores.per_token:.2%} | {history.seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
