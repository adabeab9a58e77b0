"""User files: ``plain:PATH`` and its explicit forms ``plain-lines:PATH`` and ``plain-paragraphs:PATH``.

A UTF-8 file with one unit per line, or hard-wrapped paragraphs separated by blank lines. ``plain:``
detects the layout: paragraphs when blank lines separate blocks and some block spans several lines,
lines otherwise. Words are whitespace tokens; the whole file is one document, split "all" only, and
there are no sentence labels.

With ``symbols="space"`` a file holds one unit per line in the wordseg tagged format: symbols separated
by spaces, each word closed by the token ``;eword`` (``;esyll`` tokens are ignored), e.g.
``y u ;eword w a n t ;eword``. Symbols after the last ``;eword`` form a final word.
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.locate import read_utf8
from segment.corpora.text import has_paragraphs, line_units, paragraph_units
from segment.corpora.types import Unit
from segment.errors import CorpusError

LAYOUTS = {"plain": "auto", "plain-lines": "lines", "plain-paragraphs": "paragraphs"}
WORD_END = ";eword"
SYLLABLE_END = ";esyll"


def read_lines(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    return [line_units(read_utf8(files[0]))]


def read_paragraphs(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    return [paragraph_units(read_utf8(files[0]), silver_sentences=False)]


def read_auto(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    text = read_utf8(files[0])
    units = paragraph_units(text, silver_sentences=False) if has_paragraphs(text) else line_units(text)
    return [units]


def tagged_words(line: str) -> tuple[tuple[str, ...], ...]:
    """Words of one line in the wordseg tagged format, each a tuple of symbols."""
    words, current = [], []
    for token in line.split():
        if token == WORD_END:
            if current:
                words.append(tuple(current))
            current = []
        elif token != SYLLABLE_END:
            current.append(token)
    if current:
        words.append(tuple(current))
    return tuple(words)


def read_tagged(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    text = read_utf8(files[0])
    if WORD_END not in text.split():
        raise CorpusError(f"{files[0]}: symbols='space' expects words closed by {WORD_END!r} tokens "
                          f"(wordseg tagged format), found none")
    units = (tagged_words(line) for line in text.split("\n"))
    return [[Unit(words) for words in units if words]]


def reader(layout: str, symbols: str):
    """The read function for a layout ("auto", "lines", "paragraphs") and symbols option."""
    if symbols == "space":
        if layout == "paragraphs":
            raise CorpusError("symbols='space' reads one unit per line; use plain: or plain-lines:")
        return read_tagged
    return {"auto": read_auto, "lines": read_lines, "paragraphs": read_paragraphs}[layout]
