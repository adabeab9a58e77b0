"""The Brent-Bernstein-Ratner corpus: one utterance per line, words separated by spaces.

Splits follow Goldwater's distribution: the first 5,000 utterances are "train", the remaining 4,790
"test" (her ``goldwater_split`` files are exactly these slices of ``br-text.txt`` / ``br-phono.txt``).
The whole file is one document.
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.locate import read_utf8
from segment.corpora.text import SAMPLE_SPLITS, fraction_split, line_units
from segment.corpora.types import Unit

GOLDWATER_TRAIN = 5000


def read_brent(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    units = line_units(read_utf8(files[0]))
    parts = {"all": units, "train": units[:GOLDWATER_TRAIN], "test": units[GOLDWATER_TRAIN:]}
    return [parts[split]]


def read_sample_brent(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """The shipped Brent excerpt: "train" the first 80% of its utterances, "test" the rest."""
    return [fraction_split(line_units(read_utf8(files[0])), split, SAMPLE_SPLITS)]
