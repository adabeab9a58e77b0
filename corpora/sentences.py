"""A small rule-based sentence splitter over words. Its output is *silver*, never gold.

A sentence ends after a word whose last character (ignoring closing quotes and brackets) is a terminal
mark. CJK full-width terminals (。！？) always end a sentence. A Latin ``.``, ``!``, ``?`` or ``…`` ends
one only when the next word starts (after opening quotes and brackets) with an upper-case letter or a
digit, and a ``.`` does not end one after a known abbreviation or a single-letter initial.
"""

from __future__ import annotations

from collections.abc import Sequence

CJK_TERMINALS = "。！？"
LATIN_TERMINALS = ".!?…"
CLOSERS = "\"')]}’”»_*"
OPENERS = "\"'([{‘“«_*"
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st prof sr jr mt vs etc cf viz no vol fig jan feb mar apr jun jul aug sep sept oct nov dec"
    " e.g i.e a.m p.m u.s".split())


def _ends_sentence(word: str, following: str) -> bool:
    core = word.rstrip(CLOSERS)
    if not core:
        return False
    if core[-1] in CJK_TERMINALS:
        return True
    if core[-1] not in LATIN_TERMINALS:
        return False
    nxt = following.lstrip(OPENERS)
    if not nxt or not (nxt[0].isupper() or nxt[0].isdigit()):
        return False
    if core[-1] == ".":
        stem = core.rstrip(".").lstrip(OPENERS).casefold()
        if stem in ABBREVIATIONS or (len(stem) == 1 and stem.isalpha()):
            return False
    return True


def sentence_starts(words: Sequence[str]) -> tuple[int, ...]:
    """Word indices (> 0) where a new sentence starts."""
    return tuple(i + 1 for i in range(len(words) - 1) if _ends_sentence(words[i], words[i + 1]))
