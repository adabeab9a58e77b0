"""Peak segmentation over any per-position signal.

A signal holds one float per symbol x_t (ponder time, entropy, surprisal...). Its local maxima
(``scipy.signal.find_peaks``, with that function's ``height``/``prominence``/``distance``/``width``) become
cut offsets through an alignment ``offset``: 0 means a peak at symbol t cuts *before* t (offset t), 1 means
it cuts *after* t (offset t+1). Cuts outside 1..n-1 are dropped. The signal is padded on both sides with its
own minimum, so a peak on the last symbol (a one-symbol final word) can still be found.

Thresholds (``height`` for word cuts, ``sentence_height`` for sentence cuts) are read three ways, chosen by
``threshold``:

- ``"fixed"``: the value is a signal value;
- ``"quantile"``: the value q in [0, 1] means the q-quantile of the signal's values;
- ``"zscore"``: the value z means median + z * robust std, robust std = 1.4826 * MAD (the standard
  deviation when MAD is 0).

The distribution behind ``quantile``/``zscore`` is, by ``scope``, the input sequence's own signal
(``"sequence"``, no fitting needed) or the signal pooled over the ``fit`` sequences (``"fit"``; better for
short units). ``None`` always means "no height constraint". ``prominence``, ``distance`` and ``width`` are
always absolute (in signal units and symbols).

Two levels come from one signal: word cuts are the peaks that pass the word parameters; sentence cuts are
the word cuts whose peak also reaches ``sentence_height`` (the more prominent peaks); with
``sentence_height=None`` there are no sentence cuts. ``level`` picks which one ``predict`` returns;
``predict_levels`` gives both. ``calibrate`` grid-searches the parameters for the best boundary F on a
small labelled set and keeps the result in ``calibration_``.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from segment.base import Segmenter
from segment.boundaries import Symbols
from segment.errors import NotFittedError, ParameterError

THRESHOLD_MODES = ("fixed", "quantile", "zscore")
SCOPES = ("sequence", "fit")
LEVELS = ("word", "sentence")
#: Alignment offsets: 0 cuts before the peak's symbol, 1 cuts after it.
OFFSETS = (0, 1)
#: number of quantiles kept from the fit data (enough to interpolate any quantile finely).
_N_QUANTILES = 1001
_MAD_TO_STD = 1.4826


#: A parameter check: what is wrong with a value ("must be ... (got ...)"), or None when it is valid.
Check = Callable[[object], "str | None"]


def is_number(value) -> bool:
    """True for a finite real number (bools are not numbers here)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def number(low: float | None = None) -> Check:
    """Check: None, or a finite number (at least ``low``)."""
    must = "a number" + ("" if low is None else f" >= {low:g}") + " or None"

    def check(value):
        ok = value is None or (is_number(value) and (low is None or value >= low))
        return None if ok else f"must be {must} (got {value!r})"
    return check


def integer(low: int) -> Check:
    """Check: an integer of at least ``low`` (bools and floats such as 2.0 are refused)."""
    def check(value):
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low
        return None if ok else f"must be an integer >= {low} (got {value!r})"
    return check


def one_of(choices: tuple, must: str | None = None) -> Check:
    """Check: one of ``choices`` (all strings or all integers; bools and floats never match an integer)."""
    kind = str if isinstance(choices[0], str) else numbers.Integral
    must = must or "one of " + ", ".join(map(repr, choices))

    def check(value):
        ok = isinstance(value, kind) and not isinstance(value, bool) and value in choices
        return None if ok else f"must be {must} (got {value!r})"
    return check


def string(value) -> str | None:
    """Check: a string."""
    return None if isinstance(value, str) else f"must be a string (got {value!r})"


#: The checks of the peak parameters (``PeakSegmenter.param_checks``; files that store them use these too).
PEAK_PARAM_CHECKS: dict[str, Check] = {
    "height": number(), "prominence": number(0), "distance": number(1), "width": number(0),
    "offset": one_of(OFFSETS, "0 to cut before the peak's symbol or 1 to cut after it"),
    "threshold": one_of(THRESHOLD_MODES), "scope": one_of(SCOPES), "sentence_height": number(),
    "level": one_of(LEVELS),
}


def param_problems(params: Mapping[str, object], checks: Mapping[str, Check],
                   quantiles: Sequence[str] = ("height", "sentence_height")) -> list[tuple[str, str]]:
    """(name, problem) for every value of ``params`` that its check in ``checks`` refuses, and, with
    threshold="quantile", for each of ``quantiles`` (parameter names) set outside [0, 1]."""
    problems = [(name, problem) for name, value in params.items()
                if name in checks and (problem := checks[name](value))]
    if params.get("threshold") == "quantile":
        problems += [(name, f"is a quantile with threshold='quantile': it must lie in [0, 1], got {params[name]!r}")
                     for name in quantiles if is_number(params.get(name)) and not 0 <= params[name] <= 1]
    return problems


def raise_problems(problems: list[tuple[str, str]]) -> None:
    """ParameterError listing every (name, problem)."""
    if problems:
        raise ParameterError("; ".join(f"{name} {problem}" for name, problem in problems))


def peak_boundaries(signal, *, offset: int = 0, height=None, prominence=None, distance=None,
                    width=None) -> np.ndarray:
    """Cut offsets at the peaks of a per-symbol ``signal`` of length n (see the module docstring)."""
    return _peaks(np.asarray(signal, dtype=np.float64), offset=offset, height=height, prominence=prominence,
                  distance=distance, width=width)[0]


def _peaks(signal: np.ndarray, *, offset: int, **find_peaks_kw) -> tuple[np.ndarray, np.ndarray]:
    """(cut offsets, signal value at each cut's peak) for the peaks of ``signal``."""
    from scipy.signal import find_peaks  # imported on use: the CLI lists its options without scipy

    n = len(signal)
    raise_problems(param_problems({"offset": offset}, PEAK_PARAM_CHECKS))
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    pad = signal.min()
    peaks, _ = find_peaks(np.concatenate([[pad], signal, [pad]]), **find_peaks_kw)
    peaks = peaks - 1
    cuts = peaks + offset
    keep = (cuts >= 1) & (cuts <= n - 1)
    return cuts[keep].astype(np.int64), signal[peaks[keep]]


def robust_center_scale(values: np.ndarray) -> tuple[float, float]:
    """(median, robust std) of ``values``: 1.4826 * MAD, or the standard deviation when MAD is 0."""
    median = float(np.median(values))
    scale = _MAD_TO_STD * float(np.median(np.abs(values - median)))
    return median, scale if scale > 0 else float(np.std(values))


class PeakSegmenter(Segmenter):
    """Cuts at the peaks of a per-symbol signal; subclasses implement ``signal(seq)`` (length n).

    Subclasses that can compute many signals at once (a model in batches) override ``signals``. They list
    the peak parameters in their own ``__init__`` (keyword-only) and pass them on. ``validate_params`` checks
    the parameters named in ``param_checks`` at fit and predict time.
    """

    #: parameter name -> its check (see ``PEAK_PARAM_CHECKS``); subclasses may add their own parameters.
    param_checks: Mapping[str, Check] = PEAK_PARAM_CHECKS

    def __init__(self, *, height=None, prominence=None, distance=None, width=None, offset: int = 0,
                 threshold: str = "fixed", scope: str = "sequence", sentence_height=None,
                 level: str = "word"):
        self.height = height
        self.prominence = prominence
        self.distance = distance
        self.width = width
        self.offset = offset
        self.threshold = threshold
        self.scope = scope
        self.sentence_height = sentence_height
        self.level = level

    # -- the signal ---------------------------------------------------------------------------
    def signal(self, seq: Symbols) -> np.ndarray:
        """One float per symbol of ``seq``."""
        raise NotImplementedError

    def signals(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        """``signal`` over many sequences."""
        return [self.signal(s) for s in sequences]

    # -- fitting: the reference distribution for scope="fit" ----------------------------------
    def fit(self, sequences: Sequence[Symbols]) -> "PeakSegmenter":
        """With ``scope="fit"``: store the pooled signal distribution of ``sequences``; else nothing to learn."""
        self.validate_params()
        return self._fit_reference(self.signals(sequences)) if self.scope == "fit" else self

    def _fit_reference(self, signals: Sequence[np.ndarray]) -> "PeakSegmenter":
        """Keep quantiles, median and robust std of the pooled ``signals`` (a single 0 when there are none)."""
        values = np.concatenate([np.zeros(0), *(np.asarray(s, dtype=np.float64) for s in signals)])
        if values.size == 0:
            values = np.zeros(1)
        self.reference_quantiles_ = np.quantile(values, np.linspace(0.0, 1.0, _N_QUANTILES))
        self.reference_center_, self.reference_scale_ = robust_center_scale(values)
        return self

    # -- thresholds ---------------------------------------------------------------------------
    def validate_params(self, levels: Sequence[str] = ("word",)) -> None:
        """ParameterError naming every parameter outside its valid values (``sentence_height`` is read as a
        quantile only when ``levels`` include sentence cuts)."""
        quantiles = ("height", "sentence_height") if "sentence" in levels else ("height",)
        raise_problems(param_problems({name: getattr(self, name) for name in self.param_checks},
                                      self.param_checks, quantiles))

    def resolve_height(self, value, signal: np.ndarray) -> float | None:
        """A threshold value (``height`` or ``sentence_height``) as a signal value, per ``threshold``."""
        if value is None or self.threshold == "fixed":
            return value
        if self.scope == "fit":
            if not hasattr(self, "reference_quantiles_"):
                raise NotFittedError(f"{type(self).__name__} with scope='fit' needs fit(sequences) first")
            if self.threshold == "quantile":
                return float(np.interp(value, np.linspace(0.0, 1.0, _N_QUANTILES), self.reference_quantiles_))
            return self.reference_center_ + value * self.reference_scale_
        if self.threshold == "quantile":
            return float(np.quantile(signal, value))
        center, scale = robust_center_scale(signal)
        return center + value * scale

    # -- prediction ---------------------------------------------------------------------------
    def predict_signal_levels(self, signal, levels: Sequence[str] = LEVELS) -> dict[str, np.ndarray]:
        """Cut offsets at each of ``levels`` (word and/or sentence) for a precomputed per-symbol ``signal``."""
        self.validate_params(levels)
        signal = np.asarray(signal, dtype=np.float64)
        if len(signal) < 2:
            return {level: np.zeros(0, dtype=np.int64) for level in levels}
        cuts, values = _peaks(signal, offset=self.offset, height=self.resolve_height(self.height, signal),
                              prominence=self.prominence, distance=self.distance, width=self.width)
        found = {"word": cuts}
        if "sentence" in levels:
            sentence = self.resolve_height(self.sentence_height, signal)
            found["sentence"] = cuts[values >= sentence] if sentence is not None else np.zeros(0, dtype=np.int64)
        return {level: found[level] for level in levels}

    def predict_signal(self, signal) -> np.ndarray:
        """Cut offsets (at ``level``) for a precomputed per-symbol ``signal``."""
        return self.predict_signal_levels(signal, (self.level,))[self.level]

    def _predict(self, seq: Symbols) -> np.ndarray:
        return self.predict_signal(self._checked_signal(seq))

    def predict_levels(self, seq: Symbols) -> dict[str, np.ndarray]:
        """Both levels for ``seq``: {"word": offsets, "sentence": offsets}."""
        self.check_is_fitted()
        if len(seq) < 2:
            return {level: np.zeros(0, dtype=np.int64) for level in LEVELS}
        return self.predict_signal_levels(self._checked_signal(seq))

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        self.check_is_fitted()
        return [self.predict_signal(s) if len(seq) >= 2 else np.zeros(0, dtype=np.int64)
                for seq, s in zip(sequences, self.signals(sequences))]

    def boundary_scores(self, seq: Symbols) -> np.ndarray:
        """The signal aligned to cut offsets: index i-1 holds the signal value that scores offset i."""
        self.check_is_fitted()
        self.validate_params()
        if len(seq) < 2:
            return np.zeros(0)
        return align_signal(self._checked_signal(seq), self.offset)

    def _checked_signal(self, seq: Symbols) -> np.ndarray:
        signal = np.asarray(self.signal(seq), dtype=np.float64)
        if signal.shape != (len(seq),):
            raise ValueError(f"{type(self).__name__}.signal gave shape {signal.shape} for {len(seq)} symbols")
        return signal

    # -- calibration on a small labelled set --------------------------------------------------
    def default_grid(self, signals: Sequence[np.ndarray]) -> dict[str, list]:
        """Offsets 0/1 and ten heights spread over the signal's distribution (in ``threshold``'s units)."""
        if self.threshold == "quantile":
            heights = [None, *np.round(np.linspace(0.1, 0.9, 9), 2).tolist()]
        elif self.threshold == "zscore":
            heights = [None, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0]
        else:
            values = np.concatenate([np.asarray(s, dtype=np.float64) for s in signals] or [np.zeros(1)])
            heights = [None, *np.unique(np.quantile(values, np.linspace(0.1, 0.9, 9))).tolist()]
        return {"offset": [0, 1], "height": heights}

    def calibrate(self, sequences: Sequence[Symbols], references: Sequence[np.ndarray], *,
                  grid: Mapping[str, Sequence] | None = None, metric: str = "boundary_noedge_f"
                  ) -> "PeakSegmenter":
        """Grid-search parameters for the best ``metric`` of ``segment.eval.word_scores`` on a labelled set.

        ``grid`` maps parameter names to candidate values (default: ``default_grid``); the signal is computed
        once. The best parameters are set on the segmenter and stored with their score in ``calibration_``
        (ties go to the first candidate in grid order). Cuts are scored at ``level``: with ``level="sentence"``,
        sentence references and a grid over ``sentence_height`` calibrate the sentence threshold.
        """
        from segment.eval import word_scores

        self.check_is_fitted()
        if len(sequences) != len(references):
            raise ValueError(f"{len(sequences)} sequences but {len(references)} references")
        signals = self.signals(sequences)
        grid = dict(grid) if grid is not None else self.default_grid(signals)
        invalid = set(grid) - set(self._param_names())
        if invalid:
            raise ValueError(f"cannot calibrate unknown parameters {sorted(invalid)}")
        best_params, best_score = None, -np.inf
        for values in itertools.product(*grid.values()):
            candidate = dict(zip(grid, values))
            self.set_params(**candidate)
            hypothesis = [self.predict_signal(s) for s in signals]
            score = word_scores(reference=list(references), hypothesis=hypothesis, sequences=list(sequences))[metric]
            if score > best_score:
                best_params, best_score = candidate, score
        if best_params is None:
            raise ValueError("the calibration grid holds no candidate")
        self.set_params(**best_params)
        self.calibration_ = {"params": best_params, "metric": metric, "score": float(best_score),
                             "units": len(sequences), "symbols": int(sum(len(s) for s in sequences))}
        return self


def shift_right(signal: np.ndarray) -> np.ndarray:
    """The signal moved one symbol later (a peak on symbol t now sits on t+1), first value repeated: how a
    right-to-left model's signal, read back in text order, marks the cut after a word's last symbol."""
    return np.concatenate([signal[:1], signal[:-1]])


def align_signal(signal: np.ndarray, offset: int) -> np.ndarray:
    """Per-symbol signal (length n) -> per-cut scores (length n-1) under the alignment ``offset``."""
    return signal[1:] if offset == 0 else signal[:-1]


class SignalPeakSegmenter(PeakSegmenter):
    """Peak segmentation over any per-position signal: ``source`` is a callable ``seq -> array of length n``
    or one precomputed array (then only a sequence of that length can be segmented)."""

    def __init__(self, source: Callable[[Symbols], np.ndarray] | np.ndarray | Sequence[float], *, height=None,
                 prominence=None, distance=None, width=None, offset: int = 0, threshold: str = "fixed",
                 scope: str = "sequence", sentence_height=None, level: str = "word"):
        super().__init__(height=height, prominence=prominence, distance=distance, width=width, offset=offset,
                         threshold=threshold, scope=scope, sentence_height=sentence_height, level=level)
        self.source = source

    def signal(self, seq: Symbols) -> np.ndarray:
        if callable(self.source):
            return np.asarray(self.source(seq), dtype=np.float64)
        signal = np.asarray(self.source, dtype=np.float64)
        if len(signal) != len(seq):
            raise ValueError(f"the precomputed signal has {len(signal)} values but the sequence has "
                             f"{len(seq)} symbols")
        return signal
