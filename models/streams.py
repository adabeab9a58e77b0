"""Training data as one symbol stream: units joined by "<sep>", cut into rows, read in consecutive chunks."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from segment.models.vocab import Vocab


def encode_stream(sequences: Sequence, vocab: Vocab) -> tuple[torch.Tensor, list[int]]:
    """Units joined by <sep> (one before each unit) as a long tensor, and the stream index of each
    unit's first symbol. Filled unit by unit into one preallocated tensor (no list of every id)."""
    lengths = [len(seq) for seq in sequences]
    stream = torch.empty(sum(lengths) + len(lengths), dtype=torch.long)
    starts = []
    position = 0
    for seq, n in zip(sequences, lengths):
        stream[position] = vocab.sep_id
        stream[position + 1:position + 1 + n] = torch.tensor(vocab.encode(seq), dtype=torch.long)
        starts.append(position + 1)
        position += n + 1
    return stream, starts


class StreamBatches:
    """Consecutive (ids, targets) chunks of a stream cut into rows; rows [rank*rows, (rank+1)*rows) of
    rows*world contiguous rows belong to this process. Chunk i of an epoch covers inputs
    [i*seq_len, (i+1)*seq_len) of each row (the last one may be shorter)."""

    def __init__(self, stream: torch.Tensor, rows: int, seq_len: int, rank: int = 0, world: int = 1):
        total_rows = rows * world
        length = len(stream) // total_rows
        if length < 2:
            raise ValueError(f"a stream of {len(stream)} symbols is too short for {total_rows} rows")
        tiled = stream[:length * total_rows].view(total_rows, length)
        self.rows = tiled[rank * rows:(rank + 1) * rows]  # (rows, length)
        self.seq_len = seq_len
        self.chunks = math.ceil((length - 1) / seq_len)  # chunks per epoch

    def __getitem__(self, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = (position % self.chunks) * self.seq_len
        end = min(start + self.seq_len, self.rows.shape[1] - 1)
        return self.rows[:, start:end], self.rows[:, start + 1:end + 1]  # (rows, <= seq_len) each

    def starts_epoch(self, position: int) -> bool:
        return position % self.chunks == 0
