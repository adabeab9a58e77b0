"""Options for the unspaced view: punctuation, case and what a symbol is.

Symbols are Unicode code points as they stand in the file: nothing is normalised (no NFC/NFKC), so a
combining mark is a symbol of its own and an emoji built with joiners is several symbols. Grapheme
clusters would need a dependency and would hide what the model actually reads.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from segment.corpora.types import Unit, Word
from segment.errors import CorpusError

SYMBOLS = ("chars", "space")


def is_punctuation(char: str) -> bool:
    """True for a code point of a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po)."""
    return unicodedata.category(char).startswith("P")


@dataclass(frozen=True)
class View:
    """How raw words become symbol words.

    punctuation=False drops punctuation code points (a word left empty disappears); case=False applies
    ``str.casefold``; symbols="chars" keeps words as str (each code point a symbol), symbols="space"
    gives each word as a tuple of symbol strings (the code points of a str word, or the space-separated
    symbols a phonemic file already holds).
    """

    punctuation: bool = True
    case: bool = True
    symbols: str = "chars"

    def __post_init__(self):
        if self.symbols not in SYMBOLS:
            raise CorpusError(f"unknown symbols option {self.symbols!r}; choose one of {', '.join(SYMBOLS)}")

    @property
    def identity(self) -> bool:
        return self.punctuation and self.case and self.symbols == "chars"

    def word(self, word: Word) -> Word:
        """One raw word seen through the options (possibly empty)."""
        if isinstance(word, str):
            if not self.case:
                word = word.casefold()
            if not self.punctuation:
                word = "".join(c for c in word if not is_punctuation(c))
            return tuple(word) if self.symbols == "space" else word
        symbols = tuple(s.casefold() for s in word) if not self.case else word
        if not self.punctuation:
            symbols = tuple(s for s in symbols if not all(map(is_punctuation, s)))
        return symbols

    def unit(self, raw: Unit) -> Unit | None:
        """A raw unit seen through the options; None when no word is left."""
        if self.identity:
            return raw
        starts = set(raw.sentence_starts)
        words: list[Word] = []
        new_starts: list[int] = []
        pending = False
        for i, raw_word in enumerate(raw.words):
            pending = pending or i in starts
            word = self.word(raw_word)
            if not word:
                continue
            if pending and words:
                new_starts.append(len(words))
            pending = False
            words.append(word)
        return Unit(tuple(words), tuple(new_starts)) if words else None

    def documents(self, raw: list[list[Unit]]) -> list[list[Unit]]:
        """Every document seen through the options; empty units and documents are dropped."""
        docs = [[u for u in map(self.unit, doc) if u is not None] for doc in raw]
        return [doc for doc in docs if doc]
