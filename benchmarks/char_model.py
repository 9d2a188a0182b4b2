"""Chapter 08's longer-trained character model: the notebook's architecture, wider, trained longer.

    python benchmarks/char_model.py                  # the checkpoint the notebook loads (about 15 min, one thread)
    python benchmarks/char_model.py --steps 50 --out /tmp/x.pt     # a quick try

Embedding (32) -> one LSTM layer of 512 units -> linear, trained with stateful truncated BPTT on
the training part of `shakespeare.three_way` (the first 85 % of the complete works; windows of `--T`
50 characters, `--batch` 128 streams, Adam with peak rate `--lr` and cosine decay, gradient norm
clipped at 1), `--steps` updates, the forward pass in bfloat16 (`torch.autocast`; weights and Adam
in float32; `--fp32` turns it off; a CPU without bfloat16 arithmetic runs float32 and says so).
One thread by default (`--threads`): on the shared 2-core machine two threads
were slower than one (benchmarks/RESULTS.md, chapter 08). Prints wall and CPU seconds: with one
thread the CPU seconds are about what the run takes on an idle machine, whatever the load.
Prints validation bits per character on the first 100,000 validation characters every
`--eval-every` updates; at the end scores the whole validation part and, once, the test part (the
last 10 %, never read by any choice). With `--dynamic-lrs`, it also scores the test part under dynamic
evaluation (`char_model.dynamic_bpc`: the model keeps learning, by SGD, from each window after scoring
it), the rate chosen on the first 100,000 validation characters: another protocol, reported apart.
It writes the weights in float16 (about 2.3 MB) with the
numbers and samples to course_utils/datasets/char_lstm.pt,
which `char_model.load_checkpoint()` reads with torch.load(..., weights_only=True).
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
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--T", type=int, default=50, help="truncation window (characters)")
    parser.add_argument("--batch", type=int, default=128, help="parallel streams")
    parser.add_argument("--lr", type=float, default=6e-3, help="peak Adam rate (cosine decay)")
    parser.add_argument("--fp32", action="store_true", help="train and score in float32 instead of bfloat16")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--dynamic-lrs", type=float, nargs="*", default=[],
                        help="SGD rates to try for dynamic evaluation on validation text (none: skip it)")
    parser.add_argument("--dynamic-batch", type=int, default=4,
                        help="streams read in parallel by dynamic evaluation (1: the text strictly in order)")
    parser.add_argument("--out", type=Path, default=char_model.PRETRAINED)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    bf16 = not args.fp32 and char_model.bf16_supported()
    if not args.fp32 and not bf16:
        print("this CPU has no bfloat16 arithmetic: training and scoring in float32", flush=True)

    split = shakespeare.three_way(shakespeare.text())
    vocab = CharVocab.from_text(split.train)  # every validation and test character occurs in train
    ids = split.map(vocab.encode)
    set_seed(0)
    model = char_model.CharModel(vocab, args.hidden, cell="lstm", embed_dim=32)
    recipe = char_model.CharRecipe(steps=args.steps, batch_size=args.batch, T=args.T, lr=args.lr, clip=1.0,
                                   cosine=True, bf16=bf16)
    print(f"{args.hidden} units, {sum(p.numel() for p in model.parameters()):,} parameters, {recipe}, "
          f"{args.threads} thread(s), load {os.getloadavg()[0]:.1f}", flush=True)

    start, cpu_start = time.perf_counter(), time.process_time()

    def report(step, bpc):
        print(f"update {step:5d}: validation bits/char (first 100k) {bpc:.3f}  "
              f"[{time.perf_counter() - start:.0f} s wall, {time.process_time() - cpu_start:.0f} s CPU, "
              f"load {os.getloadavg()[0]:.1f}]", flush=True)

    history = char_model.fit(model, ids.train, recipe, valid_ids=ids.valid[:100_001],
                             eval_every=args.eval_every, progress=False, on_eval=report)
    train_s, train_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    valid = char_model.evaluate_bpc(model, ids.valid, bf16=bf16)
    test = char_model.evaluate_bpc(model, ids.test, bf16=bf16)  # the one look at the test part
    dynamic = {}
    if args.dynamic_lrs:  # the rate is chosen on the validation slice the learning curve uses
        tune = ids.valid[:100_001]
        score = lambda part, lr: char_model.dynamic_bpc(model, part, lr=lr, batch_size=args.dynamic_batch)
        tried = {lr: score(tune, lr) for lr in [0.0, *args.dynamic_lrs]}
        best = min(tried, key=tried.get)
        print("dynamic evaluation, first 100,000 validation characters: "
              + ", ".join(f"lr {lr:g}: {bpc:.3f}" for lr, bpc in tried.items()) + f"; chosen lr {best:g}", flush=True)
        dynamic = {"dynamic_lr": best, "dynamic_tried": tried,
                   "dynamic_batch": args.dynamic_batch, "dynamic_test_bpc": score(ids.test, best)}  # one look at test
        print(f"dynamic evaluation (lr {best:g}): test {dynamic['dynamic_test_bpc']:.3f} bits/char "
              f"[{time.perf_counter() - start:.0f} s wall]", flush=True)
    samples = {t: char_model.generate(model, "ROMEO.\n", 400, temperature=t, seed=1) for t in (0.5, 0.8, 1.0)}
    total_s, total_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"trained {recipe.steps} updates ({history.epochs:.2f} epochs) in {train_s:.0f} s wall, {train_cpu_s:.0f} s "
          f"CPU; validation {valid:.3f}, test {test:.3f} bits/char (perplexity {char_model.perplexity(test):.2f}); "
          f"total {total_s:.0f} s wall, {total_cpu_s:.0f} s CPU, load {os.getloadavg()[0]:.1f}", flush=True)
    for t, s in samples.items():
        print(f"--- temperature {t}\nROMEO.\n{s}")

    model.half()  # float16 halves the file; the bits/char are measured again (float32) after the round trip below
    char_model.save_checkpoint(model, args.out, valid_bpc=valid, test_bpc=test, steps=recipe.steps,
                               train_seconds=train_s, train_cpu_seconds=train_cpu_s, eval_steps=history.valid_steps,
                               eval_bpc=history.valid_loss, train_bpc=history.loss, threads=args.threads, bf16=bf16,
                               **dynamic)
    reloaded, _ = char_model.load_checkpoint(args.out)
    again = char_model.evaluate_bpc(reloaded, ids.valid)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); reloaded float16 weights, float32 arithmetic: "
          f"validation {again:.3f} bits/char")


if __name__ == "__main__":
    main()
