"""Word segmentation scores as the field's toolkits compute them (e.g. bootphon/wordseg ``evaluate``).

Each unit (utterance, sentence) of n symbols is split at its cut offsets into word spans [start, end).
Counts are summed over all units (micro-average) and F = 2 * correct / (hypothesis + reference):

- token: exact word spans (same start and end) in the same unit;
- type: the hypothesis lexicon against the gold lexicon (sets of word types over the whole corpus);
- boundary_all: span edges including both unit edges (positions 0..n; an empty unit has none);
- boundary_noedge: unit-internal cut offsets 1..n-1 only (the headline figure);
- over / under / mis: gold word tokens in over-segmented, under-segmented and otherwise mis-segmented
  chunks, where a chunk is a stretch between boundaries that reference and hypothesis share (as in
  wordseg's error summary); ``correct`` counts the gold words found exactly.

Degenerate cases (a zero denominator) follow :mod:`segment.eval.prf`: 1.0 when reference and
hypothesis are both empty, 0.0 otherwise (wordseg prints None there and agrees everywhere else).
Units that hold no symbols at all (no units, or only empty ones) hold no words: there is nothing to score,
and the scores raise :class:`NothingToScoreError` rather than report a vacuous 1.0.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from segment.boundaries import Symbols, check_boundaries
from segment.errors import ActSegError, BoundaryError
from segment.eval.matching import matched_hypotheses
from segment.eval.prf import prf_dict


class NothingToScoreError(ActSegError, ValueError):
    """Scores asked of input with nothing to score: no symbols, so no words or cut offsets."""


def require_symbols(total: int) -> None:
    """Raise NothingToScoreError when the scored units hold no symbols."""
    if total == 0:
        raise NothingToScoreError("nothing to score: the units hold no symbols (no words)")


@dataclass(frozen=True)
class Aligned:
    """Units laid end to end: both cut sets as sorted global offsets, with the unit of every cut."""

    lengths: np.ndarray
    starts: np.ndarray
    reference: np.ndarray
    hypothesis: np.ndarray
    reference_units: np.ndarray
    hypothesis_units: np.ndarray

    @property
    def unit_edges(self) -> np.ndarray:
        """Global positions of every non-empty unit's start, and the end of the last symbol."""
        total = int(self.lengths.sum())
        return np.unique(np.concatenate([self.starts[self.lengths > 0], [total]])).astype(np.int64)


def _flat(cut_lists: Sequence, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(local offsets, unit index) of all cuts, or None when some unit's cuts need a closer look."""
    arrays = [np.asarray(c) for c in cut_lists]
    nonempty = [a for a in arrays if a.size]
    if any(a.ndim != 1 or not np.issubdtype(a.dtype, np.integer) for a in nonempty):
        return None
    sizes = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    flat = np.concatenate(nonempty).astype(np.int64) if nonempty else np.zeros(0, dtype=np.int64)
    units = np.repeat(np.arange(len(arrays)), sizes)
    in_range = (flat >= 1) & (flat <= lengths[units] - 1)
    increasing = (np.diff(flat) > 0) | (np.diff(units) > 0)
    return (flat, units) if in_range.all() and increasing.all() else None


def _checked_flat(cut_lists: Sequence, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validated cuts (BoundaryError names the first bad unit; unsorted or repeated cuts are normalised)."""
    flat = _flat(cut_lists, lengths)
    if flat is not None:
        return flat
    checked = []
    for index, (cuts, n) in enumerate(zip(cut_lists, lengths.tolist())):
        try:
            checked.append(check_boundaries(cuts, n))
        except BoundaryError as err:
            raise BoundaryError(f"unit {index}: {err}") from None
    return _flat(checked, lengths)


def align(*, reference: Sequence, hypothesis: Sequence, sequences: Sequence[Symbols]) -> Aligned:
    """Check one reference and one hypothesis offset array per unit and lay the units end to end."""
    if not len(reference) == len(hypothesis) == len(sequences):
        raise BoundaryError(f"reference, hypothesis and sequences must cover the same units: got "
                            f"{len(reference)}, {len(hypothesis)} and {len(sequences)} units")
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(lengths) else lengths
    ref, ref_units = _checked_flat(reference, lengths)
    hyp, hyp_units = _checked_flat(hypothesis, lengths)
    return Aligned(lengths, starts, ref + starts[ref_units], hyp + starts[hyp_units], ref_units, hyp_units)


def _joined(sequences: Sequence[Symbols]) -> Symbols:
    if all(isinstance(s, str) for s in sequences):
        return "".join(sequences)
    return tuple(chain.from_iterable(sequences))


def _cuts_between(cuts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Number of cuts strictly inside each interval (edges[i], edges[i+1])."""
    return np.searchsorted(cuts, edges[1:], side="left") - np.searchsorted(cuts, edges[:-1], side="right")


def _error_counts(aligned: Aligned, shared_cuts: np.ndarray) -> dict[str, int]:
    """Gold word tokens per category, over chunks delimited by unit edges and shared cuts."""
    chunk_edges = np.union1d(aligned.unit_edges, shared_cuts)
    gold = _cuts_between(aligned.reference, chunk_edges) + 1
    hyp = _cuts_between(aligned.hypothesis, chunk_edges) + 1
    return {"correct": int(np.sum((gold == 1) & (hyp == 1))),
            "over": int(np.sum((gold == 1) & (hyp > 1))),
            "under": int(gold[(gold > 1) & (hyp == 1)].sum()),
            "mis": int(gold[(gold > 1) & (hyp > 1)].sum())}


def word_scores(*, reference: Sequence, hypothesis: Sequence, sequences: Sequence[Symbols]) -> dict:
    """Token, type and boundary P/R/F plus error counts for word cut offsets over units.

    ``reference`` and ``hypothesis`` hold one offset array per unit of ``sequences``; mismatched unit
    counts or offsets outside 1..n-1 raise BoundaryError; units without any symbol raise NothingToScoreError.
    """
    aligned = align(reference=reference, hypothesis=hypothesis, sequences=sequences)
    require_symbols(int(aligned.lengths.sum()))
    edges = aligned.unit_edges
    ref_edges = np.union1d(edges, aligned.reference)
    hyp_edges = np.union1d(edges, aligned.hypothesis)
    width = int(edges[-1]) + 1

    def span_keys(e: np.ndarray) -> np.ndarray:
        return e[:-1] * width + e[1:]

    text = _joined(sequences)
    ref_lexicon = {text[a:b] for a, b in zip(ref_edges[:-1].tolist(), ref_edges[1:].tolist())}
    hyp_lexicon = {text[a:b] for a, b in zip(hyp_edges[:-1].tolist(), hyp_edges[1:].tolist())}
    shared = np.intersect1d(aligned.reference, aligned.hypothesis, assume_unique=True)
    unit_edge_count = 2 * int(np.count_nonzero(aligned.lengths))
    return {
        **prf_dict("token", np.intersect1d(span_keys(ref_edges), span_keys(hyp_edges)).size,
                   len(hyp_edges) - 1, len(ref_edges) - 1),
        **prf_dict("type", len(ref_lexicon & hyp_lexicon), len(hyp_lexicon), len(ref_lexicon)),
        **prf_dict("boundary_all", shared.size + unit_edge_count, aligned.hypothesis.size + unit_edge_count,
                   aligned.reference.size + unit_edge_count),
        **prf_dict("boundary_noedge", shared.size, aligned.hypothesis.size, aligned.reference.size),
        **_error_counts(aligned, shared),
    }


def boundary_counts(*, reference: Sequence, hypothesis: Sequence, sequences: Sequence[Symbols],
                    k: int = 0) -> np.ndarray:
    """Per unit (correct, hypothesis, reference) counts of unit-internal boundaries, shape (units, 3).

    With ``k`` > 0 a hypothesis cut is correct when it is matched one-to-one to a reference cut of the
    same unit at most k symbols away (|h - r| <= k, an inclusive window).
    """
    aligned = align(reference=reference, hypothesis=hypothesis, sequences=sequences)
    gap = k + 1  # spread the units apart so that no window reaches into a neighbouring unit
    matched = matched_hypotheses(aligned.reference + gap * aligned.reference_units,
                                 aligned.hypothesis + gap * aligned.hypothesis_units, k)
    units = len(aligned.lengths)
    return np.stack([np.bincount(aligned.hypothesis_units[matched], minlength=units),
                     np.bincount(aligned.hypothesis_units, minlength=units),
                     np.bincount(aligned.reference_units, minlength=units)], axis=1).astype(np.int64)


def tolerance_scores(*, reference: Sequence, hypothesis: Sequence, sequences: Sequence[Symbols],
                     k: int = 1) -> dict:
    """Unit-internal boundary P/R/F where a cut within +-k symbols (inclusive) counts, one-to-one (units
    without any symbol raise NothingToScoreError)."""
    counts = boundary_counts(reference=reference, hypothesis=hypothesis, sequences=sequences, k=k)
    require_symbols(sum(len(s) for s in sequences))
    correct, hyp, ref = counts.sum(axis=0).tolist()
    return prf_dict("boundary", correct, hyp, ref)


def oov_scores(*, reference: Sequence, hypothesis: Sequence, sequences: Sequence[Symbols],
               dictionary: Collection[str]) -> dict:
    """The SIGHAN bakeoff's out-of-vocabulary figures: a gold word is OOV when the training word list
    ``dictionary`` lacks it, and recalled when the hypothesis holds a word with the same start and end.
    Returns oov_rate (OOV share of the gold words), oov_recall and iv_recall (None without such words)."""
    aligned = align(reference=reference, hypothesis=hypothesis, sequences=sequences)
    require_symbols(int(aligned.lengths.sum()))
    text = _joined(sequences)
    edges = aligned.unit_edges

    def spans(cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # (start, end) of every word
        marks = np.union1d(edges, cuts)
        return marks[:-1], marks[1:]

    (gold_start, gold_end), (hyp_start, hyp_end) = spans(aligned.reference), spans(aligned.hypothesis)
    width = int(edges[-1]) + 1
    found = np.isin(gold_start * width + gold_end, hyp_start * width + hyp_end)
    words = ["".join(text[a:b]) for a, b in zip(gold_start.tolist(), gold_end.tolist())]
    oov = np.array([word not in dictionary for word in words], dtype=bool)

    def rate(mask: np.ndarray) -> float | None:
        return float(found[mask].mean()) if mask.any() else None

    return {"oov_rate": float(oov.mean()) if oov.size else 0.0, "oov_recall": rate(oov), "iv_recall": rate(~oov)}
