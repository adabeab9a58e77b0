"""Plain-text readers: one unit per line, blank-line paragraphs, Project Gutenberg books, and fixed splits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from segment.corpora.sentences import sentence_starts
from segment.corpora.types import Unit

T = TypeVar("T")
#: Splits of the shipped samples, by unit position.
SAMPLE_SPLITS = {"all": (0.0, 1.0), "train": (0.0, 0.8), "test": (0.8, 1.0)}
BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n(?:[ \t\f\v]*\n)*")
_GUTENBERG_START = re.compile(r"^\*\*\* ?START OF (?:THE|THIS) PROJECT GUTENBERG.*$", re.MULTILINE)
_GUTENBERG_END = re.compile(r"^\*\*\* ?END OF (?:THE|THIS) PROJECT GUTENBERG.*$", re.MULTILINE)


def line_units(text: str, *, silver_sentences: bool = False) -> list[Unit]:
    """One unit per non-blank line, words separated by whitespace."""
    units = []
    for line in text.split("\n"):
        words = tuple(line.split())
        if words:
            units.append(Unit(words, sentence_starts(words) if silver_sentences else ()))
    return units


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks with their hard line wraps joined by a space."""
    blocks = (" ".join(block.split("\n")).strip() for block in BLANK_LINES.split(text))
    return [b for b in blocks if b]


def paragraph_units(text: str, *, silver_sentences: bool = True) -> list[Unit]:
    """One unit per paragraph; sentence starts inside it from the silver splitter."""
    units = []
    for para in paragraphs(text):
        words = tuple(para.split())
        units.append(Unit(words, sentence_starts(words) if silver_sentences else ()))
    return units


def has_paragraphs(text: str) -> bool:
    """True when blank lines separate blocks and some block spans several lines (hard-wrapped text)."""
    blocks = [b for b in BLANK_LINES.split(text.strip("\n")) if b.strip()]
    return len(blocks) > 1 and any("\n" in block for block in blocks)


def strip_gutenberg(text: str) -> str:
    """The book between the ``*** START OF ...`` and ``*** END OF ...`` lines (the whole text if absent)."""
    start = _GUTENBERG_START.search(text)
    end = _GUTENBERG_END.search(text, start.end() if start else 0)
    return text[start.end() if start else 0: end.start() if end else len(text)]


def fraction_split(items: Sequence[T], split: str, fractions: dict[str, tuple[float, float]]) -> list[T]:
    """The items whose position falls in ``fractions[split]`` = (start, stop) as fractions of the length."""
    start, stop = fractions[split]
    n = len(items)
    return list(items[round(start * n): round(stop * n)])
