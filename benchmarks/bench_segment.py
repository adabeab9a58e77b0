"""Segmentation throughput and peak memory: PonderSegmenter over ~1 MB of unspaced Gutenberg text.

    ACTSEG_DATA=/work/shared/corpora python benchmarks/bench_segment.py [--megabytes 1] [--hidden 256]

The text is the unspaced paragraphs of the `gutenberg` corpus run together into one unit (so the chunked
inference path is what gets measured), cut to --megabytes million symbols. The model is randomly
initialised (throughput does not depend on the weights: the ponder loop always runs --max-steps updates).
Reports symbols/s of `predict_many` (signals + peak picking), the peak of Python-tracked allocations
(tracemalloc: numpy output arrays, lists) and the process's peak resident set (getrusage maxrss, which
includes torch itself and its tensors). Appends the figures, the machine and the command to --results.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import torch

from bench_record import append_section

from segment.corpora import load_corpus
from segment.models.act_lstm import ACTConfig, ACTLanguageModel
from segment.models.vocab import Vocab
from segment.ponder import PonderSegmenter


def unspaced_text(symbols: int, data_dir: str | None) -> str:
    """The first ``symbols`` symbols of the gutenberg corpus's unspaced paragraphs, run together."""
    pieces, total = [], 0
    for seq in load_corpus("gutenberg", "all", data_dir).sequences():
        pieces.append(seq)
        total += len(seq)
        if total >= symbols:
            break
    return "".join(pieces)[:symbols]


def max_rss_mib() -> float:
    """Peak resident set of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=1.0, help="Million symbols of text.")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--max-steps", type=int, default=10, help="The ponder cap M.")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--chunk-len", type=int, default=256)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("README.md"),
                        help="Markdown file the figures are appended to.")
    args = parser.parse_args()

    text = unspaced_text(int(args.megabytes * 1_000_000), args.data_dir)
    torch.manual_seed(0)
    vocab = Vocab.build([text])
    model = ACTLanguageModel(ACTConfig(vocab_size=len(vocab), hidden=args.hidden, max_steps=args.max_steps), vocab)
    segmenter = PonderSegmenter(model, batch_size=args.batch_size, chunk_len=args.chunk_len, context=args.context,
                                device=args.device).fit([])
    rss_before = max_rss_mib()
    tracemalloc.start()
    start = time.perf_counter()
    [cuts] = segmenter.predict_many([text])
    seconds = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    figures = {
        "symbols": len(text),
        "seconds": round(seconds, 2),
        "symbols_per_s": round(len(text) / seconds),
        "cuts": len(cuts),
        "tracemalloc_peak_mib": round(traced_peak / 2**20, 1),
        "maxrss_before_mib": round(rss_before, 1),
        "maxrss_after_mib": round(max_rss_mib(), 1),
    }
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    append_section(args.results, "bench_segment",
                   f"hidden {args.hidden}, M {args.max_steps}, batch {args.batch_size}, chunk {args.chunk_len}, "
                   f"context {args.context}, {args.device}", ", ".join(f"{k} {v}" for k, v in figures.items()))

if __name__ == "__main__":
    main()
