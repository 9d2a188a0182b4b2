"""Regenerate chapter 01's table of validation MSEs and compare it with the textbook's.

    python benchmarks/forecast_table.py            # longer training: 3x the notebook's epochs
    python benchmarks/forecast_table.py --quick    # exactly the notebook's recipes

Prints two markdown tables: the synthetic series (model, our validation MSE, published MSE,
ratio ours / published, training seconds) and the monthly sunspots (MSE in original units).
Runs on one CPU thread by default: these models are small, and on a 2-core machine a second
thread made training slower, sometimes by several times when another process was busy.
"""

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils import data  # noqa: E402
from course_utils.models import forecast, sunspots  # noqa: E402
from course_utils.models.training import mse  # noqa: E402
from course_utils.seed import set_seed  # noqa: E402

LABELS = {
    "naive": "naive (last value)",
    "linear": "linear",
    "one_unit_rnn": "RNN, one unit",
    "deep_rnn": "deep RNN (20, 20, 1)",
    "deep_rnn_dense": "deep RNN (20, 20) + dense",
    "naive_10": "10 steps: naive",
    "iterative_10": "10 steps: deep RNN + dense, iterated",
    "linear_10": "10 steps: linear, 10 outputs",
    "rnn_10_outputs": "10 steps: deep RNN, 10 outputs",
    "seq2seq": "10 steps: seq2seq RNN, last step",
    "seq2seq_lstm": "10 steps: seq2seq LSTM, last step (ch. 04)",
    "seq2seq_gru": "10 steps: seq2seq GRU, last step (ch. 04)",
    "conv_gru": "10 steps: Conv1D + GRU, last step (ch. 05)",
    "wavenet": "10 steps: WaveNet-style stack, last step (ch. 05)",
}


def synthetic_rows(epoch_factor, seed):
    """Yield (key, our MSE, seconds) for every row of the synthetic-series table."""
    one_step, ten_steps = data.single_step_data(), data.multi_step_data()
    yield "naive", mse(forecast.naive_forecast(one_step.valid.X), one_step.valid.y), 0.0
    yield "naive_10", mse(forecast.naive_forecast(ten_steps.valid.X, 10), ten_steps.valid.y), 0.0
    for key, recipe in forecast.RECIPES.items():
        recipe = dataclasses.replace(recipe, epochs=recipe.epochs * epoch_factor)
        set_seed(seed)
        model, history, score = forecast.train_model(key, recipe, seed=seed, progress=False)
        yield key, score, history.seconds
        if key == "deep_rnn_dense":
            start = time.perf_counter()
            iterated = forecast.iterative_forecast(model, ten_steps.valid.X, ahead=10)
            yield "iterative_10", mse(iterated, ten_steps.valid.y), time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="use the notebook's recipes as they are")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    factor = 1 if args.quick else 3

    print(f"Synthetic series, validation MSE ({'notebook recipes' if args.quick else f'{factor}x epochs'}, "
          f"seed {args.seed}, {args.threads} thread(s), torch {torch.__version__})\n")
    results = {key: (score, seconds) for key, score, seconds in synthetic_rows(factor, args.seed)}
    print("| model | ours | published | ratio | train s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for key, label in LABELS.items():
        score, seconds = results[key]
        published = forecast.PUBLISHED_MSE[key]
        print(f"| {label} | {score:.5f} | {published:g} | {score / published:.2f} | {seconds:.1f} |")
    total = sum(seconds for _, seconds in results.values())
    print(f"\nTotal training time: {total:.1f} s\n")

    for ahead in (1, 10):
        setup = sunspots.SunspotSetup(ahead=ahead)
        longer = dataclasses.replace(setup.recipe, epochs=setup.recipe.epochs * factor)
        setup = dataclasses.replace(setup, recipe=longer)
        set_seed(args.seed)
        results = sunspots.sunspot_scores(setup, seed=args.seed)
        print(f"Monthly sunspots, {ahead} month(s) ahead, windows of {setup.n_steps} months, "
              "MSE in (sunspot number)^2\n")
        print("| model | valid | test | train s |")
        print("| --- | ---: | ---: | ---: |")
        for name, row in results.items():
            print(f"| {name} | {row['valid']:.1f} | {row['test']:.1f} | {row['seconds']:.1f} |")
        print()


if __name__ == "__main__":
    main()
