"""Text views of symbol sequences for the segmenters that only read text (lexicons, sentence rules)."""

from __future__ import annotations

from segment.boundaries import Symbols
from segment.errors import ActSegError


def as_text(seq: Symbols, reader: str) -> str:
    """``seq`` as a str: a str as is, a sequence of one-character strings joined; anything else is refused."""
    if isinstance(seq, str):
        return seq
    if all(isinstance(sym, str) and len(sym) == 1 for sym in seq):
        return "".join(seq)
    raise ActSegError(f"{reader} reads text: every symbol must be one character")


def missing_extra(package: str) -> ImportError:
    """The ImportError for an optional peer package (the comparison harness turns it into a skipped row)."""
    return ImportError(f"{package} is not installed; install the optional extra: pip install 'act-segment[peers]'")
