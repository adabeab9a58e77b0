"""The settings of a model and of its training, in one place: the dataclass defaults ARE the recommended
settings (the cpu-scale main runs' setting, eval/RESULTS.md; the informative tau range is narrow).

Each field carries a one-line ``help`` (field metadata), which `actseg train` shows with the default.
No torch import here: the CLI reads these at start-up.
"""

from __future__ import annotations

import json
import math
import numbers
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields

HALT_INITS = ("zero", "uniform")
#: How the halting outputs become a distribution over updates: Graves's ACT or PonderNet (Banino et al. 2021).
HALT_DISTRIBUTIONS = ("act", "pondernet")
#: Reading directions a model records: left to right, or right to left (trained on reversed units).
DIRECTIONS = ("ltr", "rtl")
#: What the halting unit reads: the full state [h; c] (Graves) or its LayerNorm without affine parameters.
HALT_INPUTS = ("state", "norm")

#: What a value of each scalar annotation must be (the words of the error message).
SCALAR_TYPES = {bool: "true or false", int: "an integer", float: "a finite number", str: "a string"}


def setting(default, help: str):
    """A dataclass field with its default and a one-line description."""
    return field(default=default, metadata={"help": help})


def is_type(value, hint) -> bool:
    """True when ``value`` fits the annotation ``hint`` (a scalar, ``X | None`` or ``tuple[...]``, which a JSON
    list fits too). Integers reject bools and floats (even 128.0); floats take integers but not bools."""
    if hint is type(None):
        return value is None
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(is_type(value, arg) for arg in args)
    if typing.get_origin(hint) is tuple:
        return (isinstance(value, (tuple, list)) and len(value) == len(args)
                and all(is_type(v, arg) for v, arg in zip(value, args)))
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    return isinstance(value, hint)


def describe(hint) -> str:
    """The annotation ``hint`` in words: "an integer or None", "a list [a string, an integer]"..."""
    if hint is type(None):
        return "None"
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(describe(arg) for arg in sorted(args, key=lambda arg: arg is type(None)))
    if typing.get_origin(hint) is tuple:
        return f"a list [{', '.join(describe(arg) for arg in args)}]"
    return SCALAR_TYPES.get(hint, getattr(hint, "__name__", str(hint)))


def report(config, problems: list[str]) -> None:
    """One ValueError listing every problem of ``config``'s fields."""
    if problems:
        raise ValueError(f"invalid {type(config).__name__} field(s): {'; '.join(problems)}")


def check_types(config) -> None:
    """ValueError naming every field of the dataclass ``config`` whose value does not fit its annotation."""
    hints = typing.get_type_hints(type(config))
    report(config, [f"{f.name} must be {describe(hints[f.name])} (got {getattr(config, f.name)!r})"
                    for f in fields(config) if not is_type(getattr(config, f.name), hints[f.name])])


def check(config, rules: dict[str, tuple[bool, str]]) -> None:
    """ValueError naming every field whose rule (ok, what it must be) failed."""
    report(config, [f"{name} must be {must} (got {getattr(config, name)!r})"
                    for name, (ok, must) in rules.items() if not ok])


@dataclass
class ACTConfig:
    """Size and ponder settings of an ACTLanguageModel (everything needed to rebuild it)."""

    vocab_size: int = field(metadata={"help": "Symbols in the vocabulary (train() sets it from the data)."})
    hidden: int = setting(128, "LSTM cells per layer.")
    layers: int = setting(1, "Stacked LSTM layers (ACT runs over the whole stack).")
    act: bool = setting(True, "False: one update per symbol (control: a plain LSTM language model).")
    fixed_steps: int | None = setting(None, "Control: K updates per symbol, no halting.")
    max_steps: int = setting(4, "Cap M on the updates per symbol.")
    tau: float = setting(0.03, "Ponder cost weight (below zero, only as ponder_constraint sets it: a reward for "
                               "pondering).")
    eps: float = setting(0.01, "Halting threshold: a symbol halts once its halting outputs sum to 1 - eps.")
    halt_bias: float = setting(1.0, "Initial bias of the halting unit (+1: every symbol starts at two updates).")
    halt_init: str = setting("zero", "Initial halting weights: zero (every symbol starts alike) or nn.Linear's "
                                     "random uniform.")
    halt_bounded: bool = setting(False, "Bounded halting: outputs (1 - 2 eps) sigmoid(z), so every symbol takes at "
                                        "least two updates and halting never loses its gradient (Graves: false).")
    halt_input: str = setting("state", "What the halting unit reads: state ([h; c], Graves) or norm (its LayerNorm "
                                       "without affine: the bias sets the mean, the weights learn contrasts).")
    halt_distribution: str = setting("act", "act (Graves: halting weights, ponder cost tau x rho) or pondernet "
                                            "(every update runs; loss sum_n p_n CE_n + tau KL(p || Geometric("
                                            "prior_lambda)); ponder = expected updates).")
    prior_lambda: float = setting(0.5, "PonderNet: halting probability per update of the geometric prior.")
    dropout: float = setting(0.0, "Dropout on the top layer's output, before the decoder.")
    embed: int | None = setting(None, "Symbol embedding size [default: hidden].")
    direction: str | None = setting(None, "The direction its training units were read in: ltr, or rtl (reversed: "
                                          "a readout's right-to-left twin); None where a model does not record it.")

    def __post_init__(self):
        check_types(self)
        check(self, {
            "vocab_size": (self.vocab_size >= 2, ">= 2"), "hidden": (self.hidden >= 1, ">= 1"),
            "layers": (self.layers >= 1, ">= 1"), "max_steps": (self.max_steps >= 1, ">= 1"),
            "tau": (self.tau >= 0 or self.halt_distribution == "act", ">= 0 with pondernet"),
            "eps": (0 <= self.eps < 1, "in [0, 1)"),
            "dropout": (0 <= self.dropout < 1, "in [0, 1)"),
            "embed": (self.embed is None or self.embed >= 1, ">= 1 or None"),
            "fixed_steps": (self.fixed_steps is None or self.fixed_steps >= 1, ">= 1 or None"),
            "halt_init": (self.halt_init in HALT_INITS, f"one of {', '.join(HALT_INITS)}"),
            "halt_input": (self.halt_input in HALT_INPUTS, f"one of {', '.join(HALT_INPUTS)}"),
            "halt_bounded": (not self.halt_bounded or (self.eps > 0 and self.halt_distribution == "act"),
                             "false when eps is 0 or with pondernet"),
            "halt_distribution": (self.halt_distribution in HALT_DISTRIBUTIONS,
                                  f"one of {', '.join(HALT_DISTRIBUTIONS)}"),
            "prior_lambda": (0 < self.prior_lambda <= 1, "in (0, 1]"),
            "direction": (self.direction is None or self.direction in DIRECTIONS,
                          f"one of {', '.join(DIRECTIONS)} or None"),
        })

    @property
    def halting(self) -> bool:
        """True when the number of updates is decided by the halting unit."""
        return self.act and self.fixed_steps is None

    @property
    def halt_scale(self) -> float:
        """The halting outputs' upper bound: 1 - 2 eps when bounded, else 1."""
        return 1.0 - 2.0 * self.eps if self.halt_bounded else 1.0

    @property
    def loop_steps(self) -> int:
        """Updates the ponder loop runs per symbol: 1 (act=False), K (fixed_steps) or the cap M."""
        if not self.act:
            return 1
        return self.fixed_steps if self.fixed_steps is not None else self.max_steps

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> ACTConfig:
        """An ACTConfig from a config.json object; ValueError naming unknown, missing or invalid fields."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown ACTConfig field(s): {', '.join(sorted(unknown))}")
        missing = {f.name for f in fields(cls) if f.default is MISSING} - set(data)
        if missing:
            raise ValueError(f"missing ACTConfig field(s): {', '.join(sorted(missing))}")
        return cls(**data)


@dataclass
class TrainConfig:
    """Optimisation, data layout, evaluation and run-directory settings."""

    iterations: int = setting(1000, "Optimizer updates (in total, also when resuming).")
    seq_len: int = setting(128, "Symbols per chunk (truncated backpropagation length).")
    batch_size: int = setting(32, "Parallel rows (per process).")
    lr: float = setting(3e-3, "Peak learning rate (AdamW, warm-up then cosine decay).")
    weight_decay: float = setting(0.01, "AdamW weight decay (matrices only).")
    warmup: int | None = setting(None, "Linear warm-up iterations [default: min(100, iterations // 10)].")
    min_lr_ratio: float = setting(0.1, "The cosine decay ends at this fraction of lr.")
    grad_clip: float = setting(1.0, "Gradient norm clip (0: none).")
    seed: int = setting(0, "Random seed (each process adds its rank).")
    device: str = setting("auto", "auto, cpu, cuda or cuda:N.")
    eval_every: int = setting(200, "Iterations between log records, dev evaluations and (by default) checkpoints; "
                                   "and at the end.")
    eval_symbols: int = setting(100_000, "Dev symbols read per evaluation (whole units, from the start).")
    eval_rows: int = setting(64, "Parallel rows for evaluation.")
    checkpoint_every: int | None = setting(None, "Iterations between resumable checkpoints [default: eval_every].")
    out: str | None = setting(None, "Run directory (None: write nothing).")
    resume: bool = setting(False, "Continue the run in out from its latest checkpoint.")
    min_count: int = setting(1, "Symbols seen fewer times become <unk>.")
    progress: bool = setting(True, "Progress bar and log records on stderr.")
    max_seconds: float | None = setting(None, "Stop early (final evaluation and checkpoint) after this long, "
                                              "per invocation.")
    ponder_target: float | None = setting(None, "Adapt tau after every iteration so the mean ponder time "
                                                "approaches this (starting from tau).")
    tau_rate: float = setting(0.05, "With ponder_target: tau *= exp(tau_rate * (mean ponder - ponder_target)).")
    tau_ramp: tuple[float, float] | None = setting(None, "Move tau linearly from START to END over the "
                                                         "iterations (instead of tau).")
    ponder_constraint: float | None = setting(None, "Hold the mean ponder time at this value with a signed "
                                                    "multiplier: tau += constraint_rate x (mean ponder - value) after "
                                                    "every iteration, so tau goes below zero (rewarding pondering) "
                                                    "while the mean is under the value (ACT halting only; tau is held while "
                                                    "halt_freeze holds the halting unit).")
    constraint_rate: float = setting(1e-3, "With ponder_constraint: the step of tau per unit of mean ponder "
                                           "deviation, per iteration.")
    # AdamW moves every parameter by about lr per iteration whatever its gradient's size, so this sets how fast
    # halting can change
    halt_lr_scale: float = setting(0.1, "Learning rate of the halting unit relative to lr (at 1 halting collapsed "
                                        "to one update).")
    holdout: float = setting(0.0, "Early stopping (label-free): hold out every k-th training unit (k = 1 / holdout), "
                                  "score their bits per symbol at every evaluation and keep the model with the "
                                  "lowest (0: train on every unit, keep the last model).")
    patience: int | None = setting(None, "With holdout: stop after this many evaluations without a new lowest "
                                         "held-out bits per symbol (None: run every iteration).")
    halt_freeze: int = setting(0, "Warm start: the halting unit is held (learning rate 0) for this many iterations, "
                                  "then released (with zero halting weights every symbol takes two updates).")
    lm_freeze: int | None = setting(None, "Two-stage halting: every parameter but the halting unit is held from this "
                                          "iteration on, so the halting unit alone learns over a fixed language "
                                          "model (ACT halting only; None: the language model learns throughout).")
    init_from: str | None = setting(None, "Fine-tuning: start from this model directory (on the command line also "
                                          "a run directory or a shipped model's name: en, zh): its weights, "
                                          "vocabulary and model settings (symbols it does not know are read as "
                                          "<unk>; tau and dropout may change) instead of a new model.")
    average_from: int | None = setting(None, "Weight averaging: the model saved is the mean of the weights after every "
                                             "iteration from this one on (Polyak-Ruppert; None: the last weights).")

    def __post_init__(self):
        check_types(self)
        check(self, {
            "iterations": (self.iterations >= 1, ">= 1"), "seq_len": (self.seq_len >= 1, ">= 1"),
            "batch_size": (self.batch_size >= 1, ">= 1"), "lr": (self.lr > 0, "> 0"),
            "warmup": (self.warmup is None or self.warmup >= 0, ">= 0 or None"),
            "eval_every": (self.eval_every >= 1, ">= 1"),
            "checkpoint_every": (self.checkpoint_every is None or self.checkpoint_every >= 1, ">= 1 or None"),
            "resume": (not self.resume or self.out is not None, "false when out is None"),
            "max_seconds": (self.max_seconds is None or self.max_seconds >= 0, ">= 0 or None"),
            "ponder_target": (self.ponder_target is None or self.ponder_target > 2, "> 2 or None"),
            "ponder_constraint": (self.ponder_constraint is None or (
                self.ponder_constraint > 2 and self.ponder_target is None and self.tau_ramp is None),
                "> 2 or None (and then ponder_target and tau_ramp None)"),
            "constraint_rate": (self.constraint_rate > 0, "> 0"),
            "tau_rate": (self.tau_rate > 0, "> 0"), "halt_lr_scale": (self.halt_lr_scale > 0, "> 0"),
            "halt_freeze": (self.halt_freeze >= 0, ">= 0"),
            "lm_freeze": (self.lm_freeze is None or self.lm_freeze >= self.halt_freeze,
                          ">= halt_freeze or None"),
            "min_count": (self.init_from is None or self.min_count == 1,
                          "1 when init_from is set (the vocabulary is the model's)"),
            "average_from": (self.average_from is None or (
                1 <= self.average_from <= self.iterations and not self.holdout),
                "None or in [1, iterations] (and then holdout 0: early stopping keeps one evaluated model)"),
            "holdout": (0 <= self.holdout <= 0.5, "in [0, 0.5]"),
            "patience": (self.patience is None or (self.patience >= 1 and self.holdout > 0),
                         ">= 1 or None (and then holdout > 0)"),
            "tau_ramp": (self.tau_ramp is None or (min(self.tau_ramp) >= 0 and self.ponder_target is None),
                         "None or two values >= 0 (and then ponder_target None)"),
        })

    @property
    def warmup_iterations(self) -> int:
        """The warm-up length used: ``warmup``, or min(100, iterations // 10) when it is None."""
        return min(100, self.iterations // 10) if self.warmup is None else self.warmup
