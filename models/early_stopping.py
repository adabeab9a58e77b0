"""Label-free early stopping: units held out of training, and the model of the evaluation with the lowest bits
per symbol on them.

Held-out bits per symbol need no gold boundaries. With ``TrainConfig.holdout`` the trainer holds out every k-th
training unit (k = round(1 / holdout)), scores them at every evaluation and keeps the best model: in memory, and
in the run directory as best-NNNNNNN/ (the model files) named by best.json (with its iteration and held-out
bits), so a resumed run keeps it. ``patience`` ends training after that many evaluations without a new best.
What it does to the ponder signal is measured in HALTING.md ("Early stopping": on Brent the held-out bits bottom
out after the ponder boundary F has peaked, so the kept model marks boundaries less well than the study's).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from segment.errors import ModelLoadError
from segment.files import write_atomic
from segment.models.act_lstm import ACTLanguageModel
from segment.models.checkpoint import read_json
from segment.models.dev_pass import evaluate_stream


def split_holdout(sequences: Sequence, fraction: float) -> tuple[list, list]:
    """(training units, held-out units): every k-th unit (k = round(1 / fraction)) is held out, so the two
    parts cover the whole corpus evenly; ValueError when no unit would be held out."""
    step = max(2, round(1 / fraction))
    held = list(sequences[step - 1::step])
    kept = [s for i, s in enumerate(sequences) if i % step != step - 1]
    if not held:
        raise ValueError(f"holdout {fraction} holds out no unit of {len(sequences)}: it needs at least "
                         f"{step} training units")
    return kept, held


class EarlyStopping:
    """Scores the held-out units at every evaluation and keeps the model with the lowest bits per symbol.
    ``measure(trainer)`` returns the fields of the evaluation's log record and asks the trainer to stop once
    ``patience`` evaluations (every ``eval_every`` iterations) have passed without a new best."""

    def __init__(self, held_out: Sequence, run_dir: Path | None, patience: int | None):
        self.held_out = held_out
        self.run_dir = run_dir
        self.patience = patience
        self.best: ACTLanguageModel | None = None
        self.best_bps = float("inf")
        self.best_iteration: int | None = None

    def resume(self) -> None:
        """Reload the best model a killed run recorded (nothing when it had none yet)."""
        if self.run_dir is None or not (self.run_dir / "best.json").is_file():
            return
        path = self.run_dir / "best.json"
        record = read_json(path)
        fields = {"model": str, "iteration": int, "holdout_bps": float}
        if not isinstance(record, dict) or not all(isinstance(record.get(k), t) for k, t in fields.items()):
            raise ModelLoadError(f"{path}: not an early-stopping record (model, iteration, holdout_bps)")
        self.best = ACTLanguageModel.from_pretrained(self.run_dir / record["model"])
        self.best_bps, self.best_iteration = record["holdout_bps"], record["iteration"]

    def exhausted(self, iteration: int, eval_every: int) -> bool:
        """True once ``patience`` evaluations have passed since the best one."""
        return (self.patience is not None and self.best_iteration is not None
                and iteration - self.best_iteration >= self.patience * eval_every)

    def measure(self, trainer) -> dict:
        """Held-out bits per symbol of the trainer's model now; a new best is kept (and written)."""
        cfg = trainer.config
        bps = evaluate_stream(trainer.module, self.held_out, seq_len=cfg.seq_len, rows=cfg.eval_rows,
                              max_symbols=cfg.eval_symbols, device=trainer.device).scores["dev_bps"]
        if bps < self.best_bps:
            self.best_bps, self.best_iteration = bps, trainer.iteration
            self.best = copy.deepcopy(trainer.module).cpu()
            self._write()
        if self.exhausted(trainer.iteration, cfg.eval_every):
            trainer.stop_requested = True
        return {"holdout_bps": bps, "best_iteration": self.best_iteration}

    def _write(self) -> None:
        """best-NNNNNNN/ written whole, then best.json pointed at it (atomically), then older ones dropped: a
        run killed at any moment resumes with a best model it reached."""
        if self.run_dir is None:
            return
        name = f"best-{self.best_iteration:07d}"
        tmp = self.run_dir / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        self.best.save_pretrained(tmp)
        shutil.rmtree(self.run_dir / name, ignore_errors=True)
        os.replace(tmp, self.run_dir / name)
        write_atomic(self.run_dir / "best.json", json.dumps(
            {"model": name, "iteration": self.best_iteration, "holdout_bps": self.best_bps}))
        for old in self.run_dir.glob("best-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
