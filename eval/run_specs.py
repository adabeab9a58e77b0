"""Run specs: one training run of the experiments as typed data, and the presets runs are built from.

A run spec names its training data as ``"corpus:split"`` references read with the spec's view options
(punctuation, case; ``spaces=True`` keeps the spaces between words, Graves's setting; ``direction="rtl"``
trains on reversed units), its ``ACTConfig`` and ``TrainConfig`` overrides of the recommended defaults
(``segment.models.config``) and a wall-clock budget. The run's kind is derived from its model config: an
``act=False`` model is the plain LSTM control, a ``fixed_steps`` model the fixed-repeat control.
``test`` names the scale's evaluation corpus the run is scored on; ``tags`` give its role there: ``main``
(the ACT run of the comparison tables), ``sweep`` (a tau-sweep point), ``alt`` (shown beside the main run),
``lever`` (one change from the main run), ``rtl`` (combined with the main run), ``default-candidate``
(may become the shipped model).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from segment.boundaries import Symbols, reverse_view, to_spaced
from segment.models.config import DIRECTIONS, ACTConfig, TrainConfig

#: A placeholder vocabulary size: the trainer replaces it with the size of the vocabulary it builds.
VOCAB_PLACEHOLDER = 2


def run_kind(act: bool, fixed_steps: int | None) -> str:
    """'lstm' (act=False), 'fixed' (fixed-repeat control) or 'act'."""
    if not act:
        return "lstm"
    return "fixed" if fixed_steps else "act"


@dataclass(frozen=True)
class RunSpec:
    """One training run (JSON-serialisable; written into its run directory as run.json)."""

    name: str
    train_data: tuple[str, ...]  # "corpus:split" references, units concatenated in this order
    test: str  # key of the scale's evaluation corpus (EvalCorpus) the run is scored on
    dev: str | None = None  # "corpus:split" evaluated during training (log.jsonl)
    punctuation: bool = True
    case: bool = True
    spaces: bool = False  # keep the spaces between words (the unit sequence is the spaced text)
    direction: str = "ltr"  # "rtl": train on reversed units
    model: dict = field(default_factory=dict)  # ACTConfig overrides
    train: dict = field(default_factory=dict)  # TrainConfig overrides
    max_seconds: float | None = None  # wall-clock training budget
    tags: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "train_data", tuple(self.train_data))
        object.__setattr__(self, "tags", tuple(self.tags))
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        self.model_config()  # unknown or invalid overrides fail here, not in the training subprocess
        self.train_config()

    def model_config(self) -> ACTConfig:
        """The resolved model config (vocabulary size a placeholder the trainer replaces)."""
        return ACTConfig(vocab_size=VOCAB_PLACEHOLDER, **{"direction": self.direction, **self.model})

    def train_config(self) -> TrainConfig:
        """The resolved training config."""
        return TrainConfig(**self.train)

    @property
    def kind(self) -> str:
        config = self.model_config()
        return run_kind(config.act, config.fixed_steps)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        return cls.from_dict(json.loads(text))

    def capped(self, seconds: float | None, hidden: int | None) -> RunSpec:
        """This spec with the wall-clock budget and width capped (for dry runs)."""
        max_seconds = self.max_seconds if seconds is None else min(self.max_seconds or seconds, seconds)
        model = dict(self.model)
        if hidden is not None:
            model["hidden"] = min(self.model_config().hidden, hidden)
        return dataclasses.replace(self, max_seconds=max_seconds, model=model)

    def read(self, corpus) -> tuple[list[Symbols], list[np.ndarray] | None]:
        """The unit sequences this run reads from ``corpus`` (spaced and/or reversed) and their gold word
        cuts (None for spaced text, whose words are visible)."""
        sequences, boundaries = corpus.sequences(), corpus.word_boundaries()
        if self.spaces:
            return [to_spaced(s, b) for s, b in zip(sequences, boundaries)], None
        if self.direction == "rtl":
            return reverse_view(sequences, boundaries)
        return sequences, boundaries


@dataclass(frozen=True)
class Preset:
    """Settings shared by a group of runs: overrides of the recommended ACTConfig / TrainConfig defaults,
    a wall-clock budget and the dev split (default: the first training reference)."""

    seconds: float
    train: dict
    model: dict = field(default_factory=dict)
    dev: str | None = None

    def run(self, name: str, train_data: Sequence[str], test: str, *, model: dict | None = None,
            train: dict | None = None, tags: Sequence[str] = (), dev: str | None = None, **view) -> RunSpec:
        """A run spec on this preset; ``model`` / ``train`` override single fields of it. Runs reading
        spaced text have no dev evaluation (it scores unspaced word cuts)."""
        if view.get("spaces"):
            dev = None
        else:
            dev = dev or self.dev or train_data[0]
        return RunSpec(name, tuple(train_data), test, dev=dev, model={**self.model, **(model or {})},
                       train={**self.train, **(train or {})}, max_seconds=self.seconds, tags=tuple(tags), **view)


def load_ref(ref: str, data_dir=None, *, punctuation: bool = True, case: bool = True, max_units: int | None = None):
    """The corpus a "corpus:split" reference names, read with the view options, cut to ``max_units``."""
    from segment.corpora import load_corpus, split_ref

    name, split = split_ref(ref)
    corpus = load_corpus(name, split, data_dir, punctuation=punctuation, case=case)
    if max_units is not None and len(corpus.units) > max_units:
        corpus = dataclasses.replace(corpus, documents=[corpus.units[:max_units]])
    return corpus


def labelled_units(ref: str, data_dir=None) -> tuple[list[Symbols], list[np.ndarray]]:
    """The non-empty units of a "corpus:split" reference and their gold word cuts."""
    corpus = load_ref(ref, data_dir)
    pairs = [(s, b) for s, b in zip(corpus.sequences(), corpus.word_boundaries()) if len(s)]
    return [s for s, _ in pairs], [b for _, b in pairs]
