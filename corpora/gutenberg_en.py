"""gutenberg-en: 136 public-domain English books whose manifest fixes a split by book.

``MANIFEST.tsv`` (columns ebook, title, author, genre, bytes, sha256, repo, split) lists the books; each
book is one document of paragraph units (hard wraps joined, silver sentences) taken from the text between
the Gutenberg ``*** START OF`` and ``*** END OF`` lines, without the rest of a START line that wrapped onto
a second line and without the transcribers' credit paragraph ("Produced by ...") that opens many books.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from segment.corpora.locate import read_utf8
from segment.corpora.text import BLANK_LINES, paragraph_units, strip_gutenberg
from segment.corpora.types import Unit
from segment.errors import CorpusError

MANIFEST = "MANIFEST.tsv"
SPLITS = ("all", "train", "dev", "test")
_COLUMNS = ("ebook", "title", "author", "genre", "bytes", "sha256", "repo", "split")
_CREDIT = re.compile(r"(?:Produced by|E-text prepared by|Transcribed from)\b")


@dataclass(frozen=True)
class Book:
    """One manifest row."""

    ebook: int
    title: str
    author: str
    genre: str
    bytes: int
    sha256: str
    split: str

    @property
    def file(self) -> str:
        return f"pg{self.ebook}.txt"


def read_manifest(path: Path) -> list[Book]:
    """The manifest's rows; CorpusError naming the file on a malformed one."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    try:
        books = [Book(int(r["ebook"]), r["title"], r["author"], r["genre"], int(r["bytes"]), r["sha256"],
                      r["split"]) for r in rows]
    except (KeyError, TypeError, ValueError) as err:
        raise CorpusError(f"{path}: malformed manifest (columns {', '.join(_COLUMNS)}): {err}") from None
    unknown = {b.split for b in books} - set(SPLITS[1:])
    if unknown:
        raise CorpusError(f"{path}: unknown split(s) {', '.join(sorted(unknown))}")
    return books


def book_body(text: str) -> str:
    """The book itself: between the START and END lines, without a wrapped START line's rest and without an
    opening credit paragraph."""
    body = strip_gutenberg(text).lstrip("\n")
    first, _, rest = body.partition("\n")
    if first.rstrip().endswith("***"):  # the START line ran onto a second line
        body = rest
    opening, *rest = BLANK_LINES.split(body.lstrip("\n"), maxsplit=1)
    return rest[0] if _CREDIT.match(opening) and rest else body


def verify_books(folder: Path) -> list[str]:
    """Books whose file is missing or whose size or SHA-256 differs from the manifest (empty: all intact)."""
    problems = []
    for book in read_manifest(folder / MANIFEST):
        path = folder / book.file
        if not path.is_file():
            problems.append(f"{book.file}: missing")
            continue
        data = path.read_bytes()
        if len(data) != book.bytes or hashlib.sha256(data).hexdigest() != book.sha256:
            problems.append(f"{book.file}: size or SHA-256 differs from {MANIFEST}")
    return problems


def read_gutenberg_en(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """One document per book of ``split`` ("all": every book), in manifest order."""
    manifest = files[0]
    books = [b for b in read_manifest(manifest) if split == "all" or b.split == split]
    return [paragraph_units(book_body(read_utf8(manifest.parent / b.file))) for b in books]
