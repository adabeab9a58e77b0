"""Segmentation speed and word-boundary F of a model against wordninja, on the same unspaced English prose.

    ACTSEG_DATA=../shared/corpora python benchmarks/bench_vs_wordninja.py [--megabytes 1] [--model DIR]

Input: the paragraphs of gutenberg-en test (books no shipped model was trained on) with every space removed,
one unit each, until --megabytes million symbols. Both segmenters run in this one process, one after the
other, on the same units:

- the model (default: the shipped one) along `actseg segment`'s path: its signals computed once, cut by its
  word readout when it has one (else at the peaks of its signal);
- `wordninja.split` on each unit (its own speed: no offset alignment counted).

Start-up is timed apart, in fresh processes (median of --startup-repeats): importing wordninja (it loads its
word list) against importing torch, loading the model and its readouts (and its right-to-left model) and reading
one word. Boundary F (unit-internal) is scored against the removed spaces for both; wordninja's words are aligned
back to the text by the toolkit's `wordninja` baseline. The figures, the command and the machine are appended to --results.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_record import append_section

from segment.corpora import load_corpus
from segment.eval.word_metrics import word_scores
from segment.registry import make_segmenter
from segment.shipped import DEFAULT_MODEL

STARTUP = {
    "wordninja": "import wordninja; wordninja.split('thisisatest')",
    "model": ("import sys; from segment.ponder import ModelSignalSegmenter; from segment.readout import "
              "stored_readouts; s = ModelSignalSegmenter.from_pretrained(sys.argv[1]); "
              "r = stored_readouts(s.model, ('word',)); c = s.model_signals(['thisisatest']); "
              "[x.boundary_scores_many(['thisisatest'], c) for x in r.values()]"),
}


def prose(megabytes: float, data_dir=None) -> tuple[list[str], list]:
    """Unspaced gutenberg-en test paragraphs (and their gold cuts) up to ``megabytes`` million symbols."""
    corpus = load_corpus("gutenberg-en", "test", data_dir)
    units, gold, total = [], [], 0
    for sequence, cuts in zip(corpus.sequences(), corpus.word_boundaries()):
        if total >= megabytes * 1e6:
            break
        if len(sequence) > 1:
            units.append(sequence)
            gold.append(cuts)
            total += len(sequence)
    return units, gold


def startup_seconds(code: str, model: Path, repeats: int) -> float:
    """Median wall time of a fresh Python process running ``code``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(model)], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def model_cuts(model: Path, units: list[str], batch_size: int, chunk_len: int, context: int
               ) -> tuple[list, float, str]:
    """The model's word cuts along `actseg segment`'s path, the seconds they took and how they were cut
    (model and readouts loaded before the clock starts)."""
    from segment.readout import word_cutter

    cut = word_cutter(model, batch_size=batch_size, chunk_len=chunk_len, context=context)
    start = time.perf_counter()
    cuts, how = cut(units)
    return cuts, time.perf_counter() - start, how


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--batch-size", type=int, default=512, help="chunks per forward pass (actseg's default)")
    parser.add_argument("--chunk-len", type=int, default=256, help="symbols kept per chunk (actseg's default)")
    parser.add_argument("--context", type=int, default=64, help="left context per chunk (actseg's default)")
    parser.add_argument("--startup-repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("README.md"))
    args = parser.parse_args()

    import wordninja

    units, gold = prose(args.megabytes, args.data_dir)
    symbols = sum(len(u) for u in units)
    load_before = os.getloadavg()[0]
    cuts, model_s, how = model_cuts(args.model, units, args.batch_size, args.chunk_len, args.context)
    start = time.perf_counter()
    for unit in units:
        wordninja.split(unit)
    ninja_s = time.perf_counter() - start
    load_after = os.getloadavg()[0]
    ninja_cuts = make_segmenter("wordninja").predict_many(units)
    f = {name: word_scores(reference=gold, hypothesis=h, sequences=units)
         for name, h in (("model", cuts), ("wordninja", ninja_cuts))}
    startup = {name: startup_seconds(code, args.model, args.startup_repeats) for name, code in STARTUP.items()}
    rate = {"model": symbols / model_s, "wordninja": symbols / ninja_s}
    table = "\n".join([
        "| segmenter | start-up s | segment s | symbols/s | boundary F | token F |", "|---|---|---|---|---|---|",
        *(f"| {label} | {startup[name]:.2f} | {seconds:.1f} | {rate[name]:,.0f} | "
          f"{f[name]['boundary_noedge_f']:.4f} | {f[name]['token_f']:.4f} |"
          for name, label, seconds in (("model", f"model ({how})", model_s), ("wordninja", "wordninja", ninja_s)))])
    ratio = rate["model"] / rate["wordninja"]
    print(table)
    print(f"ratio of symbols/s, model / wordninja: {ratio:.2f}")
    append_section(args.results, "bench_vs_wordninja",
                   f"model {args.model}, {len(units):,} units, {symbols:,} symbols, batch {args.batch_size}, chunk "
                   f"{args.chunk_len}, context {args.context}",
                   f"{table}\n\nRatio of symbols/s, model / wordninja: **{ratio:.2f}**.", load_before, load_after)

if __name__ == "__main__":
    main()
