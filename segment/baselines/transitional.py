"""Transitional-probability segmenters (Saffran et al. 1996), as the standard word-segmentation toolkits run them.

Statistics of adjacent symbol pairs (bigrams) are counted in ``fit`` over all units run together as one
stream in which a unit-boundary pseudo-symbol ``B`` pads every unit (``B u1 B u2 ... B uN B``):

- ``forward``:  TP(x -> y) = c(xy) / c(x)
- ``backward``: TP(x <- y) = c(xy) / c(y)
- ``mi``:       pointwise mutual information log2(N c(xy) / (c(x) c(y))), N the stream length (the
  toolkits omit N; a constant shift that changes no decision)

With ``pad_ends=False`` the stream has ``B`` only between units (``u1 B u2 ... B uN``), exactly as
bootphon/wordseg's ``tp`` builds it, both in fit and in ``predict_many``, which then reads its units as
one stream: the stream's first and last pairs have no outer neighbour, so the relative threshold never
cuts them. That reproduces the toolkit's published figures to the last digit; the default (padded ends)
makes every unit's prediction independent of the others and of their order.

Bigrams unseen in fit get 0 (TP) or -inf (MI). A low statistic suggests a word boundary:

- ``relative`` threshold: cut between x and y at a local dip, stat(w,x) > stat(x,y) < stat(y,z), where
  the neighbours of a unit's first and last pair are the pairs with ``B``;
- ``absolute`` threshold: cut where stat(x,y) <= the mean of the statistic over the bigram types seen in
  fit (pairs with ``B`` included).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segment.base import Segmenter
from segment.baselines._stream import PaddedStream, build_vocabulary, encode_padded
from segment.boundaries import Symbols

STATISTICS = ("forward", "backward", "mi")
THRESHOLDS = ("relative", "absolute")


class TransitionalProbability(Segmenter):
    """Cut at low transitional probability (or mutual information) between adjacent symbols."""

    requires_fit = True

    def __init__(self, statistic: str = "forward", threshold: str = "relative", pad_ends: bool = True):
        self.statistic = statistic
        self.threshold = threshold
        self.pad_ends = pad_ends

    def _check_params(self) -> None:
        if self.statistic not in STATISTICS:
            raise ValueError(f"statistic must be one of {STATISTICS}, got {self.statistic!r}")
        if self.threshold not in THRESHOLDS:
            raise ValueError(f"threshold must be one of {THRESHOLDS}, got {self.threshold!r}")

    def fit(self, sequences: Sequence[Symbols]) -> "TransitionalProbability":
        """Count unigrams and bigrams over the boundary-padded stream of all units."""
        self._check_params()
        self.vocabulary_ = build_vocabulary(sequences)
        codes = self._encode(sequences).codes
        self.n_codes_ = len(self.vocabulary_) + 2  # boundary, symbols, unknown
        unigrams = np.bincount(codes, minlength=self.n_codes_).astype(float)
        keys, counts = np.unique(codes[:-1] * self.n_codes_ + codes[1:], return_counts=True)
        first, second = np.divmod(keys, self.n_codes_)
        if self.statistic == "forward":
            values = counts / unigrams[first]
        elif self.statistic == "backward":
            values = counts / unigrams[second]
        else:
            values = np.log2(len(codes) * counts / (unigrams[first] * unigrams[second]))
        self.mean_ = float(values.mean()) if len(values) else 0.0
        # a sentinel key past every real one keeps look-ups in range
        self.bigram_keys_ = np.append(keys, self.n_codes_ ** 2)
        self.bigram_values_ = np.append(values, self._unseen_value())
        return self

    def _encode(self, sequences: Sequence[Symbols]) -> PaddedStream:
        stream = encode_padded(sequences, self.vocabulary_)
        return stream if self.pad_ends else stream.without_ends()

    def _unseen_value(self) -> float:
        return -np.inf if self.statistic == "mi" else 0.0

    def _stream_statistic(self, stream: PaddedStream) -> np.ndarray:
        """The statistic of every bigram (codes[j], codes[j+1]) of the stream, j = 0..L-2."""
        keys = stream.codes[:-1] * self.n_codes_ + stream.codes[1:]
        index = np.minimum(np.searchsorted(self.bigram_keys_, keys), len(self.bigram_keys_) - 1)
        return np.where(self.bigram_keys_[index] == keys, self.bigram_values_[index], self._unseen_value())

    def _cuts(self, stream: PaddedStream) -> list[np.ndarray]:
        stat = self._stream_statistic(stream)
        cut = stream.internal_bigrams()
        if self.threshold == "absolute":
            cut &= stat <= self.mean_
        else:
            dip = np.zeros_like(cut)
            dip[1:-1] = (stat[:-2] > stat[1:-1]) & (stat[1:-1] < stat[2:])
            cut &= dip
        return stream.internal_offsets(np.flatnonzero(cut))

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        """Cut offsets for every unit, computed on one padded stream (fast)."""
        self.check_is_fitted()
        self._check_params()
        return self._cuts(self._encode(sequences))

    def _predict(self, seq: Symbols) -> np.ndarray:
        return self.predict_many([seq])[0]

    def boundary_scores(self, seq: Symbols) -> np.ndarray:
        """The negated statistic of each adjacent pair (higher means more boundary-like), length n-1.

        The unit is read padded with ``B`` on both sides, whatever ``pad_ends``.
        """
        self.check_is_fitted()
        stat = self._stream_statistic(encode_padded([seq], self.vocabulary_))
        return -stat[1:len(seq)] if len(seq) > 1 else np.zeros(0)
