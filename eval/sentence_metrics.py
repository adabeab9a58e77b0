"""Sentence segmentation scores over running text of n symbols: boundary P/R/F, Pk and WindowDiff.

Cut offsets are 1..n-1 (the end of the text is never a cut, so it is never scored).

Pk (Beeferman et al. 1999) and WindowDiff (Pevzner and Hearst 2002) follow NLTK's
``nltk.metrics.segmentation.pk`` / ``windowdiff`` applied to the 0/1 string of cut offsets
(``segment.boundaries.to_bits``, length n-1): for every window of k consecutive offsets i+1..i+k,
i = 0..n-1-k (that is, every pair of symbols i and i+k), Pk counts the windows where reference and
hypothesis disagree on whether the window holds any cut, WindowDiff those where the numbers of cuts
differ; both are divided by the number of windows, n - k. Lower is better; 0 is perfect.
The default k is half the mean reference segment length, n / (cuts + 1) / 2, rounded half up and
clamped to 1..n-1 (NLTK's default divides by twice the number of cuts instead; pass k to match it).
An empty text (n = 0) has nothing to score and raises ``NothingToScoreError`` (as the word scores do); a
one-symbol text has no cut offsets and scores as perfect.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from segment.boundaries import check_boundaries
from segment.eval.matching import count_matches
from segment.eval.prf import prf_dict
from segment.eval.word_metrics import require_symbols


def default_window(reference: np.ndarray, n: int) -> int:
    """Half the mean reference segment length, rounded half up, within 1..max(n-1, 1)."""
    half_mean = n / (len(reference) + 1) / 2
    return max(1, min(math.floor(half_mean + 0.5), n - 1))


def _window_counts(cuts: np.ndarray, n: int, k: int) -> np.ndarray:
    """Number of cuts among offsets i+1..i+k for i = 0..n-1-k."""
    bits = np.zeros(n, dtype=np.int64)
    bits[cuts] = 1
    cumulative = np.cumsum(bits)  # cumulative[j] = cuts at offsets <= j
    return cumulative[k:n] - cumulative[0:n - k]


def window_errors(reference: np.ndarray, hypothesis: np.ndarray, n: int, k: int) -> tuple[float, float]:
    """(Pk, WindowDiff) for checked cut offsets with window k (1 <= k <= n-1); (0, 0) when n < 2."""
    if n < 2:
        return 0.0, 0.0
    if not 1 <= k <= n - 1:
        raise ValueError(f"window k must lie in 1..{n - 1} for a text of {n} symbols, got {k}")
    ref_counts = _window_counts(reference, n, k)
    hyp_counts = _window_counts(hypothesis, n, k)
    windows = n - k
    pk = np.count_nonzero((ref_counts > 0) != (hyp_counts > 0)) / windows
    windowdiff = np.count_nonzero(ref_counts != hyp_counts) / windows
    return float(pk), float(windowdiff)


def sentence_scores(*, reference: Iterable[int], hypothesis: Iterable[int], n: int, k: int | None = None,
                    tolerance: int = 0) -> dict:
    """Boundary P/R/F (one-to-one within +-``tolerance`` symbols, inclusive), Pk, WindowDiff and k.

    Offsets outside 1..n-1 raise BoundaryError; an empty text (n = 0) raises NothingToScoreError.
    """
    require_symbols(n)
    ref = check_boundaries(reference, n)
    hyp = check_boundaries(hypothesis, n)
    window = default_window(ref, n) if k is None else k
    pk, windowdiff = window_errors(ref, hyp, n, window)
    return {**prf_dict("boundary", count_matches(ref, hyp, tolerance), len(hyp), len(ref)),
            "pk": pk, "windowdiff": windowdiff, "k": window}
