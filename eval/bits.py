"""Bits per symbol: trained runs against an interpolated Kneser-Ney character n-gram model on the same units.

Every model reads each unit from "<sep>" (as ``actseg segment`` does) and is scored on the unit's own
symbols; the n-gram model (``segment.baselines.ngram``) is fitted on the given training units and scored on
the same symbols, its unit-end predictions left out, so the figures compare like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from segment.boundaries import Symbols
from segment.eval.results_types import BitsRow


def fit_ngram(train: Sequence[Symbols], order: int):
    """A KN ``order``-gram surprisal model fitted on ``train`` (``segment.baselines.ngram``)."""
    from segment.baselines.ngram import NgramPeakSegmenter

    return NgramPeakSegmenter("surprisal", order=order).fit(train)


def ngram_bits(model, units: Sequence[Symbols]) -> float:
    """Mean surprisal (bits) of ``model`` (from :func:`fit_ngram`) over the symbols of ``units``."""
    return float(np.concatenate(model.signals(units)).mean())


def bits_task(scale, runs_dir: Path, device: str, data_dir) -> list[BitsRow]:
    """The scale's bits comparison (:class:`segment.eval.scales.BitsTask`): on each of its splits, the KN n-gram
    model, then every left-to-right run reading unspaced text that is scored on its ``runs_of`` corpus and
    reads the corpora as its main run does (punctuation, case). The n-gram model is fitted on the main run's
    training data (the main ACT run, else the first run)."""
    from segment.eval.run_signals import run_signals, signal_stats
    from segment.eval.run_specs import load_ref
    from segment.eval.training_phase import run_dir_of

    task = scale.bits
    runs = [r for r in scale.runs_scored_on(task.runs_of) if not r.spaces and r.direction == "ltr"]
    if not runs:
        return []
    main = next((r for r in runs if "main" in r.tags and r.kind == "act"), runs[0])
    runs = [r for r in runs if (r.punctuation, r.case) == (main.punctuation, main.case)]

    def units_of(ref: str) -> list[Symbols]:
        corpus = load_ref(ref, data_dir, punctuation=main.punctuation, case=main.case, max_units=scale.max_units)
        return [s for s in corpus.sequences() if len(s)]

    ngram = fit_ngram([s for ref in main.train_data for s in units_of(ref)], task.order)
    rows = []
    for ref in task.refs:
        units = units_of(ref)
        symbols = sum(len(s) for s in units)
        rows.append(BitsRow(ref, f"kn-{task.order}gram", "ngram", symbols, ngram_bits(ngram, units)))
        for spec in runs:
            stats = signal_stats(*run_signals(spec, run_dir_of(runs_dir, spec), units, device=device))
            rows.append(BitsRow(ref, spec.name, spec.kind, symbols, stats.bits_per_symbol,
                                stats.ponder_mean if spec.kind != "lstm" else None))
    return rows
