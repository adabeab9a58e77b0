"""The results of the experiments as typed data: what the evaluation phase writes to
``results/<scale>.json`` (``Results.to_json``) and the report phase reads back (``Results.from_json``).

Comparison tables (``rows``) are the records of :func:`segment.eval.harness.compare` frames (one flat dict
per segmenter, the harness's metric columns) with the columns the evaluation adds (``family``, ``run``,
``calibrated``, ...); every other level has a type of its own.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from segment.errors import ActSegError
from segment.eval.run_specs import RunSpec, run_kind


@dataclass
class SignalStats:
    """A run's signals over the symbols of one input: ponder time, bits per symbol, inference speed."""

    symbols: int
    ponder_mean: float | None
    ponder_std: float | None
    bits_per_symbol: float | None
    signal_s: float  # seconds the model took to compute the signals
    signal_symbols_per_s: float


@dataclass
class PRCurve:
    """Precision-recall points as a peak threshold sweeps (downsampled)."""

    precision: list[float]
    recall: list[float]


@dataclass
class WordComparison:
    """Word level on one evaluation corpus: baselines and model segmenters, unsupervised and calibrated."""

    key: str  # the scale's EvalCorpus key
    corpus: str  # "corpus:split"
    labelled: str  # "corpus:split" whose first ``labelled_units`` units calibrated the model segmenters
    labelled_units: int
    rows: list[dict]
    runs: dict[str, SignalStats]  # per run scored here: its signals on the evaluated units
    pr: dict[str, PRCurve] = field(default_factory=dict)  # on the scale's precision-recall corpus only
    split_punctuation: bool = False  # every segmenter's cuts plus cuts around each punctuation mark
    reused_baselines: list[str] = field(default_factory=list)  # baseline rows taken from an earlier evaluation
    baseline_fit: list[str] = field(default_factory=list)  # EvalCorpus.fit_text: the label-free baselines' text

    @classmethod
    def from_dict(cls, data: dict) -> WordComparison:
        return cls(**{**data, "runs": {k: SignalStats(**v) for k, v in data["runs"].items()},
                      "pr": {k: PRCurve(**v) for k, v in data["pr"].items()}})

    def model_f(self, segmenter: str, run: str, calibrated: bool) -> float | None:
        """Boundary F (unit-internal) of a model segmenter's row, None when there is none."""
        found = [r for r in self.rows
                 if r["segmenter"] == segmenter and r["run"] == run and bool(r["calibrated"]) == calibrated]
        return found[0]["boundary_noedge_f"] if found else None


@dataclass
class SentenceComparison:
    """Sentence level: a corpus's units run together, model peaks against the sentence baselines."""

    key: str
    corpus: str
    punctuation: bool
    labelled: str
    labelled_units: int
    rows: list[dict]


@dataclass
class GravesRow:
    """Peaks of one signal of a run reading spaced text against one class of positions."""

    run: str
    signal: str
    positions: str  # the class, e.g. "space"
    peaks: int
    class_positions: int
    base_rate: float  # share of positions in the class
    precision: float
    recall: float
    f: float
    mean_signal_in_class: float | None
    mean_signal_elsewhere: float | None


@dataclass
class GravesCheck:
    """Graves's check: models reading text with spaces."""

    corpus: str
    rows: list[GravesRow]

    @classmethod
    def from_dict(cls, data: dict) -> GravesCheck:
        return cls(data["corpus"], [GravesRow(**r) for r in data["rows"]])


@dataclass
class DefaultCandidate:
    """A default-model candidate's scores on the dev split: unsupervised ponder-peak boundary F and token F,
    and the boundary F of the scale's word readout fitted for it (None where the scale ships no readout)."""

    run: str
    dev_boundary_noedge_f: float
    dev_token_f: float
    stats: SignalStats
    dev_readout_f: float | None = None

    @classmethod
    def from_dict(cls, data: dict) -> DefaultCandidate:
        return cls(**{**data, "stats": SignalStats(**data["stats"])})

    def record(self) -> dict:
        """One flat table row."""
        readout = {} if self.dev_readout_f is None else {"dev_readout_f": self.dev_readout_f}
        return {"run": self.run, "dev_boundary_noedge_f": self.dev_boundary_noedge_f,
                "dev_token_f": self.dev_token_f, **readout, **dataclasses.asdict(self.stats)}


@dataclass
class DefaultSelection:
    """The default-model candidates compared on ``dev``; ``selected`` scored best (None without candidates)."""

    dev: str
    candidates: list[DefaultCandidate]
    selected: str | None

    @classmethod
    def from_dict(cls, data: dict) -> DefaultSelection:
        return cls(data["dev"], [DefaultCandidate.from_dict(c) for c in data["candidates"]], data["selected"])

    @property
    def by_readout(self) -> bool:
        """Whether the candidates were compared by their word readouts' F (else by ponder-peak F)."""
        return bool(self.candidates) and all(c.dev_readout_f is not None for c in self.candidates)

    @property
    def rule(self) -> str:
        """How ``selected`` was chosen, in words."""
        return ("boundary F of its word readout (the segmenter `actseg segment` uses)" if self.by_readout
                else "unsupervised ponder-peak boundary F")


@dataclass
class BitsRow:
    """Bits per symbol of one model on one split: a trained run (with its mean ponder time) or the n-gram model."""

    ref: str  # "corpus:split"
    model: str  # run name, or "kn-<order>gram"
    kind: str  # act / lstm / fixed / ngram
    symbols: int
    bits_per_symbol: float
    ponder_mean: float | None = None


@dataclass
class Trace:
    """A run's ponder time over one real unit, with its gold and predicted cuts (a figure)."""

    run: str
    corpus: str
    split: str
    unit: int  # index of the unit in the corpus split
    spaces: bool  # the run reads spaced text; gold = the cuts before each space
    sequence: list[str]
    ponder: list[float]
    gold: list[int]
    predicted: list[int]


@dataclass
class TrainingSummary:
    """What training one run took (``train_summary.json`` in its run directory). ``wall_s`` sums the training
    time of every invocation of a resumed run, up to the checkpoint each resumed from."""

    iterations: int
    wall_s: float
    symbols: int
    symbols_per_s: float
    device: str
    threads: int
    train_units: int
    train_symbols: int
    parameters: int

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2) + "\n"

    @classmethod
    def read(cls, run_dir: Path) -> TrainingSummary | None:
        path = run_dir / "train_summary.json"
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


@dataclass
class LastEvaluation:
    """The figures of a run's last logged dev evaluation (the last record of its log.jsonl: the saved model's, also
    when that is a weight average) and the training speed of its last logged iteration."""

    symbols_per_s: float | None = None  # rate of the last logged optimizer iteration
    dev_bps: float | None = None
    ponder_mean: float | None = None

    @classmethod
    def read(cls, run_dir: Path) -> LastEvaluation:
        path = run_dir / "log.jsonl"
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] \
            if path.is_file() else []
        last = records[-1] if records else {}
        trained = next((r for r in reversed(records) if "symbols_per_s" in r), {})
        return cls(symbols_per_s=trained.get("symbols_per_s"), dev_bps=last.get("dev_bps"),
                   ponder_mean=last.get("ponder_mean"))


@dataclass
class RunRecord:
    """A trained run: its spec, the settings it resolved to, its training summary and last evaluation."""

    spec: RunSpec
    model: dict  # the resolved ACTConfig fields (vocabulary size aside)
    train: dict  # the resolved TrainConfig fields
    summary: TrainingSummary | None
    last_eval: LastEvaluation

    @classmethod
    def from_dict(cls, data: dict) -> RunRecord:
        summary = data["summary"]
        return cls(RunSpec.from_dict(data["spec"]), data["model"], data["train"],
                   TrainingSummary(**summary) if summary is not None else None, LastEvaluation(**data["last_eval"]))

    @property
    def kind(self) -> str:
        return run_kind(self.model["act"], self.model["fixed_steps"])


@dataclass
class Meta:
    """Where, when and how the results were computed."""

    scale: str
    device: str
    date: str
    commit: str
    dirty: bool
    command: str  # the command that regenerates everything
    python: str
    torch: str
    evaluate_s: float
    max_units: int | None  # cap on the evaluated units (dry runs)
    bootstrap: int  # resamples of the confidence intervals
    missing_runs: list[str]  # runs left out for want of a trained model
    baselines_from: str | None = None  # commit of the earlier results whose baseline rows were reused


@dataclass
class Results:
    """Everything the report shows, for one scale."""

    meta: Meta
    runs: dict[str, RunRecord]
    word: dict[str, WordComparison]
    sentence: dict[str, SentenceComparison]
    graves: GravesCheck
    default: DefaultSelection
    traces: list[Trace]
    sweep: str  # word key of the tau sweep
    pr: str  # word key of the precision-recall figure
    bits: list[BitsRow] = field(default_factory=list)  # the scale's bits-per-symbol comparison (may be empty)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = json.loads(text)
        return cls(
            meta=Meta(**data["meta"]),
            runs={k: RunRecord.from_dict(v) for k, v in data["runs"].items()},
            word={k: WordComparison.from_dict(v) for k, v in data["word"].items()},
            sentence={k: SentenceComparison(**v) for k, v in data["sentence"].items()},
            graves=GravesCheck.from_dict(data["graves"]), default=DefaultSelection.from_dict(data["default"]),
            traces=[Trace(**t) for t in data["traces"]], sweep=data["sweep"], pr=data["pr"],
            bits=[BitsRow(**b) for b in data.get("bits", [])])

    @classmethod
    def read(cls, path: Path) -> Results:
        """The results written by the evaluation phase; ActSegError when there are none yet."""
        if not Path(path).is_file():
            raise ActSegError(f"{path}: no results to report yet (run the evaluate phase first)")
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
