"""Evaluation: word and sentence metrics that match the field, the comparison harness, reports, plots.

The harness (``evaluate``, ``compare``) and the plots load pandas / matplotlib; import them from
``segment.eval.harness`` and ``segment.eval.plots``, or use the lazy attributes here.
"""

from segment.eval.sentence_metrics import sentence_scores
from segment.eval.word_metrics import boundary_counts, tolerance_scores, word_scores

__all__ = ["boundary_counts", "compare", "evaluate", "sentence_scores", "tolerance_scores", "word_scores"]


def __getattr__(name: str):
    if name in ("evaluate", "compare"):
        from segment.eval import harness
        return getattr(harness, name)
    raise AttributeError(f"module 'segment.eval' has no attribute {name!r}")
