"""Integer-encode units into one stream, with a unit-boundary pseudo-symbol between and around units.

The stream of units ``u1, u2, ..., uN`` is ``B u1 B u2 B ... B uN B`` with ``B`` (code 0) the boundary
pseudo-symbol, so every unit is padded with it on both sides (or with ``pad`` of them, for n-gram
contexts). Known symbols have codes 1..V in order of first occurrence; a symbol never seen in fit gets
the code V + 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from segment.boundaries import Symbols

BOUNDARY = 0


@dataclass(frozen=True)
class PaddedStream:
    """Codes of the padded stream and where each unit lies in it."""

    codes: np.ndarray    # int64 (L,), L = sum(lengths) + pad * (len(units) + 1)
    starts: np.ndarray   # int64 (N,): index in ``codes`` of each unit's first symbol
    lengths: np.ndarray  # int64 (N,)

    def without_ends(self) -> "PaddedStream":
        """The stream without its first and last boundary symbol: ``u1 B u2 B ... B uN``."""
        return PaddedStream(codes=self.codes[1:-1], starts=self.starts - 1, lengths=self.lengths)

    def internal_offsets(self, positions: np.ndarray) -> list[np.ndarray]:
        """Stream positions of bigrams ``(codes[j], codes[j+1])`` inside units -> cut offsets per unit.

        ``positions`` must be sorted; bigram j inside unit u cuts it at offset ``j - starts[u] + 1``.
        """
        if len(self.starts) == 0:
            return []
        unit = np.searchsorted(self.starts, positions, side="right") - 1
        offsets = positions - self.starts[unit] + 1
        return np.split(offsets, np.searchsorted(unit, np.arange(1, len(self.starts))))

    def internal_bigrams(self) -> np.ndarray:
        """Boolean mask over bigram positions 0..L-2: True where both symbols belong to one unit."""
        return (self.codes[:-1] != BOUNDARY) & (self.codes[1:] != BOUNDARY)


def build_vocabulary(sequences: Sequence[Symbols]) -> dict:
    """Symbol -> code 1..V, in order of first occurrence."""
    vocab: dict = {}
    for seq in sequences:
        for sym in seq:
            if sym not in vocab:
                vocab[sym] = len(vocab) + 1
    return vocab


def encode_padded(sequences: Sequence[Symbols], vocab: dict, pad: int = 1) -> PaddedStream:
    """Encode units into one stream with ``pad`` boundary symbols before, between and after them.

    Unknown symbols get the code ``len(vocab) + 1``.
    """
    unknown = len(vocab) + 1
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    total = int(lengths.sum())
    padding_before = pad * np.arange(1, len(sequences) + 1, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths + padding_before
    positions = np.arange(total, dtype=np.int64) + np.repeat(padding_before, lengths)
    codes = np.zeros(total + pad * (len(sequences) + 1), dtype=np.int64)
    codes[positions] = np.fromiter((vocab.get(sym, unknown) for seq in sequences for sym in seq),
                                   dtype=np.int64, count=total)
    return PaddedStream(codes=codes, starts=starts, lengths=lengths)
