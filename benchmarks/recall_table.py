"""Chapter 04's recall table in full: chapter 03's recall task for every cell type, length and seed.

    python benchmarks/recall_table.py                       # T = 20, 40, 80; seeds 0-3 (minutes)
    python benchmarks/recall_table.py --lengths 20 --seeds 0

Notebook 04 runs the part of this grid that carries its argument (every model at T = 20, the LSTM
with forget bias 5 also at 40 and 80, seeds 0 and 1); this script runs all of it. Recipe as in the
notebook and chapter 03: 32 units, plain SGD with learning rate 0.1, clipping at norm 1, 20 epochs over
1,000 sequences, accuracy on 500 fresh ones (guessing scores 0.25; "solved" is 0.9 or more on every
seed). One CPU thread: these models are small and a second thread only slows them down.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import sequence_models  # noqa: E402

MODELS = {"RNN": ("rnn", None), "GRU": ("gru", None), "LSTM, forget bias 1": ("lstm", 1.0),
          "LSTM, forget bias 5": ("lstm", 5.0)}
SOLVED = 0.9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[20, 40, 80])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    print("| model | " + " | ".join(f"T = {T}" for T in args.lengths) + " | train s |")
    print("|---|" + "---|" * (len(args.lengths) + 1))
    for name, (cell, forget_bias) in MODELS.items():
        start, row = time.perf_counter(), []
        for T in args.lengths:
            scores = [sequence_models.recall_accuracy(cell, T, seed=seed, forget_bias=forget_bias)
                      for seed in args.seeds]
            row.append(" ".join(f"{a:.2f}" for a in scores) + (" ✓" if min(scores) >= SOLVED else ""))
        print(f"| {name} | " + " | ".join(row) + f" | {time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
