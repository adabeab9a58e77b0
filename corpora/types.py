"""The corpus data model: documents of units made of words, and the unspaced views built from them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Literal

import numpy as np

from segment.boundaries import Symbols, from_segments

#: A word is a str (one symbol per code point) or a tuple of symbol strings (phonemes, codes).
Word = str | tuple[str, ...]
SentenceLabels = Literal["gold", "silver", "none"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Unit:
    """One utterance, sentence, paragraph or line: its words, and where sentences start inside it.

    ``sentence_starts`` holds word indices (> 0) where a new sentence begins inside the unit; it is empty
    for corpora whose units are themselves sentences.
    """

    words: tuple[Word, ...]
    sentence_starts: tuple[int, ...] = ()

    @cached_property
    def _joined(self) -> tuple[Symbols, np.ndarray]:
        seq, cuts = from_segments(self.words)
        return seq, _frozen(cuts)

    @property
    def sequence(self) -> Symbols:
        """The unit without whitespace: a str for character words, a tuple of symbols otherwise."""
        return self._joined[0]

    @property
    def boundaries(self) -> np.ndarray:
        """Gold word cut offsets into ``sequence`` (read-only int64 array)."""
        return self._joined[1]

    @cached_property
    def sentence_boundaries(self) -> np.ndarray:
        """Cut offsets into ``sequence`` where a sentence starts inside the unit (read-only int64 array)."""
        lengths = np.fromiter((len(w) for w in self.words), dtype=np.int64, count=len(self.words))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        return _frozen(starts[list(self.sentence_starts)].astype(np.int64))

    def __len__(self) -> int:
        """Number of symbols."""
        return sum(len(w) for w in self.words)


@dataclass(frozen=True)
class Stream:
    """All units of a corpus run together without separators, with gold cut offsets into the whole.

    ``word_boundaries`` include the unit edges (a unit edge is also a word edge); ``sentence_boundaries``
    are the unit edges plus the sentence starts inside units. The end of the stream is never a cut.
    """

    sequence: Symbols
    word_boundaries: np.ndarray
    sentence_boundaries: np.ndarray


@dataclass(frozen=True, eq=False)
class Corpus:
    """A loaded corpus split: documents (lists of units) and what its unit/sentence edges mean."""

    name: str
    split: str
    documents: list[list[Unit]]
    sentence_labels: SentenceLabels
    unit_kind: str = "unit"

    @cached_property
    def units(self) -> list[Unit]:
        """All units of all documents, in order."""
        return [u for doc in self.documents for u in doc]

    def __len__(self) -> int:
        return len(self.units)

    def sequences(self) -> list[Symbols]:
        """The unspaced sequence of every unit."""
        return [u.sequence for u in self.units]

    def word_boundaries(self) -> list[np.ndarray]:
        """The gold word cut offsets of every unit."""
        return [u.boundaries for u in self.units]

    def n_words(self) -> int:
        return sum(len(u.words) for u in self.units)

    def n_symbols(self) -> int:
        return sum(len(u) for u in self.units)

    def stream(self) -> Stream:
        """All units run together (no separator) with word and sentence cut offsets into the whole."""
        seqs = self.sequences()
        starts = np.concatenate([[0], np.cumsum([len(s) for s in seqs], dtype=np.int64)])
        if seqs and all(isinstance(s, str) for s in seqs):
            sequence: Symbols = "".join(seqs)
        else:
            sequence = tuple(chain.from_iterable(seqs))
        return Stream(sequence, _run_together(starts, [u.boundaries for u in self.units]),
                      _run_together(starts, [u.sentence_boundaries for u in self.units]))


def _run_together(starts: np.ndarray, inner: list[np.ndarray]) -> np.ndarray:
    """Unit edges (starts[1:-1]) interleaved with each unit's own cuts shifted by its start: sorted, unique."""
    parts = []
    for i, cuts in enumerate(inner):
        if i:
            parts.append(starts[i:i + 1])
        parts.append(starts[i] + cuts)
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
