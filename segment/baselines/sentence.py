"""Sentence-level baselines: cut offsets where a new sentence starts in running text.

Both receive the sequence exactly as given (a str, or one-character symbols joined): on the harness's
sentence task that is the corpus stream, the units run together *without* spaces, so pysbd sees
``...wenthome.Shesaid...`` and loses the cue of the space after a full stop; given spaced text (for
example ``segment.boundaries.to_spaced(seq, word_cuts)``) it sees what it was built for, and its cuts
are then offsets into that spaced text. A cut is placed at the first symbol of the next sentence, after
any whitespace, so the two segmenters agree on spaced text.

- ``PysbdSegmenter``: pysbd's rule-based English segmenter (the ``peers`` extra; ``clean=False``, char
  spans); each sentence span after the first starts a cut.
- ``PunctuationRuleSegmenter``: an unsupervised rule, cut after each run of sentence-final punctuation
  (``terminators``), followed by any closing quotes or brackets (``closers``) and whitespace.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from segment.base import Segmenter
from segment.baselines._text import as_text, missing_extra
from segment.boundaries import Symbols


@lru_cache(maxsize=4)
def _pysbd(language: str):
    try:
        import pysbd
    except ImportError:
        raise missing_extra("pysbd") from None
    return pysbd.Segmenter(language=language, clean=False, char_span=True)


class PysbdSegmenter(Segmenter):
    """pysbd (Sadvilkar & Neumann 2020), rule-based sentence boundary disambiguation."""

    uses_lexicon = True  # abbreviation lists and hand-written rules for one language

    def __init__(self, language: str = "en"):
        self.language = language

    def _predict(self, seq: Symbols) -> np.ndarray:
        text = as_text(seq, type(self).__name__)
        starts = np.array([span.start for span in _pysbd(self.language).segment(text)], dtype=np.int64)
        return starts[(starts >= 1) & (starts <= len(text) - 1)]


class PunctuationRuleSegmenter(Segmenter):
    """Cut after sentence-final punctuation, its closing quotes/brackets and any whitespace."""

    def __init__(self, terminators: str = ".!?", closers: str = "\"')]}\u201d\u2019\u00bb"):
        self.terminators = terminators
        self.closers = closers

    def _predict(self, seq: Symbols) -> np.ndarray:
        text = as_text(seq, type(self).__name__)
        if not self.terminators:
            return np.zeros(0, dtype=np.int64)
        closers = f"[{re.escape(self.closers)}]*" if self.closers else ""
        pattern = re.compile(f"[{re.escape(self.terminators)}]+{closers}\\s*")
        ends = np.array([m.end() for m in pattern.finditer(text)], dtype=np.int64)
        return ends[(ends >= 1) & (ends <= len(text) - 1)]
