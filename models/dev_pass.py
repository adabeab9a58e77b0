"""The dev evaluation pass of training: bits per symbol and the ponder signal on held-out units.

What to score beyond the language model (boundary F of ponder peaks, say) is the caller's: a ``DevMetrics``
callable gets the units read and their ponder signals and returns more fields for the log record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from segment.models.act_lstm import ACTLanguageModel
from segment.models.streams import encode_stream

LN2 = math.log(2)

#: (units read, their ponder signals rho (float32, one value per symbol)) -> more fields for the dev record
DevMetrics = Callable[[list, list[np.ndarray]], dict[str, float]]


@dataclass
class DevPass:
    """One dev pass: its scores and, per unit read, the unit and its ponder signal."""

    scores: dict[str, float]  # dev_bps, ponder_mean, ponder_std, dev_symbols
    units: list  # the first whole units that fit in max_symbols
    ponder: list[np.ndarray]  # rho of each symbol of each unit, float32 (len(unit),)


@torch.no_grad()
def evaluate_stream(model: ACTLanguageModel, sequences: Sequence, *, seq_len: int, rows: int = 64,
                    max_symbols: int = 100_000, device="cpu") -> DevPass:
    """Bits per symbol (every stream symbol, <sep> included, predicted from its left context), mean and
    standard deviation of ponder time over whole units read within max_symbols, and each unit's ponder
    signal. The stream is read as ``rows`` contiguous rows in seq_len chunks, state carried."""
    kept, total = 0, 0
    while kept < len(sequences) and (kept == 0 or total + len(sequences[kept]) + 1 <= max_symbols):
        total += len(sequences[kept]) + 1
        kept += 1
    units = list(sequences[:kept])
    stream, starts = encode_stream(units, model.vocab)
    stream = torch.cat([stream, stream.new_tensor([model.vocab.sep_id])])  # the last unit's end is predicted
    rows = max(1, min(rows, (len(stream) - 1) // 2))
    length = math.ceil((len(stream) - 1) / rows)
    padded = F.pad(stream, (0, rows * length + 1 - len(stream)), value=-100)
    inputs = padded[:-1].view(rows, length)  # (rows, length)
    targets = padded[1:].view(rows, length)
    was_training = model.training
    model.eval()
    ponder, nll, state = [], [], None
    for start in range(0, length, seq_len):
        ids = inputs[:, start:start + seq_len].to(device)
        out = model(ids.clamp(min=0), state=state)
        state = out.state
        nll.append(F.cross_entropy(out.logits.float().transpose(1, 2), targets[:, start:start + seq_len].to(device),
                                   reduction="none", ignore_index=-100).cpu())
        ponder.append(out.ponder.float().cpu())
    model.train(was_training)
    nll_flat = torch.cat(nll, 1).flatten()[:len(stream) - 1]  # (symbols,)
    ponder_flat = torch.cat(ponder, 1).flatten()[:len(stream) - 1]
    scores = {"dev_bps": float(nll_flat.mean() / LN2), "ponder_mean": float(ponder_flat.mean()),
              "ponder_std": float(ponder_flat.std()), "dev_symbols": len(stream) - 1}
    signal = ponder_flat.numpy()
    return DevPass(scores, units, [signal[s:s + len(u)] for s, u in zip(starts, units)])
