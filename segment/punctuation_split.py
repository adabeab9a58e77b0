"""Any segmenter with cuts forced around punctuation: the Chinese word-segmentation literature's common
"split at punctuation first" setting, in which every punctuation mark (a Unicode P* category) is a word of
its own. The wrapped segmenter's cuts are kept and the cuts before and after each mark are added."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segment.base import Segmenter
from segment.boundaries import Symbols
from segment.corpora.view import is_punctuation


def punctuation_cuts(seq: Symbols) -> np.ndarray:
    """The offsets 1..n-1 right before and right after every one-character punctuation symbol of ``seq``."""
    marks = np.flatnonzero([isinstance(s, str) and len(s) == 1 and is_punctuation(s) for s in seq])
    cuts = np.union1d(marks, marks + 1)
    return cuts[(cuts > 0) & (cuts < len(seq))].astype(np.int64)


class PunctuationSplit(Segmenter):
    """``segmenter``'s cuts plus those around every punctuation mark."""

    def __init__(self, segmenter: Segmenter):
        self.segmenter = segmenter

    @property
    def requires_fit(self) -> bool:
        return self.segmenter.requires_fit

    @property
    def uses_gold(self) -> bool:
        return self.segmenter.uses_gold

    @property
    def uses_lexicon(self) -> bool:
        return self.segmenter.uses_lexicon

    def fit(self, sequences: Sequence[Symbols], **gold) -> PunctuationSplit:
        """Fit the wrapped segmenter (``gold``: its ``boundaries`` when it uses gold information)."""
        self.segmenter.fit(sequences, **gold)
        return self

    def is_fitted(self) -> bool:
        return self.segmenter.is_fitted()

    def _predict(self, seq: Symbols) -> np.ndarray:
        return np.union1d(self.segmenter.predict(seq), punctuation_cuts(seq)).astype(np.int64)

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        return [np.union1d(cuts, punctuation_cuts(seq)).astype(np.int64)
                for seq, cuts in zip(sequences, self.segmenter.predict_many(sequences))]
