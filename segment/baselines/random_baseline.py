"""Random baselines (Lignos 2012): cut after each symbol with probability p.

Draws come from one generator seeded with ``seed`` and are consumed in sequence order, so
``predict_many(sequences)`` is deterministic for a given order, and ``predict(seq)`` equals
``predict_many([seq])[0]``. ``p=0`` never cuts (each unit is one word), ``p=1`` cuts everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segment.base import Segmenter
from segment.boundaries import Symbols, check_boundaries
from segment.errors import BoundaryError


class RandomSegmenter(Segmenter):
    """Cut at each offset independently with probability ``p``."""

    def __init__(self, p: float = 0.5, seed: int = 0):
        self.p = p
        self.seed = seed

    def rate(self) -> float:
        """The cut probability in use."""
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p must lie in [0, 1], got {self.p!r}")
        return float(self.p)

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        self.check_is_fitted()
        if not len(sequences):
            return []
        slots = np.fromiter((max(len(s) - 1, 0) for s in sequences), dtype=np.int64, count=len(sequences))
        cut = np.random.default_rng(self.seed).random(int(slots.sum())) < self.rate()
        return [np.flatnonzero(bits).astype(np.int64) + 1 for bits in np.split(cut, np.cumsum(slots)[:-1])]

    def _predict(self, seq: Symbols) -> np.ndarray:
        return self.predict_many([seq])[0]


class OracleRateRandomSegmenter(RandomSegmenter):
    """Random cuts at the gold rate: p = gold cuts / cut slots over the fit units (uses gold)."""

    requires_fit = True
    uses_gold = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, sequences: Sequence[Symbols], boundaries: Sequence[np.ndarray] | None = None
            ) -> "OracleRateRandomSegmenter":
        """Learn ``p_`` from gold ``boundaries`` (one offset array per sequence)."""
        if boundaries is None:
            raise BoundaryError(f"{type(self).__name__} needs gold boundaries: fit(sequences, boundaries=...)")
        if len(boundaries) != len(sequences):
            raise BoundaryError(f"{len(sequences)} sequences but {len(boundaries)} boundary arrays")
        cuts = sum(len(check_boundaries(b, len(s))) for s, b in zip(sequences, boundaries))
        slots = sum(max(len(s) - 1, 0) for s in sequences)
        self.p_ = cuts / slots if slots else 0.0
        return self

    def rate(self) -> float:
        return self.p_
