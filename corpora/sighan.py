"""SIGHAN 2005 bakeoff gold test sets (Peking University, Microsoft Research): one line per unit, words
separated by spaces (two in the files; U+3000 counts as a space, as in the bakeoff's score.pl).

Lines often hold several sentences; sentence starts inside a line come from the rule-based splitter
(CJK terminals) and are silver. Only the test sets are stored, so the splits are "test" and "all" (equal).
Each set's training word list (for OOV recall) comes from ``training_words``.
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.locate import find_folder, missing_error, read_utf8
from segment.corpora.text import line_units
from segment.corpora.types import Unit

#: corpus name -> (folder, gold test file, training word list)
BAKEOFF_SETS = {
    "sighan-pku": ("icwb2-pku", "pku_test_gold.utf8", "pku_training_words.utf8"),
    "sighan-msr": ("icwb2-msr", "msr_test_gold.utf8", "msr_training_words.utf8"),
}


def read_bakeoff(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    """The gold test file as one document of line units."""
    return [line_units(read_utf8(files[0]), silver_sentences=True)]


def training_words(name: str, data_dir=None) -> frozenset[str]:
    """The training word list of the bakeoff set ``name`` (a key of BAKEOFF_SETS), for OOV recall."""
    folder, _, words_file = BAKEOFF_SETS[name]
    found = find_folder(folder, (words_file,), data_dir)
    if found is None:
        raise missing_error(folder, (words_file,), data_dir)
    return frozenset(line.strip() for line in read_utf8(found / words_file).split("\n") if line.strip())
