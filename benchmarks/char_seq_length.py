"""Chapter 08's sequence-length trade-off at a larger budget than the notebook's.

    python benchmarks/char_seq_length.py                       # T = 10, 25, 50, 100, 200, 400; both modes
    python benchmarks/char_seq_length.py --lengths 10 200 --chars 500000

Each run trains a fresh character LSTM (128 units, embedding 32, batch 32, Adam 1e-2 with cosine
decay, clip 1) on the same number of training characters (`--chars`, default 3,000,000: two thirds
of one pass over the training text), with windows of T steps, stateful (state carried across
windows) or stateless (every window from zeros). It prints held-out bits per character on the
first 100,000 held-out characters, read with the state carried as when generating, the updates,
and the training time, extrapolated to seconds per epoch. One torch thread.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.data import shakespeare  # noqa: E402
from course_utils.models import char_model  # noqa: E402
from course_utils.nlp.vocab import CharVocab  # noqa: E402
from course_utils.seed import set_seed  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 25, 50, 100, 200, 400])
    parser.add_argument("--chars", type=int, default=3_000_000)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    text = shakespeare.text()
    train_text, valid_text = shakespeare.split_text(text, 0.1)
    vocab = CharVocab.from_text(text)
    train_ids, valid_ids = vocab.encode(train_text), vocab.encode(valid_text)[:100_001]
    B = 32
    print(f"{args.chars:,} training characters per run, {args.hidden} units, batch {B}, load {os.getloadavg()[0]:.1f}")
    print("| T | mode | updates | held-out bits/char | train s | s per epoch |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |", flush=True)
    start = time.perf_counter()
    for stateful in (True, False):
        for T in args.lengths:
            set_seed(1)
            model = char_model.CharModel(vocab, args.hidden, embed_dim=32)
            recipe = char_model.CharRecipe(steps=args.chars // (B * T), batch_size=B, T=T, lr=1e-2, stateful=stateful)
            history = char_model.fit(model, train_ids, recipe, progress=False)
            bits = char_model.evaluate_bpc(model, valid_ids)
            epoch_s = history.seconds / (recipe.steps * B * T) * len(train_ids)
            print(f"| {T} | {'stateful' if stateful else 'stateless'} | {recipe.steps} | {bits:.3f} | "
                  f"{history.seconds:.0f} | {epoch_s:.0f} |", flush=True)
    print(f"total {time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
