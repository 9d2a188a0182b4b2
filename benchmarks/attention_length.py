"""Chapter 07's bottleneck table with more training than the notebook can afford, and the date task on several seeds.

    python benchmarks/attention_length.py        # max_len 20 and 30, 5 and 15 epochs, three kinds (many minutes)
    python benchmarks/attention_length.py --max-lens 20 --epochs 5 15 --kinds none general --encoders one-way

Digit reversal (`attention_experiments.fit_reversal`): every model trains on strings of 1 to max_len digits
(10,000 strings, batches of 128, Adam one-cycle peak 1e-2, clipping at norm 1, H = 64, bidirectional GRU encoder)
for each number of epochs in --epochs (the notebook trains 5), then is scored on 300 fresh strings of each test
length. Prints markdown tables of exact match and per-character accuracy with the training seconds, and where in
the string each model errs: its accuracy at every output position on the strings of --position-length digits.

The date task (`attention_experiments.fit_dates`, the notebook's recipe: Luong general, 5 epochs) runs once per
seed in --date-seeds and encoder in --encoders ("bidirectional" is the notebook's, "one-way" a left-to-right GRU of
H units): exact match on its 2,000 held-out dates, also split by whether the input has a one-digit number (a day
or month written without a leading zero). One CPU thread throughout.
"""

import argparse
import dataclasses
import os
import re
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import attention_experiments as ax  # noqa: E402
from course_utils.models import seq2seq  # noqa: E402

NAMES = {"none": "plain", "general": "Luong general", "dot": "Luong dot", "bahdanau": "Bahdanau"}
ENCODERS = {"bidirectional": True, "one-way": False}


def has_one_digit_number(text):
    """True if `text` has a run of exactly one digit ("3.1.1807", "May 7 1864"), False for "03.01.1807"."""
    return any(len(run) == 1 for run in re.findall(r"\d+", text))


def reversal_tables(max_len, epochs, kinds, lengths, position_length):
    """Train every kind at max_len for each number of epochs; print the length and position tables."""
    rows = {}
    for n_epochs in epochs:
        setup = ax.ReversalSetup(max_len=max_len, recipe=dataclasses.replace(ax.NOTEBOOK_RECIPE, epochs=n_epochs))
        for kind in kinds:
            model, history = ax.fit_reversal(None if kind == "none" else kind, setup, progress=False)
            rows[kind, n_epochs] = (ax.scores_by_length(model, lengths), history.seconds,
                                    ax.position_accuracy(model, position_length))  # fmt: skip
    print(f"### Digit reversal, trained on lengths 1-{max_len}, {' and '.join(map(str, epochs))} epochs\n")
    columns = " | ".join(f"{L}{'*' if L > max_len else ''}" for L in lengths)
    print(f"| model | epochs | metric | {columns} | train s |")
    print("| --- | ---: | --- |" + " ---: |" * (len(lengths) + 1))
    for (kind, n_epochs), (table, seconds, _) in rows.items():
        for metric, key in [("exact", "exact"), ("per char", "per_token")]:
            cells = " | ".join(f"{getattr(table[L], key):.2f}" for L in lengths)
            print(f"| {NAMES[kind]} | {n_epochs} | {metric} | {cells} | {seconds:.0f} |")
    print(f"\n\\* longer than any training input. Load average now {os.getloadavg()[0]:.1f}.\n")
    print(f"Accuracy at each output position, strings of {position_length} digits (position 1 writes the input's "
          f"last digit, position {position_length} its first):\n")
    print("| model | epochs | " + " | ".join(str(i + 1) for i in range(position_length)) + " |")
    print("| --- | ---: |" + " ---: |" * position_length)
    for (kind, n_epochs), (_, _, by_position) in rows.items():
        print(f"| {NAMES[kind]} | {n_epochs} | " + " | ".join(f"{a:.2f}" for a in by_position) + " |")
    print(flush=True)


def date_table(seeds, encoders):
    """The notebook's date model for each encoder and seed: exact match, also split by one-digit numbers."""
    print("### Date task, the notebook's recipe (Luong general, H = 64, 10,000 dates x 5 epochs)\n")
    print("| encoder | seed | exact match (2,000 held-out) | per char | exact, inputs with a one-digit number "
          "| exact, the others | train s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for encoder in encoders:
        for seed in seeds:
            model, history = ax.fit_dates(bidirectional=ENCODERS[encoder], seed=seed, progress=False)
            _, test, _, tgt_vocab = ax.date_sets(10, seed=seed)
            scores = seq2seq.score(model, test, tgt_vocab)
            right = np.array([p == t for p, t in zip(scores.predictions, test.targets)])
            short = np.array([has_one_digit_number(text) for text in test.inputs])
            print(f"| {encoder} | {seed} | {scores.exact:.2%} | {scores.per_token:.2%} | {right[short].mean():.2%} "
                  f"({short.sum()}) | {right[~short].mean():.2%} ({(~short).sum()}) | {history.seconds:.0f} |",
                  flush=True)  # fmt: skip
    print(f"\nLoad average now {os.getloadavg()[0]:.1f}.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lens", type=int, nargs="+", default=[20, 30])
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 10, 15, 20, 25, 30, 40, 50, 60])
    parser.add_argument("--kinds", nargs="+", default=["none", "general", "bahdanau"], choices=list(NAMES))
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 15], help="the notebook trains 5")
    parser.add_argument("--position-length", type=int, default=15)
    parser.add_argument("--date-seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--encoders", nargs="+", default=list(ENCODERS), choices=list(ENCODERS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.1f} at the start\n")
    for max_len in args.max_lens:
        reversal_tables(max_len, args.epochs, args.kinds, args.lengths, args.position_length)
    if args.date_seeds:
        date_table(args.date_seeds, args.encoders)


if __name__ == "__main__":
    main()
