"""Classes of symbols, by Unicode properties (never the symbol itself): what a readout reads around a cut and what
the language model's class probabilities (``segment.models.inference``) sum over."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

#: The classes a readout reads.
SYMBOL_CLASSES = ("lower", "upper", "letter", "digit", "terminal", "opening", "closing", "punctuation", "other")
#: The classes of format 1-2 readouts, which read every punctuation mark as "punctuation".
COARSE_CLASSES = ("lower", "upper", "letter", "digit", "punctuation", "other")
#: The classes of punctuation marks.
PUNCTUATION_CLASSES = ("terminal", "opening", "closing", "punctuation")
#: Unicode's Sentence_Terminal marks in common use (class "terminal").
SENTENCE_TERMINALS = frozenset("!.?\u0589\u061f\u06d4\u0964\u0965\u1362\u1367\u1368\u203c\u203d\u2047\u2048"
                               "\u2049\u3002\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61")


def symbol_class(symbol, classes: Sequence[str] = SYMBOL_CLASSES) -> int:
    """Index in ``classes`` (SYMBOL_CLASSES or COARSE_CLASSES) of a symbol's class (a multi-character symbol is
    classed by its first character); punctuation classes ``classes`` lacks fall back to "punctuation"."""
    name = class_name(str(symbol)[:1])
    return classes.index(name if name in classes else "punctuation")


def class_name(char: str) -> str:
    """The SYMBOL_CLASSES name of one character ("other" for none)."""
    if not char:
        return "other"
    if char.islower():
        return "lower"
    if char.isupper():
        return "upper"
    if char.isalpha():
        return "letter"
    if char.isdigit():
        return "digit"
    category = unicodedata.category(char)
    if not category.startswith("P"):
        return "other"
    if char in SENTENCE_TERMINALS:
        return "terminal"
    return {"Ps": "opening", "Pi": "opening", "Pe": "closing", "Pf": "closing"}.get(category, "punctuation")
