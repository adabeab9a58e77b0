"""Tail weight averaging (Polyak-Ruppert): the uniform mean of a model's weights after every iteration from a
given one on, kept in float32 beside the training weights.

With ``TrainConfig.average_from`` the trainer updates the mean after each iteration from that one on, saves it
(and how many iterations it holds) in every checkpoint, so a resumed run averages exactly as an uninterrupted one
(a checkpoint without a mean resumes only from before the start), and saves the averaged model as the run's
model. The training weights go on unchanged: the optimizer never sees the mean. What it does to the ponder signal
is measured in HALTING.md ("Weight averaging").
"""

from __future__ import annotations

import copy

import torch

PREFIX = "average."


class WeightAverage:
    """The running mean of ``module``'s parameters over the iterations ``start``, ``start`` + 1, ..."""

    def __init__(self, module: torch.nn.Module, start: int):
        self.start = start
        self.count = 0
        self.mean = {name: torch.zeros_like(p, dtype=torch.float32) for name, p in module.named_parameters()}

    def update(self, module: torch.nn.Module, iteration: int) -> None:
        """Fold in the weights after ``iteration`` (a no-op before ``start``)."""
        if iteration < self.start:
            return
        self.count += 1
        with torch.no_grad():
            for name, p in module.named_parameters():
                self.mean[name].add_(p.detach().float() - self.mean[name], alpha=1.0 / self.count)

    def averaged(self, module: torch.nn.Module) -> torch.nn.Module:
        """A copy of ``module`` holding the mean weights (in its own dtypes); ValueError before any update."""
        if not self.count:
            raise ValueError(f"no weights averaged yet: averaging starts at iteration {self.start}")
        copied = copy.deepcopy(module)
        with torch.no_grad():
            for name, p in copied.named_parameters():
                p.copy_(self.mean[name].to(p.dtype))
        return copied

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """(tensors, JSON scalars) for a checkpoint."""
        return {PREFIX + name: t for name, t in self.mean.items()}, {"count": self.count, "start": self.start}

    def load(self, tensors: dict[str, torch.Tensor], scalars: dict | None) -> None:
        """Restore from a checkpoint's tensors and scalars (``scalars`` None: a checkpoint of a run without
        averaging, from before ``start``, so nothing averaged yet; the trainer refuses one from later)."""
        if scalars is None:
            return
        self.count = int(scalars["count"])
        for name, mean in self.mean.items():
            mean.copy_(tensors[PREFIX + name])
