"""Chapter 04's stacking and dropout table on a larger grid: training-set sizes, dropout rates, budgets, seeds.

    python benchmarks/stacking_dropout.py                                  # the full grid (minutes)
    python benchmarks/stacking_dropout.py --train 100 --epochs 40 --seeds 0 1 2 --dropouts 0 0.3   # notebook 04's

Notebook 04 (section 13) trains one point of this grid: 100 training windows of chapter 01's one-step
forecast (20 steps), 40 epochs, 32 LSTM units, one or two layers, dropout 0 or 0.3, seeds 0-2. This script
asks whether its verdict ("dropout does not help here") changes with more data, a longer budget or a
smaller rate. Training loss is measured after training with dropout off. One CPU thread.
"""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.models import regularisation  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, nargs="+", default=[100, 1000], help="training windows")
    parser.add_argument("--epochs", type=int, nargs="+", default=[40, 120])
    parser.add_argument("--layers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dropouts", type=float, nargs="+", default=[0.0, 0.1, 0.3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    print("| train windows | epochs | layers | dropout | train MSE | validation MSE (spread) | gap | s per run |")
    print("|---|---|---|---|---|---|---|---|")
    base = regularisation.OverfitSetup()
    for n_train in args.train:
        for epochs in args.epochs:
            setup = replace(base, n_train=n_train, recipe=replace(base.recipe, epochs=epochs))
            splits = regularisation.overfitting_data(setup)
            for layers in args.layers:
                for p in args.dropouts:
                    start = time.perf_counter()
                    runs = [regularisation.overfitting_run(layers, p, setup=setup, splits=splits, seed=s)
                            for s in args.seeds]
                    seconds = (time.perf_counter() - start) / len(runs)
                    train, valid = (np.array([r[k] for r in runs]) for k in ("train", "valid"))
                    print(f"| {n_train} | {epochs} | {layers} | {p:g} | {train.mean():.4f} | "
                          f"{valid.mean():.4f} ({np.ptp(valid):.4f}) | {valid.mean() - train.mean():.4f} | "
                          f"{seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
