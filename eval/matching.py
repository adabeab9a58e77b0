"""One-to-one matching of boundary offsets within a tolerance window."""

from __future__ import annotations

import numpy as np


def matched_hypotheses(reference: np.ndarray, hypothesis: np.ndarray, k: int = 0) -> np.ndarray:
    """Boolean mask over ``hypothesis``: offsets paired one-to-one with a reference offset at most k away.

    The window is inclusive (|h - r| <= k) and the pairing is a largest one. Both inputs are sorted
    unique offsets. A two-pointer sweep is optimal here: the earliest hypothesis offset may always take
    the earliest reference offset still within its reach.
    """
    if k < 0:
        raise ValueError(f"tolerance k must be >= 0, got {k}")
    if k == 0:
        return np.isin(hypothesis, reference, assume_unique=True)
    ref, hyp = reference.tolist(), hypothesis.tolist()
    mask = np.zeros(len(hyp), dtype=bool)
    i = j = 0
    while i < len(hyp) and j < len(ref):
        if ref[j] < hyp[i] - k:
            j += 1
        elif ref[j] > hyp[i] + k:
            i += 1
        else:
            mask[i] = True
            i += 1
            j += 1
    return mask


def count_matches(reference: np.ndarray, hypothesis: np.ndarray, k: int = 0) -> int:
    """Size of the largest one-to-one pairing with |h - r| <= k (see :func:`matched_hypotheses`)."""
    return int(matched_hypotheses(reference, hypothesis, k).sum())
