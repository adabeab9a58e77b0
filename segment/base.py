"""The Segmenter protocol, scikit-learn conventions without the dependency.

``__init__`` stores parameters only; ``fit(sequences)`` returns self; learned attributes end in ``_``;
``boundary_scores(seq)`` gives one score per cut offset (index i-1 scores offset i, higher means more
boundary-like), so thresholds can be swept on one pass; ``predict(seq)`` gives cut offsets;
``segment(seq)`` gives the segments, of the input's kind.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np

from segment.boundaries import Symbols, check_boundaries, to_segments
from segment.errors import NotFittedError


class Segmenter:
    """Base class: subclasses implement ``_predict`` (and ``boundary_scores`` and ``fit`` when they have them)."""

    #: False for segmenters that need no training data (``fit`` is then a no-op returning self).
    requires_fit: bool = False
    #: Short labels for reports: does it use gold information or a lexicon?
    uses_gold: bool = False
    uses_lexicon: bool = False

    # -- parameters ---------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self) -> dict:
        """The constructor parameters and their current values."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> "Segmenter":
        """Set constructor parameters; unknown names raise ValueError."""
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; valid: {sorted(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, sequences: Sequence[Symbols]) -> "Segmenter":
        """Learn from unsegmented sequences (no-op for segmenters that need no data)."""
        return self

    def is_fitted(self) -> bool:
        """True when ``fit`` has set the learned attributes (or none are needed)."""
        if not self.requires_fit:
            return True
        return any(k.endswith("_") and not k.startswith("_") for k in vars(self))

    def check_is_fitted(self) -> None:
        if not self.is_fitted():
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(sequences) first")

    # -- prediction ---------------------------------------------------------------------------
    def boundary_scores(self, seq: Symbols) -> np.ndarray:
        """One float per cut offset 1..n-1 (default: the 0/1 prediction itself)."""
        scores = np.zeros(max(len(seq) - 1, 0))
        scores[self.predict(seq) - 1] = 1.0
        return scores

    def _predict(self, seq: Symbols) -> np.ndarray:
        raise NotImplementedError

    def predict(self, seq: Symbols) -> np.ndarray:
        """Cut offsets for ``seq`` (sorted int64 array of offsets in 1..n-1)."""
        self.check_is_fitted()
        if len(seq) < 2:
            return np.zeros(0, dtype=np.int64)
        return check_boundaries(self._predict(seq), len(seq))

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        """``predict`` over many sequences (model-based segmenters override this to batch)."""
        return [self.predict(s) for s in sequences]

    def segment(self, seq: Symbols) -> list:
        """The segments of ``seq``, of the same kind (str -> list of str, else lists of symbols)."""
        return to_segments(seq, self.predict(seq))
