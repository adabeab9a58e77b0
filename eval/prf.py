"""Precision, recall and F from counts, with one convention for the degenerate cases.

F = 2 * correct / (hypothesis + reference), the field's formula (equal to the harmonic mean of P and R).
A ratio with a zero denominator is 1.0 when the hypothesis and the reference are both empty (nothing to
find and nothing claimed: a perfect answer) and 0.0 otherwise (P with no hypothesis items but a non-empty
reference, R with no reference items but a non-empty hypothesis). The field's scorer (wordseg) reports
``None`` in exactly these cases and agrees with these values everywhere else.
"""

from __future__ import annotations


def ratio(num: int, den: int, *, both_empty: bool) -> float:
    """num / den, with 0/0 = 1.0 when ``both_empty`` and 0.0 otherwise."""
    if den == 0:
        return 1.0 if both_empty else 0.0
    return num / den


def prf(correct: int, hyp: int, ref: int) -> tuple[float, float, float]:
    """(precision, recall, F) from the number of correct, hypothesis and reference items."""
    empty = hyp == 0 and ref == 0
    return (ratio(correct, hyp, both_empty=empty), ratio(correct, ref, both_empty=empty),
            ratio(2 * correct, hyp + ref, both_empty=empty))


def prf_dict(prefix: str, correct: int, hyp: int, ref: int) -> dict[str, float]:
    """``{prefix_p, prefix_r, prefix_f}`` from counts."""
    p, r, f = prf(correct, hyp, ref)
    return {f"{prefix}_p": p, f"{prefix}_r": r, f"{prefix}_f": f}
