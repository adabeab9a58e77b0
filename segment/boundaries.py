"""Boundary offsets: the one representation used everywhere, and converters.

For a sequence of n symbols a boundary is a cut offset i in 1..n-1, between symbol i-1 and symbol i.
Boundaries are held as sorted, unique int64 numpy arrays. A sequence is a ``str`` (one symbol per
character) or any sequence of hashable symbols (phonemes, codes); segments keep the input's kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from segment.errors import BoundaryError

Symbols = str | Sequence


def check_boundaries(boundaries: Iterable[int], n: int) -> np.ndarray:
    """Validate cut offsets for a sequence of length ``n``; return them as a sorted int64 array."""
    b = np.asarray(list(boundaries) if not isinstance(boundaries, np.ndarray) else boundaries)
    if b.size == 0:
        return np.zeros(0, dtype=np.int64)
    if b.ndim != 1 or not np.issubdtype(b.dtype, np.integer):
        raise BoundaryError(f"boundaries must be a 1-d sequence of integers, got dtype {b.dtype}")
    b = b.astype(np.int64)
    if b.min() < 1 or b.max() > n - 1:
        raise BoundaryError(f"boundary offsets must lie in 1..{n - 1} for a sequence of {n} symbols, "
                            f"got {int(b.min())}..{int(b.max())}")
    if np.any(np.diff(b) <= 0):
        b = np.unique(b)
    return b


def from_segments(segments: Sequence[Symbols]) -> tuple[Symbols, np.ndarray]:
    """Join segments into one sequence; return it and the cut offsets between the segments."""
    segments = [s for s in segments if len(s)]
    lengths = [len(s) for s in segments]
    if segments and all(isinstance(s, str) for s in segments):
        seq: Symbols = "".join(segments)
    else:
        seq = tuple(sym for s in segments for sym in s)
    return seq, np.cumsum(lengths[:-1], dtype=np.int64)


def to_segments(seq: Symbols, boundaries: Iterable[int]) -> list:
    """Split ``seq`` at the cut offsets; str gives str segments, other sequences give lists."""
    b = check_boundaries(boundaries, len(seq))
    if len(seq) == 0:
        return []
    edges = [0, *b.tolist(), len(seq)]
    if isinstance(seq, str):
        return [seq[i:j] for i, j in zip(edges, edges[1:])]
    return [list(seq[i:j]) for i, j in zip(edges, edges[1:])]


def from_spaced(text: str) -> tuple[str, np.ndarray]:
    """Spaced text -> (text without whitespace, word cut offsets)."""
    return from_segments(text.split())


def to_spaced(seq: Symbols, boundaries: Iterable[int], sep: str = " ", symbol_sep: str = "") -> str:
    """Sequence and cut offsets -> text with ``sep`` between segments (symbols joined by ``symbol_sep``)."""
    return sep.join(symbol_sep.join(map(str, s)) for s in to_segments(seq, boundaries))


def to_bits(boundaries: Iterable[int], n: int) -> str:
    """Cut offsets -> a 0/1 string of length n-1 whose character i-1 is '1' when offset i is a cut."""
    bits = np.zeros(max(n - 1, 0), dtype=np.uint8)
    bits[check_boundaries(boundaries, n) - 1] = 1
    return "".join("1" if x else "0" for x in bits)


def from_bits(bits: str) -> np.ndarray:
    """A 0/1 string of length n-1 -> cut offsets."""
    if set(bits) - {"0", "1"}:
        raise BoundaryError("a boundary bit string may hold only '0' and '1'")
    return np.flatnonzero(np.frombuffer(bits.encode("ascii"), dtype=np.uint8) == ord("1")).astype(np.int64) + 1


def to_lengths(boundaries: Iterable[int], n: int) -> np.ndarray:
    """Cut offsets -> segment lengths (summing to n)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return np.diff(np.concatenate([[0], check_boundaries(boundaries, n), [n]])).astype(np.int64)


def from_lengths(lengths: Iterable[int]) -> tuple[np.ndarray, int]:
    """Segment lengths -> (cut offsets, sequence length n)."""
    lengths = np.asarray(list(lengths), dtype=np.int64)
    if np.any(lengths <= 0):
        raise BoundaryError("segment lengths must be positive")
    return np.cumsum(lengths[:-1]), int(lengths.sum())


def reverse_view(sequences: list[Symbols], boundaries: list[np.ndarray]) -> tuple[list, list[np.ndarray]]:
    """Units read right to left, with their cut offsets mirrored (offset i becomes n - i)."""
    reversed_cuts = [np.sort(len(s) - np.asarray(b, dtype=np.int64)) for s, b in zip(sequences, boundaries)]
    return [s[::-1] for s in sequences], reversed_cuts
