"""Per-symbol signals of a trained ACT language model, computed in batched, overlapping chunks.

The model reads "<sep>" and then the symbols. For a long input the positions are split into chunks of
``chunk_len`` symbols; each chunk is run from a fresh state on "<sep>" followed by up to ``context``
symbols before the chunk (its left context) and the chunk itself, and only the chunk's own positions are
kept. So the output at position t is the model's output after reading "<sep>" and the window
x_w .. x_t, where w = max(0, s - context) and s is the start of t's chunk: every position sees at least
``context`` preceding symbols (or all of them). Chunks of all sequences are sorted by length and run
``batch_size`` at a time (right-padded; the model is causal, so padding never reaches a kept position),
through ``model.forward`` (the fast path on the CPU).
With ``context`` >= the sequence length the output equals a single whole-sequence run exactly, whatever
``chunk_len`` and ``batch_size`` are. Memory holds one batch of chunks (the model's hidden states and
logits) plus the output arrays; entropy and surprisal are computed a few rows of logits at a time.

A progress bar (tqdm, on stderr, in symbols) shows for inputs of more than ``PROGRESS_MIN_SYMBOLS`` symbols
in all; ``$ACTSEG_PROGRESS`` = 0 switches it off, 1 on for any input; an explicit ``progress`` argument wins.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from segment.boundaries import Symbols
from segment.models.act_lstm import ACTLanguageModel
from segment.models.vocab import SEP, Vocab
from segment.symbol_classes import PUNCTUATION_CLASSES, class_name

log = logging.getLogger(__name__)

_LN2 = math.log(2.0)
#: Inputs up to this many symbols in all (a few seconds on a CPU) run without a progress bar by default.
PROGRESS_MIN_SYMBOLS = 20_000
#: Rows of logits whose log-softmax is held at once (bounds that temporary at rows x T x V floats).
_HEAD_ROWS = 32


@dataclass
class Signals:
    """One float32 array of length n per signal, for a sequence of n symbols x_0 .. x_{n-1}."""

    ponder: np.ndarray  # rho = N + R while reading x_t
    steps: np.ndarray  # N, the number of updates spent on x_t
    remainder: np.ndarray  # R
    halt_first: np.ndarray  # halting output of the first update on x_t
    entropy: np.ndarray  # H(X_t | x_<t) in bits, from the output before x_t is read
    surprisal: np.ndarray  # -log2 p(x_t | x_<t) in bits
    p_upper: np.ndarray  # P(x_t is an uppercase letter | x_<t)
    p_terminal: np.ndarray  # P(x_t is a sentence terminal | x_<t)
    p_punctuation: np.ndarray  # P(x_t is a punctuation mark | x_<t)
    p_sep: np.ndarray  # P(x_t is "<sep>" | x_<t): that a unit of the training text (e.g. a sentence) ends here

    @classmethod
    def empty(cls, n: int) -> Signals:
        return cls(**{f.name: np.zeros(n, dtype=np.float32) for f in fields(cls)})


#: The names of the per-symbol signals, in Signals field order.
SIGNAL_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Signals))
#: The signals the model outputs at the position of the symbol itself (the others come from the one before).
_PER_POSITION = ("ponder", "steps", "remainder", "halt_first")
#: The next-symbol probability signals and what each sums the distribution over: symbol classes
#: (``segment.symbol_classes``), or "<sep>", the separator the model read between training units.
CLASS_SIGNALS: dict[str, tuple[str, ...]] = {"p_upper": ("upper",), "p_terminal": ("terminal",),
                                             "p_punctuation": PUNCTUATION_CLASSES, "p_sep": (SEP,)}


@dataclass(frozen=True)
class _Chunk:
    index: int  # which sequence
    window: int  # first symbol the model reads (after "<sep>")
    start: int  # first kept position
    end: int  # one past the last kept position


def _chunks(lengths: Sequence[int], chunk_len: int, context: int) -> list[_Chunk]:
    return [_Chunk(i, max(0, start - context), start, min(start + chunk_len, n))
            for i, n in enumerate(lengths) for start in range(0, n, chunk_len)]


def _batches(chunks: list[_Chunk], batch_size: int) -> Iterator[list[_Chunk]]:
    ordered = sorted(chunks, key=lambda c: c.end - c.window)
    for i in range(0, len(ordered), batch_size):
        yield ordered[i:i + batch_size]


def report_unknown(vocab: Vocab, sequences: Sequence[Symbols]) -> int:
    """Log one warning listing the symbols the vocabulary lacks (they are read as "<unk>"); return the count."""
    counts = vocab.unknown_counts(sequences)
    total = sum(counts.values())
    if total:
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # the same words whatever the order read
        shown = ", ".join(f"{symbol!r} x{count}" for symbol, count in ranked[:10])
        more = f" and {len(counts) - 10} more" if len(counts) > 10 else ""
        log.warning("%d occurrence(s) of %d symbol(s) unseen in training were read as <unk>: %s%s",
                    total, len(counts), shown, more)
    return total


def compute_signals(model: ACTLanguageModel, sequences: Sequence[Symbols], *, batch_size: int = 512,
                    chunk_len: int = 256, context: int = 64, device: str | torch.device = "cpu",
                    progress: bool | None = None) -> list[Signals]:
    """Signals of ``model`` for each sequence (see the module docstring for the chunking).

    The model is moved to ``device`` and run in eval mode (its training flag is restored afterwards).
    ``progress``: a tqdm bar on stderr (None: see ``show_progress``).
    """
    if model.vocab is None:
        raise ValueError("the model has no vocabulary: load it with from_pretrained or pass one at construction")
    if batch_size < 1 or chunk_len < 1 or context < 0:
        raise ValueError(f"need batch_size >= 1, chunk_len >= 1 and context >= 0; got {batch_size}, "
                         f"{chunk_len}, {context}")
    vocab = model.vocab
    report_unknown(vocab, sequences)
    out = [Signals.empty(len(s)) for s in sequences]
    chunks = _chunks([len(s) for s in sequences], chunk_len, context)
    total = sum(len(s) for s in sequences)
    classes = class_matrix(vocab).to(device)
    was_training = model.training
    model.to(device).eval()
    try:
        with torch.inference_mode(), tqdm(total=total, desc="signals", unit="sym", unit_scale=True, leave=False,
                                          file=sys.stderr, disable=not show_progress(progress, total)) as bar:
            for batch in _batches(chunks, batch_size):
                _run_batch(model, vocab, classes, sequences, batch, out, device)
                bar.update(sum(c.end - c.start for c in batch))
    finally:
        model.train(was_training)
    return out


def mean_signals(per_model: Sequence[Sequence[Signals]]) -> list[Signals]:
    """The signals of an ensemble: per sequence, each signal's per-symbol mean over the models' ``Signals`` of
    the same sequences (``compute_signals``' output of each model)."""
    if not per_model:
        raise ValueError("mean_signals needs the signals of one model or more")
    if len({len(signals) for signals in per_model}) > 1:
        raise ValueError(f"mean_signals: the models read different numbers of sequences "
                         f"({', '.join(str(len(signals)) for signals in per_model)})")
    return [Signals(**{name: np.mean([getattr(s, name) for s in members], axis=0, dtype=np.float64).astype(np.float32)
                       for name in SIGNAL_NAMES})
            for members in zip(*per_model)]


def show_progress(progress: bool | None, symbols: int) -> bool:
    """Whether to show a progress bar: ``progress`` when given, else ``$ACTSEG_PROGRESS`` (0/1) when set,
    else whether the input has more than ``PROGRESS_MIN_SYMBOLS`` symbols."""
    if progress is not None:
        return progress
    setting = os.environ.get("ACTSEG_PROGRESS", "").strip().lower()
    if setting:
        return setting not in ("0", "false", "no", "off")
    return symbols > PROGRESS_MIN_SYMBOLS


def _run_batch(model: ACTLanguageModel, vocab: Vocab, classes: torch.Tensor, sequences: Sequence[Symbols],
               batch: list[_Chunk], out: list[Signals], device) -> None:
    """Run one batch of chunks and write their kept positions into ``out`` (``classes``: ``class_matrix``)."""
    width = 1 + max(c.end - c.window for c in batch)
    ids = torch.full((len(batch), width), vocab.sep_id, dtype=torch.long)
    for row, chunk in enumerate(batch):
        window = vocab.encode(sequences[chunk.index][chunk.window:chunk.end])
        ids[row, 1:1 + len(window)] = torch.tensor(window, dtype=torch.long)
    ids = ids.to(device)
    result = model(ids)
    host = {name: getattr(result, name).float().cpu().numpy() for name in _PER_POSITION}
    host.update(_head_signals(result.logits, ids, classes))
    for row, chunk in enumerate(batch):
        signals = out[chunk.index]
        # symbol t sits at input position t - window + 1; its prediction comes from position t - window
        own = slice(chunk.start - chunk.window + 1, chunk.end - chunk.window + 1)
        before = slice(own.start - 1, own.stop - 1)
        for name in _PER_POSITION:
            getattr(signals, name)[chunk.start:chunk.end] = host[name][row, own]
        for name in ("entropy", "surprisal", *CLASS_SIGNALS):
            getattr(signals, name)[chunk.start:chunk.end] = host[name][row, before]


def class_matrix(vocab: Vocab) -> torch.Tensor:
    """(V, len(CLASS_SIGNALS)) 0/1: whether each vocabulary symbol counts for each class signal (a symbol is
    classed by its first character; "<sep>" counts for p_sep alone, "<unk>" for none)."""
    names = [SEP if i == vocab.sep_id else None if i == vocab.unk_id else class_name(str(symbol)[:1])
             for i, symbol in enumerate(vocab.symbols)]
    return torch.tensor([[name in classes for classes in CLASS_SIGNALS.values()] for name in names],
                        dtype=torch.float32)


def _head_signals(logits: torch.Tensor, ids: torch.Tensor, classes: torch.Tensor) -> dict[str, np.ndarray]:
    """From logits (B, T, V): the next symbol's entropy in bits (B, T), its surprisal in bits (B, T-1) and
    each CLASS_SIGNALS probability (B, T) by the ``classes`` matrix (``class_matrix``); computed
    ``_HEAD_ROWS`` rows at a time (each row's values are those of a whole-batch pass)."""
    entropy, surprisal, masses = [], [], []
    for first in range(0, len(logits), _HEAD_ROWS):
        rows = slice(first, first + _HEAD_ROWS)
        log_probs = F.log_softmax(logits[rows].float(), dim=-1)  # (b, T, V)
        probs = log_probs.exp()
        entropy.append(-(probs * log_probs).sum(-1) / _LN2)  # (b, T)
        # log p at input position k of the symbol at input position k + 1
        next_ids = ids[rows, 1:].unsqueeze(-1)
        surprisal.append(-log_probs[:, :-1].gather(-1, next_ids).squeeze(-1) / _LN2)  # (b, T-1)
        masses.append(probs @ classes)  # (b, T, classes)
    stacked = torch.cat(masses).cpu().numpy()
    return {"entropy": torch.cat(entropy).cpu().numpy(), "surprisal": torch.cat(surprisal).cpu().numpy(),
            **{name: stacked[..., k] for k, name in enumerate(CLASS_SIGNALS)}}
