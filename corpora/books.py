"""Plain-text books (Project Gutenberg): paragraphs as units, one document per book, silver sentences.

The Gutenberg header and footer (``*** START OF ...`` / ``*** END OF ...``) are stripped when present.
Splits are by paragraph position inside each book: the first 90% "train", the next 5% "dev", the last 5%
"test" (every split sees every book). Sentence starts inside paragraphs come from the rule-based splitter
in ``segment.corpora.sentences`` and are silver.
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.locate import read_utf8
from segment.corpora.text import SAMPLE_SPLITS, fraction_split, paragraph_units, strip_gutenberg
from segment.corpora.types import Unit

BOOK_SPLITS = {"all": (0.0, 1.0), "train": (0.0, 0.9), "dev": (0.9, 0.95), "test": (0.95, 1.0)}


def _read(files: tuple[Path, ...], split: str, fractions: dict) -> list[list[Unit]]:
    books = (paragraph_units(strip_gutenberg(read_utf8(path))) for path in files)
    return [fraction_split(units, split, fractions) for units in books]


def read_books(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """Gutenberg books, 90/5/5 by paragraph position inside each book."""
    return _read(files, split, BOOK_SPLITS)


def read_sample_book(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """The shipped book excerpt, 80/20 by paragraph position."""
    return _read(files, split, SAMPLE_SPLITS)
