"""Segmenters over the per-symbol signals of an ACT language model (ponder time first of all).

``ModelSignalSegmenter`` is a ``PeakSegmenter`` whose signal is one of ``SIGNAL_CHOICES`` (ponder,
halt-first, steps, remainder, entropy, surprisal), read off ``segment.models.inference``'s signals. The model
is a checkpoint directory (or a training run directory holding ``model/``), a loaded ``ACTLanguageModel``, a
list of them (an ensemble: each signal is the per-symbol mean over the models), or ``None``: then ``fit`` trains
one on the user's own sequences. Sequences are ``str`` or sequences of string
symbols (phonemes); segments come back of the same kind. ``PonderSegmenter`` is the ponder-time one.

Defaults follow DESIGN.md: cut *before* a peak (offset 0: an ACT model ponders on the first symbol of a
word), every local maximum is a word cut, and sentence cuts are the peaks at least 3 robust standard
deviations above the sequence's median.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from segment.base import Segmenter
from segment.boundaries import Symbols
from segment.errors import ModelLoadError, ParameterError
from segment.peaks import PEAK_PARAM_CHECKS, Check, PeakSegmenter, integer, one_of, param_problems, string

#: The model signals a segmenter can cut at: the ``Signals`` fields of ``segment.models.inference`` by name,
#: except ``halt-first`` = 1 - the first update's halting probability (field ``halt_first``; high where the
#: model goes on pondering, so its peaks sit where rho's do).
SIGNAL_CHOICES: tuple[str, ...] = ("ponder", "halt-first", "steps", "remainder", "entropy", "surprisal")


def signal_field(name: str) -> str:
    """The ``Signals`` field that the signal ``name`` (one of ``SIGNAL_CHOICES``) is read from."""
    if name not in SIGNAL_CHOICES:
        raise ParameterError(f"signal_name must be one of {SIGNAL_CHOICES}, got {name!r}")
    return "halt_first" if name == "halt-first" else name


def read_signal(name: str, signals: Mapping[str, Sequence[np.ndarray]]) -> Sequence[np.ndarray]:
    """The signal ``name`` (one of ``SIGNAL_CHOICES``) from per-field lists of float arrays."""
    values = signals[signal_field(name)]
    return [1.0 - v for v in values] if name == "halt-first" else values


#: File beside a model's files holding the segmenter settings tuned for it (see ``tuned_settings``).
SETTINGS_FILE = "segmenter.json"

#: The peak settings model segmenters start from (see the module docstring; ``ModelSignalSegmenter``'s
#: signature defaults).
MODEL_PEAK_DEFAULTS = {"offset": 0, "threshold": "zscore", "sentence_height": 3.0}


#: The checks of the ``ModelSignalSegmenter`` parameters a ``segmenter.json`` may set: every one but the model and
#: its training configs.
MODEL_PARAM_CHECKS: dict[str, Check] = {
    "signal_name": one_of(SIGNAL_CHOICES), "batch_size": integer(1), "chunk_len": integer(1), "context": integer(0),
    "device": string, **PEAK_PARAM_CHECKS,
}


def resolve_model_dir(path: str | Path) -> Path:
    """A checkpoint directory: ``path`` itself, or ``path/model`` for a training run directory."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: model directory not found")
    if not (path / "model.safetensors").exists() and (path / "model" / "model.safetensors").exists():
        return path / "model"
    return path


def tuned_settings(path: str | Path) -> dict:
    """The segmenter settings saved with a model (``segmenter.json``: e.g. peak parameters calibrated on a
    labelled dev set), or {} when there are none. ModelLoadError "FILE: FIELD: PROBLEM" for every unknown key
    and every value that ``MODEL_PARAM_CHECKS`` refuses."""
    file = resolve_model_dir(path) / SETTINGS_FILE
    if not file.is_file():
        return {}
    try:
        settings = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelLoadError(f"{file}: unreadable segmenter settings: {err}") from None
    if not isinstance(settings, dict):
        raise ModelLoadError(f"{file}: segmenter settings must be a JSON object")
    problems = [(name, f"unknown setting (known: {', '.join(MODEL_PARAM_CHECKS)})")
                for name in settings if name not in MODEL_PARAM_CHECKS]
    problems += param_problems(settings, MODEL_PARAM_CHECKS)
    if problems:
        raise ModelLoadError(f"{file}: " + "; ".join(f"{name}: {problem}" for name, problem in problems))
    return settings


def load_model(model, direction: str | None = None):
    """An ACTLanguageModel from a loaded model or a checkpoint/run directory. ``direction`` ("ltr" or "rtl"):
    the direction the caller reads text in; ModelLoadError when the model records the other one."""
    from segment.models.act_lstm import ACTLanguageModel

    if isinstance(model, ACTLanguageModel):
        loaded = model
    else:
        directory = resolve_model_dir(model)
        loaded = ACTLanguageModel.from_pretrained(directory)
        if loaded.vocab is None:
            raise ModelLoadError(f"{directory / 'vocab.json'}: file not found (a model reads symbols through its "
                                 "vocabulary)")
    recorded = loaded.config.direction
    if direction is not None and recorded not in (None, direction):
        twin = recorded == "rtl"
        raise ModelLoadError(
            f"{model} reads {'right to left' if twin else 'left to right'} (the direction its config.json records): "
            + ("it is a readout's right-to-left twin (`actseg readout fit --rtl-model`), not a model to read text "
               "with" if twin else "a readout's twin must be trained on reversed text (`actseg train --right-to-left`)"))
    return loaded


def is_ensemble(model) -> bool:
    """Whether ``model`` names several models (a list or tuple of directories or loaded models)."""
    return isinstance(model, (list, tuple))


class ModelSignalSegmenter(PeakSegmenter):
    """Peaks of one model signal (``signal_name``, one of ``SIGNAL_CHOICES``). ``model``: a model directory, a
    loaded model, a list of them (an ensemble, e.g. seeds of one setting: every signal is the per-symbol mean over
    the models, ``mean_signals``), or None (``fit`` trains one). ``model_config`` /
    ``train_config`` (``ACTConfig`` / ``TrainConfig``) set how ``fit`` trains a model when ``model`` is None
    (defaults: the configs' own, the recommended setting, without progress bar); inference runs in chunks of
    ``chunk_len`` with ``context`` symbols of left context, ``batch_size`` chunks at a time, on ``device``
    (auto, cpu, cuda or cuda:N)."""

    requires_fit = True
    param_checks = MODEL_PARAM_CHECKS

    def __init__(self, model=None, *, signal_name: str = "ponder", model_config=None, train_config=None,
                 batch_size: int = 512, chunk_len: int = 256, context: int = 64, device: str = "cpu",
                 height=None, prominence=None, distance=None, width=None,
                 offset: int = MODEL_PEAK_DEFAULTS["offset"], threshold: str = MODEL_PEAK_DEFAULTS["threshold"],
                 scope: str = "sequence", sentence_height=MODEL_PEAK_DEFAULTS["sentence_height"],
                 level: str = "word"):
        super().__init__(height=height, prominence=prominence, distance=distance, width=width, offset=offset,
                         threshold=threshold, scope=scope, sentence_height=sentence_height, level=level)
        self.model = model
        self.signal_name = signal_name
        self.model_config = model_config
        self.train_config = train_config
        self.batch_size = batch_size
        self.chunk_len = chunk_len
        self.context = context
        self.device = device

    @classmethod
    def from_pretrained(cls, path: str | Path | Sequence[str | Path], **params) -> ModelSignalSegmenter:
        """A ready segmenter over the model saved at ``path`` (a checkpoint or training run directory; a list of
        them: an ensemble). Settings tuned for the model (``segmenter.json`` beside its files, if any; the first
        model's for an ensemble) are the defaults that ``params`` override."""
        paths = [str(p) for p in path] if is_ensemble(path) else [str(path)]
        if not paths:
            raise ParameterError("from_pretrained needs one model directory or more")
        segmenter = cls(model=paths if is_ensemble(path) else paths[0], **{**tuned_settings(paths[0]), **params})
        segmenter.validate_params()
        segmenter.model_ = segmenter._load()
        return segmenter

    def fit(self, sequences: Sequence[Symbols]) -> ModelSignalSegmenter:
        """Load ``model``, or train one on ``sequences`` when it is None; then fit the peak reference."""
        self.validate_params()
        if self.model is not None:
            self.model_ = self._load()
        else:
            self.model_ = self._train(sequences)
        if self.scope == "fit":
            self._fit_reference(self.signals(sequences))
        return self

    def _load(self):
        """The loaded ``model`` (a list of loaded models for an ensemble)."""
        if not is_ensemble(self.model):
            return load_model(self.model, "ltr")
        if not self.model:
            raise ParameterError("model: an ensemble needs one model or more, got an empty list")
        return [load_model(member, "ltr") for member in self.model]

    def _train(self, sequences: Sequence[Symbols]):
        from segment.models.config import ACTConfig, TrainConfig
        from segment.models.trainer import train

        sequences = [s for s in sequences if len(s)]
        if not sequences:
            raise ValueError(f"{type(self).__name__}.fit needs non-empty sequences to train a model on")
        config = self.model_config or ACTConfig(vocab_size=2)
        if config.direction is None:  # it reads the sequences as given
            config = dataclasses.replace(config, direction="ltr")
        return train(config, self.train_config or TrainConfig(progress=False), sequences)

    def model_signals(self, sequences: Sequence[Symbols]) -> list:
        """Every signal of the model (``segment.models.inference.Signals``) for each sequence; of an ensemble,
        the per-symbol mean of each signal over its models."""
        from segment.models.device import resolve_device
        from segment.models.inference import compute_signals, mean_signals

        self.validate_params()
        self.check_is_fitted()
        try:
            device = resolve_device(self.device)
        except ValueError as err:
            raise ParameterError(str(err)) from None
        reading = {"batch_size": self.batch_size, "chunk_len": self.chunk_len, "context": self.context,
                   "device": device}
        if not is_ensemble(self.model_):
            return compute_signals(self.model_, sequences, **reading)
        return mean_signals([compute_signals(member, sequences, **reading) for member in self.model_])

    def pick_signal(self, computed: Sequence) -> list[np.ndarray]:
        """This segmenter's signal (``signal_name``) out of ``model_signals``' output."""
        field = signal_field(self.signal_name)
        return read_signal(self.signal_name, {field: [getattr(s, field).astype(np.float64) for s in computed]})

    def signals(self, sequences: Sequence[Symbols]) -> list[np.ndarray]:
        return self.pick_signal(self.model_signals(sequences))

    def signal(self, seq: Symbols) -> np.ndarray:
        return self.signals([seq])[0]


class PonderSegmenter(ModelSignalSegmenter):
    """Cuts at the peaks of the ponder time rho_t = N(t) + R(t) of an ACT model (``signal_name="ponder"``,
    the default; the other signals stay available for comparison)."""


def _factory(signal_name: str, *, act: bool = True, fixed_steps: int | None = None
             ) -> Callable[..., Segmenter]:
    def make(model=None, **params) -> ModelSignalSegmenter:
        if model is None and "model_config" not in params and (not act or fixed_steps):
            from segment.models.config import ACTConfig

            params["model_config"] = ACTConfig(vocab_size=2, act=act, fixed_steps=fixed_steps)
        return ModelSignalSegmenter(model, signal_name=signal_name, **params)

    make.__doc__ = (f"Peaks of the {signal_name} signal of "
                    + ("an ACT model" if act and not fixed_steps else
                       f"a fixed {fixed_steps}-update model" if fixed_steps else "a plain LSTM model")
                    + " (``model``: a checkpoint directory, a list of them for an ensemble; None trains one in "
                      "``fit``).")
    return make


#: name -> factory(model=PATH, **params) for every model-signal segmenter (the model decides ACT or control).
MODEL_SEGMENTERS: dict[str, Callable[..., Segmenter]] = {
    "act-ponder": PonderSegmenter,
    "act-halt-first": _factory("halt-first"),
    "act-entropy": _factory("entropy"),
    "act-surprisal": _factory("surprisal"),
    "lstm-entropy": _factory("entropy", act=False),
    "lstm-surprisal": _factory("surprisal", act=False),
    "fixed-ponder": _factory("ponder", fixed_steps=2),
    "fixed-entropy": _factory("entropy", fixed_steps=2),
}
