"""A learned boundary readout: a classifier over an ACT model's per-symbol signals (and, optionally, a
right-to-left model's) and the symbol classes, trained on labelled units, stored as JSON beside the model.

Features of the cut before symbol t (offset t), for every signal s of every model read:
``s[t+d]`` for d in -window..window (edges repeated), the local z-score of s[t] (mean and standard deviation
over +-``z_window`` symbols), s[t] - s[t-1] and s[t] - s[t+1]; and the classes of symbols t-c..t+c-1 for
``class_window`` c (lower, upper, caseless letter, digit, sentence-terminal / opening / closing / other
punctuation, other: Unicode properties, never the symbol itself; none past the sequence's ends). A right-to-left model's
signals are read back in text order and moved one symbol later (its peak on a word's last symbol marks the
cut after it). The features are standardised and fed to scikit-learn's LogisticRegression, or to its
MLPClassifier (``classifier="mlp"``: ReLU hidden layers, a logistic output; ``members`` > 1: that many networks
from successive seeds, their probabilities averaged); the decision threshold is the one with the best boundary F
on held-out labelled units. Everything a prediction needs is plain numbers in
``readout-<level>.json`` (the scaler, each layer's weights): no pickle.
"""

from __future__ import annotations

import filecmp
import json
import math
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from tqdm import tqdm

from segment.base import Segmenter
from segment.boundaries import Symbols
from segment.errors import ModelLoadError, ParameterError
from segment.files import write_atomic
from segment.peaks import shift_right
from segment.symbol_classes import COARSE_CLASSES, SYMBOL_CLASSES, symbol_class

#: The ponder/halting signals (the rest are the language model's own).
HALTING_SIGNALS = ("ponder", "steps", "remainder", "halt_first")
#: The language model's probabilities of the next symbol's class (uppercase, sentence terminal, punctuation) and
#: of "<sep>" (that a unit of its training text ends).
CLASS_PROBABILITY_SIGNALS = ("p_upper", "p_terminal", "p_punctuation", "p_sep")
#: The model signals a readout can read (``segment.models.inference.Signals`` fields).
READOUT_SIGNALS = (*HALTING_SIGNALS, "entropy", "surprisal", *CLASS_PROBABILITY_SIGNALS)
#: The signals a readout reads unless told otherwise (the class probabilities are asked for by name).
DEFAULT_SIGNALS = (*HALTING_SIGNALS, "entropy", "surprisal")
LEVELS = ("word", "sentence")
CLASSIFIERS = ("logistic", "mlp")
#: Version 2 added the classifier and its hidden layers, version 3 the punctuation classes and the class window,
#: version 4 the ensemble (``members``: one entry per network); older files still load (with COARSE_CLASSES and a
#: class window of 1 before version 3, as one network before version 4).
FORMAT_VERSION = 4
#: Where a model directory keeps the right-to-left model its readouts read (a model directory of its own).
RTL_DIR = "rtl"


def _local_z(values: np.ndarray, half: int) -> np.ndarray:
    """(v[t] - mean) / std over the window t-half..t+half (clipped at the edges; std 0 gives 0)."""
    n = len(values)
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    squares = np.concatenate([[0.0], np.cumsum(values * values)])
    low = np.clip(np.arange(n) - half, 0, n)
    high = np.clip(np.arange(n) + half + 1, 0, n)
    count = high - low
    mean = (cumulative[high] - cumulative[low]) / count
    var = np.maximum((squares[high] - squares[low]) / count - mean * mean, 0.0)
    std = np.sqrt(var)
    return np.divide(values - mean, std, out=np.zeros(n), where=std > 1e-9)


def feature_names(signals: Sequence[str], window: int, rtl: bool, classes: Sequence[str] = SYMBOL_CLASSES,
                  class_window: int = 1) -> list[str]:
    names = []
    for prefix in ("", "rtl:") if rtl else ("",):
        for signal in signals:
            names += [f"{prefix}{signal}[{d:+d}]" for d in range(-window, window + 1)]
            names += [f"{prefix}{signal}:z", f"{prefix}{signal}:dprev", f"{prefix}{signal}:dnext"]
    return names + [f"class[{side}]={c}" for side in range(-class_window, class_window) for c in classes]


def sequence_features(seq: Symbols, columns: Sequence[np.ndarray], window: int, z_window: int,
                      classes: Sequence[str] = SYMBOL_CLASSES, class_window: int = 1) -> np.ndarray:
    """The feature rows (n - 1, F) of the cuts 1..n-1 of ``seq`` from per-symbol signal arrays ``columns``."""
    n = len(seq)
    t = np.arange(1, n)
    parts = []
    for values in columns:
        values = np.asarray(values, dtype=np.float64)
        parts += [values[np.clip(t + d, 0, n - 1)] for d in range(-window, window + 1)]
        parts += [_local_z(values, z_window)[t], values[t] - values[t - 1],
                  values[t] - values[np.minimum(t + 1, n - 1)]]
    indices = np.array([symbol_class(s, classes) for s in seq], dtype=np.int64)
    for side in range(-class_window, class_window):
        at = t + side
        inside = (at >= 0) & (at < n)
        index = np.where(inside, indices[np.clip(at, 0, n - 1)], -1)
        parts += list((index[None, :] == np.arange(len(classes))[:, None]).astype(np.float64))
    return np.stack(parts, axis=1) if n > 1 else np.zeros((0, len(parts)))


@dataclass
class Network:
    """One fitted classifier over standardised features: ReLU ``layers`` (weights, bias; none for a logistic
    regression), then the logistic output ``coef`` . h + ``intercept``."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    coef: np.ndarray
    intercept: float

    def probabilities(self, scaled: np.ndarray) -> np.ndarray:
        h = scaled
        for weights, bias in self.layers:
            h = np.maximum(h @ weights + bias, 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(h @ self.coef + self.intercept, -500, 500)))

    def to_dict(self) -> dict:
        return {"hidden_layers": [{"weights": w.tolist(), "bias": b.tolist()} for w, b in self.layers],
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: dict) -> Network:
        return cls([(np.array(layer["weights"], dtype=np.float64), np.array(layer["bias"], dtype=np.float64))
                    for layer in data.get("hidden_layers", [])],
                   np.array(data["coef"], dtype=np.float64), float(data["intercept"]))


class ReadoutSegmenter(Segmenter):
    """Boundaries from a classifier over model signals (see the module docstring).

    ``model``: a model directory or loaded ``ACTLanguageModel``; ``rtl_model``: a right-to-left one (or None);
    ``signals``: which of READOUT_SIGNALS to read (default DEFAULT_SIGNALS); ``window``/``z_window``/
    ``class_window``: the feature windows;
    ``classes``: SYMBOL_CLASSES, or COARSE_CLASSES (punctuation undivided, as format 1-2 files read it);
    ``classifier``: "logistic" (``C``: its inverse regularisation strength) or "mlp" (``hidden``: the widths of
    its ReLU layers; L2 ``alpha``; early stopping on a tenth of the training rows; ``seed``; ``members``: networks
    fitted from seeds seed, seed + 1, ..., their probabilities averaged); ``holdout``: the
    fraction of labelled units (the last ones) on which the threshold is chosen; ``batch_size``, ``chunk_len``,
    ``context``, ``device``: how both models read sequences (``compute_signals``). ``fit(sequences, boundaries)``
    needs gold cuts."""

    requires_fit = True

    def __init__(self, model=None, rtl_model=None, *, signals: Sequence[str] = DEFAULT_SIGNALS, window: int = 2,
                 z_window: int = 10, class_window: int = 1, classes: Sequence[str] = SYMBOL_CLASSES,
                 classifier: str = "logistic", C: float = 1.0,
                 hidden: Sequence[int] = (64, 64), alpha: float = 1e-3, seed: int = 0, members: int = 1,
                 holdout: float = 0.1,
                 level: str = "word", batch_size: int = 512, chunk_len: int = 256, context: int = 64,
                 device: str = "cpu"):
        self.model = model
        self.rtl_model = rtl_model
        self.signals = tuple(signals)
        self.window = window
        self.z_window = z_window
        self.class_window = class_window
        self.classes = tuple(classes)
        self.classifier = classifier
        self.C = C
        self.hidden = tuple(hidden)
        self.alpha = alpha
        self.seed = seed
        self.members = members
        self.holdout = holdout
        self.level = level
        self.batch_size = batch_size
        self.chunk_len = chunk_len
        self.context = context
        self.device = device

    def validate_params(self) -> None:
        problems = []
        if not self.signals or any(s not in READOUT_SIGNALS for s in self.signals):
            problems.append(f"signals must be a non-empty subset of {READOUT_SIGNALS}, got {self.signals!r}")
        if not (isinstance(self.window, int) and self.window >= 0):
            problems.append(f"window must be an integer >= 0, got {self.window!r}")
        if not (isinstance(self.z_window, int) and self.z_window >= 1):
            problems.append(f"z_window must be an integer >= 1, got {self.z_window!r}")
        if not (isinstance(self.class_window, int) and self.class_window >= 1):
            problems.append(f"class_window must be an integer >= 1, got {self.class_window!r}")
        if self.classes not in (SYMBOL_CLASSES, COARSE_CLASSES):
            problems.append(f"classes must be SYMBOL_CLASSES or COARSE_CLASSES, got {self.classes!r}")
        if self.classifier not in CLASSIFIERS:
            problems.append(f"classifier must be one of {CLASSIFIERS}, got {self.classifier!r}")
        if not (isinstance(self.C, (int, float)) and self.C > 0):
            problems.append(f"C must be > 0, got {self.C!r}")
        if not (self.hidden and all(isinstance(h, int) and h >= 1 for h in self.hidden)):
            problems.append(f"hidden must be one or more layer widths >= 1, got {self.hidden!r}")
        if not (isinstance(self.alpha, (int, float)) and self.alpha >= 0):
            problems.append(f"alpha must be >= 0, got {self.alpha!r}")
        if not (isinstance(self.members, int) and self.members >= 1):
            problems.append(f"members must be an integer >= 1, got {self.members!r}")
        elif self.members > 1 and self.classifier != "mlp":
            problems.append("members > 1 needs classifier='mlp' (a logistic regression fits the same every time)")
        if not (0 < self.holdout < 1):
            problems.append(f"holdout must be in (0, 1), got {self.holdout!r}")
        for name, low in (("batch_size", 1), ("chunk_len", 1), ("context", 0)):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) >= low):
                problems.append(f"{name} must be an integer >= {low}, got {getattr(self, name)!r}")
        if self.level not in LEVELS:
            problems.append(f"level must be one of {LEVELS}, got {self.level!r}")
        if problems:
            raise ParameterError("; ".join(problems))

    # -- features ------------------------------------------------------------------------------
    def _model(self, which: str):
        """The loaded ``"model"`` or ``"rtl_model"``, each loaded once and only when its signals are needed."""
        from segment.ponder import load_model

        loaded = self.__dict__.setdefault("_loaded", {})
        if which not in loaded:
            loaded[which] = load_model(getattr(self, which), "ltr" if which == "model" else "rtl")
        return loaded[which]

    def _reading(self) -> dict:
        """How both models read the sequences (``compute_signals``' batching, chunking and device)."""
        return {"batch_size": self.batch_size, "chunk_len": self.chunk_len, "context": self.context,
                "device": self._device()}

    def _device(self):
        from segment.models.device import resolve_device

        try:
            return resolve_device(self.device)
        except ValueError as err:
            raise ParameterError(str(err)) from None

    def features(self, sequences: Sequence[Symbols], model_signals: Sequence | None = None,
                 rtl_signals: Sequence | None = None) -> list[np.ndarray]:
        """One (n - 1, F) feature matrix per sequence. ``model_signals``: the (left-to-right) model's signals of
        these sequences when already computed (``compute_signals``' output), so they are not computed again;
        ``rtl_signals``: likewise the right-to-left model's signals of the reversed sequences."""
        from segment.models.inference import compute_signals

        if self.model is None:
            raise ParameterError("ReadoutSegmenter needs a model (a model directory or ACTLanguageModel)")
        per_model = [list(model_signals) if model_signals is not None
                     else compute_signals(self._model("model"), sequences, **self._reading())]
        if self.rtl_model is not None:
            reversed_signals = list(rtl_signals) if rtl_signals is not None else self.rtl_signals(sequences)
            per_model.append([SimpleNamespace(**{name: shift_right(getattr(s, name)[::-1]) for name in self.signals})
                              for s in reversed_signals])
        return [sequence_features(seq, [getattr(signals[i], name).astype(np.float64) for signals in per_model
                                        for name in self.signals], self.window, self.z_window, self.classes,
                                  self.class_window)
                for i, seq in enumerate(sequences)]

    def rtl_signals(self, sequences: Sequence[Symbols]) -> list | None:
        """The right-to-left model's signals of the reversed ``sequences`` (None without one), to pass to
        ``features`` / ``boundary_scores_many`` of every readout that reads the same right-to-left model."""
        from segment.models.inference import compute_signals

        if self.rtl_model is None:
            return None
        return compute_signals(self._model("rtl_model"), [s[::-1] for s in sequences], **self._reading())

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, sequences: Sequence[Symbols], boundaries: Sequence[np.ndarray] | None = None,
            model_signals: Sequence | None = None, rtl_signals: Sequence | None = None) -> ReadoutSegmenter:
        """Train on labelled ``sequences`` (``boundaries``: gold cut offsets of each): the logistic regression on
        the first units, the threshold on the last ``holdout`` fraction. ``model_signals`` / ``rtl_signals``:
        the models' signals of these sequences when already computed (see ``features``)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.neural_network import MLPClassifier
        from sklearn.preprocessing import StandardScaler

        self.validate_params()
        if boundaries is None or len(boundaries) != len(sequences):
            raise ParameterError("ReadoutSegmenter.fit needs the gold boundaries of every sequence")
        keep = [i for i, s in enumerate(sequences) if len(s) > 1]
        if len(keep) < 2:
            raise ParameterError("ReadoutSegmenter.fit needs at least two labelled sequences of two or more symbols")
        sequences, boundaries = [sequences[i] for i in keep], [np.asarray(boundaries[i]) for i in keep]
        rows = self.features(sequences, *(None if given is None else [given[i] for i in keep]
                                          for given in (model_signals, rtl_signals)))
        labels = [np.isin(np.arange(1, len(s)), b).astype(np.int64) for s, b in zip(sequences, boundaries)]
        split = min(len(sequences) - 1, max(1, round(len(sequences) * (1 - self.holdout))))
        train_x, train_y = np.concatenate(rows[:split]), np.concatenate(labels[:split])
        if len(np.unique(train_y)) < 2:
            raise ParameterError("ReadoutSegmenter.fit needs both cuts and non-cuts in its training units")
        scaler = StandardScaler().fit(train_x)
        scaled = scaler.transform(train_x)
        if self.classifier == "mlp":
            self.networks_ = []
            for member in tqdm(range(self.members), desc="readout networks", unit="net", leave=False,
                               file=sys.stderr, disable=self.members == 1):
                network = MLPClassifier(self.hidden, alpha=self.alpha, early_stopping=True,
                                        random_state=self.seed + member, max_iter=200).fit(scaled, train_y)
                self.networks_.append(Network(list(zip(network.coefs_[:-1], network.intercepts_[:-1])),
                                              network.coefs_[-1][:, 0], float(network.intercepts_[-1][0])))
        else:
            linear = LogisticRegression(C=self.C, max_iter=2000).fit(scaled, train_y)
            self.networks_ = [Network([], linear.coef_[0], float(linear.intercept_[0]))]
        self.feature_names_ = feature_names(self.signals, self.window, self.rtl_model is not None, self.classes,
                                            self.class_window)
        self.mean_, self.scale_ = scaler.mean_, scaler.scale_
        held_scores = self._probabilities(np.concatenate(rows[split:]))
        self.threshold_, self.holdout_f_ = best_threshold(held_scores, np.concatenate(labels[split:]))
        return self

    def _probabilities(self, rows: np.ndarray) -> np.ndarray:
        scaled = (rows - self.mean_) / self.scale_
        return np.mean([network.probabilities(scaled) for network in self.networks_], axis=0)

    # -- prediction ----------------------------------------------------------------------------
    def boundary_scores_many(self, sequences: Sequence[Symbols], model_signals: Sequence | None = None,
                             rtl_signals: Sequence | None = None) -> list[np.ndarray]:
        """The cut probability of every offset 1..n-1 of each sequence (one model pass for all of them, none
        when ``model_signals`` / ``rtl_signals`` hold the models' signals already)."""
        self.check_is_fitted()
        return [self._probabilities(rows) for rows in self.features(list(sequences), model_signals, rtl_signals)]

    def boundary_scores(self, seq: Symbols) -> np.ndarray:
        return self.boundary_scores_many([seq])[0]

    def cuts(self, probabilities: np.ndarray) -> np.ndarray:
        """The cut offsets whose probability reaches the threshold."""
        return np.flatnonzero(probabilities >= self.threshold_).astype(np.int64) + 1

    def predict_many(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        return [self.cuts(p) for p in self.boundary_scores_many(sequences)]

    def _predict(self, seq: Symbols) -> np.ndarray:
        return self.predict_many([seq])[0]

    # -- storage -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        self.check_is_fitted()
        return {"format": FORMAT_VERSION, "level": self.level, "signals": list(self.signals), "window": self.window,
                "z_window": self.z_window, "class_window": self.class_window, "symbol_classes": list(self.classes),
                "rtl": self.rtl_model is not None, "features": self.feature_names_,
                "classifier": self.classifier, "C": self.C, "hidden": list(self.hidden), "alpha": self.alpha,
                "seed": self.seed, "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "members": [network.to_dict() for network in self.networks_], "threshold": self.threshold_,
                "holdout_f": self.holdout_f_}

    def save(self, model_dir: str | Path) -> Path:
        """Write ``readout-<level>.json`` into the model directory; returns its path. A right-to-left model
        given as a directory is copied to the model directory's ``rtl/`` (where ``from_pretrained`` looks)
        unless it is there already; ParameterError, before anything is written, when ``rtl/`` holds a
        different model (other readouts may read it)."""
        from segment.ponder import resolve_model_dir

        self.check_is_fitted()
        directory = resolve_model_dir(model_dir)
        if isinstance(self.rtl_model, (str, Path)):
            install_rtl_model(directory, resolve_model_dir(self.rtl_model))
        path = directory / readout_file(self.level)
        write_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, level: str = "word", rtl_model=None, **params) -> ReadoutSegmenter:
        """The readout stored with the model at ``model_dir``; ModelLoadError naming the file and the problem.
        A readout trained with a right-to-left model reads it again: ``rtl_model``, else the model directory's
        ``rtl/`` folder."""
        from segment.ponder import resolve_model_dir

        path = resolve_model_dir(model_dir) / readout_file(level)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelLoadError(f"{path}: no {level} readout (train one with `actseg readout fit`)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ModelLoadError(f"{path}: unreadable readout: {err}") from None
        problems = _readout_problems(data)
        if problems:
            raise ModelLoadError(f"{path}: " + "; ".join(problems))
        if data["rtl"] and rtl_model is None:
            rtl_model = path.parent / RTL_DIR
            if not rtl_model.is_dir():
                raise ModelLoadError(f"{path}: this readout reads a right-to-left model too, and {rtl_model} is "
                                     "missing: put it there or pass rtl_model")
            rtl_model = str(rtl_model)
        stored = {k: data[k] for k in ("classifier", "hidden", "alpha", "seed", "class_window") if k in data}
        stored["classes"] = data.get("symbol_classes", COARSE_CLASSES)
        readout = cls(str(model_dir), rtl_model if data["rtl"] else None, signals=data["signals"],
                      window=data["window"], z_window=data["z_window"], C=data["C"], level=data["level"],
                      **stored, **params)
        readout.validate_params()
        if feature_names(readout.signals, readout.window, data["rtl"], readout.classes,
                         readout.class_window) != data["features"]:
            raise ModelLoadError(f"{path}: features do not match signals, window, rtl and classes")
        readout.feature_names_ = data["features"]
        readout.mean_, readout.scale_ = np.array(data["mean"]), np.array(data["scale"])
        readout.networks_ = [Network.from_dict(member) for member in _members(data)]
        readout.members = len(readout.networks_)
        readout.threshold_, readout.holdout_f_ = float(data["threshold"]), data["holdout_f"]
        return readout


def word_cutter(model: str | Path, **params):
    """A function ``units -> (cuts, how)`` that makes the word cuts ``actseg segment`` makes with the model at
    ``model`` (its word readout, with its right-to-left model when it reads one, else the peaks of its tuned
    signal), the model and readout loaded once, here. ``params``: ``ModelSignalSegmenter`` settings
    (batch_size, chunk_len, context, device)."""
    from segment.ponder import ModelSignalSegmenter

    segmenter = ModelSignalSegmenter.from_pretrained(model, **params)
    readout = stored_readouts(segmenter.model, ("word",), batch_size=segmenter.batch_size,
                              chunk_len=segmenter.chunk_len, context=segmenter.context,
                              device=segmenter.device).get("word")
    if readout is not None and readout.rtl_model is not None:
        readout._model("rtl_model")  # loaded here, not in the first call
    how = f"{segmenter.signal_name} peaks" if readout is None else \
        f"word readout ({readout.classifier}" + (", with the right-to-left model)" if readout.rtl_model else ")")

    def cut(units: Sequence[Symbols]) -> tuple[list[np.ndarray], str]:
        computed = segmenter.model_signals(units)
        if readout is None:
            return [segmenter.predict_signal_levels(s, ("word",))["word"] for s in segmenter.pick_signal(computed)], how
        return [readout.cuts(p) for p in readout.boundary_scores_many(units, computed)], how

    return cut


def install_rtl_model(model_dir: Path, source: Path) -> Path:
    """Copy the right-to-left model at ``source`` to ``model_dir/rtl`` (nothing to do when it is that folder,
    or holds the same files); ParameterError when ``rtl/`` holds a different model."""
    from segment.models.checkpoint import copy_model

    target = model_dir / RTL_DIR
    problem = rtl_install_problem(model_dir, source)
    if problem:
        raise ParameterError(problem)
    if target.exists():  # this very model, or the same files
        return target
    staging = model_dir / f".{RTL_DIR}.copying"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        copy_model(source, staging)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def rtl_install_problem(model_dir: Path, source: Path) -> str | None:
    """Why the right-to-left model at ``source`` cannot go to ``model_dir/rtl`` (another model is there),
    or None."""
    from segment.models.checkpoint import MODEL_FILES

    target = model_dir / RTL_DIR
    if not target.exists() or target.resolve() == source.resolve():
        return None
    if all((target / f).is_file() and (source / f).is_file() and filecmp.cmp(source / f, target / f, shallow=False)
           for f in MODEL_FILES):
        return None
    return f"{target} holds another right-to-left model, which other readouts may read: remove it first"


def stored_readouts(model_dir: str | Path, levels: Sequence[str], **params) -> dict[str, ReadoutSegmenter]:
    """The readouts stored with the model at ``model_dir`` for each of ``levels`` that has one."""
    from segment.ponder import resolve_model_dir

    directory = resolve_model_dir(model_dir)
    return {level: ReadoutSegmenter.from_pretrained(directory, level, **params) for level in levels
            if (directory / readout_file(level)).is_file()}


def readout_file(level: str) -> str:
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {LEVELS}, got {level!r}")
    return f"readout-{level}.json"


def _members(data: dict) -> list:
    """The stored networks of a readout file: its ``members`` (format 4), or its one network (formats 1-3)."""
    return data["members"] if data["format"] >= 4 else [data]


def _readout_problems(data) -> list[str]:
    if not isinstance(data, dict):
        return ["a readout must be a JSON object"]
    required = {"format", "level", "signals", "window", "z_window", "rtl", "features", "mean", "scale", "threshold",
                "holdout_f", "C"}
    if data.get("format") in range(1, 4):
        required |= {"coef", "intercept"}
    missing = sorted(required - set(data))
    if missing:
        return [f"missing field(s): {', '.join(missing)}"]
    problems = []
    if data["format"] not in range(1, FORMAT_VERSION + 1):
        return [f"format: {data['format']!r} is not one of 1..{FORMAT_VERSION}"]
    width = len(data["features"]) if isinstance(data["features"], list) else -1
    for name in ("mean", "scale"):
        if not _finite_numbers(data[name], width):
            problems.append(f"{name}: must be {width} finite numbers, one per feature")
    if data["format"] >= 3:
        absent = [k for k in ("class_window", "symbol_classes") if k not in data]
        if absent:
            return [*problems, f"missing field(s): {', '.join(absent)}"]
        if data["symbol_classes"] not in (list(SYMBOL_CLASSES), list(COARSE_CLASSES)):
            return [*problems, f"symbol_classes: must be {list(SYMBOL_CLASSES)} or {list(COARSE_CLASSES)}"]
        if not (isinstance(data["class_window"], int) and not isinstance(data["class_window"], bool)
                and data["class_window"] >= 1):
            return [*problems, f"class_window: {data['class_window']!r} is not an integer >= 1"]
    expected = 0
    if data["format"] >= 2:
        absent = [k for k in ("classifier", "hidden", "alpha", "seed") if k not in data]
        absent += [] if data["format"] >= 4 or "hidden_layers" in data else ["hidden_layers"]
        if absent:
            return [*problems, f"missing field(s): {', '.join(absent)}"]
        if data["classifier"] not in CLASSIFIERS:
            return [*problems, f"classifier: {data['classifier']!r} is not one of {', '.join(CLASSIFIERS)}"]
        expected = len(data["hidden"]) if data["classifier"] == "mlp" and isinstance(data["hidden"], list) else 0
    if data["format"] >= 4:
        if "members" not in data:
            return [*problems, "missing field(s): members"]
        members = data["members"]
        if not (isinstance(members, list) and members and all(isinstance(m, dict) for m in members)):
            return [*problems, "members: must be a non-empty list of networks"]
        if len(members) > 1 and data["classifier"] != "mlp":
            return [*problems, f"members: a {data['classifier']!r} readout has one network, not {len(members)}"]
    for index, member in enumerate(_members(data)):
        where = f"members[{index}]." if data["format"] >= 4 else ""
        problems += _network_problems(member, width, expected, data.get("classifier", "logistic"), where)
    for name in ("threshold",) if data["format"] >= 4 else ("intercept", "threshold"):
        if not (isinstance(data[name], (int, float)) and math.isfinite(data[name])):
            problems.append(f"{name}: must be a finite number")
    return problems


def _network_problems(network: dict, width: int, expected: int, classifier: str, where: str) -> list[str]:
    """What is wrong with one stored network reading ``width`` features through ``expected`` hidden layers."""
    layers = network.get("hidden_layers", [])
    if not isinstance(layers, list):
        return [f"{where}hidden_layers: must be a list"]
    if len(layers) != expected:
        return [f"{where}hidden_layers: a {classifier!r} readout has {expected}, not {len(layers)}"]
    for index, layer in enumerate(layers):
        weights = layer.get("weights") if isinstance(layer, dict) else None
        outputs = len(weights[0]) if isinstance(weights, list) and weights and isinstance(weights[0], list) else 0
        if not (isinstance(weights, list) and len(weights) == width and outputs
                and all(_finite_numbers(row, outputs) for row in weights)
                and _finite_numbers(layer.get("bias"), outputs)):
            return [f"{where}hidden_layers[{index}]: must be {width} rows of equal width and one bias per column"]
        width = outputs
    problems = []
    if not _finite_numbers(network.get("coef"), width):
        problems.append(f"{where}coef: must be {width} finite numbers, one per input of the output layer")
    intercept = network.get("intercept")
    if where and not (isinstance(intercept, (int, float)) and not isinstance(intercept, bool)
                      and math.isfinite(intercept)):
        problems.append(f"{where}intercept: must be a finite number")
    return problems


def _finite_numbers(values, count: int) -> bool:
    return (isinstance(values, list) and len(values) == count
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values))


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The score threshold with the best F of "score >= threshold is a cut" against 0/1 ``labels``, and that F."""
    order = np.argsort(-scores, kind="stable")
    ranked, truth = scores[order], labels[order]
    true_positives = np.cumsum(truth)
    predicted = np.arange(1, len(ranked) + 1)
    total = truth.sum()
    if total == 0 or not len(ranked):
        return 0.5, 0.0
    f = 2 * true_positives / (predicted + total)
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]  # a threshold keeps every score equal to it
    best = int(np.argmax(np.where(last_of_tie, f, -1.0)))
    return float(ranked[best]), float(f[best])


def labelled_sequences(corpus, level: str, units: int, chunk_units: int | None = None, *,
                       mixed: bool = False) -> tuple[list, list[np.ndarray]]:
    """Training sequences and gold cuts from a corpus: its first ``units`` runs of ``chunk_units`` consecutive
    units (default: 1 at word level, 10 at sentence level; word level skips empty units) run together, with the
    cuts inside: each unit's word cuts (word level) or sentence starts (sentence level), and the edges between
    its units (a unit edge is a word and a sentence edge). ``mixed``: runs of 1, 2, ..., ``chunk_units`` units in
    turn, so that units are read alone as well as inside a text."""
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {LEVELS}, got {level!r}")
    chunk = chunk_units or (1 if level == "word" else 10)
    if level == "word":
        pairs = [(s, b) for s, b in zip(corpus.sequences(), corpus.word_boundaries()) if len(s)]
    else:
        pairs = [(u.sequence, u.sentence_boundaries) for u in corpus.units]
    sequences, cuts = [], []
    first = 0
    while first < len(pairs) and len(sequences) < units:
        size = 1 + len(sequences) % chunk if mixed else chunk
        group = pairs[first:first + size]
        first += size
        lengths = np.cumsum([len(sequence) for sequence, _ in group])
        joined = "".join(sequence for sequence, _ in group) if all(isinstance(seq, str) for seq, _ in group) \
            else tuple(symbol for sequence, _ in group for symbol in sequence)
        inner = [start + np.asarray(unit_cuts, dtype=np.int64)
                 for start, (_, unit_cuts) in zip(np.r_[0, lengths[:-1]], group)]
        every = np.unique(np.concatenate([lengths[:-1], *inner])).astype(np.int64)
        sequences.append(joined)
        cuts.append(every[(every > 0) & (every < len(joined))])
    return sequences, cuts
