"""Seeded bootstrap confidence intervals over units for a micro-averaged boundary F."""

from __future__ import annotations

import numpy as np


def f_from_counts(correct: np.ndarray, hyp: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Elementwise F = 2 * correct / (hyp + ref), 1.0 where both are empty (see segment.eval.prf)."""
    total = hyp + ref
    return np.where(total > 0, 2 * correct / np.maximum(total, 1), 1.0)


def bootstrap_f(counts: np.ndarray, *, resamples: int = 1000, seed: int = 0, level: float = 0.95
                ) -> tuple[float, float]:
    """Percentile interval of F over ``resamples`` resamplings (with replacement) of the units.

    ``counts`` has one (correct, hypothesis, reference) row per unit; (nan, nan) when there are no
    units or no resamples.
    """
    units = len(counts)
    if units == 0 or resamples <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    sums = np.empty((resamples, 3), dtype=np.int64)
    for b in range(resamples):
        sums[b] = counts[rng.integers(0, units, size=units)].sum(axis=0)
    scores = f_from_counts(sums[:, 0], sums[:, 1], sums[:, 2])
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(scores, [tail, 100 - tail])
    return float(low), float(high)


def counts_per_unit(reference: np.ndarray, hypothesis: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(correct, hypothesis, reference) cut counts per unit of a stream whose units begin at ``starts``.

    A cut at offset o belongs to the unit holding symbol o (a cut at a unit's start is that unit's).
    """
    def per_unit(cuts: np.ndarray) -> np.ndarray:
        return np.bincount(np.searchsorted(starts, cuts, side="right") - 1, minlength=len(starts))
    correct = np.intersect1d(reference, hypothesis, assume_unique=True)
    return np.stack([per_unit(correct), per_unit(hypothesis), per_unit(reference)], axis=1)
