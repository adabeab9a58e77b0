"""The fastest a model could compute its signals on this machine (its matrix products alone), against the
signals' measured speed.

    ACTSEG_DATA=../shared/corpora python benchmarks/bench_floor.py [--model DIR] [--kilosymbols 150]

Every model ``actseg segment`` reads is counted: the model and, when it has one, its right-to-left twin in
``rtl/``. Per position read, a model runs N recurrent updates (N: its measured mean on the text), each a
(B, H) x (H, 4H) product per layer plus the input product of every layer above the first, and one decoder
product (B, H) x (H, V). Chunks re-read ``context`` symbols before their kept ones, so each symbol costs
(positions read / symbols kept) positions. Each product is timed with torch at batch size B (best of
``--repeats``), so the ceiling is what the arithmetic alone allows with these shapes; the measured row runs
``compute_signals`` for every model, one after the other as the segmenter does, over the first
``--kilosymbols`` thousand symbols of gutenberg-en test paragraphs (spaces removed). Appends to README.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from bench_record import append_section
from bench_vs_wordninja import prose

from segment.models.inference import _chunks, compute_signals
from segment.ponder import load_model
from segment.readout import RTL_DIR
from segment.shipped import DEFAULT_MODEL


def product_seconds(rows: int, inner: int, cols: int, repeats: int) -> float:
    """Best time of one (rows, inner) x (inner, cols) float32 product added to a (rows, cols) matrix."""
    a, b, c = torch.randn(rows, inner), torch.randn(inner, cols), torch.randn(rows, cols)
    out = torch.empty(rows, cols)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10):
            torch.addmm(c, a, b, out=out)
        best = min(best, (time.perf_counter() - start) / 10)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--kilosymbols", type=float, default=150)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--chunk-len", type=int, default=256)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("README.md"))
    args = parser.parse_args()

    units, _ = prose(args.kilosymbols / 1000, args.data_dir)
    symbols = sum(len(u) for u in units)
    read = sum(c.end - c.window for c in _chunks([len(u) for u in units], args.chunk_len, args.context))
    load_before = os.getloadavg()[0]
    reading = {"batch_size": args.batch_size, "chunk_len": args.chunk_len, "context": args.context, "progress": False}
    rows, ceiling_s, measured_s = [], 0.0, 0.0
    for name, directory, direction in (("model", args.model, "ltr"), ("rtl", args.model / RTL_DIR, "rtl")):
        if not directory.is_dir():
            continue
        model = load_model(directory, direction)
        cfg = model.config
        texts = units if direction == "ltr" else [u[::-1] for u in units]
        compute_signals(model, texts[:4], **reading)  # warm-up
        start = time.perf_counter()
        signals = compute_signals(model, texts, **reading)
        seconds = time.perf_counter() - start
        steps = float(np.concatenate([s.steps for s in signals]).mean())
        recurrent = product_seconds(args.batch_size, cfg.hidden, 4 * cfg.hidden, args.repeats)
        decoder = product_seconds(args.batch_size, cfg.hidden, cfg.vocab_size, args.repeats)
        per_position = (steps * (2 * cfg.layers - 1) * recurrent + decoder) / args.batch_size
        floor = per_position * read
        rows.append(f"| {name} ({direction}, hidden {cfg.hidden}) | {steps:.3f} | {recurrent * 1e3:.2f} | "
                    f"{decoder * 1e3:.2f} | {symbols / floor:,.0f} | {symbols / seconds:,.0f} | {floor / seconds:.2f} |")
        ceiling_s += floor
        measured_s += seconds
    rows.append(f"| all models read | | | | {symbols / ceiling_s:,.0f} | {symbols / measured_s:,.0f} | "
                f"{ceiling_s / measured_s:.2f} |")
    table = "\n".join(["| model | mean N | recurrent product ms | decoder product ms | ceiling symbols/s | "
                       "measured symbols/s | products' share |", "|---|---|---|---|---|---|---|", *rows])
    print(table)
    append_section(args.results, "bench_floor",
                   f"model {args.model}, {len(units):,} units, {symbols:,} symbols, {read / symbols:.3f} positions "
                   f"read per symbol, batch {args.batch_size}, chunk {args.chunk_len}, context {args.context}", table,
                   load_before)


if __name__ == "__main__":
    main()
