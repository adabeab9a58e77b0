"""Universal Dependencies treebanks: gold sentences, documents from ``# newdoc``.

ud-en-ewt: words are the whitespace words of the raw ``# text`` ("don't" stays one word, "Al-Zaman"
too), not the treebank's tokens. ud-zh-gsd (v2.0, no ``# text``): words are the gold tokens (FORMs),
the unspaced sentence their concatenation. Split "all" is train, dev and test in that order.
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.conllu import conllu_documents, read_conllu
from segment.corpora.types import Unit

SPLITS = ("train", "dev", "test")


def _read(files: tuple[Path, ...], split: str, words: str) -> list[list[Unit]]:
    chosen = files if split == "all" else (files[SPLITS.index(split)],)
    return [doc for path in chosen for doc in conllu_documents(read_conllu(path), words)]


def read_whitespace_words(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """Words = whitespace words of the raw sentence text (files: train, dev, test)."""
    return _read(files, split, "text")


def read_token_words(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """Words = the treebank's surface tokens (files: train, dev, test)."""
    return _read(files, split, "tokens")
