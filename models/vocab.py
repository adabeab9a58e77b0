"""Symbol vocabulary: ids for the symbols of a training corpus plus two specials, stored as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from segment.errors import ModelLoadError

UNK = "<unk>"
SEP = "<sep>"


class Vocab:
    """Maps symbols (str: a character or a phoneme string) to ids. Id 0 is "<unk>" (any symbol not seen
    in training), id 1 is "<sep>" (the separator placed between units and before a unit at inference)."""

    unk_id = 0
    sep_id = 1

    def __init__(self, symbols: Iterable[str]):
        symbols = list(symbols)
        if symbols[:2] != [UNK, SEP]:
            raise ValueError(f"a vocabulary starts with {UNK!r}, {SEP!r}; got {symbols[:2]}")
        if len(set(symbols)) != len(symbols) or not all(isinstance(s, str) for s in symbols):
            raise ValueError("vocabulary symbols must be unique strings")
        self.symbols: list[str] = symbols
        self.index: dict[str, int] = {s: i for i, s in enumerate(symbols)}

    @classmethod
    def build(cls, sequences: Iterable[Sequence[str]], min_count: int = 1) -> Vocab:
        """Symbols seen at least min_count times, most frequent first (ties in code-point order)."""
        counts = Counter(symbol for seq in sequences for symbol in seq)
        for special in (UNK, SEP):
            counts.pop(special, None)
        kept = sorted((s for s, n in counts.items() if n >= min_count), key=lambda s: (-counts[s], s))
        return cls([UNK, SEP, *kept])

    def __len__(self) -> int:
        return len(self.symbols)

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocab) and self.symbols == other.symbols

    def __repr__(self) -> str:
        return f"Vocab({len(self)} symbols)"

    def encode(self, seq: Sequence[str]) -> list[int]:
        """Ids of the symbols of seq; unknown symbols become unk_id."""
        return [self.index.get(symbol, self.unk_id) for symbol in seq]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.symbols[i] for i in ids]

    def unknown_symbols(self, seq: Sequence[str]) -> set[str]:
        """Symbols of seq that the vocabulary does not hold."""
        return {symbol for symbol in seq if symbol not in self.index}

    def unknown_counts(self, sequences: Iterable[Sequence[str]]) -> Counter:
        """How often each unknown symbol occurs in sequences (for a one-line report)."""
        return Counter(symbol for seq in sequences for symbol in seq if symbol not in self.index)

    def to_json(self) -> str:
        return json.dumps({"symbols": self.symbols}, ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, text: str, source: str | Path = "vocab.json") -> Vocab:
        """Parse to_json's output; ModelLoadError naming source when it is not a valid vocabulary."""
        try:
            return cls(json.loads(text)["symbols"])
        except (ValueError, KeyError, TypeError) as err:
            raise ModelLoadError(f"{source}: not a valid vocabulary: {err}") from None
