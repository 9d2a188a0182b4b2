"""Chapter 06's genre classifier: a learning curve over labelled-set sizes, several seeds, two vector sets.

    python benchmarks/genre_learning_curve.py                  # 4 sizes x 3 seeds x 4 inits x 2 vector sets
    python benchmarks/genre_learning_curve.py --seeds 0 1 2 3 4

The notebook (section 10) runs a small part of this curve; this script runs all of it. The task: one line
of a play (up to 12 words) -> its First Folio genre, training and test lines from different plays
(`text_classifier.genre_split`), 3,000 test lines drawn once. Inputs to the bidirectional LSTM, every row
of norm sqrt(D) / 2 (`EmbeddingLSTMClassifier`): random (trained), shuffled pretrained rows (frozen),
pretrained frozen, pretrained fine-tuned. Two sets of pretrained vectors, both `word2vec_torch.fit` with
the notebook's settings (D = 100, window 5, 2 epochs, seed 0):

- inductive: trained on every work except the 12 test plays (no test text reaches the vectors);
- transductive: trained on all 42 works, the test plays' text included (but never their labels).

The classifier's settings (hidden 32, Adam 3e-3, batch 32, `epochs_for(size)`) were fixed in advance, not tuned.
Prints the mean test accuracy and the spread (min-max over seeds) per size and input, with the majority class.
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
from course_utils.models import text_classifier, word2vec_torch  # noqa: E402
from course_utils.nlp import text  # noqa: E402

INITS = ["random", "shuffled", "frozen", "fine-tuned"]


def vector_sets():
    """{"inductive": Embeddings, "transductive": Embeddings} with the notebook's word2vec settings."""
    works = shakespeare.works()
    held_out = set(text_classifier.test_plays())
    corpora = {"inductive": [s for name, body in works.items() if name not in held_out for s in text.sentences(body)],
               "transductive": text.sentences(shakespeare.text())}
    return {name: word2vec_torch.fit(sents, dim=100, window=5, epochs=2, seed=0, progress=False)
            for name, sents in corpora.items()}


def main():
    """Run the curve and print one table per vector set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    split = text_classifier.genre_split(shakespeare.works())
    test = [split["test"][i] for i in np.random.default_rng(0).choice(len(split["test"]), 3000, replace=False)]
    for name, emb in vector_sets().items():
        X_pool, y_pool = text_classifier.encode_lines(split["train"], emb.vocab.index)
        X_test, y_test = text_classifier.encode_lines(test, emb.vocab.index)
        scores = text_classifier.learning_curve(emb.vectors, X_pool, y_pool, X_test, y_test, sizes=args.sizes,
                                                seeds=args.seeds, inits=INITS)
        print(f"\n{name} vectors (V = {len(emb):,}); majority class {np.bincount(y_test).max() / len(y_test):.1%}; "
              f"test accuracy, mean [min-max] over seeds {args.seeds}")
        print(f"{'lines':>6} " + " ".join(f"{init:>20}" for init in INITS))
        for size in args.sizes:
            cells = [scores[(init, size)] for init in INITS]
            print(f"{size:6d} " + " ".join(f"{np.mean(a):7.1%} [{min(a):.1%}-{max(a):.1%}]" for a in cells))
    print(f"\n{time.perf_counter() - start:.0f} s, load average {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
