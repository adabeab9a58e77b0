"""Character n-gram signals: surprisal and branching entropy (Harris 1955; Tanaka-Ishii 2005), peak-picked.

The model is an interpolated Kneser-Ney n-gram model (Chen & Goodman 1999) over integer-coded symbols,
with one absolute discount per order, D = n1 / (n1 + 2 n2) (n1, n2: the number of n-gram types seen once
and twice at that order; clipped to [0.1, 0.9], 0.5 when both are 0), continuation counts at the lower
orders, and a uniform distribution at the bottom. Its outcomes are every fit symbol, the unit-boundary
pseudo-symbol ``B`` and one unknown symbol. Each unit is read with ``order - 1`` copies of ``B`` before it
and predicts ``B`` after its last symbol; contexts never cross from one unit into the next.

Signals, one value per symbol x_t of a unit (a peak at t cuts before t, ``offset=0``):

- ``surprisal``: -log2 p(x_t | x_{t-order+1} .. x_{t-1}): the first symbol of a word is hard to predict;
- ``bentropy-forward``: H(X_t | x_{t-order+1} .. x_{t-1}), the entropy of what follows x_<t: high
  where a word ends and the next one, whichever it is, starts at t;
- ``bentropy-backward``: H(X_{t-1} | x_t .. x_{t+order-2}), the entropy of what precedes x_t, from a
  model of the reversed units: high when x_t starts a word;
- ``bentropy-sum``: the sum of the two branching entropies.

Values are in bits. ``fit`` counts the n-grams of the given units (and, for the peak segmenter's
``scope="fit"``, stores the pooled signal distribution).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segment.baselines._stream import BOUNDARY, build_vocabulary, encode_padded
from segment.boundaries import Symbols
from segment.errors import NotFittedError
from segment.peaks import PeakSegmenter

STATISTICS = ("surprisal", "bentropy-forward", "bentropy-backward", "bentropy-sum")
#: dense probability rows computed at once (rows x outcomes), to bound memory on large alphabets.
_CHUNK_CELLS = 1 << 21


def _contexts(codes: np.ndarray, targets: np.ndarray, length: int, n_codes: int) -> np.ndarray:
    """Integer key of the ``length`` codes before each target position (base ``n_codes``)."""
    keys = np.zeros(len(targets), dtype=np.int64)
    for back in range(length, 0, -1):
        keys = keys * n_codes + codes[targets - back]
    return keys


def _discount(counts: np.ndarray) -> float:
    """Ney's absolute discount n1 / (n1 + 2 n2), kept in [0.1, 0.9] so that every outcome keeps some mass."""
    n1, n2 = np.count_nonzero(counts == 1), np.count_nonzero(counts == 2)
    return float(np.clip(n1 / (n1 + 2 * n2), 0.1, 0.9)) if n1 + n2 else 0.5


class KneserNeyModel:
    """Interpolated Kneser-Ney n-gram model over codes 0..n_codes-1, fit on (context, target) windows."""

    def __init__(self, order: int, n_codes: int):
        if order < 1:
            raise ValueError(f"order must be at least 1, got {order!r}")
        if n_codes ** order >= 2 ** 62:
            raise ValueError(f"{n_codes} symbols at order {order} overflow the 64-bit n-gram keys; "
                             f"lower the order")
        self.order = order
        self.n_codes = n_codes
        self.levels: list[tuple[np.ndarray, np.ndarray, float]] = []  # (sorted gram keys, counts, D)

    def fit(self, codes: np.ndarray, targets: np.ndarray) -> "KneserNeyModel":
        """Count the ``order``-grams ending at each target position of ``codes``."""
        k = self.n_codes
        grams = _contexts(codes, targets, self.order - 1, k) * k + codes[targets]
        keys, counts = np.unique(grams, return_counts=True)
        levels = [(keys, counts)]
        for length in range(self.order - 1, 0, -1):  # continuation counts: distinct left extensions
            keys, counts = np.unique(levels[0][0] % k ** length, return_counts=True)
            levels.insert(0, (keys, counts))
        self.levels = [(keys, counts.astype(np.float64), _discount(counts)) for keys, counts in levels]
        return self

    def distributions(self, contexts: np.ndarray) -> np.ndarray:
        """p(. | context) for each full-length context key: an array (len(contexts), n_codes)."""
        k = self.n_codes
        probs = np.full((len(contexts), k), 1.0 / k)
        for length, (keys, counts, discount) in enumerate(self.levels):
            history = contexts % k ** length
            lo = np.searchsorted(keys, history * k)
            hi = np.searchsorted(keys, history * k + k)
            sizes = hi - lo
            rows = np.repeat(np.arange(len(contexts)), sizes)
            index = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes) + np.repeat(lo, sizes)
            table = np.zeros_like(probs)
            table[rows, keys[index] % k] = counts[index]
            total = table.sum(axis=1, keepdims=True)
            seen = total[:, 0] > 0
            backoff = discount * sizes[seen, None] / total[seen]
            probs[seen] = np.maximum(table[seen] - discount, 0.0) / total[seen] + backoff * probs[seen]
        return probs

    def evaluate(self, codes: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(surprisal of the target, entropy of the predictive distribution) in bits at each target."""
        contexts = _contexts(codes, targets, self.order - 1, self.n_codes)
        unique, inverse = np.unique(contexts, return_inverse=True)
        surprisal = np.empty(len(targets))
        entropy = np.empty(len(targets))
        by_context = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[by_context], np.arange(len(unique) + 1))
        step = max(1, _CHUNK_CELLS // self.n_codes)
        for start in range(0, len(unique), step):
            probs = self.distributions(unique[start:start + step])
            logs = np.log2(probs)
            chunk_entropy = -(probs * logs).sum(axis=1)
            where = by_context[bounds[start]:bounds[min(start + step, len(unique))]]
            rows = inverse[where] - start
            surprisal[where] = -logs[rows, codes[targets[where]]]
            entropy[where] = chunk_entropy[rows]
        return surprisal, entropy


class NgramPeakSegmenter(PeakSegmenter):
    """Peaks of an n-gram signal (``statistic``, see the module docstring); every local maximum by default."""

    requires_fit = True

    def __init__(self, statistic: str = "bentropy-sum", order: int = 3, *, height=None, prominence=None,
                 distance=None, width=None, offset: int = 0, threshold: str = "fixed",
                 scope: str = "sequence", sentence_height=None, level: str = "word"):
        super().__init__(height=height, prominence=prominence, distance=distance, width=width, offset=offset,
                         threshold=threshold, scope=scope, sentence_height=sentence_height, level=level)
        self.statistic = statistic
        self.order = order

    def _directions(self) -> tuple[bool, ...]:
        """Which models the statistic needs: (False,) forward, (True,) backward (reversed units), or both."""
        if self.statistic not in STATISTICS:
            raise ValueError(f"statistic must be one of {STATISTICS}, got {self.statistic!r}")
        return {"bentropy-backward": (True,), "bentropy-sum": (False, True)}.get(self.statistic, (False,))

    def _windows(self, sequences: Sequence[Symbols], reverse: bool, order: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes, target positions, unit lengths): targets are each unit's symbols and the ``B`` after it."""
        units = [seq[::-1] for seq in sequences] if reverse else sequences
        stream = encode_padded(units, self.vocabulary_, pad=max(order - 1, 1))
        ends = stream.starts + stream.lengths
        targets = np.flatnonzero(stream.codes != BOUNDARY)
        targets = np.sort(np.concatenate([targets, ends]))
        return stream.codes, targets, stream.lengths

    def fit(self, sequences: Sequence[Symbols]) -> "NgramPeakSegmenter":
        """Count the n-grams of ``sequences`` (both directions where needed); store the signal distribution."""
        self.vocabulary_ = build_vocabulary(sequences)
        self.models_ = {}
        for reverse in self._directions():
            codes, targets, _ = self._windows(sequences, reverse, self.order)
            self.models_[reverse] = KneserNeyModel(self.order, len(self.vocabulary_) + 2).fit(codes, targets)
        return self._fit_reference(self.signals(sequences))

    def signals(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        """The statistic for every symbol of every unit, computed in one pass per direction."""
        self.check_is_fitted()
        total = None
        for reverse in self._directions():
            model = self.models_.get(reverse)
            if model is None:
                raise NotFittedError(f"{type(self).__name__} was fitted for another statistic: fit it again")
            codes, targets, lengths = self._windows(sequences, reverse, model.order)
            surprisal, entropy = model.evaluate(codes, targets)
            values = surprisal if self.statistic == "surprisal" else entropy
            # per unit: n + 1 values (its symbols, then the boundary after it)
            per_unit = np.split(values, np.cumsum(lengths + 1)[:-1]) if len(lengths) else []
            if reverse:  # the value at reversed position n - t scores the cut before symbol t
                per_unit = [v[1:][::-1] for v in per_unit]
            else:
                per_unit = [v[:-1] for v in per_unit]
            total = per_unit if total is None else [a + b for a, b in zip(total, per_unit)]
        return total

    def signal(self, seq: Symbols) -> np.ndarray:
        return self.signals([seq])[0]
