"""SIGHAN 2005 bakeoff, Peking University gold test set: one line per unit, words separated by spaces.

Lines often hold several sentences; sentence starts inside a line come from the rule-based splitter
(CJK terminals) and are silver. Only the test set is stored, so the splits are "test" and "all" (equal).
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.locate import read_utf8
from segment.corpora.text import line_units
from segment.corpora.types import Unit


def read_pku(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    return [line_units(read_utf8(files[0]), silver_sentences=True)]
