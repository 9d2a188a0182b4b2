"""Chapter 08's longer-trained character model: the notebook's architecture, wider, trained longer.

    python benchmarks/char_model.py                  # the checkpoint the notebook loads (about 12 min on 2 idle cores)
    python benchmarks/char_model.py --steps 50 --out /tmp/x.pt --threads 1     # a quick try

Embedding (32) -> one LSTM layer of 512 units -> linear, trained with stateful truncated BPTT on
the first 90 % of the complete works (windows of `--T` 50 characters, `--batch` 64 streams, Adam
with peak rate `--lr` 4e-3 and cosine decay, gradient norm clipped at 1), `--steps` updates
(default 3,800, about 2.7 passes over the text; about 12 minutes with 2 threads on the idle
2-core machine). Shorter windows than 100 because at this budget more updates matter more than
longer reach (benchmarks/RESULTS.md, chapter 08). Prints held-out bits per character on the first
100,000 held-out characters every 250 updates and on the whole held-out tail at the end, and writes
the weights in float16 (about 2.4 MB) with the numbers and samples to
course_utils/datasets/char_lstm.pt, which `char_model.load_checkpoint()` reads with
torch.load(..., weights_only=True).
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
    parser.add_argument("--steps", type=int, default=3800)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--T", type=int, default=50, help="truncation window (characters)")
    parser.add_argument("--batch", type=int, default=64, help="parallel streams")
    parser.add_argument("--lr", type=float, default=4e-3, help="peak Adam rate (cosine decay)")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--out", type=Path, default=char_model.PRETRAINED)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    text = shakespeare.text()
    train_text, valid_text = shakespeare.split_text(text, 0.1)
    vocab = CharVocab.from_text(text)
    train_ids, valid_ids = vocab.encode(train_text), vocab.encode(valid_text)
    set_seed(0)
    model = char_model.CharModel(vocab, args.hidden, cell="lstm", embed_dim=32)
    recipe = char_model.CharRecipe(steps=args.steps, batch_size=args.batch, T=args.T, lr=args.lr, clip=1.0, cosine=True)
    print(f"{args.hidden} units, {sum(p.numel() for p in model.parameters()):,} parameters, {recipe}, "
          f"{args.threads} thread(s), load {os.getloadavg()[0]:.1f}", flush=True)

    start = time.perf_counter()

    def report(step, bpc):
        print(f"update {step:5d}: held-out bits/char (first 100k) {bpc:.3f}  [{time.perf_counter() - start:.0f} s, "
              f"load {os.getloadavg()[0]:.1f}]", flush=True)

    history = char_model.fit(model, train_ids, recipe, valid_ids=valid_ids[:100_000],
                             eval_every=args.eval_every, progress=False, on_eval=report)
    train_s = time.perf_counter() - start
    full = char_model.evaluate_bpc(model, valid_ids)
    samples = {t: char_model.generate(model, "ROMEO.\n", 400, temperature=t, seed=1) for t in (0.5, 0.8, 1.0)}
    total_s = time.perf_counter() - start
    print(f"trained {recipe.steps} updates ({history.epochs:.2f} epochs) in {train_s:.0f} s; whole held-out tail "
          f"{full:.3f} bits/char (perplexity {char_model.perplexity(full):.2f}); total {total_s:.0f} s, "
          f"load {os.getloadavg()[0]:.1f}")
    for t, s in samples.items():
        print(f"--- temperature {t}\nROMEO.\n{s}")

    model.half()  # float16 halves the file; the bits/char are measured again after the round trip below
    char_model.save_checkpoint(model, args.out, valid_bpc=full, steps=recipe.steps, train_seconds=train_s,
                               eval_steps=history.valid_steps, eval_bpc=history.valid_loss,
                               train_bpc=history.loss, threads=args.threads)
    reloaded, extra = char_model.load_checkpoint(args.out)
    again = char_model.evaluate_bpc(reloaded, valid_ids)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); reloaded float16 weights: {again:.3f} bits/char")


if __name__ == "__main__":
    main()
