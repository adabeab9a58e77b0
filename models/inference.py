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
``chunk_len`` and ``batch_size`` are. Memory holds one batch of chunks plus the output arrays.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from segment.boundaries import Symbols
from segment.models.act_lstm import ACTLanguageModel
from segment.models.vocab import Vocab

log = logging.getLogger(__name__)

_LN2 = math.log(2.0)


@dataclass
class Signals:
    """One float32 array of length n per signal, for a sequence of n symbols x_0 .. x_{n-1}."""

    ponder: np.ndarray  # rho = N + R while reading x_t
    steps: np.ndarray  # N, the number of updates spent on x_t
    remainder: np.ndarray  # R
    halt_first: np.ndarray  # halting output of the first update on x_t
    entropy: np.ndarray  # H(X_t | x_<t) in bits, from the output before x_t is read
    surprisal: np.ndarray  # -log2 p(x_t | x_<t) in bits

    @classmethod
    def empty(cls, n: int) -> Signals:
        return cls(**{f.name: np.zeros(n, dtype=np.float32) for f in fields(cls)})


#: The names of the per-symbol signals, in Signals field order.
SIGNAL_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Signals))


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
        shown = ", ".join(f"{symbol!r} x{count}" for symbol, count in counts.most_common(10))
        more = f" and {len(counts) - 10} more" if len(counts) > 10 else ""
        log.warning("%d occurrence(s) of %d symbol(s) unseen in training were read as <unk>: %s%s",
                    total, len(counts), shown, more)
    return total


def compute_signals(model: ACTLanguageModel, sequences: Sequence[Symbols], *, batch_size: int = 512,
                    chunk_len: int = 256, context: int = 64, device: str | torch.device = "cpu",
                    progress: bool | None = None) -> list[Signals]:
    """Signals of ``model`` for each sequence (see the module docstring for the chunking).

    The model is moved to ``device`` and run in eval mode (its training flag is restored afterwards).
    ``progress``: a tqdm bar on stderr (None: only when stderr is a terminal).
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
    was_training = model.training
    model.to(device).eval()
    try:
        with torch.inference_mode(), tqdm(total=len(chunks), desc="signals", unit="chunk", disable=(
                None if progress is None else not progress), leave=False) as bar:
            for batch in _batches(chunks, batch_size):
                _run_batch(model, vocab, sequences, batch, out, device)
                bar.update(len(batch))
    finally:
        model.train(was_training)
    return out


def _run_batch(model: ACTLanguageModel, vocab: Vocab, sequences: Sequence[Symbols], batch: list[_Chunk],
               out: list[Signals], device) -> None:
    """Run one batch of chunks and write their kept positions into ``out``."""
    width = 1 + max(c.end - c.window for c in batch)
    ids = torch.full((len(batch), width), vocab.sep_id, dtype=torch.long)
    for row, chunk in enumerate(batch):
        window = vocab.encode(sequences[chunk.index][chunk.window:chunk.end])
        ids[row, 1:1 + len(window)] = torch.tensor(window, dtype=torch.long)
    ids = ids.to(device)
    result = model(ids)
    log_probs = F.log_softmax(result.logits.float(), dim=-1)  # (B, T, V)
    entropy = -(log_probs.exp() * log_probs).sum(-1) / _LN2  # (B, T): entropy of the next symbol
    # the next symbol's surprisal: log p at input position k of the symbol at input position k + 1
    surprisal = -log_probs[:, :-1].gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1) / _LN2  # (B, T-1)
    per_position = {"ponder": result.ponder, "steps": result.steps, "remainder": result.remainder,
                    "halt_first": result.halt_first}
    host = {name: value.float().cpu().numpy() for name, value in per_position.items()}
    host["entropy"] = entropy.cpu().numpy()
    host["surprisal"] = surprisal.cpu().numpy()
    for row, chunk in enumerate(batch):
        signals = out[chunk.index]
        # symbol t sits at input position t - window + 1; its prediction comes from position t - window
        own = slice(chunk.start - chunk.window + 1, chunk.end - chunk.window + 1)
        before = slice(own.start - 1, own.stop - 1)
        for name in ("ponder", "steps", "remainder", "halt_first"):
            getattr(signals, name)[chunk.start:chunk.end] = host[name][row, own]
        signals.entropy[chunk.start:chunk.end] = host["entropy"][row, before]
        signals.surprisal[chunk.start:chunk.end] = host["surprisal"][row, before]
