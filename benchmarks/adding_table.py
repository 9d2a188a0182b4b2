"""Chapter 04's long-dependency table: test MSE on the adding problem as the sequences grow.

    python benchmarks/adding_table.py                     # T = 10, 20, 40, 80, 160; seeds 0-3 (minutes)
    python benchmarks/adding_table.py --lengths 10 20 --seeds 0

Every cell type trains with the same `sequence_models.AddingRecipe` (32 units, Adam lr 1e-2, clipping
at norm 1, 600 updates of 64 fresh sequences; the LSTM starts with forget bias 1). Prints a markdown
table of test MSE per seed (baseline 1/6 = 0.167 for always answering 1.0; "solved" is 0.01 or
less), the longest length each cell solved on every seed, and the seconds each cell took.
Runs on one CPU thread: these models are small and a second thread only slows them down.
"""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import sequence_models  # noqa: E402

SOLVED = 0.01


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40, 80, 160])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm", "gru"])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    print("| T | " + " | ".join(args.cells) + " |")
    print("|---|" + "---|" * len(args.cells))
    solved = {cell: [] for cell in args.cells}  # per length: solved on every seed?
    seconds = {cell: 0.0 for cell in args.cells}
    for T in args.lengths:
        row = []
        for cell in args.cells:
            scores = []
            for seed in args.seeds:
                _, score, s = sequence_models.train_on_adding_problem(cell, T, seed=seed)
                scores.append(score)
                seconds[cell] += s
            solved[cell].append(max(scores) <= SOLVED)
            row.append(" ".join(f"{x:.3f}" for x in scores))
        print(f"| {T} | " + " | ".join(row) + " |", flush=True)
    print()
    for cell in args.cells:
        longest = longest_solved(args.lengths, solved[cell])
        print(f"{cell}: longest length solved on every seed: {longest}; training {seconds[cell]:.0f} s")


def longest_solved(lengths, solved):
    """The last length of the unbroken run of solved lengths from the first one (None if the first failed)."""
    longest = None
    for T, ok in zip(lengths, solved):
        if not ok:
            break
        longest = T
    return longest


if __name__ == "__main__":
    main()
