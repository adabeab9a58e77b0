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
        problem = symbols_problem(symbols)
        if problem:
            raise ValueError(f"vocabulary symbols: {problem}")
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
        """Parse to_json's output; ModelLoadError naming source and the bad field when it is not a valid
        vocabulary."""
        try:
            data = json.loads(text)
        except ValueError as err:
            raise ModelLoadError(f"{source}: invalid JSON ({err})") from None
        problem = vocab_problem(data)
        if problem:
            raise ModelLoadError(f"{source}: {problem}")
        return cls(data["symbols"])


def vocab_problem(data) -> str | None:
    """What is wrong with parsed vocab.json content (an object whose one field is symbols), or None."""
    if not isinstance(data, dict):
        return f'expected a JSON object {{"symbols": [...]}} (got {type(data).__name__})'
    unknown = sorted(set(data) - {"symbols"})
    if unknown:
        return f"unknown field(s): {', '.join(unknown)}"
    if "symbols" not in data:
        return "missing field: symbols"
    problem = symbols_problem(data["symbols"])
    return problem and f"symbols: {problem}"


def symbols_problem(symbols) -> str | None:
    """What is wrong with a vocabulary's symbols (a list of unique strings from "<unk>", "<sep>"), or None."""
    if not isinstance(symbols, list):
        return f"must be a list of strings (got {type(symbols).__name__})"
    for i, symbol in enumerate(symbols):
        if not isinstance(symbol, str):
            return f"item {i} must be a string (got {symbol!r})"
    if symbols[:2] != [UNK, SEP]:
        return f"must start with {UNK!r}, {SEP!r} (got {symbols[:2]})"
    twice = [symbol for symbol, n in Counter(symbols).items() if n > 1]
    return f"{twice[0]!r} appears twice" if twice else None
