"""A CoNLL-U reader for what segmentation needs: surface tokens, spacing, raw text and document breaks.

Multiword-token lines (``1-2``) give the surface token and the syntactic words they cover are skipped;
empty nodes (``8.1``) are skipped. ``SpaceAfter=No`` in MISC marks a token glued to the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from segment.corpora.locate import read_utf8
from segment.corpora.types import Unit
from segment.errors import CorpusError


@dataclass(frozen=True)
class Sentence:
    tokens: tuple[str, ...]
    space_after: tuple[bool, ...]
    text: str | None
    newdoc: bool
    newpar: bool

    def surface(self) -> str:
        """The raw text rebuilt from the tokens and SpaceAfter=No."""
        return "".join(t + (" " if sp else "") for t, sp in zip(self.tokens, self.space_after)).rstrip(" ")


def _space_after(misc: str) -> bool:
    return "SpaceAfter=No" not in misc.split("|")


def parse_conllu(text: str, source: str = "<conllu>") -> list[Sentence]:
    """Every sentence of a CoNLL-U text."""
    sentences = []
    for block_no, block in enumerate(text.split("\n\n")):
        tokens: list[str] = []
        spaces: list[bool] = []
        raw = None
        newdoc = newpar = False
        skip_until = 0
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] == "#":
                key, _, value = line[1:].partition("=")
                key = key.strip()
                if key == "text":
                    raw = value.strip()
                newdoc = newdoc or key.startswith("newdoc")
                newpar = newpar or key.startswith("newpar")
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise CorpusError(f"{source}: sentence {block_no + 1}: expected 10 tab-separated columns, "
                                  f"got {len(cols)}: {line[:60]!r}")
            ident = cols[0]
            if "." in ident:
                continue
            try:
                if "-" in ident:
                    skip_until = int(ident.partition("-")[2])
                elif int(ident) <= skip_until:
                    continue
            except ValueError:
                raise CorpusError(f"{source}: sentence {block_no + 1}: bad token id {ident!r}") from None
            tokens.append(cols[1])
            spaces.append(_space_after(cols[9]))
        if tokens:
            sentences.append(Sentence(tuple(tokens), tuple(spaces), raw, newdoc, newpar))
    return sentences


def read_conllu(path: Path) -> list[Sentence]:
    return parse_conllu(read_utf8(path), str(path))


def conllu_documents(sentences: list[Sentence], words: str) -> list[list[Unit]]:
    """Units grouped into documents at ``# newdoc``; words are the whitespace words of the raw text
    (``words="text"``, from ``# text`` or rebuilt from SpaceAfter) or the surface tokens (``"tokens"``)."""
    docs: list[list[Unit]] = []
    for sent in sentences:
        if sent.newdoc or not docs:
            docs.append([])
        if words == "tokens":
            unit_words = sent.tokens
        else:
            unit_words = tuple((sent.text if sent.text is not None else sent.surface()).split())
        docs[-1].append(Unit(unit_words))
    return docs
