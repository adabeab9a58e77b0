"""Dev metrics handed to training (``segment.models.trainer.train(..., dev_metrics=...)``): what training
cannot score itself because it knows nothing of segmenters or metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from segment.eval import word_scores
from segment.peaks import peak_boundaries

if TYPE_CHECKING:
    from segment.models.dev_pass import DevMetrics


def ponder_peak_metrics(boundaries: Sequence[np.ndarray]) -> DevMetrics:
    """Unit-internal boundary P/R/F of ponder peaks (a local maximum at symbol t cuts before t) against the
    gold word ``boundaries`` of the dev units (one offset array per unit, in the order of the dev units):
    fields ponder_boundary_p, ponder_boundary_r, ponder_boundary_f."""
    def score(units: list, ponder: list[np.ndarray]) -> dict[str, float]:
        hypothesis = [peak_boundaries(signal, offset=0) for signal in ponder]
        scores = word_scores(reference=list(boundaries[:len(units)]), hypothesis=hypothesis, sequences=units)
        return {f"ponder_boundary_{k}": scores[f"boundary_noedge_{k}"] for k in "prf"}
    return score
