"""A trained run's per-symbol signals, computed once per input and cached in ``<run dir>/signals/``, and the
peak segmenters that read them back."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from segment.boundaries import Symbols
from segment.eval.results_types import SignalStats
from segment.eval.run_specs import RunSpec
from segment.files import atomic_writer
from segment.peaks import SignalPeakSegmenter
from segment.ponder import MODEL_PEAK_DEFAULTS, load_model


def _digest(sequences: list[Symbols]) -> str:
    return hashlib.sha1(json.dumps([list(s) if not isinstance(s, str) else s for s in sequences]).encode()
                        ).hexdigest()[:16]


def run_signals(spec: RunSpec, run_dir: Path, sequences: list[Symbols], *, device: str = "auto"
                ) -> tuple[dict[str, list[np.ndarray]], float]:
    """Every per-symbol signal of the run's model on ``sequences`` (in text order, also for a right-to-left
    run), and the seconds the model took. Cached in ``run_dir/signals/<digest>.npz``."""
    path = run_dir / "signals" / f"{_digest(sequences)}.npz"
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    if path.is_file():
        with np.load(path, allow_pickle=False) as data:
            seconds = float(data["seconds"])
            signals = {k: np.split(data[k], np.cumsum(lengths)[:-1]) for k in data.files if k != "seconds"}
        return signals, seconds
    from segment.models.device import resolve_device
    from segment.models.inference import SIGNAL_NAMES, compute_signals

    model = load_model(run_dir)
    reverse = spec.direction == "rtl"
    started = time.perf_counter()
    computed = compute_signals(model, [s[::-1] for s in sequences] if reverse else sequences,
                               device=resolve_device(device), progress=False)
    seconds = time.perf_counter() - started
    signals = {name: [getattr(c, name)[::-1].astype(np.float64) if reverse else getattr(c, name).astype(np.float64)
                      for c in computed] for name in SIGNAL_NAMES}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path, binary=True) as fh:  # parallel tasks never share a temporary file
        np.savez(fh, seconds=np.float64(seconds), **{k: np.concatenate(v + [np.zeros(0)]) for k, v in signals.items()})
    return signals, seconds


def signal_stats(signals: dict[str, list[np.ndarray]], seconds: float) -> SignalStats:
    """Ponder mean and spread, bits per symbol and inference speed of a run's signals."""
    ponder = np.concatenate(signals["ponder"] + [np.zeros(0)])
    surprisal = np.concatenate(signals["surprisal"] + [np.zeros(0)])
    return SignalStats(symbols=int(ponder.size), ponder_mean=float(ponder.mean()) if ponder.size else None,
                       ponder_std=float(ponder.std()) if ponder.size else None,
                       bits_per_symbol=float(surprisal.mean()) if surprisal.size else None,
                       signal_s=seconds, signal_symbols_per_s=ponder.size / max(seconds, 1e-9))


def peak_segmenter(sequences: list[Symbols], values: list[np.ndarray], **params) -> SignalPeakSegmenter:
    """A peak segmenter reading precomputed ``values`` back by sequence, with the model peak defaults."""
    table = dict(zip(sequences, values))
    return SignalPeakSegmenter(table.__getitem__, **{**MODEL_PEAK_DEFAULTS, **params})
