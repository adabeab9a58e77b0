"""Word autonomy from normalised variation of branching entropy, decoded by dynamic programming.

Magistry & Sagot (2012), after Tanaka-Ishii (2005) and Jin & Tanaka-Ishii (2006). ``fit`` indexes every
substring of at most ``max_length`` symbols of the units (substrings never cross a unit edge) and, for each
such string type x:

- the right and left branching entropies h_r(x), h_l(x): the entropy, in bits, of the symbol that follows
  (precedes) the occurrences of x, the unit edge counting as one more outcome; h of the empty string is the
  entropy of the symbol distribution (the unit edge included);
- their variations VBE_r(x) = h_r(x) - h_r(x without its last symbol) and VBE_l(x) = h_l(x) - h_l(x without
  its first symbol): branching rises where a word ends;
- each variation normalised to a z-score over the string types of x's length, so that lengths compare;
- the autonomy a(x) = nVBE_l(x) + nVBE_r(x).

A unit is then cut into the strings w that maximise the sum of a(w) * len(w) - ``word_penalty``: the paper's
Viterbi decoding with, added here, a constant cost per word (0 gives the paper's rule; a positive cost
trades short words for long ones). Strings longer than ``max_length`` or never seen in fit are not
candidates, except single symbols, which always are (an unseen one has autonomy 0). ``boundary_scores``
gives each cut offset its max-marginal margin: the best total of a split that cuts there minus the best of
one that does not, so the decoded cuts are the offsets with a positive margin (``FORCED`` where no candidate
string spans the offset), and a threshold on the margin trades precision for recall.

The defaults (``max_length`` 3, ``word_penalty`` 3) were chosen on UD Chinese GSD dev, fitted on the cpu-zh
scale's raw training text: ``python -m segment.eval.autonomy_choice`` (eval/results/autonomy-choice-zh.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from segment.base import Segmenter
from segment.baselines._stream import BOUNDARY, build_vocabulary, encode_padded
from segment.boundaries import Symbols
from segment.errors import NotFittedError


#: The margin of a cut that no candidate string spans (every split must cut there).
FORCED = 1e9


@dataclass(frozen=True)
class _Strings:
    """The string types of one length n: their sorted keys (id of the first n - 1 symbols * n_codes + the
    code of the last; for n = 1 the code itself) and their autonomy."""

    keys: np.ndarray      # int64 (types,), sorted
    autonomy: np.ndarray  # float64 (types,)


def _entropies(types: np.ndarray, outcomes: np.ndarray, n_types: int, n_codes: int) -> np.ndarray:
    """Entropy in bits of the outcomes observed with each type id 0..n_types-1 (0 for a type never seen)."""
    pairs, counts = np.unique(types * n_codes + outcomes, return_counts=True)
    owner = pairs // n_codes
    total = np.bincount(owner, weights=counts, minlength=n_types)
    weighted = np.bincount(owner, weights=counts * np.log2(counts), minlength=n_types)
    seen = total > 0
    entropy = np.zeros(n_types)
    entropy[seen] = np.log2(total[seen]) - weighted[seen] / total[seen]
    return entropy


def _zscore(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return values
    centred = values - values.mean()
    spread = values.std()
    return centred / spread if spread > 0 else centred


def _extend(ids: np.ndarray, codes: np.ndarray, n: int, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the strings of length n at each position, from the ids of those of length n - 1, and where
    the key is valid (no unit edge inside)."""
    last = np.full(len(codes), BOUNDARY, dtype=np.int64)
    last[:max(len(codes) - n + 1, 0)] = codes[n - 1:]
    return ids * n_codes + last, (ids >= 0) & (last != BOUNDARY)


class BranchingAutonomy(Segmenter):
    """Cut each unit into the strings of highest total autonomy (nVBE, Magistry & Sagot 2012)."""

    requires_fit = True

    def __init__(self, max_length: int = 3, word_penalty: float = 3.0):
        self.max_length = max_length
        self.word_penalty = word_penalty

    def _check_params(self) -> None:
        if isinstance(self.max_length, bool) or not isinstance(self.max_length, int) or self.max_length < 1:
            raise ValueError(f"max_length must be a positive int, got {self.max_length!r}")
        if not np.isfinite(self.word_penalty):
            raise ValueError(f"word_penalty must be a finite number, got {self.word_penalty!r}")

    def _index(self, codes: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per length n = 1..max_length: the type id of the string starting at each position of ``codes``
        (-1 where a unit edge is inside) and the sorted keys of the types."""
        ids = np.where(codes == BOUNDARY, -1, codes)
        per_position, keys = [ids], [np.arange(self.n_codes_)]
        for n in range(2, self.max_length + 1):
            position_keys, valid = _extend(ids, codes, n, self.n_codes_)
            table, inverse = np.unique(position_keys[valid], return_inverse=True)
            ids = np.full(len(codes), -1, dtype=np.int64)
            ids[valid] = inverse
            per_position.append(ids)
            keys.append(table)
        return per_position, keys

    def _lookup(self, codes: np.ndarray) -> list[np.ndarray]:
        """Like :meth:`_index`, against the fitted types: -1 also where the string was never seen in fit."""
        ids = np.where(codes == BOUNDARY, -1, codes)
        per_position = [ids]
        for n, strings in enumerate(self.strings_[1:], start=2):
            position_keys, valid = _extend(ids, codes, n, self.n_codes_)
            wanted = position_keys[valid]
            where = np.minimum(np.searchsorted(strings.keys, wanted), max(len(strings.keys) - 1, 0))
            found = strings.keys[where] == wanted if len(strings.keys) else np.zeros(len(wanted), dtype=bool)
            ids = np.full(len(codes), -1, dtype=np.int64)
            ids[np.flatnonzero(valid)[found]] = where[found]
            per_position.append(ids)
        return per_position

    def fit(self, sequences: Sequence[Symbols]) -> "BranchingAutonomy":
        """Index the substrings of ``sequences`` and compute the autonomy of each."""
        self._check_params()
        self.vocabulary_ = build_vocabulary(sequences)
        self.n_codes_ = n_codes = len(self.vocabulary_) + 2  # boundary, symbols, unknown
        codes = encode_padded(sequences, self.vocabulary_).codes
        unigram = np.bincount(codes[1:], minlength=n_codes)  # every symbol and one edge per unit
        p = unigram[unigram > 0] / unigram.sum()
        empty = float(-(p * np.log2(p)).sum())
        per_position, keys = self._index(codes)
        positions = np.arange(len(codes))
        strings = []
        for n, (ids, types) in enumerate(zip(per_position, keys), start=1):
            at = ids >= 0
            starts, owners = positions[at], ids[at]
            h_r = _entropies(owners, codes[starts + n], len(types), n_codes)
            h_l = _entropies(owners, codes[starts - 1], len(types), n_codes)
            if n == 1:
                prefix = suffix = np.zeros(len(types), dtype=np.int64)  # the empty string, at index 0
                parent_r = parent_l = np.full(1, empty)
            else:
                first = np.zeros(len(types), dtype=np.int64)
                first[owners] = starts  # any occurrence names the string's suffix
                prefix, suffix = types // n_codes, per_position[n - 2][first + 1]
            seen = np.zeros(len(types), dtype=bool)
            seen[owners] = True
            autonomy = np.zeros(len(types))
            autonomy[seen] = (_zscore(h_r[seen] - parent_r[prefix[seen]])
                              + _zscore(h_l[seen] - parent_l[suffix[seen]]))
            strings.append(_Strings(keys=types, autonomy=autonomy))
            parent_r, parent_l = h_r, h_l
        self.strings_ = strings
        return self

    def _string_scores(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        """Per unit, the table ``scores[i, n - 1]`` of the string of n symbols from i (-inf: not a candidate)."""
        self.check_is_fitted()
        self._check_params()  # set_params may have changed them since fit
        if self.max_length != len(self.strings_):
            raise NotFittedError(f"{type(self).__name__} was fitted with max_length {len(self.strings_)}, not "
                                 f"{self.max_length}: fit it again")
        stream = encode_padded(sequences, self.vocabulary_)
        scores = np.full((len(stream.codes), self.max_length), -np.inf)
        for n, (strings, ids) in enumerate(zip(self.strings_, self._lookup(stream.codes)), start=1):
            known = ids >= 0
            scores[known, n - 1] = strings.autonomy[ids[known]] * n - self.word_penalty
        return [scores[start:start + length] for start, length in zip(stream.starts, stream.lengths)]

    def _predict(self, seq: Symbols) -> np.ndarray:
        return self.predict_many([seq])[0]

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        """Cut offsets of each unit: its best-scoring split into candidate strings."""
        return [best_split(table) for table in self._string_scores(sequences)]

    def boundary_scores(self, seq: Symbols) -> np.ndarray:
        """The max-marginal margin of each cut offset 1..n-1 (see the module docstring)."""
        return cut_margins(self._string_scores([seq])[0])


def best_split(scores: np.ndarray) -> np.ndarray:
    """Cut offsets of the split of highest total score; ``scores[i, n - 1]`` scores the n symbols from i
    (-inf: not a candidate; every single symbol must be finite)."""
    length, longest = scores.shape
    table = scores.tolist()
    best = [0.0] + [-np.inf] * length
    back = [0] * (length + 1)
    for end in range(1, length + 1):
        for n in range(1, min(longest, end) + 1):
            value = best[end - n] + table[end - n][n - 1]
            if value > best[end]:
                best[end], back[end] = value, n
    cuts, end = [], length
    while end > 0:
        end -= back[end]
        cuts.append(end)
    return np.array(cuts[-2::-1], dtype=np.int64)


def cut_margins(scores: np.ndarray) -> np.ndarray:
    """For each offset 1..n-1 of the table ``scores`` (as in :func:`best_split`): the best total of a split
    cutting there minus the best total of a split that does not (``FORCED`` when no candidate spans it)."""
    length, longest = scores.shape
    table = scores.tolist()
    before = [0.0] + [-np.inf] * length  # best total of the first j symbols
    for end in range(1, length + 1):
        before[end] = max(before[end - n] + table[end - n][n - 1] for n in range(1, min(longest, end) + 1))
    after = [-np.inf] * length + [0.0]  # best total of the symbols from j on
    for start in range(length - 1, -1, -1):
        after[start] = max(table[start][n - 1] + after[start + n] for n in range(1, min(longest, length - start) + 1))
    spanned = np.full(length + 1, -np.inf)  # best total of a split with a string across offset j
    for start in range(length):
        for n in range(2, min(longest, length - start) + 1):
            value = before[start] + table[start][n - 1] + after[start + n]
            if value > -np.inf:
                spanned[start + 1:start + n] = np.maximum(spanned[start + 1:start + n], value)
    cut = np.array(before[1:length]) + np.array(after[1:length])
    inner = spanned[1:length]
    return np.where(np.isfinite(inner), cut - inner, FORCED) if length > 1 else np.zeros(0)
