"""Chapter 01's claim that sequence-to-sequence targets help, measured over seeds: ten-step forecasts.

    python benchmarks/seq2seq_targets.py                 # seeds 42, 0, 1; about 3 minutes on one idle thread

Two models forecast the next 10 values of the synthetic series (`forecast.train_model`, the notebook's data and
split): "RNN, 10 outputs" reads the last state of a deep RNN (20, 20) into 10 outputs and gets one loss term per
series; "seq2seq RNN" is the same deep RNN with 10 outputs at every one of the 50 steps (targets (N, 50, 10)) and
is scored on its last step only. Each trains with its own notebook recipe (they differ: 128 vs 64 per batch, peak
rate 2e-2 vs 1e-2) and then with the other's, so that the recipe cannot explain the difference. The seed sets the
initial weights and the batch order; the data are the same for every run. Prints the validation MSE of every
run, and each arm's mean and range. One CPU thread.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import forecast  # noqa: E402
from course_utils.seed import set_seed  # noqa: E402

MODELS = {"rnn_10_outputs": "RNN, 10 outputs", "seq2seq": "seq2seq RNN, last step"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 0, 1])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.1f} at the start\n")
    print("| model | recipe | " + " | ".join(f"seed {s}" for s in args.seeds) + " | mean | range | train s (mean) |")
    print("| --- | --- |" + " ---: |" * (len(args.seeds) + 3))
    for key, name in MODELS.items():
        for recipe_key in MODELS:
            recipe = forecast.RECIPES[recipe_key]
            scores, seconds = [], []
            for seed in args.seeds:
                set_seed(seed)
                _, history, score = forecast.train_model(key, recipe, seed=seed, progress=False)
                scores.append(score)
                seconds.append(history.seconds)
            other = f"the other's (batch {recipe.batch_size}, peak {recipe.max_lr:g})"
            label = "its own (notebook)" if recipe_key == key else other
            cells = " | ".join(f"{s:.5f}" for s in scores)
            print(f"| {name} | {label} | {cells} | {np.mean(scores):.5f} | {min(scores):.5f}-{max(scores):.5f} "
                  f"| {np.mean(seconds):.1f} |", flush=True)  # fmt: skip
    print(f"\nLoad average now {os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    main()
