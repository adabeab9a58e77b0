"""Lexicon-supervised toplines (``uses_lexicon = True``): English word-frequency segmenters (``peers`` extra).

- ``WordsegmentSegmenter``: wordsegment (unigram and bigram counts from the Google web corpus, Viterbi);
- ``WordninjaSegmenter``: wordninja (Zipf costs from a ranked English word list);
- ``InstantSegmentSegmenter``: instant-segment, fed wordsegment's unigram and bigram counts;
- ``JiebaSegmenter``: jieba for Chinese (its dictionary and an HMM for unknown words, both learned from
  segmented Chinese text: supervised, not unsupervised).

The English libraries read a lowercase alphabet (wordsegment a-z0-9, wordninja a-z0-9 and the apostrophe,
instant-segment a-z). A unit is lowercased; the symbols in the library's alphabet, in order, are the
text it segments; every other symbol (punctuation, digits instant-segment cannot read, letters outside
ASCII) stays attached to the word before it. jieba reads every symbol of the unit as it is. A cut before
the library's k-th word becomes a cut before that word's first symbol in the unit. The packages are
imported on first use; a missing one raises ImportError naming the ``act-segment[peers]`` extra. The word
lists load once per process.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from functools import lru_cache
from string import ascii_lowercase, digits

import numpy as np

from segment.base import Segmenter
from segment.baselines._text import as_text, missing_extra
from segment.boundaries import Symbols
from segment.errors import ActSegError


@lru_cache(maxsize=1)
def _wordsegment_model():
    try:
        import wordsegment
    except ImportError:
        raise missing_extra("wordsegment") from None
    model = wordsegment.Segmenter()
    model.load()
    return model


@lru_cache(maxsize=1)
def _wordninja_split() -> Callable[[str], list[str]]:
    try:
        import wordninja
    except ImportError:
        raise missing_extra("wordninja") from None
    return wordninja.split


@lru_cache(maxsize=1)
def _instant_segment_split() -> Callable[[str], list[str]]:
    try:
        import instant_segment
    except ImportError:
        raise missing_extra("instant-segment") from None
    counts = _wordsegment_model()
    model = instant_segment.Segmenter(iter(counts.unigrams.items()),
                                      ((tuple(pair.split(" ")), n) for pair, n in counts.bigrams.items()))
    search = instant_segment.Search()

    def split(text: str) -> list[str]:
        model.segment(text, search)
        return list(search)

    return split


@lru_cache(maxsize=1)
def _jieba_split() -> Callable[[str], list[str]]:
    try:
        import jieba
    except ImportError:
        raise missing_extra("jieba") from None
    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" lines on stderr
    return jieba.lcut


class LexiconSegmenter(Segmenter):
    """Base of the word-list segmenters: subclasses give ``alphabet`` (None: every symbol, case kept) and
    ``split_words(text)``."""

    uses_lexicon = True
    alphabet: frozenset | None = frozenset()

    def split_words(self, text: str) -> list[str]:
        """The library's words for ``text`` (lowercase, only ``alphabet`` symbols)."""
        raise NotImplementedError

    def _predict(self, seq: Symbols) -> np.ndarray:
        symbols = list(as_text(seq, type(self).__name__))
        if self.alphabet is not None:  # one symbol at a time: a lowercase form of two characters is never kept
            symbols = [ch.lower() for ch in symbols]
        kept = np.fromiter((i for i, ch in enumerate(symbols) if self.alphabet is None or ch in self.alphabet),
                           dtype=np.int64)
        if len(kept) < 2:
            return np.zeros(0, dtype=np.int64)
        text = "".join(symbols[i] for i in kept)
        words = self.split_words(text)
        if "".join(words) != text:
            raise ActSegError(f"{type(self).__name__}: the library's words do not spell its input {text[:40]!r}")
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
        return kept[np.cumsum(lengths)[:-1]]


class WordsegmentSegmenter(LexiconSegmenter):
    """wordsegment (Norvig's unigram/bigram Viterbi over Google web counts)."""

    alphabet = frozenset(ascii_lowercase + digits)

    def split_words(self, text: str) -> list[str]:
        return _wordsegment_model().segment(text)


class WordninjaSegmenter(LexiconSegmenter):
    """wordninja (Zipf-law word costs from its English word list)."""

    alphabet = frozenset(ascii_lowercase + digits + "'")

    def split_words(self, text: str) -> list[str]:
        return _wordninja_split()(text)


class InstantSegmentSegmenter(LexiconSegmenter):
    """instant-segment fed wordsegment's unigram and bigram counts."""

    alphabet = frozenset(ascii_lowercase)

    def split_words(self, text: str) -> list[str]:
        return _instant_segment_split()(text)


class JiebaSegmenter(LexiconSegmenter):
    """jieba's default mode (dictionary DAG plus HMM for unknown words): a supervised Chinese topline."""

    alphabet = None

    def split_words(self, text: str) -> list[str]:
        return _jieba_split()(text)
